"""The incident log's chain, one decision at a time: what the writer stores, what verify
accepts and refuses, what a reader yields. Written against the mutants `make mutation`
found alive (docs/mutation.md): each test says what a person would see go wrong."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from crisisplay.incident.log import (
    GENESIS,
    LOG_NAME,
    TORN_SHOWN,
    IncidentLog,
    LogReader,
    parse_anchor,
    read_events,
    verify,
)
from crisisplay.incident.session import torn_notice


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def three_events(folder: Path) -> bytes:
    with IncidentLog.create(folder, "ana") as log:
        log.append("opened", {"title": "Outage"})
        log.append("answer", {"step": "q1", "value": "yes"})
        log.append("note", {"text": "x"})
    return (folder / LOG_NAME).read_bytes()


def test_each_event_names_the_hash_of_the_line_before_it(tmp_path: Path) -> None:
    with IncidentLog.create(tmp_path / "i", "ana") as log:
        log.append("note", {"n": 1})
        log.append("note", {"n": 2})
        head = log.head
    lines = (tmp_path / "i" / "log.jsonl").read_bytes().splitlines()
    assert json.loads(lines[0])["prev"] == GENESIS
    assert json.loads(lines[1])["prev"] == hashlib.sha256(lines[0]).hexdigest()
    assert head == hashlib.sha256(lines[1]).hexdigest()
    result = verify(tmp_path / "i" / "log.jsonl")
    assert result.ok and result.head == head and result.anchor == f"1:{head}"


# --- a torn tail: moved aside whole, shown to the person, recorded exactly -----------------


def test_a_torn_tail_longer_than_a_read_is_kept_whole_shown_and_recorded(tmp_path: Path) -> None:
    """A crash in the middle of a long statement: every byte goes to the quarantine file
    (read a megabyte at a time), the person is shown its start, the log says where it went."""
    folder = tmp_path / "i"
    good = three_events(folder)
    fragment = b'{"v":1,"seq":3,"data":{"text":"' + b"\xc3\xb1" * ((1 << 20) // 2 + 3000)
    with open(folder / LOG_NAME, "ab") as f:
        f.write(fragment)

    with IncidentLog.open(folder, "bo") as log:
        assert log.torn_tail == fragment[:TORN_SHOWN]
        assert log.recovered == [
            {
                "reason": "the last line was incomplete (an interrupted write); its bytes "
                "were moved out of the log",
                "file": "log.quarantine.1",
                "bytes": len(fragment),
                "sha256": sha(fragment),
                "offset": len(good),
            }
        ]
        notice = torn_notice(log.torn_tail, log.recovered)
    assert "set aside in log.quarantine.1" in notice
    assert (folder / "log.quarantine.1").read_bytes() == fragment
    events = list(read_events(folder / LOG_NAME))
    assert events[3]["type"] == "recovery" and events[3]["data"]["offset"] == len(good)
    assert verify(folder / LOG_NAME).ok


def test_an_unreadable_last_line_is_recorded_as_unreadable(tmp_path: Path) -> None:
    folder = tmp_path / "i"
    good = three_events(folder)
    garbage = b"\x00\xff not json\n"
    with open(folder / LOG_NAME, "ab") as f:
        f.write(garbage)
    with IncidentLog.open(folder, "bo") as log:
        assert log.torn_tail == garbage
        assert log.recovered is not None
        (info,) = log.recovered
    assert info["reason"].startswith("the last line was unreadable (an interrupted write)")
    assert info["offset"] == len(good) and info["bytes"] == len(garbage)


def test_a_short_write_to_the_quarantine_file_is_carried_on_not_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel may write less than asked; the quarantine file still gets every byte."""
    folder = tmp_path / "i"
    three_events(folder)
    fragment = b'{"v":1,"seq":3,"da' + b"t" * 5000
    with open(folder / LOG_NAME, "ab") as f:
        f.write(fragment)
    real_write = os.write

    def short_write(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".quarantine.1"):
            return real_write(fd, bytes(data[:1000]))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", short_write)
    with IncidentLog.open(folder, "bo") as log:
        assert log.recovered is not None
    assert (folder / "log.quarantine.1").read_bytes() == fragment


