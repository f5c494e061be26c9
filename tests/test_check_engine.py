"""The checker's rule engine: `near` companions, one finding per problem, folding."""

from __future__ import annotations

from pathlib import Path

import pytest

from crisisplay.check import Finding, check_statement
from crisisplay.check.rules import RulesError
from crisisplay.check.text import fold_with_map


def spans(text: str, findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, text[f.start : f.end]) for f in findings]


# --- `near`: a match that only counts next to a companion phrase ------------------------


@pytest.fixture
def near_rules(tmp_path: Path) -> Path:
    (tmp_path / "en.yaml").write_text(
        "rules:\n"
        "  - id: refund-hedge\n    severity: error\n"
        "    patterns: ['\\bmay\\s+be\\s+eligible\\b']\n"
        "    near: ['\\brefund']\n"
        "    message: Say who gets a refund.\n    hint: Name them.\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("You may be eligible for a refund.", True),
        ("Refunds are open. You may be eligible.", True),  # the sentence before
        ("You may be eligible. Refunds open Monday.", True),  # the sentence after
        ("You may be eligible for a prize draw.", False),
        ("Refunds are open. Stores close at 6. Queues are long. You may be eligible.", False),
    ],
    ids=["same-sentence", "before", "after", "no-companion", "too-far"],
)
def test_near_needs_the_companion_in_the_sentence_or_next_to_it(
    near_rules: Path, text: str, flagged: bool
) -> None:
    found = [f for f in check_statement(text, extra_rules_dirs=[near_rules])]
    assert (spans(text, found) == [("refund-hedge", "may be eligible")]) is flagged
    assert bool(found) is flagged


def test_a_broken_near_pattern_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text(
        "rules:\n  - id: x\n    patterns: ['a']\n    near: ['(']\n", encoding="utf-8"
    )
    with pytest.raises(RulesError, match=r"\(near\).*invalid regular expression"):
        check_statement("a", extra_rules_dirs=[tmp_path])


def test_shipped_conditional_harm_needs_an_apology_nearby() -> None:
    apology = "If our tweet upset anyone, we apologise."
    assert spans(apology, check_statement(apology)) == [("conditional-harm", "If our tweet upset")]
    # the same "if" with no apology anywhere near is no conditional apology
    plain = "If our tweet upset anyone, tell us why: we read every reply."
    rules = [f for f in check_statement(plain) if not f.rule.startswith("judge.")]
    assert [f for f in rules if f.family == "conditional"] == []


# --- one finding per problem --------------------------------------------------------------


def test_adjacent_matches_of_one_family_are_one_finding() -> None:
    text = "We're sorry if anyone was offended."
    found = [f for f in check_statement(text) if f.family == "conditional"]
    assert spans(text, found) == [("conditional-apology", "sorry if")]


def test_separate_problems_of_one_family_stay_separate() -> None:
    text = "Hola, escríbenos a ana.lopez@gmail.com, 612 345 678"
    found = [f for f in check_statement(text, lang="es") if f.family == "personal-data"]
    assert spans(text, found) == [
        ("personal-email", "ana.lopez@gmail.com"),
        ("personal-phone", "612 345 678"),
    ]


# --- folding ------------------------------------------------------------------------------


def test_contractions_typed_without_apostrophe_match_and_map_back() -> None:
    text = "Dont worry — we didnt mean to upset anyone"
    [finding] = [f for f in check_statement(text) if f.family == "intent-over-impact"]
    assert text[finding.start : finding.end] == "we didnt mean to"


def test_only_unambiguous_contractions_get_an_apostrophe() -> None:
    folded = fold_with_map("Well, we were told its fine; Im sure youre right, thats it")
    assert folded.text == "well, we were told its fine; i'm sure you're right, that's it"


def test_a_negated_minimiser_inside_a_contraction_is_not_flagged() -> None:
    # "wasn't": the "n't" is inside the word, and still negates "isolated"
    text = "This wasn't an isolated incident: it happened in 40 stores."
    assert [f for f in check_statement(text) if f.family == "minimiser"] == []


# --- the shipped rules: every finding a manager can get says why and what instead -------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_shipped_rule_has_a_message_and_a_hint(lang: str) -> None:
    from crisisplay.check.rules import load_rules

    silent = [r.id for r in load_rules(lang).rules if len(r.message) < 20 or len(r.hint) < 10]
    assert not silent, f"{lang} rules with no message or hint: {silent}"
