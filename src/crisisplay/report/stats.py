"""Figures across incidents: how many, how fast, which deadlines held, which stage drags.

Every per-incident number comes from the post-mortem metrics (`crisisplay.report.metrics`),
so `stats` and `report` can never disagree about one incident; this module only filters
and aggregates.

Definitions (also in the README):

* median: the middle value of the sorted values, or the mean of the two middle ones when
  there is an even number of them;
* p90: the nearest-rank 90th percentile — sort the n values and take the one at rank
  ceil(0.9 × n) (1-based), so it is always a value some incident actually had;
* a metric's n counts the incidents where it is not null (a troll path that never
  apologised has no time to apology: it neither helps nor hurts the median);
* deadlines: met / (met + missed) over every stage deadline of every incident; a deadline
  still running, or never reached, counts in neither, and so does every deadline of an
  incident whose playbook snapshot is missing or does not match its log (its met ones
  cannot be known: `unknown_incidents` counts those);
* a stage lasts from the step before its first step (the opening, for the first stage) to
  its last step, as the report measures it; the slowest stage is the one with the largest
  median duration; the stage whose deadline is missed most often is reported separately,
  by the number of misses (ties go to the earlier stage);
* an incident whose log cannot be read, or that `log verify` rejects (checked by the same
  reader while the log is read once), is left out and named on stderr.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeGuard

from crisisplay.times import short_duration as human_duration

SCHEMA = "crisisplay/stats/v1"
#: The contract's five times, in the order people read them (CONTRACT section 5).
CONTRACT_TIMES = (
    "time_to_acknowledge",
    "time_to_holding_statement",
    "time_to_apology",
    "time_to_remedy",
    "time_to_close",
)
#: Stage ids are fixed by the contract, and so is their order.
STAGE_ORDER = ("detect", "hold", "verify", "apologise", "remedy", "close")


# --- arithmetic --------------------------------------------------------------------------------


def _number(value: float) -> int | float:
    """Whole seconds as an int, anything else to the millisecond (like the report's metrics)."""
    rounded = round(float(value), 3)
    return int(rounded) if rounded.is_integer() else rounded


def median(values: Sequence[float]) -> int | float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return _number(ordered[mid])
    return _number((ordered[mid - 1] + ordered[mid]) / 2)


def percentile(values: Sequence[float], p: float) -> int | float | None:
    """Nearest rank: the value at rank ceil(p/100 × n) of the sorted values (1-based)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return _number(ordered[rank - 1])


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summary(values: Sequence[float]) -> dict[str, Any]:
    return {"n": len(values), "median": median(values), "p90": percentile(values, 90)}


def is_duration(metric: str) -> bool:
    """Metrics in seconds (shown as durations) as opposed to counts."""
    return metric.startswith("time_to_") or metric.endswith("_s")


# --- filters -----------------------------------------------------------------------------------


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`2026-11-01`, an RFC 3339 time, or a span back from now: `30d`, `12h`, `2w`, `30d ago`."""
    from crisisplay.incident.walk import now_utc, parse_time
    from crisisplay.times import parse_duration

    now = now or now_utc()
    raw = text.strip()
    span = raw[:-4].strip() if raw.lower().endswith(" ago") else raw
    weeks = span[:-1] if span.lower().endswith("w") else None
    if weeks is not None and weeks.isdigit():
        span = f"{int(weeks) * 7}d"
    try:
        return now - parse_duration(span, limit=timedelta(days=100 * 366))
    except ValueError:
        pass
    try:
        return parse_time(raw, relative_to=now)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date: write 2026-11-01, 2026-11-01T09:00:00Z, "
            "or a span back from now such as 30d, 12h or 2w"
        ) from None


@dataclass(frozen=True)
class Filters:
    client: str | None = None  # a client slug
    since: datetime | None = None  # first seen at or after
    drills: bool = False  # include drills

    def to_json(self) -> dict[str, Any]:
        from crisisplay.times import rfc3339

        return {
            "client": self.client,
            "since": rfc3339(self.since) if self.since else None,
            "drills": self.drills,
        }


# --- aggregation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unreadable:
    incident: str
    problem: str


