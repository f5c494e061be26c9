"""A catalogue of broken playbooks: each must fail validation at the right place, clearly.

Every file in tests/data/playbooks/broken/ starts with `# expect: LINE[:COL] KEYWORD…`:
where the first problem must be reported and words its message must contain. The
command runs in-process through the real entry point (`crisisplay.cli.main`), so what is
checked is exactly what a person sees on stderr.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from answering import cli
from running import Crisisplay

BROKEN = Path(__file__).parent / "data" / "playbooks" / "broken"
CYCLE = Path(__file__).parent / "data" / "playbooks" / "cycle"
_EXPECT = re.compile(rb"^# expect: (\d+)(?::(\d+))? (.+)$")
# Files that cannot carry a comment (an empty file must stay empty).
_NO_COMMENT = {"empty.yaml": (1, 1, "empty")}
_HOSTILE_PREFIXES = ("hostile-", "not-utf8", "syntax-")


def expectation(path: Path) -> tuple[int, int | None, str]:
    if path.name in _NO_COMMENT:
        return _NO_COMMENT[path.name]
    first = path.read_bytes().split(b"\n", 1)[0]
    m = _EXPECT.match(first)
    assert m, f"{path.name}: first line must be '# expect: LINE[:COL] KEYWORD'"
    return int(m[1]), int(m[2]) if m[2] else None, m[3].decode()


def problem_lines(err: str, path: Path) -> list[tuple[int, int, str]]:
    found = []
    for line in err.splitlines():
        m = re.match(rf"^{re.escape(str(path))}:(\d+):(\d+): (.+)$", line)
        if m:
            found.append((int(m[1]), int(m[2]), m[3]))
    return found


CATALOGUE = sorted(BROKEN.glob("*.yaml"))


def test_the_catalogue_is_big_enough() -> None:
    assert len(CATALOGUE) >= 40


@pytest.mark.parametrize("path", CATALOGUE, ids=[p.stem for p in CATALOGUE])
def test_broken_playbook_fails_at_the_right_place_with_a_clear_message(
    path: Path, crisisplay: Crisisplay
) -> None:
    line, col, keyword = expectation(path)
    started = time.perf_counter()
    code, out, err = crisisplay("playbook", "validate", str(path))
    elapsed = time.perf_counter() - started

    assert code == 1, err
    assert "Traceback" not in out + err
    problems = problem_lines(err, path)
    assert problems, f"no {path}:LINE:COL: line in:\n{err}"
    matching = [p for p in problems if p[0] == line and (col is None or p[1] == col)]
    assert matching, f"expected a problem at {line}:{col or '*'}, got:\n{err}"
    assert any(keyword.lower() in message.lower() for _, _, message in matching), err
    if path.name.startswith(_HOSTILE_PREFIXES):
        assert elapsed < 1.0, f"{path.name} took {elapsed:.2f}s"


def test_every_problem_in_a_file_is_reported_at_once(
    tmp_path: Path, crisisplay: Crisisplay
) -> None:
    path = tmp_path / "three.yaml"
    path.write_text(
        "schema: crisisplay/v1\n"
        "id: three\n"
        "version: 1.0\n"
        "name: Three problems\n"
        "language: en\n"
        "stages:\n"
        "  - id: detect\n"
        "    title: Detect\n"
        "    due: 15 minutes\n"
        "    steps:\n"
        "      - id: detect-url\n"
        "        ask: Link?\n"
        "        save_ass: post_url\n",
        encoding="utf-8",
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 1
    assert [(line, col) for line, col, _ in problem_lines(err, path)] == [
        (3, 10),
        (9, 10),
        (13, 9),
    ]
    assert "3 problems" in err


def test_a_file_over_the_size_limit_is_refused_quickly(
    tmp_path: Path, crisisplay: Crisisplay
) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("name: " + "a" * 2_000_000 + "\n", encoding="utf-8")
    started = time.perf_counter()
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert time.perf_counter() - started < 1.0
    assert code == 1
    assert f"{path}:1:1: file is 2,000,007 bytes, over the 1,048,576-byte limit" in err


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_tens_of_thousands_of_brackets_are_refused_without_crashing(
    opening: str,
    tmp_path: Path,
    crisisplay: Crisisplay,
) -> None:
    # 30,000 levels used to overflow the C stack in the YAML composer (a segfault).
    path = tmp_path / "deep.yaml"
    closing = "]" if opening == "[" else "}"
    path.write_text("a: " + opening * 30_000 + closing * 30_000 + "\n", encoding="utf-8")
    started = time.perf_counter()
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert time.perf_counter() - started < 1.0
    assert code == 1
    assert "nested more than 40 levels deep" in err


def test_two_overlays_extending_each_other_are_a_cycle(
    tmp_path: Path, crisisplay: Crisisplay
) -> None:
    home = tmp_path / "agency"
    assert crisisplay("init", str(home))[0] == 0
    crisisplay.home = home
    for source in CYCLE.glob("*.yaml"):
        (home / "playbooks" / source.name).write_bytes(source.read_bytes())
    target = home / "playbooks" / "acme-a.yaml"
    code, _, err = crisisplay("playbook", "validate", str(target))
    assert code == 1
    assert "Traceback" not in err
    assert re.search(r"acme-[ab]\.yaml:6:10: 'extends: acme-.*' makes a cycle", err), err


def test_an_overlay_extending_itself_is_a_cycle(tmp_path: Path, crisisplay: Crisisplay) -> None:
    path = tmp_path / "selfie.yaml"
    path.write_text(
        "schema: crisisplay/v1\nid: selfie\nversion: 1.0.0\nname: S\nlanguage: en\n"
        "extends: selfie\n",
        encoding="utf-8",
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 1
    assert f"{path}:6:10: 'extends: selfie' makes a cycle" in err


def test_validate_json_lists_each_problem_with_its_place(crisisplay: Crisisplay) -> None:
    import json

    path = BROKEN / "goto-typo.yaml"
    code, out, _ = crisisplay("playbook", "validate", "--json", str(path))
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    [playbook] = report["playbooks"]
    assert playbook["problems"][0]["line"] == 22
    assert playbook["problems"][0]["col"] == 19
    assert "did you mean 'hold-summary'" in playbook["problems"][0]["message"]


def test_broken_playbooks_fail_the_same_way_in_a_real_process(tmp_path: Path) -> None:
    """A few through the installed command: exit code and stderr as a shell sees them."""
    names = ["hostile-billion-laughs.yaml", "syntax-tab.yaml", "overlay-remove-goto-target.yaml"]
    paths = [str(BROKEN / n) for n in names]
    proc = cli(tmp_path, "playbook", "validate", *paths, timeout=30)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    for name in names:
        line, _, _ = expectation(BROKEN / name)
        assert f"{BROKEN / name}:{line}:" in proc.stderr
    assert proc.stderr.rstrip().endswith("error: 3 problems in 3 playbooks.")
