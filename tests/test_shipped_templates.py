"""The shipped statement templates read as posts a person would publish.

Every template is rendered for English, neutral Spanish, Spain's and Latin America's,
with tú and usted, with and without a safety instruction, with the cause known and not,
signed and unsigned — the values a real incident gives — and each post is held to what a
practitioner checks before publishing it: no form labels, what to do first when safety
is involved, the signature, one form of address, one variety of Spanish, no checker
finding, and the network's length.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from crisisplay.check import check_statement
from crisisplay.check.platforms import platform_length
from crisisplay.playbook.templates import file_layer, parse, render, sentence

SHIPPED = Path(__file__).resolve().parent.parent / "templates"
KINDS = ("holding-statement", "apology", "update", "resolution")
#: The statements a safety instruction opens (the resolution closes the topic).
SAFETY_FIRST = ("holding-statement", "apology", "update")

# What a manager types in a real incident, at the lengths the walk's questions ask for
# (under 100 characters each), and the times a statement says.
EN = {
    "issue_summary": "some cold brew sold on 20 November may be contaminated",
    "update_text": "every bottle from that batch is off the shelves in all our stores",
    "what_we_did_wrong": "we sold cold brew from a batch that had not passed its safety check",
    "explanation": "a label printer failed and the batch left before the lab results came back",
    "remedy": "a full refund at any store, with or without a receipt",
    "prevention": "no batch now leaves the kitchen until the lab has signed it off",
    "resolution_summary": "we recalled the 20 November batch and refunded 412 people",
    "what_changed": "no batch now leaves our kitchen until the lab has signed it off",
    "what_to_do": "don't drink cold brew bought on 20 November. If you feel unwell, see a doctor",
    "now": "10:05 CET",
    "next_update": "tomorrow 15:00 CET",
    "signature": "— The Bean There team",
}
ES = {
    "issue_summary": "parte del cold brew vendido el 20 de noviembre puede estar contaminado",
    "update_text": "ya no queda ninguna botella de ese lote en nuestras tiendas",
    "what_we_did_wrong": "vendimos cold brew de un lote sin el control de seguridad hecho",
    "explanation": "falló una impresora de etiquetas y el lote salió antes del análisis",
    "remedy": "devolvemos el dinero en cualquier tienda, con o sin tique",
    "prevention": "ningún lote sale de la cocina sin la firma del laboratorio",
    "resolution_summary": "retiramos el lote del 20 de noviembre y reembolsamos a 412 clientes",
    "what_changed": "ningún lote sale ya de nuestra cocina sin la firma del laboratorio",
    "now": "10:05 CET",
    "next_update": "mañana a las 15:00 CET",
    "signature": "— El equipo de Bean There",
}
WHAT_TO_DO = {
    "tú": "no bebas el cold brew comprado el 20 de noviembre. Si te encuentras mal, ve al médico",
    "usted": "no beba el cold brew comprado el 20 de noviembre. Si se siente mal, vaya al médico",
}
#: Each language, the directory its templates come from, and its form of address when
#: client.voice.address says nothing.
LANGUAGES = {
    "en": ("en", None),
    "es": ("es", "tú"),
    "es-ES": ("es-ES", "tú"),
    "es-419": ("es-419", "usted"),
}

# A line or a sentence that opens with a few words and a colon is a form's label
# ("How it happened:", "Solución:", "Próxima actualización:"). The answers here hold no
# colon, and a time's ("15:00") is no label: whatever colon is left is the template's.
TIME = re.compile(r"\d:\d\d")
VOSOTROS = re.compile(
    r"\b(vosotros|vosotras|vuestros?|vuestras?|os)\b"
    r"|\w+(?:áis|éis|asteis|isteis|adnos|ednos|idnos)\b",
    re.IGNORECASE,
)
TU_FORMS = re.compile(
    r"\b(te|tu|tus|ti|tú|contigo|des|puedes|escríbenos|respóndenos|cuéntanos)\b", re.IGNORECASE
)
USTED_FORMS = re.compile(
    r"\b(usted|ustedes|le|su|sus|dé|escríbanos|respóndanos|cuéntenos)\b", re.IGNORECASE
)
SPAIN_PERFECT = re.compile(r"\b(ha|han|hemos) (pasado|afectado|cambiado|equivocado|avisado)\b")
LATAM_PRETERITE = re.compile(r"\b(pasó|afectó|cambió|nos equivocamos)\b", re.IGNORECASE)


def cases() -> list[tuple[str, str | None, bool, bool, bool, str]]:
    out = []
    for lang in LANGUAGES:
        addresses: tuple[str | None, ...] = (None,) if lang == "en" else (None, "tú", "usted")
        for address, safety, cause, signed, triage in itertools.product(
            addresses, (True, False), (True, False), (True, False), ("unhappy", "misguided")
        ):
            out.append((lang, address, safety, cause, signed, triage))
    return out


def context(
    lang: str, address: str | None, safety: bool, cause: bool, signed: bool, triage: str
) -> dict[str, Any]:
    values = dict(EN if lang == "en" else ES)
    said = address or LANGUAGES[lang][1]
    if safety:
        values["what_to_do"] = EN["what_to_do"] if lang == "en" else WHAT_TO_DO[str(said)]
    else:
        values.pop("what_to_do", None)
    if not cause:
        values.pop("explanation")
    signature = values.pop("signature")
    values["client"] = {
        "name": "Bean There",
        "voice": {"description": "", "address": address},
        "signature": signature if signed else "",
    }
    values.update(triage=triage, language=lang, title="Cold brew", severity=1)
    return values


def rendered(lang: str, ctx: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(template id, platform, text) for every shipped template of `lang`."""
    layer = file_layer(SHIPPED, lang, "shipped")
    assert set(layer) == set(KINDS)
    out = []
    for tid in KINDS:
        for platform, src in sorted(layer[tid].items()):
            if lang != "en":  # the language's own files, where it has them
                assert Path(src.origin).parent.name == LANGUAGES[lang][0], src.origin
            out.append((tid, platform, render(src, {**ctx, "platform": platform})))
    return out


