"""The HTML post-mortem on screen and on paper: the timeline picture's labels never print
on top of each other, every stage is labelled, the axis starts where the work started,
and a short incident prints on at most three A4 pages (in a real browser, headless
Chromium, which CI installs)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from answering import UNHAPPY_PATH
from crisisplay.report.build import build_report
from crisisplay.report.html import render
from needs import program
from test_report import HAPPY, scripted

# A misguided post, corrected in one statement and settled: closed 32 minutes after it was
# first seen, the short incident a community manager handles most.
MISGUIDED = {
    "detect-positive": "Negative",
    "detect-legal-safety": "No",
    "detect-triage": "Misguided",
    "detect-misguided-outcome": "Corrected",
}
SHORT = {
    "detect-post-url": 3,
    "detect-misguided-facts": 12,
    "detect-misguided-draft": 24,
    "detect-misguided-outcome": 32,
}
# The whole protocol (four statements on three networks) squeezed into 32 minutes: decisions
# and statements crowd the picture.
CROWDED = {k: 5 + v * 27 / 185 for k, v in HAPPY.items()}


@pytest.fixture(scope="module")
def short_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = scripted(tmp_path_factory.mktemp("short"), MISGUIDED, SHORT)
    return render(build_report(folder))


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build_report(scripted(tmp_path_factory.mktemp("crowded"), UNHAPPY_PATH, CROWDED))


def _svg(page: str) -> str:
    return page[page.index("<svg") : page.index("</svg>")]


def _boxes(svg: str) -> list[tuple[float, float, float, float]]:
    return [
        tuple(float(v) for v in m)  # type: ignore[misc]
        for m in re.findall(
            r'<rect class="label-box" x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" '
            r'height="([\d.]+)"',
            svg,
        )
    ]


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_no_two_timeline_labels_overlap(crowded: dict[str, Any]) -> None:
    svg = _svg(render(crowded))
    boxes = _boxes(svg)
    labels = re.findall(r'<text class="(?:band|mark|point)-label"', svg)
    assert len(boxes) == len(labels) > len(crowded["stages"]) + len(crowded["decisions"])
    # The three decisions taken the same minute once printed on top of each other.
    decision_times = [d["at"][:16] for d in crowded["decisions"]]
    assert len(decision_times) > len(set(decision_times))
    clashes = [(a, b) for a, b in combinations(boxes, 2) if _overlap(a, b)]
    assert clashes == []
    for x, _y, w, _h in boxes:  # and every label inside the picture
        assert x >= 0 and x + w <= 1000


def test_every_stage_band_is_labelled(crowded: dict[str, Any]) -> None:
    svg = _svg(render(crowded))
    labels = re.findall(r'<text class="band-label"[^>]*>([^<]*)</text>', svg)
    assert labels == [s["title"] for s in crowded["stages"]]
    assert len(labels) == 6


def test_axis_starts_where_the_work_started(crowded: dict[str, Any]) -> None:
    from crisisplay.report import svg as svgmod

    svg = _svg(render(crowded))
    # The first stage starts at the left edge of the axis, not a fifth of the way in...
    first = re.search(r'<g class="band" data-stage="detect">.*?<rect x="([\d.]+)"', svg, re.S)
    assert first is not None and float(first.group(1)) == svgmod.LEFT
    # ...and first seen, five minutes before the opening, is a marker that says so.
    assert "◀ first seen 5 min earlier" in svg


@program("chromium", "chromium-browser")
def test_a_short_incident_prints_on_three_a4_pages_at_most(short_page: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(short_page, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri(), tmp=tmp_path)
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    assert 1 <= pages <= 3
    size = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", data)
    assert size is not None  # A4: 595 x 842 points
    assert abs(float(size.group(1)) - 595) < 2 and abs(float(size.group(2)) - 842) < 2


# What Chromium measures of each label as it draws it, written into the page by a script
# added to a copy of the report (the report itself has none).
MEASURE = """<script>
const boxes = [...document.querySelectorAll("svg.timeline g.labels text")].map(t => {
  const r = t.getBoundingClientRect();
  return [r.x, r.y, r.width, r.height];
});
document.body.setAttribute("data-boxes", JSON.stringify(boxes));
</script></body>"""


@program("chromium", "chromium-browser")
def test_labels_as_chromium_draws_them_do_not_overlap(
    crowded: dict[str, Any], tmp_path: Path
) -> None:
    page = tmp_path / "measured.html"
    page.write_text(render(crowded).replace("</body>", MEASURE), encoding="utf-8")
    dom = _chromium("--dump-dom", "--window-size=900,1200", page.as_uri(), tmp=tmp_path)
    found = re.search(r'data-boxes="([^"]*)"', dom)
    assert found is not None, dom[-500:]
    boxes = json.loads(found.group(1).replace("&quot;", '"'))
    assert len(boxes) > 10 and all(w > 0 for _x, _y, w, _h in boxes)
    clashes = [(a, b) for a, b in combinations(boxes, 2) if _overlap(a, b)]
    assert clashes == []


def _chromium(*args: str, tmp: Path) -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe is not None
    proc = subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={tmp / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout
