"""Times and durations, read and written: the one module for them.

Durations as people write them in playbooks (`15m`, `1h`, `2h30m`, `1d`) and as the walk's
status line shows them (`1h30m`); as a report reads them (`1 h 05 min`, a table's
`3 h 05 min`, a deadline's margin); offsets from when the crisis was first seen
(`T+01:05`); times as the log keeps them (RFC 3339, UTC); and times as a person reads and
types them: in a time zone (the incident's, else the client's, else the workspace's, else
the machine's), with its abbreviation and the day when it is not today (`21:30 CET`,
`tomorrow 9:00 CET`, `Thu 3 Dec 21:30 CET`).

The zone is set once per command with `use_zone(name)` (as `i18n.use(lang)` sets the
language); `clock`, `when`, `local` and `read_time` then show and read times in it.
"""

from __future__ import annotations

import contextlib
import os
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

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


def when(stamp: str | None, *, date: bool = True, seconds: bool = True) -> str:
    """An RFC 3339 time in the current zone: '2026-11-20 09:59:00 CET' (or only the clock,
    '09:59:00'; without `seconds`, '2026-11-20 09:59 CET')."""
    if not stamp:
        return "—"
    try:
        t = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    t = local(t if t.tzinfo else t.replace(tzinfo=UTC))
    hms = f"{t:%H:%M:%S}" if seconds else f"{t:%H:%M}"
    return f"{t:%Y-%m-%d} {hms} {abbreviation(t)}" if date else hms


# --- time zones --------------------------------------------------------------------------------

#: The zone times are shown and read in: set by `use_zone`, the machine's until then.
_zone: tzinfo | None = None
_zone_name = ""


def zone_named(name: Any) -> tzinfo:
    """The IANA zone `name` (`Europe/Madrid`); ValueError saying what to write otherwise."""
    from zoneinfo import ZoneInfo

    text = name.strip() if isinstance(name, str) else ""
    if text.upper() in ("UTC", "Z", "ETC/UTC"):
        return UTC
    try:
        if text and text == name:
            return ZoneInfo(text)
    except (ValueError, OSError, KeyError):  # unknown; a path, a folder (Europe), no TZif
        pass
    shown = str(name)[:60]
    hint = _close_zone(text)
    raise ValueError(
        f"'{shown}' is not a time zone: write an IANA name such as Europe/Madrid, "
        "America/Mexico_City or UTC" + (f" (did you mean {hint}?)" if hint else "")
    )


def _close_zone(text: str) -> str | None:
    import difflib
    from zoneinfo import available_timezones

    if not text or len(text) > 60:
        return None
    names = sorted(available_timezones())
    folded = {n.casefold(): n for n in names}
    if text.casefold() in folded:
        return folded[text.casefold()]
    found = difflib.get_close_matches(text, names, n=1, cutoff=0.75)
    return found[0] if found else None


def machine_zone_name() -> str:
    """The machine's zone: `TZ` when it names one (`Europe/Madrid`, `:Europe/Madrid`, a
    path into a zoneinfo folder), else where /etc/localtime points, else UTC."""
    candidates = []
    tz = os.environ.get("TZ", "").strip().lstrip(":")
    if tz:
        candidates.append(tz)
    with contextlib.suppress(OSError):
        candidates.append(os.readlink("/etc/localtime"))
    try:
        with open("/etc/timezone", encoding="utf-8") as f:  # Debian's own record of it
            candidates.append(f.read(100).strip())
    except OSError:
        pass
    for c in candidates:
        name = c.split("zoneinfo/", 1)[-1] if "zoneinfo/" in c else c
        try:
            zone_named(name)
        except ValueError:
            continue
        return "UTC" if name.upper() in ("UTC", "ETC/UTC", "Z") else name
    return "UTC"


def use_zone(name: str | None) -> None:
    """Show and read times in the zone `name` from now on (the machine's when None). An
    unknown name falls back to the machine's zone: a log written on a machine that knew a
    zone this one does not still shows (its times are UTC underneath)."""
    global _zone, _zone_name
    for candidate in (name, machine_zone_name()):
        if not candidate:
            continue
        try:
            _zone = zone_named(candidate)
        except ValueError:
            continue
        _zone_name = "UTC" if _zone is UTC else candidate
        return
    _zone, _zone_name = UTC, "UTC"


def zone() -> tzinfo:
    """The zone times are shown and read in now."""
    if _zone is None:
        use_zone(None)
    assert _zone is not None
    return _zone


def zone_name() -> str:
    """Its IANA name: `Europe/Madrid`, `UTC`."""
    zone()
    return _zone_name


def local(t: datetime) -> datetime:
    """`t` in the current zone (a naive `t` is taken as UTC, as the log's are)."""
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(zone())


def abbreviation(t: datetime) -> str:
    """The zone's abbreviation at `t` (a local time): CET, CEST, CST, IST, NZDT, UTC; a zone
    that has only an offset for one reads `UTC-03`, `UTC+05:45`."""
    name = t.tzname() or ""
    m = re.fullmatch(r"([+-])(\d\d)(\d\d)?", name)
    if m:
        return f"UTC{m.group(1)}{m.group(2)}" + (f":{m.group(3)}" if m.group(3) else "")
    return name or "UTC"


def _words(lang: str | None) -> Any:
    """The catalogue for `lang`, the current language when None (its `gettext` and
    `ngettext` are bound to `_` and `ngettext` where used, so `make catalogues` finds the
    words)."""
    from crisisplay import i18n

    return i18n.translator(lang or i18n.current())


def _hm(t: datetime) -> str:
    return f"{t.hour}:{t.minute:02d} {abbreviation(t)}"


def day_name(d: date, *, lang: str | None = None, year: bool = False) -> str:
    """'Thu 3 Dec' ('jue 3 dic' in Spanish); with `year`, 'Thu 3 Dec 2026'."""
    _ = _words(lang).gettext
    days = _("Mon Tue Wed Thu Fri Sat Sun").split()
    months = _("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec").split()
    text = _("{weekday} {day} {month}").format(
        weekday=days[d.weekday()], day=d.day, month=months[d.month - 1]
    )
    return f"{text} {d.year}" if year else text


def clock(t: datetime, *, now: datetime | None = None, lang: str | None = None) -> str:
    """A time as a person reads it, in the current zone: '21:30 CET' today (as of `now`),
    'tomorrow 9:00 CET', 'yesterday 23:10 CET', 'Thu 3 Dec 21:30 CET' on other days (with
    the year when it is not this one). In Spanish: 'mañana a las 9:00 CET', 'jue 3 dic …'."""
    ngettext = _words(lang).ngettext
    lt = local(t)
    today = local(now or datetime.now(UTC)).date()
    days = (lt.date() - today).days
    hm = _hm(lt)
    if days == 0:
        return hm
    # The hour picks the form: Spanish says "a la 1:00" but "a las 9:00".
    if days == 1:
        return ngettext("tomorrow {time}", "tomorrow {time}", lt.hour).format(time=hm)
    if days == -1:
        return ngettext("yesterday {time}", "yesterday {time}", lt.hour).format(time=hm)
    return f"{day_name(lt.date(), lang=lang, year=lt.year != today.year)} {hm}"


def day_clock(t: datetime, *, now: datetime | None = None, lang: str | None = None) -> str:
    """`clock`, saying 'today' too: 'today 19:40 CET' (for a question about a time)."""
    shown = clock(t, now=now, lang=lang)
    lt = local(t)
    if lt.date() != local(now or datetime.now(UTC)).date():
        return shown
    ngettext = _words(lang).ngettext
    return ngettext("today {time}", "today {time}", lt.hour).format(time=shown)


# --- times people type -------------------------------------------------------------------------

_CLOCK = re.compile(r"(\d{1,2})[:.h](\d{2})")
#: A typed clock time that lands further than this from now is asked about (or refused in
#: a scripted run): it is today's, and a person may have meant yesterday's.
CONFIRM_BEYOND = timedelta(hours=1)


