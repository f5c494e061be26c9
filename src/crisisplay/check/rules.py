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
same way, so ``intención`` in a pattern matches ``intencion`` and ``INTENCIÓN``. A
pattern may mark what its finding points at with a group named ``at…``
(``'call us at (?P<at_number>{phone})'`` points at the number, not at the words
that introduce it); each pattern of a rule names its group differently.

Files load in this order, a later rule with the same id replacing an earlier one:
the shipped ``common.yaml`` and ``<lang>.yaml``, then for each extra directory its
``common.yaml`` and ``<lang>.yaml``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from .text import fold_pattern

RULES_DIR = Path(__file__).with_name("rules")
SEVERITIES = ("error", "warning", "info")
KINDS = ("holding-statement", "apology", "update", "resolution", "reply")
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
    #: strings one of which every match of `pattern` contains (None: no such short list);
    #: a long text that holds none of them cannot match, and is not scanned (see `_needs`)
    needs: tuple[str, ...] | None = None

    @property
    def shipped(self) -> bool:
        """Whether the rule is one of crisisplay's own (not an agency's)."""
        return Path(self.source).parent == RULES_DIR

    def may_match(self, text: str) -> bool:
        """False only when `pattern` cannot match `text`: it holds none of `needs`."""
        return self.needs is None or any(s in text for s in self.needs)


@dataclass(frozen=True)
class RuleSet:
    lang: str
    rules: tuple[Rule, ...]
    apology_markers: re.Pattern[str] | None
    lead: re.Pattern[str] | None
    messages: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @cached_property
    def shipped_ids(self) -> frozenset[str]:
        """The ids of crisisplay's own rules in the set (an agency's replace them)."""
        return frozenset(rule.id for rule in self.rules if rule.shipped)


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
    return _compile_runs(_runs_of(patterns, macros, where), where)


def _runs_of(
    patterns: Iterable[Any], macros: Mapping[str, str], where: str
) -> list[tuple[str, bool]]:
    parts = []
    for p in patterns:
        if not isinstance(p, str) or not p.strip():
            raise RulesError(f"{where}: a pattern must be a non-empty string, got {p!r}")
        parts.append("(?:" + fold_pattern(_expand(p.strip(), macros, where)) + ")")
    if not parts:
        raise RulesError(f"{where}: no patterns")
    try:
        return _runs(parts)
    except re.error as exc:
        raise RulesError(f"{where}: invalid regular expression: {exc}") from exc


def _compile_runs(runs: list[tuple[str, bool]], where: str) -> re.Pattern[str]:
    source = "|".join(_WORD_START + "(?:" + run + ")" if at_word else run for run, at_word in runs)
    try:
        return _regex(source)
    except re.error as exc:
        raise RulesError(f"{where}: invalid regular expression: {exc}") from exc


