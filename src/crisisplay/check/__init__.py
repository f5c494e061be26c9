"""The statement checker: what in a draft will make a crisis worse, and what is missing.

``check_statement`` returns findings sorted by where they start. Offsets are Python
string indices into the text as given (``text[f.start:f.end]`` is the offending
phrase). A finding about something *missing* (no responsibility in an apology, no
time for the next update…) has ``start == end == 0``: it is about the whole text.
A finding about the whole text (repeated statement) spans ``0, len(text)``.

The rules are data (``rules/common.yaml``, ``rules/en.yaml``, ``rules/es.yaml``);
an agency can add or replace rules with ``extra_rules_dirs`` (see ``rules.py``).
Importing this package is cheap: the YAML is read, and the rules compiled, on the
first check, then cached.

May import: the shared modules only. Playbooks, incidents and front ends build on it.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .platforms import PLATFORM_LIMITS, platform_length

if TYPE_CHECKING:
    from .judge import Label
    from .rules import RuleSet
    from .text import Folded

__all__ = [
    "KINDS",
    "PLATFORM_LIMITS",
    "CheckProfile",
    "Finding",
    "Severity",
    "check_statement",
    "platform_length",
]

Severity = Literal["error", "warning", "info"]
KINDS = ("holding-statement", "apology", "update", "resolution", "reply")
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
REPEAT_SIMILARITY = 0.9
FOLD_AFTER = 125  # characters shown before "See more" on mobile (Facebook, Instagram)


@dataclass(frozen=True)
class Finding:
    rule: str
    family: str
    severity: Severity
    message: str
    hint: str
    start: int
    end: int


@dataclass
class CheckProfile:
    """The checker settings of a client profile (``client.confidential_terms`` and
    ``client.checker.disable`` / ``client.checker.banned``, and ``client.voice``)."""

    confidential_terms: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    banned: list[str] = field(default_factory=list)
    #: ``client.voice`` as plain data (address, emoji, exclamations, banned): see voice.py
    voice: Mapping[str, Any] | None = None


def _primary_language(lang: str) -> str:
    primary = (lang or "en").strip().replace("_", "-").split("-")[0].lower()
    if not primary.isalpha():
        raise ValueError(f"not a language tag: {lang!r}")
    return primary


def check_statement(
    text: str,
    *,
    lang: str = "en",
    kind: str | None = None,
    platform: str | None = None,
    profile: CheckProfile | None = None,
    published: Sequence[str] = (),
    extra_rules_dirs: Sequence[Path] = (),
    whole: bool = True,
) -> list[Finding]:
    """Check a public statement; findings sorted by start offset.

    `whole=False` leaves out the judge's verdict on the statement as a whole (`Gate`): for a
    template filled with sample answers, whose phrases are the template's and whose whole is
    nobody's.

    Raises ``ValueError`` for an unknown kind or platform, and
    ``crisisplay.check.rules.RulesError`` (a ``ValueError``) for a broken rule file.
    """
    from .platforms import canonical_platform
    from .rules import load_rules
    from .text import fold_with_map

    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown statement kind {kind!r}; kinds: {', '.join(KINDS)}")
    platform_name = canonical_platform(platform) if platform else None
    profile = profile or CheckProfile()
    off = {d.strip() for d in profile.disable}
    language = _primary_language(lang)
    ruleset = load_rules(language, tuple(Path(d) for d in extra_rules_dirs))
    folded = fold_with_map(text)

    findings: list[Finding] = []
    excused: list[tuple[str, int, int]] = []
    findings.extend(_rule_findings(ruleset, folded, kind, off, excused))
    findings = _judged(ruleset, folded, language, findings, off, kind, whole, excused)
    findings.extend(_profile_findings(ruleset, folded, profile))
    if profile.voice:
        findings.extend(_voice_findings(folded, language, profile.voice))
    if "repeated-statement" not in off and "repeated" not in off:
        findings.extend(_repeat_findings(ruleset, text, published))
    if platform_name:
        findings.extend(_platform_findings(ruleset, folded, platform_name, kind))
    return in_order([f for f in findings if f.rule not in off and f.family not in off])


def in_order(findings: list[Finding]) -> list[Finding]:
    """Findings sorted as `check_statement` gives them: by where they start and end, the
    more severe first."""
    return sorted(findings, key=lambda f: (f.start, f.end, _SEVERITY_ORDER[f.severity], f.rule))


def _severity(value: str) -> Severity:
    if value == "error":
        return "error"
    if value == "info":
        return "info"
    return "warning"


#: From this many characters a rule is first asked whether the text can match it at all.
LONG_TEXT = 20_000


def _rule_findings(
    ruleset: RuleSet,
    folded: Folded,
    kind: str | None,
    off: set[str],
    excused: list[tuple[str, int, int]] | None = None,
) -> list[Finding]:
    """The rules' findings. A phrase a rule matched and its exceptions then cleared ("wasn't
    an isolated incident", "our supplier's oven failed, and that is on us") is added to
    `excused`, as (family, start, end) in folded offsets, when a list is given."""
    norm = folded.text
    as_kind = kind
    markers = ruleset.apology_markers
    if kind is None and markers is not None and markers.search(norm):
        as_kind = "apology"  # an unlabelled statement that apologises is judged as one
    out: list[Finding] = []
    # one finding per problem: a match that overlaps an earlier finding of the same
    # family, or follows it after nothing but spaces ("sorry if" + "anyone was
    # offended"), is dropped; "ana@mail.com, 612 345 678" stays two findings
    taken: dict[str, list[tuple[int, int]]] = {}
    long = len(norm) >= LONG_TEXT
    for rule in ruleset.rules:
        if rule.id in off or rule.family in off:
            continue
        if rule.kinds is not None:
            # a rule for some kinds: a requirement only when the kind is known;
            # a phrase to flag also when the kind is unknown
            if kind is None and rule.require:
                continue
            if kind is not None and kind not in rule.kinds:
                continue
        severity = _severity(rule.severity_by_kind.get(as_kind or "", rule.severity))
        found = False
        exceptions: list[tuple[int, int]] | None = None
        # A long paste that holds none of the strings every match needs is not scanned
        # (a statement is short: looking for them would cost more than the scan).
        matches = rule.pattern.finditer(norm) if not long or rule.may_match(norm) else ()
        for m in matches:
            start, end = m.span()
            if rule.pattern.groupindex:  # a group (?P<at…>…) marks what the finding points at
                for name in rule.pattern.groupindex:
                    if name.startswith("at") and m.start(name) >= 0:
                        start, end = m.span(name)
                        break
            if end == start:
                continue
            if rule.unless is not None:
                if exceptions is None:  # found once per text, only for a rule that matched
                    exceptions = [u.span() for u in rule.unless.finditer(norm)]
                if _excepted(exceptions, folded, start, end):
                    if excused is not None:
                        excused.append((rule.family, start, end))
                    continue
            if rule.near is not None and not _accompanied(rule.near, folded, start, end):
                continue
            found = True
            if rule.require:
                break
            spans = taken.setdefault(rule.family, [])
            if _touches_any(norm, spans, start, end):
                continue
            bisect.insort(spans, (start, end))
            o_start, o_end = folded.span(start, end)
            out.append(
                Finding(rule.id, rule.family, severity, rule.message, rule.hint, o_start, o_end)
            )
        if rule.require and not found:
            out.append(Finding(rule.id, rule.family, severity, rule.message, rule.hint, 0, 0))
    return out


#: The element each of the rules that insist on one looks for: the learned judge may see it
#: where the rule's phrases don't.
ELEMENT_OF_RULE = {
    "apology-needs-responsibility": "responsibility",
    "apology-needs-repair": "repair",
    "holding-needs-acknowledgement": "acknowledgement",
    "reply-needs-acknowledgement": "acknowledgement",
    "needs-next-update": "next-update",
    "resolution-needs-change": "change",
    # the judge's alone, when the verdict reads a statement as bad and nothing else says why
    "missing-acknowledgement": "acknowledgement",
    "missing-responsibility": "responsibility",
}
#: What each kind of statement needs to be good (data/checker/README.md). The rules require
#: some of these by their phrases; the verdict's warning may name any of them.
KIND_NEEDS: dict[str, tuple[str, ...]] = {
    "holding-statement": ("acknowledgement", "next-update"),
    "apology": ("acknowledgement", "responsibility", "repair"),
    "update": ("acknowledgement", "next-update"),
    "resolution": ("responsibility", "change"),
    "reply": ("acknowledgement",),
}
#: Families that speak of the harm only as a doubt or a feeling ("sorry if anyone was
#: upset"): where the rules found one, what happened is not acknowledged, however warmly
#: the judge reads the words around it (its labels say so; its weights don't always).
DOUBTING_FAMILIES = frozenset({"conditional", "blaming-feelings"})
#: Languages the judge learned from; others are read by the rules alone.
JUDGE_LANGUAGES = ("en", "es")
#: Below this many words the judge abstains: a line such as "Next update by 16:00." gives
#: it too little to read, and what it learned of whole statements (that a next update
#: usually comes with an acknowledgement) would speak instead of the text.
JUDGE_MIN_WORDS = 10
#: The judge reads at most this much of a text: the longest post any network takes
#: (Facebook's 63,206 characters) and some. A longer paste is a document, not a post; the
#: rules still read all of it, and checking stays linear in its size.
JUDGE_MAX_CHARS = 64_000


def _judged(
    ruleset: RuleSet,
    folded: Folded,
    language: str,
    findings: list[Finding],
    off: set[str],
    kind: str | None = None,
    whole: bool = True,
    excused: Sequence[tuple[str, int, int]] = (),
) -> list[Finding]:
    """The rules' findings, with the learned judge's: a family the rules missed is added
    (a warning, an error when the judge is sure), and an element the rules did not find
    but the judge reads there is no longer reported missing. Then the judge's verdict on
    the whole statement weighs them (`Gate`).

    The judge reads words, not their grammar: in "this wasn't an isolated incident" it
    reads "isolated incident". Where a rule of the family matched a phrase in the sentence
    the judge points at and the rule's own exceptions cleared it (`excused`, from
    `_rule_findings`), the judge does not add that family there."""
    from .judge import features, load

    judge = load() if language in JUDGE_LANGUAGES else None
    if judge is None or len(folded.text.split()) < JUDGE_MIN_WORDS:
        return findings
    read = len(folded.text)
    if read > JUDGE_MAX_CHARS:
        ends = [e for e in folded.sentence_ends if e <= JUDGE_MAX_CHARS]
        read = ends[-1] if ends else JUDGE_MAX_CHARS
    feats = features(folded.text[:read])
    probability, evidence = judge.read(feats)
    by_name = {label.name: label for label in judge.labels}
    out = []
    doubting = {f.family for f in findings} & DOUBTING_FAMILIES
    for f in findings:
        element = ELEMENT_OF_RULE.get(f.rule)
        label = by_name.get(element or "")
        if element == "acknowledgement" and doubting:
            pass  # "sorry if anyone was upset" names no deed: the rule stands
        elif label is not None and probability[label.name] >= label.warn:
            continue  # written in words the rule doesn't list, but there
        out.append(f)
    flagged = {f.family for f in out}
    spans = [(a, b) for a, b in _sentences(folded) if b <= read] or [(0, read)]
    for label in judge.labels:
        if label.kind != "family" or label.name in flagged or label.name in off:
            continue
        p = probability[label.name]
        if p < label.warn or evidence[label.name] <= 0:
            continue  # not likely enough, or likely only because there is little to read
        start, end = spans[judge.strongest(feats, label.name, spans)]
        if any(fam == label.name and start <= a < end for fam, a, _ in excused):
            continue  # the phrase it reads there, a rule saw and its exceptions cleared
        o_start, o_end = folded.span(start, end)
        if any(
            f.start < o_end and o_start < f.end and probability.get(f.family, 0.0) >= p
            for f in out
            if f.end > f.start
        ):
            continue  # a rule found, in that sentence, what the judge reads there more strongly
        severity: Severity = "error" if p >= label.error else "warning"
        out.append(_judge_finding(ruleset, label.name, severity, o_start, o_end))
    verdict = next((lab for lab in judge.labels if lab.kind == "verdict"), None)
    if verdict is None or not whole:
        return out
    families = weighed_families(lab.name for lab in judge.labels if lab.kind == "family")
    gate = Gate(ruleset, folded, kind, off, probability, evidence, spans, families)
    return gate.weigh(out, verdict, lambda family: judge.strongest(feats, family, spans))


#: Families the judge reads that the verdict leaves as their rules say: a promised fix time.
UNWEIGHED = frozenset({"false-promise"})


def weighed_families(judged: Iterable[str]) -> frozenset[str]:
    """What the verdict weighs, given the families the judge reads: those families of
    language, and a missing element; never personal data, a client's terms, a length, a
    voice, a repeat, nor an agency's own rules."""
    return frozenset(judged) - UNWEIGHED | {"missing-element"}


