"""The incident's timeline as an inline SVG picture for the HTML report.

From first seen to the close (or the last event): the stages walked as bands, each
stage's deadline as a mark (met: a hollow triangle and ✓; missed: a cross and ✗ with
the lateness, so colour is never the only cue), statements and decisions as points with
labels and hover titles. Drawn in a 1000-unit-wide box that scales to the page (A4).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from crisisplay.report.metrics import parse_ts
from crisisplay.times import duration, when

WIDTH = 1000
LEFT = 118
RIGHT = 24
BAND_Y, BAND_H = 34, 40
DEADLINE_Y = 96
STATEMENT_Y = 150
DECISION_Y = 214
AXIS_Y = 262
HEIGHT = 306
STAGE_FILL = ("#dbe9f6", "#fde9c9", "#e3f1dc", "#f6dde4", "#e8e1f5", "#f3f0c8")
STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)


def _a(text: Any) -> str:
    return escape(str(text), quote=True)


def timeline_svg(report: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The SVG markup, and the deadlines that fall after the end of the picture."""
    inc = report["incident"]
    t0 = parse_ts(inc["first_seen"])
    t1 = parse_ts(inc["closed_at"] or inc["last_event_at"])
    if t1 <= t0:
        t1 = t0 + timedelta(minutes=1)
    span = (t1 - t0).total_seconds()
    usable = WIDTH - LEFT - RIGHT

    def x(stamp: str | datetime | None) -> float:
        t = stamp if isinstance(stamp, datetime) else parse_ts(stamp or inc["first_seen"])
        frac = (t - t0).total_seconds() / span
        return LEFT + max(0.0, min(1.0, frac)) * usable

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" role="img" aria-labelledby="tl-title tl-desc" '
        'preserveAspectRatio="xMinYMin meet">',
        '<title id="tl-title">Incident timeline</title>',
        f'<desc id="tl-desc">From first seen ({_a(when(inc["first_seen"]))}) to '
        f"{'the close' if inc['closed_at'] else 'the last event'} ({_a(when(t1.isoformat()))})"
        ": stages as bands, deadlines as marks, statements and decisions as points.</desc>",
    ]
    # Row labels.
    for label, y in (
        ("Stages", BAND_Y + BAND_H / 2),
        ("Deadlines", DEADLINE_Y),
        ("Statements", STATEMENT_Y),
        ("Decisions", DECISION_Y),
    ):
        out.append(f'<text class="row" x="8" y="{y + 4:.0f}">{label}</text>')
    out.append(_axis(t0, t1, span, x))

    for n, s in enumerate(report["stages"]):
        x0 = x(s["entered_at"])
        x1 = x(s["left_at"] or t1)
        w = max(x1 - x0, 2.0)
        took = duration(s["duration_s"]) if s["duration_s"] is not None else "in progress"
        tip = f"{s['title']}: {when(s['entered_at'])} → {when(s['left_at'])} ({took})"
        out.append(
            f'<g class="band" data-stage="{_a(s["id"])}"><title>{_a(tip)}</title>'
            f'<rect x="{x0:.1f}" y="{BAND_Y}" width="{w:.1f}" height="{BAND_H}" '
            f'fill="{STAGE_FILL[n % len(STAGE_FILL)]}" stroke="#333" stroke-width="1"/>'
        )
        label = s["title"] if w > 7 * len(s["title"]) else s["id"] if w > 7 * len(s["id"]) else ""
        if label:
            out.append(
                f'<text class="band-label" x="{x0 + w / 2:.1f}" y="{BAND_Y + BAND_H / 2 + 4:.0f}" '
                f'text-anchor="middle">{_a(label)}</text>'
            )
        out.append("</g>")

    beyond = []
    for d in report["deadlines"]:
        due = parse_ts(d["due_at"])
        if due > t1 or d["status"] == "not reached":
            beyond.append(d)
            continue
        dx = x(due)
        missed = d["status"] == "missed"
        late = f" +{duration(d['missed_by_s'])}" if missed and d["missed_by_s"] else ""
        label = f"{d['stage']} {'✗' if missed else '✓' if d['status'] == 'met' else '…'}{late}"
        tip = f"{d['title']} due {when(d['due_at'])}: {d['status']}{late}"
        out.append(
            f'<g class="deadline {"missed" if missed else d["status"].replace(" ", "-")}" '
            f'data-stage="{_a(d["stage"])}"><title>{_a(tip)}</title>'
            f'<line x1="{dx:.1f}" y1="{BAND_Y - 6}" x2="{dx:.1f}" y2="{DEADLINE_Y + 8}" '
            'stroke="#222" stroke-dasharray="3 3"/>'
        )
        if missed:
            out.append(
                f'<path d="M{dx - 6:.1f} {DEADLINE_Y - 6} l12 12 M{dx + 6:.1f} {DEADLINE_Y - 6} '
                'l-12 12" stroke="#b00020" stroke-width="3"/>'
            )
        else:
            out.append(
                f'<path d="M{dx:.1f} {DEADLINE_Y - 7} l7 12 h-14 z" fill="#fff" '
                'stroke="#1b5e20" stroke-width="2"/>'
            )
        out.append(
            f'<text class="mark-label" x="{dx + 9:.1f}" y="{DEADLINE_Y + 18:.0f}">'
            f"{_a(label)}</text></g>"
        )

    for n, s in enumerate(report["statements"]):
        px = x(s["at"])
        ly = STATEMENT_Y + (22 if n % 2 else -12)
        platforms = ", ".join(p["platform"] for p in s["platforms"])
        tip = f"{s['template']} ({s['status']}) {when(s['at'])} on {platforms}"
        out.append(
            f'<g class="statement"><title>{_a(tip)}</title>'
            f'<circle cx="{px:.1f}" cy="{STATEMENT_Y}" r="6" fill="#0b57d0" stroke="#fff"/>'
            f'<text class="point-label" x="{px:.1f}" y="{ly}" text-anchor="middle">'
            f"{_a(s['template'] or s['step'])}</text></g>"
        )
    for n, d in enumerate(report["decisions"]):
        px = x(d["at"])
        ly = DECISION_Y + (22 if n % 2 else -12)
        short = d["option"].split(" — ")[0] if d["option"] else ""
        tip = f"{d['step']}: {d['option']} → {d['led_to'] or 'next'} ({when(d['at'])})"
        out.append(
            f'<g class="decision"><title>{_a(tip)}</title>'
            f'<path d="M{px:.1f} {DECISION_Y - 7} l7 7 l-7 7 l-7 -7 z" fill="#6a1b9a"/>'
            f'<text class="point-label" x="{px:.1f}" y="{ly}" text-anchor="middle">'
            f"{_a(short[:24])}</text></g>"
        )
    out.append("</svg>")
    return "\n".join(out), beyond


