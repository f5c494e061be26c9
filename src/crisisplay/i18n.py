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

import gettext as _gettext
from functools import lru_cache
from pathlib import Path

DOMAIN = "crisisplay"
LOCALE_DIR = Path(__file__).with_name("locale")


def base_language(lang: str | None) -> str:
    """`es-MX` → `es`; None or empty → `en`."""
    return (lang or "en").replace("_", "-").split("-")[0].lower() or "en"


@lru_cache(maxsize=8)
def translator(lang: str | None) -> _gettext.NullTranslations:
    """The catalogue for `lang` (its base language), English when there is none."""
    return _gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[base_language(lang)], fallback=True
    )


_current: _gettext.NullTranslations = _gettext.NullTranslations()
_current_lang = "en"


def use(lang: str | None) -> None:
    """Answer in `lang` from now on (the playbook's language, set when it is loaded)."""
    global _current, _current_lang
    _current = translator(lang)
    _current_lang = base_language(lang)


def current() -> str:
    """The base language answers are in now: `en`, `es` …"""
    return _current_lang


def _(message: str) -> str:
    """`message` in the current language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """`singular` or `plural`, chosen by `n`, in the current language."""
    return _current.ngettext(singular, plural, n)