def test_an_anchor_with_two_colons_is_refused_for_its_hash() -> None:
    with pytest.raises(ValueError, match="64 hexadecimal"):
        parse_anchor(f"1:2:{'a' * 64}")


# --- quarantine files left by an earlier crash ------------------------------------------------


def test_every_unlisted_quarantine_file_is_recorded_in_number_order(tmp_path: Path) -> None:
    """A listed file does not stop the search, `.10` comes after `.2`, and the size given is
    the file's."""
    folder = tmp_path / "i"
    three_events(folder)
    with open(folder / LOG_NAME, "ab") as f:
        f.write(b'{"v":1,"se')  # a torn tail: recovered into log.quarantine.1, listed
    IncidentLog.open(folder, "ana").close()
    big = b"t" * ((1 << 20) + 5)  # longer than one read
    (folder / "log.quarantine.10").write_bytes(big)
    (folder / "log.quarantine.2").write_bytes(b"second tail")
    with IncidentLog.open(folder, "ana") as log:
        assert log.recovered is not None
        assert [(r["file"], r["bytes"], r["sha256"]) for r in log.recovered] == [
            ("log.quarantine.2", len(b"second tail"), sha(b"second tail")),
            ("log.quarantine.10", len(big), sha(big)),
        ]
        assert log.recovered[0]["reason"].startswith("found a quarantine file the log did not")
    assert verify(folder / LOG_NAME).ok


# --- what a reader will not use as an event ---------------------------------------------------

GOOD = {
    "v": 1,
    "seq": 0,
    "prev": GENESIS,
    "ts": "2026-03-01T10:00:00Z",
    "type": "note",
    "actor": "ana",
    "data": {},
}


@pytest.mark.parametrize(
    "broken",
    [
        {"type": None},  # no type
        {"type": ""},
        {"actor": 7},
        {"data": "text"},
        {"ts": "yesterday"},
        {"at": "yesterday"},
    ],
    ids=["no-type", "empty-type", "actor", "data", "ts", "at"],
)
def test_a_line_without_a_usable_field_is_not_an_event(
    tmp_path: Path, broken: dict[str, object]
) -> None:
    """A report of a damaged log shows what can be read; a line it cannot use is counted, not
    shown as an event with a missing type, actor, data or time."""
    from crisisplay.incident.log import LogReader

    event = {**GOOD, **broken}
    if broken.get("type", "") is None:
        del event["type"]
    path = tmp_path / LOG_NAME
    path.write_bytes(json.dumps(event).encode() + b"\n")
    reader = LogReader(path)
    assert list(reader) == []
    assert reader.result.unreadable == 1 and not reader.result.ok


def test_a_healthy_line_with_an_at_is_an_event(tmp_path: Path) -> None:
    from crisisplay.incident.log import LogReader

    path = tmp_path / LOG_NAME
    event = {**GOOD, "at": "2026-03-01T09:00:00+01:00"}
    path.write_bytes(json.dumps(event).encode() + b"\n")
    reader = LogReader(path)
    assert list(reader) == [event] and reader.result.ok


# --- who holds the lock, and what a failed write says -----------------------------------------


def test_a_holder_that_left_no_details_is_named_unavailable_without_a_wait(
    tmp_path: Path,
) -> None:
    import fcntl
    import time

    from crisisplay.incident.log import LOCK_NAME, LockedError

    folder = tmp_path / "i"
    three_events(folder)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)  # locked, its details not written yet
        started = time.monotonic()
        with pytest.raises(LockedError, match=r"details unavailable") as caught:
            IncidentLog.open(folder, "bo")
        assert time.monotonic() - started < 3  # ten short tries, not a hang
        assert caught.value.holder is None
    finally:
        os.close(fd)


