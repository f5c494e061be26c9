"""Drill figures: listing scenarios, the briefing's first prompt, a scripted drill, a score."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from bench import CRISISPLAY, ROOT, RUNS, row, whole_process


def bench_drill(tmp: Path, env: dict[str, str]) -> None:
    import pexpect

    ms, mb = whole_process([CRISISPLAY, "drill", "--list"], env=env)
    row("drill --list (shipped scenarios)", ms, mb)

    times = []
    for _ in range(max(5, RUNS // 3)):
        start = time.perf_counter()
        child = pexpect.spawn(CRISISPLAY, ["drill", "offensive-meme"], env=env, timeout=10)
        child.expect("Start the clock")
        times.append((time.perf_counter() - start) * 1000)
        child.terminate(force=True)
    row("drill → briefing and first prompt (pexpect)", statistics.median(times), 0)

    sys.path.insert(0, str(ROOT / "tests"))
    from ruamel.yaml import YAML

    from answering import drill_answers
    from crisisplay.home import Home
    from crisisplay.playbook.library import Library

    resolved = Library(Home(tmp / "home", "env")).load("default")
    answers = drill_answers(resolved)
    answers.update(
        {
            "intern-panics": "Delete our post now",
            "troll-cheers": "Hide it",
            "client-wants-hack": "No",
            "journalist-call": "Point her",
        }
    )
    path = tmp / "drill-answers.yaml"
    with path.open("w", encoding="utf-8") as f:
        YAML().dump(answers, f)
    ms, mb = whole_process([CRISISPLAY, "drill", "offensive-meme", "--answers", str(path)], env=env)
    row("scripted drill offensive-meme (to apologise)", ms, mb)

    from crisisplay.drill.scenario import load_scenario
    from crisisplay.drill.score import score_drill
    from crisisplay.incident.log import read_events

    folder = next(p for p in (tmp / "home" / "incidents").iterdir() if "brisa" in p.name)
    events = list(read_events(folder / "log.jsonl"))
    scenario = load_scenario(ROOT / "scenarios" / "en" / "offensive-meme.yaml").scenario
    costs = []
    for _ in range(50):
        start = time.perf_counter()
        score_drill(scenario, resolved, events)
        costs.append((time.perf_counter() - start) * 1000)
    print(
        f"  {'score a drill from its log (in-process), median':<44} "
        f"{statistics.median(costs):8.2f} ms  ({len(events)} events)"
    )
