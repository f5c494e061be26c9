"""Test-wide setup: the suite never writes to the user's real cache folder."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Set before any test runs, so the CLI run in-process and every subprocess inherit it.
# Tests that exercise the cache set their own folder with monkeypatch.
_CACHE = tempfile.mkdtemp(prefix="crisisplay-test-cache-")
os.environ["CRISISPLAY_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)
