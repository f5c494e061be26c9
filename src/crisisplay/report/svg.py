"""The incident's timeline as a picture for the HTML report: its shapes, laid out here and
drawn by the report's template (templates/timeline.html), which escapes every text.

The axis runs from when the work started (the incident was opened) to the close (or the
last event); when the crisis was first seen earlier, a marker at the left edge says how
much earlier instead of stretching the axis. Stages are bands, each labelled; each stage's
deadline is a mark (met: a hollow triangle and ✓; missed: a cross and ✗ with the
lateness, so colour is never the only cue); statements and decisions are points. Every
label sits in a lane below its row, the first lane where it overlaps no other label, with a
leader line to its point: labels never print on top of each other. Drawn in a box WIDTH
units wide that scales to the page (A4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crisisplay.report.metrics import parse_ts
from crisisplay.times import duration, rfc3339, when

WIDTH = 820
LEFT = 96  # the rows' names
RIGHT = 14
FONT = 12  # a label's size, in the picture's units
CHAR = 0.62  # a label character's width, in FONT units (wider than any sans-serif's average)
LANE = 15  # one lane of labels
GAP = 8  # the least room between two labels in a lane
MARK = 20  # a row's marks, above its lanes
BAND_H = 26
LABEL_CHARS = 30  # longer labels are cut (the hover title and the tables have the rest)
STAGE_FILL = ("#dbe9f6", "#fde9c9", "#e3f1dc", "#f6dde4", "#e8e1f5", "#f3f0c8")
STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)


@dataclass
class Shape:
    """One SVG element: its tag, attributes and text (the template escapes both)."""

    tag: str
    attrs: dict[str, Any]
    text: str = ""

    def box(self) -> tuple[float, float, float, float]:
        """A label's box (x, y, width, height) as the layout reserves it: a text's
        generous width (see `text_width`), from above its capitals to below its descenders."""
        x, y = float(self.attrs["x"]), float(self.attrs["y"])
        w = text_width(self.text)
        anchor = self.attrs.get("text-anchor")
        if anchor == "middle":
            x -= w / 2
        elif anchor == "end":
            x -= w
        return x - 1, y - FONT * 0.85, w + 2, FONT * 1.1


@dataclass
class Group:
    """A `<g>` of shapes with a hover title: one stage, deadline, statement or decision."""

    cls: str
    tip: str
    shapes: list[Shape] = field(default_factory=list)
    stage: str | None = None


@dataclass
class Chart:
    width: int
    height: int
    title: str
    desc: str
    back: list[Shape]  # grid, axis, row names: drawn first
    groups: list[Group]
    beyond: list[dict[str, Any]]  # deadlines not on the chart (before its start, after its end)

    def labels(self) -> list[Shape]:
        """Every label drawn for a point or a band (for tests and for the legend)."""
        return [s for g in self.groups for s in g.shapes if s.tag == "text"]


def text_width(text: str, size: float = FONT) -> float:
    """A label's width, estimated generously: the layout keeps this much room for it."""
    return len(text) * CHAR * size


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lanes(spans: list[tuple[float, float]], gap: float = GAP) -> list[int]:
    """The lane of each (start, width): the first lane whose labels all end `gap` before
    it starts. Spans are taken left to right; the result is in the order given."""
    order = sorted(range(len(spans)), key=lambda n: spans[n][0])
    ends: list[float] = []
    out = [0] * len(spans)
    for n in order:
        start, width = spans[n]
        for lane, end in enumerate(ends):
            if start >= end + gap:
                ends[lane] = start + width
                out[n] = lane
                break
        else:
            ends.append(start + width)
            out[n] = len(ends) - 1
    return out


def _f(v: float) -> str:
    return f"{v:.1f}"


