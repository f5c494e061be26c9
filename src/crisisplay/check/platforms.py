"""Post length the way each network counts it.

* X: twitter-text v3 weighting. The text is NFC-normalised and its line endings made
  "\\n"; every link (found by twitter-text's rules: `xurls.py`) counts 23; an emoji
  (including ZWJ sequences, flags, keycaps and skin tones) counts 2 as a whole; any
  other code point counts 1 in the ranges 0-4351, 8192-8205, 8208-8223 and
  8242-8247, and 2 elsewhere (CJK, most symbols). Limit 280. Checked against
  twitter-text-parser, the reference, in tests/test_x_length.py.
* Bluesky: 300 extended grapheme clusters as Unicode defines them (the `regex`
  module's `\\X`), and at most 3,000 bytes of UTF-8.
* Threads, Instagram, Facebook, LinkedIn, TikTok: Unicode code points (Python
  ``len``), which is what their published limits describe.

For X only the emoji in a cluster matter, so its clusters come from the small UAX #29
reading below (combining marks, Hangul, ZWJ emoji, flags, skin tones, variation
selectors), which needs no import. One known difference from twitter-text: emoji
joined by a ZWJ into a sequence that is not a known emoji count 2 here, not 2 each.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterator

PLATFORM_LIMITS: dict[str, int] = {
    "x": 280,
    "bluesky": 300,
    "threads": 500,
    "instagram": 2200,
    "facebook": 63206,
    "linkedin": 3000,
    "tiktok": 2200,
}
BLUESKY_MAX_BYTES = 3000
#: Networks that take no post of text alone: TikTok publishes videos and photo posts,
#: an Instagram feed post is an image, a carousel or a reel. A statement there is the
#: caption of a picture or a video someone has to make (a drafted reply or comment is
#: text, and fine).
NEEDS_MEDIA = frozenset({"instagram", "tiktok"})
ALIASES = {"twitter": "x", "bsky": "bluesky", "fb": "facebook", "ig": "instagram"}

X_URL_WEIGHT = 23


def canonical_platform(platform: str) -> str:
    """The platform's canonical name; ``ValueError`` for an unknown one."""
    name = platform.strip().lower()
    name = ALIASES.get(name, name)
    if name not in PLATFORM_LIMITS:
        known = ", ".join(sorted(PLATFORM_LIMITS))
        raise ValueError(f"unknown platform {platform!r}; known platforms: {known}")
    return name


def media_note(platform: str) -> str | None:
    """What to post a statement with on a network that takes no text alone, in the
    current language; None where text alone can be posted."""
    if platform not in NEEDS_MEDIA:
        return None
    from crisisplay.i18n import _

    if platform == "tiktok":
        return _(
            "TikTok: post this as a video or an image with this text as its caption; "
            "text alone can't be posted."
        )
    return _(
        "Instagram: post this as an image or a video with this text as its caption; "
        "text alone can't be posted."
    )


# --- Unicode properties the standard library does not expose -----------------------

# Extended_Pictographic (emoji-data.txt, Unicode 15), as sorted inclusive ranges.
_EXT_PICT = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049),
    (0x2122, 0x2122), (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA),
    (0x231A, 0x231B), (0x2328, 0x2328), (0x2388, 0x2388), (0x23CF, 0x23CF),
    (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB),
    (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2605),
    (0x2607, 0x2612), (0x2614, 0x2685), (0x2690, 0x2705), (0x2708, 0x2712),
    (0x2714, 0x2714), (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721),
    (0x2728, 0x2728), (0x2733, 0x2734), (0x2744, 0x2744), (0x2747, 0x2747),
    (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757),
    (0x2763, 0x2767), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0),
    (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B50), (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D),
    (0x3297, 0x3297), (0x3299, 0x3299), (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F),
    (0x1F12F, 0x1F12F), (0x1F16C, 0x1F171), (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E),
    (0x1F191, 0x1F19A), (0x1F1AD, 0x1F1E5), (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A),
    (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A), (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA),
    (0x1F400, 0x1F53D), (0x1F546, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F),
    (0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F),
    (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8FF), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945),
    (0x1F947, 0x1FAFF), (0x1FC00, 0x1FFFD),
)  # fmt: skip
_EXT_PICT_STARTS = [r[0] for r in _EXT_PICT]