@pytest.mark.parametrize(
    ("lang", "address", "safety", "cause", "signed", "triage"),
    cases(),
    ids=lambda v: str(v),
)
def test_every_shipped_template_reads_as_a_post(
    lang: str, address: str | None, safety: bool, cause: bool, signed: bool, triage: str
) -> None:
    ctx = context(lang, address, safety, cause, signed, triage)
    said = address or LANGUAGES[lang][1]
    primary = lang.split("-")[0]
    for tid, platform, text in rendered(lang, ctx):
        where = f"{lang} {tid}.{platform} ({address}, safety={safety}, cause={cause})"
        # no form labels, no placeholder left
        assert ":" not in TIME.sub("", text), where + "\n" + text
        assert "{" not in text and "}" not in text, where
        # what people must do comes first when safety is involved, and only then
        instruction = sentence(ctx["what_to_do"]) if safety else None
        opens = tid in SAFETY_FIRST and not (tid == "update" and triage == "misguided")
        if instruction and opens:
            assert text.startswith(instruction), where + "\n" + text
        elif instruction:
            assert instruction not in text, where
        # the explanation appears when known; when not, nothing guesses at it
        if tid == "apology" and platform == "default":
            assert (
                sentence(EN["explanation"] if lang == "en" else ES["explanation"]) in text
            ) == cause, where
            if not cause:
                assert any(w in text for w in ("still looking into it", "seguimos investigando"))
        # signed with the client's signature, on the last line; nothing dangling unsigned
        signature = ctx["client"]["signature"]
        if signature:
            assert text.endswith("\n" + signature), where + "\n" + text
        else:
            assert "—" not in text and text == text.strip(), where
        # one form of address, one variety of Spanish
        if primary == "es":
            own = text.replace(ctx.get("what_to_do", "\0"), "")
            if said == "usted":
                assert not TU_FORMS.search(own), (where, TU_FORMS.search(own))
            else:
                assert not USTED_FORMS.search(own), (where, USTED_FORMS.search(own))
            if lang in ("es", "es-419"):
                assert not VOSOTROS.search(text), (where, VOSOTROS.search(text))
            if lang == "es-419":
                assert not SPAIN_PERFECT.search(text), (where, SPAIN_PERFECT.search(text))
            if lang == "es-ES":
                assert not LATAM_PRETERITE.search(own), (where, LATAM_PRETERITE.search(own))
            for calque in ("concordar", "una descarga", "tema cerrado", "solución:"):
                assert calque not in text.casefold(), where
        # the checker finds nothing to hold the post back or warn about
        network = "facebook" if platform == "default" else platform
        found = [
            f
            for f in check_statement(text, lang=primary, kind=tid, platform=network)
            if f.severity != "info"
        ]
        assert found == [], (where, text, [(f.rule, text[f.start : f.end]) for f in found])
        # X and Bluesky take it as it is
        count, limit = platform_length(text, network)
        assert count <= limit, (where, count, text)


