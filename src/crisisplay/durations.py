"""Durations as people write them in playbooks: `15m`, `1h`, `2h30m`, `1d`."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> timedelta:
    """`2h30m` -> 2:30:00. Raises ValueError with a message a person can act on."""
    m = _DURATION.match(text.strip().replace(" ", "")) if isinstance(text, str) else None
    if not m or not any(m.groups()):
        raise ValueError(
            f"'{text}' is not a duration: write it like 15m, 1h, 2h30m or 1d "
            "(d days, h hours, m minutes, s seconds)"
        )
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    delta = timedelta(days=d, hours=h, minutes=mi, seconds=s)
    if not delta:
        raise ValueError(f"'{text}' is zero: a deadline needs some time")
    return delta


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
