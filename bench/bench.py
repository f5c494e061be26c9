"""`make bench`: speed and memory figures, printed, never asserted.
`bench.py startup` prints only the start-up figures (the command line, the first prompt
warm and cold, a scripted run).

Whole-process times are medians of repeated runs of the installed `crisisplay`, each
beside `python -c "import typer"` measured in the same run, so a slow machine slows both.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CRISISPLAY = str(BIN / "crisisplay")
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


# Linux hands a child the peak RSS of the process it was forked (or vforked) from, and
# this bench grows to hundreds of MB building its data: measured directly, every command
# after that would seem to use as much. So each command runs under this small launcher,
# which forks it from a ~10 MB process and reports its wall time and its own peak.
_LAUNCHER = """
import json, os, sys, time
fd = int(sys.argv[1])
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
ms = (time.perf_counter() - start) * 1000
os.write(fd, json.dumps([ms, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)]).encode())
"""


def run_measured(
    argv: list[str],
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
    stdout: int | None = subprocess.DEVNULL,
) -> tuple[float, float, int, bytes]:
    """One run: wall time (ms), the command's own peak RSS (MB), exit code, its stdout."""
    read, write = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-S", "-c", _LAUNCHER, str(write), *argv],
        stdout=stdout,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.PIPE if stdin is not None else None,
        env=env,
        pass_fds=(write,),
    )
    os.close(write)
    out, _ = proc.communicate(stdin)
    with os.fdopen(read, "rb") as f:
        report = f.read()
    if proc.returncode != 0 or not report:
        raise SystemExit(f"{argv}: the bench launcher failed")
    ms, mb, code = json.loads(report)
    return ms, mb, code, out or b""


def whole_process(
    argv: list[str],
    runs: int = RUNS,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
    ok: tuple[int, ...] = (0,),
) -> tuple[float, float]:
    """Median wall time (ms) and peak RSS (MB) of a command, over `runs` runs."""
    times = []
    peak = 0.0
    for _ in range(runs):
        ms, mb, code, _ = run_measured(argv, env, stdin)
        times.append(ms)
        peak = max(peak, mb)
        if code not in ok:
            raise SystemExit(f"{argv} exited {code}")
    return statistics.median(times), peak


def big_playbook(n_steps: int) -> str:
    stages = ["detect", "hold", "verify", "apologise", "remedy", "close"]
    per = n_steps // len(stages)
    out = [
        "schema: crisisplay/v1",
        "id: big",
        "version: 1.0.0",
        "name: Big",
        "language: en",
        "client:",
        "  name: Big Co",
        "  platforms: [x, facebook]",
        "  contacts:",
        "    - {name: Ana, role: account-manager, reach: '+34 600'}",
        "stages:",
    ]
    for s, stage in enumerate(stages):
        out += [
            f"  - id: {stage}",
            f"    title: Stage {stage}",
            f"    goal: Goal of {stage}",
            f"    due: {s + 1}h",
            "    steps:",
        ]
        for i in range(per):
            sid = f"{stage}-s{i}"
            kind = i % 5
            if kind == 0:
                out += [f"      - id: {sid}", f"        check: Do task {i} carefully."]
            elif kind == 1:
                out += [
                    f"      - id: {sid}",
                    f"        ask: What is answer {i}?",
                    "        input: text",
                    f"        save_as: v_{stage}_{i}",
                ]
            elif kind == 2:
                out += [
                    f"      - id: {sid}",
                    f"        decide: Choose {i}",
                    "        options:",
                    "          - label: Go on",
                    "          - label: Skip ahead",
                    f"            goto: {stage}-s{i + 2}"
                    if i + 2 < per
                    else "            goto: end",
                ]
            elif kind == 3:
                out += [f"      - id: {sid}", f"        note: Read guidance {i}."]
            else:
                out += [
                    f"      - id: {sid}",
                    "        notify: Tell the account manager.",
                    "        roles: [account-manager]",
                ]
    return "\n".join(out) + "\n"


def row(label: str, ms: float, mb: float, target: str = "") -> None:
    print(f"  {label:<44} {ms:8.1f} ms  {mb:6.1f} MB  {target}")