def timeline_chart(report: dict[str, Any], _: Callable[[str], str]) -> Chart:
    """The picture of `report`'s incident; `_` translates its words."""
    inc = report["incident"]
    first_seen = parse_ts(inc["first_seen"])
    t0 = parse_ts(inc["opened_at"])
    starts = [parse_ts(s["entered_at"]) for s in report["stages"] if s.get("entered_at")]
    if starts and min(starts) < t0:
        t0 = min(starts)
    if first_seen > t0:  # the opening was backdated past first seen: start at first seen
        t0 = first_seen
    t1 = parse_ts(inc["closed_at"] or inc["last_event_at"])
    if t1 <= t0:
        t1 = t0 + timedelta(minutes=1)
    span = (t1 - t0).total_seconds()
    x_min, x_max = LEFT, WIDTH - RIGHT
    usable = x_max - x_min

    def x(stamp: str | datetime | None) -> float:
        t = stamp if isinstance(stamp, datetime) else parse_ts(stamp or rfc3339(t0))
        frac = (t - t0).total_seconds() / span
        return x_min + max(0.0, min(1.0, frac)) * usable

    def place(width: float, at: float) -> float:
        """Where a label `width` wide starting at `at` goes, kept inside the picture."""
        return max(x_min, min(at, x_max - width))

    groups: list[Group] = []
    back: list[Shape] = []
    rows: list[tuple[str, float]] = []
    y = 26.0  # below the first-seen marker's line

    # Stages: bands, each labelled in a lane below the bands, with its colour beside it.
    band_y = y
    rows.append((_("Stages"), band_y + BAND_H / 2))
    stage_labels = []
    for n, s in enumerate(report["stages"]):
        label = cut(s["title"])
        x0 = x(s["entered_at"])
        start = place(14 + text_width(label), x0)
        stage_labels.append((n, s, label, x0, start))
    stage_lanes = lanes(
        [(start, 14 + text_width(label)) for _n, _s, label, _x0, start in stage_labels]
    )
    label_top = band_y + BAND_H + 8
    for (n, s, label, x0, start), lane in zip(stage_labels, stage_lanes, strict=True):
        x1 = x(s["left_at"] or t1)
        w = max(x1 - x0, 2.0)
        fill = STAGE_FILL[n % len(STAGE_FILL)]
        took = duration(s["duration_s"]) if s["duration_s"] is not None else _("in progress")
        tip = f"{s['title']}: {when(s['entered_at'])} → {when(s['left_at'])} ({took})"
        ly = label_top + lane * LANE + FONT
        g = Group("band", tip, stage=str(s["id"]))
        g.shapes.append(
            Shape(
                "rect",
                {
                    "x": _f(x0),
                    "y": _f(band_y),
                    "width": _f(w),
                    "height": BAND_H,
                    "fill": fill,
                    "stroke": "#333",
                    "stroke-width": 1,
                },
            )
        )
        g.shapes.append(
            Shape(
                "line",
                {
                    "x1": _f(x0 + 1),
                    "y1": _f(band_y + BAND_H),
                    "x2": _f(x0 + 1),
                    "y2": _f(ly - FONT / 2),
                    "stroke": "#777",
                    "stroke-width": 0.8,
                },
            )
        )
        g.shapes.append(
            Shape(
                "rect",
                {
                    "x": _f(start),
                    "y": _f(ly - 10),
                    "width": 10,
                    "height": 10,
                    "fill": fill,
                    "stroke": "#333",
                    "stroke-width": 0.8,
                },
            )
        )
        g.shapes.append(
            Shape("text", {"class": "band-label", "x": _f(start + 14), "y": _f(ly)}, label)
        )
        groups.append(g)
    y = label_top + max(stage_lanes, default=-1) * LANE + LANE + 10

    # Deadlines inside the chart: marks, labelled in lanes below them.
    beyond = []
    marks = []
    for d in report["deadlines"]:
        due = parse_ts(d["due_at"])
        if due > t1 or due < t0 or d["status"] == "not reached":
            beyond.append(d)
            continue
        missed = d["status"] == "missed"
        late = f" +{duration(d['missed_by_s'])}" if missed and d["missed_by_s"] else ""
        sign = "✗" if missed else "✓" if d["status"] == "met" else "…"
        marks.append((d, x(due), cut(f"{d['title']} {sign}{late}"), missed, late))
    if marks:
        mark_y = y + MARK / 2
        rows.append((_("Deadlines"), mark_y))
        mark_lanes = lanes(
            [(place(text_width(lb), dx - 4), text_width(lb)) for _d, dx, lb, *_r in marks]
        )
        for (d, dx, label, missed, late), lane in zip(marks, mark_lanes, strict=True):
            status = {"met": _("met"), "missed": _("missed"), "open": _("open")}.get(
                d["status"], d["status"]
            )
            tip = (
                _("%(stage)s due %(due)s: %(status)s")
                % {"stage": d["title"], "due": when(d["due_at"]), "status": status}
                + late
            )
            ly = mark_y + MARK / 2 + 6 + lane * LANE + FONT
            lx = place(text_width(label), dx - 4)
            g = Group(
                "deadline " + ("missed" if missed else d["status"].replace(" ", "-")),
                tip,
                stage=str(d["stage"]),
            )
            g.shapes.append(
                Shape(
                    "line",
                    {
                        "x1": _f(dx),
                        "y1": _f(band_y - 4),
                        "x2": _f(dx),
                        "y2": _f(mark_y + 8),
                        "stroke": "#222",
                        "stroke-dasharray": "3 3",
                    },
                )
            )
            if missed:
                g.shapes.append(
                    Shape(
                        "path",
                        {
                            "d": f"M{dx - 6:.1f} {mark_y - 6:.1f} l12 12 M{dx + 6:.1f} "
                            f"{mark_y - 6:.1f} l-12 12",
                            "stroke": "#b00020",
                            "stroke-width": 3,
                        },
                    )
                )
            else:
                g.shapes.append(
                    Shape(
                        "path",
                        {
                            "d": f"M{dx:.1f} {mark_y - 7:.1f} l7 12 h-14 z",
                            "fill": "#fff",
                            "stroke": "#1b5e20",
                            "stroke-width": 2,
                        },
                    )
                )
            if lane:
                g.shapes.append(_leader(dx, mark_y + 7, ly - FONT))
            g.shapes.append(Shape("text", {"class": "mark-label", "x": _f(lx), "y": _f(ly)}, label))
            groups.append(g)
        y = mark_y + MARK / 2 + 6 + max(mark_lanes) * LANE + LANE + 10

    # Statements and decisions: points, labelled in lanes below their row.
    statements = []
    for s in report["statements"]:
        nets = ", ".join(
            p["platform"] for p in s["platforms"] if p.get("state", "published") == "published"
        ) or _("not published")
        tip = f"{s['template']} ({s['status']}) {when(s['at'])}: {nets}"
        statements.append((x(s["at"]), cut(s["template"] or s["step"]), tip))
    decisions = []
    for d in report["decisions"]:
        short = (d["option"] or "").split(" — ")[0]
        tip = f"{d['step']}: {d['option']} → {d['led_to'] or '…'} ({when(d['at'])})"
        decisions.append((x(d["at"]), cut(short), tip))
    for name, cls, points in (
        (_("Statements"), "statement", statements),
        (_("Decisions"), "decision", decisions),
    ):
        row_y = y + MARK / 2
        rows.append((name, row_y))
        point_lanes = lanes(
            [(place(text_width(lb), px - 4), text_width(lb)) for px, lb, _t in points]
        )
        for (px, label, tip), lane in zip(points, point_lanes, strict=True):
            g = Group(cls, tip)
            if cls == "statement":
                g.shapes.append(
                    Shape(
                        "circle",
                        {
                            "cx": _f(px),
                            "cy": _f(row_y),
                            "r": 6,
                            "fill": "#0b57d0",
                            "stroke": "#fff",
                        },
                    )
                )
            else:
                g.shapes.append(
                    Shape(
                        "path",
                        {"d": f"M{px:.1f} {row_y - 7:.1f} l7 7 l-7 7 l-7 -7 z", "fill": "#6a1b9a"},
                    )
                )
            ly = row_y + MARK / 2 + 6 + lane * LANE + FONT
            if lane:
                g.shapes.append(_leader(px, row_y + 7, ly - FONT))
            g.shapes.append(
                Shape(
                    "text",
                    {
                        "class": "point-label",
                        "x": _f(place(text_width(label), px - 4)),
                        "y": _f(ly),
                    },
                    label,
                )
            )
            groups.append(g)
        y = row_y + MARK / 2 + 6 + (max(point_lanes, default=-1) + 1) * LANE + 10

    # The axis, its ticks and both ends; first seen at the left edge.
    axis_y = y + 4
    back += _axis(t0, t1, span, x, band_y, axis_y)
    earlier = (t0 - first_seen).total_seconds()
    if earlier >= 60:
        seen = _("◀ first seen %(how_long)s earlier (%(when)s)") % {
            "how_long": duration(earlier),
            "when": when(inc["first_seen"]),
        }
        back.append(Shape("text", {"class": "first-seen", "x": x_min, "y": 14}, seen))
        back.append(
            Shape(
                "text",
                {"class": "tick", "x": x_min, "y": _f(axis_y + 34)},
                _("opened %(when)s") % {"when": when(rfc3339(t0))},
            )
        )
    else:
        back.append(
            Shape(
                "text",
                {"class": "tick", "x": x_min, "y": _f(axis_y + 34)},
                _("first seen %(when)s") % {"when": when(inc["first_seen"])},
            )
        )
    end = _("closed %(when)s") if inc["closed_at"] else _("last event %(when)s")
    back.append(
        Shape(
            "text",
            {"class": "tick", "x": x_max, "y": _f(axis_y + 34), "text-anchor": "end"},
            end % {"when": when(rfc3339(t1))},
        )
    )
    for name, row_y in rows:
        back.append(Shape("text", {"class": "row", "x": 4, "y": _f(row_y + 4)}, name))
    height = int(axis_y + 44)
    desc = _(
        "From %(start)s to %(end)s: stages as bands, deadlines as marks, statements and "
        "decisions as points."
    ) % {"start": when(rfc3339(t0)), "end": when(rfc3339(t1))}
    return Chart(WIDTH, height, _("Incident timeline"), desc, back, groups, beyond)


