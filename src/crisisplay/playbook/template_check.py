"""Statement templates checked the way a draft will be, before any crisis.

`playbook validate` renders every template a draft step uses, for every platform the
step posts to, with sample answers, and runs the statement checker on the result
(kind = the template id when it is a statement kind, the playbook's language, the
client's checker profile).

What fails validation, and why. Sample answers are not real answers, so a finding is
only an error when it would block *every* real draft made from the template — the
walk refuses a draft with an error-level finding unless someone overrides it with a
reason, at 2 a.m., in the middle of a crisis:

* an error-level finding wholly inside the template's own text (a conditional
  apology, a confidential term, blame shifting written into the template): whatever
  the manager answers, it will be there;
* a required element that is missing (no next-update time in a holding statement)
  when no free-text answer reaches the rendered text: nothing typed could supply it;
* a post over the platform's limit on the template's own text alone.

Everything else is a warning: warning-level findings, and any finding that touches a
sample answer — the length with sample answers (real answers change it). A required
element missing while a free-text answer is in the statement is not reported at all:
the manager's answer may well supply it (an apology's repair is usually the answer to
"what are we doing to put it right?"), and the draft step checks the real text.
Info-level advice (TikTok needs a video, the "See more" fold…) is for the moment of
posting and is left out.

Checking needs the compiled rules (tens of milliseconds), so results are cached in
the user cache directory, keyed by everything they depend on: the template texts,
the sample answers, the platform, the profile, the rule files, the checker's code.
An unreadable or unwritable cache only costs the time.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplay.errors import Problem
from crisisplay.files import HAND_WRITTEN, read_limited

if TYPE_CHECKING:
    from crisisplay.playbook.resolved import Resolved
    from crisisplay.playbook.templates import Source

CACHE_FORMAT = 1
MAX_VARIANTS = 16  # renders per template and platform (one per branch-deciding value)
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around what an expression printed

#: Times as a statement says them (times.clock): local, with the zone's abbreviation. The
#: next update is tomorrow's, the longest form a statement commonly says ("mañana a las
#: 15:00 CEST"), so a template that fits here fits in a real incident.
SAMPLE_TIMES = {
    "first_seen": "13:40 CEST",
    "opened_at": "13:45 CEST",
    "now": "14:00 CEST",
    "next_update": "tomorrow 15:00 CEST",  # in the playbook's language: _builtins
}
SAMPLE_DATETIME = "2026-03-14T14:30:00.000000Z"  # what an `input: datetime` answer holds
SAMPLE_URL = "https://example.com/status"
SAMPLE_NUMBER = 3


def check_templates(
    resolved: Resolved, *, use_cache: bool = True
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for the templates of a playbook that loaded without problems."""
    from crisisplay.playbook.clients import (
        primary_language,
        profile_settings,
        workspace_rules_dirs,
    )

    lang = primary_language(resolved.playbook.language or "en")
    profile = profile_settings(resolved.client)
    extra = workspace_rules_dirs(resolved.library.home)
    units = _units(resolved, lang)
    if not units:
        return [], []
    key = _cache_key(units, lang, profile, extra) if use_cache else None
    results = _cache_read(key) if key else None
    if results is None or len(results) != len(units):
        try:
            results = [_check_unit(u, lang, profile, extra) for u in units]
        except ValueError as e:  # a workspace rule file the checker cannot use
            return [Problem(str(resolved.path), 1, 1, f"the statement checker: {e}")], []
        if key:
            _cache_write(key, results)
    return _problems(resolved, units, results)


# --- what gets rendered ------------------------------------------------------------------


