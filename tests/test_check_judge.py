"""The learned judge: what the phrase lists can't enumerate, and an element written in words
no rule lists. These statements are ours, written for these tests (not from the training
or the evaluation set)."""

from __future__ import annotations

from pathlib import Path

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
        assert 0 < label.warn <= 1, label
        if label.kind == "family":
            # an error only when it is sure: where the judge adds an error the rules did not
            # find, it was right at least 9 times in 10 in cross-validation (or it never does)
            assert label.error >= label.warn, label
            assert label.error >= 1 or label.error_precision >= 0.9, label
            assert label.warn >= 1 or label.warn_precision >= 0.6, label
        else:
            assert label.warn >= 0.8, label  # it overrules a rule only when fairly sure
    assert "statements in data/checker/train" in judge.trained_on


def test_the_judge_reads_the_same_after_a_round_trip_through_its_file(tmp_path: Path) -> None:
    import array

    from crisisplay.check.judge import Judge, Label, _load, features, write

    labels = (
        Label("dismissal", "family", -2.0, 0.05, 0.5, 0.8, 0.7, 0.92),
        Label("repair", "element", -1.0, 0.02, 0.85, 1.0, 0.96, 0.0),
    )
    vocabulary = {"u|calm": 0, "b|calm down": 2, "u|refund": 4, "c|ñand": 6}
    weights = array.array("b", [100, -3, 127, 0, -20, 90, 5, 5])
    path = tmp_path / "judge.bin"
    write(path, Judge(labels, vocabulary, weights, "four features"))
    again = _load(path)
    assert again is not None
    feats = features("calm down, your refund is on its way")
    assert again.probabilities(feats) == Judge(labels, vocabulary, weights, "").probabilities(feats)
    assert again.probabilities(feats)["dismissal"] > 0.99  # 100 + 127 weights of 0.05 on -2
    assert again.labels == labels and again.trained_on == "four features"
    # a file of another format is no judge at all: the rules work alone
    path.write_bytes(b"crisisplay-judge 1\n{}\n")
    _load.cache_clear()
    assert _load(path) is None


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


@pytest.mark.parametrize(
    ("lang", "text", "family"),
    [
        (
            "en",
            "Thank you ever so much for the marketing masterclass. We have only been roasting "
            "coffee for twenty years, but do carry on telling us how it is done.",
            "dismissal",
        ),
        (
            "es",
            "Muchísimas gracias por la lección de atención al cliente. Solo llevamos veinte "
            "años en esto, pero seguid explicándonos cómo se hace, que nos encanta.",
            "dismissal",
        ),
        (
            "en",
            "Anyone who keeps sharing that doctored picture of our shop front will be banned "
            "from the page and reported.",
            "moderation-threat",
        ),
        (
            "es",
            "Quien siga compartiendo esa foto trucada de nuestro escaparate será bloqueado de la "
            "página y denunciado.",
            "moderation-threat",
        ),
    ],
    ids=["en-sarcasm", "es-sarcasm", "en-ban", "es-ban"],
)
def test_the_seeds_examples_of_what_not_to_write_are_flagged(
    lang: str, text: str, family: str
) -> None:
    """Sarcasm and threats to commenters, in words of our own (not from any statement set)."""
    found = check_statement(text, lang=lang)
    assert family in {f.family for f in found if f.severity in ("error", "warning")}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            "Please keep telling us about the late deliveries here; we leave every complaint up. "
            "We only hide comments that show someone's home address or phone number, to keep "
            "them safe.",
        ),
        (
            "es",
            "Seguid contándonos aquí los retrasos de los pedidos: no borramos ninguna queja. Solo "
            "ocultamos los comentarios que muestran la dirección o el teléfono de alguien, para "
            "protegerle.",
        ),
    ],
    ids=["en", "es"],
)
def test_house_rules_said_politely_are_not_a_threat(lang: str, text: str) -> None:
    found = check_statement(text, lang=lang)
    assert "moderation-threat" not in {f.family for f in found}
