"""A really full disk (a small tmpfs) at every point of a walk: a clear error, nothing
acknowledged lost, and the incident resumes and verifies once there is room again."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from answering import DATA, answers_for, cli, library, write_yaml

pytestmark = pytest.mark.slow


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / f"tmpfs-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path, leave: int) -> None:
    st = os.statvfs(mount)
    with open(mount / "filler", "wb") as f:
        f.write(b"x" * max(0, st.f_bavail * st.f_frsize - leave))


def test_a_full_disk_anywhere_in_the_walk_loses_nothing(tiny_disk: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "playbooks").mkdir(parents=True)
    (src / "playbooks" / "walk-branches.yaml").write_text((DATA / "branches.yaml").read_text())
    resolved = library(src).load(str(DATA / "branches.yaml"))
    data = answers_for(resolved, {"d-route": "Hold", "h-after": "Carry on"}, {})
    data["incident"]["variables"] = {"product": "oat latte"}
    answers = write_yaml(tmp_path / "answers.yaml", data)
    stopped_mid_walk = 0
    for leave in range(6_000, 26_000, 2_000):
        for entry in tiny_disk.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        shutil.copytree(src / "playbooks", tiny_disk / "playbooks")
        _fill(tiny_disk, leave)
        proc = cli(tiny_disk, "start", "--answers", str(answers), "-p", "walk-branches")
        assert "Traceback" not in proc.stderr, proc.stderr
        (tiny_disk / "filler").unlink()
        if proc.returncode == 0:
            continue
        assert proc.returncode == 1, proc.stderr
        assert "No space left" in proc.stderr or "disk is full" in proc.stderr, proc.stderr
        made = [d.name for d in (tiny_disk / "incidents").iterdir() if not d.name.startswith(".")]
        if not made:
            continue  # refused before anything was written
        stopped_mid_walk += 1
        (incident_id,) = made
        proc = cli(tiny_disk, "resume", incident_id, "--answers", str(answers))
        assert proc.returncode == 0, proc.stderr
        proc = cli(tiny_disk, "log", "verify", incident_id)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert stopped_mid_walk >= 2, stopped_mid_walk  # the sweep crossed the walk's writes