def _units(resolved: Resolved, lang: str) -> list[dict[str, Any]]:
    """One unit per (template text, platform): its sample contexts and the steps using it.

    A context holds only the names the template reads, so that the cache key says
    exactly what the result depends on.
    """
    from crisisplay.playbook.templates import TemplateError, parse

    store = resolved.template_store()
    candidates = _candidates(resolved, lang)
    builtins = _builtins(resolved, lang)
    free_text = samples(lang)["text"]
    units: dict[tuple[str, ...], dict[str, Any]] = {}
    for _, step in resolved.playbook.steps():
        # `template` and `save_as` belong to draft and ask steps only (the loader checked),
        # and are cheaper to read than the step's kind
        if not step.template:
            continue
        for platform in resolved.draft_platforms(step):
            src = store.find(step.template, platform)
            if src is None:
                continue
            ident = (src.origin, src.template_id, src.platform, platform)
            if ident in units:
                units[ident]["steps"].append(step.id)
                continue
            try:
                parsed = parse(src)
            except TemplateError:
                continue  # the loader already reported it
            base: dict[str, Any] = {}
            for name in sorted(parsed.variables):
                if name == "platform":
                    base[name] = platform
                elif name in builtins:
                    base[name] = builtins[name]
                else:
                    base[name] = candidates.get(name, [free_text])[0]
            variants: list[tuple[str, dict[str, Any]]] = [("", base)]
            for name in sorted(parsed.variables & set(candidates)):
                for value in candidates[name][1:]:
                    if len(variants) < MAX_VARIANTS:
                        variants.append((f"{name} is {_said(value)}", {**base, name: value}))
            # an optional slot (`{% if what_to_do is defined %}`) left unanswered: the
            # statement must stand without it too
            for name in sorted(parsed.optional):
                if len(variants) < MAX_VARIANTS:
                    without = {k: v for k, v in base.items() if k != name}
                    variants.append((f"{name} is not answered", without))
            if len(parsed.optional) > 1 and len(variants) < MAX_VARIANTS:
                none = {k: v for k, v in base.items() if k not in parsed.optional}
                variants.append((f"{', '.join(sorted(parsed.optional))} are not answered", none))
            units[ident] = {
                "src": src,
                "template": step.template,
                "platform": platform,
                "variants": variants,
                "steps": [step.id],
            }
    return list(units.values())


def samples(lang: str) -> dict[str, str]:
    """Neutral sample answers in the playbook's language (from the interface's catalogue,
    English where it has none): plausible, and silent for every rule (tested)."""
    from crisisplay.i18n import _, speaking

    with speaking(lang):
        return {
            "text": _(
                "the card machines in three of our stores stopped working on Tuesday evening"
            ),
            "title": _("Card machines down in three stores"),
        }


def _input_samples(kind: str | None, choices: list[str] | None, lang: str) -> list[Any]:
    """The values an answer of this input kind can take, as the walk records them."""
    kind = kind or "text"
    if kind == "choice":
        return list(choices or []) or [samples(lang)["text"]]
    if kind == "number":
        return [SAMPLE_NUMBER]
    if kind == "confirm":
        return [True, False]
    if kind == "url":
        return [SAMPLE_URL]
    if kind == "datetime":
        return [SAMPLE_DATETIME]
    return [samples(lang)["text"]]


def _candidates(resolved: Resolved, lang: str) -> dict[str, list[Any]]:
    """Each variable a step or declaration provides, with every value it can take."""
    values: dict[str, list[Any]] = {}

    def add(name: str, new: list[Any]) -> None:
        have = values.setdefault(name, [])
        for v in new:
            if v not in have:
                have.append(v)

    pb = resolved.playbook
    for var in pb.variables:
        add(var.name, _input_samples(var.input, var.choices, lang))
    for _, step in pb.steps():
        if step.save_as:
            add(step.save_as, _input_samples(step.input, step.choices, lang))
        for option in step.options or []:
            for name, value in (option.set or {}).items():
                add(name, [value])
    return values


def _tomorrow(lang: str) -> str:
    """'tomorrow {time}' in `lang` (the words `times.clock` uses)."""
    from crisisplay.i18n import translator

    return translator(lang).ngettext("tomorrow {time}", "tomorrow {time}", 15)


def _builtins(resolved: Resolved, lang: str) -> dict[str, Any]:
    """The incident's own fields, as `Walk.context` gives them (`platform` aside)."""
    from crisisplay.text import slugify

    pb = resolved.playbook
    levels = pb.severity_levels()
    severity = levels[1] if len(levels) > 1 else levels[0]
    client = resolved.client.model_dump()
    client["slug"] = resolved.client_slug
    title = samples(lang)["title"]
    return {
        "title": title,
        "incident_id": f"20260314-1345-{resolved.client_slug}-{slugify(title, 32)}",
        "severity": severity.level,
        "severity_name": severity.name,
        **SAMPLE_TIMES,
        "next_update": _tomorrow(lang).format(time="15:00 CEST"),
        "client": client,
        "language": pb.language or "en",
    }


