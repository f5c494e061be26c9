"""One log reader for every command: `report`, `stats` and `log show` read a log through
`crisisplay.incident.log.LogReader`, so they accept and refuse exactly what `log verify` does, and
they see its events as the typed models of `crisisplay.incident.events`.

The incidents are walked for real (tests/scheduled.py), then damaged the ways a user can
meet: an answer edited after the fact, a NaN written in by hand (with the chain rebuilt, so
only the NaN is wrong), a line that is not JSON, a torn last line.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from answering import UNHAPPY_PATH, answers_for, cli, library, rechain
from crisisplay.incident import events as ev
from crisisplay.incident.log import LogReader, read_events, verify
from crisisplay.report import build
from crisisplay.report.build import build_report, materialize, write_json
from scheduled import run, scheduled_answers

SRC = Path(__file__).resolve().parent.parent / "src" / "crisisplay"
FIRST_SEEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MINUTES = {"detect": 10, "hold": 40, "verify": 120, "apologise": 200, "remedy": 600, "close": 900}


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of one incident walked to the end, with a few notes."""
    home = tmp_path_factory.mktemp("reader") / "home"
    resolved = library(home).load("default")
    answers = scheduled_answers(
        resolved,
        UNHAPPY_PATH,
        MINUTES,
        first_seen=FIRST_SEEN,
        client="Acme",
        severity=2,
        title="Reader",
        template=answers_for(resolved, UNHAPPY_PATH),
    )
    return home / "incidents" / run(home, answers, notes=3)


def copy_of(walked: Path, home: Path) -> Path:
    folder = home / "incidents" / walked.name
    shutil.copytree(walked, folder)
    return folder


def edited(folder: Path, how: str) -> None:
    log = folder / "log.jsonl"
    raw = log.read_bytes()
    lines = raw.splitlines(keepends=True)
    if how == "edited":  # a step changed after the fact (same length): the chain breaks
        n = next(i for i, line in enumerate(lines) if b'"stage":"hold"' in line)
        lines[n] = lines[n].replace(b'"stage":"hold"', b'"stage":"HOLD"', 1)
    elif how == "nan":
        lines[6] = lines[6].replace(b'"data":{', b'"data":{"reach":NaN,', 1)
    elif how == "garbled":
        lines[7] = b"{not json\n"
    elif how == "torn":
        lines.append(b'{"v":1,"seq":')
    log.write_bytes(b"".join(lines))
    if how == "nan":
        rechain(log)


DAMAGE = ("edited", "nan", "garbled", "torn")


# --- the reader itself -------------------------------------------------------------------


def test_reader_of_a_healthy_log_is_read_events_and_verify_in_one_pass(walked: Path) -> None:
    path = walked / "log.jsonl"
    reader = LogReader(path)
    assert list(reader) == list(read_events(path))
    assert reader.result == verify(path)
    assert reader.result.ok and reader.result.unreadable == 0


@pytest.mark.parametrize("how", DAMAGE)
def test_reader_finds_exactly_what_verify_finds(walked: Path, tmp_path: Path, how: str) -> None:
    folder = copy_of(walked, tmp_path)
    edited(folder, how)
    path = folder / "log.jsonl"
    reader = LogReader(path)
    seen = list(reader)
    result = reader.result
    assert result == verify(path)  # same problems, same words, same head and count
    assert not result.ok
    # every complete line is either an event or counted as unreadable
    assert len(seen) + result.unreadable == result.count
    assert result.unreadable == (1 if how in ("nan", "garbled") else 0)


def test_result_before_the_end_finishes_the_pass(walked: Path) -> None:
    reader = LogReader(walked / "log.jsonl")
    first = next(iter(reader))
    assert first["type"] == "incident.opened"
    assert reader.result == verify(walked / "log.jsonl")


def test_no_module_but_log_parses_log_lines_or_takes_its_private_names() -> None:
    """Every reader goes through crisisplay.incident.log's public reader."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "incident" / "log.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "crisisplay.incident.log":
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name[0] == "_"]
    assert offenders == []


# --- typed events ------------------------------------------------------------------------


def test_typed_events_round_trip_and_know_their_type(walked: Path) -> None:
    raw = list(read_events(walked / "log.jsonl"))
    typed = list(ev.typed(raw))
    assert [e.to_dict() for e in typed] == raw
    kinds = {e.type: type(e) for e in typed}
    assert kinds["incident.opened"] is ev.IncidentOpened
    assert kinds["step"] is ev.Step
    assert kinds["note"] is ev.Note
    assert kinds["incident.closed"] is ev.IncidentClosed
    opened = typed[0]
    assert isinstance(opened, ev.IncidentOpened)
    assert opened.client["name"] == "Acme" and opened.title == "Reader"
    assert opened.first_seen is not None and opened.first_seen.startswith("2026-11-02T08:00")
    steps = [e for e in typed if isinstance(e, ev.Step)]
    assert any(s.published and s.template == "holding-statement" for s in steps)
    notes = [e for e in typed if isinstance(e, ev.Note)]
    assert len(notes) == 3 and all(n.text for n in notes)
    with pytest.raises(AttributeError):
        opened.seq = 5  # type: ignore[misc]


def test_unknown_and_drill_types_are_carried_not_refused() -> None:
    base = {"v": 1, "seq": 3, "prev": "a" * 64, "ts": "2026-11-02T08:00:00Z", "actor": "x"}
    future = {**base, "type": "sentiment.sampled", "data": {"score": -0.4}}
    drill = {**base, "type": "drill.scored", "data": {"total": 80}, "at": "2026-11-02T07:00:00Z"}
    odd_note = {**base, "type": "note", "data": {"text": 42}}
    e1, e2, e3 = ev.typed([future, drill, odd_note])
    assert type(e1) is ev.Event and e1.to_dict() == future
    assert isinstance(e2, ev.DrillEvent) and e2.to_dict() == drill and e2.when == drill["at"]
    assert isinstance(e3, ev.Note) and e3.text == "42"  # read as written, never raising


# --- report and stats refuse what verify refuses -----------------------------------------


@pytest.mark.parametrize("how", DAMAGE)
def test_report_flags_a_damaged_log_exactly_as_log_verify(
    walked: Path, tmp_path: Path, how: str
) -> None:
    home = tmp_path / "home"
    folder = copy_of(walked, home)
    edited(folder, how)
    verdict = cli(home, "log", "verify", folder.name, "--json")
    assert verdict.returncode == 1
    expected = json.loads(verdict.stdout)
    proc = cli(home, "report", folder.name, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert "FAILED verification" in proc.stderr
    got = json.loads(proc.stdout)["verification"]
    assert got["ok"] is False
    assert got["problems"] == expected["problems"]
    assert (got["head"], got["events"]) == (expected["head"], expected["events"])
    md = cli(home, "report", folder.name)
    assert md.returncode == 1 and "FAILED verification" in md.stdout


@pytest.mark.parametrize("how", DAMAGE)
def test_stats_leaves_out_what_log_verify_rejects(walked: Path, tmp_path: Path, how: str) -> None:
    home = tmp_path / "home"
    good = copy_of(walked, home)
    bad = home / "incidents" / (walked.name + "-copy")
    shutil.copytree(good, bad)
    edited(bad, how)
    first = verify(bad / "log.jsonl").problems[0]
    proc = cli(home, "stats", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["incidents"]["total"] == 1
    [skipped] = data["skipped"]
    assert skipped["incident"] == bad.name
    assert skipped["problem"].startswith(f"the log fails verification: {first}"[:120])
    assert "could not be read" in proc.stderr and bad.name in proc.stderr


def test_stats_never_reuses_facts_of_a_log_changed_since(walked: Path, tmp_path: Path) -> None:
    """Facts are kept between runs, but each run still verifies every log: an edit that
    keeps the file's size and time is refused all the same."""
    home = tmp_path / "home"
    folder = copy_of(walked, home)
    first = cli(home, "stats", "--format", "json")
    assert json.loads(first.stdout)["incidents"]["total"] == 1
    again = cli(home, "stats", "--format", "json")
    assert again.stdout == first.stdout  # the kept facts give the same figures
    assert list(Path(os.environ["CRISISPLAY_CACHE_DIR"]).glob("stats-facts-*/*"))
    log = folder / "log.jsonl"
    st = log.stat()
    edited(folder, "edited")  # same length: "hold" -> "HOLD"
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert log.stat().st_size == st.st_size
    proc = cli(home, "stats", "--format", "json")
    data = json.loads(proc.stdout)
    assert data["incidents"]["total"] == 0
    assert data["skipped"][0]["problem"].startswith("the log fails verification")