def _runs(parts: list[str]) -> list[tuple[str, bool]]:
    """The alternatives, each run of them that can only match at the start of a word
    joined (to go behind one look-behind).

    Nearly every phrase of a rule begins with `\\b` and a letter; sre tries a pattern's
    alternatives one by one at every position of the text, inside words too. Behind
    `(?<!\\w)` a run of such alternatives is turned down inside a word with one test, and
    it matches exactly what it matched before: `\\b` before a word character already
    meant "not after a word character". Runs keep the alternatives' order, so the
    alternative that wins at a position is the same (tests/test_check_engine.py keeps the
    spans identical). With `_trie`, the rules cost about a fifth less to run."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        starts = [_starts_words(list(_parser.parse(part, 0).data)) for part in parts]
    except re.error:
        raise
    except Exception:  # not the CPython `re` this was written against: as written
        starts = [False] * len(parts)
    out: list[tuple[str, bool]] = []
    run: list[str] = []
    for part, at_word in zip(parts, starts, strict=True):
        if at_word:
            run.append(part)
            continue
        if run:
            out.append(("|".join(run), True))
            run = []
        out.append((part, False))
    if run:
        out.append(("|".join(run), True))
    return out


# Compiled rules outlive the process. Parsing and compiling the rules' regular expressions
# is pure Python inside `re` and costs ~100 ms: most of a cold `crisisplay check` and a
# fifth of a scripted `start`. What `re` hands to its C engine (`_sre.compile`) is plain
# data, so it is kept in crisisplay's disk cache under the sha256 of the rule files' text
# (and the Python that made it: the cache folder is named after it) and handed straight
# to `_sre.compile` next time. `_sre` is CPython's own module and not a public interface:
# anything unexpected about it (another Python, another signature) means the rules are
# compiled the ordinary way, and the C engine checks every code it is given
# (`_validate`), so a damaged entry raises instead of matching wrongly. Kept by
# tests/test_check_engine.py: a revived rule set finds what a freshly compiled one finds.
_RegexArgs = tuple[str, int, list[int], int, dict[str, int], tuple[str | None, ...]]
_made: dict[str, _RegexArgs] = {}


def _regex(source: str) -> re.Pattern[str]:
    """`re.compile(source)`, keeping what the compiler made for the disk cache."""
    try:
        import _sre
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(source, 0)
        code = _compiler._code(_trie(parsed), 0)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        args: _RegexArgs = (
            source,
            parsed.state.flags,
            [int(op) for op in code],  # _NamedIntConstant is an int marshal cannot write
            parsed.state.groups - 1,
            groupindex,
            tuple(indexgroup),
        )
        compiled: re.Pattern[str] = _sre.compile(*args)
    except re.error:
        raise
    except Exception:  # not the CPython `re` this was written against: the ordinary way
        return re.compile(source)
    _made[source] = args
    return compiled


_WORD_START = r"(?<!\w)"


def _needs_of(source: str) -> tuple[str, ...] | None:
    """Strings one of which every match of `source` contains, read from sre's parse of it;
    None when there is no short list of them (or this is not the `re` it was written for).

    A rule needs, say, one of "due", "because", "caused", … to match at all: a pasted
    document holding none of them is not worth scanning position by position."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        found = _needs(list(_parser.parse(source, 0).data))
    except Exception:
        return None
    return None if found is None or len(found) > _MAX_NEEDS else tuple(sorted(found))


_MAX_NEEDS = 160


def _digits_only(op: Any, av: Any) -> bool:
    """Whether an item of a character class (`[…]`, `\\d`) matches digits and nothing else."""
    from re import _constants as c  # type: ignore[attr-defined]

    if op is c.CATEGORY:
        return av is c.CATEGORY_DIGIT
    if op is c.RANGE:
        return ord("0") <= av[0] <= av[1] <= ord("9")
    return op is c.LITERAL and chr(av).isdigit()


def _needs(items: list[Any]) -> set[str] | None:
    """A set of strings one of which every match of the sequence `items` contains."""
    from re import _constants as c  # type: ignore[attr-defined]

    choices: list[set[str]] = []
    literal = ""
    for op, av in items:
        if op is c.LITERAL:
            literal += chr(av)
            continue
        if literal:
            choices.append({literal})
            literal = ""
        found: set[str] | None = None
        if op is c.SUBPATTERN and not av[1] and not av[2]:
            found = _needs(list(av[3].data))
        elif op is c.BRANCH:
            each = [_needs(list(branch.data)) for branch in av[1]]
            found = None if any(e is None for e in each) else set().union(*each)  # type: ignore[arg-type]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            found = _needs(list(av[2].data))
        elif op is c.ATOMIC_GROUP:
            found = _needs(list(av.data))
        elif op is c.IN and all(_digits_only(o, a) for o, a in av):
            found = set("0123456789")
        if found:
            choices.append(found)
    if literal:
        choices.append({literal})
    # Every element of a sequence must match, so any one element's set will do: the one
    # whose strings are longest (rarest), then the smallest. Digits and "@" are fine
    # alone too (a phone number needs a digit); other short strings are everywhere.
    usable = [
        c_ for c_ in choices if c_ and all(len(x) >= 3 or x.isdigit() or x == "@" for x in c_)
    ]
    if not usable:
        return None
    return max(usable, key=lambda c_: (min(map(len, c_)), -len(c_)))


