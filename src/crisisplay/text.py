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