def _leader(px: float, y1: float, y2: float) -> Shape:
    return Shape(
        "line",
        {
            "x1": _f(px),
            "y1": _f(y1),
            "x2": _f(px),
            "y2": _f(y2),
            "stroke": "#999",
            "stroke-width": 0.8,
        },
    )


def _axis(
    t0: datetime,
    t1: datetime,
    span: float,
    x: Callable[[datetime], float],
    top: float,
    axis_y: float,
) -> list[Shape]:
    step = next((s for s in STEPS if span / s <= 8), STEPS[-1])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first = (int((t0 - epoch).total_seconds()) // step + 1) * step
    out = [
        Shape(
            "line",
            {"x1": LEFT, "y1": _f(axis_y), "x2": WIDTH - RIGHT, "y2": _f(axis_y), "stroke": "#222"},
        )
    ]
    days = span > 86400 or step >= 86400
    t = epoch + timedelta(seconds=first)
    while t < t1:
        tx = x(t)
        stamp = rfc3339(t)
        # "2026-11-20 08:00:00 UTC" -> "11-20 08:00", or the clock's "08:00"
        label = when(stamp)[5:16] if days else when(stamp, date=False)[:5]
        out.append(
            Shape(
                "line",
                {
                    "x1": _f(tx),
                    "y1": _f(top),
                    "x2": _f(tx),
                    "y2": _f(axis_y),
                    "stroke": "#ddd",
                    "stroke-width": 0.5,
                },
            )
        )
        out.append(
            Shape(
                "line",
                {
                    "x1": _f(tx),
                    "y1": _f(axis_y),
                    "x2": _f(tx),
                    "y2": _f(axis_y + 5),
                    "stroke": "#222",
                },
            )
        )
        out.append(
            Shape(
                "text",
                {"class": "tick", "x": _f(tx), "y": _f(axis_y + 17), "text-anchor": "middle"},
                label,
            )
        )
        t += timedelta(seconds=step)
    return out
