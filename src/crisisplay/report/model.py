"""The post-mortem as one model both renderings read: what it says, in which order, in
the incident's language, with every time formatted (through `crisisplay.times`).

`build.build_report` gathers the facts (JSON-ready data); `view(report)` turns them into a
`Report`: a title, a few banners, and sections of blocks (paragraphs, tables, lists,
quotes, statements, the timeline chart). A block holds plain text only, in spans that say
what the text is (code, a warning, a link…), never markup: `markdown.py` escapes it for
Markdown, and the HTML template (templates/report.html) for HTML, where Jinja2's
autoescape does it. Neither rendering decides what the report says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from crisisplay.times import duration, when

Words = Callable[[str], str]


@dataclass(frozen=True)
class Span:
    """A run of text and what it is: "" plain, "code", "bad" (a warning, in bold), "em"
    (said about the text, in italics), "muted" (an aside); `href` makes it a link."""

    text: str
    style: str = ""
    href: str | None = None


Line = list[Span]


def plain(text: Any) -> Line:
    return [Span("" if text is None else str(text))]


@dataclass
class Block:
    kind: ClassVar[str] = ""


@dataclass
class Para(Block):
    """A paragraph; style "empty" (nothing to show), "muted" (an explanation), "ok"."""

    kind: ClassVar[str] = "para"
    line: Line
    style: str = ""


@dataclass
class Banner(Block):
    """A warning at the top: its first words in bold, then the problems it lists."""

    kind: ClassVar[str] = "banner"
    lead: str
    line: Line
    items: list[str] = field(default_factory=list)


@dataclass
class Row:
    cells: list[Line]
    style: str = ""  # "backfilled", "folded"


@dataclass
class Table(Block):
    """A table; without `head`, each row's first cell is its header (a field and its value)."""

    kind: ClassVar[str] = "table"
    head: list[str] | None
    rows: list[Row]
    style: str = ""
    #: the columns that hold times or numbers (kept on one line when printed)
    narrow: tuple[int, ...] = ()


@dataclass
class Item:
    line: Line
    sub: list[Line] = field(default_factory=list)


@dataclass
class Items(Block):
    kind: ClassVar[str] = "items"
    items: list[Item]
    ordered: bool = False


@dataclass
class Quote(Block):
    """A person's own words, line breaks kept."""

    kind: ClassVar[str] = "quote"
    text: str


@dataclass
class Network:
    """One network of a statement: its state, and the text for it exactly as recorded."""

    name: str
    state: Line  # published when and where, or not (and why)
    record: Line  # edited or as drafted, and the text's hash
    text: str
    published: bool


@dataclass
class Statement(Block):
    kind: ClassVar[str] = "statement"
    n: int
    heading: str
    step: str
    facts: list[tuple[str, Line]]
    networks: list[Network]


@dataclass
class Chart(Block):
    """The timeline picture (HTML only): its shapes and the deadlines it cannot show."""

    kind: ClassVar[str] = "chart"
    chart: Any  # svg.Chart
    beyond: list[str]


@dataclass
class Sub(Block):
    """A titled part of a section."""

    kind: ClassVar[str] = "sub"
    title: str
    blocks: list[Block]


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block]
    #: the renderings that show it ("md", "html")
    formats: tuple[str, ...] = ("md", "html")

    @property
    def empty(self) -> bool:
        """Whether it only says there is nothing to show."""
        return all(isinstance(b, Para) and b.style == "empty" for b in self.blocks)


@dataclass
class Report:
    lang: str
    title: str
    subtitle: Line
    drill: bool
    top: list[Block]
    sections: list[Section]

    def for_format(self, name: str) -> Iterator[Section]:
        return (s for s in self.sections if name in s.formats)


# --- the model from the report's data --------------------------------------------------


def words(lang: str | None) -> tuple[Words, Callable[[str, str, int], str]]:
    """gettext and ngettext in `lang` (the incident playbook's language)."""
    from crisisplay.i18n import translator

    tr = translator(lang)
    return tr.gettext, tr.ngettext


def language(report: dict[str, Any]) -> str:
    from crisisplay.i18n import base_language

    return base_language((report["incident"].get("playbook") or {}).get("language"))