def is_extended_pictographic(cp: int) -> bool:
    i = bisect.bisect_right(_EXT_PICT_STARTS, cp) - 1
    return i >= 0 and _EXT_PICT[i][0] <= cp <= _EXT_PICT[i][1]


_CR, _LF, _CONTROL, _EXTEND, _ZWJ, _RI, _SPACING = range(7)
_L, _V, _T, _LV, _LVT, _PICT, _OTHER = range(7, 14)


def _gcb(ch: str) -> int:
    """Grapheme_Cluster_Break property (simplified: no Prepend)."""
    cp = ord(ch)
    if cp < 0x7F:
        if cp == 0x0D:
            return _CR
        if cp == 0x0A:
            return _LF
        return _CONTROL if cp < 0x20 else _OTHER
    if cp == 0x200D:
        return _ZWJ
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return _RI
    if 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F or cp == 0x200C:
        return _EXTEND  # skin-tone modifiers, emoji tag characters, ZWNJ
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return _L
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return _V
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return _T
    if 0xAC00 <= cp <= 0xD7A3:
        return _LV if (cp - 0xAC00) % 28 == 0 else _LVT
    if is_extended_pictographic(cp):
        return _PICT
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me"):
        return _EXTEND
    if cat == "Mc":
        return _SPACING
    if cat in ("Cc", "Zl", "Zp", "Cf"):
        return _CONTROL
    return _OTHER


def grapheme_spans(text: str) -> Iterator[tuple[int, int]]:
    """Extended grapheme clusters of ``text`` as (start, end) string offsets."""
    if not text:
        return
    if text.isascii() and "\r" not in text:
        for i in range(len(text)):
            yield i, i + 1
        return
    start = 0
    prev = _gcb(text[0])
    ri_run = 1 if prev == _RI else 0
    pict_seq = prev == _PICT  # inside ExtPict Extend*
    pict_zwj = False  # ExtPict Extend* ZWJ just seen
    for i in range(1, len(text)):
        cur = _gcb(text[i])
        join: bool
        if prev == _CR and cur == _LF:
            join = True
        elif prev in (_CR, _LF, _CONTROL) or cur in (_CR, _LF, _CONTROL):
            join = False
        elif (
            (prev == _L and cur in (_L, _V, _LV, _LVT))
            or (prev in (_LV, _V) and cur in (_V, _T))
            or (prev in (_LVT, _T) and cur == _T)
            or cur in (_EXTEND, _ZWJ, _SPACING)
            or (pict_zwj and cur == _PICT)
        ):
            join = True
        elif prev == _RI and cur == _RI:
            join = ri_run % 2 == 1
        else:
            join = False
        if not join:
            yield start, i
            start = i
        # update emoji / regional-indicator state
        ri_run = ri_run + 1 if cur == _RI else 0
        if cur == _PICT:
            pict_seq, pict_zwj = True, False
        elif cur == _ZWJ:
            pict_zwj = pict_seq
            pict_seq = False
        elif cur == _EXTEND:
            pict_zwj = False
        else:
            pict_seq = pict_zwj = False
        prev = cur
    yield start, len(text)


def user_perceived_characters(text: str) -> Iterator[tuple[int, int]]:
    """Extended grapheme clusters as Unicode defines them today (UAX #29 with Prepend and
    Indic conjuncts), as Bluesky counts them: the `regex` module's `\\X`, imported only
    for text that is not plain ASCII (where every character is one)."""
    if text.isascii() and "\r" not in text:
        for i in range(len(text)):
            yield i, i + 1
        return
    import regex

    for m in regex.finditer(r"\X", text):
        yield m.span()


def grapheme_count(text: str) -> int:
    """How many characters Bluesky sees in `text`."""
    return sum(1 for _ in user_perceived_characters(text))


# --- X (twitter-text v3) ---------------------------------------------------------------

