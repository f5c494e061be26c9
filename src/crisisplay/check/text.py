"""Normalised text for matching, with a map back to the original offsets.

Rules are written against a folded form of the statement: case-folded, accents and
other combining marks removed, curly apostrophes and quotes made straight, dashes
made ASCII, odd spaces made plain, and the apostrophe put back in contractions typed
without one ("didnt" -> "didn't"). Every character of the folded form remembers
which character of the original produced it, so a match can be reported on the
text the manager actually wrote.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = "\u2019\u2018\u201b\u02bc\u2032\u00b4\u0060\uff07"
_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e\uff02"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"

_FIXED: dict[str, str] = {}
for _c in _APOSTROPHES:
    _FIXED[_c] = "'"
for _c in _QUOTES:
    _FIXED[_c] = '"'
for _c in _DASHES:
    _FIXED[_c] = "-"
_FIXED["\u00a0"] = " "
_FIXED["\u202f"] = " "
_FIXED["\u2009"] = " "
_FIXED["\u200b"] = ""  # zero-width space: invisible, must not split words
_FIXED["\u00ad"] = ""  # soft hyphen

#: How far either side of a match its "sentence" reaches, at most, for a rule's `unless`
#: and `near`: real sentences are shorter; a page pasted with no full stop is not read
#: whole for each of its matches (that made checking quadratic in the text's size).
SENTENCE_REACH = 400

_CHAR_CACHE: dict[str, str] = {}


def fold_char(ch: str) -> str:
    """The folded form of one character (possibly empty or several characters)."""
    cached = _CHAR_CACHE.get(ch)
    if cached is not None:
        return cached
    if ch in _FIXED:
        out = _FIXED[ch]
    elif ch.isascii():
        out = ch.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", ch.casefold())
        out = "".join(c for c in decomposed if not unicodedata.combining(c))
        if unicodedata.category(ch) == "Zs":
            out = " "
    _CHAR_CACHE[ch] = out
    return out


def fold(text: str) -> str:
    """Fold a string (used for patterns, terms and comparisons; no offset map)."""
    if text.isascii():
        return text.lower().replace("`", "'")
    return "".join(fold_char(c) for c in text)


def fold_pattern(pattern: str) -> str:
    """Fold the literal parts of a regular expression, leaving escapes alone.

    ``\\S`` must stay ``\\S`` (casefolding it would turn it into ``\\s``), so the
    character after a backslash is copied verbatim, and so is a group's name
    (``(?P<at_reach>…)``).
    """
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith("(?P<", i):
            end = pattern.index(">", i) + 1
            out.append(pattern[i:end])
            i = end
            continue
        out.append(fold_char(ch))
        i += 1
    return "".join(out)


# Contractions typed without the apostrophe (phones, haste): "dont", "were sorry" is
# left alone. Only unambiguous words: never "well", "were", "its", "ill", "wed", "id".
# A match ends where the apostrophe goes.
_NO_APOSTROPHE = re.compile(
    r"\b(?:(?:do|does|did|is|was|are|were|has|have|had|could|would|should|must|need|ca|wo|ai)"
    r"n(?=t\b)|i(?=m\b)|(?:you|they)(?=(?:re|ve|ll|d)\b)|we(?=ve\b)|(?:that|what|there|who)(?=s\b))"
)

_SENTENCE_END = re.compile(r"[.!?\u2026;]+(?=\s|$)|\n")


@dataclass(frozen=True)
class Folded:
    """A statement in folded form, with offsets back into the original."""

    original: str
    text: str
    origin: tuple[int, ...] | None  # origin[i] = index in original of text[i]; None = identity
    sentence_ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded span to the original text (end exclusive).

        The end is widened over combining marks that follow in the original, so a
        decomposed accent is never cut off its letter.
        """
        if self.origin is None:
            return start, end
        if end <= start:
            pos = self.origin[start] if start < len(self.origin) else len(self.original)
            return pos, pos
        o_start = self.origin[start]
        o_end = self.origin[end - 1] + 1
        original = self.original
        while o_end < len(original) and unicodedata.combining(original[o_end]):
            o_end += 1
        return o_start, o_end

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The folded span of the sentence holding [start, end), at most `SENTENCE_REACH`
        characters either side: a "sentence" that runs on for pages (pasted text with
        no full stop) is read in a window, so checking stays linear in the text's size."""
        ends = self.sentence_ends
        i = bisect.bisect_right(ends, start)  # ends[:i] <= start
        s_start = ends[i - 1] if i else 0
        j = bisect.bisect_left(ends, end)  # ends[j:] >= end
        s_end = ends[j] if j < len(ends) else len(self.text)
        return max(s_start, start - SENTENCE_REACH), min(s_end, end + SENTENCE_REACH)

    def neighbourhood(self, start: int, end: int) -> tuple[int, int]:
        """The folded span of the sentence holding [start, end) and the ones either side
        (each side at most `SENTENCE_REACH` × 2 characters away).

        "We're sorry. If anyone was offended, …" is one thought in two sentences.
        """
        ends = self.sentence_ends
        i = bisect.bisect_right(ends, start)
        n_start = ends[i - 2] if i >= 2 else 0
        j = bisect.bisect_left(ends, end)
        n_end = ends[j + 1] if j + 1 < len(ends) else len(self.text)
        reach = 2 * SENTENCE_REACH
        return max(n_start, start - reach), min(n_end, end + reach)


def fold_with_map(text: str) -> Folded:
    """Fold ``text`` and remember where each folded character came from."""
    if text.isascii():
        folded = text.lower().replace("`", "'")  # same length: offsets stay identical
        origin: tuple[int, ...] | None = None
    else:
        parts: list[str] = []
        idx: list[int] = []
        for i, ch in enumerate(text):
            out = fold_char(ch)
            if not out:
                continue
            parts.append(out)
            if len(out) == 1:
                idx.append(i)
            else:
                idx.extend([i] * len(out))
        folded = "".join(parts)
        origin = tuple(idx)
    inserts = [m.end() for m in _NO_APOSTROPHE.finditer(folded)]
    if inserts:
        folded, origin = _insert_apostrophes(folded, origin, inserts)
    ends = tuple(m.end() for m in _SENTENCE_END.finditer(folded))
    return Folded(text, folded, origin, ends)


def _insert_apostrophes(
    folded: str, origin: tuple[int, ...] | None, positions: list[int]
) -> tuple[str, tuple[int, ...]]:
    """Insert "'" at each position; each one maps to the original letter after it."""
    index = origin if origin is not None else tuple(range(len(folded)))
    parts: list[str] = []
    idx: list[int] = []
    last = 0
    for pos in positions:
        parts.append(folded[last:pos])
        idx.extend(index[last:pos])
        parts.append("'")
        idx.append(index[pos])
        last = pos
    parts.append(folded[last:])
    idx.extend(index[last:])
    return "".join(parts), tuple(idx)
