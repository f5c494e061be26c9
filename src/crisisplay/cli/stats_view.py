"""`crisisplay stats` in the terminal: rich tables with small block bars.

The bars are characters, not colours, so they read the same with NO_COLOR or on paper.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from crisisplay.report.stats import (
    HIDDEN_IN_TABLES,
    describe_filters,
    human_duration,
    is_duration,
    metric_label,
    metric_value,
    percent,
    slowest_lines,
    unknown_deadlines,
)

_EIGHTHS = "▏▎▍▌▋▊▉"
BAR_WIDTH = 12


def bar(value: float | None, largest: float | None, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a character, `largest` filling `width` characters."""
    if not value or not largest or value <= 0 or largest <= 0:
        return ""
    eighths = round(min(value / largest, 1.0) * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest - 1] if rest else "")


def _largest(values: list[Any]) -> float | None:
    numbers = [v for v in values if isinstance(v, int | float)]
    return max(numbers) if numbers else None


def _cell(text: str, value: float | None, largest: float | None) -> Text:
    t = Text(text)
    b = bar(value, largest)
    if b:
        t.append(" ")
        t.append(b, style="cyan")
    return t


def _table(*columns: tuple[str, str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    return table


def stats_view(data: dict[str, Any]) -> Any:
    inc = data["incidents"]
    head = Text()
    head.append("Incident statistics", style="bold")
    head.append(f" — {describe_filters(data)}")
    if not inc["total"]:
        return Group(head, Text("No incidents match."))
    s = "s" if inc["total"] != 1 else ""
    parts: list[Any] = [
        head,
        Text(f"{inc['total']} incident{s}: {inc['closed']} closed, {inc['open']} open"),
        Text(""),
    ]

    counts = _table(("client", "left"), ("incidents", "right"), ("", "left"))
    top = _largest(list(inc["by_client"].values()))
    for client, n in inc["by_client"].items():
        counts.add_row(client, str(n), Text(bar(n, top), style="cyan"))
    sev = _table(("severity", "left"), ("incidents", "right"), ("", "left"))
    top = _largest(list(inc["by_severity"].values()))
    for level, n in inc["by_severity"].items():
        sev.add_row(level, str(n), Text(bar(n, top), style="cyan"))
    parts += [counts, Text(""), sev, Text("")]

    metrics = _table(
        ("metric", "left"), ("n", "right"), ("median", "left"), ("p90", "left"), ("total", "right")
    )
    # Bars compare incidents on one metric, so each is scaled within its own row group:
    # durations against the longest duration, counts against the largest count.
    shown = {k: m for k, m in data["metrics"].items() if k not in HIDDEN_IN_TABLES}
    timed = [m for name, m in shown.items() if is_duration(name)]
    counted = [m for name, m in shown.items() if not is_duration(name)]
    top_time = _largest([m["p90"] for m in timed])
    top_count = _largest([m["p90"] for m in counted])
    for name, m in data["metrics"].items():
        if name in HIDDEN_IN_TABLES:
            continue
        top = top_time if is_duration(name) else top_count
        metrics.add_row(
            metric_label(name),
            str(m["n"]),
            _cell(metric_value(name, m["median"]), m["median"], top),
            _cell(metric_value(name, m["p90"]), m["p90"], top),
            "" if "total" not in m else metric_value(name, m["total"]),
        )
    parts += [metrics, Text("")]

    stages = _table(
        ("stage", "left"),
        ("entered", "right"),
        ("median time", "left"),
        ("p90 time", "left"),
        ("deadline met", "left"),
    )
    top = _largest([s["duration"]["p90"] for s in data["stages"].values()])
    for sid, st in data["stages"].items():
        dl = st["deadline"]
        decided = dl["met"] + dl["missed"]
        met = (
            _cell(f"{dl['met']}/{decided} {percent(dl['share_met']):>4}", dl["share_met"], 1.0)
            if decided
            else Text("—")
        )
        stages.add_row(
            sid,
            str(st["entered"]),
            _cell(human_duration(st["duration"]["median"]), st["duration"]["median"], top),
            _cell(human_duration(st["duration"]["p90"]), st["duration"]["p90"], top),
            met,
        )
    parts += [stages, Text("")]

    d = data["deadlines"]
    line = Text(
        f"Deadlines met: {d['met']} of {d['met'] + d['missed']} ({percent(d['share_met'])})"
    )
    if d["share_met"] is not None:
        line.append("  ")
        line.append(bar(d["share_met"], 1.0), style="cyan")
    parts.append(line)
    if d["unknown_incidents"]:
        parts.append(Text(unknown_deadlines(d).strip(), style="yellow"))
    parts += [Text(x) for x in slowest_lines(data, bold=False)]
    parts.append(
        Text(
            "median: the middle value (mean of the two middle ones); p90: nearest rank, "
            "the value at rank ceil(0.9 n). n: incidents where the metric applies.",
            style="dim",
        )
    )
    return Group(*parts)
