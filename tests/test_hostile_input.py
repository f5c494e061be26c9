"""Evidence that holds: hostile or mistaken input is refused with a clear error before
anything is written, and reading it never costs more than its limit in memory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from answering import DATA, answers_for, cli, library, write_yaml

PLAYBOOK = str(DATA / "branches.yaml")


def base(home: Path, **incident: Any) -> dict[str, Any]:
    resolved = library(home).load(PLAYBOOK)
    return answers_for(
        resolved,
        {"d-route": "Hold", "h-after": "Carry on"},
        {"variables": {"product": "oat latte"}, **incident},
    )


def start(home: Path, answers: dict[str, Any], *extra: str) -> subprocess.CompletedProcess[str]:
    path = write_yaml(home / "answers.yaml", answers)
    return cli(home, "start", "--answers", str(path), "-p", PLAYBOOK, *extra)


def nothing_written(home: Path) -> bool:
    folder = home / "incidents"
    return not folder.exists() or not any(folder.iterdir())


def refused(done: subprocess.CompletedProcess[str], says: str, home: Path) -> None:
    assert done.returncode == 1, done.stderr
    assert says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert nothing_written(home)


# --- times and durations that overflow -------------------------------------------------


@pytest.mark.parametrize(
    ("first_seen", "says"),
    [
        ("9999999999999999d ago", "is longer than 366 days, the limit"),
        ("400d ago", "is longer than 366 days, the limit"),
        ("9999-12-31T00:00:00Z", "is in the future"),
        ("0001-01-01T00:00:00Z", "is more than 5 years ago"),
        ("2019-01-01T00:00:00Z", "is more than 5 years ago"),
    ],
)
def test_a_first_seen_that_breaks_the_arithmetic_is_refused(
    tmp_path: Path, first_seen: str, says: str
) -> None:
    answers = base(tmp_path)
    answers["incident"].pop("at")
    done = start(tmp_path, answers, "--first-seen", first_seen)
    refused(done, says, tmp_path)
    assert "--first-seen" in done.stderr
    answers["incident"]["first_seen"] = first_seen
    refused(start(tmp_path, answers), says, tmp_path)


def test_a_step_time_in_the_year_9999_is_refused(tmp_path: Path) -> None:
    answers = base(tmp_path)
    step = next(k for k in answers if k != "incident")
    answers[step] = {"value": answers[step], "at": "9999-12-31T23:59:59Z"}
    refused(start(tmp_path, answers), "is in the future", tmp_path)
    answers["incident"]["at"] = "9999-12-31T00:00:00Z"
    refused(
        start(tmp_path, answers), "incident.at '9999-12-31T00:00:00Z' is in the future", tmp_path
    )


def test_a_drill_event_ages_away_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            schema: crisisplay/scenario/v1
            id: far
            title: Far
            language: en
            incident: {title: T, severity: 2, client: C}
            timeline:
              - {id: a, at: 99999999999999d, kind: post, text: x}
            """
        ),
        encoding="utf-8",
    )
    done = cli(tmp_path, "drill", str(path), "--answers", str(path))
    refused(done, "'99999999999999d' is longer than 366 days, the limit", tmp_path)
    assert f"{path}:7:" in done.stderr


def test_a_playbook_deadline_ages_away_is_a_validation_error(tmp_path: Path) -> None:
    text = Path(PLAYBOOK).read_text(encoding="utf-8")
    import re

    path = tmp_path / "far.yaml"
    path.write_text(re.sub(r"due: \S+", "due: 99999999999999d", text, count=1), encoding="utf-8")
    done = cli(tmp_path, "playbook", "validate", str(path))
    assert done.returncode == 1
    assert "is longer than 366 days, the limit" in done.stderr
    assert "Traceback" not in done.stderr


def test_durations_keep_working_up_to_the_limit() -> None:
    from datetime import timedelta

    from crisisplay.times import parse_duration

    assert parse_duration("366d") == timedelta(days=366)
    assert parse_duration("2h30m") == timedelta(hours=2, minutes=30)
    with pytest.raises(ValueError, match="longer than 366 days"):
        parse_duration("8785h")
    with pytest.raises(ValueError, match="longer than"):
        parse_duration("9" * 5000 + "d")


