"""First-hour operations: sign-off that falls back to the next approver, the client's
pre-approved holding text, moderation recorded with its rule and reason, and the client's
voice held to every draft."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from answering import drive, write_yaml
from crisisplay.check import CheckProfile, check_statement
from crisisplay.frontends.interactive import start_interactive
from crisisplay.home import Home
from crisisplay.incident.log import read_events
from crisisplay.playbook.library import Library
from running import Crisisplay

DOWN, ENTER, ESC_ENTER = "\x1b[B", "\r", "\x1b\r"

HOLDING = (
    "We know some of you have had a problem with us today, and we are looking into it now. "
    "We will post an update right here within the hour."
)

TINY = f"""\
schema: crisisplay/v1
id: tiny
version: 1.0.0
name: Tiny protocol
language: en
client:
  name: Tiny Coffee
  slug: tiny
  platforms: [x]
  voice: {{description: Calm., emoji: false, exclamations: false}}
  contacts:
    - {{name: Priya Raman, role: account-manager, reach: "+44 7700 900342"}}
    - {{name: Jonas Weber, role: on-call-lead, reach: "+44 7700 900118"}}
  moderation:
    may_hide: [insults, spam]
    never_hide: [complaints about prices]
  holding_text: "{HOLDING}"
stages:
  - id: detect
    title: Detect
    steps:
      - id: detect-moderation
        note: Hide only what the client's list allows, and record each hide.
        moderation: true
  - id: hold
    title: Hold
    steps:
      - id: hold-issue-summary
        ask: We know that …
        save_as: issue_summary
      - id: hold-draft
        draft: Holding statement.
        template: holding-statement
        approve_by: [account-manager, on-call-lead]
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "home"
    (root / "playbooks").mkdir(parents=True)
    (root / "playbooks" / "tiny.yaml").write_text(TINY, encoding="utf-8")
    return root


