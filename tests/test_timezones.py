"""Local time, everywhere a person reads or types one.

The tool is used in Madrid, Mexico City, New York…: a statement tells the client's public
the client's local time with the zone's abbreviation (and the day when it is not today), a
time typed at a prompt or in `--first-seen` is read in the incident's zone (19:40 in Madrid
is today's 19:40, never yesterday's because the UTC clock is behind), and a clock time
alone that lands more than an hour from now is confirmed before anything is written. The
log keeps RFC 3339 in UTC underneath, and records the incident's zone, so `log show` and
the report show its times in that zone on any machine.

Each test sets the machine's zone (TZ) itself; conftest puts it back.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from answering import UNHAPPY_PATH, answers_for, drive, library, write_yaml
from crisisplay import times
from crisisplay.frontends import interactive
from crisisplay.frontends.interactive import Interrupted, start_interactive
from crisisplay.incident.log import read_events
from crisisplay.incident.walk import Incident, Unconfirmed, Walk, incident_time
from running import Crisisplay

DOWN, ENTER, CTRL_C = "\x1b[B", "\r", "\x03"
MINI = Path(__file__).parent / "data" / "walk" / "prompts-mini.yaml"
# Friday 4 December 2026, 19:49 in Madrid: when the tester typed `--first-seen 19:40`.
AT = datetime(2026, 12, 4, 18, 49, tzinfo=UTC)
ZONES = ["Europe/Madrid", "America/Mexico_City", "Asia/Kolkata", "Pacific/Auckland", "UTC"]


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`machine("Asia/Kolkata")`: the machine's zone, as TZ sets it."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()
        times.use_zone(None)

    return set_zone


def said(t: datetime, zone: str, today: date) -> str:
    """What a person in `zone` reads for `t` on `today`, worked out without crisisplay."""
    lt = t.astimezone(ZoneInfo(zone))
    hm = f"{lt.hour}:{lt.minute:02d} {lt.tzname()}"
    if lt.date() == today:
        return hm
    assert lt.date() == today + timedelta(days=1), "the tests below stay within a day"
    return f"tomorrow {hm}"


# --- reading a time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Europe/Madrid", "19:49 CET"),
        ("America/Mexico_City", "12:49 CST"),
        ("Asia/Kolkata", "0:19 IST"),  # already Saturday there: still "today", no date
        ("Pacific/Auckland", "7:49 NZDT"),
        ("UTC", "18:49 UTC"),
        ("America/Sao_Paulo", "15:49 UTC-03"),  # a zone with no abbreviation of its own
    ],
)
def test_a_time_is_shown_in_the_zone_with_its_abbreviation(zone: str, shown: str) -> None:
    times.use_zone(zone)
    assert times.clock(AT, now=AT) == shown


def test_a_time_on_another_day_says_the_day_in_the_interface_language() -> None:
    times.use_zone("Europe/Madrid")
    nine_tomorrow = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert times.clock(nine_tomorrow, now=AT) == "tomorrow 9:00 CET"
    assert times.clock(nine_tomorrow, now=AT, lang="es") == "mañana a las 9:00 CET"
    one_am = datetime(2026, 12, 5, 0, 5, tzinfo=UTC)
    assert times.clock(one_am, now=AT, lang="es") == "mañana a la 1:05 CET"
    assert times.clock(AT - timedelta(days=1), now=AT, lang="es") == "ayer a las 19:49 CET"
    tuesday = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)
    assert times.clock(tuesday, now=AT) == "Tue 1 Dec 21:30 CET"
    assert times.clock(tuesday, now=AT, lang="es") == "mar 1 dic 21:30 CET"
    next_year = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
    assert times.clock(next_year, now=AT) == "Tue 5 Jan 2027 9:00 CET"
    summer = datetime(2026, 7, 1, 18, 0, tzinfo=UTC)
    assert times.clock(summer, now=summer) == "20:00 CEST"


# --- typing a time -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "typed"),
    [
        ("Europe/Madrid", "19:40"),
        ("America/Mexico_City", "12:40"),
        ("Asia/Kolkata", "0:10"),
        ("Pacific/Auckland", "7:40"),
        ("UTC", "18:40"),
    ],
)
def test_a_clock_time_typed_nine_minutes_ago_is_today_in_every_zone(
    machine: Any, zone: str, typed: str
) -> None:
    """In Madrid at 19:49 (18:49 UTC), 19:40 is later than the UTC clock: it was taken as
    yesterday's, 23h9m before, and three deadlines were recorded as missed."""
    machine(zone)
    t = incident_time(typed, "--first-seen", now=AT)
    assert t == datetime(2026, 12, 4, 18, 40, tzinfo=UTC)


