"""Build answers files for a playbook by walking it: the test suite's scripted manager."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# The full protocol: an unhappy customer, our fault, an apology. Bench and stress walk it.
UNHAPPY_PATH = {
    "detect-positive": "Negative",
    "detect-legal-safety": "No",
    "detect-triage": "Unhappy customer",
    "verify-personal-data": "No",
    "verify-fault": "Yes",
}

SAMPLE = {
    "text": "Customers say the cold brew made them ill",
    "multiline": "We sold a batch that had not been kept cold enough",
    "number": 12000,
    "url": "https://x.com/someone/status/1",
    "datetime": "2026-11-20T09:00:00Z",
    "confirm": "no",
}
#: What a manager would write where the same sample would not do: the apology offers a
#: repair and the closing post says what changed (the checker rightly holds up a statement
#: that is sure to make things worse, and an apology without a repair is one).
SAMPLE_FOR = {
    "what_we_did_wrong": "We sold cold brew that had not been kept cold enough",
    "remedy": "Everyone who bought it gets a full refund by Friday",
    "prevention": "Every batch is now checked for temperature before it leaves the kitchen",
    "what_changed": "Every batch is now checked for temperature before it leaves the kitchen",
}
SAMPLE_FOR_ES = {
    "what_we_did_wrong": "Vendimos café frío que no se había conservado en frío",
    "remedy": "Devolvemos el importe completo a quien lo compró antes del viernes",
    "prevention": "Ahora revisamos la temperatura de cada lote antes de que salga de cocina",
    "what_changed": "Ahora revisamos la temperatura de cada lote antes de que salga de cocina",
}


def sample_for(resolved: Any, save_as: str | None, otherwise: str) -> str:
    """What a manager would type for the answer saved as `save_as`, in the playbook's
    language; `otherwise` where any text will do."""
    spanish = str(resolved.playbook.language).startswith("es")
    return (SAMPLE_FOR_ES if spanish else SAMPLE_FOR).get(save_as or "", otherwise)


def answers_for(
    resolved: Any, choose: dict[str, str] | None = None, incident: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Answers that walk `resolved` along the options named in `choose` (else the first
    option of each decision), with a draft accepted, approved and published."""
    from crisisplay.incident.walk import Incident, Walk, match_option, parse_time

    choose = choose or {}
    inc = {
        "title": "Cold brew made customers ill",
        "severity": 2,
        "first_seen": "2026-11-20T08:00:00Z",
        "at": "2026-11-20T08:05:00Z",
        "variables": {v.name: f"sample {v.name}" for v in resolved.playbook.variables},
    }
    inc.update(incident or {})
    walk = Walk(
        resolved,
        Incident(
            "x",
            inc["title"],
            inc["severity"],
            "Client",
            "client",
            parse_time(inc["first_seen"]),
            parse_time(inc["at"]),
            {},
        ),
    )
    walk.variables.update(inc["variables"])
    out: dict[str, Any] = {"incident": inc}
    seq = 0
    while (cur := walk.current()) is not None:
        _, step = cur
        if step.kind == "ask":
            value: Any = (
                step.choices[0]
                if step.choices
                else sample_for(resolved, step.save_as, SAMPLE[step.input or "text"])
            )
            raw: dict[str, Any] = {"value": value}
        elif step.kind == "decide":
            label = choose.get(step.id)
            option = match_option(step.options, label) if label else step.options[0]
            assert option is not None, f"{step.id}: no option {label!r}"
            value, raw = option.label, {"option": option.label}
        elif step.kind == "draft":
            contacts = [c.name for c in resolved.client.contacts if c.role == step.approve_by]
            value = {"accept": True, "published_url": "https://x.com/brand/status/2"}
            if step.approve_by:
                value["approved_by"] = contacts[0] if contacts else "Approver"
            texts = walk.render(step, parse_time(inc["at"]))
            raw = {"texts": texts, "approved_by": value.get("approved_by")}
        else:
            value, raw = "done", {}
        out[step.id] = value
        data = walk.answer(step, raw)
        seq += 1
        walk.apply({"type": "step", "data": data, "ts": "2026-11-20T08:10:00Z", "seq": seq})
    return out


# --- shared helpers for the walk, resume, kill and log-command tests -----------------------

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "crisisplay"
DATA = Path(__file__).resolve().parent / "data" / "walk"


def drill_answers(resolved: Any, first_seen: str = "2026-11-20T21:00:00Z") -> dict[str, Any]:
    """The unhappy-customer walk without a spokesperson, one step a minute of scenario time
    from `first_seen`: the playbook part of a scripted drill's answers."""
    walk = answers_for(resolved, {**UNHAPPY_PATH, "apologise-spokesperson": "No"})
    walk.pop("incident")
    out: dict[str, Any] = {"incident": {"first_seen": first_seen}}
    for n, (step, value) in enumerate(walk.items(), start=1):
        at = f"{n}m"
        out[step] = dict(value, at=at) if isinstance(value, dict) else {"value": value, "at": at}
    return out


def library(home: Path) -> Any:
    from crisisplay.home import Home
    from crisisplay.playbook.library import Library

    return Library(Home(home, "env"))