def view(report: dict[str, Any]) -> Report:
    """The model of `report` (build.build_report's data), in its incident's language."""
    lang = language(report)
    _, ngettext = words(lang)
    inc = report["incident"]
    ver = report["verification"]
    # In a drill every event carries `at` on the scenario's clock: not backfilled.
    late = _("scenario time") if inc.get("drill") else _("backfilled")
    at = _clock(report)

    top: list[Block] = []
    if not ver["ok"]:
        n = len(ver["problems"])
        top.append(
            Banner(
                _("WARNING: this incident's log FAILED verification"),
                plain(
                    ngettext("(%(n)d problem).", "(%(n)d problems).", n) % {"n": n}
                    + " "
                    + _(
                        "It may have been edited after the fact; what follows is what can "
                        "still be read, and cannot be trusted as a record."
                    )
                ),
                [str(p) for p in ver["problems"][:20]],
            )
        )
    else:
        top.append(
            Para(
                [
                    Span(
                        _("Log verified: %(n)s events, hash chain intact, head")
                        % {"n": f"{ver['events']:,}"}
                        + " "
                    ),
                    Span(str(ver["head"]), "code"),
                    Span("."),
                ],
                "ok",
            )
        )
    check = report["playbook_check"]
    if check.get("status") not in ("matched", "given"):
        status = {
            "missing": _("missing"),
            "mismatch": _("mismatch"),
            "unreadable": _("unreadable"),
            "none": _("missing"),
        }.get(str(check.get("status")), str(check.get("status")))
        top.append(
            Para(
                [
                    Span(
                        _(
                            "The playbook snapshot is %(status)s: which deadlines were met "
                            "is unknown; only the missed deadlines recorded in the log are "
                            "shown."
                        )
                        % {"status": status},
                        "em",
                    )
                ],
                "warn",
            )
        )

    sections = [
        Section("summary", _("Summary"), [_summary(report, _)]),
        Section("impact", _("Impact"), _impact(report, _)),
        Section("chart", _("Timeline at a glance"), [_chart(report, _)], ("html",)),
        Section("metrics", _("Metrics"), _metrics(report, _)),
        Section("deadlines", _("Stages and deadlines"), [_deadlines(report, _, at)]),
        Section("statements", _("Statements as published"), _statements(report, _, at, late)),
        Section("promises", _("Updates promised versus delivered"), [_promises(report, _, at)]),
        Section("decisions", _("Decisions"), [_decisions(report, _, at)]),
        Section("notifications", _("Notifications"), [_notifications(report, _, at)]),
        Section("overrides", _("Checker findings overridden"), [_overrides(report, _, at)]),
        Section("moderation", _("Posts hidden or deleted"), [_moderation(report, _, at)]),
        Section("whys", _("Five whys"), [_whys(report, _)]),
        Section("review", _("Review"), _review(report, _)),
        Section("actions", _("Action items"), [_actions(report, _)]),
        Section("notes", _("Notes"), [_notes(report, _, at, late)]),
        Section("events", _("Timeline"), _events(report, _, at, late)),
    ]
    if report.get("drill"):
        sections.insert(1, Section("drill", _("Drill debrief"), _drill(report["drill"], _)))
    severity = str(inc["severity"])
    subtitle = [
        Span(str(inc["client"]["name"])),
        Span(" · " + _("incident") + " "),
        Span(str(inc["id"]), "code"),
        Span(" · " + _("severity %(n)s") % {"n": severity}),
    ]
    return Report(
        lang,
        _("Post-mortem: %(title)s") % {"title": inc["title"]},
        subtitle,
        bool(inc.get("drill")),
        top,
        sections,
    )


