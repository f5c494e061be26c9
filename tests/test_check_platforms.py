"""Post length exactly as each network counts it, at and around the limit."""

from __future__ import annotations

import unicodedata

import pytest

from crisisplay.check import PLATFORM_LIMITS, check_statement, platform_length
from crisisplay.check.platforms import grapheme_count, url_spans

THUMBS_TONE = "\U0001f44d\U0001f3fd"  # 👍🏽 skin tone
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # ZWJ sequence
FLAG_ES = "\U0001f1ea\U0001f1f8"
HEART = "\u2764\ufe0f"
KEYCAP = "1\ufe0f\u20e3"
E_DECOMPOSED = "e\u0301"


def too_long(text: str, platform: str) -> list[tuple[int, int]]:
    return [
        (f.start, f.end) for f in check_statement(text, platform=platform) if f.rule == "too-long"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", 5),
        ("中文", 4),
        ("café", 4),
        ("caf" + E_DECOMPOSED, 4),  # NFC first: é is one code point
        (THUMBS_TONE, 2),
        (FAMILY, 2),
        (FLAG_ES, 2),
        (HEART, 2),
        (KEYCAP, 2),
        ("\u00a9", 1),  # © without VS16 is text, weight 1
        ("\u2014\u2019", 2),  # dash and curly quote are in the weight-1 ranges
        ("\u2026", 2),  # … is outside them
        ("https://example.com/a/very/long/path?with=query&and=more", 23),
        ("see example.com/x.", 4 + 23 + 1),
        ("marca.es", 8),  # a bare ccTLD domain without a path is not a link on X
        ("visit example.com", 6 + 23),
    ],
    ids=[
        "ascii",
        "cjk",
        "accent",
        "decomposed",
        "skin-tone",
        "zwj-family",
        "flag",
        "heart-vs16",
        "keycap",
        "copyright",
        "weight-one-punct",
        "ellipsis",
        "url",
        "bare-domain-path",
        "bare-cctld",
        "bare-gtld",
    ],
)
def test_x_weighted_length(text: str, expected: int) -> None:
    assert platform_length(text, "x") == (expected, 280)


@pytest.mark.parametrize(
    ("unit", "weight"),
    [("a", 1), ("中", 2), (THUMBS_TONE, 2), (FAMILY, 2), (E_DECOMPOSED, 1)],
    ids=["ascii", "cjk", "skin-tone", "zwj", "decomposed"],
)
def test_x_limit_is_inclusive(unit: str, weight: int) -> None:
    exact = unit * (280 // weight)
    assert platform_length(exact, "x")[0] == 280
    assert too_long(exact, "x") == []
    over = exact + unit
    assert platform_length(over, "x")[0] == 280 + weight
    assert too_long(over, "x") == [(len(exact), len(over))]


def test_x_limit_with_urls_and_emoji_mixed() -> None:
    url = "https://status.crisisplay.com/incident/2024-05-01"
    base = f"Update {THUMBS_TONE} {url} "  # 6+1+2+1+23+1 = 34
    assert platform_length(base, "x")[0] == 34
    text = base + "a" * 246
    assert platform_length(text, "x")[0] == 280 and too_long(text, "x") == []
    text_over = text + "!"
    assert too_long(text_over, "x") == [(len(text), len(text_over))]


def test_x_overflow_offset_maps_back_through_nfc() -> None:
    text = E_DECOMPOSED * 280 + "xyz"  # 560 code points in the original, 280 after NFC
    assert platform_length(text, "x")[0] == 283
    assert too_long(text, "x") == [(560, 563)]


def test_x_overflow_inside_an_emoji_starts_at_the_emoji() -> None:
    text = "a" * 279 + FAMILY
    assert too_long(text, "x") == [(279, len(text))]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("hello", 5),
        (E_DECOMPOSED, 1),
        ("n\u0303o\u0308", 2),
        (THUMBS_TONE, 1),
        (FAMILY, 1),
        (FLAG_ES + FLAG_ES, 2),
        (FLAG_ES + "\U0001f1ea", 2),  # a lone regional indicator is its own cluster
        (HEART, 1),
        (KEYCAP, 1),
        ("\r\n", 1),
        ("한국어", 3),
        ("\u1112\u1161\u11ab", 1),  # conjoining jamo: one syllable
        ("\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 1),  # tag flag
    ],
    ids=[
        "ascii",
        "combining",
        "two-combining",
        "skin-tone",
        "zwj",
        "two-flags",
        "odd-ri",
        "vs16",
        "keycap",
        "crlf",
        "hangul",
        "jamo",
        "tag-sequence",
    ],
)
def test_graphemes(text: str, count: int) -> None:
    assert grapheme_count(text) == count


