"""The scripted front end: an answers file drives the walk with no terminal.

The whole path is planned against the answers before anything is written, so a
missing or wrong answer is an error that names the step, and the log never holds half
of a scripted run because of a typo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplay.errors import CrisisplayError, PlaybookError, Problem
from crisisplay.i18n import _
from crisisplay.incident.walk import AnswerError, Walk, incident_time, now_utc
from crisisplay.times import rfc3339

if TYPE_CHECKING:
    from crisisplay.playbook.model import Step
    from crisisplay.yamlfile import Located

UPDATES = "updates"  # the answers-file key for /update: updates published between steps
INCIDENT_KEYS = (
    "title",
    "severity",
    "client",
    "first_seen",
    "at",
    "variables",
    "on_playbook_change",
    "playbook",
)


@dataclass
class Answers:
    file: str
    incident: dict[str, Any]
    steps: dict[str, Any]
    located: Located | None = None
    #: `updates:` — updates published between steps (the terminal's /update), each
    #: `{after: STEP, text: …}` plus what a draft step takes (accept, approved_by, …)
    updates: list[Any] = field(default_factory=list)

    def problem(self, path: tuple[str | int, ...], message: str) -> PlaybookError:
        if self.located is None:
            return PlaybookError([Problem(self.file, 1, 1, message)])
        return PlaybookError([self.located.problem(path, message, key=True)])


@dataclass
class Planned:
    step: Step
    data: dict[str, Any]
    at: datetime | None
    planned_at: datetime = field(default_factory=now_utc)


def load_answers(path: Path) -> Answers:
    from crisisplay.yamlfile import decode, load, read_bytes

    # Read with the size limit enforced while reading: `--answers /dev/zero` or an endless
    # pipe on '-' is refused at 1 MiB, never read into memory whole.
    name = "<stdin>" if str(path) == "-" else str(path)
    located = load(decode(read_bytes(path, name, what="an answers file"), name), name)
    data = located.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PlaybookError(
            [
                Problem(
                    located.file,
                    1,
                    1,
                    "an answers file is a mapping: 'incident:' then one key per step id",
                )
            ]
        )
    incident = data.get("incident") or {}
    if not isinstance(incident, dict):
        raise PlaybookError(
            [
                located.problem(
                    ("incident",),
                    "'incident' must be a mapping (title, severity, client, first_seen, at)",
                )
            ]
        )
    for key in incident:
        if key not in INCIDENT_KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), INCIDENT_KEYS, n=1)
            raise PlaybookError(
                [
                    located.problem(
                        ("incident", key),
                        f"incident: unknown key '{key}'"
                        + (
                            f" — did you mean '{close[0]}'?"
                            if close
                            else f"; allowed: {', '.join(INCIDENT_KEYS)}"
                        ),
                        key=True,
                    )
                ]
            )
    steps = {str(k): v for k, v in data.items() if k not in ("incident", UPDATES)}
    updates = data.get(UPDATES) or []
    if not isinstance(updates, list) or not all(
        isinstance(u, dict) and isinstance(u.get("after"), str) for u in updates
    ):
        raise PlaybookError(
            [
                located.problem(
                    (UPDATES,),
                    "'updates' is a list of updates published between steps, each a mapping "
                    "such as {after: hold-draft, text: WHAT IS NEW, accept: true, "
                    "approved_by: NAME, published_url: URL}",
                )
            ]
        )
    return Answers(located.file, incident, steps, located, updates)


def _split_at(value: Any) -> tuple[Any, datetime | None]:
    """`{value: X, at: T}` -> (X, T); a draft's own mapping keeps its keys."""
    if isinstance(value, dict) and "at" in value:
        rest = {k: v for k, v in value.items() if k != "at"}
        at = incident_time(value["at"], "at")
        if set(rest) == {"value"}:
            return rest["value"], at
        return rest, at
    if isinstance(value, dict) and set(value) == {"value"}:
        return value["value"], None
    return value, None