def _drill(drill: dict[str, Any], _: Words) -> list[Block]:
    """The drill's debrief as the trainee read it, in the drill's language: its score, how
    it was played and ended, each category in plain words, what cost points and what
    went well."""
    from crisisplay.drill.score import category_names, category_summary, end_line, pace_line
    from crisisplay.i18n import current, speaking
    from crisisplay.numbers import local

    score = drill["score"]
    blocks: list[Block] = []
    try:
        with speaking(score.get("language")):
            lang = current()
            names = category_names()
            said = [
                x
                for x in (
                    _("Score: %(total)s/%(max)s.")
                    % {"total": local(score["total"], lang), "max": score["max"]},
                    pace_line(score),
                    end_line(score),
                )
                if x
            ]
            blocks.append(Para(plain(" ".join(said))))
            rows = [
                Row(
                    [
                        plain(names.get(c["id"], c["id"])),
                        plain(f"{local(c['score'], lang)}/{c['max']}"),
                        plain(category_summary(score, c["id"])),
                    ]
                )
                for c in score["categories"]
            ]
            blocks.append(Table([_("Category"), _("Score"), _("In short")], rows, "drill", (1,)))
            lost = [
                Item(plain(f"−{local(i['lost'], lang)} {i['message']}")) for i in score["items"]
            ]
            good = [Item(plain(g["message"])) for g in score["good"]]
            if lost:
                blocks.append(Sub(_("What cost points"), [Items(lost)]))
            if good:
                blocks.append(Sub(_("What went well"), [Items(good)]))
    except (KeyError, TypeError, ValueError, AttributeError):
        blocks = [Para(plain("\n".join(drill.get("debrief") or [])))]
    return blocks


def _clock(report: dict[str, Any]) -> Callable[[str | None], str]:
    """How the report's tables show a time: the clock alone when it falls on the day the
    whole incident falls on (the summary gives that date), else the date and the clock."""
    inc = report["incident"]
    ends = [inc.get("first_seen"), inc.get("closed_at") or inc.get("last_event_at")]
    days = {when(t)[:10] for t in ends if t}
    day = days.pop() if len(days) == 1 else None

    def at(stamp: str | None) -> str:
        if not stamp:
            return "—"
        full = when(stamp)
        return when(stamp, date=False) if day is not None and full[:10] == day else full

    return at


def _value(value: Any, _: Words) -> Line:
    if isinstance(value, bool):
        return plain(_("yes") if value else _("no"))
    if isinstance(value, int | float):
        return plain(f"{value:,}")
    return plain(value)


def _secs(value: Any, _: Words) -> Line:
    if value is None:
        return [Span(_("not reached"), "muted")]
    return [Span(duration(value)), Span(f" ({value:,} s)", "muted")]


def _empty(text: str) -> Para:
    return Para(plain(text), "empty")


def _summary(report: dict[str, Any], _: Words) -> Table:
    inc = report["incident"]
    pb = inc["playbook"]
    sev = str(inc["severity"])
    if inc.get("severity_at_open") not in (None, inc["severity"]):
        sev += " " + _("(opened at %(n)s)") % {"n": inc["severity_at_open"]}
    rows = [
        [plain(_("Incident")), [Span(str(inc["id"]), "code")]],
        [plain(_("Title")), plain(inc["title"])],
        [
            plain(_("Client")),
            [
                Span(f"{inc['client']['name']} ("),
                Span(str(inc["client"]["slug"]), "code"),
                Span(")"),
            ],
        ],
        [plain(_("Severity")), plain(sev)],
        [plain(_("Playbook")), plain(f"{pb['id']} {pb['version']} ({pb.get('language') or '?'})")],
        [plain(_("First seen")), plain(when(inc["first_seen"]))],
        [plain(_("Opened")), plain(when(inc["opened_at"]))],
        [
            plain(_("Closed")),
            plain(when(inc["closed_at"])) if inc["closed_at"] else plain(_("still open")),
        ],
        [plain(_("Outcome")), plain(inc.get("outcome") or "—")],
        [plain(_("Drill")), plain(_("yes") if inc.get("drill") else _("no"))],
    ]
    rows += [[plain(k), _value(v, _)] for k, v in (inc.get("variables") or {}).items()]
    return Table([_("field"), _("value")], [Row(r) for r in rows], "fields")


def _impact(report: dict[str, Any], _: Words) -> list[Block]:
    if not report["impact"]:
        return [_empty(_("Nothing about reach or exposure was recorded."))]
    rows = [Row([plain(i["label"]), _value(i["value"], _)]) for i in report["impact"]]
    return [Table([_("what"), _("as recorded")], rows, "fields")]


def _chart(report: dict[str, Any], _: Words) -> Chart:
    from crisisplay.report.svg import timeline_chart

    chart = timeline_chart(report, _)
    status = {
        "met": _("met"),
        "missed": _("missed"),
        "open": _("open"),
        "not reached": _("not reached"),
    }
    beyond = [
        _("%(stage)s due %(due)s (%(status)s)")
        % {
            "stage": d["title"],
            "due": when(d["due_at"]),
            "status": status.get(d["status"], d["status"]),
        }
        for d in chart.beyond
    ]
    return Chart(chart, beyond)