def paired_times(
    commands: dict[str, list[str]], runs: int, env: dict[str, str]
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Every wall time (ms) and the peak RSS (MB) of several commands timed in the same
    loop, turn by turn, so a busy (shared) machine slows each of them alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks = dict.fromkeys(commands, 0.0)
    for _ in range(runs):
        for name, argv in commands.items():
            ms, mb, code, _ = run_measured(argv, env)
            if code not in (0,):
                raise SystemExit(f"{argv} exited {code}")
            times[name].append(ms)
            peaks[name] = max(peaks[name], mb)
    return times, peaks


def paired(
    commands: dict[str, list[str]], runs: int, env: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Median wall time (ms) and peak RSS (MB) of several commands timed in the same loop,
    turn by turn, so a busy (shared) machine slows each of them alike: compare their ratios."""
    times, peaks = paired_times(commands, runs, env)
    return {name: (statistics.median(times[name]), peaks[name]) for name in commands}


def paired_ratio(times: dict[str, list[float]], name: str, base: str) -> float:
    """The median of `name`'s time over `base`'s, taken run by run."""
    return statistics.median(t / b for t, b in zip(times[name], times[base], strict=True))


def private_env(tmp: Path) -> dict[str, str]:
    """The bench's environment: a private home, cache and HOME (never the user's own)."""
    return dict(
        os.environ,
        CRISISPLAY_HOME=str(tmp / "home"),
        CRISISPLAY_CACHE_DIR=str(tmp / "cache"),
        XDG_CACHE_HOME=str(tmp / "xdg-cache"),
        HOME=str(tmp / "user"),
        NO_COLOR="1",
    )


def compile_bytecode() -> None:
    """Measure what users run: the package's bytecode compiled beforehand."""
    import compileall

    compileall.compile_dir(str(ROOT / "src" / "crisisplay"), quiet=1)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="crisisplay-bench-"))
    env = private_env(tmp)
    (tmp / "user").mkdir()
    compile_bytecode()
    try:
        print(f"crisisplay bench — {RUNS} runs each, median wall time, peak RSS")
        print(f"  python {sys.version.split()[0]} on {os.cpu_count()} cores\n")
        times, peaks = paired_times(
            {
                "typer": [sys.executable, "-c", "import typer"],
                "version": [CRISISPLAY, "--version"],
                "help": [CRISISPLAY, "--help"],
            },
            RUNS,
            env,
        )
        row(
            "python -c 'import typer' (baseline)", statistics.median(times["typer"]), peaks["typer"]
        )
        for name, target in (("version", "1.5x"), ("help", "1.2x")):
            ratio = paired_ratio(times, name, "typer")
            row(
                f"crisisplay --{name}",
                statistics.median(times[name]),
                peaks[name],
                f"{ratio:.2f}x import typer paired (target ≤ {target})",
            )
        if sys.argv[1:] == ["startup"]:  # `bench.py startup`: only the start-up figures
            bench_tmux_first_prompt(tmp, env)
            bench_scripted(tmp, env)
            return
        shipped = [str(p) for p in sorted((ROOT / "playbooks").rglob("*.yaml"))]
        ms, mb = whole_process([CRISISPLAY, "playbook", "validate", *shipped], env=env)
        row(f"playbook validate (shipped, {len(shipped)} files)", ms, mb, "target < 250 ms")
        big = tmp / "big.yaml"
        big.write_text(big_playbook(500), encoding="utf-8")
        ms, mb = whole_process([CRISISPLAY, "playbook", "validate", str(big)], env=env)
        row("playbook validate (500 steps)", ms, mb, "target < 400 ms")
        for extra in EXTRA:
            extra(tmp, env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_walk(tmp: Path, env: dict[str, str]) -> None:
    """Start-up to the first prompt, a whole scripted run, one event, a 100k-event verify."""
    import pexpect

    times = []
    for i in range(max(5, RUNS // 3)):
        start = time.perf_counter()
        child = pexpect.spawn(
            CRISISPLAY,
            ["start", "-p", "default", "-c", "Bench Co", "-t", f"bench {i}", "-s", "2"],
            env=env,
            timeout=10,
        )
        child.expect("first seen")
        times.append((time.perf_counter() - start) * 1000)
        child.terminate(force=True)
    row("start → first prompt (pexpect)", statistics.median(times), 0, "target < 300 ms")
    bench_tmux_first_prompt(tmp, env)
    bench_scripted(tmp, env)

    from crisisplay.incident.log import IncidentLog

    log = IncidentLog.create(tmp / "one-event", "bench")
    costs = []
    for n in range(300):
        start = time.perf_counter()
        log.append("note", {"text": f"event {n}", "step": "x"})
        costs.append((time.perf_counter() - start) * 1000)
    log.close()
    print(
        f"  {'record one event (append + fsync), median':<44} {statistics.median(costs):8.2f} ms"
        f"  (p90 {sorted(costs)[int(len(costs) * 0.9)]:.2f} ms)"
    )

    incident = tmp / "home" / "incidents" / "bench-100k"
    write_synthetic_log(incident, 100_000)
    ms, mb = whole_process([CRISISPLAY, "log", "verify", "bench-100k"], runs=5, env=env)
    row("log verify, 100,000 events", ms, mb, "target < 1.5 s, < 100 MB")


class Terminal:
    """A private tmux server (its own socket in the bench's folder, never the person's
    server) running a shell, in which a command is typed as a person would type it."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.socket = str(tmp / "bench.tmux")
        self.env = {**env, "PS1": "$ "}
        self.tmux("new-session", "-d", "-s", "b", "-x", "120", "-y", "40", "sh")

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args], capture_output=True, text=True, env=self.env
        )

    def until_shown(self, command: str, text: str) -> float:
        """Type `command` and Enter; the ms until `text` is on the screen (then Ctrl-C)."""
        self.tmux("send-keys", "-t", "b", "clear", "Enter")
        time.sleep(0.2)
        start = time.perf_counter()
        self.tmux("send-keys", "-t", "b", command, "Enter")
        while text not in self.tmux("capture-pane", "-p", "-t", "b").stdout:
            if time.perf_counter() - start > 10:
                raise SystemExit(f"{text!r} never appeared in tmux after {command}")
            time.sleep(POLL_S)
        ms = (time.perf_counter() - start) * 1000
        self.tmux("send-keys", "-t", "b", "C-c")
        gone = time.perf_counter() + 5  # until the command has ended (`; clear` ran), so
        while text in self.tmux("capture-pane", "-p", "-t", "b").stdout:  # that nothing of
            if time.perf_counter() > gone:  # it still runs beside the next measurement
                break
            time.sleep(0.02)
        time.sleep(0.2)
        return ms

    def close(self) -> None:
        self.tmux("kill-server")


#: Between two looks at the screen: looking is a tmux client process, and looking without
#: a pause takes the CPU the command being measured needs when the machine has one core
#: free (BENCH_POLL_MS=0 looks without pausing, as this bench did before).
POLL_S = float(os.environ.get("BENCH_POLL_MS", "5")) / 1000
START = "start -p default -c 'Bench Co' -t 'bench' -s 2"
FIRST_PROMPT = "first seen"


def bench_scripted(tmp: Path, env: dict[str, str]) -> None:
    """A whole scripted run of the default playbook, from an answers file."""
    sys.path.insert(0, str(ROOT / "tests"))
    from ruamel.yaml import YAML

    from answering import UNHAPPY_PATH, answers_for
    from crisisplay.home import Home
    from crisisplay.playbook.library import Library

    resolved = Library(Home(tmp / "home", "env")).load("default")
    answers = answers_for(resolved, UNHAPPY_PATH)
    path = tmp / "answers.yaml"
    with path.open("w", encoding="utf-8") as f:
        YAML().dump(answers, f)
    ms, mb = whole_process([CRISISPLAY, "start", "--answers", str(path)], env=env)
    row(f"scripted run of default ({len(answers) - 1} steps)", ms, mb, "target ≤ 450 ms")


def bench_tmux_first_prompt(tmp: Path, env: dict[str, str]) -> None:
    """Launch to first prompt as a person sees it: in a real terminal (a private tmux
    server), from the keystroke that runs the command to the prompt on screen, each run
    paired with `python -c "import typer"` in the same loop.

    Then the first run after an install against a warm one, paired the same way: a cold
    run has a fresh copy of the package laid out as an install lays it out (bytecode as the
    install step leaves it, shipped files inside), a fresh home, cache and HOME; a warm run
    is the same command on the installed package after a run has filled its cache."""
    if shutil.which("tmux") is None:
        print("  start → first prompt (tmux)                  skipped: tmux is not installed")
        return
    term = Terminal(tmp, env)
    command = f"{CRISISPLAY} {START}; clear"
    try:
        term.until_shown(command, FIRST_PROMPT)  # fills the cache: what every later run finds
        ratios, prompt_ms, typer_ms = [], [], []
        for _ in range(max(5, RUNS // 2)):
            base, _, _, _ = run_measured([sys.executable, "-c", "import typer"])
            ms = term.until_shown(command, FIRST_PROMPT)
            prompt_ms.append(ms)
            typer_ms.append(base)
            ratios.append(ms / base)
        row(
            "start → first prompt (tmux, as seen)",
            statistics.median(prompt_ms),
            0,
            f"{statistics.median(ratios):.2f}x import typer paired "
            f"(typer {statistics.median(typer_ms):.0f} ms); targets ≤ 300 ms, ≤ 3x",
        )
        bench_cold_start(tmp, env, term)
    finally:
        term.close()


def installed_copy(folder: Path, compiled: bool) -> Path:
    """A fresh copy of the package as an install lays it out: the code without any
    `__pycache__`, the shipped playbooks, templates and scenarios inside it, and, when
    `compiled`, its bytecode made by the same command as the Makefile's install step.
    Returns the folder to put first on PYTHONPATH."""
    package = folder / "crisisplay"
    shutil.copytree(
        ROOT / "src" / "crisisplay", package, ignore=shutil.ignore_patterns("__pycache__")
    )
    for shipped in ("playbooks", "templates", "scenarios"):
        shutil.copytree(ROOT / shipped, package / "_shipped" / shipped)
    if compiled:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], check=True)
    where = subprocess.run(
        [sys.executable, "-c", "import crisisplay.home as h; print(h.shipped_root())"],
        env={**os.environ, "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if Path(where) != package / "_shipped":
        raise SystemExit(f"the fresh copy in {folder} is not the package that runs ({where})")
    return folder


def bench_cold_start(tmp: Path, env: dict[str, str], term: Terminal) -> None:
    """First prompt of the first run after an install (cold) against a warm one, and
    against one with no bytecode at all (an install without the compile step)."""
    warm_env = f"env CRISISPLAY_CACHE_DIR={tmp / 'cache'} HOME={tmp / 'user'}"
    cold_ms: list[float] = []
    bare_ms: list[float] = []
    warm_ms: list[float] = []
    ratios: list[float] = []
    bare_ratios: list[float] = []
    fresh_runs = []  # every fresh install made first: copying and compiling are not timed
    for n in range(max(5, RUNS // 2)):
        runs = {}
        for kind in ("cold", "bare"):
            fresh = tmp / f"{kind}-{n}"
            site = installed_copy(fresh / "site", compiled=kind == "cold")
            (fresh / "user").mkdir()
            runs[kind] = (
                f"env PYTHONPATH={site} CRISISPLAY_HOME={fresh / 'home'} "
                f"CRISISPLAY_CACHE_DIR={fresh / 'cache'} XDG_CACHE_HOME={fresh / 'xdg'} "
                f"HOME={fresh / 'user'} {CRISISPLAY} {START}; clear"
            )
        fresh_runs.append(runs)
    os.sync()  # the copies on disk before the first run: their writing is not timed either
    time.sleep(1)
    for runs in fresh_runs:
        warm = term.until_shown(f"{warm_env} {CRISISPLAY} {START}; clear", FIRST_PROMPT)
        cold = term.until_shown(runs["cold"], FIRST_PROMPT)
        bare = term.until_shown(runs["bare"], FIRST_PROMPT)
        warm_ms.append(warm)
        cold_ms.append(cold)
        bare_ms.append(bare)
        ratios.append(cold / warm)
        bare_ratios.append(bare / warm)
    warm = statistics.median(warm_ms)
    row("start → first prompt, warm (tmux)", warm, 0, "a run after another")
    row(
        "start → first prompt, first after install",
        statistics.median(cold_ms),
        0,
        f"{statistics.median(ratios):.2f}x warm paired (target ≤ 2x)",
    )
    row(
        "  … and with no bytecode compiled",
        statistics.median(bare_ms),
        0,
        f"{statistics.median(bare_ratios):.2f}x warm paired (what the install's compile spares)",
    )


def write_synthetic_log(folder: Path, count: int) -> None:
    """A long incident written with the log's own serialisation and chaining (no fsync per
    line, so it takes seconds, not minutes)."""
    import hashlib

    from crisisplay.incident.log import GENESIS, encode_event

    folder.mkdir(parents=True, exist_ok=True)
    prev = GENESIS
    with open(folder / "log.jsonl", "w", encoding="utf-8") as f:
        for seq in range(count):
            event = {
                "v": 1,
                "seq": seq,
                "prev": prev,
                "ts": "2026-11-20T08:00:00.000000Z",
                "type": "incident.opened" if seq == 0 else "note",
                "actor": "bench",
                "data": {
                    "incident": "bench-100k",
                    "title": "bench",
                    "severity": 2,
                    "client": {"name": "Bench", "slug": "bench"},
                    "first_seen": "2026-11-20T08:00:00Z",
                    "playbook": {},
                }
                if seq == 0
                else {"text": f"note {seq}: mentions doubling", "step": None},
            }
            line = encode_event(event)
            f.write(line + "\n")
            prev = hashlib.sha256(line.encode("utf-8")).hexdigest()


def bench_features(tmp: Path, env: dict[str, str]) -> None:
    """The figures of the checker, the report, stats and drills (each in its own file)."""
    from bench_check import bench_check
    from bench_drill import bench_drill
    from bench_report import bench_report
    from bench_stats import bench_stats

    for bench in (bench_check, bench_report, bench_stats, bench_drill):
        print()
        bench(tmp, env)


EXTRA = [bench_walk, bench_features]

if __name__ == "__main__":
    main()
