"""Links as X finds them in a post, to count each as 23: a port of twitter-text's URL
extraction (twitter-text-parser 3.0.0, MIT), the reference `tests/test_x_length.py`
holds this module to.

What twitter-text does, and so this does:

* a URL starts after a character that is not a letter, digit, `@`, `$` or `#` (or at the
  start), with `http://` or `https://` or without;
* its host is labels and a top-level domain from IANA's list (`tlds.txt`, 1,574 of them:
  `brand.coffee/help` is a link, `brand.notatld` is not) or punycode; a host whose labels
  IDNA refuses (a label over 63 characters, say) is no link at all, and is counted
  character by character;
* without a protocol, only the ASCII part of a host links (`日本.example.com` links
  `example.com`), and not after `-`, `_`, `.` or `/`; `marca.es` (one label on a
  country code) only with a path, as twitter-text's JavaScript has it;
* a path runs over the characters a URL may hold and ends on one it may end with, so
  the full stop after `brand.com/help.` is the sentence's; a `t.co` link ends with its slug.

Written as scanning code around a few small patterns rather than twitter-text's one
regular expression: with 1,574 top-level domains as alternatives that expression takes
~120 ms to compile, more than the whole `crisisplay check` may take; here a domain is
looked up in a set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

_PUNCT = "!'#%&()*+,\\-./:;<=>?@[]^_{|}~$"
_SPACES = (
    "\x09\x0a\x0b\x0c\x0d\x20\x85\xa0\u1680\u180e"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_INVALID = "\ufffe\ufeff\uffff"
_DIRECTIONAL = "\u202a\u202b\u202c\u202d\u202e\u061c\u200e\u200f\u2066\u2067\u2068\u2069"
_NOT_DOMAIN = set(_PUNCT + _SPACES + _INVALID + _DIRECTIONAL)
#: What may stand before a URL: anything but a letter or digit of ASCII, @ $ # (and
#: their full-width forms) and the invalid characters; a directional mark may.
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NOT_BEFORE = set(_ALNUM + "@＠$#＃" + _INVALID)
_TLD_FOLLOW = set(_ALNUM + "@+-")
_LATIN = (
    "\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    "\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"
_MAX_URL = 4096
_MAX_TCO_SLUG = 40
#: A host has at most 127 labels (DNS); looking no further keeps a page of "a.a.a.a…"
#: from costing a scan of the rest of it at every dot.
_MAX_LABELS = 127


def _tail_pattern() -> str:
    general = rf"[a-z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN}]"
    parens = rf"\((?:{general}+|(?:{general}*\({general}+\){general}*))\)"
    ending = rf"(?:[+\-a-z{_CYRILLIC}0-9=_#/{_LATIN}]|{parens})"
    path = rf"(?:(?:{general}*(?:{parens}{general}*)*{ending})|(?:@{general}+/))"
    query = r"\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]"
    return rf"(?::[0-9]+)?(?P<path>/{path}*)?(?:{query})?"


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    label = re.compile(r"[^{}]+\.".format(re.escape("".join(sorted(_NOT_DOMAIN - {"_", "-"})))))
    ascii_label = re.compile(rf"[\-a-z0-9{_LATIN}]+\.", re.IGNORECASE)
    tail = re.compile(_tail_pattern(), re.IGNORECASE)
    tco = re.compile(
        r"https?://t\.co/([a-z0-9]+)(?:\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/])?",
        re.IGNORECASE,
    )
    return label, ascii_label, tail, tco


@lru_cache(maxsize=1)
def _tlds() -> tuple[frozenset[str], dict[str, int], int, frozenset[str]]:
    """ASCII top-level domains; the others with their place in twitter-text's order (the
    first that fits wins); the longest of those; the ASCII country codes. One read of
    `tlds.txt`."""
    ascii_tlds: set[str] = set()
    others: dict[str, int] = {}
    countries: set[str] = set()
    section = ""
    path = Path(__file__).with_name("tlds.txt")
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        name = line.strip()
        if name.startswith("["):
            section = name
        if not name or name.startswith(("#", "[")):
            continue
        if name.isascii():
            ascii_tlds.add(name.lower())
            if section == "[country]":
                countries.add(name.lower())
        else:
            others.setdefault(name.lower(), n)
    return frozenset(ascii_tlds), others, max(map(len, others), default=0), frozenset(countries)


def _tld_end(text: str, pos: int, *, punycode: bool = True) -> int | None:
    """Where a top-level domain starting at `pos` ends, or None: a listed one followed by
    something other than a letter, digit, `@`, `+` or `-`, else punycode."""
    ascii_tlds, others, longest, _ = _tlds()
    end = pos
    n = len(text)
    while end < n and text[end].isascii() and text[end].isalnum():
        end += 1
    if end > pos:
        if (end == n or text[end] not in _TLD_FOLLOW) and text[pos:end].lower() in ascii_tlds:
            return end
    else:
        best: tuple[int, int] | None = None
        for size in range(1, min(longest, n - pos) + 1):
            order = others.get(text[pos : pos + size].lower())
            after = pos + size
            if order is None or (after < n and text[after] in _TLD_FOLLOW):
                continue
            if best is None or order < best[0]:
                best = (order, after)
        if best is not None:
            return best[1]
    if punycode and text[pos : pos + 4].lower() == "xn--":
        end = pos + 4
        while end < n and (text[end] == "-" or (text[end].isascii() and text[end].isalnum())):
            end += 1
        if end > pos + 4:
            return end
    return None


def _ok_label(text: str, start: int, end: int, inner: str) -> bool:
    """A label of `start:end` (its dot excluded): domain characters, and `inner` ones only
    inside it."""
    if text[start] in _NOT_DOMAIN or text[end - 1] in _NOT_DOMAIN:
        return False
    return all(ch not in _NOT_DOMAIN or ch in inner for ch in text[start + 1 : end - 1])


def _domain_end(text: str, pos: int) -> int | None:
    """Where twitter-text's domain starting at `pos` ends: subdomains, a name, a
    top-level domain — as many subdomains as leave a top-level domain after the name."""
    label = _patterns()[0]
    labels: list[tuple[int, int]] = []  # (start, end of label without its dot)
    at = pos
    while len(labels) < _MAX_LABELS and (m := label.match(text, at)) is not None:
        labels.append((at, m.end() - 1))
        at = m.end()
    leading = 0
    while leading < len(labels) and _ok_label(text, *labels[leading], "_-"):
        leading += 1
    for k in range(leading, -1, -1):
        if k >= len(labels) or not _ok_label(text, *labels[k], "-"):
            continue
        end = _tld_end(text, labels[k][1] + 1)
        if end is not None:
            return end
    return None


def _ascii_domains(domain: str) -> Iterator[tuple[int, int]]:
    """twitter-text's ASCII domains inside a host, as spans of `domain`."""
    ascii_label = _patterns()[1]
    q = 0
    while q < len(domain):
        ends: list[int] = []
        at = q
        while (m := ascii_label.match(domain, at)) is not None:
            at = m.end()
            ends.append(at)
        found = None
        for after_dot in reversed(ends):
            found = _tld_end(domain, after_dot)
            if found is not None:
                break
        if found is None:
            q += 1
            continue
        yield q, found
        q = found


