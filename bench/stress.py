"""`make stress`: the SIGKILL-and-resume loop of the tests, many more rounds (ROUNDS=200)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from ruamel.yaml import YAML  # noqa: E402

from answering import UNHAPPY_PATH, answers_for, kill_stress  # noqa: E402
from crisisplay.home import Home  # noqa: E402
from crisisplay.playbook.library import Library  # noqa: E402


def main() -> None:
    rounds = int(os.environ.get("ROUNDS", "200"))
    with tempfile.TemporaryDirectory(prefix="crisisplay-stress-") as tmp:
        home = Path(tmp) / "home"
        resolved = Library(Home(home, "env")).load("default")
        answers = answers_for(resolved, UNHAPPY_PATH)
        path = Path(tmp) / "answers.yaml"
        with path.open("w", encoding="utf-8") as f:
            YAML().dump(answers, f)
        start = time.perf_counter()
        results = kill_stress(home, path, "default", rounds, seed=int(time.time()))
        took = time.perf_counter() - start
    opened = sum(1 for r in results if r.get("incident"))
    print(
        f"{rounds} SIGKILL rounds in {took:.1f} s: {opened} incidents opened and resumed; "
        "every one closed with each step recorded once and its chain verified."
    )


if __name__ == "__main__":
    main()