@dataclass
class Stats:
    """The incidents that passed the filters (as report facts) and what could not be read."""

    filters: Filters = field(default_factory=Filters)
    facts: list[dict[str, Any]] = field(default_factory=list)  # Facts.to_json() of each
    unreadable: list[Unreadable] = field(default_factory=list)
    drills_left_out: int = 0
    clients: list[str] = field(default_factory=list)  # every client slug seen in the home

    def to_json(self) -> dict[str, Any]:
        return aggregate(self.facts, self.filters, self.unreadable, self.drills_left_out)


#: Bookkeeping counts: in the JSON, but not worth a row in a table people read.
HIDDEN_IN_TABLES = frozenset(("events", "steps_recorded", "backfilled_events", "notes"))


def _known_metrics() -> list[str]:
    """Every metric the report computes, so an empty result has the same keys as a full one."""
    from crisisplay.incident.events import from_dict
    from crisisplay.report.metrics import incident_facts

    opened = from_dict(
        {
            "seq": 0,
            "ts": "2000-01-01T00:00:00Z",
            "type": "incident.opened",
            "data": {
                "first_seen": "2000-01-01T00:00:00Z",
                "client": {"name": "", "slug": ""},
                "severity": 1,
            },
        }
    )
    try:
        return list(incident_facts([opened]).metrics)
    except Exception:  # the names are a nicety; the contract's five are always there
        return []


def _metric_names(facts: Iterable[dict[str, Any]]) -> list[str]:
    """The contract's five first, then every other numeric metric in the order facts list them."""
    names = list(CONTRACT_TIMES)
    for name in _known_metrics():
        if name not in names:
            names.append(name)
    for f in facts:
        for name, value in (f.get("metrics") or {}).items():
            if name not in names and (_is_number(value) or value is None):
                names.append(name)
    return names


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(facts: dict[str, Any], name: str) -> int:
    value = (facts.get("metrics") or {}).get(name)
    return int(value) if _is_number(value) else 0


def _stage_key(stage: str) -> tuple[int, str]:
    return (STAGE_ORDER.index(stage), "") if stage in STAGE_ORDER else (len(STAGE_ORDER), stage)


def aggregate(
    facts: Sequence[dict[str, Any]],
    filters: Filters | None = None,
    unreadable: Sequence[Unreadable] = (),
    drills_left_out: int = 0,
) -> dict[str, Any]:
    """The stats JSON (schema crisisplay/stats/v1) of a list of report facts."""
    filters = filters or Filters()
    by_client = Counter(str(f["incident"]["client"]["slug"]) for f in facts)
    by_severity = Counter(str(f["incident"]["severity"]) for f in facts)
    closed = sum(1 for f in facts if f["incident"].get("closed_at"))
    drills = sum(1 for f in facts if f["incident"].get("drill"))

    metrics: dict[str, Any] = {}
    for name in _metric_names(facts):
        values = [v for f in facts if _is_number(v := (f.get("metrics") or {}).get(name))]
        metrics[name] = summary(values)
        if not is_duration(name):
            metrics[name]["total"] = _number(sum(values))

    durations: dict[str, list[float]] = {}
    entered: Counter[str] = Counter()
    met: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    titles: dict[str, str] = {}
    unknown = 0  # incidents whose deadlines met cannot be known
    for f in facts:
        for st in f.get("stages") or []:
            sid = str(st["id"])
            titles.setdefault(sid, str(st.get("title") or sid))
            durations.setdefault(sid, [])
            if st.get("entered_at"):
                entered[sid] += 1
            if _is_number(st.get("duration_s")):
                durations[sid].append(st["duration_s"])
        # Without the playbook it walked, an incident's met deadlines are unknown: counting
        # only its missed ones would drag the share down, so it counts in neither.
        if (f.get("metrics") or {}).get("deadlines_met") is None:
            unknown += 1
            continue
        # Deadlines, not stages: a deadline can be missed in a stage the walk never entered
        # (an open incident still triaging when the holding statement falls due).
        for dl in f.get("deadlines") or []:
            sid = str(dl["stage"])
            titles.setdefault(sid, str(dl.get("title") or sid))
            durations.setdefault(sid, [])
            if dl.get("status") == "met":
                met[sid] += 1
            elif dl.get("status") == "missed":
                missed[sid] += 1
    stages: dict[str, Any] = {}
    for sid in sorted(durations, key=_stage_key):
        stages[sid] = {
            "title": titles[sid],
            "entered": entered[sid],
            "duration": summary(durations[sid]),
            "deadline": {
                "met": met[sid],
                "missed": missed[sid],
                "share_met": share(met[sid], met[sid] + missed[sid]),
            },
        }

    promised = sum(_count(f, "updates_promised") for f in facts)
    delivered = sum(_count(f, "updates_delivered") for f in facts)
    total_met, total_missed = sum(met.values()), sum(missed.values())
    return {
        "schema": SCHEMA,
        "filters": filters.to_json(),
        "incidents": {
            "total": len(facts),
            "by_client": dict(sorted(by_client.items())),
            "by_severity": dict(sorted(by_severity.items(), key=lambda kv: int(kv[0]))),
            "open": len(facts) - closed,
            "closed": closed,
            "drills": drills,
            "drills_left_out": drills_left_out,
            "skipped": len(unreadable),
        },
        "metrics": metrics,
        "deadlines": {
            "met": total_met,
            "missed": total_missed,
            "share_met": share(total_met, total_met + total_missed),
            "unknown_incidents": unknown,
        },
        "updates": {
            "promised": promised,
            "delivered": delivered,
            "share_delivered": share(delivered, promised),
        },
        "stages": stages,
        "slowest_stage": _slowest(stages),
        "skipped": [{"incident": u.incident, "problem": u.problem} for u in unreadable],
    }


