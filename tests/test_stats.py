"""`crisisplay stats` over real scripted incidents whose metrics are worked out by hand.

Every step of a stage happens at one minute after first seen (tests/scheduled.py), so for
each incident: time to acknowledge = time to holding statement = the hold minute, time to
apology = the apologise minute, time to remedy = the remedy minute, time to close = the
last stage's minute; a stage's deadline is met when its minute is at or before its due
(default playbook: detect 15m, hold 1h (30m at severity 1), verify 4h, apologise 8h,
remedy 1d, close 3d); a stage lasts from the previous stage's minute (the opening, at +5,
for detect) to its own.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from answering import UNHAPPY_PATH, answers_for, library, rechain
from crisisplay.report.stats import human_duration, median, parse_since, percentile
from running import Crisisplay
from scheduled import TROLL_PATH, run, scheduled_answers

STAGES = ("detect", "hold", "verify", "apologise", "remedy", "close")


def day(d: int) -> datetime:
    return datetime(2026, 11, d, 8, 0, tzinfo=UTC)


def sched(*minutes: int) -> dict[str, int]:
    return dict(zip(STAGES, minutes, strict=True))


# name: client, severity, first seen, path, minute of each stage
REAL = {
    "a1": ("Acme", 2, day(2), UNHAPPY_PATH, sched(10, 30, 120, 200, 600, 1000)),
    "a2": ("Acme", 3, day(10), UNHAPPY_PATH, sched(20, 90, 150, 300, 900, 2000)),
    "b1": ("Bolt", 2, day(15), UNHAPPY_PATH, sched(18, 45, 200, 500, 1500, 3000)),
    "b2": ("Bolt", 2, day(20), TROLL_PATH, {"detect": 14}),
}
DRILL = ("Acme", 1, day(12), UNHAPPY_PATH, sched(5, 25, 100, 150, 400, 800))
DAMAGED = ("Bolt", 2, day(16), UNHAPPY_PATH, sched(10, 30, 120, 200, 600, 1000))

MIN = 60


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stats")
    home = root / "home"
    resolved = library(home).load("default")
    templates = {
        "unhappy": answers_for(resolved, UNHAPPY_PATH),
        "troll": answers_for(resolved, TROLL_PATH),
    }

    def answers(name: str, spec: tuple[Any, ...]) -> dict[str, Any]:
        client, severity, first_seen, path, minutes = spec
        return scheduled_answers(
            resolved,
            path,
            minutes,
            first_seen=first_seen,
            client=client,
            severity=severity,
            title=f"Incident {name}",
            template=templates["unhappy" if path is UNHAPPY_PATH else "troll"],
        )

    ids = {name: run(home, answers(name, spec)) for name, spec in REAL.items()}
    ids["drill"] = run(home, answers("drill", DRILL), drill=True)
    ids["damaged"] = run(home, answers("damaged", DAMAGED))
    log = home / "incidents" / ids["damaged"] / "log.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    lines[20] = b'{"v":1,"seq":20,"garbled\n'
    log.write_bytes(b"".join(lines))
    (root / "ids.json").write_text(json.dumps(ids))
    return home


def ids(home: Path) -> dict[str, str]:
    return dict(json.loads((home.parent / "ids.json").read_text()))


def as_json(crisisplay: Crisisplay, home: Path, *args: str) -> dict[str, Any]:
    code, out, _ = crisisplay("stats", "--format", "json", *args, home=home)
    assert code == 0
    return dict(json.loads(out))


def test_counts_and_metrics_computed_by_hand(crisisplay: Crisisplay, home: Path) -> None:
    data = as_json(crisisplay, home)
    assert data["schema"] == "crisisplay/stats/v1"
    inc = data["incidents"]
    assert inc["total"] == 4
    assert inc["by_client"] == {"acme": 2, "bolt": 2}
    assert inc["by_severity"] == {"2": 3, "3": 1}
    assert (inc["closed"], inc["open"]) == (4, 0)
    assert (inc["drills"], inc["drills_left_out"], inc["skipped"]) == (0, 1, 1)
    m = data["metrics"]
    # acknowledge / holding statement: a1 30, a2 90, b1 45 (the troll path says nothing)
    for name in ("time_to_acknowledge", "time_to_holding_statement"):
        assert m[name] == {"n": 3, "median": 45 * MIN, "p90": 90 * MIN}
    assert m["time_to_apology"] == {"n": 3, "median": 300 * MIN, "p90": 500 * MIN}
    assert m["time_to_remedy"] == {"n": 3, "median": 900 * MIN, "p90": 1500 * MIN}
    # close: 14, 1000, 2000, 3000: an even count, so the median is the mean of the middle two
    assert m["time_to_close"] == {"n": 4, "median": 1500 * MIN, "p90": 3000 * MIN}
    assert m["statements_published"]["total"] == 12  # four per unhappy path, none for the troll


def test_deadlines_and_slowest_stage(crisisplay: Crisisplay, home: Path) -> None:
    data = as_json(crisisplay, home)
    # met/missed: a1 6/0; a2 4/2 (detect 20>15, hold 90>60); b1 3/3 (detect 18>15,
    # apologise 500>480, remedy 1500>1440); b2 1/0 (detect; the rest never reached)
    assert data["deadlines"] == {
        "met": 14,
        "missed": 5,
        "share_met": round(14 / 19, 4),
        "unknown_incidents": 0,
    }
    detect = data["stages"]["detect"]
    assert detect["deadline"] == {"met": 2, "missed": 2, "share_met": 0.5}
    # detect lasts from the opening (+5) to its minute: 5, 15, 13, 9 -> median 11 min
    assert detect["entered"] == 4
    assert detect["duration"] == {"n": 4, "median": 11 * MIN, "p90": 15 * MIN}
    # close: 1000-600, 2000-900, 3000-1500 = 400, 1100, 1500 -> the largest median
    assert data["stages"]["close"]["duration"]["median"] == 1100 * MIN
    assert data["slowest_stage"] == {
        "by_median_duration": {"stage": "close", "median": 1100 * MIN},
        "by_missed_deadlines": {"stage": "detect", "missed": 2, "of": 4},
    }
    assert list(data["stages"]) == list(STAGES)


def test_damaged_log_is_skipped_and_named(crisisplay: Crisisplay, home: Path) -> None:
    damaged = ids(home)["damaged"]
    code, out, err = crisisplay("stats", "--format", "json", home=home)
    assert code == 0
    assert "1 incident could not be read" in err and damaged in err
    skipped = json.loads(out)["skipped"]
    assert [s["incident"] for s in skipped] == [damaged]
    assert "line 21" in skipped[0]["problem"]


@pytest.mark.parametrize(
    ("edit", "fix_chain"),
    [
        (b'"value":12', False),  # an answer changed after the fact: the chain breaks
        (b'"value":NaN', True),  # not JSON, in a log whose chain is otherwise intact
    ],
)
def test_stats_refuses_what_log_verify_refuses(
    crisisplay: Crisisplay, home: Path, tmp_path: Path, edit: bytes, fix_chain: bool
) -> None:
    from crisisplay.incident.log import verify

    source = home / "incidents" / ids(home)["a1"]
    copy = tmp_path / "incidents" / source.name
    shutil.copytree(source, copy)
    log = copy / "log.jsonl"
    log.write_bytes(log.read_bytes().replace(b'"value":12000', edit, 1))
    if fix_chain:
        rechain(log)
    result = verify(log)
    assert not result.ok
    code, out, err = crisisplay("stats", "--format", "json", home=tmp_path)
    assert code == 0
    data = json.loads(out)
    assert data["incidents"]["total"] == 0
    [skipped] = data["skipped"]
    assert skipped["incident"] == copy.name
    # the same words as `log verify`, so the user can look it up there
    assert skipped["problem"].startswith("the log fails verification: " + result.problems[0][:60])
    assert copy.name in err and "could not be read" in err


def test_deadlines_unknown_without_the_playbook_snapshot(
    crisisplay: Crisisplay, home: Path, tmp_path: Path
) -> None:
    """a2 missed two deadlines; without its snapshot its met ones are unknown, so none count."""
    copy = tmp_path / "incidents" / ids(home)["a2"]
    shutil.copytree(home / "incidents" / ids(home)["a2"], copy)
    (copy / "playbook.json").unlink()
    data = as_json(crisisplay, tmp_path)
    assert data["deadlines"] == {
        "met": 0,
        "missed": 0,
        "share_met": None,
        "unknown_incidents": 1,
    }
    assert data["metrics"]["time_to_close"]["median"] == 2000 * MIN  # the log alone tells
    code, out, _ = crisisplay("stats", "--format", "md", home=tmp_path)
    assert code == 0
    assert "Not counted: 1 incident without a matching playbook snapshot" in out


def test_client_filter(crisisplay: Crisisplay, home: Path) -> None:
    data = as_json(crisisplay, home, "--client", "acme")
    assert data["filters"]["client"] == "acme"
    assert data["incidents"]["total"] == 2
    assert data["incidents"]["skipped"] == 0  # the damaged one is Bolt's
    assert data["metrics"]["time_to_close"] == {"n": 2, "median": 1500 * MIN, "p90": 2000 * MIN}
    # a name works too
    assert as_json(crisisplay, home, "--client", "ACME")["incidents"]["total"] == 2
    code, _, err = crisisplay("stats", "--client", "acne", home=home)
    assert code == 1
    assert "No incidents for client 'acne'" in err and "acme, bolt" in err


def test_since_filter(crisisplay: Crisisplay, home: Path) -> None:
    data = as_json(crisisplay, home, "--since", "2026-11-12")
    assert data["incidents"]["total"] == 2
    assert data["incidents"]["by_client"] == {"bolt": 2}
    assert data["filters"]["since"].startswith("2026-11-12T00:00:00")
    assert as_json(crisisplay, home, "--since", "2026-11-15T08:00:01Z")["incidents"]["total"] == 1
    code, _, err = crisisplay("stats", "--since", "last tuesday", home=home)
    assert code == 2 and "not a date" in err


def test_drills_only_when_asked(crisisplay: Crisisplay, home: Path) -> None:
    data = as_json(crisisplay, home, "--drills")
    inc = data["incidents"]
    assert (inc["total"], inc["drills"], inc["drills_left_out"]) == (5, 1, 0)
    assert inc["by_severity"] == {"1": 1, "2": 3, "3": 1}
    # the drill held at 25: 25, 30, 45, 90 -> (30 + 45) / 2
    ack = data["metrics"]["time_to_acknowledge"]
    assert ack == {"n": 4, "median": 37.5 * MIN, "p90": 90 * MIN}


def test_markdown(crisisplay: Crisisplay, home: Path) -> None:
    code, out, _ = crisisplay("stats", "--format", "md", home=home)
    assert code == 0
    assert out.startswith("# Incident statistics")
    assert "1 drill left out" in out
    assert "| time to close | 4 | 1 d 1 h | 2 d 2 h |  |" in out
    assert "| time to apology | 3 | 5 h 00 min | 8 h 20 min |  |" in out
    assert "| statements published | 4 | 4 | 4 | 12 |" in out
    assert "| detect | 4 | 11 min | 15 min | 2 | 2 | 50% |" in out
    assert "Met 14 of 19 (74%)." in out
    assert "Slowest stage (largest median time in the stage): **close**, 18 h 20 min." in out
    assert "Deadline missed most often: **detect**, missed 2 of 4." in out
    assert "<" not in out  # no raw HTML


def test_table_shows_bars(crisisplay: Crisisplay, home: Path) -> None:
    code, out, _ = crisisplay("stats", "--format", "table", home=home)
    assert code == 0
    assert "\x1b[" not in out  # not a terminal: no colour codes, the bars still read
    lines = {line.split("  ")[0]: line for line in out.splitlines() if line.strip()}
    # bars scale to the longest time shown (the 3000-minute p90 of time to close)
    close = lines["time to close"]
    assert "1 d 1 h ██████ " in close and "2 d 2 h ████████████" in close
    assert "acme" in lines and lines["acme"].rstrip().endswith("█" * 12)
    assert "Deadlines met: 14 of 19 (74%)" in out
    assert "Slowest stage (largest median time in the stage): close, 18 h 20 min." in out


def test_default_format_off_a_terminal_is_markdown(crisisplay: Crisisplay, home: Path) -> None:
    assert crisisplay("stats", home=home)[1].startswith("# Incident statistics")


def test_empty_home(crisisplay: Crisisplay, tmp_path: Path) -> None:
    code, out, err = crisisplay("stats", home=tmp_path)
    assert code == 0 and out.startswith("No incidents yet in") and not err
    data = as_json(crisisplay, tmp_path)
    assert data["incidents"]["total"] == 0
    assert data["metrics"]["time_to_close"] == {"n": 0, "median": None, "p90": None}
    assert data["deadlines"] == {
        "met": 0,
        "missed": 0,
        "share_met": None,
        "unknown_incidents": 0,
    }
    assert data["slowest_stage"] == {"by_median_duration": None, "by_missed_deadlines": None}
    # the same keys as a full result, so dashboards need no special case
    assert "statements_published" in data["metrics"]


def test_filters_that_match_nothing(crisisplay: Crisisplay, home: Path) -> None:
    code, out, _ = crisisplay("stats", "--since", "2027-01-01", home=home)
    assert code == 0 and out.startswith("No incidents match (all clients, first seen since")


@pytest.mark.parametrize(
    ("values", "p50", "p90"),
    [
        ([7], 7, 7),
        ([4, 1, 3, 2], 2.5, 4),  # rank ceil(3.6) = 4
        (list(range(1, 11)), 5.5, 9),  # rank ceil(9.0) = 9
        (list(range(1, 12)), 6, 10),  # rank ceil(9.9) = 10
        (list(range(20, 0, -1)), 10.5, 18),  # rank 18, whatever the input order
        ([], None, None),
    ],
)
def test_median_and_nearest_rank_p90(values: list[int], p50: float, p90: float) -> None:
    assert median(values) == p50
    assert percentile(values, 90) == p90


def test_human_durations() -> None:
    assert [human_duration(s) for s in (None, 0, 59, 60, 2520, 3600, 11100, 86400, 187200)] == [
        "—",
        "0 s",
        "59 s",
        "1 min",
        "42 min",
        "1 h 00 min",
        "3 h 05 min",
        "1 d 0 h",
        "2 d 4 h",
    ]


def test_since_forms() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert parse_since("30d", now) == datetime(2026, 10, 22, 12, 0, tzinfo=UTC)
    assert parse_since("2w", now) == datetime(2026, 11, 7, 12, 0, tzinfo=UTC)
    assert parse_since("12h ago", now) == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T09:30:00+01:00", now) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a date"):
        parse_since("soon", now)
