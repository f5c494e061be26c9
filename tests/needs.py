"""Tests that need a program from the machine (tmux, chromium): skipped on a developer's
machine without it, but never in CI, where `.ci/run` installs it: a missing tool there
fails the test instead of hiding it behind a skip."""

from __future__ import annotations

import os
import shutil

import pytest


def program(*names: str) -> pytest.MarkDecorator:
    found = any(shutil.which(name) for name in names)
    return pytest.mark.skipif(
        not found and not os.environ.get("CI"),
        reason=f"{names[0]} is not installed (CI installs it in .ci/run)",
    )
