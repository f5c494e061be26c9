"""The kill-and-resume stress run of `make stress`, and the checker that makes it fail.

A round SIGKILLs the real program — `crisisplay start --answers F`, then zero or more
`crisisplay resume ID --answers F` — at random moments, resumes to the end, and checks
the incident folder against an uninterrupted run of the same answers:

* every step of the path recorded exactly once, in order, and `log verify --json` ok;
* the events equal the uninterrupted run's on what matters (type, actor, `at`, data),
  leaving out `ts`, `prev`, `seq` and the bookkeeping a kill legitimately adds
  (`recovery`, `session.resumed`, `session.paused`); every answer carries an `at:` time,
  so the data (deadlines missed, rendered texts, approvals) is the same in every run;
* the derived files: one `statements/{seq:05d}-{step}-{platform}.txt` per published text
  holding exactly that text and a newline, and nothing else in `statements/` (hidden files
  aside: writes a kill cut short before their rename); `playbook.json` whose `content`
  hashes to the sha256 `incident.opened` records; every quarantine file named by a
  `recovery` event, with the bytes it records.

`check_incident` is the checker on its own, so a test can tamper with a finished
incident and see it caught. `bench/stress.py` is the command-line front end.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from answering import answers_for, write_yaml

EXE = Path(sys.executable).parent / "crisisplay"
#: events a kill may legitimately add to a log: they are left out of the comparison
BOOKKEEPING = frozenset({"recovery", "session.resumed", "session.paused"})
STATEMENTS = "statements"
SNAPSHOT = "playbook.json"
QUARANTINE_PREFIX = "log.quarantine."


# --- answers -------------------------------------------------------------------------------


def timed_answers(
    resolved: Any, choose: dict[str, str] | None = None, *, every: timedelta = timedelta(minutes=1)
) -> dict[str, Any]:
    """`answers_for`, with each step answered `every` after the one before (from the
    incident's `at`): every run of these answers records the same data, to the byte."""
    from crisisplay.incident.walk import parse_time
    from crisisplay.times import rfc3339

    answers = answers_for(resolved, choose)
    t = parse_time(answers["incident"]["at"])
    out: dict[str, Any] = {"incident": answers["incident"]}
    for step, value in answers.items():
        if step == "incident":
            continue
        t += every
        at = rfc3339(t)
        out[step] = dict(value, at=at) if isinstance(value, dict) else {"value": value, "at": at}
    return out


# --- the checker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing wrong with an incident: which check, and what it saw."""

    check: str  # "run", "chain", "steps", "events", "statements", "snapshot", "quarantine"
    detail: str
    kind: str = ""  # what kind of wrong, for the tally: "missing", "stray", "duplicated", …

    def __str__(self) -> str:
        return f"{self.check}: {self.detail}"


@dataclass
class Reference:
    """What an uninterrupted run of the answers recorded, and the path the answers walk."""

    steps: list[str]
    events: list[dict[str, Any]]  # comparable(), of the uninterrupted run

    @classmethod
    def from_folder(cls, folder: Path, steps: list[str]) -> Reference:
        return cls(list(steps), comparable(read_log(folder)[0]))


def read_log(folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The events of the log's complete lines, and what could not be read (never raises)."""
    events: list[dict[str, Any]] = []
    problems: list[str] = []
    try:
        raw = (folder / "log.jsonl").read_bytes()
    except OSError as e:
        return [], [f"cannot read log.jsonl ({e.strerror or e})"]
    lines = raw.split(b"\n")
    if lines[-1]:
        problems.append(f"log.jsonl ends with a torn line of {len(lines[-1])} bytes")
    for n, line in enumerate(lines[:-1], start=1):
        try:
            event = json.loads(line)
        except ValueError:
            problems.append(f"line {n} of log.jsonl is not JSON")
            continue
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            problems.append(f"line {n} of log.jsonl is not an event")
            continue
        events.append(event)
    return events, problems


def comparable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events as compared between runs: no `ts`/`prev`/`seq`, no bookkeeping events, and
    no incident id (a start killed while opening leaves its id taken: the next is `-02`)."""
    out = []
    for e in events:
        if e.get("type") in BOOKKEEPING:
            continue
        data = e["data"]
        if e.get("type") == "incident.opened":
            data = {**data, "incident": "(id)"}
        out.append(
            {"type": e.get("type"), "actor": e.get("actor"), "at": e.get("at"), "data": data}
        )
    return out


def canonical_sha256(content: Any) -> str:
    canon = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _short(value: Any, width: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"


def _label(e: dict[str, Any]) -> str:
    step = e["data"].get("step") if e["type"] == "step" else None
    return f"{e['type']} {step}" if step else str(e["type"])


def check_chain(
    folder: Path, env: dict[str, str] | None = None, *, cli: bool = True
) -> list[Finding]:
    """`crisisplay log verify ID --json`, the real command: exit 0 and `ok`. With
    `cli=False`, the function that command calls, in this process (for quick tests)."""
    if not cli:
        from crisisplay.incident.log import verify

        result = verify(folder / "log.jsonl")
        return [Finding("chain", p) for p in result.problems[:3]]
    home = folder.parent.parent
    proc = _run([str(EXE), "log", "verify", folder.name, "--json"], home, env, timeout=60)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = None
    if proc.returncode != 0 or not isinstance(report, dict) or report.get("ok") is not True:
        problems = report.get("problems") if isinstance(report, dict) else None
        why = "; ".join(problems[:3]) if problems else (proc.stderr.strip() or proc.stdout.strip())
        return [Finding("chain", f"log verify exited {proc.returncode}: {why[:400]}")]
    return []


def check_steps(events: list[dict[str, Any]], expected: list[str]) -> list[Finding]:
    """Each step of the path recorded exactly once, in the path's order, and no other."""
    found: list[Finding] = []
    seqs: dict[str, list[int]] = {}
    order = []
    for e in events:
        if e.get("type") == "step":
            step = e["data"].get("step")
            seqs.setdefault(step, []).append(e.get("seq", -1))
            order.append(step)
    for step in expected:
        n = len(seqs.get(step, []))
        if n == 0:
            found.append(Finding("steps", f"step '{step}' is not in the log (lost)", "lost"))
        elif n > 1:
            at = ", ".join(map(str, seqs[step]))
            found.append(
                Finding("steps", f"step '{step}' recorded {n} times (seq {at})", "duplicated")
            )
    for step in seqs:
        if step not in expected:
            found.append(
                Finding("steps", f"step '{step}' is not on the path but was recorded", "unexpected")
            )
    once = list(dict.fromkeys(order))
    if not found and once != expected:
        first = next(i for i, (a, b) in enumerate(zip(once, expected, strict=False)) if a != b)
        found.append(
            Finding("steps", f"step {first + 1} is '{once[first]}', expected '{expected[first]}'")
        )
    return found


def check_events(events: list[dict[str, Any]], reference: Reference) -> list[Finding]:
    """The same events as the uninterrupted run, bookkeeping aside: the first difference."""
    got, want = comparable(events), reference.events
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        if g == w:
            continue
        if g["type"] != w["type"] or g["data"].get("step") != w["data"].get("step"):
            return [
                Finding(
                    "events",
                    f"event {i + 1} (bookkeeping aside) is '{_label(g)}', the uninterrupted "
                    f"run has '{_label(w)}' there",
                )
            ]
        diffs = [
            f"{k}: {_short(g.get(k))} != {_short(w.get(k))}"
            for k in ("actor", "at")
            if g.get(k) != w.get(k)
        ]
        keys = sorted(set(g["data"]) | set(w["data"]))
        diffs += [
            f"data.{k}: {_short(g['data'].get(k))} != {_short(w['data'].get(k))}"
            for k in keys
            if g["data"].get(k) != w["data"].get(k)
        ]
        return [Finding("events", f"event {i + 1} '{_label(g)}' differs: " + "; ".join(diffs))]
    if len(got) != len(want):
        more = got[len(want) :] if len(got) > len(want) else want[len(got) :]
        which = "extra" if len(got) > len(want) else "missing"
        names = ", ".join(_label(e) for e in more[:5]) + (" …" if len(more) > 5 else "")
        return [
            Finding(
                "events",
                f"{len(got)} events (bookkeeping aside), the uninterrupted run has {len(want)}; "
                f"{which}: {names}",
            )
        ]
    return []


def expected_statements(events: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """`statements/` as the log says it should be: file name -> (its text, which event)."""
    out = {}
    for e in events:
        data = e["data"]
        if e.get("type") == "step" and data.get("texts"):
            for platform, text in data["texts"].items():
                name = f"{e['seq']:05d}-{data['step']}-{platform}.txt"
                out[name] = (text + "\n", f"step {data['step']}, seq {e['seq']}")
    return out


def check_statements(folder: Path, events: list[dict[str, Any]]) -> list[Finding]:
    """One file per published text, with exactly that text; nothing else in `statements/`."""
    want = expected_statements(events)
    where = folder / STATEMENTS
    present = {p.name: p for p in where.iterdir()} if where.is_dir() else {}
    found = []
    for name, (text, origin) in want.items():
        path = present.get(name)
        if path is None:
            found.append(Finding("statements", f"{name} is missing ({origin})", "missing"))
            continue
        try:
            body = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            found.append(Finding("statements", f"{name} cannot be read ({e})", "unreadable"))
            continue
        if body != text:
            found.append(
                Finding(
                    "statements",
                    f"{name} holds {_short(body, 80)}, the log has {_short(text, 80)} ({origin})",
                    "differs",
                )
            )
    # A hidden file is a write in progress (`.NAME.tmp-PID`, renamed into place once whole)
    # that a kill cut short: not a statement, as `log verify` also reads it.
    for name in sorted(n for n in set(present) - set(want) if not n.startswith(".")):
        found.append(
            Finding("statements", f"{name} is in statements/ but no event published it", "stray")
        )
    return found


def check_snapshot(folder: Path, events: list[dict[str, Any]]) -> list[Finding]:
    """`playbook.json` parses and its `content` hashes to what `incident.opened` records."""
    opened = next((e for e in events if e.get("type") == "incident.opened"), None)
    if opened is None:
        return [Finding("snapshot", "the log has no incident.opened event to check against")]
    recorded = opened["data"].get("playbook", {}).get("sha256")
    try:
        payload = json.loads((folder / SNAPSHOT).read_text(encoding="utf-8"))
        content = payload["content"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return [Finding("snapshot", f"{SNAPSHOT} cannot be read: {e}")]
    digest = canonical_sha256(content)
    found = []
    if digest != recorded:
        found.append(
            Finding(
                "snapshot",
                f"{SNAPSHOT} content hashes to {digest}, incident.opened records {recorded}",
            )
        )
    if payload.get("sha256") != recorded:
        found.append(
            Finding(
                "snapshot",
                f"{SNAPSHOT} says sha256 {payload.get('sha256')}, "
                f"incident.opened records {recorded}",
            )
        )
    return found


def check_quarantine(folder: Path, events: list[dict[str, Any]]) -> list[Finding]:
    """Every quarantined tail is kept, as recorded, and named by a `recovery` event."""
    found = []
    named = set()
    for e in events:
        if e.get("type") != "recovery" or not isinstance(e["data"].get("file"), str):
            continue
        name = e["data"]["file"]
        named.add(name)
        try:
            payload = (folder / name).read_bytes()
        except OSError:
            found.append(
                Finding("quarantine", f"{name} (recovery at seq {e.get('seq')}) is missing")
            )
            continue
        if hashlib.sha256(payload).hexdigest() != e["data"].get("sha256"):
            found.append(
                Finding("quarantine", f"{name} does not hold the bytes its recovery event records")
            )
    for path in sorted(folder.glob(QUARANTINE_PREFIX + "*")):
        if path.name not in named:
            found.append(Finding("quarantine", f"{path.name} is not named by any recovery event"))
    return found


def check_incident(
    folder: Path, reference: Reference, *, env: dict[str, str] | None = None, cli: bool = True
) -> list[Finding]:
    """Everything wrong with a finished incident folder, compared to `reference`
    (`cli=False`: the chain is checked in this process, not by `crisisplay log verify`)."""
    events, unreadable = read_log(folder)
    found = [Finding("chain", p) for p in unreadable]
    found += check_chain(folder, env, cli=cli)
    found += check_steps(events, reference.steps)
    closed = sum(e.get("type") == "incident.closed" for e in events)
    if closed != 1:
        found.append(Finding("events", f"incident.closed recorded {closed} times"))
    found += check_events(events, reference)
    found += check_statements(folder, events)
    found += check_snapshot(folder, events)
    found += check_quarantine(folder, events)
    return found


# --- running the real program ----------------------------------------------------------------


def child_env(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every child: its own CRISISPLAY_HOME, and a HOME beside it so
    nothing reaches the real one (the cache folder is the caller's CRISISPLAY_CACHE_DIR)."""
    env = dict(os.environ if base is None else base)
    env.update(
        CRISISPLAY_HOME=str(home),
        HOME=str(home.parent / "user-home"),
        NO_COLOR="1",
        COLUMNS="200",
    )
    env.pop("CRISISPLAY_DEBUG", None)
    return env


def _run(
    argv: list[str], home: Path, env: dict[str, str] | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=child_env(home, env),
        timeout=timeout,
        check=False,
    )


def opened_incident(home: Path) -> Path | None:
    """The incident folder in `home`: `start` renames it into place once it is opened."""
    folders = (
        sorted(
            f
            for f in (home / "incidents").glob("*")
            if not f.name.startswith(".") and (f / "log.jsonl").is_file()
        )
        if (home / "incidents").is_dir()
        else []
    )
    assert len(folders) <= 1, folders
    return folders[0] if folders else None


@dataclass
class Kill:
    command: str  # "start" or "resume"
    anchor: str  # "launch": the delay counts from the launch; "write": from its first write
    delay: float  # seconds after the anchor
    landed: bool  # still running when the signal went (else it had finished)
    events: int  # complete lines in the log just after, -1 if no incident yet
    torn: bool  # the log then ended with a partial line

    def __str__(self) -> str:
        when = f"{self.delay * 1000:.0f} ms after its {self.anchor}"
        if not self.landed:
            return f"{self.command} finished before a kill {when}"
        seen = "no incident yet" if self.events < 0 else f"{self.events} events"
        return f"{self.command} killed {when} ({seen}{', torn tail' if self.torn else ''})"


def launch_and_kill(
    argv: list[str],
    env: dict[str, str],
    delay: float,
    out: Path,
    first_write: Callable[[], bool] | None = None,
) -> bool:
    """Run `argv`; SIGKILL it `delay` seconds after the launch, or after `first_write()`
    turns true (polled every millisecond), if it is still running. True if it was killed."""
    with open(out, "w", encoding="utf-8") as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=env)
        if first_write is not None:
            while proc.poll() is None and not first_write():
                time.sleep(0.001)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
    return False


def log_state(folder: Path | None) -> tuple[int, bool]:
    if folder is None:
        return -1, False
    raw = (folder / "log.jsonl").read_bytes()
    return raw.count(b"\n"), bool(raw) and not raw.endswith(b"\n")


@dataclass
class Timing:
    """From an uninterrupted `start`: when the incident appeared, when the walk ended."""

    opened: float
    done: float

    def delay(self, rng: random.Random, anchor: str, left: float = 1.0) -> float:
        """A random delay from the launch (landing around the open: before it, during it,
        just after) or from the first write (anywhere in the `left` share of the walk)."""
        if anchor == "launch":
            return rng.uniform(0.8 * self.opened, 1.05 * self.done)
        return rng.uniform(0.0, 1.1 * left * (self.done - self.opened))


def uninterrupted_start(
    home: Path, answers: Path, env: dict[str, str] | None = None
) -> tuple[Path, Timing]:
    """Run `start` to the end, timing it."""
    child = child_env(home, env)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [str(EXE), "start", "--answers", str(answers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child,
        text=True,
    )
    opened = None
    while proc.poll() is None:
        if opened is None and opened_incident(home) is not None:
            opened = time.monotonic() - t0
        time.sleep(0.001)
    done = time.monotonic() - t0
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(
            f"the uninterrupted start failed (exit {proc.returncode}): {err.strip()}"
        )
    folder = opened_incident(home)
    assert folder is not None and out.strip().splitlines()[-1] == folder.name, (out, err)
    return folder, Timing(opened if opened is not None else done, done)


@dataclass
class Round:
    number: int
    seed: int
    incident: str | None = None
    kills: list[Kill] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    folder: Path | None = None

    @property
    def start_kills(self) -> int:
        return sum(k.landed and k.command == "start" for k in self.kills)

    @property
    def resume_kills(self) -> int:
        return sum(k.landed and k.command == "resume" for k in self.kills)

    @property
    def torn(self) -> bool:
        return any(k.torn for k in self.kills)

    @property
    def ok(self) -> bool:
        return not self.findings

    def account(self) -> str:
        """The round, what was killed when, and every finding: for a failure message."""
        kills = "; ".join(map(str, self.kills))
        lines = [
            f"round {self.number} (seed {self.seed}; `SEED={self.seed} ROUNDS=1 make stress` "
            f"replays its kill plan): incident {self.incident or '(none)'}",
            f"  kills: {kills or 'none'}",
        ]
        lines += [f"  {f}" for f in self.findings]
        if self.folder is not None:
            lines.append(f"  kept in {self.folder}")
        return "\n".join(lines)


RESUME_KILLS = (0, 1, 1, 1, 2, 2, 3)  # how many successive resumes a round kills, drawn evenly
#: the share of kills timed from the launch (landing around the open); the others are timed
#: from the process's first write, so they land anywhere in the walk it records
LAUNCH_ANCHORED = 0.25


def run_round(
    workdir: Path,
    answers: Path,
    reference: Reference,
    timing: Timing,
    number: int,
    seed: int,
    env: dict[str, str] | None = None,
) -> Round:
    """One round in a fresh home: kill `start`, kill 0-3 successive `resume`s, resume to the
    end, check. The round's own folder is left for the caller to keep or remove."""
    rng = random.Random(seed)
    result = Round(number, seed)
    home = workdir / f"round-{number:04d}" / "home"
    home.mkdir(parents=True)
    child = child_env(home, env)
    out = home.parent / "output"
    out.mkdir()
    attempt = 0
    total = len(reference.events)

    def changed(path: Path) -> Callable[[], bool]:
        """True once the file at `path` is not as it is now (created, grown, cut)."""

        def stat() -> tuple[int, int] | None:
            try:
                st = path.stat()
            except FileNotFoundError:
                return None
            return st.st_size, st.st_mtime_ns

        before = stat()
        return lambda: stat() != before

    def killed(command: str, argv: list[str], anchor: str | None = None) -> None:
        nonlocal attempt
        attempt += 1
        if anchor is None:
            anchor = "launch" if rng.random() < LAUNCH_ANCHORED else "first write"
        # A resume has only what is left of the walk to record: aim the kill in that.
        events, _ = log_state(opened_incident(home))
        left = min(1.0, max(0.05, 1 - events / total)) if events > 0 else 1.0
        delay = timing.delay(rng, anchor, left)
        first_write = None
        if anchor != "launch":
            folder = opened_incident(home)
            if folder is None:  # start: the incident folder appears once it is opened
                first_write = lambda: opened_incident(home) is not None  # noqa: E731
            else:
                first_write = changed(folder / "log.jsonl")
        landed = launch_and_kill(
            argv, child, delay, out / f"{attempt:02d}-{command}.txt", first_write
        )
        events, torn = log_state(opened_incident(home))
        result.kills.append(Kill(command, anchor, delay, landed, events, torn))

    start = [str(EXE), "start", "--answers", str(answers)]
    # A start killed before the incident is opened leaves no incident: start again, as a
    # user would, and kill that one once it has written (then, if need be, one to the end).
    killed("start", start)
    if opened_incident(home) is None:
        killed("start", start, "first write")
    folder = opened_incident(home)
    if folder is None:
        proc = _run(start, home, env, timeout=120)
        folder = opened_incident(home)
        if proc.returncode != 0 or folder is None:
            result.findings.append(
                Finding("run", f"start exited {proc.returncode}: {proc.stderr.strip()[:400]}")
            )
            return result
    result.incident = folder.name
    resume = [str(EXE), "resume", folder.name, "--answers", str(answers)]
    for _ in range(rng.choice(RESUME_KILLS)):
        killed("resume", resume)
    proc = _run(resume, home, env, timeout=120)
    last = proc.stdout.strip().splitlines()[-1:] if proc.stdout.strip() else []
    if proc.returncode != 0 or last != [folder.name]:
        result.findings.append(
            Finding(
                "run",
                f"the last resume exited {proc.returncode}, last line {last}: "
                + proc.stderr.strip()[:400],
            )
        )
    result.findings += check_incident(folder, reference, env=env)
    return result


@dataclass
class Summary:
    rounds: list[Round]
    seconds: float
    reference: Round

    @property
    def failed(self) -> list[Round]:
        return [r for r in self.rounds if not r.ok]

    def by_check(self) -> Counter[str]:
        """Failing rounds per check and kind, e.g. "statements missing" (a round failing
        two ways counts in both)."""
        return Counter(
            c
            for r in self.failed
            for c in {f"{f.check} {f.kind}" if f.kind else f.check for f in r.findings}
        )

    def line(self) -> str:
        rounds = self.rounds
        starts = sum(r.start_kills for r in rounds)
        resumes = sum(r.resume_kills for r in rounds)
        return (
            f"{len(rounds)} rounds in {self.seconds:.1f} s: start killed {starts}×, "
            f"resume killed {resumes}× "
            f"({sum(r.resume_kills > 1 for r in rounds)} rounds killed successive resumes), "
            f"{sum(r.torn for r in rounds)} rounds with a torn tail"
        )


def stress(
    workdir: Path,
    answers: Path,
    steps: list[str],
    rounds: int,
    *,
    seed: int,
    env: dict[str, str] | None = None,
    keep_going: bool = True,
    progress: Callable[[Round], None] | None = None,
) -> Summary:
    """An uninterrupted reference run (checked against itself), then `rounds` rounds.

    Passed rounds' folders are removed as it goes; failed ones stay in `workdir`.
    """
    t0 = time.monotonic()
    ref_folder, timing = uninterrupted_start(workdir / "reference" / "home", answers, env)
    reference = Reference.from_folder(ref_folder, steps)
    # The reference must itself be right: a bug in an uninterrupted run is no kill's fault.
    ref = Round(-1, seed, ref_folder.name, findings=check_incident(ref_folder, reference, env=env))
    ref.folder = ref_folder
    done: list[Round] = []
    if ref.ok:
        for n in range(rounds):
            r = run_round(workdir, answers, reference, timing, n, seed + n, env)
            if r.ok:
                shutil.rmtree(workdir / f"round-{n:04d}", ignore_errors=True)
            else:
                r.folder = workdir / f"round-{n:04d}"
            done.append(r)
            if progress is not None:
                progress(r)
            if not r.ok and not keep_going:
                break
    return Summary(done, time.monotonic() - t0, ref)


def write_answers(path: Path, answers: dict[str, Any]) -> list[str]:
    """Write an answers file; return the step ids it walks, in order."""
    write_yaml(path, answers)
    return [k for k in answers if k != "incident"]
