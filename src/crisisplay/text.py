"""Small text helpers shared by ids, file names and the terminal."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, max_len: int = 40) -> str:
    """'Café Olé — Store #12' -> 'cafe-ole-store-12' (ASCII, lower case, '-' between words)."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug or "untitled"


# Characters that must never reach a terminal from text someone else wrote: C0 controls
# but tab and newline (ESC starts `\e]0;title\a` and `\e[2J`; CR overwrites a line; BEL),
# DEL, C1 controls (U+009B is a one-byte CSI on some terminals), and the bidirectional
# embeddings, overrides and isolates that make text read differently from what it is
# ("Trojan Source"). Marks (U+200E/F, U+061C) stay: right-to-left text needs them.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` without the characters that can rewrite a terminal or disguise text."""
    return _UNSAFE.sub("", text) if _UNSAFE.search(text) else text


def json_safe(encoded: str) -> str:
    """JSON text with those characters escaped (`\\u001b`, `\\u202e`): the data stays
    exactly the same for a parser, and `cat report.json` cannot rewrite the screen.
    (They can only occur inside JSON strings, where an escape means the same.)"""
    if not _UNSAFE.search(encoded):
        return encoded
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


MAX_URL = 2048  # what browsers and the networks' own links stay under


def web_address(text: str) -> str:
    """`text` if it is an http(s) address with a host (where a statement was published),
    else ValueError saying what is wrong. `javascript:alert(1)`, `file:///etc/passwd`,
    `https://` alone, spaces and control characters are refused: the report turns the
    address into a link."""
    from urllib.parse import urlsplit

    from crisisplay.i18n import _

    url = str(text).strip()
    shown = printable(url[:80]) + ("…" if len(url) > 80 else "")

    def refuse(why: str) -> ValueError:
        return ValueError(
            _("'{shown}' is not a web address ({why}): give the post's link, https://…").format(
                shown=shown, why=why
            )
        )

    if len(url) > MAX_URL:
        raise refuse(_("over {n} characters").format(n=f"{MAX_URL:,}"))
    if any(c.isspace() for c in url) or printable(url) != url:
        raise refuse(_("it has spaces or control characters in it"))
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise refuse(_("it cannot be read as a link")) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise refuse(_("only http:// and https:// links are"))
    if not host or ("." not in host.strip(".") and host != "localhost"):
        raise refuse(_("it has no host, such as x.com"))
    return url
