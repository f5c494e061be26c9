"""The draft screen says each checker finding once, with the networks it applies to."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from crisisplay.frontends.interactive import _show_statements


class FakeWalk:
    def __init__(self, findings: dict[str, list[dict[str, Any]]]) -> None:
        self.findings = findings

    def check_texts(self, step: Any, texts: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        return self.findings


def finding(rule: str, severity: str = "error", excerpt: str = "any inconvenience") -> Any:
    return {
        "rule": rule,
        "severity": severity,
        "excerpt": excerpt,
        "message": "apologises for an inconvenience, not for what happened",
        "hint": "say what went wrong and that it was ours",
    }


def test_a_finding_on_every_network_is_said_once_with_the_networks() -> None:
    texts = {p: "We apologise for any inconvenience." for p in ("x", "facebook", "instagram")}
    walk = FakeWalk(
        {
            "x": [finding("non-apology"), finding("too-long", "warning", "")],
            "facebook": [finding("non-apology")],
            "instagram": [finding("non-apology")],
        }
    )
    out = Console(record=True, width=120, color_system=None)
    errors = _show_statements(walk, None, texts, out)  # type: ignore[arg-type]
    shown = out.export_text()
    assert shown.count("non-apology") == 1
    assert "(x, facebook, instagram)" in shown
    assert "too-long" in shown and "(x)" in shown
    assert errors == 1  # one error to override, not three


def test_markup_in_a_statement_is_shown_as_written() -> None:
    texts = {"x": "[b]sorry[/b] for any inconvenience"}
    walk = FakeWalk({"x": [finding("non-apology", excerpt="[b]sorry[/b]")]})
    out = Console(record=True, width=120, color_system=None)
    _show_statements(walk, None, texts, out)  # type: ignore[arg-type]
    shown = out.export_text()
    assert "“[b]sorry[/b]”" in shown
    assert "[b]sorry[/b] for any inconvenience" in shown  # the panel too


def test_rule_numbers_are_not_shown_in_the_walk() -> None:
    import re

    from crisisplay.frontends.interactive import shown
    from crisisplay.playbook.library import Library

    assert shown("Human, short, no template (R8). Next") == "Human, short, no template. Next"
    assert shown("The fork (Coombs; R4).") == "The fork (Coombs)."
    assert shown("Say it (R1, R4) now") == "Say it now"
    from crisisplay.home import Home

    lib = Library(Home(__import__("pathlib").Path("/nonexistent-crisisplay-home"), "env"))
    for ref in ("default", "default-es", "bean-there", "bean-there-es"):
        for _, step in lib.load(ref).playbook.steps():
            for text in (step.text, step.help or ""):
                assert not re.search(r"\bR\d+\b", shown(text)), (ref, step.id, text)


def test_step_counts_are_pluralised() -> None:
    from crisisplay import i18n
    from crisisplay.frontends.interactive import steps_recorded

    assert steps_recorded(1) == "1 step recorded."
    assert steps_recorded(0) == "0 steps recorded."
    assert steps_recorded(2, already=True) == "2 steps already recorded."
    with i18n.speaking("es"):
        assert steps_recorded(1) == "1 paso registrado."
        assert steps_recorded(3, already=True) == "3 pasos ya registrados."
