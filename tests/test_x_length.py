"""X counts a post as twitter-text does: checked against twitter-text-parser, the reference.

The cases are ours, written for the rules twitter-text's conformance suite exercises: links
with and without a protocol, hosts IDNA refuses, top-level domains outside a short list,
t.co, CJK, emoji sequences, normalisation, line endings, directional marks. Each has the
figure worked out by hand and must agree with the reference too; then thousands of posts
built at random from the same pieces must agree with it, link for link and unit for unit.

One rule differs on purpose: `marca.es` (one label on a country code, no path) is not a
link, as in twitter-text's JavaScript, which X runs; the Python port lacks the rule.
"""

from __future__ import annotations

import random
import re
import unicodedata
import warnings
from pathlib import Path
from typing import Any

import pytest

from crisisplay.check import check_statement
from crisisplay.check.platforms import platform_length, x_weighted_length
from crisisplay.check.xurls import short_cctld, url_spans

TLDS = Path(__file__).resolve().parents[1] / "src" / "crisisplay" / "check" / "tlds.txt"


def reference() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it reads its emoji list with pkg_resources
        import twitter_text

    return twitter_text


def their_links(text: str) -> list[tuple[int, int]]:
    """The reference's links, less the short country-code domains its JavaScript skips."""
    out = []
    for u in reference().extract_urls_with_indices(text):
        start, end = u["indices"]
        bare = "://" not in u["url"] and "/" not in u["url"]
        if bare and short_cctld(u["url"]):
            continue
        out.append((start, end))
    return out


def their_length(text: str) -> int | None:
    """The reference's weighted length, less what it gives the short domains it links;
    None where it slips: when a link's host starts with letters that aren't ASCII
    (`日本café.com/x`), it links the ASCII part but steps over the link by that part's
    length, not the link's, and counts the rest of the link again."""
    length = int(reference().parse_tweet(text).weightedLength)
    counted = re.sub(r"\r\n|\r", "\n", unicodedata.normalize("NFC", text))  # as it counts
    for u in reference().extract_urls_with_indices(counted):
        start, end = u["indices"]
        if end - start != len(u["url"]):
            return None
        bare = "://" not in u["url"] and "/" not in u["url"]
        if bare and short_cctld(u["url"]):
            length += len(u["url"]) - 23
    return length


LONG_LABEL = "brand" * 13  # 65 characters: more than a DNS label may hold
KANA = "あいうえおかきくけこ"

CASES = [
    # (post, X's weighted length worked out by hand)
    ("We are on it.", 13),
    ("Update: https://status.brand.com/incident/42", 8 + 23),
    ("Help at brand.coffee/help now", 8 + 23 + 4),  # a TLD outside any short list
    ("Tienda: tienda.barcelona/ayuda", 8 + 23),
    ("brand.notatld/help", 18),  # not a TLD: no link
    ("marca.es", 8),  # one label on a country code, no path: not a link
    ("marca.es/ayuda.", 23 + 1),  # with a path it is; the full stop is the sentence's
    ("foo.co.jp", 23),
    ("Two: https://a.com and b.com.", 5 + 23 + 5 + 23 + 1),
    (f"https://{LONG_LABEL}.com/x", 8 + 65 + 6),  # IDNA refuses the host: no link
    (f"{LONG_LABEL[:63]}.com", 23),  # 63 is the longest label that links
    (f"{LONG_LABEL[:64]}.com", 68),
    (f"https://{KANA * 5}あいう.com", 8 + 53 * 2 + 4),  # punycode over 63: counted as text
    (f"https://{KANA * 5}あい.com", 23),
    ("https://t.co/" + "a" * 41, 13 + 41),  # a t.co slug over 40: no link
    ("https://t.co/abc?x=1", 23),
    ("(see https://brand.com/a_(b)) ok", 5 + 23 + 4),
    ("email ana@brand.com", 6 + 13),  # after @: not a link
    ("\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069", 2 + 2 + 23 + 2 + 2),
    ("故人西辞黄鹤楼", 14),
    ("A\u0301B", 2),  # NFC first: Á is one code point
    ("\U0001f637\U0001f47e\U0001f525", 6),
    ("\U0001f64b\U0001f3fd\U0001f468\u200d\U0001f3a4", 4),  # skin tone; ZWJ sequence
    ("\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family", 2 + 7),
    ("1\u20e3 and 1\ufe0f\u20e3", 2 + 5 + 2),  # keycaps, with and without VS16
    ("\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", 2),  # tags
    ("\U0001f1ea\U0001f1f8\U0001f1f2\U0001f1fd", 4),
    ("line one\r\nline two", 17),  # X makes every line ending one "\n"
    ("\u2000\u2001\u2002 \u2010\u2014 \u201c\u201d \u2032\u2033", 12),  # weight-one ranges
    ("\u2026\u00bf", 3),  # … is outside them, ¿ inside
    ("ABC\u202a\uffffABC\ufffe", 12),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_length_by_hand_and_as_the_reference_counts(text: str, expected: int) -> None:
    assert platform_length(text, "x") == (expected, 280)
    assert x_weighted_length(text) == their_length(text)


def test_a_post_of_long_invalid_links_is_far_over_the_limit() -> None:
    """A host IDNA refuses is no link, so twelve thousand characters don't "fit" as 23s."""
    host = "somesuperlongurl" * 60
    text = f"Links: https://{host}.com/foo https://{host}.com/foo https://ok.com"
    count, limit = platform_length(text, "x")
    assert count == their_length(text) > 1900 > limit
    findings = [f for f in check_statement(text, platform="x") if f.rule == "too-long"]
    assert findings and findings[0].severity == "error"


def test_the_top_level_domains_are_the_references() -> None:
    pattern = re.compile(r"'([^']*)'")
    base = Path(reference().__file__).parent / "regexp"
    theirs = []
    for name in ("valid_gtld.py", "valid_cctld.py"):
        body = "".join(pattern.findall((base / name).read_text(encoding="utf-8")))
        body = body.replace("(?:(?:", "").replace(")(?=[^0-9a-zA-Z@+-]|$))", "")
        theirs += [t for t in body.split("|") if t]
    ours = [
        line.strip()
        for line in TLDS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "["))
    ]
    assert ours == theirs
    assert len(ours) > 1500


PIECES = [
    "http://", "https://", "www.", "brand", "café", "日本", ".", ".", ".com", ".coffee",
    ".es", ".xyz", ".notatld", ".barcelona", "/", "/ayuda", "?q=1", "&", "#", "(", ")",
    " ", " ", "-", "_", "@", "$", ":", "8080", "t.co/", "xn--p1ai", "рф", ",", "!", "'",
    '"', "\u202a", "a" * 64, "ñ", "co", "uk", "…", "—", "https://t.co/abc", "\r\n", "\n",
    "\U0001f637", "\U0001f64b\U0001f3fd", "\U0001f1ea\U0001f1f8", "\u2764\ufe0f", "1\ufe0f\u20e3",
    "故人西辞", "A\u0301", "नमस्ते", "ภาษาไทย", "한국어", "x" * 30, "\u2000",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_random_posts_agree_with_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    slips = 0
    for _ in range(1500):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14)))
        assert url_spans(text) == their_links(text), text
        theirs = their_length(text)
        if theirs is None:
            slips += 1
            continue
        assert x_weighted_length(text) == theirs, text
    assert slips < 30  # the comparison covers almost every post