@pytest.mark.parametrize(
    ("unit", "graphemes"),
    [("a", 1), (E_DECOMPOSED, 1), (FAMILY, 1), (FLAG_ES, 1)],
    ids=["ascii", "combining", "zwj", "flag"],
)
def test_bluesky_300_graphemes_is_inclusive(unit: str, graphemes: int) -> None:
    exact = unit * 300
    assert platform_length(exact, "bluesky") == (300, 300)
    assert too_long(exact, "bluesky") == []
    over = exact + unit
    assert too_long(over, "bluesky") == [(len(exact), len(over))]


def test_bluesky_byte_limit() -> None:
    text = FAMILY * 120  # 120 graphemes, 25 bytes each = 3000 bytes: passes
    assert len(text.encode()) == 3000
    assert [f for f in check_statement(text, platform="bluesky") if f.severity == "error"] == []
    text_over = text + "a"  # 3001 bytes, still only 121 graphemes
    [f] = [f for f in check_statement(text_over, platform="bluesky") if f.severity == "error"]
    assert (f.rule, f.family, f.start, f.end) == (
        "too-many-bytes",
        "platform-length",
        len(text),
        len(text_over),
    )


@pytest.mark.parametrize("platform", ["threads", "instagram", "facebook", "linkedin", "tiktok"])
def test_code_point_platforms_limit_is_inclusive(platform: str) -> None:
    limit = PLATFORM_LIMITS[platform]
    exact = "We got this wrong. " * (limit // 19) + "a" * (limit % 19)
    assert platform_length(exact, platform) == (limit, limit)
    assert too_long(exact, platform) == []
    assert too_long(exact + "é", platform) == [(limit, limit + 1)]


def test_platform_aliases_and_case() -> None:
    assert platform_length("hi", "Twitter") == (2, 280)
    assert platform_length("hi", "X") == (2, 280)


def test_too_long_message_gives_the_count() -> None:
    [f] = check_statement("a" * 281, platform="x")
    assert f.severity == "error" and "281" in f.message and "280" in f.message


def test_facebook_fold_only_when_the_key_message_is_hidden() -> None:
    lead_first = "We got this wrong and we're sorry. " + "Details follow. " * 20
    assert [f.rule for f in check_statement(lead_first, platform="facebook")] == []
    buried = "Dear community, " * 10 + "we're sorry: we got this wrong."
    infos = [f for f in check_statement(buried, platform="facebook") if f.severity == "info"]
    assert [(f.rule, f.start) for f in infos] == [("see-more-fold", 125)]
    assert check_statement("Short and sweet.", platform="facebook") == []


def test_instagram_links_and_tiktok_media_are_info() -> None:
    [link] = check_statement("We're sorry. Refunds: https://example.com/r", platform="instagram")
    assert (link.rule, link.severity) == ("instagram-link", "info")
    [media] = check_statement("We're sorry.", platform="tiktok")
    assert (media.rule, media.severity, media.start, media.end) == (
        "tiktok-needs-media",
        "info",
        0,
        0,
    )


def test_url_detection() -> None:
    text = "Info: https://x.com/a). More at status.example.com, and t.co/abc."
    assert [text[s:e] for s, e in url_spans(text)] == [
        "https://x.com/a",
        "status.example.com",
        "t.co/abc",
    ]


def test_nfc_is_applied_before_counting_on_x() -> None:
    decomposed = unicodedata.normalize("NFD", "Lo sentimos, señor. Información en breve.")
    assert platform_length(decomposed, "x")[0] == len(unicodedata.normalize("NFC", decomposed))


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("नमस्ते", 3),  # न म स्ते: the virama joins the conjunct (Unicode 15.1)
        ("क्षत्रिय", 3),
        ("\u0600\u0661", 1),  # a Prepend character joins what follows
        ("ภาษาไทย", 7),
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", 1),
    ],
    ids=["hindi", "conjuncts", "prepend", "thai", "family"],
)
def test_bluesky_counts_what_a_reader_sees_as_one_character(text: str, count: int) -> None:
    assert grapheme_count(text) == count


def test_a_hindi_post_that_fits_bluesky_is_not_flagged() -> None:
    """300 of Bluesky's characters in 600 code points of Hindi, which a reading of Unicode
    without its conjunct rules counts as 400 and flags as too long."""
    text = "नमस्ते" * 100  # 600 code points, 300 graphemes
    assert platform_length(text, "bluesky") == (300, 300)
    assert too_long(text, "bluesky") == []
    assert too_long(text + "न", "bluesky") == [(len(text), len(text) + 1)]
