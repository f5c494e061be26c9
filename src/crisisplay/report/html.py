"""The report as one self-contained HTML file a client can open or print.

The page is the report's model (`model.view`) rendered by a Jinja2 template shipped in
this package (templates/report.html, with its style sheet and the timeline picture), with
autoescape on: every piece of user text is escaped by Jinja2, never by hand. Its words are
the incident playbook's language (gettext, through jinja2.ext.i18n).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=4)
def environment(lang: str) -> Any:
    """The template environment for `lang`: autoescape on, gettext installed."""
    import jinja2

    from crisisplay.i18n import translator

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(report: dict[str, Any]) -> str:
    from crisisplay.report.model import view

    model = view(report)
    return str(environment(model.lang).get_template("report.html").render(model=model))


def parts(report: dict[str, Any]) -> Iterator[str]:
    """The page, in pieces as it is written out."""
    yield render(report)
