"""Times and durations, read and written: the one module for them.

Durations as people write them in playbooks (`15m`, `1h`, `2h30m`, `1d`) and as the walk's
status line shows them (`1h30m`); as a report reads them (`1 h 05 min`, a table's
`3 h 05 min`, a deadline's margin); offsets from when the crisis was first seen
(`T+01:05`); and times as the log keeps them (RFC 3339, UTC) and a report shows them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")

#: The longest duration a playbook, a scenario or `--first-seen '… ago'` may give: a
#: deadline, a cadence or a drill event a year away is already a typo; `99999999999999d`
#: would overflow every date it is added to (and a date past 9999 cannot be written).
MAX_DURATION = timedelta(days=366)


def parse_duration(text: str, *, limit: timedelta = MAX_DURATION) -> timedelta:
    """`2h30m` -> 2:30:00. Raises ValueError with a message a person can act on, also
    for a duration over `limit` (366 days unless said otherwise)."""
    m = _DURATION.match(text.strip().replace(" ", "")) if isinstance(text, str) else None
    if not m or not any(m.groups()):
        raise ValueError(
            f"'{text}' is not a duration: write it like 15m, 1h, 2h30m or 1d "
            "(d days, h hours, m minutes, s seconds)"
        )
    if any(g and len(g) > 12 for g in m.groups()):  # int() of a 10,000-digit number is slow
        raise ValueError(f"'{text[:40]}' is longer than {_longest(limit)}, the limit")
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    seconds = d * 86400 + h * 3600 + mi * 60 + s
    if seconds > limit.total_seconds():
        raise ValueError(f"'{text}' is longer than {_longest(limit)}, the limit")
    delta = timedelta(seconds=seconds)
    if not delta:
        raise ValueError(f"'{text}' is zero: a deadline needs some time")
    return delta


def _longest(limit: timedelta) -> str:
    days = limit.days
    return f"{days} days" if days and limit == timedelta(days=days) else format_duration(limit)


def format_duration(delta: timedelta) -> str:
    """1:30:00 -> '1h30m'; negative durations get a leading '-'."""
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    d, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if v]
    return sign + ("".join(parts) or "0s")


# --- offsets from when the crisis was first seen ------------------------------------------


def offset(delta: timedelta | float, *, seconds: bool = False) -> str:
    """T+00:42, T+1d 02:05, T-00:03; with ``seconds``, T+01:05:30 when there are any."""
    total = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    sign = "-" if total < 0 else "+"
    days, rest = divmod(abs(total), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return (
        f"T{sign}"
        + (f"{days}d " if days else "")
        + f"{hours:02d}:{minutes:02d}"
        + (f":{secs:02d}" if seconds and secs else "")
    )


# --- durations as a report reads them -------------------------------------------------------


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


def margin(seconds: float | None) -> str:
    """A deadline margin: positive is early, negative late."""
    if seconds is None:
        return "—"
    if seconds >= 0:
        return f"{duration(seconds)} early" if seconds else "on the dot"
    return f"{duration(-seconds)} late"


# --- times -----------------------------------------------------------------------------------


def rfc3339(t: datetime) -> str:
    """A time as the log keeps it: RFC 3339 in UTC, to the microsecond."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def maybe_rfc3339(t: datetime | None) -> str | None:
    return None if t is None else rfc3339(t)


def utc_now_text() -> str:
    """Now, as the log writes `ts`."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def when(stamp: str | None, *, date: bool = True) -> str:
    """An RFC 3339 time as '2026-11-20 08:59:00 UTC' (or only the clock)."""
    if not stamp:
        return "—"
    try:
        t = datetime.fromisoformat(stamp).astimezone(UTC)
    except ValueError:
        return stamp
    return t.strftime("%Y-%m-%d %H:%M:%S UTC" if date else "%H:%M:%S")
