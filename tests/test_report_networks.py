"""Each network of a statement, as the walk recorded it: published (when, where), or left
"not published" with the reason given, and settled later by a `publication` event. The
report shows each one (Markdown, HTML, JSON) and counts only the networks a statement
really went out on."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from answering import UNHAPPY_PATH
from crisisplay.incident.log import IncidentLog
from crisisplay.report.build import build_report, write_json
from test_report import HAPPY, scripted

REASON = "The Facebook page admin is locked out; Meta support ticket open"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("networks")
    folder = scripted(
        home,
        UNHAPPY_PATH,
        HAPPY,
        overrides={
            # Out on X only; Facebook and Instagram left "not yet".
            "hold-draft": {
                "accept": True,
                "approved_by": "Account manager (set in the client's playbook)",
                "published_url": {"x": "https://x.com/brand/status/2"},
            },
            # Approved, and never published anywhere.
            "remedy-update-draft": {
                "accept": True,
                "approved_by": "Account manager (set in the client's playbook)",
            },
        },
    )
    with IncidentLog.open(folder, "cm@desk") as log:
        base = {"step": "hold-draft", "stage": "hold"}
        log.append(
            "publication",
            {**base, "platform": "facebook", "state": "not_published", "reason": REASON},
        )
        log.append(
            "publication",
            {
                **base,
                "platform": "instagram",
                "state": "published",
                "url": "https://instagram.com/p/abc",
                "at": "2026-11-20T08:50:00Z",
            },
        )
    return build_report(folder)


def _nets(report: dict[str, Any], step: str) -> dict[str, dict[str, Any]]:
    statement = next(s for s in report["statements"] if s["step"] == step)
    return {p["platform"]: p for p in statement["platforms"]}


def test_each_network_has_its_own_state(report: dict[str, Any]) -> None:
    hold = _nets(report, "hold-draft")
    assert hold["x"]["state"] == "published" and hold["x"]["url"] == "https://x.com/brand/status/2"
    assert (hold["facebook"]["state"], hold["facebook"]["reason"]) == ("not_published", REASON)
    assert hold["facebook"]["url"] is None and hold["facebook"]["published_at"] is None
    assert hold["instagram"]["state"] == "published"
    assert hold["instagram"]["published_at"] == "2026-11-20T08:50:00.000000Z"
    remedy = _nets(report, "remedy-update-draft")
    assert {p["state"] for p in remedy.values()} == {"pending"}


def test_only_published_networks_are_counted(report: dict[str, Any]) -> None:
    m = report["metrics"]
    # Four statements on three networks: the remedy update went out nowhere, the holding
    # statement on two of three.
    assert m["statements_published"] == 3
    assert m["networks_published"] == 2 + 3 + 3
    assert m["networks_not_published"] == 1 + 3


def test_markdown_shows_each_networks_state(report: dict[str, Any]) -> None:
    from crisisplay.report.markdown import render

    md = render(report)
    assert f"**facebook** — **not published**: {REASON};" in md
    assert "**instagram** — published 08:50:00 at <https://instagram.com/p/abc>;" in md
    assert "hold-draft (published on 2 of 3 networks)" in md
    assert "**x** — **never published** (no reason recorded);" in md  # the remedy update
    assert "| Networks a statement was published on | 8 |" in md
    assert "| Statements published | 3 |" in md


def test_html_and_json_show_each_networks_state(report: dict[str, Any]) -> None:
    from crisisplay.report.html import render

    page = render(report)
    start = page.index('data-step="hold-draft"')
    hold = page[start : page.index("</section>", start)]
    assert '<div class="network unpublished" data-platform="facebook">' in hold
    assert f'<span class="bad">not published</span>: {REASON}' in hold.replace("&#39;", "'")
    assert '<a href="https://instagram.com/p/abc">' in hold
    out = io.StringIO()
    write_json(report, out)
    data = json.loads(out.getvalue())
    hold_json = next(s for s in data["statements"] if s["step"] == "hold-draft")
    facebook = next(p for p in hold_json["platforms"] if p["platform"] == "facebook")
    assert (facebook["state"], facebook["reason"]) == ("not_published", REASON)
    timeline = [t["text"] for t in data["timeline"] if t["type"] == "publication"]
    assert timeline == [
        f"hold-draft: not published on facebook — {REASON}",
        "hold-draft: published on instagram",
    ]