def test_stats_measures_again_a_log_rewritten_under_the_same_size_and_time(
    walked: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    folder = copy_of(walked, home)
    assert json.loads(cli(home, "stats", "--format", "json").stdout)["incidents"]["by_client"] == {
        "acme": 1
    }
    log = folder / "log.jsonl"
    st = log.stat()
    lines = log.read_bytes().splitlines(keepends=True)
    lines[0] = lines[0].replace(b'"name":"Acme","slug":"acme"', b'"name":"Acmx","slug":"acmx"')
    log.write_bytes(b"".join(lines))
    rechain(log)  # a valid log again, ending at another head
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert log.stat().st_size == st.st_size and verify(log).ok
    data = json.loads(cli(home, "stats", "--format", "json").stdout)
    assert data["incidents"]["by_client"] == {"acmx": 1}


# --- bounded memory ----------------------------------------------------------------------


@pytest.fixture
def long_log(walked: Path, tmp_path: Path) -> Path:
    """The walked incident with 1,200 more notes after its opening (chain rebuilt)."""
    folder = copy_of(walked, tmp_path / "home")
    log = folder / "log.jsonl"
    lines = log.read_bytes().splitlines()
    opened = json.loads(lines[0])
    notes = []
    for n in range(1200):
        note = {
            "v": 1,
            "seq": 0,
            "prev": "",
            "ts": opened["ts"],
            "type": "note",
            "actor": "monitor",
            "data": {"text": f"mentions check {n}", "step": None},
        }
        notes.append(json.dumps(note, separators=(",", ":")).encode())
    out = [lines[0], *notes, *lines[1:]]
    text = []
    for seq, raw in enumerate(out):
        event = json.loads(raw)
        event["seq"] = seq
        text.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode())
    log.write_bytes(b"\n".join(text) + b"\n")
    rechain(log)
    assert verify(log).ok
    return folder


def test_report_keeps_only_what_it_shows(long_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "EVENT_LIMIT", 10)
    report = build_report(long_log, full=False)
    timeline, notes = report["timeline"], report["notes"]
    total = verify(long_log / "log.jsonl").count
    assert len(timeline) == total and len(notes) == 1203
    assert len(timeline.kept) == build.NOTE_LIMIT + 10  # not one entry per event
    assert len(notes.kept) == build.NOTE_LIMIT
    assert timeline.folded["note"] == 1203 - build.NOTE_LIMIT
    assert sum(timeline.folded.values()) == total - build.NOTE_LIMIT - 10
    from crisisplay.report import markdown

    md = markdown.render(report)
    assert f"{1203 - build.NOTE_LIMIT:,} more notes not shown" in md
    assert f"{total - 1203 - 10:,} more events (not notes) not shown" in md


def test_json_report_spooled_to_disk_is_the_same_report(
    long_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    in_memory = io.StringIO()
    write_json(build_report(long_log), in_memory)
    monkeypatch.setattr(build, "SPOOL_AFTER", 7)
    report = build_report(long_log)
    spooled = io.StringIO()
    write_json(report, spooled)
    assert spooled.getvalue() == in_memory.getvalue()
    data = json.loads(spooled.getvalue())
    assert len(data["timeline"]) == verify(long_log / "log.jsonl").count
    assert json.loads(json.dumps(materialize(report))) == data


def test_log_show_folds_long_runs_of_notes_and_says_how_many(long_log: Path) -> None:
    from crisisplay.report.walkthrough import FOLD_HEAD, FOLD_TAIL

    home = long_log.parent.parent
    proc = cli(home, "log", "show", long_log.name)
    assert proc.returncode == 0, proc.stderr
    folded = 1200 - FOLD_HEAD - FOLD_TAIL
    assert f"… {folded:,} notes folded here" in proc.stdout
    assert "mentions check 0" in proc.stdout and "mentions check 1199" in proc.stdout
    assert "mentions check 600" not in proc.stdout
    flat = cli(home, "log", "show", long_log.name, "--events")
    assert "mentions check 600" in flat.stdout  # --events lists every event


def test_fold_notes_keeps_every_event_that_is_not_a_note() -> None:
    from crisisplay.report.walkthrough import FOLD_HEAD, FOLD_TAIL, Folded, fold_notes

    base: dict[str, Any] = {"v": 1, "prev": "", "ts": "2026-11-02T08:00:00Z", "actor": "a"}
    kinds = ["step"] + ["note"] * 100 + ["step"] + ["note"] * 3 + ["incident.closed"]
    events = [ev.from_dict({**base, "seq": n, "type": k, "data": {}}) for n, k in enumerate(kinds)]
    out = list(fold_notes(events))
    folds = [f.count for f in out if isinstance(f, Folded)]
    assert folds == [100 - FOLD_HEAD - FOLD_TAIL]
    kept = [e for e in out if not isinstance(e, Folded)]
    assert [e.seq for e in kept if e.type != "note"] == [0, 101, 105]
    assert [e.seq for e in kept] == sorted(e.seq for e in kept)
    assert len(kept) == len(events) - folds[0]
