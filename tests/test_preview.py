"""`start` asks its first questions from a playbook's preview (playbook/preview.py) and loads
the playbook while they are read; the walk, and everything written, is the real playbook's,
and a playbook changed since its preview was kept is checked before any question."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from answering import drive, start_default
from crisisplay.errors import PlaybookError
from crisisplay.frontends import prompts
from crisisplay.frontends.interactive import Interrupted, start_interactive
from crisisplay.home import Home
from crisisplay.incident.log import read_events
from crisisplay.playbook.library import Library
from running import Crisisplay

DOWN, ENTER = "\x1b[B", "\r"
# Client, title, the second severity, first seen (now), the playbook's variable; then Ctrl-D
OPENING = "Bean Co" + ENTER + "Burnt coffee video" + ENTER + DOWN * 2 + ENTER
OPENING += "now" + ENTER  # when it was first seen: typed, never prefilled
OPENING += "espresso" + ENTER


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", str(folder))
    return folder


def order_of_things(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """'asked' each time a question is about to be drawn, 'loaded' each time a playbook has
    been read and checked, in the order they happen, in this process or a child of it (the
    log is read by `seen()`)."""
    discard = prompts.discard_typeahead
    load = Library.load_fresh

    def note(what: str) -> None:
        with open(log, "a", encoding="utf-8") as f:
            f.write(what + "\n")

    def asked() -> None:
        note("asked")
        discard()

    def loaded(self: Library, ref: str, **kwargs: Any) -> Any:
        resolved = load(self, ref, **kwargs)
        note("loaded")
        return resolved

    monkeypatch.setattr(prompts, "discard_typeahead", asked)
    monkeypatch.setattr(Library, "load_fresh", loaded)


def seen(log: Path) -> list[str]:
    """What `order_of_things` noted so far; the log starts again empty."""
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8").split()
    log.unlink()
    return lines


def start(home: Path) -> dict[str, Any]:
    """Open an incident on the default playbook with keystrokes (the input ends after the
    opening questions: the walk pauses); what its log opened with. The incident is removed
    afterwards, so the next start in this home is like this one."""
    library = Library(Home(home, "env"))
    with pytest.raises(Interrupted):
        start_default(OPENING, library)
    (folder,) = list(library.home.incidents.iterdir())
    data: dict[str, Any] = next(iter(read_events(folder / "log.jsonl")))["data"]
    shutil.rmtree(library.home.incidents)
    return data


def test_the_first_question_comes_before_the_load_and_the_incident_is_the_same(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "order.log"
    order_of_things(monkeypatch, log)
    first = start(tmp_path / "one")  # nothing kept yet: loaded (in a child), then asked
    assert seen(log)[:2] == ["loaded", "asked"]
    second = start(tmp_path / "one")  # the same files: asked from the preview, loaded after
    order = seen(log)
    assert order[0] == "asked"
    assert order.count("loaded") == 1
    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", "off")
    third = start(tmp_path / "three")  # no cache at all: as before previews
    assert seen(log)[:2] == ["loaded", "asked"]
    for got in (second, third):
        assert got["playbook"] == first["playbook"]  # the same playbook, by its hash
        assert (got["client"], got["severity"]) == (first["client"], first["severity"])


WORKSPACE_PLAYBOOK = """\
schema: crisisplay/v1
id: acme
version: 1.0.0
name: Acme protocol
language: en
extends: default@^1
client:
  name: Acme
"""


@pytest.mark.parametrize("where", ["playbooks", "templates", "checker"])
def test_a_file_added_where_a_load_reads_means_no_preview(
    tmp_path: Path, cache: Path, where: str
) -> None:
    home = Home(tmp_path / "home", "env")
    Library(home).load("default")
    assert Library(home).preview("default") is not None
    folder = home.root / where
    folder.mkdir(parents=True)
    (folder / "new.yaml").write_text("{}\n", encoding="utf-8")
    assert Library(home).preview("default") is None


@pytest.mark.parametrize("kept", [True, False], ids=["broken since its preview", "no preview"])
def test_a_broken_playbook_stops_start_before_any_question(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    home = tmp_path / "home"
    (home / "playbooks").mkdir(parents=True)
    path = home / "playbooks" / "acme.yaml"
    path.write_text(WORKSPACE_PLAYBOOK, encoding="utf-8")
    if kept:
        Library(Home(home, "env")).load("acme")  # loads cleanly: its preview is kept
    path.write_text(WORKSPACE_PLAYBOOK + "severities: many\n", encoding="utf-8")
    log = tmp_path / "order.log"
    order_of_things(monkeypatch, log)
    library = Library(Home(home, "env"))
    with pytest.raises(PlaybookError) as info:
        drive(
            OPENING,
            start_interactive,
            library,
            playbook="acme",
            client=None,
            title=None,
            severity=None,
            first_seen=None,
        )
    problem = info.value.problems[0]
    assert (Path(problem.file).name, problem.line) == ("acme.yaml", 9)
    assert "asked" not in seen(log)
    assert not library.home.incidents.exists()  # nothing written


def test_a_wrong_severity_says_the_same_with_and_without_a_preview(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    runs = [
        crisisplay("start", "-p", "default", "-s", "9", env={"CRISISPLAY_CACHE_DIR": cache})
        for cache in ("off", str(tmp_path / "c"), str(tmp_path / "c"))
    ]
    assert runs[0].code == 2
    assert "severity 9 is not a level of playbook 'default'" in runs[0].err
    assert runs[1] == runs[0]  # the first with a cache: its preview made alongside
    assert runs[2] == runs[0]  # this one from that preview
    kept = list((tmp_path / "c").glob("playbook-previews-*/*"))
    assert len(kept) == 1


def test_a_broken_playbook_says_the_same_with_and_without_a_cache(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    (crisisplay.home / "playbooks").mkdir()
    path = crisisplay.home / "playbooks" / "acme.yaml"
    path.write_text(WORKSPACE_PLAYBOOK + "severities: many\n", encoding="utf-8")
    runs = [
        crisisplay("start", "-p", "acme", "-s", "2", env={"CRISISPLAY_CACHE_DIR": cache})
        for cache in ("off", str(tmp_path / "c"))
    ]
    assert runs[0].code == 1
    assert "acme.yaml:9:" in runs[0].err
    assert runs[1] == runs[0]
    assert not list((tmp_path / "c").glob("playbook-previews-*/*"))
