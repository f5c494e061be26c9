"""`crisisplay check` as a manager runs it: a file or a pipe in, findings out, exit codes."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from crisisplay.cli import main

BAD_EN = "We're sorry if anyone was offended by our post."
BAD_ES = "Sí, lamentamos si alguien se sintió ofendido."
SOUND_APOLOGY = (
    "We got this wrong and we're sorry. We will refund every affected order by Friday, "
    "and we'll post the next update here by 18:00 UTC."
)
# X counts the link as 23 and the emoji as 2: 9 + 23 + 1 + 2 + 1 = 36 for this prefix.
X_PREFIX = "Details: https://example.com/a/very/long/path/to/the/status/page 🙂 "
X_FILLER = "We are checking every store. " * 20


class Cli:
    """Runs `crisisplay check ARGS` in-process through the real entry point, stdin included."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, *args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "argv", ["crisisplay", "check", *args])
        if stdin is not None:
            raw = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
            self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        with pytest.raises(SystemExit) as exit_:
            main()
        out, err = self.capsys.readouterr()
        code = exit_.value.code
        return (code if isinstance(code, int) else 0), out, err

    def json(self, *args: str, stdin: str | None = None, code: int = 0) -> dict[str, Any]:
        got, out, err = self(*args, "--json", stdin=stdin)
        assert got == code, err
        data: dict[str, Any] = json.loads(out)
        return data


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CRISISPLAY_HOME", str(home))
    monkeypatch.delenv("CRISISPLAY_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    return Cli(monkeypatch, capsys)


def spans(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {f["rule"]: (f["start"], f["end"]) for f in report["findings"]}


# --- what it finds, and where --------------------------------------------------------------


def test_bad_english_apology_fails_with_the_exact_span(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "apology.txt"
    path.write_text(BAD_EN + "\n", encoding="utf-8")
    report = cli.json(str(path), "--kind", "apology", code=1)
    assert spans(report)["conditional-apology"] == (6, 14)
    assert BAD_EN[6:14] == "sorry if"
    finding = next(f for f in report["findings"] if f["rule"] == "conditional-apology")
    assert finding["severity"] == "error"
    assert finding["text"] == "sorry if"
    assert finding["message"] and finding["hint"]
    # an apology must also say what will be done about it
    missing = [f for f in report["findings"] if f["start"] == f["end"] == 0]
    assert "apology-needs-repair" in {f["rule"] for f in missing}


def test_bad_spanish_apology_fails_with_code_point_offsets(cli: Cli) -> None:
    report = cli.json("-", "--lang", "es", stdin=BAD_ES + "\n", code=1)
    assert spans(report)["conditional-apology"] == (4, 17)
    assert BAD_ES[4:17] == "lamentamos si"
    # the message is in the statement's language
    assert "disculpa condicional" in report["findings"][0]["message"].lower()


def test_offsets_count_an_emoji_as_one_character(cli: Cli) -> None:
    text = "🙂 " + BAD_EN
    report = cli.json(stdin=text, code=1)
    assert spans(report)["conditional-apology"] == (8, 16)


def test_json_has_the_contract_keys(cli: Cli) -> None:
    report = cli.json(stdin=BAD_EN, code=1)
    assert set(report) == {"findings"}
    for f in report["findings"]:
        assert {"rule", "severity", "message", "start", "end"} <= set(f)
        assert f["severity"] in ("error", "warning", "info")


def test_sound_apology_passes(cli: Cli) -> None:
    report = cli.json("--kind", "apology", "--platform", "x", stdin=SOUND_APOLOGY)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    code, out, _ = cli("--kind", "apology", stdin=SOUND_APOLOGY)
    assert code == 0
    assert out.rstrip().endswith("No findings.")


def test_a_dash_and_no_file_both_read_standard_input(cli: Cli) -> None:
    with_dash = cli.json("-", stdin=BAD_EN + "\n", code=1)
    without = cli.json(stdin=BAD_EN + "\n", code=1)
    assert with_dash == without


def test_only_one_trailing_newline_is_dropped(cli: Cli) -> None:
    report = cli.json("--platform", "x", stdin="All good here.\n")
    assert report["length"] == len("All good here.")
    report = cli.json("--platform", "x", stdin="All good here.\n\n")
    assert report["length"] == len("All good here.\n")


# --- length as the platform counts it -------------------------------------------------------


def test_x_at_exactly_280_weighted_characters_passes(cli: Cli) -> None:
    text = X_PREFIX + X_FILLER[: 280 - 36]
    report = cli.json("--platform", "x", stdin=text + "\n")
    assert (report["length"], report["limit"]) == (280, 280)
    assert "too-long" not in spans(report)


def test_x_at_281_weighted_characters_fails_from_the_first_character_over(cli: Cli) -> None:
    text = X_PREFIX + X_FILLER[: 281 - 36]
    report = cli.json("--platform", "twitter", stdin=text, code=1)
    assert report["length"] == 281
    assert spans(report)["too-long"] == (len(text) - 1, len(text))


def test_terminal_output_shows_the_length_against_the_limit(cli: Cli) -> None:
    code, out, _ = cli("--platform", "x", stdin=X_PREFIX + X_FILLER[: 281 - 36])
    assert code == 1
    assert "x: 281 of 280 as x counts — 1 over" in out


# --- a client's profile ---------------------------------------------------------------------


def test_client_confidential_terms_apply_only_with_client(cli: Cli) -> None:
    text = "Update: Project Crema is paused while we check every store."
    assert "confidential-term" not in spans(cli.json(stdin=text))
    report = cli.json("--client", "bean-there", stdin=text, code=1)
    assert spans(report)["confidential-term"] == (8, 21)
    assert text[8:21] == "Project Crema"


def test_client_banned_phrases_apply(cli: Cli) -> None:
    report = cli.json("--client", "bean-there", stdin="Sorted: free coffee for life!", code=1)
    assert report["findings"][0]["rule"] == "banned-phrase"
    assert report["findings"][0]["text"] == "free coffee for life"


def test_client_language_is_the_default_language(cli: Cli) -> None:
    # bean-there-es is a Spanish playbook: its rules apply without --lang
    report = cli.json("--client", "bean-there-es", stdin=BAD_ES, code=1)
    assert spans(report)["conditional-apology"] == (4, 17)


def test_unknown_client_lists_the_known_ones(cli: Cli) -> None:
    code, out, err = cli("--client", "nobody", stdin=BAD_EN)
    assert code == 1
    assert out == ""
    assert "No client 'nobody'" in err
    assert "bean-there" in err and "bean-there-es" in err


def test_a_name_shared_by_two_playbooks_is_settled_by_language(cli: Cli) -> None:
    code, _, err = cli("--client", "Bean There Coffee", stdin="Hola.")
    assert code == 1
    assert "bean-there-es" in err
    report = cli.json(
        "--client", "Bean There Coffee", "--lang", "es", stdin="Hola. Proyecto Crema.", code=1
    )
    assert spans(report)["confidential-term"] == (6, 20)


# --- what a reader without colour sees ------------------------------------------------------


def test_plain_output_marks_spans_and_explains_each_finding(cli: Cli) -> None:
    code, out, _ = cli("--kind", "apology", stdin=BAD_EN + " Email jane.doe@example.com for help.")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        "We're [[sorry if]] anyone was offended by our post. Email [[jane.doe@example.com]] "
        "for help."
    )
    assert "error    conditional-apology at 1:7 “sorry if”" in out
    assert "error    personal-email at 1:55 “jane.doe@example.com”" in out
    assert "error    missing: apology-needs-repair" in out
    assert "→ " in out  # what to write instead
    assert lines[-1].startswith("4 errors")


def test_line_and_column_of_a_span_on_a_later_line(cli: Cli) -> None:
    code, out, _ = cli(stdin="Update on the outage.\nWe're sorry if you were upset.")
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
    cli: Cli, args: list[str], listed: str
) -> None:
    code, out, err = cli(*args, stdin=BAD_EN)
    assert code == 2
    assert out == ""
    assert listed in err


def test_no_statement_from_a_terminal_says_how_to_give_one(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    code, _, err = cli()
    assert code == 2
    assert "crisisplay check -" in err


@pytest.mark.parametrize("stdin", ["", "\n", "   \n"])
def test_empty_statement_is_a_clear_error(cli: Cli, stdin: str) -> None:
    code, out, err = cli("-", stdin=stdin)
    assert code == 1
    assert out == ""
    assert "empty" in err


def test_missing_file_and_non_utf8_are_clear_errors(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli(str(tmp_path / "nope.txt"))
    assert code == 1 and "No file at" in err
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Lo sentimos, fue culpa nuestra: café".encode("latin-1"))
    code, _, err = cli(str(latin1))
    assert code == 1 and "not UTF-8" in err
    assert "Traceback" not in err