# --- rendering and checking --------------------------------------------------------------


def render_marked(src: Source, context: dict[str, Any]) -> tuple[str, list[tuple[int, int]]]:
    """The text `templates.render` gives, and the spans that expressions printed.

    Jinja's `finalize` sees every value an expression prints and never the template's
    own text, so marking its output tells the template's words from the answers.
    """
    from crisisplay.playbook.templates import MAX_OUTPUT, TemplateError, fresh_budget, render

    pieces: list[str] = []
    size = 0
    fresh_budget()
    try:
        for piece in _marking_template(src).generate(context):
            size += len(piece)
            if size > 2 * MAX_OUTPUT:
                break  # render() below says it in its own words
            pieces.append(piece)
    except Exception as exc:  # every failure is re-raised by render() in the walk's words
        line = _template_line(exc)
        try:
            render(src, context)
        except TemplateError as e:
            raise TemplateError(e.message, e.line or line) from None
        raise TemplateError(f"template failed: {exc}", line) from None
    marked = "".join(pieces)
    if size > 2 * MAX_OUTPUT or len(marked.replace(_OPEN, "").replace(_CLOSE, "")) > MAX_OUTPUT:
        render(src, context)  # raises the walk's "would be over … characters"
    text_parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    depth = 0
    for part in re.split(f"([{_OPEN}{_CLOSE}])", marked):
        if part == _OPEN:
            if depth == 0:
                start = pos
            depth += 1
        elif part == _CLOSE:
            depth -= 1
            if depth == 0 and pos > start:
                spans.append((start, pos))
        else:
            text_parts.append(part)
            pos += len(part)
    full = "".join(text_parts)
    lead = len(full) - len(full.lstrip())
    text = full.strip()
    shifted = [(max(0, s - lead), min(len(text), e - lead)) for s, e in spans]
    return text, [(s, e) for s, e in shifted if e > s]


def _mark(value: Any) -> str:
    from crisisplay.playbook.templates import bounded_output

    return f"{_OPEN}{bounded_output(value)}{_CLOSE}"


_MARKING: dict[str, Any] = {}


def _marking_template(src: Source) -> Any:
    """The template compiled in the walk's sandbox, with expression output marked."""
    if src.sha256 not in _MARKING:
        from crisisplay.playbook.templates import environment

        if "env" not in _MARKING:
            _MARKING["env"] = environment().overlay(finalize=_mark)
        _MARKING[src.sha256] = _MARKING["env"].from_string(src.text)
    return _MARKING[src.sha256]


def _template_line(exc: BaseException) -> int | None:
    from crisisplay.playbook.templates import template_line

    return template_line(exc)


