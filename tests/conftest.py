"""Test-wide setup: the suite never writes to the user's real cache folder."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from running import Crisisplay

# Set before any test runs, so the CLI run in-process and every subprocess inherit it.
# Tests that exercise the cache set their own folder with monkeypatch.
_CACHE = tempfile.mkdtemp(prefix="crisisplay-test-cache-")
os.environ["CRISISPLAY_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)


@pytest.fixture(autouse=True)
def english_until_a_playbook_says_otherwise() -> Iterator[None]:
    """Each test starts as a fresh process does, in English: a Spanish playbook loaded by
    the test before (in-process) does not change the language of the next one."""
    from crisisplay import i18n

    i18n.use(None)
    yield
    i18n.use(None)


@pytest.fixture
def crisisplay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Crisisplay:
    """Runs `crisisplay ARGS` in-process through the real entry point (tests/running.py);
    CRISISPLAY_HOME is an empty `tmp_path/home` unless a test sets `.home` or passes one."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return Crisisplay(home, capsys)