def walk(home: Path, keys: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Type `keys` at a new incident on the tiny protocol: (its events, keys left over)."""
    lib = Library(Home(home, "env"))
    left = drive(
        keys,
        start_interactive,
        lib,
        playbook="tiny",
        client=None,
        title="Double charges",
        severity=2,
        first_seen="now",
    )
    (folder,) = list((home / "incidents").iterdir())
    return list(read_events(folder / "log.jsonl")), left


def draft_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    (draft,) = [e["data"] for e in events if e["type"] == "step" and e["data"]["kind"] == "draft"]
    return draft


READ = DOWN + ENTER  # the moderation note: "Read — go on"
SUMMARY = "some app orders were charged twice" + ENTER
PUBLISH = "https://x.com/tiny/status/1" + ENTER + "now" + ENTER


def test_the_pre_approved_holding_text_unedited_goes_out_without_sign_off(home: Path) -> None:
    # start from the pre-approved text, accept it as it is, publish: nobody is asked to sign
    keys = READ + SUMMARY + DOWN + ENTER + DOWN + ENTER + PUBLISH
    events, left = walk(home, keys)
    assert left == []
    draft = draft_of(events)
    assert draft["texts"] == {"x": HOLDING}
    assert "approval" not in draft
    assert draft["preapproved"] == {
        "source": "client.holding_text",
        "sha256": {"x": hashlib.sha256(HOLDING.encode()).hexdigest()},
    }
    assert events[-1]["type"] == "incident.closed"


def test_an_edited_pre_approved_text_needs_sign_off_which_falls_back_to_the_on_call_lead(
    home: Path,
) -> None:
    edit_here = DOWN * 3 + ENTER  # Accept, Edit x in $EDITOR, Edit x here
    keys = READ + SUMMARY + DOWN + ENTER + edit_here + " Thank you for your patience." + ESC_ENTER
    keys += DOWN + ENTER  # accept the edited text
    keys += "/next" + ENTER + "called twice, voicemail" + ENTER  # Priya cannot be reached
    keys += "Jonas Weber" + ENTER + "phone call" + ENTER + PUBLISH
    events, left = walk(home, keys)
    assert left == []
    draft = draft_of(events)
    assert draft["texts"]["x"] == HOLDING + " Thank you for your patience."
    assert draft["edited"] == {"x": True}
    assert "preapproved" not in draft
    approval = draft["approval"]
    assert (approval["by"], approval["role"], approval["via"]) == (
        "Jonas Weber",
        "on-call-lead",
        "phone call",
    )
    (tried,) = approval["unreachable"]
    assert (tried["role"], tried["reason"]) == ("account-manager", "called twice, voicemail")


def test_the_template_draft_is_signed_by_the_first_approver_when_reached(home: Path) -> None:
    keys = READ + SUMMARY + DOWN * 2 + ENTER + DOWN + ENTER  # from the template, accept
    keys += "Priya Raman" + ENTER + "WhatsApp" + ENTER + PUBLISH
    events, left = walk(home, keys)
    assert left == []
    approval = draft_of(events)["approval"]
    assert (approval["by"], approval["role"]) == ("Priya Raman", "account-manager")
    assert "unreachable" not in approval


def test_moderation_step_shows_the_lists_and_records_a_hide_with_rule_and_reason(
    home: Path, capsys: pytest.CaptureFixture[str], crisisplay: Crisisplay
) -> None:
    record = DOWN * 2 + ENTER  # "Record a post hidden or deleted"
    record += DOWN + ENTER + "https://x.com/troll/status/9" + ENTER  # hidden; which post
    record += DOWN + ENTER + "called a barista a slur" + ENTER  # rule "insults"; why
    keys = record + READ + SUMMARY + DOWN + ENTER + DOWN + ENTER + PUBLISH
    events, left = walk(home, keys)
    assert left == []
    shown = capsys.readouterr().out
    assert "May be hidden:" in shown and "• insults" in shown and "• spam" in shown
    assert "Never hidden:" in shown and "• complaints about prices" in shown
    assert "client.moderation" not in shown
    (hide,) = [e for e in events if e["type"] == "moderation"]
    assert hide["data"] == {
        "action": "hidden",
        "what": "https://x.com/troll/status/9",
        "rule": "insults",
        "reason": "called a barista a slur",
        "step": "detect-moderation",
    }
    incident = events[0]["data"]["incident"]
    said = crisisplay("log", "show", incident, home=home)
    assert "hidden under “insults”: https://x.com/troll/status/9 — called a barista a slur" in (
        said.out
    )
    assert "pre-approved text, unedited" in said.out
    report = crisisplay("report", incident, "--format", "md", home=home)
    assert "Posts hidden or deleted" in report.out
    assert "called a barista a slur" in report.out
    data = json.loads(crisisplay("report", incident, "--format", "json", home=home).out)
    assert [m["rule"] for m in data["moderation"]] == ["insults"]


def test_a_post_outside_the_list_stays_up_and_nothing_is_recorded(home: Path) -> None:
    record = DOWN * 2 + ENTER + DOWN + ENTER + "a one-star review" + ENTER
    record += DOWN * 3 + ENTER  # "None of these — it stays up"
    keys = record + READ + SUMMARY + DOWN + ENTER + DOWN + ENTER + PUBLISH
    events, left = walk(home, keys)
    assert left == []
    assert not [e for e in events if e["type"] == "moderation"]


# --- answers files ------------------------------------------------------------------------


def run_answers(crisisplay: Crisisplay, home: Path, answers: dict[str, Any]) -> Any:
    path = write_yaml(home.parent / "answers.yaml", answers)
    return crisisplay("start", "--playbook", "tiny", "--answers", str(path), home=home)


BASE = {
    "incident": {"title": "Double charges", "severity": 2},
    "detect-moderation": "done",
    "hold-issue-summary": "some app orders were charged twice",
}


def test_answers_file_records_unreachable_approvers_pre_approved_text_and_hides(
    home: Path, crisisplay: Crisisplay
) -> None:
    ran = run_answers(
        crisisplay,
        home,
        {
            **BASE,
            "detect-moderation": {
                "moderated": [
                    {
                        "action": "deleted",
                        "what": "a post with a customer's phone number",
                        "rule": "spam",
                        "reason": "bot flood",
                    }
                ]
            },
            "hold-draft": {
                "accept": True,
                "text": "Our own words, not the agreed ones. Next update within the hour.",
                "unreachable": {"account-manager": "no answer on two calls"},
                "approved_by": "Jonas Weber",
                "published_url": "https://x.com/tiny/status/2",
            },
        },
    )
    assert ran.code == 0, ran.err
    (folder,) = list((home / "incidents").iterdir())
    events = list(read_events(folder / "log.jsonl"))
    (hide,) = [e["data"] for e in events if e["type"] == "moderation"]
    assert (hide["action"], hide["rule"], hide["reason"]) == ("deleted", "spam", "bot flood")
    approval = draft_of(events)["approval"]
    assert approval["role"] == "on-call-lead"
    assert approval["unreachable"] == [
        {"role": "account-manager", "reason": "no answer on two calls"}
    ]


def test_answers_file_pre_approved_text_needs_no_approver(
    home: Path, crisisplay: Crisisplay
) -> None:
    ran = run_answers(
        crisisplay,
        home,
        {
            **BASE,
            "hold-draft": {
                "accept": True,
                "preapproved": True,
                "published_url": "https://x.com/tiny/status/3",
            },
        },
    )
    assert ran.code == 0, ran.err
    (folder,) = list((home / "incidents").iterdir())
    draft = draft_of(list(read_events(folder / "log.jsonl")))
    assert draft["texts"] == {"x": HOLDING} and "approval" not in draft
    assert draft["preapproved"]["sha256"]["x"] == hashlib.sha256(HOLDING.encode()).hexdigest()


@pytest.mark.parametrize(
    ("draft", "said"),
    [
        (  # the on-call lead is the fallback, not the first to ask
            {"unreachable": {"on-call-lead": "asleep"}, "approved_by": "Priya Raman"},
            "'on-call-lead' is not next in line",
        ),
        (  # the last approver cannot be passed over
            {
                "unreachable": {"account-manager": "no answer", "on-call-lead": "no answer"},
                "approved_by": "Someone",
            },
            "cannot be passed over",
        ),
        (  # a role passed over says what was tried
            {"unreachable": {"account-manager": ""}, "approved_by": "Jonas Weber"},
            "say what was tried to reach the account-manager",
        ),
        ({}, "needs sign-off by the account-manager (Priya Raman)"),
    ],
)
def test_answers_file_sign_off_mistakes_are_refused_before_anything_is_written(
    home: Path, crisisplay: Crisisplay, draft: dict[str, Any], said: str
) -> None:
    hold = {"accept": True, "text": "Edited words.", "published_url": "https://x.com/t/4"}
    ran = run_answers(crisisplay, home, {**BASE, "hold-draft": {**hold, **draft}})
    assert ran.code == 1
    assert said in ran.err
    assert not (home / "incidents").exists() or not list((home / "incidents").iterdir())


def test_answers_file_refuses_a_hide_the_list_does_not_allow(
    home: Path, crisisplay: Crisisplay
) -> None:
    hide = {"what": "a one-star review", "rule": "complaints about prices", "reason": "rude"}
    ran = run_answers(
        crisisplay,
        home,
        {**BASE, "detect-moderation": {"moderated": [hide]}, "hold-draft": {"skip": "test"}},
    )
    assert ran.code == 1
    assert "is not on the client's list of what may be hidden (insults; spam)" in ran.err


# --- the playbook -------------------------------------------------------------------------


def test_an_unknown_approver_in_a_list_is_an_error_at_its_position(
    home: Path, crisisplay: Crisisplay
) -> None:
    bad = home / "playbooks" / "tiny.yaml"
    bad.write_text(
        TINY.replace(
            "approve_by: [account-manager, on-call-lead]",
            "approve_by: [account-manager, on-cal-lead]",
        ),
        encoding="utf-8",
    )
    ran = crisisplay("playbook", "validate", str(bad), home=home)
    assert ran.code == 1
    line = TINY.splitlines().index("        approve_by: [account-manager, on-call-lead]") + 1
    col = len("        approve_by: [account-manager, ") + 1
    assert f"tiny.yaml:{line}:{col}" in ran.out + ran.err
    assert (
        "role 'on-cal-lead' is not among the client's contacts — did you mean 'on-call-lead'?"
        in (ran.out + ran.err)
    )


def test_a_holding_text_for_an_unknown_network_is_an_error(
    home: Path, crisisplay: Crisisplay
) -> None:
    bad = home / "playbooks" / "tiny.yaml"
    bad.write_text(
        TINY.replace(f'holding_text: "{HOLDING}"', "holding_text: {twiter: Words.}"),
        encoding="utf-8",
    )
    ran = crisisplay("playbook", "validate", str(bad), home=home)
    assert ran.code == 1
    assert "'twiter' is not a network" in ran.out + ran.err


def test_the_default_protocols_pause_posts_brief_the_front_line_and_route_the_press(
    tmp_path: Path,
) -> None:
    lib = Library(Home(tmp_path / "h", "env"))
    for ref in ("default", "default-es"):
        pb = lib.load(ref).playbook
        hold = [s.id for st in pb.stages or [] if st.id == "hold" for s in st.steps]
        for step in ("hold-pause-scheduled", "hold-reactive-lines", "hold-brief-frontline"):
            assert step in hold
        assert hold.index("hold-reactive-lines") > hold.index("hold-draft")
        assert "hold-press-office" in hold
        drafts = [s for _, s in pb.steps() if s.kind == "draft"]
        assert all(s.approvers() == ["account-manager", "on-call-lead"] for s in drafts)
        moderation = pb.step("detect-moderation")
        assert moderation is not None and moderation.moderation
        assert "client.moderation" not in moderation.text


# --- the client's voice -------------------------------------------------------------------


def voice(text: str, lang: str, **rules: Any) -> list[tuple[str, str, str]]:
    found = check_statement(text, lang=lang, profile=CheckProfile(voice=rules))
    return [(f.rule, f.severity, text[f.start : f.end]) for f in found if f.family == "voice"]


def test_voice_flags_emoji_exclamations_and_banned_words_in_english() -> None:
    text = "We're so sorry! We spilled the beans on this 🙏 and we are fixing it."
    found = voice(text, "en", emoji=False, exclamations=False, banned=["spilled the beans"])
    assert ("voice.exclamations", "warning", "!") in found
    assert ("voice.emoji", "warning", "🙏") in found
    assert ("voice.banned", "error", "spilled the beans") in found
    (f,) = [
        f
        for f in check_statement(text, lang="en", profile=CheckProfile(voice={"emoji": False}))
        if f.rule == "voice.emoji"
    ]
    assert "Emoji" in f.message and f.hint  # says what to do instead


def test_voice_flags_the_other_form_of_address_in_spanish() -> None:
    tu_brand = voice(
        "¡Lo sentimos! Usted puede escribirnos: escríbanos por DM.",
        "es",
        address="tú",
        exclamations=False,
    )
    assert ("voice.exclamations", "warning", "¡Lo sentimos!") in tu_brand
    assert ("voice.address", "warning", "Usted") in tu_brand
    assert ("voice.address", "warning", "escríbanos") in tu_brand
    usted_brand = voice(
        "Si tienes dudas, escríbenos y te ayudamos con tu pedido.", "es", address="usted"
    )
    assert [(r, t) for r, _, t in usted_brand] == [
        ("voice.address", "tienes"),
        ("voice.address", "escríbenos"),
        ("voice.address", "te"),
        ("voice.address", "tu"),
    ]
    (f,) = [
        f
        for f in check_statement(
            "Escríbenos.", lang="es", profile=CheckProfile(voice={"address": "usted"})
        )
        if f.rule == "voice.address"
    ]
    assert f.hint == "Escribe «Escríbanos»."


def test_a_statement_in_the_clients_voice_has_no_voice_findings() -> None:
    rules = {"emoji": False, "exclamations": False, "banned": ["cafelito"]}
    assert (
        voice(
            "Sabemos que algunos pedidos se cobraron dos veces. Lo estamos revisando y te "
            "escribimos antes de las 15:00. Si te afectó, escríbenos por mensaje directo.",
            "es",
            address="tú",
            **rules,
        )
        == []
    )
    assert (
        voice(
            "We know some orders were charged twice. We are looking into it; next update by 15:00.",
            "en",
            **rules,
        )
        == []
    )


def test_check_with_a_client_applies_its_voice(crisisplay: Crisisplay) -> None:
    ran = crisisplay(
        "check", "-", "--client", "bean-there-es", "--json", stdin="¡Usted tiene razón! 🙏"
    )
    rules = {f["rule"]: (f["start"], f["end"]) for f in json.loads(ran.out)["findings"]}
    assert rules["voice.exclamations"] == (0, len("¡Usted tiene razón!"))
    assert rules["voice.address"] == (1, 6)
    assert rules["voice.emoji"] == (20, 21)
