"""The `crisisplay/scenario/v1` format: a crisis as a timeline of what the world does.

A scenario is read with the same YAML reader and error mapping as playbooks, so every
problem is `file:line:col`. What needs the playbook (step ids, option labels, roles,
stages, severities) is checked by `check_against`, once the playbook is known: a scenario
can be played on a client's overlay as well as on the playbook it was written for.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from crisisplay.errors import CrisisplayError, PlaybookError, Problem
from crisisplay.playbook.model import Id, Scalar, StageId
from crisisplay.times import format_duration, parse_duration

if TYPE_CHECKING:
    from crisisplay.home import Home
    from crisisplay.playbook.resolved import Resolved
    from crisisplay.yamlfile import Located

SCHEMA = "crisisplay/scenario/v1"
KINDS = (
    "post",
    "comment",
    "reply",
    "message",
    "email",
    "call",
    "news",
    "metric",
    "unreachable",
    "note",
)
# Where a scenario's events may happen: wider than the networks a playbook drafts for,
# because a real crisis starts wherever people are (a YouTube video, a Reddit thread, a
# forum, a news site's comments).
EventPlatform = Literal[
    "x",
    "bluesky",
    "threads",
    "instagram",
    "facebook",
    "linkedin",
    "tiktok",
    "youtube",
    "reddit",
    "whatsapp",
    "telegram",
    "forum",
    "web",
]
EVENT_PLATFORMS: tuple[str, ...] = get_args(EventPlatform)
# The longest option label an 80-column terminal shows whole in the selection list,
# after the three columns of its pointer (" » ").
LONGEST_LABEL = 77
DEFAULT_SPEED = 10.0
DEFAULT_DUE = timedelta(minutes=10)
CATEGORIES = ("holding", "deadlines", "statements", "decisions", "timeliness")
HOLDING_TEMPLATE = "holding-statement"
# What an option or a step says when it sends people to a statement of ours: taking it
# with nothing published points them at nothing (see `refers_to_statement`).
STATEMENT_WORDS = re.compile(
    r"\b(?:point|link|pin|refer|direct|send|past)\w*\b[^.;—]{0,40}\bstatement\b"
    r"|\b(?:remit|enlaz|fij|peg|señal|indic)\w*\b[^.;—]{0,40}\bcomunicado\b"
    r"|\bcon el comunicado\b",
    re.IGNORECASE,
)
YAML_SUFFIXES = (".yaml", ".yml")


def parse_offset(value: Any) -> timedelta:
    """`0`, `0m`, `90s`, `12m`, `1h30m`: time from the start of the scenario."""
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a time offset")
    if isinstance(value, int | float):
        if value == 0:
            return timedelta(0)
        n = f"{value:g}"
        raise ValueError(f"{n} has no unit: write {n}m for minutes or {n}h for hours")
    text = str(value).strip()
    if re.fullmatch(r"0+[dhms]?", text):
        return timedelta(0)
    return parse_duration(text)


def _offset(value: Any) -> str:
    parse_offset(value)
    return str(value)


def _positive_duration(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        n = f"{value:g}"
        raise ValueError(f"{n} has no unit: write {n}m for minutes or {n}h for hours")
    parse_duration(str(value))
    return str(value)


Offset = Annotated[str, BeforeValidator(_offset)]
Duration = Annotated[str, BeforeValidator(_positive_duration)]


def _language(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", value):
        raise ValueError(f"'{value}' is not a language tag: use en, es, es-MX …")
    return value


Language = Annotated[str, AfterValidator(_language)]


def stamp(delta: timedelta | float) -> str:
    """Scenario time as the trainee reads it: T+00:42, T+01:05:30, T+2d 03:00."""
    from crisisplay.times import offset

    return offset(delta, seconds=True)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class IncidentSpec(_Model):
    title: str
    severity: int = Field(ge=1, le=9)
    client: str


class Option(_Model):
    label: str
    expected: bool = False
    mistake: str | None = None
    why: str | None = None
    cost: int | None = Field(None, ge=0, le=100)
    # Whether taking it sends people to a statement of ours; unset, read from the label.
    refers_to_statement: bool | None = None

    def points_to_statement(self) -> bool:
        if self.refers_to_statement is not None:
            return self.refers_to_statement
        return bool(STATEMENT_WORDS.search(self.label))


class Event(_Model):
    id: Id
    at: Offset
    kind: Literal[
        "post",
        "comment",
        "reply",
        "message",
        "email",
        "call",
        "news",
        "metric",
        "unreachable",
        "note",
    ]
    text: str = ""
    platform: EventPlatform | None = None
    author: str | None = None
    handle: str | None = None
    followers: int | None = Field(None, ge=0)
    url: str | None = None
    outlet: str | None = None
    from_: str | None = Field(None, alias="from")
    metric: str | None = None
    value: int | float | None = None
    role: Id | None = None
    until: Offset | None = None
    decide: str | None = None
    options: list[Option] | None = None
    due: Duration | None = None

    @property
    def offset(self) -> timedelta:
        return parse_offset(self.at)

    @property
    def until_offset(self) -> timedelta | None:
        return None if self.until is None else parse_offset(self.until)

    @property
    def due_delta(self) -> timedelta:
        return parse_duration(self.due) if self.due else DEFAULT_DUE

    def option(self, label: str) -> Option | None:
        from crisisplay.incident.walk import match_option

        found: Option | None = match_option(self.options or [], label)
        return found


class Expectation(_Model):
    option: str
    why: str | None = None
    mistakes: dict[str, str] = Field(default_factory=dict)
    cost: int = Field(10, ge=0, le=100)


class StatementSpec(_Model):
    by: Duration | None = None
    why: str | None = None


class Scoring(_Model):
    holding: int = Field(25, ge=0, le=100)
    deadlines: int = Field(15, ge=0, le=100)
    statements: int = Field(15, ge=0, le=100)
    decisions: int = Field(35, ge=0, le=100)
    timeliness: int = Field(10, ge=0, le=100)


class Scenario(_Model):
    schema_: Literal["crisisplay/scenario/v1"] = Field(alias="schema")
    id: Id
    title: str
    language: Language
    playbook: str | None = None
    speed: float | None = Field(None, gt=0, le=100_000)
    ends_after: StageId | None = None
    summary: str = ""
    briefing: str = ""
    incident: IncidentSpec
    variables: dict[str, Scalar] = Field(default_factory=dict)
    timeline: list[Event] = Field(min_length=1)
    expect: dict[str, str | Expectation] = Field(default_factory=dict)
    statements: dict[str, StatementSpec] = Field(default_factory=dict)
    scoring: Scoring = Field(default_factory=lambda: Scoring.model_validate({}))

    def playbook_ref(self) -> str:
        if self.playbook:
            return self.playbook
        primary = self.language.split("-")[0].lower()
        return "default" if primary == "en" else f"default-{primary}"

    def events(self) -> list[Event]:
        """The timeline in time order (the file may list it in any order)."""
        return sorted(self.timeline, key=lambda e: e.offset)

    def event(self, event_id: str) -> Event | None:
        return next((e for e in self.timeline if e.id == event_id), None)

    def decisions(self) -> list[Event]:
        return [e for e in self.events() if e.decide]

    def decision_points(self) -> int:
        """What `--list` and the drill's intro count: decision events plus expectations."""
        return len(self.decisions()) + len(self.expect)

    def expectations(self) -> dict[str, Expectation]:
        return {
            k: Expectation.model_validate({"option": v}) if isinstance(v, str) else v
            for k, v in self.expect.items()
        }

    def length(self) -> timedelta:
        """The time of its last event, decision deadline or statement deadline."""
        ends = [e.offset + (e.due_delta if e.decide else timedelta(0)) for e in self.timeline]
        ends += [parse_duration(s.by) for s in self.statements.values() if s.by]
        return max(ends, default=timedelta(0))

    def default_speed(self) -> float:
        return self.speed or DEFAULT_SPEED


