"""`crisisplay stats` over 1,000 incidents of about 60 events each (target < 3 s, and within
1.5x of verifying every one of their logs, timed turn by turn with it).

The incidents are real: six are walked through the default playbook by the engine itself
(scripted, with an `at:` on every answer: fast and slow ones, missed deadlines, a troll
path that ends early, one left open, a drill), then each is copied many times with a new
id, client and first-seen time, every time shifted by the same amount and the hash chain
rebuilt with the log's own encoder, as `write_synthetic_log` in bench.py does.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import ROOT, row

COUNT = 1000
CLIENTS = [
    ("Acme Coffee", "acme-coffee"),
    ("Bolt Bikes", "bolt-bikes"),
    ("Cala Hotels", "cala-hotels"),
    ("Duna Air", "duna-air"),
    ("Eira Telecom", "eira-telecom"),
]
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def _templates(tmp: Path) -> list[tuple[Path, int]]:
    """Six incidents walked by the engine, and how often each is copied (per 20)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from answering import UNHAPPY_PATH, answers_for, library
    from scheduled import TROLL_PATH, run, scheduled_answers

    home = tmp / "templates"
    resolved = library(home).load("default")
    unhappy = answers_for(resolved, UNHAPPY_PATH)
    troll = answers_for(resolved, TROLL_PATH)
    stage_of = {step.id: stage.id for stage, step in resolved.playbook.steps()}
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    stages = ("detect", "hold", "verify", "apologise", "remedy", "close")

    def minutes(*m: int) -> dict[str, int]:
        return dict(zip(stages, m, strict=True))

    # title, severity, path, minutes per stage, answers template, drill, stop, notes, weight
    specs: list[tuple[str, int, Any, dict[str, int], dict[str, Any], bool, int | None, int, int]]
    specs = [
        # every promise of a next update kept, every deadline met
        ("fast", 2, UNHAPPY_PATH, minutes(9, 35, 60, 90, 140, 190), unhappy, False, None, 2, 6),
        # detect, hold and apologise late
        (
            "late",
            3,
            UNHAPPY_PATH,
            minutes(25, 95, 200, 520, 1300, 3500),
            unhappy,
            False,
            None,
            0,
            4,
        ),
        # severity 1: hold due in 30 min; the remedy takes more than a day
        (
            "severe",
            1,
            UNHAPPY_PATH,
            minutes(6, 28, 90, 240, 1500, 2900),
            unhappy,
            False,
            None,
            3,
            3,
        ),
        # a troll: monitored, contained, closed in detect; notes on what was seen
        ("troll", 4, TROLL_PATH, minutes(12, 0, 0, 0, 0, 0), troll, False, None, 41, 3),
        # still open, in verify
        ("open", 2, UNHAPPY_PATH, minutes(11, 50, 180, 0, 0, 0), unhappy, False, 24, 30, 3),
        ("drill", 2, UNHAPPY_PATH, minutes(8, 40, 130, 260, 700, 1500), unhappy, True, None, 4, 1),
    ]
    out = []
    for title, severity, path, mins, template, drill, stop, notes, weight in specs:
        answers = scheduled_answers(
            resolved,
            path,
            mins,
            first_seen=start,
            client="Acme Coffee",
            severity=severity,
            title=title,
            template=template,
        )
        if stop is None:
            # every answer the path needs, and the troll path's steps all in detect
            assert all(stage_of[k] in mins for k in answers if k != "incident")
        incident = run(home, answers, drill=drill, stop_after=stop, notes=notes)
        out.append((home / "incidents" / incident, weight))
    return out


def _shift(value: Any, delta: timedelta) -> Any:
    """Every RFC 3339 time in an event moved by `delta`, in the log's own format."""
    if isinstance(value, str) and _TIME.fullmatch(value):
        t = datetime.fromisoformat(value.replace("Z", "+00:00")) + delta
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dict):
        return {k: _shift(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, delta) for v in value]
    return value


def write_incidents(incidents: Path, templates: list[tuple[Path, int]], count: int) -> int:
    """`count` incidents copied from the templates; returns the number of events written."""
    from crisisplay.incident.log import GENESIS, encode_event, read_events

    loaded = [(list(read_events(folder / "log.jsonl")), folder, w) for folder, w in templates]
    cycle = [(evs, folder) for evs, folder, w in loaded for _ in range(w)]
    incidents.mkdir(parents=True, exist_ok=True)
    written = 0
    for n in range(count):
        evs, folder = cycle[n % len(cycle)]
        name, slug = CLIENTS[(n // len(cycle)) % len(CLIENTS)]
        delta = timedelta(hours=7 * n)  # about 290 days: --since has something to cut
        first = _shift(evs[0], delta)
        opened = first["at"]
        kind = folder.name.rsplit("-", 1)[1]
        incident = (
            f"{opened[:10].replace('-', '')}-{opened[11:16].replace(':', '')}-{slug}-{kind}-{n:04d}"
        )
        target = incidents / incident
        target.mkdir()
        shutil.copy(folder / "playbook.json", target / "playbook.json")
        prev = GENESIS
        with open(target / "log.jsonl", "w", encoding="utf-8") as f:
            for event in evs:
                event = _shift(event, delta)
                event["prev"] = prev
                if event["type"] == "incident.opened":
                    event["data"]["incident"] = incident
                    event["data"]["client"] = {"name": name, "slug": slug}
                line = encode_event(event)
                f.write(line + "\n")
                prev = hashlib.sha256(line.encode("utf-8")).hexdigest()
                written += 1
    return written


# Every incident's log verified in one process, as `log verify` checks each: what stats
# must at least do, since it refuses what verify refuses.
VERIFY_ALL = """
import sys
from pathlib import Path
from crisisplay.incident.log import verify
bad = [p for p in sorted(Path(sys.argv[1]).glob("*/log.jsonl")) if not verify(p).ok]
sys.exit(1 if bad else 0)
"""


def bench_stats(tmp: Path, env: dict[str, str]) -> None:
    """Whole-process `crisisplay stats` (json and table) over 1,000 incidents, each run
    beside one process verifying all 1,000 logs."""
    from bench import CRISISPLAY, RUNS, paired

    home = tmp / "stats-home"
    events = write_incidents(home / "incidents", _templates(tmp), COUNT)
    env = {**env, "CRISISPLAY_HOME": str(home), "COLUMNS": "120"}
    runs = max(3, RUNS // 3)
    label = f"stats, {COUNT} incidents ({events // COUNT} events each)"
    got = paired(
        {
            "verify": [sys.executable, "-c", VERIFY_ALL, str(home / "incidents")],
            "json": [CRISISPLAY, "stats", "--format", "json"],
            "table": [CRISISPLAY, "stats", "--format", "table"],
        },
        runs,
        env,
    )
    base_ms, base_mb = got["verify"]
    row(f"verify all {COUNT} logs (one process)", base_ms, base_mb)
    for fmt in ("json", "table"):
        ms, mb = got[fmt]
        row(f"{label}, {fmt}", ms, mb, f"{ms / base_ms:.2f}x verify-all (target ≤ 1.5x), < 3 s")


if __name__ == "__main__":
    import tempfile

    from bench import compile_bytecode, private_env

    tmp = Path(tempfile.mkdtemp(prefix="crisisplay-bench-stats-"))
    (tmp / "user").mkdir()
    compile_bytecode()
    try:
        bench_stats(tmp, private_env(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
