"""Durations as people write them in playbooks: `15m`, `1h`, `2h30m`, `1d`."""

from __future__ import annotations

import re
from datetime import timedelta

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
