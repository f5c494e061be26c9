"""`make bench`: speed and memory figures, printed, never asserted.

Whole-process times are medians of repeated runs of the installed `crisisplay`, each
beside `python -c "import typer"` measured in the same run, so a slow machine slows both.
"""

from __future__ import annotations

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


def whole_process(
    argv: list[str], runs: int = RUNS, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> tuple[float, float]:
    """Median wall time (ms) and peak RSS (MB) of a command, over `runs` runs."""
    times = []
    peak = 0.0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.PIPE if stdin is not None else None,
            env=env,
        )
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        times.append((time.perf_counter() - start) * 1000)
        peak = max(peak, usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0,):
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


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="crisisplay-bench-"))
    env = dict(os.environ, CRISISPLAY_HOME=str(tmp / "home"), NO_COLOR="1")
    try:
        print(f"crisisplay bench — {RUNS} runs each, median wall time, peak RSS")
        print(f"  python {sys.version.split()[0]} on {os.cpu_count()} cores\n")
        typer_ms, typer_mb = whole_process([sys.executable, "-c", "import typer"])
        row("python -c 'import typer' (baseline)", typer_ms, typer_mb)
        ms, mb = whole_process([CRISISPLAY, "--version"], env=env)
        row("crisisplay --version", ms, mb, f"{ms / typer_ms:.2f}x typer (target ≤ 1.5x)")
        ms, mb = whole_process([CRISISPLAY, "--help"], env=env)
        row("crisisplay --help", ms, mb, f"{ms / typer_ms:.2f}x typer (target ≤ 2x)")
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


# Later sections (the walk, the log, the checker, reports) append functions here.
EXTRA: list = []  # type: ignore[type-arg]

if __name__ == "__main__":
    main()
