"""The learned judge: what the phrase lists can't enumerate, and an element written in words
no rule lists. These statements are ours, written for these tests (not from the training
or the evaluation set)."""

from __future__ import annotations

import pytest

from crisisplay.check import ELEMENT_OF_RULE, check_statement
from crisisplay.check.judge import load


def test_the_shipped_judge_knows_every_family_and_element() -> None:
    judge = load()
    assert judge is not None
    names = {label.name for label in judge.labels}
    assert {"conditional", "moderation-threat", "euphemism", "blame-shifting"} <= names
    assert set(ELEMENT_OF_RULE.values()) <= names
    for label in judge.labels:
        assert 0.5 <= label.warn <= 1, label  # never a finding below an even chance
        if label.kind == "family":
            assert label.error >= 0.9, label  # an error only when it is sure
    assert "statements in data/checker/train" in judge.trained_on


def test_a_threat_to_commenters_is_found_where_no_rule_lists_it() -> None:
    text = (
        "We know many of you saw the comments about our staff last night. Comments spreading "
        "lies about our team will be deleted and the accounts reported to the police."
    )
    found = [f for f in check_statement(text) if f.family == "moderation-threat"]
    assert [f.rule for f in found] == ["judge.moderation-threat"]
    (threat,) = found
    # it points at the sentence that threatens, not the whole text
    assert text[threat.start : threat.end].startswith("Comments spreading lies")
    assert text[threat.end - 1] == "."
    assert "Drop the threat" in threat.hint


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "es",
            "Sabemos que esta tarde la app no deja pagar con tarjeta y que a algunos se os ha "
            "cobrado dos veces. Estamos revisándolo con el banco. Os contamos más aquí a las "
            "21:30.",
        ),
        (
            "en",
            "We know some of you could not pay by card in our app this afternoon. We are "
            "looking into it with the bank and we will post what we know tomorrow at 9am.",
        ),
    ],
    ids=["es-a-las-2130", "en-tomorrow-9am"],
)
def test_a_next_update_in_words_no_rule_lists_is_not_reported_missing(lang: str, text: str) -> None:
    found = check_statement(text, lang=lang, kind="holding-statement")
    assert [f.rule for f in found if f.family == "missing-element"] == []


def test_a_missing_element_is_a_warning_never_an_error() -> None:
    text = "We are so sorry about what happened at the Leeds store on Saturday."
    missing = [f for f in check_statement(text, kind="apology") if f.family == "missing-element"]
    assert missing and {f.severity for f in missing} == {"warning"}


def test_the_judge_keeps_quiet_on_a_line_too_short_to_read() -> None:
    """ "Next update by 16:00." says nothing of what happened: the rule's missing
    acknowledgement stands, whatever whole statements taught the judge."""
    found = check_statement("Next update by 16:00 UTC.", kind="holding-statement")
    assert [f.rule for f in found] == ["holding-needs-acknowledgement"]


def test_a_family_switched_off_for_a_client_is_off_for_the_judge_too() -> None:
    from crisisplay.check import CheckProfile

    text = (
        "We know many of you saw the comments about our staff last night. Comments spreading "
        "lies about our team will be deleted and the accounts reported to the police."
    )
    off = CheckProfile(disable=["moderation-threat"])
    assert not [f for f in check_statement(text, profile=off) if f.family == "moderation-threat"]