@dataclass
class Loaded:
    """A scenario with where it came from: positions for errors, bytes for the log."""

    scenario: Scenario
    located: Located
    path: Path
    origin: str  # "workspace", "shipped" or "file"
    source: bytes
    warnings: list[Problem] = field(default_factory=list)  # usable, but worth fixing

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source).hexdigest()


def load_scenario(path: Path, origin: str = "file", display: str | None = None) -> Loaded:
    """Read and check a scenario file on its own; raise PlaybookError with every problem."""
    from crisisplay.playbook.validate import validate
    from crisisplay.yamlfile import decode, load, read_bytes

    name = display or str(path)
    raw = read_bytes(path, name, what="a scenario")
    located = load(decode(raw, name), name)
    if not isinstance(located.data, dict):
        what = "empty" if located.data is None else "not a mapping of keys"
        raise PlaybookError(
            [
                Problem(
                    name,
                    1,
                    1,
                    f"this file is {what}: a scenario starts with 'schema: {SCHEMA}', then id, "
                    "title, language, incident and timeline (see docs/drills.md)",
                )
            ]
        )
    try:
        scenario = validate(Scenario, located)
    except PlaybookError as e:
        raise PlaybookError([_reword(p) for p in e.problems]) from None
    problems = _own_problems(scenario, located)
    if problems:
        raise PlaybookError(problems)
    return Loaded(scenario, located, path, origin, raw, _warnings(scenario, located))