def _said(value: Any) -> str:
    """A sample answer as a person says it: yes/no, “text”, a number."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "empty"
    if isinstance(value, str):
        return f"“{value}”"
    return str(value)


def _check_unit(
    unit: dict[str, Any], lang: str, profile: dict[str, list[str]], extra: list[Path]
) -> list[dict[str, Any]]:
    """What the checker says about one template on one platform, across its variants."""
    from crisisplay.check import KINDS, CheckProfile, check_statement, platform_length
    from crisisplay.playbook.templates import TemplateError

    kind = unit["template"] if unit["template"] in KINDS else None
    out: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    # a filter may cut or change case of an answer: look for its first words only
    free_text = samples(lang)["text"].casefold()[:16]
    for variant, context in unit["variants"]:
        try:
            text, spans = render_marked(unit["src"], context)
        except TemplateError as e:
            out.append({"what": "render", "message": e.message, "line": e.line, "when": variant})
            break  # the other variants would fail the same way, or say nothing new
        answered = free_text in text.casefold()
        for f in check_statement(
            text,
            lang=lang,
            kind=kind,
            platform=unit["platform"],
            profile=CheckProfile(
                confidential_terms=profile["confidential_terms"],
                disable=profile["disable"],
                banned=profile["banned"],
            ),
            extra_rules_dirs=extra,
            whole=False,  # sample answers make no statement a crisis lead would judge
        ):
            if f.severity == "info":
                continue
            excerpt = text[f.start : f.end]
            severity = f.severity
            note = ""
            if f.family == "platform-length":
                own = _without(text, spans)
                count, limit = platform_length(own, unit["platform"])
                if count <= limit:
                    severity = "warning"
                    note = "sample"
                excerpt = ""
            elif f.start == f.end:
                if answered:
                    continue
                # a draft only probably lacks it (a warning); this template always will,
                # whatever is typed: the playbook is wrong
                severity = "error"
            elif any(s < f.end and e > f.start for s, e in spans):
                severity = "warning"
                note = "sample"
            ident = (f.rule, excerpt, severity, note, f.message)
            if ident in seen:
                continue
            seen.add(ident)
            out.append(
                {
                    "what": "finding",
                    "rule": f.rule,
                    "severity": severity,
                    "message": f.message,
                    "hint": f.hint,
                    "excerpt": excerpt,
                    "note": note,
                    "when": variant,
                }
            )
    return out


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    parts, pos = [], 0
    for s, e in spans:
        parts.append(text[pos:s])
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


# --- reporting ---------------------------------------------------------------------------


def _problems(
    resolved: Resolved, units: list[dict[str, Any]], results: list[list[dict[str, Any]]]
) -> tuple[list[Problem], list[Problem]]:
    """Findings as `file:line:col` problems, one per finding and template, platforms merged."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for unit, found in zip(units, results, strict=True):
        src = unit["src"]
        for r in found:
            ident = (src.origin, src.template_id, src.platform, *sorted(r.items()))
            if r["what"] == "finding" and r["rule"] in ("too-long", "too-many-bytes"):
                ident = (*ident, unit["platform"])
            entry = merged.setdefault(ident, {"unit": unit, "r": r, "platforms": [], "steps": []})
            if unit["platform"] not in entry["platforms"]:
                entry["platforms"].append(unit["platform"])
            for sid in unit["steps"]:
                if sid not in entry["steps"]:
                    entry["steps"].append(sid)
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for entry in merged.values():
        unit, r = entry["unit"], entry["r"]
        src = unit["src"]
        steps = entry["steps"]
        used = f"step '{steps[0]}'" + (f" and {len(steps) - 1} more" if len(steps) > 1 else "")
        platforms = ", ".join(entry["platforms"])
        when = f", when {r['when']}" if r["when"] else ""
        head = f"template '{src.template_id}' for {platforms} ({used}{when})"
        if r["what"] == "render":
            file, line, col = _locate(resolved, src, None, r["line"])
            errors.append(
                Problem(
                    file,
                    line,
                    col,
                    f"{head} cannot be written with sample answers: {r['message']}",
                )
            )
            continue
        quote = f" “{_clip(r['excerpt'])}”" if r["excerpt"] else ""
        message = f"{head}: {r['rule']}{quote}: {r['message']} → {r['hint']}"
        if r["note"] == "sample":
            message += (
                " (with sample answers: real answers change the length)"
                if not r["excerpt"]
                else " (with sample answers: check the real text at the draft step)"
            )
        elif r["severity"] == "error":
            message += " (every draft from this template would be held back by it)"
        file, line, col = _locate(resolved, src, r["excerpt"] or None, None)
        (errors if r["severity"] == "error" else warnings).append(Problem(file, line, col, message))
    errors.sort()
    warnings.sort()
    return errors, warnings


def _clip(text: str, width: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


_TAGS = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)


def _blank_tags(text: str) -> str:
    """Template text with comments, tags and expressions blanked (lines and columns kept)."""
    return _TAGS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _phrase(excerpt: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(w) for w in excerpt.split()))