def test_a_clock_time_more_than_an_hour_off_is_not_taken_on_a_guess(machine: Any) -> None:
    machine("Europe/Madrid")
    with pytest.raises(Unconfirmed) as info:
        incident_time("17:00", "--first-seen", now=AT)
    message = str(info.value)
    assert "17:00 would be today 17:00 CET, 2h49m ago" in message
    assert "2026-12-04 17:00" in message and "'2h49m ago'" in message
    # Later today has not happened: it is refused, and yesterday's is what to write.
    with pytest.raises(ValueError, match=r"today 23:40 CET, in the future.*2026-12-03 23:40"):
        incident_time("23:40", "--first-seen", now=AT)
    # Given without the guess, the same times are taken as they are.
    assert incident_time("2026-12-04 17:00", "x", now=AT) == datetime(
        2026, 12, 4, 16, 0, tzinfo=UTC
    )
    assert incident_time("2h49m ago", "x", now=AT) == AT - timedelta(hours=2, minutes=49)
    assert incident_time("hace 2h49m", "x", now=AT) == AT - timedelta(hours=2, minutes=49)
    assert incident_time("2026-12-03 23:40", "x", now=AT) == datetime(
        2026, 12, 3, 22, 40, tzinfo=UTC
    )
    assert incident_time("17:00", "x", now=AT, confirmed=True) == datetime(
        2026, 12, 4, 16, 0, tzinfo=UTC
    )


def _first_seen_typed(minutes_ago: int, zone: str) -> str | None:
    """`HH:MM` for `minutes_ago` in `zone` by the real clock; None when that is yesterday
    there (just after midnight, where a clock time alone means another day)."""
    now = datetime.now(UTC).astimezone(ZoneInfo(zone))
    then = now - timedelta(minutes=minutes_ago)
    return None if then.date() != now.date() else f"{then.hour}:{then.minute:02d}"


def _answers(tmp_path: Path, home: Path, playbook: str = "default", **incident: Any) -> Path:
    resolved = library(home).load(playbook)
    given = {k: v for k, v in incident.items() if v is not None}
    answers = answers_for(resolved, UNHAPPY_PATH, incident=given)
    for key in ("first_seen", "at"):
        if key in incident and incident[key] is None:
            answers["incident"].pop(key)
    return write_yaml(tmp_path / "answers.yaml", answers)


def _opened(home: Path) -> tuple[str, list[dict[str, Any]]]:
    (folder,) = (home / "incidents").iterdir()
    return folder.name, list(read_events(folder / "log.jsonl"))


