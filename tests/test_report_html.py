"""The HTML report: one self-contained file, everything escaped, and what a real browser
(headless Chromium) shows of it: the timeline picture and every statement."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from answering import UNHAPPY_PATH
from crisisplay.report.build import build_report
from crisisplay.report.html import render
from needs import program
from test_report import HAPPY, scripted

INJECTION = "<script>document.body.setAttribute('data-pwned','1')</script>"


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("html")
    return scripted(
        home,
        UNHAPPY_PATH,
        HAPPY,
        overrides={
            "detect-post-summary": f"Price & quality {INJECTION}",
            "close-went-badly": '<img src="https://tracker.example/p.gif"> "quoted" & more',
            "hold-draft": {
                "accept": True,
                "text": {"x": f"We know. {INJECTION} Next update by 09:38 UTC."},
                "approved_by": "Account manager (set in the client's playbook)",
                "published_url": "https://x.com/brand/status/2",
            },
        },
    )


@pytest.fixture(scope="module")
def report(incident: Path) -> dict[str, Any]:
    return build_report(incident)


@pytest.fixture(scope="module")
def page(report: dict[str, Any]) -> str:
    return render(report)


class _Tags(HTMLParser):
    """Every element and attribute of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.css = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css += data


def test_self_contained(page: str, report: dict[str, Any]) -> None:
    assert page.startswith("<!DOCTYPE html>")
    parsed = _Tags()
    parsed.feed(page)
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "image", "use"}
    loading = [
        (tag, name)
        for tag, attrs in parsed.tags
        for name in attrs
        if name in ("src", "srcset", "data", "xlink:href", "action", "poster", "background")
    ]
    assert loading == []
    assert "url(" not in parsed.css and "@import" not in parsed.css
    assert "@media print" in parsed.css and "break-inside: avoid" in parsed.css
    urls = {p["url"] for s in report["statements"] for p in s["platforms"] if p.get("url")}
    hrefs = {attrs["href"] for tag, attrs in parsed.tags if "href" in attrs}
    assert {tag for tag, attrs in parsed.tags if "href" in attrs} == {"a"}
    assert hrefs and hrefs <= urls  # the only links: where the statements were published


def test_user_text_is_escaped(page: str) -> None:
    # Escaped by the template's autoescape (Jinja2 writes ' as &#39; and " as &#34;).
    assert "&lt;script&gt;document.body.setAttribute(&#39;data-pwned&#39;" in page
    assert "&lt;img src=&#34;https://tracker.example/p.gif&#34;&gt;" in page
    assert "<script" not in page and "<img" not in page
    assert "Price &amp; quality" in page


def test_svg_timeline(page: str, report: dict[str, Any]) -> None:
    svg = page[page.index("<svg") : page.index("</svg>")]
    bands = re.findall(r'<g class="band" data-stage="([a-z]+)"', svg)
    assert bands == [s["id"] for s in report["stages"]]
    assert svg.count('<g class="statement">') == len(report["statements"])
    assert svg.count('<g class="decision">') == len(report["decisions"])
    marks = re.findall(r'<g class="deadline (\w+)" data-stage="(\w+)"', svg)
    # Only deadlines inside the chart (first seen .. close): detect and hold here.
    assert marks == [("met", "detect"), ("met", "hold")]
    assert "✓" in svg  # met is told by a symbol, not only a colour


class _Dom(HTMLParser):
    """What a reader sees: statement texts, the SVG's bands, and the body's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.bands: list[str] = []
        self.body: dict[str, str | None] = {}
        self.scripts = 0
        self._in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "pre" and a.get("class") == "text":
            self._in_pre = True
            self.texts.append("")
        elif tag == "g" and a.get("class") == "band":
            self.bands.append(a.get("data-stage") or "")
        elif tag == "body":
            self.body = a
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_pre = False

    def handle_data(self, data: str) -> None:
        if self._in_pre:
            self.texts[-1] += data


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@program("chromium", "chromium-browser")
def test_chromium_shows_timeline_and_every_statement(
    page: str, report: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    proc = subprocess.run(
        [
            str(_chromium()),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = _Dom()
    dom.feed(proc.stdout)
    assert dom.bands == ["detect", "hold", "verify", "apologise", "remedy", "close"]
    published = [p["text"] for s in report["statements"] for p in s["platforms"] if s["status"]]
    assert len(published) == 12
    assert dom.texts == published  # every statement, exactly, in order
    assert any(INJECTION in t for t in dom.texts)  # shown as text...
    assert "data-pwned" not in dom.body and dom.scripts == 0  # ...and never run