def _trie(sub: Any) -> Any:
    """The parsed pattern with each run of alternatives that begin with a letter grouped by
    that letter, as a trie: `sorry|so sad|seriously` is tried as `s(?:o(?:rry| sad)|eriously)`.

    sre tries alternatives one after the other at each position of the text, and a rule's
    pattern has hundreds of them: grouped, it tests a few dozen first letters, then only the
    alternatives under the one that is there. Alternatives that begin with different letters
    can never both match at one position, so which one wins is unchanged; alternatives under
    one letter keep their order, and an alternative that does not begin with a letter stays
    where it was, with the runs on either side of it grouped apart. Same matches, same spans
    (tests/test_check_engine.py)."""
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    def node(op: Any, av: Any) -> Any:
        if op is c.BRANCH:
            return (op, (None, grouped([walk(b) for b in av[1]])))
        if op is c.SUBPATTERN:
            group, add_flags, del_flags, p = av
            return (op, (group, add_flags, del_flags, walk(p)))
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            return (op, (av[0], av[1], walk(av[2])))
        if op in (c.ASSERT, c.ASSERT_NOT):
            return (op, (av[0], walk(av[1])))
        if op is c.ATOMIC_GROUP:
            return (op, walk(av))
        return (op, av)

    def walk(p: Any) -> Any:
        return _parser.SubPattern(sub.state, [node(op, av) for op, av in p.data])

    def grouped(branches: list[Any]) -> list[Any]:
        out: list[Any] = []
        run: list[Any] = []

        def flush() -> None:
            by_letter: dict[int, list[Any]] = {}
            for b in run:
                by_letter.setdefault(b.data[0][1], []).append(b)
            for letter, same in by_letter.items():
                if len(same) == 1:
                    out.append(same[0])
                    continue
                rests = grouped([_parser.SubPattern(sub.state, b.data[1:]) for b in same])
                tail = list(rests[0].data) if len(rests) == 1 else [(c.BRANCH, (None, rests))]
                out.append(_parser.SubPattern(sub.state, [(c.LITERAL, letter), *tail]))
            run.clear()

        for b in branches:
            if b.data and b.data[0][0] is c.LITERAL:
                run.append(b)
            else:
                flush()
                out.append(b)
        flush()
        return out

    return walk(sub)


def _starts_words(items: list[Any]) -> bool:
    """True when every way through `items` (parsed by sre) begins with `\\b` and a word
    character: then no match can start right after a word character."""
    from re import _constants as c  # type: ignore[attr-defined]

    if not items:
        return False
    op, av = items[0]
    rest = items[1:]
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return not add_flags and not del_flags and _starts_words(list(sub.data) + rest)
    if op is c.BRANCH:
        return all(_starts_words(list(branch.data) + rest) for branch in av[1])
    if op in (c.ASSERT, c.ASSERT_NOT):  # consumes nothing: look past it
        return _starts_words(rest)
    return op is c.AT and av is c.AT_BOUNDARY and _word_first(rest)


def _word_first(items: list[Any]) -> bool:
    """True when every way through `items` first consumes a word character."""
    from re import _constants as c  # type: ignore[attr-defined]

    if not items:
        return False
    op, av = items[0]
    rest = items[1:]
    if op is c.LITERAL:
        return _WORD_CHAR.match(chr(av)) is not None
    if op is c.IN:
        return all(_word_set_item(o, a) for o, a in av)
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return not add_flags and not del_flags and _word_first(list(sub.data) + rest)
    if op is c.BRANCH:
        return all(_word_first(list(branch.data) + rest) for branch in av[1])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, sub = av
        if low >= 1:
            return _word_first(list(sub.data))
        return _word_first(list(sub.data)) and _word_first(rest)  # taken, or skipped
    return False


def _word_set_item(op: Any, av: Any) -> bool:
    from re import _constants as c  # type: ignore[attr-defined]

    if op is c.LITERAL:
        return _WORD_CHAR.match(chr(av)) is not None
    if op is c.RANGE:
        return all(_WORD_CHAR.match(chr(ch)) for ch in range(av[0], av[1] + 1))
    if op is c.CATEGORY:
        return av in (c.CATEGORY_WORD, c.CATEGORY_DIGIT)
    return False


_WORD_CHAR = re.compile(r"\w")


def _revive(args: Any) -> re.Pattern[str] | None:
    """A pattern from what `_regex` kept, or None when it can't be trusted."""
    if args is None:
        return None
    import _sre

    pattern: re.Pattern[str] = _sre.compile(*args)
    return pattern


