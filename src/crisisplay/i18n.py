"""The interface's words in the playbook's language: one gettext catalogue per language.

Every sentence a person reads during a walk, in `log show` and in a report is written in
English in the code, wrapped in `_()` (or `ngettext()` for counts), and looked up in
`locale/<lang>/LC_MESSAGES/crisisplay.po`, compiled to `crisisplay.mo` beside it. A third
language is one new `.po` file (`make catalogues` extracts, updates and compiles them with
Babel); a language without a catalogue reads English.

Which language: the playbook's `language` (`es-MX` reads an `es_MX` catalogue, then
`es_419`, then `es`: `language_tags`), set once per command with
`use(lang)`; the functions below then answer in it. Code that renders for another language
than the current one (a report of a Spanish incident printed from an English workspace)
asks `translator(lang)` for its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gettext as _gettext

DOMAIN = "crisisplay"
LOCALE_DIR = Path(__file__).with_name("locale")


#: Spanish of Latin America: a country tag without words of its own reads `es-419`'s
#: before `es`'s (CLDR's parent locales).
LATIN_AMERICA = frozenset(
    {"AR", "BO", "BR", "BZ", "CL", "CO", "CR", "CU", "DO", "EC", "GT"}
    | {"HN", "MX", "NI", "PA", "PE", "PR", "PY", "SV", "US", "UY", "VE"}
)


def language_tags(language: str | None) -> list[str]:
    """The tags to look for words in, most specific first: `es-MX` → es-MX, es-419, es;
    `es-ES` → es-ES, es (CONTRACT §7: a more specific tag falls back to its base
    language). Statement templates (`templates/<tag>/`) and catalogues read the same."""
    parts = (language or "en").strip().replace("_", "-").split("-")
    primary = parts[0].lower() or "en"
    tags: list[str] = []
    if len(parts) > 1 and parts[-1]:
        region = parts[-1].upper() if len(parts[-1]) == 2 else parts[-1]
        tags.append("-".join([primary, *parts[1:-1], region]))
        if primary == "es" and region in LATIN_AMERICA:
            tags.append("es-419")
    tags.append(primary)
    return tags


def base_language(lang: str | None) -> str:
    """`es-MX` → `es`; None or empty → `en`."""
    return (lang or "en").replace("_", "-").split("-")[0].lower() or "en"


@lru_cache(maxsize=8)
def translator(lang: str | None) -> _gettext.NullTranslations:
    """The catalogue for `lang`: its own (`es_ES`), else its region's (`es_419` for
    `es-MX`), else its base language's; what a more specific one lacks is looked up in
    the next. English when there is none."""
    import gettext as _gettext

    tags = [t.replace("-", "_") for t in language_tags(lang)]
    return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=tags, fallback=True)


def languages() -> list[str]:
    """Every language the interface speaks: English, and each one with a catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return ["en", *found]


# None: English, the words as written (no catalogue is opened for it: importing this
# module costs a command nothing until a playbook in another language is loaded).
_current: _gettext.NullTranslations | None = None
_current_lang = "en"
#: Inside `speaking(lang)`: (lang, catalogue) for this thread only, over `use()`'s.
_speaking: ContextVar[tuple[str, _gettext.NullTranslations | None] | None] = ContextVar(
    "crisisplay_speaking", default=None
)


def use(lang: str | None) -> None:
    """Answer in `lang` from now on (the playbook's language, set when it is loaded)."""
    global _current, _current_lang
    _current_lang = base_language(lang)
    _current = None if _current_lang == "en" else translator(lang)


@contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Answer in `lang` inside the block, in this thread only, as before after it: for
    words kept in a language of their own (a drill's frame and score in its scenario's
    language, a number read by the playbook's)."""
    base = base_language(lang)
    token = _speaking.set((base, None if base == "en" else translator(lang)))
    try:
        yield
    finally:
        _speaking.reset(token)


def _catalogue() -> _gettext.NullTranslations | None:
    here = _speaking.get()
    return _current if here is None else here[1]


def current() -> str:
    """The base language answers are in now: `en`, `es` …"""
    here = _speaking.get()
    return _current_lang if here is None else here[0]


def _(message: str) -> str:
    """`message` in the current language."""
    found = _catalogue()
    return message if found is None else found.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """`singular` or `plural`, chosen by `n`, in the current language."""
    found = _catalogue()
    if found is None:
        return singular if n == 1 else plural
    return found.ngettext(singular, plural, n)
