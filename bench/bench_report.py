"""`crisisplay report` of a 100,000-event incident (target < 2 s), with peak memory, and of a
1,000,000-event one paired with `log verify` of the same log (target: within 3x of it,
under 250 MB).

The incident is a real scripted walk of the default playbook (statements, decisions,
promises, a missed deadline) with monitoring notes between its steps, re-chained with
the log's own encoder so `log verify` accepts it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bench import CRISISPLAY, ROOT, paired, row, whole_process

EVENTS = 100_000
BIG = int(__import__("os").environ.get("BENCH_BIG_EVENTS", "1000000"))
BIG_RUNS = int(__import__("os").environ.get("BENCH_BIG_RUNS", "3"))


def build_incident(home: Path, name: str, total: int = EVENTS) -> Path:
    """A scripted incident in `home`, padded with notes to `total` events, as `name`."""
    sys.path.insert(0, str(ROOT / "tests"))
    from answering import UNHAPPY_PATH, answers_for, write_yaml
    from crisisplay.frontends.scripted import start_scripted
    from crisisplay.home import Home
    from crisisplay.incident.log import GENESIS, encode_event, read_events
    from crisisplay.playbook.library import Library

    home.mkdir(parents=True, exist_ok=True)
    lib = Library(Home(home, "env"))
    resolved = lib.load("default")
    answers = answers_for(resolved, UNHAPPY_PATH, {"variables": {"product": "cold brew"}})
    first = datetime.fromisoformat("2026-11-20T08:00:00+00:00")
    minute = 6
    for key in list(answers):
        if key == "incident":
            continue
        minute += 4  # a 4-hour incident; detect and hold run late
        at = (first + timedelta(minutes=minute)).isoformat()
        value = answers[key]
        answers[key] = (
            {**value, "at": at} if isinstance(value, dict) else {"value": value, "at": at}
        )
    path = write_yaml(home / "bench-report-answers.yaml", answers)
    session = start_scripted(
        lib, path, playbook="default", client=None, title=None, severity=None, first_seen=None
    )
    source = home / "incidents" / session.incident.id
    walked = list(read_events(source / "log.jsonl"))
    notes_per_gap = (total - len(walked)) // (len(walked) - 1)
    extra = (total - len(walked)) - notes_per_gap * (len(walked) - 1)

    folder = home / "incidents" / name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "playbook.json", folder / "playbook.json")
    prev = GENESIS
    seq = 0
    with open(folder / "log.jsonl", "w", encoding="utf-8") as f:

        def put(event: dict) -> None:
            nonlocal prev, seq
            event = {**event, "seq": seq, "prev": prev}
            line = encode_event(event)
            f.write(line + "\n")
            prev = hashlib.sha256(line.encode("utf-8")).hexdigest()
            seq += 1

        for n, event in enumerate(walked):
            if event["type"] == "incident.opened":
                event = {**event, "data": {**event["data"], "incident": name}}
            put(event)
            if n == len(walked) - 1:
                break
            count = notes_per_gap + (1 if n < extra else 0)
            start = datetime.fromisoformat(event.get("at") or event["ts"])
            end = datetime.fromisoformat(walked[n + 1].get("at") or walked[n + 1]["ts"])
            for i in range(count):
                t = start + (end - start) * (i + 1) / (count + 1)
                put(
                    {
                        "v": 1,
                        "ts": event["ts"],
                        "type": "note",
                        "actor": "bench@monitor",
                        "data": {
                            "text": f"mentions check {seq}: {120 + i % 40} new replies, "
                            "sentiment mostly negative",
                            "step": event["data"].get("step"),
                        },
                        "at": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    }
                )
    # The statement copies are derived from the log (as `log verify --repair` writes them):
    # their names carry the seq each statement has in this padded log.
    from crisisplay.incident.session import expected_statements, write_statements

    write_statements(folder, expected_statements(read_events(folder / "log.jsonl")))
    return folder


def bench_report(tmp: Path, env: dict[str, str]) -> None:
    home = Path(env["CRISISPLAY_HOME"])
    folder = build_incident(home, "bench-report-100k")
    with open(folder / "log.jsonl", "rb") as f:
        events = sum(1 for _ in f)
    for fmt in ("json", "html", "md"):
        ms, mb = whole_process(
            [CRISISPLAY, "report", "bench-report-100k", "--format", fmt], runs=5, env=env
        )
        row(f"report --format {fmt}, {events:,} events", ms, mb, "target < 2 s")
    out = tmp / "report-100k.json"
    whole_process(
        [CRISISPLAY, "report", "bench-report-100k", "--format", "json", "-o", str(out)],
        runs=1,
        env=env,
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    m = data["metrics"]
    print(
        f"  {'':<44} ({len(data['timeline']):,} timeline entries, "
        f"{m['statements_published']} statements, {m['deadlines_missed']} deadline(s) missed, "
        f"{out.stat().st_size / 1e6:.0f} MB of JSON)"
    )
    out.unlink()
    bench_big_report(home, env)


def bench_big_report(home: Path, env: dict[str, str]) -> None:
    """A million-event report against `log verify` of the same log, timed turn by turn."""
    name = "bench-report-big"
    folder = build_incident(home, name, BIG)
    size = (folder / "log.jsonl").stat().st_size
    commands = {"verify": [CRISISPLAY, "log", "verify", name]}
    for fmt in ("json", "html", "md"):
        commands[fmt] = [CRISISPLAY, "report", name, "--format", fmt]
    got = paired(commands, BIG_RUNS, env)
    base_ms, base_mb = got["verify"]
    print(f"  {BIG:,}-event log ({size / 1e6:.0f} MB), {BIG_RUNS} runs, each run all in turn:")
    row(f"log verify, {BIG:,} events", base_ms, base_mb)
    for fmt in ("json", "html", "md"):
        ms, mb = got[fmt]
        row(
            f"report --format {fmt}, {BIG:,} events",
            ms,
            mb,
            f"{ms / base_ms:.2f}x verify (target ≤ 3x), target < 250 MB",
        )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    import tempfile

    from bench import compile_bytecode, private_env

    tmp = Path(tempfile.mkdtemp(prefix="crisisplay-bench-report-"))
    (tmp / "user").mkdir()
    compile_bytecode()
    try:
        bench_report(tmp, private_env(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
