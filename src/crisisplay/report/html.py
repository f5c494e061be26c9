"""The report as one self-contained HTML file a client can open or print.

Inline CSS and an inline SVG only: no scripts, fonts, images or style sheets from
anywhere, so opening it makes no request. Every piece of user text is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from typing import Any

from crisisplay.report.build import folded_text, shown_timeline
from crisisplay.report.markdown import COUNT_LABELS, METRIC_LABELS, NOTE_LIMIT
from crisisplay.times import duration, margin, when

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: #111; background: #fff; line-height: 1.45; max-width: 62rem;
  margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #222; padding-bottom: .15rem;
  margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: .3rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #888; padding: .25rem .45rem; text-align: left;
  vertical-align: top; }
th { background: #eee; }
tbody th { width: 30%; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
.banner { border: 3px solid #b00020; padding: .75rem 1rem; margin: 1rem 0; }
.banner strong { color: #b00020; }
.ok { border-left: 4px solid #1b5e20; padding: .3rem .8rem; }
.drill { display: inline-block; border: 2px solid #333; padding: 0 .5rem;
  font-weight: bold; letter-spacing: .1em; }
.muted { color: #555; }
.bad { font-weight: bold; }
.statement { border: 1px solid #888; margin: 1rem 0; padding: .5rem 1rem; }
.statement pre { white-space: pre-wrap; word-wrap: break-word; font: inherit;
  border-left: 4px solid #333; padding: .4rem .8rem; margin: .3rem 0 .8rem; }
.statement dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem;
  margin: .3rem 0; }
.statement dt { font-weight: bold; }
.statement dd { margin: 0; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: .85em; word-break: break-all; }
figure { margin: 1rem 0; }
figcaption { font-size: .85rem; color: #444; }
svg.timeline { width: 100%; height: auto; display: block;
  font-family: inherit; }
svg.timeline text { font-size: 12px; fill: #111; }
svg.timeline text.row { font-weight: bold; }
svg.timeline text.tick, svg.timeline text.mark-label, svg.timeline text.point-label {
  font-size: 11px; }
tr.backfilled td { font-style: italic; }
blockquote { margin: .3rem 0 .8rem; padding-left: .8rem; border-left: 3px solid #999;
  white-space: pre-wrap; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  th { background: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  table, tr, .statement, figure, blockquote, pre { break-inside: avoid;
    page-break-inside: avoid; }
  a { color: #000; text-decoration: underline; }
  a[href]::after { content: " (" attr(href) ")"; font-size: .85em; word-break: break-all; }
  .banner { border-width: 4px; }
}
"""


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _link(url: Any) -> str:
    u = str(url or "")
    if re.fullmatch(r"https?://[^\s<>\"']+", u):
        return f'<a href="{e(u)}">{e(u)}</a>'
    return e(u) if u else "—"


