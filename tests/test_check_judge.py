"""The learned judge: what the phrase lists can't enumerate, and an element written in words
no rule lists. These statements are ours, written for these tests (not from the training
or the evaluation set)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crisisplay.check import ELEMENT_OF_RULE, check_statement
from crisisplay.check.judge import Label, load


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
        elif label.kind == "element":
            assert label.warn >= 0.8, label  # it overrules a rule only when fairly sure
        else:
            # the verdict on the whole statement: a finding becomes an error only where, in
            # cross-validation, the statements it did so for were bad 9 times in 10 or more;
            # findings quieten only where the statements were sound 9 times in 10
            assert label.kind == "verdict" and label.normalised, label
            assert label.quiet < 0.5 <= label.warn and label.error >= 0.5, label
            assert label.error_precision >= 0.9 and label.quiet_precision >= 0.9, label
            assert label.warn_precision >= 0.75, label
    assert [label.kind for label in judge.labels].count("verdict") == 1
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


def verdict(
    monkeypatch: pytest.MonkeyPatch, silent: str = "", sure: str = "", **changes: float
) -> None:
    """The shipped judge, with its verdict on the whole statement changed (`bias=50`: sure
    it is bad, `bias=-50`: sure it is sound), the family `silent` never read and the family
    `sure` read wherever its words lean to it at all."""
    import dataclasses

    import crisisplay.check.judge as judge_module

    shipped = load()
    assert shipped is not None

    def changed(label: Label) -> Label:
        if label.kind == "verdict":
            return dataclasses.replace(label, **changes)
        if label.name == silent:
            return dataclasses.replace(label, warn=2.0, error=2.0)
        if label.name == sure:
            return dataclasses.replace(label, bias=label.bias + 20.0)
        return label

    judged = dataclasses.replace(shipped, labels=tuple(changed(lab) for lab in shipped.labels))
    monkeypatch.setattr(judge_module, "load", lambda: judged)


UNSURE = {"warn": 2.0, "error": 2.0, "quiet": -1.0}
SURE_BAD = {"bias": 50.0}
SURE_SOUND = {"bias": -50.0}


def rules(text: str, **kwargs: Any) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, text[f.start : f.end]) for f in check_statement(text, **kwargs)]


HOLDING = (
    "Since 9:10 this morning many of you cannot log in to the Lumen banking app, and some "
    "card payments are failing. Our engineers are working on it."
)


def test_a_missing_element_is_a_warning_unless_the_statement_is_surely_bad(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verdict(monkeypatch, **UNSURE)
    assert rules(HOLDING, kind="holding-statement") == [("needs-next-update", "warning", "")]
    verdict(monkeypatch, **SURE_BAD)
    assert rules(HOLDING, kind="holding-statement") == [("needs-next-update", "error", "")]


def test_a_statement_surely_bad_makes_its_strongest_finding_an_error_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (
        "We apologise for any inconvenience caused by Saturday's cancelled concert at the "
        "Riverside hall. Every ticket is refunded in full today, and Marta Ruiz "
        "(marta.ruiz@gmail.com) has already been called."
    )
    verdict(monkeypatch, **UNSURE)
    inconvenience = ("any-inconvenience", "apologise for any inconvenience")
    email = ("personal-email", "error", "marta.ruiz@gmail.com")
    assert rules(text) == [(inconvenience[0], "warning", inconvenience[1]), email]
    verdict(monkeypatch, **SURE_BAD)  # the e-mail is an error of its own: it does not count
    assert rules(text) == [(inconvenience[0], "error", inconvenience[1]), email]
    # and the error says why it is one
    [made] = [f for f in check_statement(text) if f.rule == "any-inconvenience"]
    assert made.message.endswith(
        "one a crisis lead would hold back, and this is its weakest point."
    )
    verdict(monkeypatch, **SURE_SOUND)  # the warning goes; personal data stays an error
    assert rules(text) == [email]


def test_a_statement_surely_sound_holds_nothing_up_but_what_is_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (
        "We are sorry, but the flight was full and the airport had closed the gate at 6:40. "
        "The crew had already left. Marta, we will call you at 612 345 678."
    )
    verdict(monkeypatch, **UNSURE)
    found = rules(text, kind="apology")
    assert ("sorry-but", "error", "sorry, but") in found
    assert ("apology-needs-responsibility", "warning", "") in found
    verdict(monkeypatch, **SURE_SOUND)
    assert rules(text, kind="apology") == [
        ("sorry-but", "warning", "sorry, but"),
        ("personal-phone", "error", "612 345 678"),
    ]


def test_a_statement_surely_bad_where_nothing_was_found_gets_a_warning_of_what_it_leans_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (
        "We have read the comments. Perhaps some folks could take a breath and look at the "
        "whole post before getting so worked up about some late parcels."
    )
    verdict(monkeypatch, silent="dismissal", **UNSURE)
    assert rules(text) == []
    verdict(monkeypatch, silent="dismissal", **SURE_BAD)
    [(rule, severity, _)] = rules(text)
    assert (rule, severity) == ("judge.dismissal", "warning")
    # …never a family the client switched off, and never an agency's rule made an error
    from crisisplay.check import CheckProfile

    assert check_statement(text, profile=CheckProfile(disable=["dismissal"])) == []


@pytest.mark.parametrize(
    ("lang", "text", "owning"),
    [
        (
            "en",
            "Card payments work again in all 40 shops. The terminals were updated overnight "
            "and a second check now runs before every update goes live.",
            "in the first person",
        ),
        (
            "es",
            "Los pagos con tarjeta vuelven a funcionar en las 40 tiendas. Los terminales se "
            "actualizaron anoche y ahora se hace una segunda comprobación antes de cada cambio.",
            "en primera persona",
        ),
    ],
)
def test_a_resolution_read_as_bad_that_never_owns_it_is_told_so(
    monkeypatch: pytest.MonkeyPatch, lang: str, text: str, owning: str
) -> None:
    """No rule asks a resolution for ownership by its phrases; when the verdict reads the
    statement as bad and nothing else says why, the warning names what its kind lacks."""
    from crisisplay.check import CheckProfile

    verdict(monkeypatch, **UNSURE)
    assert rules(text, lang=lang, kind="resolution") == []
    verdict(monkeypatch, **SURE_BAD)
    [found] = check_statement(text, lang=lang, kind="resolution")
    assert (found.rule, found.severity) == ("judge.missing-responsibility", "warning")
    assert owning in found.message
    # a client that switched the element off is not told
    off = CheckProfile(disable=["missing-responsibility"])
    assert check_statement(text, lang=lang, kind="resolution", profile=off) == []


@pytest.mark.parametrize(
    ("bad", "dismissive", "named"),
    [
        (0.75, 0.30, True),  # likely bad: a family the words lean to from 0.25
        (0.60, 0.40, True),  # bad only more likely than not: the words must lean more
        (0.60, 0.30, False),
        (0.45, 0.90, False),  # sound more likely than not: nothing is made up
    ],
)
def test_a_statement_read_as_bad_with_nothing_found_is_told_what_its_words_lean_to(
    bad: float, dismissive: float, named: bool
) -> None:
    """The verdict's warning, with the judge's readings set by hand: how sure it must be
    that the statement is bad, and how far its words must lean to a family, to name one."""
    from crisisplay.check import Gate, weighed_families
    from crisisplay.check.rules import load_rules
    from crisisplay.check.text import fold_with_map

    text = "We have read the comments. Perhaps some folks could take a breath first."
    folded = fold_with_map(text)
    probability = {"bad": bad, "dismissal": dismissive, "reframing": 0.05}
    evidence = {"dismissal": 1.0, "reframing": 1.0}
    families = weighed_families(["dismissal", "reframing"])
    gate = Gate(
        load_rules("en"), folded, None, set(), probability, evidence, [(0, 26), (27, 72)], families
    )
    verdict = Label("bad", "verdict", 0.0, 1.0, warn=0.7, error=0.9, quiet=0.2)
    found = gate.weigh([], verdict, strongest=lambda family: 1)
    if not named:
        assert found == []
        return
    [warning] = found
    assert (warning.rule, warning.severity) == ("judge.dismissal", "warning")
    assert text[warning.start : warning.end] == "Perhaps some folks could take a breath first."
    # a verdict that never speaks (`make eval-checker ARGS=--no-verdict`) names nothing
    never = Label("bad", "verdict", 0.0, 1.0, warn=2.0, error=2.0, quiet=-1.0)
    assert gate.weigh([], never, strongest=lambda family: 1) == []


def test_an_agency_rule_is_not_weighed_by_the_verdict(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "en.yaml").write_text(
        "rules:\n  - id: house-bean-juice\n    family: dismissal\n    severity: warning\n"
        "    patterns: ['\\bbean\\s+juice\\b']\n    message: Not in a crisis.\n    hint: Coffee.\n",
        encoding="utf-8",
    )
    text = "Our bean juice machines broke on Tuesday in all 40 shops; they work again from today."
    for changes in (SURE_BAD, SURE_SOUND):
        verdict(monkeypatch, **changes)
        found = rules(text, extra_rules_dirs=[tmp_path])
        assert ("house-bean-juice", "warning", "bean juice") in found


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


@pytest.mark.parametrize(
    ("lang", "brush_off", "answer"),
    [
        (
            "en",
            "Thanks for your message, Sam. Please send us a DM with your details and we will "
            "take a look at it for you.",
            "Sam, your order arrived cold and an hour late on Friday, and that is on us. We "
            "have refunded it in full this morning.",
        ),
        (
            "es",
            "Gracias por escribirnos, Marta. Mándanos un mensaje privado con tus datos y lo "
            "revisamos enseguida.",
            "Marta, tu pedido llegó frío y una hora tarde el viernes, y es culpa nuestra. Te "
            "hemos devuelto el importe esta mañana.",
        ),
    ],
    ids=["en", "es"],
)
def test_a_reply_must_say_what_happened_to_the_person(
    lang: str, brush_off: str, answer: str
) -> None:
    [missing] = check_statement(brush_off, lang=lang, kind="reply")
    assert missing.rule == "reply-needs-acknowledgement"
    assert missing.severity in ("warning", "error")
    assert check_statement(answer, lang=lang, kind="reply") == []


def test_the_judge_does_not_read_a_family_where_a_rule_saw_the_phrase_and_cleared_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The judge reads words, not grammar: in "wasn't an isolated incident" it reads
    # "isolated incident". The minimiser rule matched that phrase and its own exception
    # ("n't … isolated") cleared it; the judge, sure of minimising, is not heard there.
    verdict(monkeypatch, sure="minimiser", **UNSURE)
    cleared = (
        "We are sorry to every family who wrote to us this week. This wasn't an isolated "
        "incident: it happened in 40 of our stores, and we should have seen it far sooner."
    )
    assert [f.rule for f in check_statement(cleared) if f.family == "minimiser"] == []
    # the same judge, where no rule saw the phrase, is heard
    unseen = cleared.replace("This wasn't an isolated incident", "It was an isolated thing")
    found = [f for f in check_statement(unseen) if f.family == "minimiser"]
    assert [f.rule for f in found] == ["judge.minimiser"]
    assert unseen[found[0].start :].startswith("It was an isolated thing")
