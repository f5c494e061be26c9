"""Statement templates: the sandbox refuses what could hurt, renders what it should."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crisisplay.playbook.templates import (
    MAX_OUTPUT,
    Source,
    TemplateError,
    file_layer,
    parse,
    render,
)

SHIPPED = Path(__file__).resolve().parent.parent / "templates"


def inline(text: str) -> Source:
    return Source("t", "default", text, "inline", "playbook")


def refused(text: str, context: dict[str, object] | None = None) -> str:
    """The message a template gets, whether at parse time or at render time."""
    started = time.perf_counter()
    with pytest.raises(TemplateError) as error:
        render(inline(text), context or {})
    assert time.perf_counter() - started < 1.0
    return error.value.message


def test_renders_variables() -> None:
    assert render(inline("We know that {{ issue }}."), {"issue": "the app is down"}) == (
        "We know that the app is down."
    )


def test_an_undefined_variable_is_an_error_not_an_empty_string() -> None:
    assert "not set" in refused("Hello {{ nobody }}")
    assert "nobody" in refused("Hello {{ nobody }}")


def test_parse_lists_the_variables_a_template_reads() -> None:
    parsed = parse(inline("{{ a }} {% if b %}{{ client.name }}{% endif %}"))
    assert parsed.variables == {"a", "b", "client"}
    assert parsed.attributes == {"client": {"name"}}


def test_include_is_refused_with_its_line() -> None:
    with pytest.raises(TemplateError) as error:
        parse(inline("Hello.\n{% include 'footer.j2' %}"))
    assert "'{% include %}' is not allowed" in error.value.message
    assert error.value.line == 2


@pytest.mark.parametrize("statement", ["{% import 'x' as x %}", "{% extends 'base' %}"])
def test_import_and_extends_are_refused(statement: str) -> None:
    assert "is not allowed" in refused(statement)


def test_a_huge_string_repetition_is_refused_at_parse_time_with_its_line() -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateError) as error:
        parse(inline("ok\n{{ 'a' * 10**10 }}"))
    assert time.perf_counter() - started < 1.0
    assert error.value.line == 2
    assert "10,000,000,000" in error.value.message


def test_a_huge_repetition_of_a_variable_is_refused_at_render_time() -> None:
    assert "the limit is 20,000" in refused("{{ x * 10**10 }}", {"x": "a"})


def test_a_tower_of_powers_is_refused() -> None:
    assert "a number that large" in refused("{{ 10**10**10 }}")


def test_a_large_exponent_of_a_variable_is_refused() -> None:
    assert "exponent over 64" in refused("{{ n ** 100000 }}", {"n": 7})


@pytest.mark.parametrize(
    "text",
    [
        "{{ x|center(10**9) }}",
        "{{ x|indent(10**9, true) }}",
        "{{ x|wordwrap(10**9) }}",
        "{{ '%999999999s'|format(x) }}",
        "{{ '{:>999999999}'.format(x) }}",
        "{{ ('a' * 20000)|replace('', 'b' * 20000) }}",
        "{{ range(10**6)|list|length }}",
    ],
)
def test_filters_and_calls_that_build_huge_text_are_refused(text: str) -> None:
    assert "limit" in refused(text, {"x": "a"})


def test_nested_loops_are_refused() -> None:
    text = "{% for i in range(999) %}{% for j in range(999) %}{% endfor %}{% endfor %}"
    assert "a loop inside a loop" in refused(text)


def test_macros_are_refused() -> None:
    assert "macro" in refused("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")


def test_output_is_capped() -> None:
    text = "{% for i in range(1000) %}{{ x }}{% endfor %}"
    message = refused(text, {"x": "a" * 100})
    assert f"over {MAX_OUTPUT:,} characters" in message


def test_the_sandbox_refuses_python_internals() -> None:
    assert "unsafe" in refused("{{ x.__class__.__mro__ }}", {"x": "a"})


def test_the_sandbox_is_immutable() -> None:
    assert "refused" in refused("{{ items.append(1) }}", {"items": []})


def test_a_syntax_error_is_said_plainly() -> None:
    with pytest.raises(TemplateError) as error:
        parse(inline("{% if a %}\nopen"))
    assert "'{% if %}' is never closed: add '{% endif %}'" in error.value.message


REALISTIC = {
    "title": "Oat milk mislabelled",
    "incident_id": "2025-06-01-oat-milk",
    "severity": 2,
    "severity_name": "High",
    "first_seen": "09:12 UTC",
    "opened_at": "09:20 UTC",
    "now": "10:05 UTC",
    "next_update": "11:05 UTC",
    "client": {"name": "Bean There Coffee", "voice": {"description": "Warm."}, "signature": ""},
    "triage": "unhappy",
    "issue_summary": "some oat milk cartons were labelled as dairy-free by mistake",
    "update_text": "all affected cartons are off the shelves",
    "what_we_did_wrong": "we labelled dairy milk as oat milk",
    "explanation": "a supplier changed the carton and we did not check it",
    "remedy": "a full refund for anyone who bought one",
    "prevention": "every new carton is now checked by two people",
    "resolution_summary": "every mislabelled carton was recalled and refunded",
    "what_changed": "two-person label checks",
    "language": "en",
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_shipped_template_renders_with_realistic_values(language: str) -> None:
    layer = file_layer(SHIPPED, language, "shipped")
    assert set(layer) == {"holding-statement", "apology", "update", "resolution"}
    for template_id, variants in layer.items():
        for platform, source in variants.items():
            context = {**REALISTIC, "platform": "x" if platform == "default" else platform}
            text = render(source, context)
            parsed = parse(source)
            needs = parsed.variables - parsed.optional - {"triage", "platform", "client", "now"}
            for name in needs:
                value = str(REALISTIC[name])
                # an answer may open a sentence of the post: its first letter a capital
                assert value[1:] in text, f"{template_id}.{platform} lost {name}"


def test_the_shipped_holding_statement_for_x_fits_its_values() -> None:
    [source] = [file_layer(SHIPPED, "en", "shipped")["holding-statement"]["x"]]
    text = render(source, REALISTIC)
    assert text.startswith("We know that some oat milk cartons were labelled")
    assert "11:05 UTC" in text
    assert len(text) <= 280


def test_size_filters_still_work_with_ordinary_sizes() -> None:
    text = "{{ x|wordwrap(5) }}|{{ 123456|center(8) }}|{{ [1, 2, 3]|batch(2)|list }}"
    assert render(inline(text), {"x": "aaa bbb"}) == "aaa\nbbb| 123456 |[[1, 2], [3]]"
