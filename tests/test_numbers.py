"""Numbers as people write them, by the playbook's language (crisisplay.numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crisisplay.numbers import Ambiguous, NotANumber, describe, parse_number


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("260.000", "es", 260000),
        ("260,000", "en", 260000),
        ("260 000", "es", 260000),
        ("1.234.567", "es", 1234567),
        ("1,234,567", "en", 1234567),
        ("1.234,5", "es", 1234.5),
        ("1,234.5", "en", 1234.5),
        ("12,5", "es", 12.5),
        ("12.5", "en", 12.5),
        ("85k", "en", 85000),
        ("85K", "es", 85000),
        ("1,2 M", "es", 1200000),
        ("1.2M", "en", 1200000),
        ("1.2M", "es", 1200000),
        ("2 mil", "es", 2000),
        ("1.5 millones", "es", 1500000),
        ("1,5 millones", "es", 1500000),
        ("3 million", "en", 3000000),
        ("12000", "en", 12000),
        ("-40", "en", -40),
        (" 7 ", "es-ES", 7),
        ("260.000", "es-419", 260000),
    ],
)
def test_reads_numbers_as_written(text: str, lang: str, value: float) -> None:
    got = parse_number(text, lang)
    assert got == value
    assert isinstance(got, int) == float(value).is_integer()


@pytest.mark.parametrize(
    ("text", "lang", "readings"),
    [
        ("1.234", "en", (1.234, 1234)),
        ("1,234", "es", (1.234, 1234)),
        ("1,5", "en", (1.5, 15)),
        ("1.5", "es", (1.5, 15)),
    ],
)
def test_an_ambiguous_separator_gives_both_readings(
    text: str, lang: str, readings: tuple[float, float]
) -> None:
    with pytest.raises(Ambiguous) as info:
        parse_number(text, lang)
    assert info.value.readings == readings


def test_the_question_back_is_in_the_playbook_language() -> None:
    with pytest.raises(Ambiguous) as info:
        parse_number("1,234", "es")
    assert str(info.value) == "«1,234» puede ser 1,234 (con decimales) o 1 234: ¿cuál?"
    with pytest.raises(Ambiguous) as info:
        parse_number("1.234", "en")
    assert str(info.value) == "'1.234' could be 1.234 (with decimals) or 1 234: which one?"


@pytest.mark.parametrize("text", ["", "many", "12 cats", "1..2", "1,23,4", "1.", "k", "2 mil"])
def test_not_a_number(text: str) -> None:
    with pytest.raises(NotANumber):
        parse_number(text, "en")  # "mil" is a Spanish word


def test_not_a_number_says_so_in_spanish() -> None:
    with pytest.raises(NotANumber) as info:
        parse_number("muchos", "es")
    assert str(info.value).startswith("«muchos» no es un número")


def test_describe_cannot_be_misread() -> None:
    assert describe(260000, "es") == "260 000"
    assert describe(1.5, "es") == "1,5 (con decimales)"
    assert describe(1234.5, "en") == "1 234.5 (with decimals)"


def test_the_walk_reads_numbers_by_the_playbook_language(tmp_path: Path) -> None:
    from answering import DATA, library
    from crisisplay.incident.walk import AnswerError, Incident, Walk, parse_time

    text = (DATA / "prompts-mini.yaml").read_text(encoding="utf-8")
    es = tmp_path / "mini-es.yaml"
    es.write_text(text.replace("language: en", "language: es"), encoding="utf-8")
    lib = library(tmp_path / "home")
    for path, lang in ((DATA / "prompts-mini.yaml", "en"), (es, "es")):
        resolved = lib.load(str(path))
        now = parse_time("2026-11-20T08:00:00Z")
        walk = Walk(resolved, Incident("x", "t", 2, "c", "c", now, now, {}))
        (step,) = [s for _, s in resolved.playbook.steps() if s.id == "detect-reach"]
        assert walk.answer(step, {"value": "85k"})["value"] == 85000
        assert walk.answer(step, {"value": 1234})["value"] == 1234  # YAML numbers as they are
        thousands = "260.000" if lang == "es" else "260,000"
        assert walk.answer(step, {"value": thousands})["value"] == 260000
        with pytest.raises(AnswerError) as info:
            walk.answer(step, {"value": "1,234" if lang == "es" else "1.234"})
        assert "1 234" in info.value.message  # both readings named, nothing guessed
