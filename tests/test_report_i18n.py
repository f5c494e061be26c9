"""A Spanish playbook's incident gets a Spanish post-mortem: the Markdown, the HTML page
and the JSON's words (never its keys), from the one report model."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from answering import answers_for, library, write_yaml
from crisisplay.frontends.scripted import start_scripted
from crisisplay.report.build import build_report, write_json


@pytest.fixture(scope="module")
def spanish(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("es")
    resolved = library(home).load("default-es")
    answers = answers_for(resolved)
    path = write_yaml(home / "answers.yaml", answers)
    session = start_scripted(
        library(home),
        path,
        playbook="default-es",
        client=None,
        title=None,
        severity=None,
        first_seen=None,
    )
    return build_report(home / "incidents" / session.incident.id)


def test_markdown_speaks_the_playbooks_language(spanish: dict[str, Any]) -> None:
    from crisisplay.report.markdown import render

    md = render(spanish)
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[:3] == ["## Resumen", "## Impacto", "## Métricas"]
    assert headings[-1] == "## Cronología"
    assert md.startswith("# Análisis posterior: ")
    assert "| Tiempo hasta el cierre |" in md
    assert "Summary" not in md and "Time to close" not in md


def test_html_speaks_the_playbooks_language(spanish: dict[str, Any]) -> None:
    from crisisplay.report.html import render

    page = render(spanish)
    assert '<html lang="es">' in page
    assert "<h2>Resumen</h2>" in page and "<h2>Cronología de un vistazo</h2>" in page
    # The template's own words too (jinja2.ext.i18n), not only the model's.
    assert "Etapas como franjas" in page
    assert "Stages as bands" not in page and "<h2>Summary</h2>" not in page


def test_json_words_are_spanish_and_its_keys_are_not(spanish: dict[str, Any]) -> None:
    out = io.StringIO()
    write_json(spanish, out)
    data = json.loads(out.getvalue())
    assert {"incident", "timeline", "statements", "metrics", "impact"} <= set(data)
    assert data["timeline"][0]["text"].startswith("Incidente abierto: ")
    assert set(data["timeline"][0]) >= {"seq", "type", "at", "text"}
    labels = {i["name"]: i["label"] for i in data["impact"]}
    assert labels and all(label for label in labels.values())
    if "post_url" in labels:
        assert labels["post_url"] == "Publicación original"
