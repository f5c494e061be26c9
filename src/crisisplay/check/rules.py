"""Loading and compiling the checker's rule files.

A rule file is YAML (``common.yaml`` for every language, ``<lang>.yaml`` per
language) with these top-level keys, all optional:

``macros``
    name -> regex fragment; ``{name}`` in a pattern (or another macro) is replaced
    by ``(?:fragment)``. Regex quantifiers like ``{2,3}`` are left alone; an unknown
    ``{name}`` is an error, so a typo never silently matches nothing.
``apology_markers``
    patterns that make an unlabelled statement count as an apology (for
    ``severity_by_kind: {apology: …}``).
``lead``
    patterns for what must come first in a post (used for the "See more" fold).
``messages``
    id -> {message, hint} for the findings the code makes (length, repetition,
    confidential terms…). Values may use ``{count}``, ``{limit}``, ``{platform}``…
``rules``
    a list of rules:

    ``id`` (required), ``family`` (default: the id), ``severity`` (error, warning,
    info), ``kinds`` (statement kinds it applies to; default all),
    ``severity_by_kind`` (kind -> severity), ``patterns`` (the phrases to flag) *or*
    ``require`` (phrases one of which must be present, else a finding at 0,0),
    ``unless`` (exceptions: a match is dropped when an ``unless`` match in the same
    sentence overlaps it), ``near`` (companions: a match counts only when a ``near``
    pattern also matches in its sentence or the sentence before or after it, e.g. a
    conditional "if it upset anyone" only next to an apology), ``message`` and
    ``hint`` (a string, or a mapping from language to string), ``enabled: false``
    (drop a rule of the same id loaded earlier).

Patterns are Python regular expressions matched against the folded text (see
``text.py``): lower case, no accents, straight apostrophes. Patterns are folded the
same way, so ``intención`` in a pattern matches ``intencion`` and ``INTENCIÓN``.

Files load in this order, a later rule with the same id replacing an earlier one:
the shipped ``common.yaml`` and ``<lang>.yaml``, then for each extra directory its
``common.yaml`` and ``<lang>.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .text import fold_pattern

RULES_DIR = Path(__file__).with_name("rules")
SEVERITIES = ("error", "warning", "info")
KINDS = ("holding-statement", "apology", "update", "resolution")
_RULE_KEYS = {
    "id",
    "family",
    "severity",
    "kinds",
    "severity_by_kind",
    "patterns",
    "require",
    "unless",
    "near",
    "message",
    "hint",
    "enabled",
    "note",
}
_TOP_KEYS = {"language", "macros", "apology_markers", "lead", "messages", "rules", "note"}
_MACRO_RE = re.compile(r"(?<!\\)\{([A-Za-z_][A-Za-z0-9_]*)\}")


class RulesError(ValueError):
    """A rule file cannot be read or a rule is malformed."""


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    severity: str
    kinds: frozenset[str] | None
    severity_by_kind: Mapping[str, str]
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    require: bool
    message: str
    hint: str
    source: str
    near: re.Pattern[str] | None = None


@dataclass(frozen=True)
class RuleSet:
    lang: str
    rules: tuple[Rule, ...]
    apology_markers: re.Pattern[str] | None
    lead: re.Pattern[str] | None
    messages: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def _localised(value: Any, lang: str, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        chosen = value.get(lang, value.get("en", ""))
        return str(chosen).strip()
    raise RulesError(f"{where}: expected a string or a language mapping, got {value!r}")


def _expand(pattern: str, macros: Mapping[str, str], where: str, depth: int = 0) -> str:
    if depth > 10:
        raise RulesError(f"{where}: macros nest too deeply (a macro that uses itself?)")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            raise RulesError(f"{where}: unknown macro {{{name}}} in pattern {pattern!r}")
        return "(?:" + _expand(macros[name], macros, where, depth + 1) + ")"

    return _MACRO_RE.sub(sub, pattern)


def _compile(patterns: Iterable[Any], macros: Mapping[str, str], where: str) -> re.Pattern[str]:
    parts = []
    for p in patterns:
        if not isinstance(p, str) or not p.strip():
            raise RulesError(f"{where}: a pattern must be a non-empty string, got {p!r}")
        parts.append("(?:" + fold_pattern(_expand(p.strip(), macros, where)) + ")")
    if not parts:
        raise RulesError(f"{where}: no patterns")
    try:
        return re.compile("|".join(parts))
    except re.error as exc:
        raise RulesError(f"{where}: invalid regular expression: {exc}") from exc


def _as_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return value
    raise RulesError(f"{where}: expected a list, got {value!r}")


def _read(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML  # imported here: `import crisisplay.check` stays cheap
    from ruamel.yaml.error import YAMLError

    from crisisplay.files import HAND_WRITTEN, ReadError, read_text_limited

    try:
        # libyaml (ruamel.yaml.clib) reads the rule files ~8x faster than the pure loader,
        # with the same YAML 1.2 values: part of the first check in every process.
        data = YAML(typ="safe").load(
            read_text_limited(path, HAND_WRITTEN, what="a rule file", name=str(path))
        )
    except ReadError as exc:
        raise RulesError(f"{path}: cannot read rules: {exc.reason}") from None
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise RulesError(f"{path}: cannot read rules: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping at the top level")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise RulesError(f"{path}: unknown top-level keys: {', '.join(sorted(unknown))}")
    return data


def rule_files(lang: str, extra_dirs: Sequence[Path]) -> list[Path]:
    files = []
    for directory in (RULES_DIR, *extra_dirs):
        for name in ("common.yaml", f"{lang}.yaml"):
            path = Path(directory) / name
            if path.is_file():
                files.append(path)
    return files


def load_rules(lang: str, extra_dirs: Sequence[Path] = ()) -> RuleSet:
    """The compiled rules for ``lang``, cached until a rule file changes."""
    files = rule_files(lang, extra_dirs)
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    return _load_cached(lang, stamp)


@lru_cache(maxsize=32)
def _load_cached(lang: str, stamp: tuple[tuple[str, int], ...]) -> RuleSet:
    macros: dict[str, str] = {}
    raw_rules: dict[str, tuple[dict[str, Any], str]] = {}
    markers: list[Any] = []
    lead: list[Any] = []
    messages_raw: dict[str, tuple[Any, Any, str]] = {}
    for path_str, _mtime in stamp:
        path = Path(path_str)
        data = _read(path)
        for name, frag in (data.get("macros") or {}).items():
            if not isinstance(frag, str):
                raise RulesError(f"{path}: macro {name!r} must be a string")
            macros[str(name)] = frag
        markers.extend(_as_list(data.get("apology_markers"), str(path)))
        lead.extend(_as_list(data.get("lead"), str(path)))
        for key, msg in (data.get("messages") or {}).items():
            if not isinstance(msg, Mapping):
                raise RulesError(f"{path}: message {key!r} needs `message` and `hint`")
            messages_raw[str(key)] = (msg.get("message"), msg.get("hint"), str(path))
        for entry in _as_list(data.get("rules"), str(path)):
            if not isinstance(entry, dict) or not entry.get("id"):
                raise RulesError(f"{path}: every rule needs an `id`: {entry!r}")
            rid = str(entry["id"])
            unknown = set(entry) - _RULE_KEYS
            if unknown:
                raise RulesError(f"{path}: rule {rid}: unknown keys {', '.join(sorted(unknown))}")
            if entry.get("enabled", True) is False:
                raw_rules.pop(rid, None)
            else:
                raw_rules[rid] = (entry, str(path))
    rules = tuple(_build_rule(entry, src, lang, macros) for entry, src in raw_rules.values())
    messages = {
        key: (_localised(m, lang, f"{src}: {key}"), _localised(h, lang, f"{src}: {key}"))
        for key, (m, h, src) in messages_raw.items()
    }
    where = f"{lang} rules"
    return RuleSet(
        lang=lang,
        rules=rules,
        apology_markers=_compile(markers, macros, f"{where}: apology_markers") if markers else None,
        lead=_compile(lead, macros, f"{where}: lead") if lead else None,
        messages=messages,
    )


def _build_rule(entry: dict[str, Any], src: str, lang: str, macros: Mapping[str, str]) -> Rule:
    rid = str(entry["id"])
    where = f"{src}: rule {rid}"
    severity = str(entry.get("severity", "warning"))
    if severity not in SEVERITIES:
        raise RulesError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    kinds_list = _as_list(entry.get("kinds"), where)
    for k in kinds_list:
        if k not in KINDS:
            raise RulesError(f"{where}: unknown kind {k!r}; kinds: {', '.join(KINDS)}")
    by_kind = entry.get("severity_by_kind") or {}
    if not isinstance(by_kind, Mapping) or any(
        k not in KINDS or v not in SEVERITIES for k, v in by_kind.items()
    ):
        raise RulesError(f"{where}: severity_by_kind maps a kind to a severity")
    patterns = _as_list(entry.get("patterns"), where)
    require = _as_list(entry.get("require"), where)
    if bool(patterns) == bool(require):
        raise RulesError(f"{where}: give either `patterns` (to flag) or `require` (to insist)")
    unless = _as_list(entry.get("unless"), where)
    near = _as_list(entry.get("near"), where)
    return Rule(
        id=rid,
        family=str(entry.get("family") or rid),
        severity=severity,
        kinds=frozenset(kinds_list) if kinds_list else None,
        severity_by_kind=dict(by_kind),
        pattern=_compile(patterns or require, macros, where),
        unless=_compile(unless, macros, f"{where} (unless)") if unless else None,
        require=bool(require),
        message=_localised(entry.get("message"), lang, where),
        hint=_localised(entry.get("hint"), lang, where),
        source=src,
        near=_compile(near, macros, f"{where} (near)") if near else None,
    )