def write_yaml(path: Path, data: Any) -> Path:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    with open(path, "w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path


def cli(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real program, as a user runs it, with CRISISPLAY_HOME=home."""
    env = {**os.environ, "CRISISPLAY_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("CRISISPLAY_DEBUG", None)
    return subprocess.run(
        [str(EXE), *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def incidents(home: Path) -> list[str]:
    """Incident folders that hold an opened incident."""
    from crisisplay.incident.session import list_incidents

    return [s.id for s in list_incidents(library(home).home)]


def events(home: Path, incident_id: str) -> list[dict[str, Any]]:
    from crisisplay.incident.log import read_events

    return list(read_events(home / "incidents" / incident_id / "log.jsonl"))


def rechain(path: Path) -> None:
    """Rebuild a log's hash chain after editing it, so only the edit itself is wrong."""
    import hashlib
    import json

    prev = "0" * 64
    out = []
    for raw in path.read_bytes().splitlines():
        event = json.loads(raw)  # accepts NaN: the edit under test
        event["prev"] = prev
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        prev = hashlib.sha256(line).hexdigest()
        out.append(line + b"\n")
    path.write_bytes(b"".join(out))


def forget_receipts(home: Path, incident_id: str) -> None:
    """Remove an incident's receipts from the ledger, re-chained: what a crash leaves when a
    test cuts a log to stand for a kill (a killed session never issued its receipt)."""
    import hashlib
    import json

    ledger = home / "receipts.jsonl"
    if not ledger.exists():
        return
    kept = [
        json.loads(line)
        for line in ledger.read_bytes().splitlines()
        if json.loads(line)["incident"] != incident_id
    ]
    prev, out = "0" * 64, []
    for n, obj in enumerate(kept):
        obj.update(n=n, prev=prev)
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        prev = hashlib.sha256(line).hexdigest()
        out.append(line + b"\n")
    ledger.write_bytes(b"".join(out))


def step_counts(evs: list[dict[str, Any]]) -> Counter[str]:
    return Counter(e["data"]["step"] for e in evs if e["type"] == "step")


def verified(home: Path, incident_id: str) -> bool:
    from crisisplay.incident.log import verify

    return verify(home / "incidents" / incident_id / "log.jsonl").ok


def expected_path(resolved: Any, answers: dict[str, Any]) -> list[str]:
    """The step ids an answers dict walks, in order (answers_for only writes those)."""
    return [
        k for k in answers if k != "incident" and k in {s.id for _, s in resolved.playbook.steps()}
    ]


# --- typing at the interactive walk -------------------------------------------------------


def key_chunks(keys: str | list[str]) -> list[str]:
    """What a person types at each prompt in turn: a list as given, or a string cut after
    each Enter (a prompt ends at its Enter; Esc Enter ends a multi-line one)."""
    if isinstance(keys, list):
        return list(keys)
    chunks = keys.split("\r")
    out = [c + "\r" for c in chunks[:-1]]
    return out + ([chunks[-1]] if chunks[-1] else [])


def drive(keys: str | list[str], fn: Any, *args: Any, **kwargs: Any) -> list[str]:
    """Run `fn` reading prompt_toolkit's pipe input, typing like a person: each prompt gets
    its keys only once it is drawn (every prompt first drops keys typed before it). When the
    keys run out the input closes, which the walk takes as Ctrl-D. Returns what was left."""
    chunks = key_chunks(keys)
    _typing(chunks, {}, lambda: fn(*args, **kwargs))
    return chunks


def start_default(keys: str | list[str], library: Any) -> list[str]:
    """`crisisplay start` on the shipped default playbook, everything else asked, driven by
    `keys` as `drive` types them."""
    from crisisplay.frontends.interactive import start_interactive

    return drive(
        keys,
        start_interactive,
        library,
        playbook="default",
        client=None,
        title=None,
        severity=None,
        first_seen=None,
    )


def drive_typing_ahead(keys: list[str], ahead: dict[int, str], fn: Any) -> Any:
    """Like `drive`, but before prompt number n (from 0) is drawn `ahead[n]` is already in
    the input: keys the person typed for the prompt before, or while nothing was asked."""
    return _typing(keys, ahead, fn)


STUCK = 20.0  # seconds a prompt may wait for keys that will never come before input closes


def _typing(chunks: list[str], ahead: dict[int, str], fn: Any) -> Any:
    import threading
    from unittest import mock

    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from crisisplay.frontends import prompts

    real = prompts.discard_typeahead
    count = iter(range(100_000))
    timer: list[threading.Timer] = []
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):

        def drawn() -> None:
            n = next(count)
            if n in ahead:
                pipe.send_text(ahead[n])
            real()
            for t in timer:
                t.cancel()
            if chunks:
                pipe.send_text(chunks.pop(0))
                # A prompt its keys did not finish would wait forever: end the input
                # (Ctrl-D) so the test fails on what was recorded instead of hanging.
                timer[:] = [threading.Timer(STUCK, pipe.close)]
                timer[0].daemon = True
                timer[0].start()
            else:
                pipe.close()

        try:
            with mock.patch.object(prompts, "discard_typeahead", drawn):
                return fn()
        finally:
            for t in timer:
                t.cancel()