def test_a_missing_form_of_address_reads_as_the_variety_says() -> None:
    """No client.voice.address: Spain and the neutral texts say tú, Latin America usted —
    and a voice given as bare text (an older profile) reads the same."""
    for lang, expected in (("es", "tú"), ("es-ES", "tú"), ("es-419", "usted")):
        for voice in ({"description": "Cercana.", "address": None}, "Cercana."):
            ctx = context(lang, None, False, True, False, "unhappy")
            ctx["client"]["voice"] = voice
            text = dict(((t, p), x) for t, p, x in rendered(lang, ctx))[("holding-statement", "x")]
            form = USTED_FORMS if expected == "usted" else TU_FORMS
            assert form.search(text), (lang, voice, text)


def test_an_apology_with_the_cause_unknown_is_still_a_whole_apology() -> None:
    """ "Still unclear — apologise now": no explanation, and the apology still takes
    responsibility, says sorry, offers the repair and says the investigation goes on."""
    ctx = context("en", None, False, False, False, "unhappy")
    [(_, _, text)] = [r for r in rendered("en", ctx) if r[:2] == ("apology", "default")]
    assert text.startswith("We got this wrong, and we are sorry. We sold cold brew")
    assert "We don't know yet exactly how it happened" in text
    assert "A full refund at any store" in text
    assert "tomorrow 15:00 CET" in text


@pytest.mark.parametrize(
    ("next_update", "said"),
    [
        ("15:00 CET", "a las 15:00 CET"),
        ("1:30 CET", "a la 1:30 CET"),
        ("mañana a las 9:00 CET", "mañana a las 9:00 CET"),
        ("jue 3 dic 21:30 CET", "el jue 3 dic 21:30 CET"),
    ],
)
def test_spanish_says_the_next_update_time_as_spanish_does(next_update: str, said: str) -> None:
    ctx = {**context("es-ES", None, False, True, False, "unhappy"), "next_update": next_update}
    for tid, platform, text in rendered("es-ES", ctx):
        if tid != "resolution":
            assert said in text, (tid, platform, text)


def test_optional_slots_are_the_ones_a_statement_can_do_without() -> None:
    layer = file_layer(SHIPPED, "en", "shipped")
    assert parse(layer["holding-statement"]["default"]).optional == {"what_to_do"}
    assert parse(layer["apology"]["default"]).optional == {
        "what_to_do",
        "explanation",
        "prevention",
    }
    needs = parse(layer["apology"]["default"])
    assert {"what_we_did_wrong", "remedy", "next_update"} <= needs.variables - needs.optional


@pytest.mark.parametrize(
    ("language", "folder"),
    [
        ("es-ES", "es-ES"),
        ("es-es", "es-ES"),
        ("es-419", "es-419"),
        ("es-MX", "es-419"),
        ("es-AR", "es-419"),
        ("es", "es"),
        ("es-GQ", "es"),
        ("en-GB", "en"),
    ],
)
def test_a_language_tag_reads_its_own_templates_then_its_region_then_its_base(
    language: str, folder: str
) -> None:
    layer = file_layer(SHIPPED, language, "shipped")
    assert Path(layer["apology"]["x"].origin).parent.name == folder


def test_a_variety_without_a_template_of_its_own_falls_back_to_the_base(tmp_path: Path) -> None:
    (tmp_path / "es").mkdir()
    (tmp_path / "es-419").mkdir()
    (tmp_path / "es" / "update.j2").write_text("base update", encoding="utf-8")
    (tmp_path / "es" / "apology.j2").write_text("base apology", encoding="utf-8")
    (tmp_path / "es-419" / "apology.j2").write_text("latam apology", encoding="utf-8")
    layer = file_layer(tmp_path, "es-MX", "workspace")
    assert layer["apology"]["default"].text == "latam apology"
    assert layer["update"]["default"].text == "base update"


def test_the_interface_speaks_the_base_language_for_a_regional_tag() -> None:
    from crisisplay.i18n import language_tags, translator

    assert language_tags("es-MX") == ["es-MX", "es-419", "es"]
    assert language_tags("es_es") == ["es-ES", "es"]
    for tag in ("es-ES", "es-419", "es-MX"):
        assert translator(tag).gettext("Answer:") == translator("es").gettext("Answer:")
        assert translator(tag).gettext("Answer:") != "Answer:"