METRICS = (
    "time_to_acknowledge",
    "time_to_holding_statement",
    "time_to_apology",
    "time_to_remedy",
    "time_to_close",
)
COUNTS = (
    "statements_published",
    "networks_published",
    "networks_not_published",
    "updates_promised",
    "updates_delivered",
    "updates_missed",
    "deadlines_met",
    "deadlines_missed",
    "checker_overrides",
    "steps_recorded",
    "steps_skipped",
    "notes",
    "backfilled_events",
    "events",
)


def metric_labels(_: Words) -> dict[str, str]:
    return {
        "time_to_acknowledge": _("Time to acknowledge (first statement)"),
        "time_to_holding_statement": _("Time to holding statement"),
        "time_to_apology": _("Time to apology"),
        "time_to_remedy": _("Time to remedy (stage done)"),
        "time_to_close": _("Time to close"),
        "statements_published": _("Statements published"),
        "updates_promised": _("Updates promised"),
        "updates_delivered": _("Updates delivered on time"),
        "updates_missed": _("Updates missed"),
        "deadlines_met": _("Deadlines met"),
        "deadlines_missed": _("Deadlines missed"),
        "checker_overrides": _("Statements published over checker errors"),
        "steps_recorded": _("Steps recorded"),
        "steps_skipped": _("Steps skipped"),
        "notes": _("Notes"),
        "backfilled_events": _("Backfilled events"),
        "events": _("Events in the log"),
        "networks_published": _("Networks a statement was published on"),
        "networks_not_published": _("Networks left not published"),
    }


def _metrics(report: dict[str, Any], _: Words) -> list[Block]:
    m = report["metrics"]
    labels = metric_labels(_)
    times = [Row([plain(labels[k]), _secs(m.get(k), _)]) for k in METRICS]
    counts = [
        Row([plain(labels[k]), plain(_("unknown") if m.get(k) is None else f"{m[k]:,}")])
        for k in COUNTS
        if k in m or k not in ("networks_published", "networks_not_published")
    ]
    return [
        Para(plain(_("Times are counted from when the crisis was first seen.")), "muted"),
        Table([_("metric"), _("value")], times, "metrics times", (1,)),
        Table([_("metric"), _("value")], counts, "metrics counts", (1,)),
    ]


def _deadline_result(d: dict[str, Any], _: Words) -> Line:
    status = d["status"]
    if status == "met":
        return plain(_("met ✓, %(margin)s") % {"margin": _margin(d["margin_s"], _)})
    if status == "missed":
        return [
            Span(_("missed ✗"), "bad"),
            Span(" " + _("by %(late)s") % {"late": duration(d["missed_by_s"])}),
        ]
    return plain({"not reached": _("not reached"), "open": _("open")}.get(status, status))


def _margin(seconds: Any, _: Words) -> str:
    if seconds is None:
        return "—"
    if seconds > 0:
        return _("%(time)s early") % {"time": duration(seconds)}
    if seconds == 0:
        return _("on the dot")
    return _("%(time)s late") % {"time": duration(-seconds)}


def _deadlines(report: dict[str, Any], _: Words, at: Callable[[str | None], str]) -> Block:
    stages = {s["id"]: s for s in report["stages"]}
    known = report["playbook_check"].get("status") in ("matched", "given")
    rows = []
    seen = set()
    for d in report["deadlines"]:
        seen.add(d["stage"])
        s = stages.get(d["stage"], {})
        rows.append(
            Row(
                [
                    plain(d["title"]),
                    plain(at(s.get("entered_at"))),
                    plain(at(d["done_at"] or s.get("left_at"))),
                    plain(duration(s.get("duration_s")) if s else "—"),
                    plain(at(d["due_at"])),
                    _deadline_result(d, _),
                ]
            )
        )
    for s in report["stages"]:
        if s["id"] not in seen:
            rows.append(
                Row(
                    [
                        plain(s["title"]),
                        plain(at(s["entered_at"])),
                        plain(at(s["left_at"])),
                        plain(duration(s["duration_s"])),
                        plain("—"),
                        plain(_("no deadline") if known else _("unknown")),
                    ]
                )
            )
    if not rows:
        return _empty(_("No stage was walked."))
    head = [_("stage"), _("entered"), _("done"), _("took"), _("due"), _("deadline")]
    return Table(head, rows, "deadlines", (3,))


