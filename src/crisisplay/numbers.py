"""Numbers as people write them at 2 a.m.: "260.000", "260,000", "85k", "1,2 M", "2 mil".

Pure and small: no terminal, no playbook. The playbook's language says which separator
groups thousands (es: `.`, en: `,`) and which one starts the decimals. Where one
separator could be either ("1.234" in English, "1,5" in English, "1,234" in Spanish) the
text is ambiguous and the caller asks back with both readings; nothing is guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from crisisplay.i18n import _, speaking

Number = int | float

# Multipliers, by language; matched on the lower-cased word after the digits.
_COMMON = {"k": 10**3, "m": 10**6, "mm": 10**6, "bn": 10**9}
_WORDS = {
    "en": {"thousand": 10**3, "million": 10**6, "millions": 10**6, "mn": 10**6, "billion": 10**9},
    "es": {
        "mil": 10**3,
        "millón": 10**6,
        "millon": 10**6,
        "millones": 10**6,
        "mill": 10**6,
        "mill.": 10**6,
        "mil millones": 10**9,
    },
}
_SHAPE = re.compile(r"([+-]?)\s*(\d[\d.,\s]*?)\s*([^\d\s.,][^\d]*)?")

# Thousands and decimal separators, as each language writes them (English for the rest).
SEPARATORS = {"en": (",", "."), "es": (".", ",")}


def base_language(lang: str | None) -> str:
    base = (lang or "en").split("-")[0].split("_")[0].lower()
    return base if base in _WORDS else "en"


def local(value: Number, lang: str | None = "en") -> str:
    """A number as the language writes it: 500000 -> 500,000 (en) or 500.000 (es);
    72.5 -> 72.5 or 72,5; 100.0 -> 100."""
    thousands, point = SEPARATORS[base_language(lang)]
    if isinstance(value, float) and not value.is_integer():
        whole, _dot, frac = f"{value:,.6f}".rstrip("0").partition(".")
        return whole.replace(",", thousands) + point + frac
    return f"{int(value):,}".replace(",", thousands)


class NotANumber(ValueError):
    def __init__(self, text: str, lang: str | None = "en") -> None:
        self.text = text
        with speaking(lang):
            said = _("'{text}' is not a number: write it as 1200, 1,200, 85k or 1.2M.")
        super().__init__(said.format(text=text.strip()))


class Ambiguous(ValueError):
    """Two readings of one text; `readings[0]` is the one the language suggests."""

    def __init__(self, text: str, readings: tuple[Number, Number], lang: str | None = "en") -> None:
        self.text = text
        self.readings = readings
        self.lang = base_language(lang)
        a, b = (describe(r, lang) for r in readings)
        with speaking(lang):
            said = _("'{text}' could be {a} or {b}: which one?")
        super().__init__(said.format(text=text.strip(), a=a, b=b))


def describe(n: Number, lang: str | None = "en") -> str:
    """A number written so that no reader can take it the other way: whole numbers grouped
    with spaces ("260 000"), decimals with the language's separator and a word saying so."""
    lang = base_language(lang)
    if isinstance(n, int) or float(n).is_integer():
        return f"{int(n):,}".replace(",", " ")
    text = format(Decimal(str(n)).normalize(), "f")
    whole, _dot, frac = text.partition(".")
    whole = f"{int(whole):,}".replace(",", " ") if whole.lstrip("-") else whole
    sep = "," if lang == "es" else "."
    with speaking(lang):
        decimals = _("with decimals")
    return f"{whole}{sep}{frac} ({decimals})"


def parse_number(text: str, lang: str | None = "en") -> Number:
    """The number `text` says, in `lang`; raises NotANumber or Ambiguous."""
    readings = number_readings(text, lang)
    if not readings:
        raise NotANumber(text, lang)
    if len(readings) > 1:
        raise Ambiguous(text, (readings[0], readings[1]), lang)
    return readings[0]


def number_readings(text: str, lang: str | None = "en") -> list[Number]:
    """Every reading of `text` as a number: none, one, or two when a separator is ambiguous."""
    lang = base_language(lang)
    raw = " ".join(str(text).split())
    m = _SHAPE.fullmatch(raw)
    if not m:
        return []
    sign, digits, word = m.group(1), m.group(2).strip(), (m.group(3) or "").strip()
    scale = 1
    if word:
        w = word.lower()
        found = _WORDS[lang].get(w) or _COMMON.get(w)
        if found is None:
            return []
        scale = found
    out: list[Number] = []
    for reading in _digit_readings(digits, lang, scaled=scale != 1):
        try:
            value = Decimal(reading) * scale
        except InvalidOperation:
            continue
        if sign == "-":
            value = -value
        number: Number = int(value) if value == value.to_integral_value() else float(value)
        if number not in out:
            out.append(number)
    return out


def _digit_readings(digits: str, lang: str, *, scaled: bool) -> list[str]:
    """Plain decimal strings ("1234", "1.234") for the digits and separators given."""
    thousands = "." if lang == "es" else ","
    compact = digits.replace(" ", "")
    if " " in digits and not _grouped(digits.split(" ")):
        return []
    seps = [c for c in compact if c in ".,"]
    if not seps:
        return [compact]
    if compact[-1] in ".," or compact[0] in ".,":
        return []
    if len(set(seps)) == 2:
        # Both kinds: the last one starts the decimals, the other groups thousands.
        dec = seps[-1]
        if seps.count(dec) != 1:
            return []
        whole, frac = compact.rsplit(dec, 1)
        groups = whole.split("," if dec == "." else ".")
        return [f"{''.join(groups)}.{frac}"] if _grouped(groups) else []
    sep = seps[0]
    parts = compact.split(sep)
    if len(parts) > 2:  # "1.234.567": only thousands
        return ["".join(parts)] if _grouped(parts) else []
    whole, frac = parts
    as_decimal = f"{whole}.{frac}"
    as_thousands = whole + frac if _grouped(parts) else None
    if scaled and len(frac) < 3:  # "1.2M", "1,5 millones": decimals in any language
        return [as_decimal]
    if sep == thousands:
        if as_thousands is not None:
            return [as_thousands]  # es "260.000", en "260,000"
        return [as_decimal, whole + frac]  # en "1,5": 1.5 the other way, or 15?
    if as_thousands is not None:
        return [as_decimal, as_thousands]  # en "1.234", es "1,234"
    return [as_decimal]


def _grouped(parts: list[str]) -> bool:
    """Thousands groups: a first group of 1-3 digits, then groups of exactly 3."""
    return (
        bool(parts)
        and 1 <= len(parts[0]) <= 3
        and parts[0].isdigit()
        and all(len(p) == 3 and p.isdigit() for p in parts[1:])
    )
