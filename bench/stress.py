"""`make stress`: SIGKILL the real `crisisplay start` and `resume` at random moments, resume to
the end, and check every round's incident against an uninterrupted run (tests/stress_check.py).

    ROUNDS=200  rounds (default 200)
    SEED=N      the first round's seed (default: the time); round n uses SEED+n, so
                `SEED=<a failed round's seed> ROUNDS=1` replays that round's kill plan
    FAIL_FAST=1 stop at the first failed round

Exit 0 with a summary line when every round passed; exit 1 with an account of the first
round that failed (its seed, its kills, what differed) and how many rounds failed which check.
Everything runs in a temporary folder (incidents, HOME, CRISISPLAY_CACHE_DIR); the folders of
failed rounds are kept there for a look, and their path printed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from answering import UNHAPPY_PATH  # noqa: E402
from crisisplay.home import Home  # noqa: E402
from crisisplay.playbook.library import Library  # noqa: E402
from stress_check import Round, stress, timed_answers, write_answers  # noqa: E402


def main() -> int:
    rounds = int(os.environ.get("ROUNDS", "200"))
    seed = int(os.environ.get("SEED") or time.time())
    fail_fast = os.environ.get("FAIL_FAST", "") not in ("", "0")
    workdir = Path(tempfile.mkdtemp(prefix="crisisplay-stress-"))
    code = 2
    try:
        code = run(workdir, rounds, seed, fail_fast)
    finally:
        if code == 0 or code == 2:  # kept only when a round failed: its folder is named
            shutil.rmtree(workdir, ignore_errors=True)
    return code


def run(workdir: Path, rounds: int, seed: int, fail_fast: bool) -> int:
    os.environ["CRISISPLAY_CACHE_DIR"] = str(workdir / "cache")
    resolved = Library(Home(workdir / "library-home", "env")).load("default")
    path = workdir / "answers.yaml"
    steps = write_answers(path, timed_answers(resolved, UNHAPPY_PATH))

    def progress(r: Round) -> None:
        sys.stderr.write("." if r.ok else "F")
        if (r.number + 1) % 50 == 0:
            sys.stderr.write(f" {r.number + 1}\n")
        sys.stderr.flush()

    summary = stress(
        workdir, path, steps, rounds, seed=seed, keep_going=not fail_fast, progress=progress
    )
    sys.stderr.write("\n")
    if not summary.reference.ok:
        print("FAILED before any kill: the uninterrupted reference run is itself wrong:")
        print(summary.reference.account())
        return 1
    failed = summary.failed
    if failed:
        checks = ", ".join(f"{c} {n}" for c, n in sorted(summary.by_check().items()))
        print(f"FAILED: {len(failed)} of {len(summary.rounds)} rounds ({checks}).")
        print("The first round that failed:")
        print(failed[0].account())
        print(summary.line())
        return 1
    print(
        f"ok: {summary.line()}; every incident closed, each step recorded once, chain, "
        "statements and snapshot verified, events equal to an uninterrupted run's."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