#: A family the judge reads this little is not named as what makes a statement bad: better
#: no finding than a wrong one.
LEANING_FLOOR = 0.25
#: Between even odds (`LEANING_VERDICT`) and the verdict's `warn`, nothing found: a family
#: is named only if the words lean to it this much. Cross-validated on the training
#: statements (two shuffles of the folds), bad statements flagged rose 2.4 and 2.7 points,
#: and sound ones with no finding fell 0.5.
LEANING_VERDICT = 0.5
LEANING_FLOOR_UNSURE = 0.35


@dataclass
class Gate:
    """The judge's verdict on the whole statement, weighing the findings of its parts.

    A finding says what is wrong with a phrase; whether the statement as a whole would make
    the crisis worse is a second question, and the judge's `verdict` label answers it
    (learned from each training statement's `verdict`, thresholds by cross-validation):

    - sure it is bad (probability ≥ the label's `error`): the strongest language finding
      is an error: the one a person must fix or override. Nothing is made an error that no
      rule or family pointed at, and where only the judge found something, the verdict
      must be surer (`error_alone`): that finding and the verdict read the same words;
    - likely bad (≥ `warn`) and nothing found: a warning of what most likely makes it so,
      a missing element its kind needs or the family the words lean towards most (where
      none does, nothing: "it reads like a bad statement" would be wrong too often on
      short sound ones, whose words the verdict reads least surely); bad only more likely
      than not (`LEANING_VERDICT`): a family, if the words lean to it more
      (`LEANING_FLOOR_UNSURE`);
    - sure it is sound (≤ `quiet`): the language findings are at most warnings, and the
      warnings go: a "sorry… but sorry isn't enough" apology is not held up.
    """

    ruleset: RuleSet
    folded: Folded
    kind: str | None
    off: set[str]
    probability: dict[str, float]
    evidence: dict[str, float]
    spans: list[tuple[int, int]]
    families: frozenset[str]  # what it weighs: `weighed_families`

    def family_gated(self, f: Finding) -> bool:
        """Whether the finding's family is one the verdict weighs."""
        return f.family in self.families

    def gated(self, f: Finding) -> bool:
        """Whether the verdict weighs this finding: a family of language, from the judge or
        one of crisisplay's own rules."""
        if not self.family_gated(f):
            return False
        return f.rule.startswith("judge.") or f.rule in self.ruleset.shipped_ids

    def weigh(
        self, findings: list[Finding], verdict: Label, strongest: Callable[[str], int]
    ) -> list[Finding]:
        p = self.probability[verdict.name]
        gated = [f for f in findings if self.gated(f)]
        found = any(self.family_gated(f) for f in findings)  # an agency's rules' too
        if p <= verdict.quiet:
            weighed = {id(f) for f in gated}
            return [
                f if id(f) not in weighed else dataclasses.replace(f, severity="warning")
                for f in findings
                if id(f) not in weighed or f.severity == "error"
            ]
        ruled = any(not f.rule.startswith("judge.") for f in gated)
        sure = verdict.error if ruled else verdict.error_alone
        if p >= sure and gated and not any(f.severity == "error" for f in gated):
            top = max(gated, key=self.weight)
            note, _ = _message(self.ruleset, "judge-sure")
            error = dataclasses.replace(top, severity="error", message=f"{top.message} {note}")
            return [error if f is top else f for f in findings]
        if found or p < LEANING_VERDICT or verdict.warn > 1.0:
            return findings  # (a verdict whose `warn` is out of reach never speaks)
        if p >= verdict.warn:
            likeliest = self.missing() or self.leaning(strongest, LEANING_FLOOR)
        else:  # bad more likely than not: a family only, and one the words lean to more
            likeliest = self.leaning(strongest, LEANING_FLOOR_UNSURE)
        return [*findings, likeliest] if likeliest is not None else findings

    def weight(self, f: Finding) -> tuple[int, float]:
        """How strongly a finding explains a bad statement: a named family before a missing
        element, then the judge's reading of the family."""
        if f.family == "missing-element":
            element = ELEMENT_OF_RULE.get(f.rule.removeprefix("judge."), "")
            return (0, 1.0 - self.probability.get(element, 0.5))
        return (1, self.probability.get(f.family, 0.0))

    def missing(self) -> Finding | None:
        """A warning of the element the statement's kind needs that the judge reads least,
        if it reads it under even odds."""
        needed = []
        for element in KIND_NEEDS.get(self.kind or "", ()):
            # the rule that asks for it in this kind, with its words; else the judge's own
            rule = next(
                (
                    r
                    for r in self.ruleset.rules
                    if r.require
                    and ELEMENT_OF_RULE.get(r.id) == element
                    and (r.kinds is None or self.kind in r.kinds)
                ),
                None,
            )
            rule_id = rule.id if rule is not None else f"missing-{element}"
            if rule_id not in self.off and "missing-element" not in self.off:
                needed.append((self.probability.get(element, 1.0), rule_id, rule))
        if not needed:
            return None
        p, rule_id, rule = min(needed, key=lambda n: (n[0], n[1]))
        if p >= 0.5:
            return None
        message, hint = (rule.message, rule.hint) if rule else _message(self.ruleset, rule_id)
        return Finding(f"judge.{rule_id}", "missing-element", "warning", message, hint, 0, 0)

    def leaning(self, strongest: Callable[[str], int], floor: float) -> Finding | None:
        """A warning of the family the statement's words lean towards most, if any leans
        `floor` or more."""
        leaning = [
            (self.probability[name], name)
            for name in sorted(self.families - {"missing-element"})
            if name in self.probability
            and name not in self.off
            and self.evidence[name] > 0
            and self.probability[name] >= floor
        ]
        if not leaning:
            return None
        _, family = max(leaning)
        start, end = self.spans[strongest(family)]
        return _judge_finding(self.ruleset, family, "warning", *self.folded.span(start, end))