def network_state(
    p: dict[str, Any], _: Words, at: Callable[[str | None], str], closed: bool = False
) -> Line:
    """Where one network of a statement stands: published when and where, not published
    (and why, when the reason was recorded), or not yet (never, once the incident closed)."""
    state = p.get("state") or ("published" if p.get("url") else "pending")
    if state == "published":
        out = [Span(_("published %(when)s") % {"when": at(p.get("published_at"))})]
        url = str(p.get("url") or "")
        if url:
            out.append(Span(" " + _("at") + " "))
            out.append(Span(url, href=url) if _web(url) else Span(url))
        return out
    if state == "not_published":
        out = [Span(_("not published"), "bad")]
        if p.get("reason"):
            out.append(Span(": " + str(p["reason"])))
        return out
    if closed:
        return [Span(_("never published"), "bad"), Span(" " + _("(no reason recorded)"))]
    return [Span(_("not published yet"), "bad")]


def _web(url: str) -> bool:
    import re

    return re.fullmatch(r"https?://[^\s<>\"'`]+", url) is not None


def _statements(
    report: dict[str, Any], _: Words, at: Callable[[str | None], str], late: str
) -> list[Block]:
    if not report["statements"]:
        return [_empty(_("No statement was approved or published."))]
    out: list[Block] = []
    status_words = {"published": _("published"), "approved": _("approved")}
    closed = bool(report["incident"].get("closed_at"))
    for n, s in enumerate(report["statements"], start=1):
        status = status_words.get(s["status"] or "", s["status"] or "?")
        out_on = sum(1 for p in s["platforms"] if p.get("state", "published") == "published")
        if 0 < out_on < len(s["platforms"]):
            status = _("published on %(n)d of %(total)d networks") % {
                "n": out_on,
                "total": len(s["platforms"]),
            }
        heading = f"{s['template'] or _('statement')} — {s['step']} ({status})"
        rec = at(s["at"])
        if s["backfilled"]:
            rec += (
                " ("
                + _("%(late)s; recorded at %(when)s") % {"late": late, "when": at(s["recorded_at"])}
                + ")"
            )
        facts: list[tuple[str, Line]] = [(_("Recorded for"), plain(rec))]
        a = s.get("approval") or {}
        if a:
            facts.append(
                (
                    _("Approved by"),
                    plain(
                        _("%(who)s (%(role)s) at %(when)s")
                        % {
                            "who": a.get("by") or "—",
                            "role": a.get("role") or "—",
                            "when": at(a.get("at")),
                        }
                    ),
                )
            )
        elif s.get("preapproved"):
            facts.append(
                (
                    _("Approved by"),
                    plain(_("the client's pre-approved text, unedited (no sign-off)")),
                )
            )
        else:
            facts.append((_("Approved by"), plain(_("no sign-off recorded"))))
        for u in a.get("unreachable") or []:
            facts.append(
                (
                    _("Could not reach"),
                    plain(f"{u.get('role') or '—'}: {u.get('reason') or ''}"),
                )
            )
        if s.get("next_update_by"):
            facts.append((_("Next update promised by"), plain(at(s["next_update_by"]))))
        for o in s["overrides"]:
            facts.append(
                (
                    _("Checker overridden"),
                    plain(f"{', '.join(o.get('rules') or [])}: {o.get('reason')}"),
                )
            )
        networks = []
        for p in s["platforms"]:
            record = [
                Span(_("edited by hand") if p["edited"] else _("as drafted from the template")),
                Span("; sha256 "),
                Span(str(p["sha256"]), "code"),
            ]
            if not p["sha256_ok"]:
                record.append(Span(" — "))
                record.append(Span(_("text does not match its recorded hash"), "bad"))
            published = (p.get("state") or ("published" if p.get("url") else "")) == "published"
            networks.append(
                Network(
                    str(p["platform"]),
                    network_state(p, _, at, closed),
                    record,
                    str(p["text"]),
                    published,
                )
            )
        out.append(Statement(n, heading, str(s["step"]), facts, networks))
    return out