def _warnings(sc: Scenario, located: Located) -> list[Problem]:
    """What does not stop the drill but spoils it: labels cut short on a terminal."""
    out = []
    for i, event in enumerate(sc.timeline):
        for k, option in enumerate(event.options or []):
            n = len(option.label)
            if n > LONGEST_LABEL:
                out.append(
                    located.problem(
                        ("timeline", i, "options", k, "label"),
                        f"warning: event '{event.id}': option label of {n} characters is cut "
                        "short in the selection list on an 80-column terminal (over "
                        f"{LONGEST_LABEL}): shorten it and put the rest in its 'why' or 'mistake'",
                    )
                )
    return out


def _reword(p: Problem) -> Problem:
    """The shared error mapping speaks of playbooks and items; say scenario and event."""
    message = p.message
    if message.startswith("playbook:"):
        message = "scenario:" + message[len("playbook:") :]
    message = re.sub(r"^timeline, item '", "event '", message)
    message = re.sub(r"^item '([^']*)'", r"event '\1'", message)
    if "'crisisplay/v1'" in message or "crisisplay/scenario/v1" in message:
        message = message.split(" (a file written")[0]
    return Problem(p.file, p.line, p.col, message)


_NEEDS = {
    "post": ("text",),
    "comment": ("text",),
    "reply": ("text",),
    "message": ("text",),
    "email": ("text",),
    "call": ("text",),
    "news": ("text",),
    "metric": ("metric", "value"),
    "unreachable": ("role",),
    "note": ("text",),
}


def _own_problems(sc: Scenario, located: Located) -> list[Problem]:
    """What pydantic cannot see: ids unique, each kind's fields, decisions well formed."""
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for i, event in enumerate(sc.timeline):
        where = ("timeline", i)
        if event.id in seen:
            out.append(
                located.problem(
                    (*where, "id"),
                    f"event '{event.id}': the id is used twice (first by event "
                    f"{seen[event.id] + 1}): give each event its own id",
                )
            )
        seen.setdefault(event.id, i)
        for fld in _NEEDS[event.kind]:
            value = getattr(event, fld)
            if value is None or (isinstance(value, str) and not value.strip()):
                out.append(
                    located.problem(
                        where, f"event '{event.id}': a {event.kind} event needs '{fld}'", key=True
                    )
                )
        if event.until is not None:
            if event.kind != "unreachable":
                out.append(
                    located.problem(
                        (*where, "until"),
                        f"event '{event.id}': 'until' is for unreachable events",
                        key=True,
                    )
                )
            elif parse_offset(event.until) <= event.offset:
                out.append(
                    located.problem(
                        (*where, "until"),
                        f"event '{event.id}': until {event.until} is not after at {event.at}",
                    )
                )
        if event.role is not None and event.kind != "unreachable":
            out.append(
                located.problem(
                    (*where, "role"),
                    f"event '{event.id}': 'role' is for unreachable events",
                    key=True,
                )
            )
        out.extend(_decision_problems(event, where, located))
    total = sum(getattr(sc.scoring, c) for c in CATEGORIES)
    if total != 100:
        out.append(
            located.problem(
                ("scoring",),
                f"scoring: the category maxima add up to {total}, not 100 "
                f"({', '.join(f'{c} {getattr(sc.scoring, c)}' for c in CATEGORIES)})",
                key=True,
            )
        )
    for step_id, exp in sc.expect.items():
        if isinstance(exp, Expectation) and exp.option in exp.mistakes:
            out.append(
                located.problem(
                    ("expect", step_id, "mistakes", exp.option),
                    f"expect '{step_id}': '{exp.option}' is both the expected option and a mistake",
                    key=True,
                )
            )
    return out