def to_raw(walk: Walk, step: Step, value: Any, when: datetime) -> dict[str, Any]:
    """An answers-file value -> the raw answer the walk checks."""
    if isinstance(value, dict) and "skip" in value and len(value) == 1:
        return {"skip": value["skip"]}
    kind = step.kind
    if kind in ("check", "note"):
        if value in ("done", True, "ok", "acknowledged"):
            return {}
        if isinstance(value, dict) and set(value) == {"moderated"}:
            return {"moderated": value["moderated"]}  # hides at a moderation step
        raise AnswerError(
            _("Step '{step}' ({kind}): answer 'done' or {{skip: REASON}}, not {value}.").format(
                step=step.id, kind=kind, value=json.dumps(value, ensure_ascii=False, default=str)
            )
        )
    if kind == "notify":
        if value in ("done", True):
            contacts = [
                {"role": c.role, "name": c.name, "via": c.reach or "unspecified"}
                for c in walk.resolved.client.contacts
                if c.role in (step.roles or [])
            ]
            return {"contacted": contacts, "acknowledged": True}
        if isinstance(value, dict) and "contacted" in value:
            return value
        raise AnswerError(
            _("Step '{step}' (notify): answer 'done' or {{skip: REASON}}.").format(step=step.id)
        )
    if kind == "ask":
        return {"value": value}
    if kind == "decide":
        if isinstance(value, dict):  # {option: LABEL, network: x}: the proportion decision
            return {"option": value.get("option"), "network": value.get("network")}
        return {"option": value}
    if kind == "draft":
        if not isinstance(value, dict) or not value.get("accept"):
            raise AnswerError(
                _(
                    "Step '{step}' (draft): answer with a mapping such as "
                    "{{accept: true, approved_by: NAME, published_url: URL}}, or {{skip: REASON}}."
                ).format(step=step.id)
            )
        widen = value.get("widen")  # on the thread path: more networks than the post's
        widened = [widen] if isinstance(widen, str) else widen or ()
        if value.get("preapproved"):
            agreed = walk.holding_texts(step, widened)
            if agreed is None:
                raise AnswerError(
                    _(
                        "Step '{step}': preapproved needs the client's pre-approved holding "
                        "text (client.holding_text) for every network of this draft."
                    ).format(step=step.id)
                )
            texts = agreed
        else:
            texts = walk.render(step, when, widened)
        edited = {}
        given = value.get("text")
        if isinstance(given, str):
            edited = {p: given.strip() != t for p, t in texts.items()}
            texts = {p: given.strip() for p in texts}
        elif isinstance(given, dict):
            for p, t in given.items():
                if p not in texts:
                    raise AnswerError(
                        _(
                            "Step '{step}': '{platform}' is not one of this draft's "
                            "platforms ({platforms})."
                        ).format(step=step.id, platform=p, platforms=", ".join(texts))
                    )
                edited[p] = str(t).strip() != texts[p]
                texts[p] = str(t).strip()
        published = None
        url = value.get("published_url")
        if url:
            try:
                when_pub = (
                    rfc3339(incident_time(value["published_at"], "published_at"))
                    if value.get("published_at")
                    else rfc3339(when)
                )
            except ValueError as e:
                raise AnswerError(f"Step '{step.id}': {e}") from None
            urls = url if isinstance(url, dict) else {p: url for p in texts}
            published = {p: {"url": str(u), "at": when_pub} for p, u in urls.items()}
        raw = {
            "texts": texts,
            "edited": edited,
            "approved_by": value.get("approved_by"),
            "approved_at": rfc3339(when) if value.get("approved_by") else None,
            "published": published,
            "unpublished": _unpublished(step.id, value.get("unpublished"), texts, published),
        }
        if value.get("unreachable"):
            raw["unreachable"] = value["unreachable"]
        if value.get("override"):
            raw["overrides"] = [{"reason": str(value["override"])}]
        if widen:
            raw["widen"] = widen
        return raw
    raise AnswerError(f"Step '{step.id}': unknown kind {kind}")


def _unpublished(
    step_id: str, given: Any, texts: dict[str, str], published: dict[str, Any] | None
) -> dict[str, str] | None:
    """A draft's `unpublished:` — why a network will not carry the statement: one reason for
    every network without a link, or a mapping of network to reason. A network with neither
    a link nor a reason stays "not yet published", as at the terminal."""
    if given is None:
        return None
    out_now = set(published or {})
    if isinstance(given, dict):
        reasons = {str(p): str(r or "").strip() for p, r in given.items()}
    else:
        reasons = {p: str(given).strip() for p in texts if p not in out_now}
    for p, reason in reasons.items():
        if p not in texts:
            raise AnswerError(
                f"Step '{step_id}': unpublished names '{p}', which is not one of this draft's "
                f"platforms ({', '.join(texts)})."
            )
        if p in out_now:
            raise AnswerError(
                f"Step '{step_id}': {p} has a published_url and a reason it was not published; "
                "give one or the other."
            )
        if not reason:
            raise AnswerError(
                f"Step '{step_id}': say why it was not published on {p} (unpublished: REASON)."
            )
    return reasons