def short_cctld(domain: str) -> bool:
    """`marca.es`: one label and a country code, which twitter-text (its JavaScript, the
    reference X uses; the Python port lacks the rule) does not link without a path."""
    name, dot, tld = domain.rpartition(".")
    if not dot or not name:
        return False
    return name.isascii() and name.isalnum() and tld.lower() in _tlds()[3]


def _valid(url: str, protocol: str, domain: str) -> bool:
    try:
        puny = domain.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return False
    return bool(puny) and len(protocol) + len(url) + len(puny) - len(domain) <= _MAX_URL


def _match_at(text: str, start: int) -> tuple[int, int, int, bool, bool] | None:
    """A URL starting at `start`: (end, domain start, domain end, with a protocol, with a
    path)."""
    tail = _patterns()[2]
    lowered = text[start : start + 8].lower()
    for proto in ("https://", "http://", ""):
        if proto and not lowered.startswith(proto):
            continue
        d_start = start + len(proto)
        d_end = _domain_end(text, d_start)
        if d_end is None:
            continue
        m = tail.match(text, d_end)
        assert m is not None  # every part of the tail is optional
        return m.end(), d_start, d_end, bool(proto), m.group("path") is not None
    return None


def url_spans(text: str) -> list[tuple[int, int]]:
    """The links X counts in `text`, as (start, end) offsets, in order."""
    if "." not in text:
        return []
    tco = _patterns()[3]
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos < n:
        found = None
        for q in range(pos, n):
            # twitter-text consumes the character before a URL; at the very start, none
            if text[q] not in _NOT_BEFORE and q + 1 < n:
                found = _match_at(text, q + 1)
                if found is not None:
                    before, start = text[q], q + 1
                    break
            if q == 0:
                found = _match_at(text, 0)
                if found is not None:
                    before, start = "", 0
                    break
        if found is None:
            break
        end, d_start, d_end, with_protocol, has_path = found
        pos = end
        url = text[start:end]
        domain = text[d_start:d_end]
        protocol = text[start:d_start]
        if not _valid(url, protocol or "https://", domain):
            continue
        if not with_protocol:
            if before and before in "-_./":
                continue
            inner = list(_ascii_domains(domain))
            if not inner:
                continue
            for i, (a, b) in enumerate(inner):
                last = i == len(inner) - 1
                if last and has_path:
                    spans.append((d_start + a, end))
                elif not short_cctld(domain[a:b]):
                    spans.append((d_start + a, d_start + b))
            continue
        m = tco.match(url)
        if m is not None:
            if len(m.group(1)) > _MAX_TCO_SLUG:
                continue
            end = start + m.end()
        spans.append((start, end))
    return spans
