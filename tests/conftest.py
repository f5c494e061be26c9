"""Test-wide setup: the suite never writes to the user's real cache folder."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from running import Crisisplay

# Set before any test runs, so the CLI run in-process and every subprocess inherit it.
# Tests that exercise the cache set their own folder with monkeypatch.
_CACHE = tempfile.mkdtemp(prefix="crisisplay-test-cache-")
os.environ["CRISISPLAY_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

# The suite runs in UTC whatever the machine's zone, unless a test sets TZ itself (the
# time-zone tests do, with monkeypatch): the times it expects are written in UTC.
os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture(autouse=True)
def _machine_zone() -> Iterator[None]:
    """After each test, the zone times are shown in is the machine's (TZ) again: a command
    run in-process sets it for the incident it shows (crisisplay.times.use_zone)."""
    yield
    time.tzset()
    from crisisplay import times

    times.use_zone(None)


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