def _display(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return path


def _locate(
    resolved: Resolved, src: Source, excerpt: str | None, tline: int | None
) -> tuple[str, int, int]:
    """Where to point: the phrase in the template's text, the failing line, or its start."""
    if src.origin != "inline":
        text = _blank_tags(src.text)
        if excerpt:
            m = _phrase(excerpt).search(text)
            if m:
                return (_display(src.origin), *_line_col(text, m.start()))
        if tline:
            lines = src.text.splitlines()
            raw = lines[tline - 1] if 0 < tline <= len(lines) else ""
            col = min((i for i in (raw.find("{{"), raw.find("{%")) if i >= 0), default=0)
            return _display(src.origin), tline, col + 1
        stripped = text.lstrip()
        return (_display(src.origin), *_line_col(text, len(text) - len(stripped)))
    where = resolved.origins.templates.get(src.template_id)
    if where is None:
        return str(resolved.path), 1, 1
    located, path = where
    value = resolved.playbook.templates.get(src.template_id)
    sub = (src.platform,) if isinstance(value, dict) else ()
    base_line, base_col = located.at(path + sub)
    lines = located.source_lines
    head = lines[base_line - 1] if 0 < base_line <= len(lines) else ""
    block = head.rstrip().endswith(("|", "|-", "|+", ">", ">-", ">+"))
    if excerpt:
        whole = "\n".join(lines)
        start = sum(len(x) + 1 for x in lines[: base_line - 1]) + base_col - 1
        m = _phrase(excerpt).search(_blank_tags(whole), start)
        if m:
            return (located.file, *_line_col(whole, m.start()))
    if tline and block:
        target = base_line + tline
        body = lines[target - 1] if 0 < target <= len(lines) else ""
        return located.file, target, len(body) - len(body.lstrip(" ")) + 1
    if block:
        body = lines[base_line] if base_line < len(lines) else ""
        return located.file, base_line + 1, len(body) - len(body.lstrip(" ")) + 1
    return located.file, base_line, base_col


# --- the cache ---------------------------------------------------------------------------


def _cache_key(
    units: list[dict[str, Any]], lang: str, profile: dict[str, list[str]], extra: list[Path]
) -> str | None:
    """A digest of everything a result depends on; None when an input cannot be read."""
    import crisisplay

    inputs = _checker_inputs(tuple(extra))
    if inputs is None:
        return None
    payload = [
        CACHE_FORMAT,
        crisisplay.__version__,
        inputs,
        lang,
        profile,
        [[u["src"].text, u["template"], u["platform"], u["variants"]] for u in units],
    ]
    canon = json.dumps(payload, ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


_RULE_HASHES: dict[tuple[Any, ...], list[str]] = {}


def _checker_inputs(extra: tuple[Path, ...]) -> list[Any] | None:
    """The rule files' contents and the checker's code, as they are now.

    Every rule file of every language is hashed (a superset of what the checker
    loads) and the checker's code is stamped, so a result computed from other rules
    or other code is never reused. Hashes are kept per run while the files' stamps
    stay the same, like the checker's own rule cache.
    """
    from crisisplay.playbook.clients import SHIPPED_RULES

    try:
        rule_paths = [f for d in (SHIPPED_RULES, *extra) for f in sorted(d.glob("*.yaml"))]
        stamps = tuple(_stamp(f) for f in rule_paths)
        code = [_stamp(f) for f in (Path(__file__), *sorted(SHIPPED_RULES.parent.glob("*.py")))]
        if stamps not in _RULE_HASHES:
            _RULE_HASHES[stamps] = [
                hashlib.sha256(read_limited(f, HAND_WRITTEN, what="a rule file")).hexdigest()
                for f in rule_paths
            ]
    except OSError:
        return None
    return [_RULE_HASHES[stamps], code]


def _stamp(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path), st.st_mtime_ns, st.st_size


_RENDER_KEYS = {"what", "message", "line", "when"}
_FINDING_KEYS = {"what", "rule", "severity", "message", "hint", "excerpt", "note", "when"}
#: The modules whose code decides a result: cache.py files results under their stamps.
_CACHE_MODULES = ("crisisplay.playbook.template_check", "crisisplay.playbook.templates")


def _cache_read(key: str) -> list[list[dict[str, Any]]] | None:
    """The results stored for ``key`` in the one disk cache (crisisplay.cache)."""
    from crisisplay import cache

    data = cache.get("template-checks", key, _CACHE_MODULES)
    shapes = {"render": _RENDER_KEYS, "finding": _FINDING_KEYS}
    if isinstance(data, list) and all(
        isinstance(found, list)
        and all(
            isinstance(r, dict) and set(r) == shapes.get(str(r.get("what")), set()) for r in found
        )
        for found in data
    ):
        return data
    return None  # not what this code writes: computed again


def _cache_write(key: str, results: list[list[dict[str, Any]]]) -> None:
    from crisisplay import cache

    cache.put("template-checks", key, results, _CACHE_MODULES)