def test_a_write_error_says_why_in_the_systems_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from crisisplay.incident.log import LogWriteError

    with IncidentLog.create(tmp_path / "i", "ana") as log:

        def failing_fsync(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        real_fsync = os.fsync
        calls = iter([failing_fsync, real_fsync])
        monkeypatch.setattr(os, "fsync", lambda fd: next(calls)(fd))
        with pytest.raises(LogWriteError) as caught:
            log.append("b", {})
    assert f"log {log.path} (Input/output error). The log itself is unchanged" in str(caught.value)


def test_a_full_disk_is_named_and_a_write_after_a_failed_cleanup_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from crisisplay.incident.log import LogWriteError

    with IncidentLog.create(tmp_path / "i", "ana") as log:
        real_write = os.write

        def full_disk(fd: int, data: bytes) -> int:
            if fd == log._fd:
                real_write(fd, bytes(data[: len(data) // 2]))
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_write(fd, data)

        def failing_truncate(fd: int, length: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(os, "write", full_disk)
        monkeypatch.setattr(os, "ftruncate", failing_truncate)
        with pytest.raises(LogWriteError) as first:
            log.append("a", {})
        assert f"log {log.path} (the disk is full). The unfinished entry" in str(first.value)
        # The cut still fails: the next entry is refused before it is written, and says why.
        with pytest.raises(LogWriteError) as second:
            log.append("b", {})
        assert f"log {log.path} (an earlier write failed). The unfinished" in str(second.value)
        assert second.value.cause is None
        monkeypatch.undo()
        log.append("c", {})
    assert [e["type"] for e in read_events(log.path)] == ["c"]


# --- verify: a chained line with a wrong field is still named -------------------------------


def chained(path: Path, events: list[dict[str, object]]) -> None:
    """Write `events` as a log whose chain is intact, whatever else is wrong with them."""
    prev, out = GENESIS, []
    for event in events:
        line = json.dumps({**event, "prev": prev}, ensure_ascii=False, separators=(",", ":"))
        prev = sha(line.encode())
        out.append(line.encode() + b"\n")
    path.write_bytes(b"".join(out))


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("v", 2, "format version is 2, expected 1"),
        ("v", 1.0, "format version is 1.0, expected 1"),
        ("v", True, "format version is True, expected 1"),
        ("seq", 1.0, "seq is 1.0, not a number"),
        ("seq", True, "seq is True, not a number"),
    ],
)
def test_a_chained_line_with_a_wrong_version_or_seq_fails_verify(
    tmp_path: Path, field: str, value: object, problem: str
) -> None:
    first = {**GOOD, "seq": 0}
    second = {**GOOD, "seq": 1, field: value}
    path = tmp_path / LOG_NAME
    chained(path, [first, second])
    result = verify(path)
    assert not result.ok
    assert result.problems == [f"line 2 (seq {second['seq']}): {problem}"]


def test_one_problem_past_the_cap_is_still_counted(tmp_path: Path) -> None:
    from crisisplay.incident.log import MAX_PROBLEMS

    path = tmp_path / LOG_NAME
    path.write_bytes(b"x\n" * (MAX_PROBLEMS + 1))
    result = verify(path)
    assert len(result.problems) == MAX_PROBLEMS + 1
    assert result.problems[-1] == "... and 1 more problems not listed"


# --- opening: nothing recovered is nothing shown; damage is named; failures are clear ---------


def test_a_new_or_healthy_log_has_nothing_recovered_and_no_torn_tail(tmp_path: Path) -> None:
    folder = tmp_path / "i"
    with IncidentLog.create(folder, "ana") as log:
        assert log.recovered is None and log.torn_tail == b""
        log.append("opened", {})
    with IncidentLog.open(folder, "ana") as log:
        assert log.recovered is None and log.torn_tail == b""


def test_damage_is_refused_naming_its_first_three_problems(tmp_path: Path) -> None:
    from crisisplay.incident.log import LogError

    folder = tmp_path / "i"
    three_events(folder)
    with open(folder / LOG_NAME, "ab") as f:
        f.write(b"x\n" * 3 + b'{"v":1}\n')
    with pytest.raises(LogError) as caught:
        IncidentLog.open(folder, "ana")
    message = str(caught.value)
    problems = verify(folder / LOG_NAME).problems
    assert len(problems) >= 4
    assert "; ".join(problems[:3]) in message and problems[3] not in message


def test_an_unreadable_last_line_and_a_torn_tail_of_the_same_length_are_both_moved_aside(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "i"
    good = three_events(folder)
    garbled, torn = b"garble\n", b"partial"
    assert len(garbled) == len(torn)
    with open(folder / LOG_NAME, "ab") as f:
        f.write(garbled + torn)
    with IncidentLog.open(folder, "ana") as log:
        assert log.recovered is not None
        assert log.recovered[0]["bytes"] == len(garbled + torn)
    assert (folder / "log.quarantine.1").read_bytes() == garbled + torn
    assert (folder / LOG_NAME).read_bytes().startswith(good)
    assert verify(folder / LOG_NAME).ok


def test_a_failed_recovery_is_a_clear_error_and_releases_the_incident(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from crisisplay.incident.log import LogError

    folder = tmp_path / "i"
    three_events(folder)
    with open(folder / LOG_NAME, "ab") as f:
        f.write(b"torn")

    def failing_truncate(fd: int, length: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "ftruncate", failing_truncate)
    with pytest.raises(LogError, match=r"cannot be opened for writing \(Input/output error\)"):
        IncidentLog.open(folder, "ana")
    monkeypatch.undo()
    IncidentLog.open(folder, "ana").close()  # not left locked


def test_a_new_log_that_cannot_be_saved_to_disk_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from crisisplay.incident.log import LogError

    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(LogError, match=r"could not be saved to disk \(Input/output error\)"):
        IncidentLog.create(tmp_path / "i", "ana")


# --- verify names each problem in the words `log verify` prints -------------------------------


def raw_line(event: dict[str, object]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        ({"actor": None, "data": None}, ["missing actor, data"]),
        ({"v": None}, ["missing v"]),
        ({"note": 1, "zz": 2}, ["unexpected field note, zz"]),
        ({"ts": "yesterday"}, ["ts 'yesterday' is not an RFC 3339 time"]),
        ({"ts": "2026-13-01T10:00:00Z"}, ["ts '2026-13-01T10:00:00Z' is not an RFC 3339 time"]),
        (
            {"ts": "yesterday", "at": "2026-03-01T09:00:00Z"},
            ["ts 'yesterday' is not an RFC 3339 time"],
        ),
        ({"at": "soon"}, ["at 'soon' is not an RFC 3339 time"]),
        ({"type": ""}, ["type '' is not a non-empty text"]),
        ({"actor": 7}, ["actor 7 is not a text"]),
        ({"data": "x"}, ["data is not an object"]),
        ({"seq": 5}, ["seq jumps to 5 after 0 (events missing)"]),
        ({"seq": 0}, ["seq is 0, expected 1 (out of order or repeated)"]),
    ],
    ids=[
        "missing",
        "missing-v",
        "unexpected",
        "ts",
        "ts-no-such-month",
        "ts-with-good-at",
        "at",
        "type",
        "actor",
        "data",
        "seq-jump",
        "seq-repeat",
    ],
)
def test_verify_names_each_problem_of_a_chained_line(
    tmp_path: Path, change: dict[str, object], problems: list[str]
) -> None:
    second: dict[str, object] = {**GOOD, "seq": 1}
    for key, value in change.items():
        if value is None:
            del second[key]
        else:
            second[key] = value
    path = tmp_path / LOG_NAME
    chained(path, [dict(GOOD), second])
    seq = second.get("seq")
    assert verify(path).problems == [f"line 2 (seq {seq}): {p}" for p in problems]


@pytest.mark.parametrize(
    ("prev", "problem"),
    [
        ("abc", "prev is 'abc', not a sha256 hash"),
        (5, "prev is 5, not a sha256 hash"),
        (
            "f" * 64,
            "prev does not match the hash of the line before it (that line was changed, "
            "or a line was removed, inserted or moved here)",
        ),
    ],
)
def test_verify_tells_a_prev_that_is_no_hash_from_one_that_does_not_match(
    tmp_path: Path, prev: object, problem: str
) -> None:
    path = tmp_path / LOG_NAME
    path.write_bytes(raw_line({**GOOD, "prev": prev}))
    assert verify(path).problems == [f"line 1 (seq 0): {problem}"]


def test_verify_names_a_line_that_is_not_utf8_or_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / LOG_NAME
    path.write_bytes(raw_line(GOOD) + b'{"v":1,"t":"\xff"}\n' + b"[1, 2]\n")
    assert verify(path).problems == ["line 2: not valid UTF-8", "line 3: not a JSON object"]


# --- a line longer than any event: read a piece at a time, hashed whole -----------------------
# MAX_LINE is 16 MiB; these tests lower it to the longest healthy line they write, so that a
# line "longer than any event" stays small.


def lower_max_line(monkeypatch: pytest.MonkeyPatch, *logs: bytes) -> int:
    import crisisplay.incident.log as logmod

    limit = max(len(line) for log in logs for line in log.splitlines())
    monkeypatch.setattr(logmod, "MAX_LINE", limit)
    return limit


def test_a_line_longer_than_any_event_is_named_and_still_chains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = raw_line(GOOD)
    long = b"z" * (3 * len(first) + 7)  # more than three pieces of MAX_LINE + 1
    third = raw_line({**GOOD, "seq": 2, "prev": sha(long)})
    limit = lower_max_line(monkeypatch, first, third)
    path = tmp_path / LOG_NAME
    path.write_bytes(first + long + b"\n" + third)
    result = verify(path)
    assert result.problems == [f"line 2: longer than {limit:,} bytes, which no event is"]
    assert result.count == 3 and result.head == sha(third[:-1]) and result.torn_bytes == 0


def test_a_line_longer_than_a_megabyte_past_the_limit_is_hashed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = raw_line(GOOD)
    long = b"y" * ((1 << 20) + 3 * len(first))  # the rest is read a megabyte at a time
    third = raw_line({**GOOD, "seq": 2, "prev": sha(long)})
    limit = lower_max_line(monkeypatch, first, third)
    path = tmp_path / LOG_NAME
    path.write_bytes(first + long + b"\n" + third)
    assert verify(path).problems == [f"line 2: longer than {limit:,} bytes, which no event is"]


def test_a_line_of_exactly_the_longest_length_is_an_ordinary_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import crisisplay.incident.log as logmod

    first = raw_line(GOOD)
    second = raw_line({**GOOD, "seq": 1, "prev": sha(first[:-1])})
    monkeypatch.setattr(logmod, "MAX_LINE", len(first) - 1)  # the first line, without "\n"
    path = tmp_path / LOG_NAME
    path.write_bytes(first + second)
    result = verify(path)
    assert result.ok and result.count == 2
    monkeypatch.setattr(logmod, "MAX_LINE", len(first) - 2)  # one byte shorter: too long
    assert verify(path).problems[0] == (
        f"line 1: longer than {len(first) - 2:,} bytes, which no event is"
    )


@pytest.mark.parametrize("extra", [1, 150])
def test_a_torn_tail_longer_than_any_event_is_counted_whole_and_moved_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: int
) -> None:
    folder = tmp_path / "i"
    good = three_events(folder)
    limit = lower_max_line(monkeypatch, b"x" * 1000)  # every healthy line here is shorter
    tail = b"t" * (limit + extra)  # no newline: a write cut short
    with open(folder / LOG_NAME, "ab") as f:
        f.write(tail)
    result = verify(folder / LOG_NAME)
    assert result.torn_bytes == len(tail) and result.count == 3
    with IncidentLog.open(folder, "ana") as log:
        assert log.recovered is not None
        assert log.recovered[0]["bytes"] == len(tail)
        assert log.recovered[0]["offset"] == len(good)
    assert (folder / "log.quarantine.1").read_bytes() == tail


def test_a_last_line_longer_than_any_event_is_moved_aside_as_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "i"
    good = three_events(folder)
    limit = lower_max_line(monkeypatch, b"x" * 1000)  # every healthy line here is shorter
    long = b"u" * (2 * limit + 5) + b"\n"
    with open(folder / LOG_NAME, "ab") as f:
        f.write(long)
    with IncidentLog.open(folder, "ana") as log:
        assert log.recovered is not None
        (info,) = log.recovered
    assert info["reason"].startswith("the last line was unreadable")
    assert (info["bytes"], info["offset"]) == (len(long), len(good))
    assert verify(folder / LOG_NAME).ok


# --- the reader's count after a damaged line, and what replay yields --------------------------


def test_after_a_garbled_line_the_count_goes_on_from_it(tmp_path: Path) -> None:
    path = tmp_path / LOG_NAME
    first = raw_line(GOOD)
    garbage = b"not json\n"
    third = raw_line({**GOOD, "seq": 2, "prev": sha(garbage[:-1])})
    path.write_bytes(first + garbage + third)
    result = verify(path)
    assert result.problems == ["line 2: not valid JSON (Expecting value: line 1 column 1 (char 0))"]
    assert result.unreadable == 1


def test_after_a_line_whose_seq_is_no_number_the_count_goes_on_from_it(tmp_path: Path) -> None:
    path = tmp_path / LOG_NAME
    chained(path, [dict(GOOD), {**GOOD, "seq": "x"}, {**GOOD, "seq": 2}])
    assert verify(path).problems == ["line 2 (seq x): seq is 'x', not a number"]


def test_every_unreadable_line_is_counted(tmp_path: Path) -> None:
    path = tmp_path / LOG_NAME
    path.write_bytes(b"one\ntwo\n")
    reader = LogReader(path)
    assert list(reader) == [] and reader.result.unreadable == 2


def test_a_recovery_line_with_no_object_for_data_is_named_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / LOG_NAME
    chained(path, [{**GOOD, "type": "recovery", "data": ["log.quarantine.1"]}])
    assert verify(path).problems == ["line 1 (seq 0): data is not an object"]


def test_replay_yields_every_object_even_one_a_report_could_not_use(tmp_path: Path) -> None:
    path = tmp_path / LOG_NAME
    events = [dict(GOOD), {**GOOD, "seq": 1, "data": "not an object"}]
    chained(path, events)
    assert [e["data"] for e in read_events(path)] == [{}, "not an object"]
    assert [e["data"] for e in LogReader(path)] == [{}]  # a report shows what it can use


@pytest.mark.parametrize(("count", "last"), [(2, "seq 1"), (0, "no events")])
def test_an_anchor_past_the_end_says_where_the_log_ends(
    tmp_path: Path, count: int, last: str
) -> None:
    path = tmp_path / LOG_NAME
    chained(path, [{**GOOD, "seq": n} for n in range(count)])
    result = verify(path, (5, "a" * 64))
    assert result.problems == [
        f"the log ends at {last} but the anchor names seq 5: events were removed from the "
        "end, or this is a different log"
    ]


def test_a_log_that_cannot_be_created_is_named_in_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import crisisplay.incident.log as logmod
    from crisisplay.incident.log import LogError

    real_open_in = logmod.safefs.open_in

    def failing_open_in(folder: Path, name: str, *args: object, **kwargs: object) -> int:
        if name == LOG_NAME:
            raise OSError(errno.EIO, "Input/output error")
        return real_open_in(folder, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(logmod.safefs, "open_in", failing_open_in)
    folder = tmp_path / "i"
    with pytest.raises(LogError) as caught:
        IncidentLog.create(folder, "ana")
    assert str(caught.value) == (
        f"The incident log {folder / LOG_NAME} cannot be created (Input/output error)."
    )