def _slowest(stages: dict[str, Any]) -> dict[str, Any]:
    """Two different answers to "where were we slow", each named for what it measures."""
    by_duration = None
    timed = [(sid, s["duration"]["median"]) for sid, s in stages.items()]
    timed = [(sid, m) for sid, m in timed if m is not None]
    if timed:
        # max() keeps the first of equals: ties go to the earlier stage
        sid, m = max(timed, key=lambda t: t[1])
        by_duration = {"stage": sid, "median": m}
    by_missed = None
    late = [(sid, s["deadline"]) for sid, s in stages.items() if s["deadline"]["missed"]]
    if late:
        sid, d = max(late, key=lambda t: t[1]["missed"])
        by_missed = {
            "stage": sid,
            "missed": d["missed"],
            "of": d["met"] + d["missed"],
        }
    return {"by_median_duration": by_duration, "by_missed_deadlines": by_missed}


# --- reading the incidents ---------------------------------------------------------------------


def _problem(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _snapshot_sha(folder: Path) -> str | None:
    from crisisplay.report.metrics import SNAPSHOT

    try:
        return hashlib.sha256((folder / SNAPSHOT).read_bytes()).hexdigest()
    except OSError:
        return None


class _FactsMemo:
    """Each incident's facts, kept in the cache beside the verified head of the log they were
    measured from and the sha256 of its playbook snapshot.

    The facts are a function of the log's content, the snapshot's and the code alone. The
    log's head hash names its whole content once the chain is verified, and stats verifies
    every log on every run: so facts are reused only for a log that verifies and still ends
    at the same head, with the same snapshot, measured by the same code (the cache's folder
    is named after it). The file's size, time and inode only say when that is likely, so
    the events need not be gathered on the way; if the head differs, the log is read again.
    """

    KIND = "stats-facts"
    MODULES = (
        "crisisplay.report.stats",
        "crisisplay.report.metrics",
        "crisisplay.incident.events",
        "crisisplay.incident.log",
        "crisisplay.incident.walk",
    )

    def __init__(self, incidents: Path) -> None:
        from crisisplay import cache

        self._cache = cache
        self._key = hashlib.sha256(str(incidents.resolve()).encode("utf-8")).hexdigest()
        stored = cache.get(self.KIND, self._key, self.MODULES)
        self._entries: dict[str, Any] = stored if isinstance(stored, dict) else {}
        self._changed = False
        self.seen: set[str] = set()

    def get(
        self, name: str, stamp: tuple[int, int, int], snapshot: str | None
    ) -> tuple[str, int, dict[str, Any]] | None:
        entry = self._entries.get(name)
        if not isinstance(entry, tuple) or len(entry) != 5:
            return None
        if entry[0] != stamp or entry[1] != snapshot:
            return None
        return entry[2], entry[3], entry[4]

    def put(
        self,
        name: str,
        stamp: tuple[int, int, int],
        snapshot: str | None,
        head: str,
        count: int,
        facts: dict[str, Any],
    ) -> None:
        self._entries[name] = (stamp, snapshot, head, count, facts)
        self._changed = True

    def save(self) -> None:
        gone = [name for name in self._entries if name not in self.seen]
        for name in gone:
            del self._entries[name]
        if self._changed or gone:
            self._cache.put(self.KIND, self._key, self._entries, self.MODULES)


def _refusal(reader: Any) -> str | None:
    """Why `log verify` rejects the log the reader has read (None when it accepts it)."""
    return _refusal_of(reader.result)


def _refusal_of(result: Any) -> str | None:
    if result.ok:
        return None
    n = len(result.problems)
    first = result.problems[0] if result.problems else "unknown problem"
    more = f" (and {n - 1} more problem{'s' if n != 2 else ''})" if n > 1 else ""
    return f"the log fails verification: {first}{more}"


def collect(incidents: Path, filters: Filters) -> Stats:
    """Read every incident under `incidents` once, filter, and keep each one's report facts.

    A log that cannot be read, fails its hash chain, or whose facts cannot be worked out,
    is listed in `unreadable` instead of stopping the others (under --debug it raises, to
    find the bug).
    """
    from crisisplay.incident.events import typed
    from crisisplay.incident.log import LogReader
    from crisisplay.incident.walk import parse_time
    from crisisplay.report.metrics import Digest, facts_for_folder, read_digest

    stats = Stats(filters=filters)
    if not incidents.is_dir():
        return stats
    debug = bool(os.environ.get("CRISISPLAY_DEBUG"))
    clients: set[str] = set()
    memo = _FactsMemo(incidents)
    for folder in sorted(incidents.iterdir()):
        log = folder / "log.jsonl"
        if folder.name.startswith(".") or not log.is_file():
            continue  # a start still opening, or not an incident
        memo.seen.add(folder.name)
        # One pass through the log's reader: the first event decides the filters, the rest
        # is read (and checked exactly as `log verify` checks it) only if it passes them.
        reader = LogReader(log)
        events = typed(reader)
        try:
            first = next(events, None)
            if first is None or first.type != "incident.opened":
                reader.finish()
                raise ValueError(_refusal(reader) or "the log does not begin with incident.opened")
            opened = first.data
            if not isinstance(opened.get("client"), dict):
                raise ValueError("incident.opened lacks the client")
            slug = str(opened["client"]["slug"])
            drill = bool(opened.get("drill"))
            first_seen = parse_time(opened["first_seen"])
        except Exception as e:
            if debug:
                raise
            stats.unreadable.append(Unreadable(folder.name, _problem(e)))
            continue
        clients.add(slug)
        if filters.client is not None and slug != filters.client:
            continue
        if filters.since is not None and first_seen < filters.since:
            continue
        if drill and not filters.drills:
            stats.drills_left_out += 1
            continue
        try:
            stamp = _stamp(log)
            snapshot = _snapshot_sha(folder)
            known = memo.get(folder.name, stamp, snapshot)
            if known is not None:
                # Probably the log these facts were measured from: verify it all the same.
                refused = _refusal(reader)
                if refused:
                    raise ValueError(refused)
                result = reader.result
                if (result.head, result.count) == (known[0], known[1]):
                    stats.facts.append(known[2])
                    continue
                dg, result = read_digest(folder)  # it changed after all: read it again
            else:
                dg = Digest()
                dg.add(first)
                for event in events:
                    dg.add(event)
                result = reader.result
            refused = _refusal(reader) if known is None else _refusal_of(result)
            if refused:
                raise ValueError(refused)
            facts = facts_for_folder(folder, dg).to_json()
        except Exception as e:
            if debug:
                raise
            stats.unreadable.append(Unreadable(folder.name, _problem(e)))
            continue
        memo.put(folder.name, stamp, snapshot, result.head, result.count, facts)
        stats.facts.append(facts)
    memo.save()
    stats.clients = sorted(clients)
    return stats


# --- Markdown ----------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(head: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> list[str]:
    align = align or "l" * len(head)
    marks = {"l": "---", "r": "---:"}
    out = [
        "| " + " | ".join(_md_cell(h) for h in head) + " |",
        "|" + "|".join(marks[a] for a in align) + "|",
    ]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


def metric_label(name: str) -> str:
    return name.replace("_", " ")


def plain_number(value: float) -> str:
    """1200, 2.5, 1234567: never 1.23457e+06."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def metric_value(name: str, value: float | None) -> str:
    if value is None:
        return "—"
    return human_duration(value) if is_duration(name) else plain_number(value)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def describe_filters(data: dict[str, Any]) -> str:
    f = data["filters"]
    parts = [f"client {f['client']}" if f["client"] else "all clients"]
    if f["since"]:
        from crisisplay.times import when

        parts.append(f"first seen since {when(f['since'], seconds=False)}")
    inc = data["incidents"]
    if f["drills"]:
        parts.append("drills included")
    elif inc["drills_left_out"]:
        n = inc["drills_left_out"]
        parts.append(f"{n} drill{'s' if n != 1 else ''} left out")
    return ", ".join(parts)


def markdown(data: dict[str, Any]) -> str:
    """The stats JSON as Markdown tables, for a wiki page or a pull request."""
    inc = data["incidents"]
    out = ["# Incident statistics", "", f"Incidents: {describe_filters(data)}.", ""]
    if not inc["total"]:
        out += ["No incidents match.", ""]
        return "\n".join(out)
    out += [
        f"**{inc['total']}** incident{'s' if inc['total'] != 1 else ''}: "
        f"{inc['closed']} closed, {inc['open']} open.",
        "",
        "## By client",
        "",
        *_md_table(
            ["client", "incidents"], [(c, str(n)) for c, n in inc["by_client"].items()], "lr"
        ),
        "",
        "## By severity",
        "",
        *_md_table(
            ["severity", "incidents"], [(s, str(n)) for s, n in inc["by_severity"].items()], "lr"
        ),
        "",
        "## Metrics",
        "",
        "Median and nearest-rank 90th percentile over the incidents where the metric applies.",
        "",
    ]
    rows: list[tuple[str, ...]] = []
    for name, m in data["metrics"].items():
        if name in HIDDEN_IN_TABLES:
            continue
        rows.append(
            (
                metric_label(name),
                str(m["n"]),
                metric_value(name, m["median"]),
                metric_value(name, m["p90"]),
                "" if "total" not in m else metric_value(name, m["total"]),
            )
        )
    out += _md_table(["metric", "n", "median", "p90", "total"], rows, "lrrrr")
    d = data["deadlines"]
    out += [
        "",
        "## Deadlines",
        "",
        f"Met {d['met']} of {d['met'] + d['missed']} ({percent(d['share_met'])})."
        + unknown_deadlines(d),
        "",
    ]
    rows = []
    for sid, s in data["stages"].items():
        dl = s["deadline"]
        rows.append(
            (
                sid,
                str(s["entered"]),
                human_duration(s["duration"]["median"]),
                human_duration(s["duration"]["p90"]),
                str(dl["met"]),
                str(dl["missed"]),
                percent(dl["share_met"]),
            )
        )
    out += _md_table(
        ["stage", "entered", "median time", "p90 time", "met", "missed", "met %"], rows, "lrrrrrr"
    )
    out += ["", *slowest_lines(data), ""]
    return "\n".join(out)


def unknown_deadlines(deadlines: dict[str, Any]) -> str:
    n = deadlines["unknown_incidents"]
    if not n:
        return ""
    return (
        f" Not counted: {n} incident{'s' if n != 1 else ''} without a matching playbook "
        "snapshot, whose met deadlines cannot be known."
    )


def slowest_lines(data: dict[str, Any], *, bold: bool = True) -> list[str]:
    slow = data["slowest_stage"]
    b = "**" if bold else ""
    out = []
    if slow["by_median_duration"]:
        s = slow["by_median_duration"]
        out.append(
            f"Slowest stage (largest median time in the stage): {b}{s['stage']}{b}, "
            f"{human_duration(s['median'])}."
        )
    if slow["by_missed_deadlines"]:
        s = slow["by_missed_deadlines"]
        out.append(
            f"Deadline missed most often: {b}{s['stage']}{b}, missed {s['missed']} of {s['of']}."
        )
    return out


__all__ = [
    "SCHEMA",
    "Filters",
    "Stats",
    "aggregate",
    "collect",
    "human_duration",
    "markdown",
    "median",
    "parse_since",
    "percentile",
]