def _table(head: list[str] | None, rows: list[list[str]]) -> str:
    """A table; without `head`, the first cell of each row is its header."""
    out = ["<table>"]
    if head:
        out += ["<thead><tr>", *(f"<th>{h}</th>" for h in head), "</tr></thead>"]
    out.append("<tbody>")
    for row in rows:
        first = f"<th>{row[0]}</th>" if head is None else f"<td>{row[0]}</td>"
        out.append("<tr>" + first + "".join(f"<td>{cell}</td>" for cell in row[1:]) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _secs(value: Any) -> str:
    if value is None:
        return '<span class="muted">not reached</span>'
    return f"{e(duration(value))} <span class='muted'>({value:,} s)</span>"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    return e(value)


def render(report: dict[str, Any]) -> str:
    return "".join(parts(report))


def parts(report: dict[str, Any]) -> Iterator[str]:
    from crisisplay.report.svg import timeline_svg

    inc = report["incident"]
    ver = report["verification"]
    m = report["metrics"]
    # In a drill every event carries `at` on the scenario's clock: not backfilled.
    late = "scenario time" if inc.get("drill") else "backfilled"
    lang = e(inc["playbook"].get("language") or "en")
    yield (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Post-mortem: {e(inc['title'])}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    )
    yield f"<h1>Post-mortem: {e(inc['title'])}</h1>\n"
    yield (
        f'<p class="muted">{e(inc["client"]["name"])} · incident <code>{e(inc["id"])}</code> · '
        f"severity {e(inc['severity'])}</p>\n"
    )
    if inc.get("drill"):
        yield '<p><span class="drill">DRILL</span> an exercise, not a real incident.</p>\n'
    if not ver["ok"]:
        yield (
            '<div class="banner" id="verification"><p><strong>Warning: this incident\'s log '
            f"FAILED verification</strong> ({len(ver['problems'])} problem(s)). It may have "
            "been edited after the fact: what follows is what can still be read, and cannot "
            "be trusted as a record.</p><ul>"
            + "".join(f"<li>{e(p)}</li>" for p in ver["problems"][:20])
            + "</ul></div>\n"
        )
    else:
        yield (
            f'<p class="ok" id="verification">Log verified: {ver["events"]:,} events, hash chain '
            f"intact, head <code>{e(ver['head'])}</code>.</p>\n"
        )
    check = report["playbook_check"]
    if check.get("status") not in ("matched", "given"):
        yield (
            f'<p class="banner">The playbook snapshot is {e(check.get("status"))}: which '
            "deadlines were met is unknown; only the missed deadlines recorded in the log "
            "are shown.</p>\n"
        )

    # Summary
    yield "<h2>Summary</h2>\n"
    pb = inc["playbook"]
    sev = e(inc["severity"])
    if inc.get("severity_at_open") not in (None, inc["severity"]):
        sev += f" (opened at {e(inc['severity_at_open'])})"
    rows = [
        ["Title", e(inc["title"])],
        ["Client", f"{e(inc['client']['name'])} (<code>{e(inc['client']['slug'])}</code>)"],
        ["Severity", sev],
        ["Playbook", f"{e(pb['id'])} {e(pb['version'])} ({e(pb.get('language') or '?')})"],
        ["First seen", e(when(inc["first_seen"]))],
        ["Opened", e(when(inc["opened_at"]))],
        ["Closed", e(when(inc["closed_at"])) if inc["closed_at"] else "still open"],
        ["Outcome", e(inc.get("outcome") or "—")],
        ["Drill", "yes" if inc.get("drill") else "no"],
    ]
    rows += [[e(k), _value(v)] for k, v in (inc.get("variables") or {}).items()]
    yield _table(None, rows) + "\n"

    yield "<h2>Impact</h2>\n"
    if report["impact"]:
        yield _table(None, [[e(i["label"]), _value(i["value"])] for i in report["impact"]])
    else:
        yield '<p class="muted">Nothing about reach or exposure was recorded.</p>'

    yield "<h2>Timeline</h2>\n"
    svg, beyond = timeline_svg(report)
    caption = (
        "Stages as bands; deadlines as marks (△ ✓ met, ✕ ✗ missed, with how late); "
        "statements as circles; decisions as diamonds. Times in UTC."
    )
    if beyond:
        caption += " Deadlines not on the chart: " + "; ".join(
            f"{e(d['title'])} due {e(when(d['due_at']))} ({e(d['status'])})" for d in beyond
        )
        caption += "."
    yield f"<figure>{svg}<figcaption>{caption}</figcaption></figure>\n"

    yield "<h2>Metrics</h2>\n"
    yield "<p class='muted'>Times are counted from when the crisis was first seen.</p>"
    rows = [[e(label), _secs(m.get(key))] for key, label in METRIC_LABELS]
    rows += [
        [e(label), "unknown" if m.get(key) is None else f"{m[key]:,}"]
        for key, label in COUNT_LABELS
    ]
    yield _table(["metric", "value"], rows) + "\n"

    yield "<h2>Stages and deadlines</h2>\n"
    yield _deadlines(report) + "\n"

    yield "<h2>Statements as published</h2>\n"
    if not report["statements"]:
        yield '<p class="muted">No statement was approved or published.</p>\n'
    for n, s in enumerate(report["statements"], start=1):
        yield _statement(n, s, late)

    yield "<h2>Updates promised versus delivered</h2>\n"
    if report["promises"]:
        rows = []
        for p in report["promises"]:
            follow = "—"
            if p["followed_at"]:
                follow = f"{e(p['followed_by'])} at {e(when(p['followed_at']))}"
                if p["late_by_s"]:
                    follow += f" ({e(duration(p['late_by_s']))} late)"
            result = {"delivered": "delivered ✓", "missed": '<span class="bad">missed ✗</span>'}
            rows.append(
                [
                    e(p["step"]),
                    e(when(p["published_at"])),
                    e(when(p["next_update_by"])),
                    result.get(p["status"], "open (not due yet)"),
                    follow,
                ]
            )
        yield _table(
            ["statement", "published", "promised next update by", "result", "followed by"], rows
        )
    else:
        yield '<p class="muted">No published statement promised a time for the next update.</p>'

    yield "<h2>Decisions</h2>\n"
    if report["decisions"]:
        rows = [
            [
                e(when(d["at"])),
                e(d["step"]),
                e(d["question"] or ""),
                e(d["option"]),
                e(d["led_to"] or "(nothing recorded after it yet)"),
            ]
            for d in report["decisions"]
        ]
        yield _table(["when", "step", "question", "decision", "led to"], rows)
    else:
        yield '<p class="muted">No decisions recorded.</p>'

    yield "<h2>Notifications</h2>\n"
    if report["notifications"]:
        rows = []
        for x in report["notifications"]:
            if x["status"] == "skipped":
                rows.append([e(when(x["at"])), e(x["step"]), "skipped", "—", e(x["reason"])])
                continue
            for c in x["contacted"] or [{}]:
                rows.append(
                    [
                        e(when(c.get("at") or x["at"])),
                        e(x["step"]),
                        f"{e(c.get('name') or '—')} ({e(c.get('role') or '—')})",
                        e(c.get("via") or "—"),
                        "yes" if x["acknowledged"] else '<span class="bad">no answer</span>',
                    ]
                )
        yield _table(["when", "step", "who", "how", "acknowledged"], rows)
    else:
        yield '<p class="muted">Nobody was notified through the walk.</p>'

    yield "<h2>Checker findings overridden</h2>\n"
    if report["overrides"]:
        yield "<ul>"
        for o in report["overrides"]:
            yield (
                f"<li><strong>{e(o['step'])}</strong> ({e(o['template'])}), "
                f"{e(when(o['at']))}: {e(o['reason'])}<ul>"
                + "".join(
                    f"<li>{e(f['platform'])}: <code>{e(f['rule'])}</code> — {e(f['message'])}"
                    f" (“{e(f['excerpt'])}”)</li>"
                    for f in o["findings"]
                )
                + "</ul></li>"
            )
        yield "</ul>\n"
    else:
        yield '<p class="muted">No statement was published over a checker error.</p>\n'

    yield "<h2>Five whys</h2>\n"
    if report["five_whys"]:
        yield (
            "<ol>"
            + "".join(
                f"<li><strong>{e(w['question'] or 'Why?')}</strong> {e(w['answer'])}</li>"
                for w in report["five_whys"]
            )
            + "</ol>\n"
        )
    else:
        yield '<p class="muted">Not answered.</p>\n'

    yield "<h2>Review</h2>\n"
    for key, title in (
        ("went_well", "What went well"),
        ("went_badly", "What went badly"),
        ("got_lucky", "Where we got lucky"),
    ):
        value = report["review"].get(key)
        body = (
            f"<blockquote>{e(value)}</blockquote>"
            if value
            else '<p class="muted">Not answered.</p>'
        )
        yield f"<h3>{title}</h3>{body}\n"

    yield "<h2>Action items</h2>\n"
    if report["action_items"]:
        rows = [
            [
                e(a["owner"]) if a["owner"] else '<span class="bad">unassigned</span>',
                e(a["action"]),
                e(a["due"]) if a["due"] else '<span class="bad">no date</span>',
            ]
            for a in report["action_items"]
        ]
        yield _table(["owner", "action", "due"], rows) + "\n"
    else:
        yield '<p class="muted">No action items recorded.</p>\n'

    yield "<h2>Notes</h2>\n"
    notes = report["notes"]
    if notes:
        yield "<ul>"
        for note in notes[:NOTE_LIMIT]:
            mark = f' <span class="muted">({late})</span>' if note["backfilled"] else ""
            yield f"<li>{e(when(note['at']))}{mark}: {e(note['text'])}</li>"
        if len(notes) > NOTE_LIMIT:
            yield (
                f"<li><em>… and {len(notes) - NOTE_LIMIT:,} more notes, not shown here: "
                "<code>crisisplay report --format json</code> lists every one.</em></li>"
            )
        yield "</ul>\n"
    else:
        yield '<p class="muted">No notes.</p>\n'

    yield "<h2>Event log</h2>\n"
    yield (
        '<p class="muted">Every event in the log, in order, at the time it happened. Events '
        f"entered after the fact are marked {late}, with when they were recorded.</p>\n"
    )
    yield (
        '<table class="events"><thead><tr><th>#</th><th>when (UTC)</th><th>what</th></tr>'
        "</thead><tbody>"
    )
    shown, hidden, hidden_other = shown_timeline(report["timeline"])
    for t in shown:
        if t["backfilled"]:
            yield (
                f'<tr class="backfilled"><td class="num">{t["seq"]}</td><td>{e(when(t["at"]))}</td>'
                f'<td>{e(t["text"])} <span class="muted">({late}, recorded at '
                f"{e(when(t['recorded_at']))})</span></td></tr>"
            )
        else:
            yield (
                f'<tr><td class="num">{t["seq"]}</td><td>{e(when(t["at"]))}</td>'
                f"<td>{e(t['text'])}</td></tr>"
            )
    if hidden:
        yield (
            f"<tr><td>…</td><td></td><td><em>{hidden:,} more notes not shown; "
            "<code>--format json</code> has the full timeline.</em></td></tr>"
        )
    if hidden_other:
        yield f"<tr><td>…</td><td></td><td><em>{e(folded_text(hidden_other))}</em></td></tr>"
    yield "</tbody></table>\n</body>\n</html>\n"


def _deadlines(report: dict[str, Any]) -> str:
    stages = {s["id"]: s for s in report["stages"]}
    known = report["playbook_check"].get("status") in ("matched", "given")
    rows = []
    seen = set()
    for d in report["deadlines"]:
        seen.add(d["stage"])
        s = stages.get(d["stage"], {})
        result = {
            "met": f"met ✓, {e(margin(d['margin_s']))}",
            "missed": f'<span class="bad">missed ✗ by {e(duration(d["missed_by_s"]))}</span>',
            "not reached": "not reached",
            "open": "open",
        }.get(d["status"], e(d["status"]))
        rows.append(
            [
                e(d["title"]),
                e(when(s.get("entered_at"))),
                e(when(d["done_at"] or s.get("left_at"))),
                e(duration(s.get("duration_s"))) if s else "—",
                e(when(d["due_at"])),
                result,
            ]
        )
    for s in report["stages"]:
        if s["id"] not in seen:
            rows.append(
                [
                    e(s["title"]),
                    e(when(s["entered_at"])),
                    e(when(s["left_at"])),
                    e(duration(s["duration_s"])),
                    "—",
                    "no deadline" if known else "unknown",
                ]
            )
    if not rows:
        return '<p class="muted">No stage was walked.</p>'
    return _table(["stage", "entered", "done", "took", "due", "deadline"], rows)


def _statement(n: int, s: dict[str, Any], late: str = "backfilled") -> str:
    out = [
        f'<section class="statement" data-step="{e(s["step"])}">'
        f"<h3>{n}. {e(s['template'] or 'statement')} — {e(s['step'])} ({e(s['status'])})</h3><dl>"
    ]
    rec = e(when(s["at"]))
    if s["backfilled"]:
        rec += f" ({late}; recorded at {e(when(s['recorded_at']))})"
    out.append(f"<dt>Recorded for</dt><dd>{rec}</dd>")
    a = s.get("approval") or {}
    if a:
        out.append(
            f"<dt>Approved by</dt><dd>{e(a.get('by'))} ({e(a.get('role'))}) at "
            f"{e(when(a.get('at')))}</dd>"
        )
    else:
        out.append("<dt>Approved by</dt><dd>no sign-off recorded</dd>")
    if s.get("next_update_by"):
        out.append(f"<dt>Next update promised by</dt><dd>{e(when(s['next_update_by']))}</dd>")
    for o in s["overrides"]:
        out.append(
            f"<dt>Checker overridden</dt><dd>{e(', '.join(o.get('rules') or []))}: "
            f"{e(o.get('reason'))}</dd>"
        )
    out.append("</dl>")
    for p in s["platforms"]:
        where = (
            f"published {e(when(p['published_at']))} at {_link(p['url'])}"
            if p["url"]
            else "not published"
        )
        edited = "edited by hand" if p["edited"] else "as drafted from the template"
        bad = "" if p["sha256_ok"] else ' <span class="bad">text does not match its hash</span>'
        out.append(
            f'<h4>{e(p["platform"])}</h4><p class="muted">{where}; {edited}; sha256 '
            f"<code>{e(p['sha256'])}</code>{bad}</p>"
            f'<pre class="text" data-platform="{e(p["platform"])}">{e(p["text"])}</pre>'
        )
    out.append("</section>\n")
    return "".join(out)
