"""The client's voice, held to a statement: emoji, exclamation marks, words the brand never
uses, and (in Spanish) addressing people as tú or usted.

Plain settings in (``VoiceRules``, built by the caller from the client's ``voice``); findings
out as ``(rule, severity, start, end, message, hint)`` with offsets into the text as given,
each naming the rule (``voice.emoji``, ``voice.exclamations``, ``voice.banned``,
``voice.address``) and saying what to write instead. The words are in the statement's
language (English for a language without its own).

The address markers are the forms that can only be one or the other ("usted", "escríbanos",
"te", "contigo", "puedes"): a brand statement rarely uses them for anyone but the reader.
Ambiguous ones ("su pedido" is also "their order", "le" also "him") are left alone.

May import: the shared modules and this room only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple


@dataclass(frozen=True)
class VoiceRules:
    """What the client's voice forbids: ``address`` "tú" or "usted" (Spanish), emoji and
    exclamation marks when False, and words never used."""

    address: str | None = None
    emoji: bool = True
    exclamations: bool = True
    banned: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: VoiceRules | Mapping[str, Any] | None) -> VoiceRules:
        if isinstance(settings, VoiceRules):
            return settings
        s = dict(settings or {})
        return cls(
            address=s.get("address") or None,
            emoji=bool(s.get("emoji", True)),
            exclamations=bool(s.get("exclamations", True)),
            banned=tuple(str(b) for b in s.get("banned") or () if str(b).strip()),
        )

    def __bool__(self) -> bool:
        return bool(self.address or not self.emoji or not self.exclamations or self.banned)


class VoiceFinding(NamedTuple):
    rule: str
    severity: str
    start: int
    end: int
    message: str
    hint: str


MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "voice.emoji": (
            "Emoji are not in this client's voice.",
            "Say it in words, or leave it out.",
        ),
        "voice.exclamations": (
            "Exclamation marks are not in this client's voice.",
            "End the sentence with a full stop: calm reads as in control.",
        ),
        "voice.banned": (
            '"{term}" is a word this client\'s voice never uses.',
            "Rephrase without it (see the client's voice in the playbook).",
        ),
        "voice.address": (
            '"{term}" addresses people as {other}; this client addresses them as {address}.',
            'Write "{instead}".',
        ),
    },
    "es": {
        "voice.emoji": (
            "Los emojis no forman parte de la voz de este cliente.",
            "Dilo con palabras, o quítalo.",
        ),
        "voice.exclamations": (
            "Los signos de exclamación no forman parte de la voz de este cliente.",
            "Termina la frase con un punto: la calma transmite control.",
        ),
        "voice.banned": (
            "«{term}» es una palabra que la voz de este cliente no usa nunca.",
            "Reformula sin ella (ver la voz del cliente en el protocolo).",
        ),
        "voice.address": (
            "«{term}» trata a la gente de {other}; este cliente la trata de {address}.",
            "Escribe «{instead}».",
        ),
    },
}

#: Forms that address one person as usted, and what a tú brand writes instead.
USTED_FORMS = {
    "usted": "tú",
    "escríbanos": "escríbenos",
    "contáctenos": "contáctanos",
    "llámenos": "llámanos",
    "envíenos": "envíanos",
    "díganos": "dinos",
    "cuéntenos": "cuéntanos",
    "visítenos": "visítanos",
    "consúltenos": "consúltanos",
    "disculpe": "disculpa",
    "le rogamos": "te pedimos",
    "le informamos": "te contamos",
    "le agradecemos": "te agradecemos",
}
#: Forms that address people as tú (or vosotros), and what an usted brand writes instead.
TU_FORMS = {
    "tú": "usted",
    "tu": "su",
    "tus": "sus",
    "te": "le",
    "ti": "usted",
    "contigo": "con usted",
    "puedes": "puede",
    "quieres": "quiere",
    "tienes": "tiene",
    "sabes": "sabe",
    "necesitas": "necesita",
    "estás": "está",
    "eres": "es",
    "has": "ha",
    "vas": "va",
    "escríbenos": "escríbanos",
    "contáctanos": "contáctenos",
    "llámanos": "llámenos",
    "envíanos": "envíenos",
    "dinos": "díganos",
    "cuéntanos": "cuéntenos",
    "visítanos": "visítenos",
    "consúltanos": "consúltenos",
    "vos": "usted",
    "podés": "puede",
    "querés": "quiere",
    "tenés": "tiene",
    "sabés": "sabe",
    "necesitás": "necesita",
    "escribinos": "escríbanos",
    "contanos": "cuéntenos",
    "avisanos": "avísenos",
    "os": "les",
    "vosotros": "ustedes",
    "vuestro": "su",
    "vuestra": "su",
    "vuestros": "sus",
    "vuestras": "sus",
}

# Pictographs, dingbats and symbols shown as emoji, with what joins them into one picture
# (variation selector, skin tones, zero-width joiner, keycaps, flags).
_PICTO = (
    "\U0001f000-\U0001faff"  # mahjong … symbols and pictographs extended-A
    "\u2600-\u27bf"  # miscellaneous symbols, dingbats
    "\u2b00-\u2bff"  # arrows and stars (⭐ ⬆)
    "\u2300-\u23ff"  # ⌚ ⏰
    "\u3030\u303d\u3297\u3299"
)
_EMOJI = re.compile(
    rf"(?:[{_PICTO}]|[#*0-9]\ufe0f?\u20e3)"
    rf"(?:[\ufe0f\U0001f3fb-\U0001f3ff\u20e3]|\u200d[{_PICTO}])*"
    rf"(?:\s*(?:[{_PICTO}])(?:[\ufe0f\U0001f3fb-\U0001f3ff]|\u200d[{_PICTO}])*)*"
)
# A Spanish exclamation (¡…!) is one finding; a bare run of marks is another.
_EXCLAMATION = re.compile(r"¡[^¡!\n]{0,300}!+|[!¡]+")


@lru_cache(maxsize=8)
def _forms(forms: tuple[str, ...]) -> re.Pattern[str]:
    """The forms as written, or with a capital at the start of a sentence: not in capitals
    ("TE-V-1001" is a road, not "te")."""
    spelled = {v for f in forms for v in (f, f[:1].upper() + f[1:])}
    parts = sorted((r"\s+".join(map(re.escape, f.split())) for f in spelled), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?![\w-])")


def _primary(lang: str) -> str:
    return (lang or "en").strip().replace("_", "-").split("-")[0].lower()


def voice_findings(
    text: str, rules: VoiceRules, lang: str = "en", *, banned_spans: Sequence[tuple[int, int]] = ()
) -> list[VoiceFinding]:
    """What in `text` the client's voice forbids. `banned_spans` are where the voice's
    banned words are (found by the caller on its folded text, as the checker's banned
    phrases are): each becomes a `voice.banned` error."""
    language = _primary(lang)
    words = MESSAGES.get(language, MESSAGES["en"])

    def said(rule: str, **values: str) -> tuple[str, str]:
        message, hint = words[rule]
        return message.format(**values), hint.format(**values)

    out: list[VoiceFinding] = []
    if not rules.emoji:
        for m in _EMOJI.finditer(text):
            out.append(VoiceFinding("voice.emoji", "warning", *m.span(), *said("voice.emoji")))
    if not rules.exclamations:
        for m in _EXCLAMATION.finditer(text):
            out.append(
                VoiceFinding(
                    "voice.exclamations", "warning", *m.span(), *said("voice.exclamations")
                )
            )
    for start, end in banned_spans:
        out.append(
            VoiceFinding(
                "voice.banned", "error", start, end, *said("voice.banned", term=text[start:end])
            )
        )
    if language == "es" and rules.address in ("tú", "usted"):
        wrong = USTED_FORMS if rules.address == "tú" else TU_FORMS
        other = "usted" if rules.address == "tú" else "tú"
        for m in _forms(tuple(wrong)).finditer(text):
            term = m.group(0)
            instead = wrong.get(" ".join(term.lower().split()), "")
            if term[:1].isupper():
                instead = instead[:1].upper() + instead[1:]
            out.append(
                VoiceFinding(
                    "voice.address",
                    "warning",
                    *m.span(),
                    *said(
                        "voice.address",
                        term=term,
                        other=other,
                        address=rules.address,
                        instead=instead,
                    ),
                )
            )
    return out