def _promises(report: dict[str, Any], _: Words, at: Callable[[str | None], str]) -> Block:
    if not report["promises"]:
        return _empty(_("No published statement promised a time for the next update."))
    rows = []
    for p in report["promises"]:
        follow: Line = plain("—")
        if p["followed_at"]:
            text = _("%(what)s at %(when)s") % {
                "what": p["followed_by"],
                "when": at(p["followed_at"]),
            }
            if p["late_by_s"]:
                text += " (" + _("%(time)s late") % {"time": duration(p["late_by_s"])} + ")"
            follow = plain(text)
        result = {
            "delivered": plain(_("delivered ✓")),
            "missed": [Span(_("missed ✗"), "bad")],
        }.get(p["status"], plain(_("open (not due yet)")))
        rows.append(
            Row(
                [
                    plain(p["step"]),
                    plain(at(p["published_at"])),
                    plain(at(p["next_update_by"])),
                    result,
                    follow,
                ]
            )
        )
    head = [
        _("statement"),
        _("published"),
        _("promised next update by"),
        _("result"),
        _("followed by"),
    ]
    return Table(head, rows, "promises", (1, 2))


def _decisions(report: dict[str, Any], _: Words, at: Callable[[str | None], str]) -> Block:
    if not report["decisions"]:
        return _empty(_("No decisions recorded."))
    rows = [
        Row(
            [
                plain(at(d["at"])),
                plain(d["step"]),
                plain(d["question"] or ""),
                plain(d["option"]),
                plain(d["led_to"] or _("(nothing recorded after it yet)")),
            ]
        )
        for d in report["decisions"]
    ]
    head = [_("when"), _("step"), _("question"), _("decision"), _("led to")]
    return Table(head, rows, "decisions", (0,))


def _notifications(report: dict[str, Any], _: Words, at: Callable[[str | None], str]) -> Block:
    if not report["notifications"]:
        return _empty(_("Nobody was notified through the walk."))
    rows = []
    for x in report["notifications"]:
        if x["status"] == "skipped":
            rows.append(
                Row(
                    [
                        plain(at(x["at"])),
                        plain(x["step"]),
                        plain(_("skipped")),
                        plain("—"),
                        plain(x["reason"] or ""),
                    ]
                )
            )
            continue
        for c in x["contacted"] or [{}]:
            rows.append(
                Row(
                    [
                        plain(at(c.get("at") or x["at"])),
                        plain(x["step"]),
                        plain(f"{c.get('name') or '—'} ({c.get('role') or '—'})"),
                        plain(c.get("via") or "—"),
                        plain(_("yes")) if x["acknowledged"] else [Span(_("no answer"), "bad")],
                    ]
                )
            )
    head = [_("when"), _("step"), _("who"), _("how"), _("acknowledged")]
    return Table(head, rows, "notifications", (0,))


def _moderation(report: dict[str, Any], _: Words, at: Callable[[str | None], str]) -> Block:
    """Each post hidden or deleted, the rule of the client's list it fell under, and why."""
    if not report.get("moderation"):
        return _empty(_("Nothing was hidden or deleted."))
    actions = {"hidden": _("hidden"), "deleted": _("deleted")}
    rows = [
        Row(
            [
                plain(at(m["at"])),
                plain(actions.get(str(m["action"]), str(m["action"]))),
                plain(str(m["what"] or "")),
                plain(str(m["rule"] or "")),
                plain(str(m["reason"] or "")),
            ]
        )
        for m in report["moderation"]
    ]
    head = [_("when"), _("done"), _("what"), _("rule"), _("reason")]
    return Table(head, rows, "moderation", (0,))


def _overrides(report: dict[str, Any], _: Words, at: Callable[[str | None], str]) -> Block:
    if not report["overrides"]:
        return _empty(_("No statement was published over a checker error."))
    items = []
    for o in report["overrides"]:
        items.append(
            Item(
                [
                    Span(str(o["step"]), "strong"),
                    Span(f" ({o['template']}), {at(o['at'])}: {o['reason']}"),
                ],
                [
                    [
                        Span(f"{f['platform']}: "),
                        Span(str(f["rule"]), "code"),
                        Span(f" — {f['message']} (“{f['excerpt'] or ''}”)"),
                    ]
                    for f in o["findings"]
                ],
            )
        )
    return Items(items)


