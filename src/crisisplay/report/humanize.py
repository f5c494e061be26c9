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
