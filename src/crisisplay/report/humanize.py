"""Times and durations as people read them in a report."""

from __future__ import annotations

from datetime import UTC, datetime


def duration(seconds: float | None) -> str:
    """3900 -> '1 h 05 min'; 45 -> '45 s'; 90061 -> '1 d 1 h 01 min'; None -> '—'."""
    if seconds is None:
        return "—"
    total = round(abs(seconds))
    sign = "-" if seconds < 0 and total else ""
    if total < 60:
        return f"{sign}{total} s"
    d, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    if not d and not h:
        return f"{sign}{m} min" + (f" {s:02d} s" if s else "")
    text = f"{h} h {m:02d} min"
    return sign + (f"{d} d {text}" if d else text)


def short_duration(seconds: float | None) -> str:
    """42 s, 42 min, 3 h 05 min, 2 d 4 h: precise enough to compare, short enough for a
    table cell (`duration` is the report's exact form)."""
    if seconds is None:
        return "—"
    sign = "-" if seconds < 0 else ""
    total = int(abs(seconds))
    if total < 60:
        return f"{sign}{total} s"
    if total < 3600:
        return f"{sign}{total // 60} min"
    if total < 86400:
        h, rest = divmod(total, 3600)
        return f"{sign}{h} h {rest // 60:02d} min"
    d, rest = divmod(total, 86400)
    return f"{sign}{d} d {rest // 3600} h"


def when(stamp: str | None, *, date: bool = True) -> str:
    """An RFC 3339 time as '2026-11-20 08:59:00 UTC' (or only the clock)."""
    if not stamp:
        return "—"
    try:
        t = datetime.fromisoformat(stamp).astimezone(UTC)
    except ValueError:
        return stamp
    return t.strftime("%Y-%m-%d %H:%M:%S UTC" if date else "%H:%M:%S")


def margin(seconds: float | None) -> str:
    """A deadline margin: positive is early, negative late."""
    if seconds is None:
        return "—"
    if seconds >= 0:
        return f"{duration(seconds)} early" if seconds else "on the dot"
    return f"{duration(-seconds)} late"
