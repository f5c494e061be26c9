"""The interface's words in the playbook's language: one gettext catalogue per language.

Every sentence a person reads during a walk, in `log show` and in a report is written in
English in the code, wrapped in `_()` (or `ngettext()` for counts), and looked up in
`locale/<lang>/LC_MESSAGES/crisisplay.po`, compiled to `crisisplay.mo` beside it. A third
language is one new `.po` file (`make catalogues` extracts, updates and compiles them with
Babel); a language without a catalogue reads English.

Which language: the playbook's `language` (`es`, `es-MX` → `es`), set once per command with
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


def base_language(lang: str | None) -> str:
    """`es-MX` → `es`; None or empty → `en`."""
    return (lang or "en").replace("_", "-").split("-")[0].lower() or "en"


@lru_cache(maxsize=8)
def translator(lang: str | None) -> _gettext.NullTranslations:
    """The catalogue for `lang` (its base language), English when there is none."""
    import gettext as _gettext

    return _gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[base_language(lang)], fallback=True
    )


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