def _as_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return value
    raise RulesError(f"{where}: expected a list, got {value!r}")


def _text(path: Path) -> str:
    from crisisplay.files import HAND_WRITTEN, ReadError, read_text_limited

    try:
        return read_text_limited(path, HAND_WRITTEN, what="a rule file", name=str(path))
    except ReadError as exc:
        raise RulesError(f"{path}: cannot read rules: {exc.reason}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read rules: {exc}") from exc


def _read(path: Path, text: str) -> dict[str, Any]:
    from ruamel.yaml import YAML  # imported here: `import crisisplay.check` stays cheap
    from ruamel.yaml.error import YAMLError

    try:
        # libyaml (ruamel.yaml.clib) reads the rule files ~8x faster than the pure loader,
        # with the same YAML 1.2 values: part of the first check in every process.
        data = YAML(typ="safe").load(text)
    except YAMLError as exc:
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
    import hashlib

    from crisisplay import cache

    texts = [(Path(path_str), _text(Path(path_str))) for path_str, _mtime in stamp]
    digest = hashlib.sha256(lang.encode())
    for path, text in texts:
        digest.update(b"\0" + str(path).encode() + b"\0" + text.encode())
    key = digest.hexdigest()
    kept = cache.get(_CACHE_KIND, key, _CACHE_MODULES)
    if kept is not None:
        try:
            return _thawed(kept)
        except Exception:  # damaged or made by another `re`: compile as if never kept
            pass
    ruleset = _build(lang, texts)
    frozen = _frozen(ruleset)
    if frozen is not None:
        cache.put(_CACHE_KIND, key, frozen, _CACHE_MODULES)
    return ruleset


_CACHE_KIND = "rules"
_CACHE_MODULES = ("crisisplay.check.rules", "crisisplay.check.text", "re._compiler")


def _frozen(ruleset: RuleSet) -> Any:
    """The rule set as plain data for the disk cache, or None if a pattern wasn't kept."""

    def args(pattern: re.Pattern[str] | None) -> Any:
        if pattern is None:
            return None
        return _made[pattern.pattern]  # KeyError: compiled the ordinary way

    try:
        rules = [
            (
                r.id,
                r.family,
                r.severity,
                None if r.kinds is None else tuple(sorted(r.kinds)),
                dict(r.severity_by_kind),
                args(r.pattern),
                args(r.unless),
                r.require,
                r.message,
                r.hint,
                r.source,
                args(r.near),
                r.needs,
            )
            for r in ruleset.rules
        ]
        return (
            ruleset.lang,
            rules,
            args(ruleset.apology_markers),
            args(ruleset.lead),
            dict(ruleset.messages),
        )
    except KeyError:
        return None


def _thawed(kept: Any) -> RuleSet:
    lang, rules, markers, lead, messages = kept
    return RuleSet(
        lang=lang,
        rules=tuple(
            Rule(
                id=rid,
                family=family,
                severity=severity,
                kinds=None if kinds is None else frozenset(kinds),
                severity_by_kind=by_kind,
                pattern=_revive(pattern),  # type: ignore[arg-type]
                unless=_revive(unless),
                require=require,
                message=message,
                hint=hint,
                source=source,
                near=_revive(near),
                needs=needs,
            )
            for (
                rid,
                family,
                severity,
                kinds,
                by_kind,
                pattern,
                unless,
                require,
                message,
                hint,
                source,
                near,
                needs,
            ) in rules
        ),
        apology_markers=_revive(markers),
        lead=_revive(lead),
        messages={k: tuple(v) for k, v in messages.items()},
    )


def _build(lang: str, texts: list[tuple[Path, str]]) -> RuleSet:
    macros: dict[str, str] = {}
    raw_rules: dict[str, tuple[dict[str, Any], str]] = {}
    markers: list[Any] = []
    lead: list[Any] = []
    messages_raw: dict[str, tuple[Any, Any, str]] = {}
    for path, text in texts:
        data = _read(path, text)
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
    rule = Rule(
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
    return dataclasses.replace(rule, needs=_needs_of(rule.pattern.pattern))