def is_clock(text: Any) -> bool:
    """Whether a typed time is only a clock time (`19:40`): the day is guessed (today)."""
    return isinstance(text, str) and _CLOCK.fullmatch(text.strip()) is not None


def read_time(value: Any, *, relative_to: datetime | None = None) -> datetime:
    """A time a person or a file gives: RFC 3339 (`2026-12-04T19:40:00Z`, any offset), a
    date and time without an offset (`2026-12-04 19:40`, in the current zone), a clock time
    (`19:40`: today in the current zone, never moved to another day), `20m ago`, or `now`
    (relative to `relative_to`, else now); and those two in every language the interface
    speaks (`hace 20m`, `ahora`)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone())
    text = str(value).strip()
    base = relative_to or datetime.now(UTC)
    if text.lower() in ("", "now"):
        return base
    m = re.fullmatch(r"(\S+)\s+ago", text)
    if not m and not _CLOCK.fullmatch(text) and not text[:1].isdigit():
        spoken = _spoken(text)  # «ahora», «hace 20m»: the words of any catalogue
        if spoken != text:
            return read_time(spoken, relative_to=base)
    if m:
        try:
            return base - parse_duration(m.group(1))
        except OverflowError:
            raise ValueError(f"'{text}' is before the year 1") from None
    m = _CLOCK.fullmatch(text)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            _ = _words(None).gettext
            raise ValueError(
                _("'{text}' is not a time of day: write it like 19:40").format(text=text)
            )
        day = local(base)
        t = day.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return t.astimezone(UTC).astimezone(day.tzinfo)  # normalised across a DST change
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        _ = _words(None).gettext
        raise ValueError(
            _(
                "'{text}' is not a time: write 19:40 (today, {zone}), 2026-12-04 19:40, "
                "'20m ago', 'now' or 2026-12-04T19:40:00Z"
            ).format(text=text, zone=zone_name())
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=zone())


def far_from_now(given: Any, t: datetime, now: datetime, *, lang: str | None = None) -> str | None:
    """None when `given` is not a bare clock time or lands within an hour of `now`; else
    what it would mean, as a question: '19:40 would be today 19:40 CET, 23h9m from now'."""
    if not is_clock(given) or abs(t - now) <= CONFIRM_BEYOND:
        return None
    _ = _words(lang).gettext
    delta = format_duration(timedelta(minutes=int(abs(t - now).total_seconds() // 60)))
    where = day_clock(t, now=now, lang=lang)
    if t > now:
        return _("{given} would be {when}, in {delta}").format(
            given=str(given).strip(), when=where, delta=delta
        )
    return _("{given} would be {when}, {delta} ago").format(
        given=str(given).strip(), when=where, delta=delta
    )


def _spoken(text: str) -> str:
    """Time words in any language the interface speaks, as `read_time` reads them in
    English: «ahora» is `now`, «hace 20m» is `20m ago` (from each catalogue's `now` and
    `{duration} ago`); anything else as it is."""
    from crisisplay import i18n

    for lang in i18n.languages()[1:]:
        _ = i18n.translator(lang).gettext
        if text.casefold() == _("now").casefold():
            return "now"
        ago = re.escape(_("{duration} ago")).replace(re.escape("{duration}"), r"(\S+)")
        m = re.fullmatch(ago, text, re.IGNORECASE)
        if m:
            return f"{m.group(1)} ago"
    return text


def explicit_forms(t: datetime, now: datetime, *, past: bool = True) -> str:
    """How to give a time without a guess: its date and time, or how long ago ('2026-12-03
    19:40' or '23h9m ago'), for the day a clock time probably meant (with `past`, a time
    that has happened: a later one is yesterday's)."""
    _ = _words(None).gettext
    meant = t - timedelta(days=1) if past and t > now else t
    lt = local(meant)
    forms = [f"{lt:%Y-%m-%d %H:%M}"]
    if meant <= now:
        ago = timedelta(minutes=int((now - meant).total_seconds() // 60))
        forms.append("'" + _("{duration} ago").format(duration=format_duration(ago)) + "'")
    return _(" or ").join(forms)