def test_first_seen_typed_in_madrid_is_today_and_no_deadline_is_missed(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    typed = _first_seen_typed(9, "Europe/Madrid")
    if typed is None:
        pytest.skip("just after midnight in Madrid: 9 minutes ago is yesterday there")
    path = _answers(tmp_path, crisisplay.home, first_seen=None, at=None)
    env = {"TZ": "Europe/Madrid"}
    code, _, err = crisisplay(
        "start", "--answers", str(path), "--client", "Acme", "--first-seen", typed, env=env
    )
    assert code == 0, err
    _, evs = _opened(crisisplay.home)
    opened = evs[0]
    assert opened["data"]["timezone"] == "Europe/Madrid"
    first = datetime.fromisoformat(opened["data"]["first_seen"])
    madrid = first.astimezone(ZoneInfo("Europe/Madrid"))
    assert f"{madrid.hour}:{madrid.minute:02d}" == typed
    assert timedelta(minutes=8) < datetime.now(UTC) - first < timedelta(minutes=11)
    assert not [e for e in evs if e["type"] == "deadline.missed"]
    # The log itself stays in UTC.
    assert all(e["ts"].endswith("Z") for e in evs) and opened["data"]["first_seen"].endswith("Z")


def test_first_seen_hours_ago_as_a_clock_time_writes_nothing_and_says_how(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    typed = _first_seen_typed(150, "America/Mexico_City")
    if typed is None:
        pytest.skip("2h30m ago is yesterday in Mexico City now")
    path = _answers(tmp_path, crisisplay.home, first_seen=None, at=None)
    env = {"TZ": "America/Mexico_City"}
    code, _, err = crisisplay(
        "start", "--answers", str(path), "--client", "Acme", "--first-seen", typed, env=env
    )
    assert code == 1
    assert re.search(rf"would be today {typed} CST, 2h3[01]m ago", " ".join(err.split())), err
    assert (
        "ago'" in err and datetime.now(ZoneInfo("America/Mexico_City")).strftime("%Y-%m-%d") in err
    )
    assert not (crisisplay.home / "incidents").exists() or not list(
        (crisisplay.home / "incidents").iterdir()
    )
    code, _, err = crisisplay(
        "start", "--answers", str(path), "--client", "Acme", "--first-seen", "2h30m ago", env=env
    )
    assert code == 0, err


# --- statements --------------------------------------------------------------------------------


def _client_playbook(home: Path, zone: str, base: str = "default") -> str:
    (home / "playbooks").mkdir(parents=True, exist_ok=True)
    pid = f"acme-{base}"
    (home / "playbooks" / f"{pid}.yaml").write_text(
        f"schema: crisisplay/v1\nid: {pid}\nversion: 1.0.0\nname: Acme\n"
        f"language: {'es' if base.endswith('-es') else 'en'}\nextends: {base}\n"
        f"client:\n  name: Acme\n  timezone: {zone}\n",
        encoding="utf-8",
    )
    return pid


@pytest.mark.parametrize(
    ("machine_zone", "client_zone", "at"),
    [
        ("Asia/Kolkata", "America/Mexico_City", AT),
        ("Europe/Madrid", "Pacific/Auckland", datetime(2026, 12, 4, 10, 45, tzinfo=UTC)),
        ("Pacific/Auckland", "Europe/Madrid", AT),
        ("America/Mexico_City", "Asia/Kolkata", datetime(2026, 12, 4, 17, 55, tzinfo=UTC)),
        ("Europe/Madrid", "UTC", AT),
    ],
)
def test_every_statement_tells_the_clients_local_time(
    machine: Any, tmp_path: Path, machine_zone: str, client_zone: str, at: datetime
) -> None:
    machine(machine_zone)
    home = tmp_path / "home"
    lib = library(home)
    resolved = lib.load(_client_playbook(home, client_zone))
    times.use_zone(resolved.timezone())
    walk = Walk(resolved, Incident("x", "t", 2, "Acme", "acme", at, at, {}))
    walk.variables.update({v.name: "the cold brew" for v in resolved.playbook.variables})
    walk.variables.update({s.save_as: "x" for _, s in walk.steps if s.save_as})
    walk.variables.update(issue_summary="some coffees were served warm", update_text="fixed")
    walk.variables.update(what_we_did_wrong="we served it warm", remedy="refunds", triage="x")
    today = at.astimezone(ZoneInfo(client_zone)).date()
    promised = said(walk.next_update_at(at), client_zone, today)
    drafts = [step for _, step in walk.steps if step.kind == "draft"]
    assert drafts
    for step in drafts:
        for platform, text in walk.render(step, at).items():
            if client_zone != "UTC":
                assert "UTC" not in text, (step.id, platform, text)
            if step.template in ("holding-statement", "update", "apology"):  # they promise one
                assert f"by {promised}" in text, (step.id, platform, text)
    if client_zone == "Pacific/Auckland":  # 23:45 there: the next update is tomorrow
        assert promised.startswith("tomorrow ")


def test_a_spanish_statement_says_manana_a_las(machine: Any, tmp_path: Path) -> None:
    machine("UTC")
    home = tmp_path / "home"
    resolved = library(home).load(_client_playbook(home, "Europe/Madrid", "default-es"))
    times.use_zone(resolved.timezone())
    at = datetime(2026, 12, 4, 22, 40, tzinfo=UTC)  # 23:40 in Madrid
    walk = Walk(resolved, Incident("x", "t", 2, "Acme", "acme", at, at, {}))
    walk.variables.update({v.name: "el café" for v in resolved.playbook.variables})
    walk.variables.update({s.save_as: "x" for _, s in walk.steps if s.save_as})
    walk.variables.update(issue_summary="algunos cafés se sirvieron calientes")
    hold = next(step for _, step in walk.steps if step.template == "holding-statement")
    due = walk.next_update_at(at).astimezone(ZoneInfo("Europe/Madrid"))
    for text in walk.render(hold, at).values():
        assert f"mañana a las {due.hour}:{due.minute:02d} CET" in text
        assert "antes de las mañana" not in text and "UTC" not in text


# --- what is recorded, and shown later ----------------------------------------------------------


def test_the_log_records_the_zone_and_shows_it_later_on_any_machine(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    home = crisisplay.home
    pid = _client_playbook(home, "Europe/Madrid")
    path = _answers(
        tmp_path, home, pid, first_seen="2026-11-20T08:00:00Z", at="2026-11-20T08:05:00Z"
    )
    code, _, err = crisisplay(
        "start", "--answers", str(path), "--playbook", pid, env={"TZ": "Asia/Kolkata"}
    )
    assert code == 0, err
    incident, evs = _opened(home)
    assert evs[0]["data"]["timezone"] == "Europe/Madrid"
    assert all(e["ts"].endswith("Z") and e.get("at", "Z").endswith("Z") for e in evs)
    drafts = [e["data"] for e in evs if e["type"] == "step" and e["data"]["kind"] == "draft"]
    assert any(d.get("next_update_by", "").endswith("Z") for d in drafts)  # the promise is kept
    for text in drafts[0]["texts"].values():  # said in Madrid time, not the machine's
        assert re.search(r"by (tomorrow )?\d{1,2}:\d\d CES?T\b", text) and "IST" not in text, text
    code, out, _ = crisisplay("log", "show", incident, env={"TZ": "Pacific/Auckland"})
    assert code == 0
    assert "first seen 2026-11-20 09:00 CET · opened 09:05 (T+00:05)" in out
    assert "NZDT" not in out and "IST" not in out
    code, out, _ = crisisplay("report", incident, env={"TZ": "America/Mexico_City"})
    assert "2026-11-20 09:00:00 CET" in out and "CST" not in out
    code, out, _ = crisisplay("report", incident, "--format", "json", env={"TZ": "UTC"})
    assert json.loads(out)["incident"]["timezone"] == "Europe/Madrid"


def test_the_workspace_zone_applies_and_a_wrong_one_is_an_error_at_its_line(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    home = crisisplay.home
    toml = home / "crisisplay.toml"
    toml.write_text('[workspace]\nname = "agency"\ntimezone = "America/Mexico_Cty"\n')
    path = _answers(tmp_path, home, first_seen="2026-11-20T08:00:00Z", at="2026-11-20T08:05:00Z")
    code, _, err = crisisplay("start", "--answers", str(path), "--client", "Acme")
    assert code == 1
    assert f"{toml}:3:12: timezone: 'America/Mexico_Cty' is not a time zone" in err
    assert "did you mean America/Mexico_City?" in err
    assert not (home / "incidents").exists() or not list((home / "incidents").iterdir())
    toml.write_text('timezone = "America/Mexico_City"\n[workspace]\nname = "agency"\n')
    code, _, err = crisisplay("start", "--answers", str(path), "--client", "Acme")
    assert code == 0, err
    assert _opened(home)[1][0]["data"]["timezone"] == "America/Mexico_City"


def test_init_writes_the_machines_zone(crisisplay: Crisisplay, tmp_path: Path) -> None:
    code, _, err = crisisplay("init", str(tmp_path / "agency"), env={"TZ": "Asia/Kolkata"})
    assert code == 0, err
    assert 'timezone = "Asia/Kolkata"' in (tmp_path / "agency" / "crisisplay.toml").read_text()


# --- at the terminal, with real keystrokes -----------------------------------------------------


def _start(home: Path, keys: list[str], first_seen: str | None = None) -> list[str]:
    return drive(
        keys,
        start_interactive,
        library(home),
        playbook=str(MINI),
        client=None,
        title=None,
        severity=None,
        first_seen=first_seen,
    )


OPENING = ["Acme" + ENTER, "Cold coffee" + ENTER, DOWN * 2 + ENTER]  # client, title, severity


@pytest.fixture
def madrid_at_19_49(machine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Madrid, and the prompts' clock at 19:49 there on Friday 4 December 2026."""
    machine("Europe/Madrid")
    monkeypatch.setattr(interactive.hooks, "now", lambda: AT)


def test_enter_at_the_first_seen_prompt_records_nothing_and_asks_again(
    madrid_at_19_49: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    with pytest.raises(Interrupted):
        _start(home, [*OPENING, ENTER, "19:40" + ENTER, CTRL_C])
    assert "Type when" in capsys.readouterr().out
    (folder,) = (home / "incidents").iterdir()
    opened = next(iter(read_events(folder / "log.jsonl")))
    assert opened["data"]["first_seen"] == "2026-12-04T18:40:00.000000Z"  # today, 19:40 CET


def test_a_clock_time_hours_ago_is_asked_back_with_nothing_selected(
    madrid_at_19_49: None, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    # Enter on the yes/no nobody moved does nothing; "Yes" takes today's 17:00.
    with pytest.raises(Interrupted):
        _start(home, [*OPENING, "17:00" + ENTER, ENTER + DOWN + ENTER, CTRL_C])
    (folder,) = (home / "incidents").iterdir()
    opened = next(iter(read_events(folder / "log.jsonl")))
    assert opened["data"]["first_seen"] == "2026-12-04T16:00:00.000000Z"


def test_no_to_the_question_asks_for_the_time_again(madrid_at_19_49: None, tmp_path: Path) -> None:
    home = tmp_path / "home"
    keys = [*OPENING, "23:10" + ENTER, "17:00" + ENTER, DOWN * 2 + ENTER]  # "No"
    keys += ["2026-12-03 17:00" + ENTER, CTRL_C]
    with pytest.raises(Interrupted):
        _start(home, keys)
    (folder,) = (home / "incidents").iterdir()
    opened = next(iter(read_events(folder / "log.jsonl")))
    assert opened["data"]["first_seen"] == "2026-12-03T16:00:00.000000Z"
    assert opened["data"]["timezone"] == "Europe/Madrid"


def test_where_shows_deadlines_on_other_days_with_their_date(
    machine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    machine("America/Mexico_City")
    home = tmp_path / "home"
    first = (datetime.now(UTC) - timedelta(days=3)).astimezone(ZoneInfo("America/Mexico_City"))
    given = first.strftime("%Y-%m-%d %H:%M")
    with pytest.raises(Interrupted):
        _start(home, [*OPENING, "/where" + ENTER, CTRL_C], first_seen=given)
    out = capsys.readouterr().out
    due = first + timedelta(minutes=15)  # the detect stage's deadline
    day = f"{due:%a} {due.day} {due:%b}"
    assert f"Detect and triage (due {day} {due.hour}:{due.minute:02d} CST)" in " ".join(out.split())
    assert "UTC" not in out