def _whys(report: dict[str, Any], _: Words) -> Block:
    if not report["five_whys"]:
        return _empty(_("Not answered."))
    return Items(
        [
            Item([Span(str(w["question"] or _("Why?")), "strong"), Span(" " + str(w["answer"]))])
            for w in report["five_whys"]
        ],
        ordered=True,
    )


def _review(report: dict[str, Any], _: Words) -> list[Block]:
    out: list[Block] = []
    for key, title in (
        ("went_well", _("What went well")),
        ("went_badly", _("What went badly")),
        ("got_lucky", _("Where we got lucky")),
    ):
        value = report["review"].get(key)
        out.append(Sub(title, [Quote(str(value)) if value else _empty(_("Not answered."))]))
    return out


def _actions(report: dict[str, Any], _: Words) -> Block:
    if not report["action_items"]:
        return _empty(_("No action items recorded."))
    rows = [
        Row(
            [
                plain(a["owner"]) if a["owner"] else [Span(_("unassigned"), "bad")],
                plain(a["action"]),
                plain(a["due"]) if a["due"] else [Span(_("no date"), "bad")],
            ]
        )
        for a in report["action_items"]
    ]
    return Table([_("owner"), _("action"), _("due")], rows, "actions")


def _notes(report: dict[str, Any], _: Words, at: Callable[[str | None], str], late: str) -> Block:
    from crisisplay.report import build

    notes = report["notes"]
    if not notes:
        return _empty(_("No notes."))
    limit = build.NOTE_LIMIT
    items = []
    for note in notes[:limit]:
        line = [Span(at(note["at"]))]
        if note["backfilled"]:
            line.append(Span(f" ({late})", "em"))
        line.append(Span(": " + str(note["text"])))
        items.append(Item(line))
    if len(notes) > limit:
        items.append(
            Item(
                [
                    Span(
                        _("… and %(n)s more notes, not shown here:")
                        % {"n": f"{len(notes) - limit:,}"}
                        + " ",
                        "em",
                    ),
                    Span("crisisplay report --format json", "code"),
                    Span(" " + _("lists every one."), "em"),
                ]
            )
        )
    return Items(items)


def _events(
    report: dict[str, Any], _: Words, at: Callable[[str | None], str], late: str
) -> list[Block]:
    from crisisplay.report.build import EVENT_LIMIT, shown_timeline

    if report["incident"].get("drill"):
        intro = _(
            "Every event in the log, in order, at the time it happened on the drill's clock "
            "(scenario time), and when it was recorded."
        )
    else:
        intro = _(
            "Every event in the log, in order, at the time it happened. For an event entered "
            "after the fact (backfilled), the last column says when it was recorded."
        )
    rows = []
    shown, hidden, hidden_other = shown_timeline(report["timeline"])
    for t in shown:
        if t["backfilled"]:
            rows.append(
                Row(
                    [
                        plain(t["seq"]),
                        plain(at(t["at"])),
                        plain(t["text"]),
                        [Span(at(t["recorded_at"]), "em")],
                    ],
                    "backfilled",
                )
            )
        else:
            rows.append(Row([plain(t["seq"]), plain(at(t["at"])), plain(t["text"]), plain("")]))
    if hidden:
        rows.append(
            Row(
                [
                    plain("…"),
                    plain(""),
                    [
                        Span(_("%(n)s more notes not shown;") % {"n": f"{hidden:,}"} + " ", "em"),
                        Span("--format json", "code"),
                        Span(" " + _("has the full timeline."), "em"),
                    ],
                    plain(""),
                ],
                "folded",
            )
        )
    if hidden_other:
        rows.append(
            Row(
                [
                    plain("…"),
                    plain(""),
                    [
                        Span(
                            _("%(n)s more events (not notes) not shown, past the first %(limit)s;")
                            % {"n": f"{hidden_other:,}", "limit": f"{EVENT_LIMIT:,}"}
                            + " ",
                            "em",
                        ),
                        Span("--format json", "code"),
                        Span(" " + _("has the full timeline."), "em"),
                    ],
                    plain(""),
                ],
                "folded",
            )
        )
    head = ["#", _("when"), _("what"), _("recorded") + f" ({late})"]
    return [Para(plain(intro), "muted"), Table(head, rows, "events", (0, 1, 3))]