def plan(walk: Walk, answers: Answers) -> list[Planned]:
    """Walk a copy of the state through the answers; raise on the first step that fails."""
    shadow = walk.shadow()
    out: list[Planned] = []
    seq = 10**9
    while True:
        cur = shadow.current()
        if cur is None:
            walked = set(shadow.path())
            for n, given in enumerate(answers.updates):
                if given["after"] not in walked:
                    raise answers.problem(
                        (UPDATES, n, "after"),
                        _(
                            "update {n}: step '{step}' is not on the path these answers walk; "
                            "an update is published after a step that is"
                        ).format(n=n + 1, step=given["after"]),
                    )
            return out
        stage, step = cur
        if step.id not in answers.steps:
            raise answers.problem(
                (),
                _(
                    "no answer for step '{step}' (stage {stage}, {kind}): {text} — add "
                    "'{step}: {example}' to {file}"
                ).format(
                    step=step.id,
                    stage=stage.id,
                    kind=step.kind,
                    text=step.text.strip(),
                    example=example(step),
                    file=answers.file,
                ),
            )
        try:
            value, at = _split_at(answers.steps[step.id])
        except ValueError as e:
            raise answers.problem((step.id, "at"), f"step '{step.id}': {e}") from None
        when = at or now_utc()
        try:
            data = shadow.answer(step, to_raw(shadow, step, value, when))
        except CrisisplayError as e:
            raise answers.problem((step.id,), e.message) from None
        out.append(Planned(step, data, at))
        seq += 1
        shadow.apply({"type": "step", "data": data, "ts": rfc3339(when), "seq": seq})
        for n, given in enumerate(answers.updates):
            if given["after"] == step.id:
                update = _plan_update(shadow, answers, n, given)
                out.append(update)
                seq += 1
                when = update.at or now_utc()
                shadow.apply({"type": "step", "data": update.data, "ts": rfc3339(when), "seq": seq})


def _plan_update(shadow: Walk, answers: Answers, n: int, given: dict[str, Any]) -> Planned:
    """One of `updates:`, checked like a draft step's answer on the walk as it stands."""
    step = shadow.update_step()
    value = {k: v for k, v in given.items() if k not in ("after", "text")}
    text = str(given.get("text") or "").strip()
    try:
        value, at = _split_at(value)
        when = at or now_utc()
        saved = dict(shadow.variables)
        shadow.variables["update_text"] = text
        try:
            raw = to_raw(shadow, step, value, when)
        finally:
            shadow.variables.clear()
            shadow.variables.update(saved)
        raw["update_text"] = text
        data = shadow.answer_update(step, raw)
    except (CrisisplayError, ValueError) as e:
        why = e.message if isinstance(e, CrisisplayError) else str(e)
        raise answers.problem(
            (UPDATES, n), _("update {n}: {why}").format(n=n + 1, why=why)
        ) from None
    return Planned(step, data, at)


def example(step: Step) -> str:
    return {
        "check": "done",
        "note": "done",
        "notify": "done",
        "ask": "<your answer>" if not step.choices else repr(step.choices[0]),
        "decide": repr(step.options[0].label) if step.options else "<option>",
        "draft": "{accept: true, approved_by: NAME, published_url: URL}",
    }.get(step.kind, "done")


def start_variables(walk: Walk, answers: Answers) -> dict[str, Any]:
    """Playbook variables from `incident.variables` or a top-level key of the same name."""
    given = dict(answers.incident.get("variables") or {})
    out = {}
    for var in walk.resolved.playbook.variables:
        value = given.get(var.name, answers.steps.get(var.name, var.default))
        if value is None and var.required:
            raise answers.problem(
                ("incident",),
                _("variable '{name}' is needed: {prompt} — add it under incident.variables").format(
                    name=var.name, prompt=var.prompt
                ),
            )
        out[var.name] = value
    return out