def _decision_problems(event: Event, where: tuple[str | int, ...], located: Any) -> list[Problem]:
    out = []
    if event.decide is None:
        for fld in ("options", "due"):
            if getattr(event, fld) is not None:
                out.append(
                    located.problem(
                        (*where, fld),
                        f"event '{event.id}': '{fld}' needs 'decide' (the question to ask)",
                        key=True,
                    )
                )
        return out
    options = event.options or []
    if len(options) < 2:
        out.append(
            located.problem(
                where,
                f"event '{event.id}': a decision needs 'options', at least two",
                key=True,
            )
        )
    labels: dict[str, int] = {}
    for k, option in enumerate(options):
        key = option.label.strip().casefold()
        if key in labels:
            out.append(
                located.problem(
                    (*where, "options", k, "label"),
                    f"event '{event.id}': option '{option.label}' is listed twice",
                )
            )
        labels.setdefault(key, k)
        if option.expected and option.mistake:
            out.append(
                located.problem(
                    (*where, "options", k),
                    f"event '{event.id}': option '{option.label}' cannot be both expected "
                    "and a mistake",
                )
            )
    return out


# --- against a playbook ------------------------------------------------------------------


def check_against(loaded: Loaded, resolved: Resolved) -> None:
    """Raise PlaybookError if the scenario names anything its playbook does not have."""
    problems = problems_against(loaded, resolved)
    if problems:
        raise PlaybookError(problems)


def problems_against(loaded: Loaded, resolved: Resolved) -> list[Problem]:
    import difflib

    sc, located = loaded.scenario, loaded.located
    pb = resolved.playbook
    out: list[Problem] = []
    steps = {step.id: step for _, step in pb.steps()}
    name = f"playbook '{pb.id}'"

    def unknown_step(path: tuple[str | int, ...], step_id: str, what: str) -> Problem:
        close = difflib.get_close_matches(step_id, list(steps), n=1)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        return located.problem(path, f"{what}: {name} has no step '{step_id}'{hint}", key=True)

    levels = [s.level for s in pb.severity_levels()]
    if sc.incident.severity not in levels:
        out.append(
            located.problem(
                ("incident", "severity"),
                f"incident.severity {sc.incident.severity} is not one of the levels of {name} "
                f"({', '.join(map(str, levels))})",
            )
        )
    stage_ids = [s.id for s in pb.stages or []]
    if sc.ends_after and sc.ends_after not in stage_ids:
        out.append(
            located.problem(
                ("ends_after",),
                f"ends_after: {name} has no stage '{sc.ends_after}' ({', '.join(stage_ids)})",
            )
        )
    known_vars = {v.name for v in pb.variables}
    for var in sc.variables:
        if var not in known_vars:
            out.append(
                located.problem(
                    ("variables", var),
                    f"variables: {name} has no variable '{var}'"
                    + (f" (it has {', '.join(sorted(known_vars))})" if known_vars else ""),
                    key=True,
                )
            )
    for step_id, exp in sc.expectations().items():
        path: tuple[str | int, ...] = ("expect", step_id)
        step = steps.get(step_id)
        if step is None:
            out.append(unknown_step(path, step_id, "expect"))
            continue
        answers = answer_labels(step)
        if answers is None:
            out.append(
                located.problem(
                    path,
                    f"expect '{step_id}': it is a {step.kind} step; expectations are for "
                    "decisions and choice or yes/no questions",
                    key=True,
                )
            )
            continue
        wanted = [("option", exp.option)] + [(f"mistakes.{m}", m) for m in exp.mistakes]
        for fld, label in wanted:
            if match_answer(step, label) is None:
                sub = path if isinstance(sc.expect[step_id], str) else (*path, *fld.split(".", 1))
                out.append(
                    located.problem(
                        sub,
                        f"expect '{step_id}': '{label}' is not one of its options: "
                        + "; ".join(answers),
                        key=fld != "option",
                    )
                )
    for step_id in sc.statements:
        step = steps.get(step_id)
        if step is None:
            out.append(unknown_step(("statements", step_id), step_id, "statements"))
        elif step.kind != "draft":
            out.append(
                located.problem(
                    ("statements", step_id),
                    f"statements '{step_id}': it is a {step.kind} step, not a draft",
                    key=True,
                )
            )
    holding = holding_steps(resolved)
    if holding and holding_statement(sc, resolved) is None:
        where: tuple[str | int, ...] = ("statements",) if sc.statements else ("id",)
        example = holding[0]
        out.append(
            located.problem(
                where,
                f"statements: no deadline for the holding statement — add '{example}: "
                "{by: 45m, why: …}' under statements (how fast this crisis needs its first "
                f"word; {name} drafts it in {', '.join(holding)})",
                key=True,
            )
        )
    roles = resolved.client.role_names()
    for i, event in enumerate(sc.timeline):
        if event.id in steps:
            out.append(
                located.problem(
                    ("timeline", i, "id"),
                    f"event '{event.id}': {name} has a step with this id; event ids and step "
                    "ids share the answers file, so give the event another id",
                )
            )
        if event.kind == "unreachable" and event.role and event.role not in roles:
            out.append(
                located.problem(
                    ("timeline", i, "role"),
                    f"event '{event.id}': role '{event.role}' is not one of the contacts of "
                    f"{name} ({', '.join(roles) or 'none'})",
                )
            )
    return out


