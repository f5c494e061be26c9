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
        ("contact-phone", "612 345 678"),
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


# --- the compiled rules: faster forms, and kept between processes ----------------------

_CORPUS = Path(__file__).parents[1] / "data" / "checker" / "train"


def _corpus_texts(lang: str) -> list[str]:
    from ruamel.yaml import YAML

    from crisisplay.check.text import fold

    texts = []
    for path in sorted(_CORPUS.glob("*.yaml")):
        for entry in YAML(typ="safe").load(path.read_text(encoding="utf-8")) or []:
            if entry["lang"] == lang:
                texts.append(fold(entry["text"]))
    # a paste with no full stop and a match every few words
    texts.append(fold("We are sorry if anyone was offended, but " * 300))
    return texts


def _all_spans(ruleset: object, texts: list[str]) -> list[list[list[tuple[int, int]]]]:
    rules = ruleset.rules  # type: ignore[attr-defined]
    return [[[m.span() for m in r.pattern.finditer(t)] for r in rules] for t in texts]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_fast_forms_of_the_rules_find_exactly_what_they_say(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Word-start runs behind one look-behind, alternatives grouped by first letter: on
    every statement of the training corpus, the same spans as the patterns as written."""
    from crisisplay.check import rules

    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", "off")
    rules._load_cached.cache_clear()
    fast = rules.load_rules(lang)
    assert sum(r.pattern.pattern.startswith(rules._WORD_START) for r in fast.rules) >= 15
    with monkeypatch.context() as m:
        m.setattr(rules, "_starts_words", lambda items: False)  # no runs
        m.setattr(rules, "_trie", lambda parsed: parsed)  # no grouping
        rules._load_cached.cache_clear()
        written = rules.load_rules(lang)
    rules._load_cached.cache_clear()
    assert not any(r.pattern.pattern.startswith(rules._WORD_START) for r in written.rules)
    texts = _corpus_texts(lang)[::3]  # a third keeps the suite quick; all of it agreed too
    assert len(texts) > 400
    assert _all_spans(fast, texts) == _all_spans(written, texts)


def test_compiled_rules_are_kept_and_a_damaged_entry_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crisisplay.check import rules

    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", str(tmp_path))
    rules._load_cached.cache_clear()
    fresh = rules.load_rules("es")
    [entry] = [p for p in tmp_path.rglob("*") if p.is_file() and p.parent.name.startswith("rules-")]

    compiled: list[str] = []
    real_parse = rules._runs

    def counting(parts: list[str]) -> list[tuple[str, bool]]:
        compiled.append("x")
        return real_parse(parts)

    monkeypatch.setattr(rules, "_runs", counting)
    rules._load_cached.cache_clear()
    kept = rules.load_rules("es")
    assert compiled == []  # nothing parsed or compiled: read from the cache
    texts = _corpus_texts("es")[::7]
    assert _all_spans(kept, texts) == _all_spans(fresh, texts)
    assert [r.id for r in kept.rules] == [r.id for r in fresh.rules]
    assert [(r.message, r.hint) for r in kept.rules] == [(r.message, r.hint) for r in fresh.rules]

    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF
    entry.write_bytes(bytes(data))
    rules._load_cached.cache_clear()
    again = rules.load_rules("es")
    rules._load_cached.cache_clear()
    assert compiled  # the damaged entry was not used: compiled again
    assert _all_spans(again, texts) == _all_spans(fresh, texts)


def test_a_rule_file_that_changes_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crisisplay.check import rules

    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", str(tmp_path / "cache"))
    extra = tmp_path / "rules"
    extra.mkdir()
    rule = (
        "rules:\n  - id: house\n    patterns: ['\\b{word}\\b']\n    message: No.\n    hint: No.\n"
    )
    (extra / "en.yaml").write_text(rule.format(word="frobnicate"), encoding="utf-8")
    assert [f.rule for f in check_statement("We frobnicate.", extra_rules_dirs=[extra])] == [
        "house"
    ]
    (extra / "en.yaml").write_text(rule.format(word="defenestrate"), encoding="utf-8")
    rules._load_cached.cache_clear()
    assert check_statement("We frobnicate.", extra_rules_dirs=[extra]) == []
    assert [f.rule for f in check_statement("We defenestrate.", extra_rules_dirs=[extra])] == [
        "house"
    ]
    rules._load_cached.cache_clear()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_rule_is_passed_over_only_where_it_cannot_match(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long paste is first asked whether it holds any of the strings every match of a
    rule needs: on every training statement, a rule that matches is never passed over, and
    a long paste of them gets the same findings with the question as without it."""
    import crisisplay.check as checker
    from crisisplay.check.rules import load_rules

    ruleset = load_rules(lang)
    assert sum(r.needs is not None for r in ruleset.rules) >= len(ruleset.rules) - 4
    texts = _corpus_texts(lang)
    for rule in ruleset.rules:
        for text in texts:
            if rule.pattern.search(text):
                assert rule.may_match(text), (rule.id, text[:80])
    paste = " ".join(texts[::5])
    assert len(paste) > checker.LONG_TEXT
    asked = check_statement(paste, lang=lang, kind="apology")
    monkeypatch.setattr(checker, "LONG_TEXT", 10**9)
    assert check_statement(paste, lang=lang, kind="apology") == asked
    # and a paste holding none of a rule's strings is not scanned for it: the bench's
    # looping non-apology is scanned for a few rules, not thirty
    sample = {"en": "we are sorry if anyone was offended, but ", "es": "lo sentimos si alguien "}
    passed_over = [r.id for r in ruleset.rules if not r.may_match(sample[lang] * 10)]
    assert len(passed_over) >= 10, passed_over