_WEIGHT_ONE = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def url_spans(text: str) -> list[tuple[int, int]]:
    """URLs as X links them (twitter-text's rules: `xurls.py`), as (start, end) offsets."""
    from .xurls import url_spans as spans

    return spans(text)


def _is_emoji_cluster(cluster: str) -> bool:
    first = ord(cluster[0])
    if 0x1F1E6 <= first <= 0x1F1FF:
        return len(cluster) >= 2
    if cluster[0] in "0123456789#*":
        return "\u20e3" in cluster  # keycap
    if is_extended_pictographic(first):
        # text-default pictographs in the weight-1 range (©, ®) are emoji only with VS16
        return first > 4351 or "\ufe0f" in cluster
    return False


def _code_point_weight(cp: int) -> int:
    for lo, hi in _WEIGHT_ONE:
        if lo <= cp <= hi:
            return 1
    return 2


def _nfc_with_origin(text: str) -> tuple[str, list[int]]:
    """NFC of ``text`` and, for each NFC character, the original offset it came from."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    chunk_start = 0

    def flush(end: int) -> None:
        chunk = text[chunk_start:end]
        norm = unicodedata.normalize("NFC", chunk)
        out.append(norm)
        if len(norm) == len(chunk):
            origin.extend(range(chunk_start, end))
        else:
            origin.extend([chunk_start] * len(norm))

    for i in range(1, len(text)):
        cp = ord(text[i])
        if unicodedata.combining(text[i]) or 0x1160 <= cp <= 0x11FF:
            continue
        flush(i)
        chunk_start = i
    flush(len(text))
    return "".join(out), origin


def _x_units(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, weight) units of NFC text in order: URLs, emoji, other code points."""
    segment_start = 0
    for u_start, u_end in [*url_spans(text), (len(text), len(text))]:
        segment = text[segment_start:u_start]
        for c_start, c_end in grapheme_spans(segment):
            cluster = segment[c_start:c_end]
            if cluster == "\r\n":  # X turns every line ending into one "\n"
                yield segment_start + c_start, segment_start + c_end, 1
            elif _is_emoji_cluster(cluster):
                if cluster.endswith("\u200d"):  # a joiner with nothing after it is its own
                    yield segment_start + c_start, segment_start + c_end - 1, 2
                    yield segment_start + c_end - 1, segment_start + c_end, 1
                else:
                    yield segment_start + c_start, segment_start + c_end, 2
            else:
                for k, ch in enumerate(cluster):
                    off = segment_start + c_start + k
                    yield off, off + 1, _code_point_weight(ord(ch))
        if u_end > u_start:
            yield u_start, u_end, X_URL_WEIGHT
        segment_start = u_end


def x_weighted_length(text: str) -> int:
    nfc = unicodedata.normalize("NFC", text)
    return sum(w for _, _, w in _x_units(nfc))


def platform_length(text: str, platform: str) -> tuple[int, int]:
    """(counted length, limit) of ``text`` on ``platform`` (``ValueError`` if unknown)."""
    name = canonical_platform(platform)
    limit = PLATFORM_LIMITS[name]
    if name == "x":
        return x_weighted_length(text), limit
    if name == "bluesky":
        return grapheme_count(text), limit
    return len(text), limit


def overflow_start(text: str, platform: str) -> int | None:
    """Offset in ``text`` of the first character past the platform's limit, or None."""
    name = canonical_platform(platform)
    limit = PLATFORM_LIMITS[name]
    if name == "x":
        nfc, origin = _nfc_with_origin(text)
        total = 0
        for start, _end, weight in _x_units(nfc):
            total += weight
            if total > limit:
                return origin[start] if start < len(origin) else len(text)
        return None
    if name == "bluesky":
        for n, (start, _end) in enumerate(user_perceived_characters(text)):
            if n == limit:
                return start
        return None
    return limit if len(text) > limit else None


def bluesky_byte_overflow(text: str) -> int | None:
    """Offset of the first character that takes the text past 3,000 UTF-8 bytes."""
    size = 0
    for i, ch in enumerate(text):
        size += len(ch.encode("utf-8", "surrogatepass"))
        if size > BLUESKY_MAX_BYTES:
            return i
    return None