def _axis(t0: datetime, t1: datetime, span: float, x: Any) -> str:
    step = next((s for s in STEPS if span / s <= 10), STEPS[-1])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first = (int((t0 - epoch).total_seconds()) // step + 1) * step
    parts = [
        f'<g class="axis"><line x1="{LEFT}" y1="{AXIS_Y}" x2="{WIDTH - RIGHT}" y2="{AXIS_Y}" '
        'stroke="#222"/>'
    ]
    fmt = "%m-%d %H:%M" if span > 86400 or step >= 86400 else "%H:%M"
    t = epoch + timedelta(seconds=first)
    while t < t1:
        tx = x(t)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{AXIS_Y}" x2="{tx:.1f}" y2="{AXIS_Y + 5}" stroke="#222"/>'
            f'<line x1="{tx:.1f}" y1="{BAND_Y}" x2="{tx:.1f}" y2="{AXIS_Y}" stroke="#ddd" '
            'stroke-width="0.5"/>'
            f'<text class="tick" x="{tx:.1f}" y="{AXIS_Y + 18}" text-anchor="middle">'
            f"{t.strftime(fmt)}</text>"
        )
        t += timedelta(seconds=step)
    parts.append(
        f'<text class="tick" x="{LEFT}" y="{AXIS_Y + 34}">first seen '
        f"{_a(t0.strftime('%Y-%m-%d %H:%M UTC'))}</text>"
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{AXIS_Y + 34}" text-anchor="end">'
        f"{_a(t1.strftime('%Y-%m-%d %H:%M UTC'))}</text></g>"
    )
    return "".join(parts)
