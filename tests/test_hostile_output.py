"""Told, not silent: text others wrote never rewrites the terminal, and printing to a
full device or a closed pipe ends with one clear line, never a traceback."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from answering import EXE, answers_for, cli, incidents, library, write_yaml

HOSTILE = "Cold brew \x1b]0;pwned\x07\x1b[2J\u202eli\u2066ll\x9b31m\r"
UNSAFE = ["\x1b", "\x07", "\u202e", "\u2066", "\x9b", "\r"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("hostile")
    resolved = library(home).load("default")
    answers = answers_for(resolved, incident={"title": HOSTILE, "client": "Acme"})
    path = write_yaml(home / "answers.yaml", answers)
    done = cli(home, "start", "--playbook", "default", "--answers", str(path))
    assert done.returncode == 0, done.stderr
    return home


def _clean(text: str) -> None:
    for ch in UNSAFE:
        assert ch not in text, f"{ch!r} reached the terminal"


@pytest.mark.parametrize(
    "args",
    [
        ["log", "list"],
        ["log", "show", "{id}"],
        ["log", "show", "--events", "{id}"],
        ["report", "{id}"],
        ["report", "{id}", "--format", "html"],
        ["stats", "--format", "md"],
        ["stats", "--format", "table"],
    ],
    ids=" ".join,
)
def test_control_characters_never_reach_the_terminal(home: Path, args: list[str]) -> None:
    (incident,) = incidents(home)
    done = cli(home, *(a.format(id=incident) for a in args))
    assert done.returncode == 0, done.stderr
    _clean(done.stdout)
    _clean(done.stderr)
    if args[0] == "log" or args[0] == "report":
        assert "Cold brew" in done.stdout  # the title is shown, only without its escapes


def test_json_keeps_the_data_exactly_but_escaped(home: Path) -> None:
    (incident,) = incidents(home)
    for args in (["log", "list", "--json"], ["report", incident, "--format", "json"]):
        done = cli(home, *args)
        assert done.returncode == 0, done.stderr
        _clean(done.stdout)
        data = json.loads(done.stdout)
        title = data[0]["title"] if args[1] == "list" else data["incident"]["title"]
        assert title == HOSTILE.strip()  # a parser reads exactly what was recorded


def test_report_files_keep_json_data_and_strip_markdown_and_html(home: Path) -> None:
    (incident,) = incidents(home)
    for fmt in ("md", "html", "json"):
        out = home / f"report.{fmt}"
        done = cli(home, "report", incident, "--format", fmt, "-o", str(out))
        assert done.returncode == 0, done.stderr
        text = out.read_text(encoding="utf-8")
        _clean(text)
        if fmt == "json":
            assert json.loads(text)["incident"]["title"] == HOSTILE.strip()  # the data is intact


def test_an_error_quoting_user_input_is_printable(tmp_path: Path) -> None:
    done = cli(tmp_path, "log", "show", "no-such\x1b[2J\u202eincident")
    assert done.returncode != 0
    _clean(done.stderr)
    assert "Traceback" not in done.stderr


def test_check_shows_the_statement_without_escapes(tmp_path: Path) -> None:
    statement = tmp_path / "s.txt"
    statement.write_text(
        "We are sorry \x1b]0;x\x07 that the \u202edrink made you ill.", encoding="utf-8"
    )
    done = cli(tmp_path, "check", str(statement))
    _clean(done.stdout)
    _clean(done.stderr)
    assert "sorry" in done.stdout


# --- stdout to a full device, a closed pipe ------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [["--help"], ["log", "list"], ["report", "{id}"], ["log", "show", "{id}"], ["--version"]],
    ids=" ".join,
)
def test_a_full_device_is_one_line_and_exit_1(home: Path, args: list[str]) -> None:
    (incident,) = incidents(home)
    env = {**os.environ, "CRISISPLAY_HOME": str(home), "NO_COLOR": "1"}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [str(EXE), *(a.format(id=incident) for a in args)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr == "error: cannot write to standard output: No space left on device\n"


def test_a_closed_pipe_ends_quietly(home: Path) -> None:
    (incident,) = incidents(home)
    env = {**os.environ, "CRISISPLAY_HOME": str(home), "NO_COLOR": "1"}
    for args in (
        ["report", incident],
        ["log", "show", "--events", incident],
        ["log", "show", incident],
        ["log", "list"],
        ["--help"],
    ):
        # the reader is gone before the first byte is written: every write is EPIPE
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            done = subprocess.run(
                [str(EXE), *args],
                stdout=write_end,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                timeout=60,
                check=False,
            )
        finally:
            os.close(write_end)
        assert done.stderr == "", done.stderr
        assert done.returncode == 0, args


# --- report -o writes only a regular file --------------------------------------------


def test_report_refuses_a_device_a_fifo_a_link_and_a_folder(home: Path, tmp_path: Path) -> None:
    (incident,) = incidents(home)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(elsewhere)
    folder = tmp_path / "folder"
    folder.mkdir()
    for target, what in (
        (Path("/dev/null"), "a device"),
        (fifo, "a named pipe"),
        (link, "a symbolic link"),
        (folder, "a folder"),
    ):
        done = cli(home, "report", incident, "-o", str(target))
        assert done.returncode == 1, done.stderr
        assert f"it is {what}" in done.stderr
        assert "Traceback" not in done.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # still a device
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert elsewhere.read_text(encoding="utf-8") == "keep me"
    assert os.path.islink(link)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["fifo", "elsewhere.md", "link.md", "folder"]
    )  # no temporary file left behind


def test_report_replaces_a_regular_file_and_keeps_its_mode(home: Path, tmp_path: Path) -> None:
    (incident,) = incidents(home)
    out = tmp_path / "report.md"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    done = cli(home, "report", incident, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("#")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    done = cli(home, "report", incident, "-o", "-")
    assert done.returncode == 0 and done.stdout.startswith("#")


def test_a_drill_on_a_hostile_scenario_prints_no_control_characters(tmp_path: Path) -> None:
    import shutil

    import test_drill

    scenarios = Path(test_drill.__file__).parent / "data" / "scenarios"
    (tmp_path / "playbooks").mkdir()
    shutil.copy(scenarios / "drill-mini.yaml", tmp_path / "playbooks")
    text = (scenarios / "quick.yaml").read_text(encoding="utf-8")
    text = text.replace("title: Cold coffee on a hot day", 'title: "Cold \\e]0;pwned\\a\\e[2J"')
    text = text.replace(
        "text: Can we just delete her post from our page?",
        'text: "Can we \\e[2J\\u202Edelete\\x9b her post?"',
    )
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(text, encoding="utf-8")
    answers = write_yaml(tmp_path / "answers.yaml", test_drill.bad_run())
    for extra in ([], ["--json"]):
        done = cli(tmp_path, "drill", str(scenario), "--answers", str(answers), *extra)
        assert "Traceback" not in done.stderr
        assert done.returncode in (0, 1), done.stderr
        _clean(done.stdout)
        _clean(done.stderr)
    assert (
        "Drill: Cold ]0;pwned[2J"
        in cli(tmp_path, "drill", str(scenario), "--answers", str(answers)).stdout
    )


def test_playbook_schema_o_is_as_safe_as_report_o(tmp_path: Path) -> None:
    done = cli(tmp_path, "playbook", "schema", "-o", "/dev/null")
    assert done.returncode == 1 and "it is a device" in done.stderr
    out = tmp_path / "schema.json"
    done = cli(tmp_path, "playbook", "schema", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["title"]


def test_the_walk_console_prints_brackets_it_cannot_read_as_they_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from crisisplay.output import console

    out = console()
    out.print("[bold]Stage[/] Refunds [/] delays \x1b[2J\u202e")  # a title a playbook gave
    printed = capsys.readouterr().out
    assert "Refunds [/] delays" in printed
    _clean(printed)
