"""The disk cache of parsed playbooks and templates: used when it can be, never trusted
when anything changed, never a reason for a command to fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crisisplay import cache, yamlfile
from crisisplay.errors import PlaybookError
from crisisplay.home import Home, shipped_root
from crisisplay.playbook import templates
from crisisplay.playbook.library import Library
from crisisplay.playbook.templates import Source, TemplateError, parse, render
from crisisplay.yamlfile import load_file

SHIPPED = sorted((shipped_root() / "playbooks").rglob("*.yaml"))


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", str(folder))
    monkeypatch.setattr(templates, "_PARSED", {})  # only the disk remembers
    return folder


def entries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, parsing YAML fails the test: what loads must come from the cache."""

    def refuse(text: str, name: str) -> None:
        raise AssertionError(f"{name} was parsed again")

    monkeypatch.setattr(yamlfile, "load", refuse)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_playbook_read_from_the_cache_is_the_playbook_parsed(
    path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = load_file(path, cache=True)
    assert entries(cache_dir), "nothing was cached"
    no_parsing(monkeypatch)
    again = load_file(path, "shown as.yaml", cache=True)
    assert again.data == parsed.data
    assert again.positions == parsed.positions
    assert again.source_lines == parsed.source_lines
    assert again.file == "shown as.yaml"  # problems name the file as it was asked for


def test_one_changed_byte_is_parsed_again_and_its_error_reported(
    tmp_path: Path, cache_dir: Path
) -> None:
    path = tmp_path / "home" / "playbooks" / "mine.yaml"
    path.parent.mkdir(parents=True)
    text = (shipped_root() / "playbooks" / "default.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("id: default", "id: mine", 1), encoding="utf-8")
    assert Library(Home(tmp_path / "home", "env")).load(str(path)).playbook.id == "mine"

    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if line.strip().startswith("- id: "))
    lines[at] = lines[at].replace("- id: ", "- id:: ", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PlaybookError) as error:
        Library(Home(tmp_path / "home", "env")).load(str(path))
    assert error.value.problems[0].line == at + 1


def test_a_broken_file_is_never_cached_and_says_so_every_time(
    tmp_path: Path, cache_dir: Path
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nname: X\nid: y\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(PlaybookError) as error:
            load_file(path, cache=True)
        assert "duplicate key 'id'" in error.value.problems[0].message
    assert entries(cache_dir) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],  # torn write
        lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]),  # one bit flipped
        lambda blob: b"",
        lambda blob: b"not a cache entry at all",
    ],
    ids=["torn", "bit-flip", "empty", "garbage"],
)
def test_a_damaged_entry_is_ignored_and_the_file_parsed(
    damage: object, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = shipped_root() / "playbooks" / "default.yaml"
    parsed = load_file(path, cache=True)
    (entry,) = entries(cache_dir)
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    calls: list[str] = []
    real = yamlfile.load

    def counting(text: str, name: str) -> yamlfile.Located:
        calls.append(name)
        return real(text, name)

    monkeypatch.setattr(yamlfile, "load", counting)
    again = load_file(path, cache=True)
    assert calls == [str(path)]
    assert again.data == parsed.data and again.positions == parsed.positions


def test_an_entry_under_another_files_name_is_not_used(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = shipped_root() / "playbooks" / "default.yaml"
    spanish = shipped_root() / "playbooks" / "default-es.yaml"
    load_file(default, cache=True)
    load_file(spanish, cache=True)
    first, second = sorted(entries(cache_dir), key=lambda p: p.stat().st_size)
    first.write_bytes(second.read_bytes())  # a valid entry, but for the other file
    assert load_file(default, cache=True).data["id"] == "default"
    assert load_file(spanish, cache=True).data["id"] == "default-es"


def test_an_unusable_cache_folder_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", str(blocker / "cache"))
    path = shipped_root() / "playbooks" / "default.yaml"
    assert load_file(path, cache=True).data["id"] == "default"
    assert load_file(path, cache=True).data["id"] == "default"
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_switched_off_it_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path))
    load_file(shipped_root() / "playbooks" / "default.yaml", cache=True)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_answers_files_are_never_copied_into_the_cache(tmp_path: Path, cache_dir: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("incident: {title: Leaked memo}\ndetect-triage: done\n", encoding="utf-8")
    load_file(path)
    assert entries(cache_dir) == []


def test_code_that_changed_gets_a_cache_of_its_own(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = shipped_root() / "playbooks" / "default.yaml"
    load_file(path, cache=True)
    (old,) = [p for p in cache_dir.iterdir() if p.name.startswith("playbook-yaml-")]
    neighbour = cache_dir / "template-checks" / "entry.json"  # another part's cache
    neighbour.parent.mkdir()
    neighbour.write_text("[]", encoding="utf-8")
    monkeypatch.setattr(cache, "_tags", {})
    monkeypatch.setattr(cache, "_stamp", lambda module: "edited")
    load_file(path, cache=True)
    folders = {p for p in cache_dir.iterdir() if p.name.startswith("playbook-yaml-")}
    assert len(folders - {old}) == 1  # the new code writes (and reads) a folder of its own;
    assert old in folders  # the old one may be another checkout's, in use: kept until stale
    assert neighbour.read_text(encoding="utf-8") == "[]"


def test_no_temporary_files_are_left_and_the_cache_stays_bounded(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 10)
    for n in range(25):
        cache.put("demo", f"{n:064x}", {"n": n})
    names = [p.name for p in entries(cache_dir)]
    assert not [n for n in names if n.startswith(".")]
    assert 0 < len(names) <= 10
    assert cache.get("demo", f"{24:064x}") == {"n": 24}  # the newest survive


def test_a_template_read_from_the_cache_still_renders(cache_dir: Path) -> None:
    source = Source("t", "default", "We are sorry, {{ client.name }}: {{ issue }}.", "x", "shipped")
    first = parse(source)
    templates._PARSED.clear()
    again = parse(source)
    assert again is not first
    assert (again.variables, again.attributes) == (first.variables, first.attributes)
    assert again.first_line == first.first_line
    context = {"client": {"name": "Bean Co"}, "issue": "the video"}
    assert render(source, context) == "We are sorry, Bean Co: the video."


def test_a_refused_template_is_refused_every_time(cache_dir: Path) -> None:
    source = Source("t", "default", "{% include 'other' %}", "x", "shipped")
    for _ in range(2):
        templates._PARSED.clear()
        with pytest.raises(TemplateError, match="include"):
            parse(source)
    assert entries(cache_dir) == []


def test_the_cache_lives_in_the_user_cache_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_cache_path

    monkeypatch.delenv("CRISISPLAY_CACHE_DIR", raising=False)
    assert cache.root() == user_cache_path("crisisplay", appauthor=False)
    monkeypatch.setenv("XDG_CACHE_HOME", os.sep + "elsewhere")
    assert cache.root() == user_cache_path("crisisplay", appauthor=False)


def test_another_checkouts_cache_is_left_alone_until_it_goes_stale(cache_dir: Path) -> None:
    """Two checkouts (or versions) sharing one cache used to delete each other's folder on
    every first write, so each ran cold after the other."""
    cache_dir.mkdir()
    theirs = cache_dir / "test-kind-0123456789abcdef"
    old = cache_dir / "test-kind-fedcba9876543210"
    other_kind = cache_dir / "another-0123456789abcdef"
    for folder in (theirs, old, other_kind):
        folder.mkdir()
        (folder / "entry").write_bytes(b"x")
    month_and_more = cache.STALE_AFTER_S + 3600
    for folder in (old, other_kind):
        past = os.stat(folder).st_mtime - month_and_more
        os.utime(folder, (past, past))
    cache.put("test-kind", "k", {"v": 1})
    assert cache.get("test-kind", "k") == {"v": 1}
    assert theirs.is_dir()  # in use by someone else: kept
    assert not old.exists()  # nobody wrote to it for a month: its space is freed
    assert other_kind.is_dir()  # another kind of entry: not ours to judge