# --- published links ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://",
        "https:///path",
        "http://exa mple.com/",
        "https://x.com/\x1b[2J",
        "data:text/html,<script>alert(1)</script>",
        "https://x.com:notaport/",
    ],
)
def test_a_published_url_must_be_a_web_address(tmp_path: Path, url: str) -> None:
    answers = base(tmp_path)
    drafts = [k for k, v in answers.items() if isinstance(v, dict) and "published_url" in v]
    assert drafts
    answers[drafts[0]]["published_url"] = url
    refused(start(tmp_path, answers), "is not a web address", tmp_path)


def test_a_real_link_is_kept() -> None:
    from crisisplay.text import web_address

    for url in ("https://x.com/brand/status/2", "http://localhost:8080/a", "https://b.co/?q=1"):
        assert web_address(url) == url


def test_the_interactive_prompt_asks_again_until_it_is_a_link(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crisisplay.frontends import interactive

    given = iter(["javascript:alert(1)", "https://", "https://x.com/brand/status/9"])
    monkeypatch.setattr(interactive, "_text", lambda *a, **k: next(given))
    shown: list[str] = []

    class Out:
        def print(self, text: str) -> None:
            shown.append(text)

    monkeypatch.setattr(interactive, "_console", Out)
    assert interactive._published_url("x") == "https://x.com/brand/status/9"
    assert len(shown) == 2 and all("is not a web address" in s for s in shown)


# --- reads with a limit ------------------------------------------------------------------

# A subprocess under an address-space limit: reading /dev/zero whole would need gigabytes.
_LIMITED = """
import resource, sys
limit = 600 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.argv = ["crisisplay", *sys.argv[1:]]
from crisisplay.cli import main
main()
"""


def limited(home: Path, *args: str, stdin: Any = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRISISPLAY_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", _LIMITED, *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["start", "--answers", "/dev/zero"], "over the 1,048,576-byte limit for an answers file"),
        (["resume", "x", "--answers", "/dev/zero"], "limit for an answers file"),
        (["check", "/dev/zero"], "is over 1,048,576 bytes: that is not a statement"),
    ],
    ids=" ".join,
)
def test_dev_zero_is_refused_within_bounded_memory(
    tmp_path: Path, args: list[str], says: str
) -> None:
    done = limited(tmp_path, *args)
    refused(done, says, tmp_path)
    assert "/dev/zero" in done.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["start", "--answers", "-"], "<stdin>:1:1: over the 1,048,576-byte limit"),
        (["check", "-"], "standard input is over 1,048,576 bytes"),
    ],
    ids=" ".join,
)
def test_an_endless_stdin_is_refused_within_bounded_memory(
    tmp_path: Path, args: list[str], says: str
) -> None:
    with open("/dev/zero", "rb") as zero:
        done = limited(tmp_path, *args, stdin=zero)
    refused(done, says, tmp_path)


def test_every_hand_written_file_is_read_with_the_limit(tmp_path: Path) -> None:
    from crisisplay.files import ReadError, read_limited

    big = tmp_path / "big"
    big.write_bytes(b"a" * 101)
    with pytest.raises(ReadError) as info:
        read_limited(big, 100, what="a test file")
    assert str(info.value) == f"{big}: file is 101 bytes, over the 100-byte limit for a test file"
    assert read_limited(big, 101) == b"a" * 101
    with pytest.raises(ReadError, match="is a folder"):
        read_limited(tmp_path, 100)
    with pytest.raises(ReadError, match="file not found"):
        read_limited(tmp_path / "missing", 100)


def test_a_huge_workspace_template_or_rule_file_is_a_clear_error(tmp_path: Path) -> None:
    from crisisplay.check.rules import RulesError, _text
    from crisisplay.errors import PlaybookError
    from crisisplay.playbook.templates import file_layer

    folder = tmp_path / "templates" / "en"
    folder.mkdir(parents=True)
    (folder / "update.j2").write_bytes(b"x" * (256 * 1024 + 1))
    with pytest.raises(PlaybookError, match="over the 262,144-byte limit for a statement template"):
        file_layer(tmp_path / "templates", "en", "workspace")
    rules = tmp_path / "en.yaml"
    rules.write_bytes(b"#" * (1024 * 1024 + 1))
    with pytest.raises(RulesError, match="over the 1,048,576-byte limit for a rule file"):
        _text(rules)
