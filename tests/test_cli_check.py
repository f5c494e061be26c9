"""`crisisplay check` as a manager runs it: a file or a pipe in, findings out, exit codes."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest

from running import Crisisplay

BAD_EN = "We're sorry if anyone was offended by our post."
BAD_ES = "Sí, lamentamos si alguien se sintió ofendido."
SOUND_APOLOGY = (
    "We got this wrong and we're sorry. We will refund every affected order by Friday, "
    "and we'll post the next update here by 18:00 UTC."
)
# X counts the link as 23 and the emoji as 2: 9 + 23 + 1 + 2 + 1 = 36 for this prefix.
X_PREFIX = "Details: https://example.com/a/very/long/path/to/the/status/page 🙂 "
X_FILLER = "We are checking every store and will post again at noon. " * 20


def spans(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {f["rule"]: (f["start"], f["end"]) for f in report["findings"]}


# --- what it finds, and where --------------------------------------------------------------


def test_bad_english_apology_fails_with_the_exact_span(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    path = tmp_path / "apology.txt"
    path.write_text(BAD_EN + "\n", encoding="utf-8")
    report = crisisplay.json("check", str(path), "--kind", "apology", code=1)
    assert spans(report)["conditional-apology"] == (6, 14)
    assert BAD_EN[6:14] == "sorry if"
    finding = next(f for f in report["findings"] if f["rule"] == "conditional-apology")
    assert finding["severity"] == "error"
    assert finding["text"] == "sorry if"
    assert finding["message"] and finding["hint"]
    # an apology must also say what will be done about it
    missing = [f for f in report["findings"] if f["start"] == f["end"] == 0]
    assert "apology-needs-repair" in {f["rule"] for f in missing}


def test_bad_spanish_apology_fails_with_code_point_offsets(crisisplay: Crisisplay) -> None:
    report = crisisplay.json("check", "-", "--lang", "es", stdin=BAD_ES + "\n", code=1)
    assert spans(report)["conditional-apology"] == (4, 17)
    assert BAD_ES[4:17] == "lamentamos si"
    # the message is in the statement's language
    assert "disculpa condicional" in report["findings"][0]["message"].lower()


def test_offsets_count_an_emoji_as_one_character(crisisplay: Crisisplay) -> None:
    text = "🙂 " + BAD_EN
    report = crisisplay.json("check", stdin=text, code=1)
    assert spans(report)["conditional-apology"] == (8, 16)


def test_json_has_the_contract_keys(crisisplay: Crisisplay) -> None:
    report = crisisplay.json("check", stdin=BAD_EN, code=1)
    assert set(report) == {"findings"}
    for f in report["findings"]:
        assert {"rule", "severity", "message", "start", "end"} <= set(f)
        assert f["severity"] in ("error", "warning", "info")


def test_sound_apology_passes(crisisplay: Crisisplay) -> None:
    report = crisisplay.json("check", "--kind", "apology", "--platform", "x", stdin=SOUND_APOLOGY)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    code, out, _ = crisisplay("check", "--kind", "apology", stdin=SOUND_APOLOGY)
    assert code == 0
    assert out.rstrip().endswith("No findings.")


def test_a_dash_and_no_file_both_read_standard_input(crisisplay: Crisisplay) -> None:
    with_dash = crisisplay.json("check", "-", stdin=BAD_EN + "\n", code=1)
    without = crisisplay.json("check", stdin=BAD_EN + "\n", code=1)
    assert with_dash == without


def test_only_one_trailing_newline_is_dropped(crisisplay: Crisisplay) -> None:
    report = crisisplay.json("check", "--platform", "x", stdin="All good here.\n")
    assert report["length"] == len("All good here.")
    report = crisisplay.json("check", "--platform", "x", stdin="All good here.\n\n")
    assert report["length"] == len("All good here.\n")


# --- length as the platform counts it -------------------------------------------------------


def test_x_at_exactly_280_weighted_characters_passes(crisisplay: Crisisplay) -> None:
    text = X_PREFIX + X_FILLER[: 280 - 36]
    report = crisisplay.json("check", "--platform", "x", stdin=text + "\n")
    assert (report["length"], report["limit"]) == (280, 280)
    assert "too-long" not in spans(report)


def test_x_at_281_weighted_characters_fails_from_the_first_character_over(
    crisisplay: Crisisplay,
) -> None:
    text = X_PREFIX + X_FILLER[: 281 - 36]
    report = crisisplay.json("check", "--platform", "twitter", stdin=text, code=1)
    assert report["length"] == 281
    assert spans(report)["too-long"] == (len(text) - 1, len(text))


def test_terminal_output_shows_the_length_against_the_limit(crisisplay: Crisisplay) -> None:
    code, out, _ = crisisplay("check", "--platform", "x", stdin=X_PREFIX + X_FILLER[: 281 - 36])
    assert code == 1
    assert "x: 281 of 280 as x counts — 1 over" in out


# --- a client's profile ---------------------------------------------------------------------


def test_client_confidential_terms_apply_only_with_client(crisisplay: Crisisplay) -> None:
    text = "Update: Project Crema is paused while we check every store."
    assert "confidential-term" not in spans(crisisplay.json("check", stdin=text))
    report = crisisplay.json("check", "--client", "bean-there", stdin=text, code=1)
    assert spans(report)["confidential-term"] == (8, 21)
    assert text[8:21] == "Project Crema"


def test_client_banned_phrases_apply(crisisplay: Crisisplay) -> None:
    report = crisisplay.json(
        "check", "--client", "bean-there", stdin="Sorted: free coffee for life!", code=1
    )
    assert report["findings"][0]["rule"] == "banned-phrase"
    assert report["findings"][0]["text"] == "free coffee for life"


def test_client_language_is_the_default_language(crisisplay: Crisisplay) -> None:
    # bean-there-es is a Spanish playbook: its rules apply without --lang
    report = crisisplay.json("check", "--client", "bean-there-es", stdin=BAD_ES, code=1)
    assert spans(report)["conditional-apology"] == (4, 17)


def test_unknown_client_lists_the_known_ones(crisisplay: Crisisplay) -> None:
    code, out, err = crisisplay("check", "--client", "nobody", stdin=BAD_EN)
    assert code == 1
    assert out == ""
    assert "No client 'nobody'" in err
    assert "bean-there" in err and "bean-there-es" in err


def test_a_name_shared_by_two_playbooks_is_settled_by_language(crisisplay: Crisisplay) -> None:
    code, _, err = crisisplay("check", "--client", "Bean There Coffee", stdin="Hola.")
    assert code == 1
    assert "bean-there-es" in err
    report = crisisplay.json(
        "check",
        "--client",
        "Bean There Coffee",
        "--lang",
        "es",
        stdin="Hola. Proyecto Crema.",
        code=1,
    )
    assert spans(report)["confidential-term"] == (6, 20)


# --- what a reader without colour sees ------------------------------------------------------


def test_plain_output_marks_spans_and_explains_each_finding(crisisplay: Crisisplay) -> None:
    code, out, _ = crisisplay(
        "check", "--kind", "apology", stdin=BAD_EN + " Email jane.doe@example.com for help."
    )
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        "We're [[sorry if]] anyone was offended by our post. Email [[jane.doe@example.com]] "
        "for help."
    )
    assert "error    conditional-apology at 1:7 “sorry if”" in out
    assert "error    personal-email at 1:55 “jane.doe@example.com”" in out
    # a missing element is only probable: a warning, never an error that needs an override
    assert "warning  missing: apology-needs-repair" in out
    assert "→ " in out  # what to write instead
    assert lines[-1].startswith("2 errors, 2 warnings")


def test_line_and_column_of_a_span_on_a_later_line(crisisplay: Crisisplay) -> None:
    code, out, _ = crisisplay(
        "check", stdin="Update on the outage.\nWe're sorry if you were upset."
    )
    assert code == 1
    assert "conditional-apology at 2:7 “sorry if”" in out


# --- wrong usage and clear errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "listed"),
    [
        (["--kind", "excuse"], "holding-statement, apology, update, resolution"),
        (["--lang", "fr"], "en, es"),
        (["--platform", "myspace"], "x, bluesky, threads"),
    ],
)
def test_bad_option_values_are_usage_errors_listing_valid_ones(
    crisisplay: Crisisplay, args: list[str], listed: str
) -> None:
    code, out, err = crisisplay("check", *args, stdin=BAD_EN)
    assert code == 2
    assert out == ""
    assert listed in err


def test_no_statement_from_a_terminal_says_how_to_give_one(
    crisisplay: Crisisplay, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    code, _, err = crisisplay("check")
    assert code == 2
    assert "crisisplay check -" in err


@pytest.mark.parametrize("stdin", ["", "\n", "   \n"])
def test_empty_statement_is_a_clear_error(crisisplay: Crisisplay, stdin: str) -> None:
    code, out, err = crisisplay("check", "-", stdin=stdin)
    assert code == 1
    assert out == ""
    assert "empty" in err


def test_missing_file_and_non_utf8_are_clear_errors(crisisplay: Crisisplay, tmp_path: Path) -> None:
    code, _, err = crisisplay("check", str(tmp_path / "nope.txt"))
    assert code == 1 and "No file at" in err
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Lo sentimos, fue culpa nuestra: café".encode("latin-1"))
    code, _, err = crisisplay("check", str(latin1))
    assert code == 1 and "not UTF-8" in err
    assert "Traceback" not in err