def _judge_finding(
    ruleset: RuleSet, family: str, severity: Severity, start: int, end: int
) -> Finding:
    """The judge's finding of a family, in the words of the family's rules."""
    message, hint = _family_message(ruleset, family)
    return Finding(f"judge.{family}", family, severity, message, hint, start, end)


def _sentences(folded: Folded) -> list[tuple[int, int]]:
    """The folded text's sentences, as spans without the spaces around them."""
    text = folded.text
    spans = []
    start = 0
    for end in (*folded.sentence_ends, len(text)):
        a, b = start, end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))
        start = end
    return spans or [(0, len(text))]


def _family_message(ruleset: RuleSet, family: str) -> tuple[str, str]:
    """What to say of a family the judge found: the words of the family's first rule, or
    the rule files' `judge-<family>` message."""
    for rule in ruleset.rules:
        if rule.family == family and not rule.require:
            return rule.message, rule.hint
    return _message(ruleset, f"judge-{family}")


def _touches_any(norm: str, spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps, or is only spaces away from, a span of `spans`.

    `spans` is sorted and holds only spans that touch none of the others (each was kept
    because it touched none before it), so they are ordered by their ends too: only the
    two around where [start, end) would go can touch it. Thousands of findings in a long
    paste cost a search each, not a scan of all the others."""
    k = bisect.bisect_left(spans, (start, end))
    return any(_touching(norm, *spans[i], start, end) for i in (k - 1, k) if 0 <= i < len(spans))


def _touching(norm: str, a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Whether two spans overlap or only spaces lie between them."""
    if a_start < b_end and b_start < a_end:
        return True
    gap = norm[a_end:b_start] if a_end <= b_start else norm[b_end:a_start]
    return gap.isspace()


def _excepted(exceptions: list[tuple[int, int]], folded: Folded, start: int, end: int) -> bool:
    """Whether an exception (an `unless` match, in order and not overlapping one another)
    in the sentence of [start, end) overlaps it.

    The exceptions are found once over the whole text: looking for them again in each
    match's sentence made a long paste with no full stop quadratic in its matches."""
    s_start, s_end = folded.sentence(start, end)
    i = bisect.bisect_left(exceptions, (end, end)) - 1  # the last one starting before `end`
    while i >= 0:
        u_start, u_end = exceptions[i]
        if u_end <= start or u_start < s_start:  # earlier ones end earlier still
            return False
        if u_end <= s_end:
            return True
        i -= 1
    return False


def _accompanied(near: re.Pattern[str], folded: Folded, start: int, end: int) -> bool:
    n_start, n_end = folded.neighbourhood(start, end)
    return near.search(folded.text, n_start, n_end) is not None


def _message(ruleset: RuleSet, key: str, **values: object) -> tuple[str, str]:
    message, hint = ruleset.messages.get(key, (key, ""))
    try:
        return message.format(**values), hint.format(**values)
    except (KeyError, IndexError, ValueError):
        return message, hint


@lru_cache(maxsize=64)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    from .text import fold

    parts = []
    for term in terms:
        words = fold(term).split()
        if words:
            parts.append(r"\s+".join(re.escape(w) for w in words))
    if not parts:
        return None
    parts.sort(key=len, reverse=True)  # longest first: "Project Falcon 2" before "Project"
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def _profile_findings(ruleset: RuleSet, folded: Folded, profile: CheckProfile) -> list[Finding]:
    out: list[Finding] = []
    for key, family, terms in (
        ("confidential-term", "confidential", profile.confidential_terms),
        ("banned-phrase", "banned", profile.banned),
    ):
        pattern = _term_pattern(tuple(t for t in terms if t and t.strip()))
        if pattern is None:
            continue
        for m in pattern.finditer(folded.text):
            start, end = folded.span(*m.span())
            message, hint = _message(ruleset, key, term=folded.original[start:end])
            out.append(Finding(key, family, "error", message, hint, start, end))
    return out


def _voice_findings(folded: Folded, language: str, settings: Mapping[str, Any]) -> list[Finding]:
    from .voice import VoiceRules, voice_findings

    rules = VoiceRules.of(settings)
    if not rules:
        return []
    pattern = _term_pattern(rules.banned)
    banned = [folded.span(*m.span()) for m in pattern.finditer(folded.text)] if pattern else []
    return [
        Finding(f.rule, "voice", _severity(f.severity), f.message, f.hint, f.start, f.end)
        for f in voice_findings(folded.original, rules, language, banned_spans=banned)
    ]


_WORD = re.compile(r"\w+")


def _repeat_findings(ruleset: RuleSet, text: str, published: Sequence[str]) -> list[Finding]:
    from difflib import SequenceMatcher

    from .text import fold

    words = _WORD.findall(fold(text))
    if not words:
        return []
    for earlier in published:
        other = _WORD.findall(fold(earlier))
        if not other:
            continue
        matcher = SequenceMatcher(None, words, other, autojunk=False)
        if (
            matcher.real_quick_ratio() >= REPEAT_SIMILARITY
            and matcher.quick_ratio() >= REPEAT_SIMILARITY
            and matcher.ratio() >= REPEAT_SIMILARITY
        ):
            percent = round(matcher.ratio() * 100)
            message, hint = _message(ruleset, "repeated-statement", percent=percent)
            return [
                Finding("repeated-statement", "repeated", "warning", message, hint, 0, len(text))
            ]
    return []


def _platform_findings(
    ruleset: RuleSet, folded: Folded, platform: str, kind: str | None
) -> list[Finding]:
    from .platforms import bluesky_byte_overflow, overflow_start, url_spans

    text = folded.original
    out: list[Finding] = []
    count, limit = platform_length(text, platform)
    start = overflow_start(text, platform)
    if start is not None:
        message, hint = _message(
            ruleset,
            f"too-long-{platform}",
            count=count,
            limit=limit,
            over=count - limit,
            platform=platform,
        )
        if message == f"too-long-{platform}":
            message, hint = _message(
                ruleset, "too-long", count=count, limit=limit, over=count - limit, platform=platform
            )
        out.append(Finding("too-long", "platform-length", "error", message, hint, start, len(text)))
    if platform == "bluesky":
        byte_start = bluesky_byte_overflow(text)
        if byte_start is not None:
            size = len(text.encode("utf-8", "surrogatepass"))
            message, hint = _message(ruleset, "too-many-bytes", count=size, limit=3000)
            out.append(
                Finding(
                    "too-many-bytes",
                    "platform-length",
                    "error",
                    message,
                    hint,
                    byte_start,
                    len(text),
                )
            )
    if platform in ("facebook", "instagram") and len(text) > FOLD_AFTER:
        lead = _first_lead(ruleset, folded, kind)
        if lead is None or lead >= FOLD_AFTER:
            message, hint = _message(ruleset, "see-more-fold", platform=platform)
            out.append(
                Finding(
                    "see-more-fold", "platform-format", "info", message, hint, FOLD_AFTER, len(text)
                )
            )
    if platform == "instagram":
        for u_start, u_end in url_spans(text):
            message, hint = _message(ruleset, "instagram-link")
            out.append(
                Finding("instagram-link", "platform-format", "info", message, hint, u_start, u_end)
            )
    if platform == "tiktok":
        message, hint = _message(ruleset, "tiktok-needs-media")
        out.append(Finding("tiktok-needs-media", "platform-format", "info", message, hint, 0, 0))
    return out


def _first_lead(ruleset: RuleSet, folded: Folded, kind: str | None) -> int | None:
    """Where the statement's key element (apology, acknowledgement…) first appears."""
    starts: list[int] = []
    if kind is not None:
        for rule in ruleset.rules:
            if rule.require and rule.kinds is not None and kind in rule.kinds:
                m = rule.pattern.search(folded.text)
                if m:
                    starts.append(m.start())
    if ruleset.lead is not None:
        m = ruleset.lead.search(folded.text)
        if m:
            starts.append(m.start())
    if not starts:
        return None
    return folded.span(min(starts), min(starts) + 1)[0]