def holding_steps(resolved: Resolved) -> list[str]:
    """The playbook's draft steps that write a holding statement."""
    return [
        step.id
        for _, step in resolved.playbook.steps()
        if step.kind == "draft" and step.template == HOLDING_TEMPLATE
    ]


def holding_statement(sc: Scenario, resolved: Resolved) -> str | None:
    """The draft step whose `by` is the scenario's holding-statement deadline."""
    holding = holding_steps(resolved)
    return next(
        (step_id for step_id, spec in sc.statements.items() if step_id in holding and spec.by),
        None,
    )


def answer_labels(step: Any) -> list[str] | None:
    """What a step can be answered with, for expectations: options, choices, yes/no."""
    if step.kind == "decide":
        return [o.label for o in step.options or []]
    if step.kind == "ask" and step.input == "choice":
        return list(step.choices or [])
    if step.kind == "ask" and step.input == "confirm":
        return ["yes", "no"]
    return None


def match_answer(step: Any, given: str) -> str | None:
    """The label of the option (or choice) `given` names, like an answers file would."""
    from crisisplay.incident.walk import match_option

    if step.kind == "decide":
        option = match_option(step.options or [], str(given))
        return None if option is None else str(option.label)

    class _Label:
        def __init__(self, label: str) -> None:
            self.label = label

    labels = answer_labels(step) or []
    found = match_option([_Label(x) for x in labels], str(given))
    return None if found is None else str(found.label)


# --- finding scenarios -------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: str
    language: str
    title: str
    length: timedelta
    decisions: int
    path: Path
    origin: str
    problem: str | None = None  # set when the file cannot be used
    events: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "language": self.language,
            "title": self.title,
            "length": format_duration(self.length) if self.length else "0s",
            "length_s": int(self.length.total_seconds()),
            "events": self.events,
            "decisions": self.decisions,
            "origin": self.origin,
            "path": str(self.path),
            "problem": self.problem,
        }


def search_path(home: Home) -> list[tuple[Path, str]]:
    from crisisplay.home import shipped_root

    return [(home.root / "scenarios", "workspace"), (shipped_root() / "scenarios", "shipped")]


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def catalogue(home: Home) -> list[Entry]:
    """Every scenario visible from here, workspace ones shadowing shipped ones."""
    found: list[Entry] = []
    taken: set[str] = set()
    for folder, origin in search_path(home):
        mine: set[str] = set()
        for path in _files(folder):
            try:
                sc = load_scenario(path, origin).scenario
            except PlaybookError as e:
                first = e.problems[0] if e.problems else None
                found.append(
                    Entry(
                        path.stem,
                        "?",
                        "(cannot be read)",
                        timedelta(0),
                        0,
                        path,
                        origin,
                        str(first) if first else "cannot be read",
                    )
                )
                continue
            if sc.id in taken:
                continue
            mine.add(sc.id)
            found.append(
                Entry(
                    sc.id,
                    sc.language,
                    sc.title,
                    sc.length(),
                    sc.decision_points(),
                    path,
                    origin,
                    events=len(sc.timeline),
                )
            )
        taken |= mine
    return sorted(found, key=lambda e: (e.language, e.id))


def find_scenario(home: Home, ref: str) -> Loaded:
    """A scenario by id (workspace first, then shipped) or by path."""
    path = Path(ref).expanduser()
    if path.suffix in YAML_SUFFIXES or "/" in ref or path.is_file():
        if not path.is_file():
            raise CrisisplayError(
                f"No scenario file at {ref}.", "Check the path, or give a scenario id instead."
            )
        return load_scenario(path, "file", ref)
    for folder, origin in search_path(home):
        for candidate in _files(folder):
            try:
                loaded = load_scenario(candidate, origin)
            except PlaybookError:
                if candidate.stem == ref:
                    raise
                continue
            if loaded.scenario.id == ref:
                return loaded
    import difflib

    known = sorted({e.id for e in catalogue(home) if e.problem is None})
    close = difflib.get_close_matches(ref, known, n=1)
    raise CrisisplayError(
        f"No scenario '{ref}' was found.",
        (f"Did you mean '{close[0]}'? " if close else "")
        + f"Known scenarios: {', '.join(known) or 'none'}. "
        "See them with `crisisplay drill --list`.",
    )
