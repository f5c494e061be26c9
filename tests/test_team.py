"""The team workspace in git: two machines (two homes, two people) and one bare remote.

Everything here is the real thing: `git init --bare` in tmp_path, the `git` program, the
real `crisisplay` entry point. Git reads only the temp config files each machine gets
(GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM): the real ~/.gitconfig is never read or written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from answering import DATA, EXE, answers_for, library, rechain, write_yaml
from running import Crisisplay

CHOOSE = {"d-route": "Hold", "h-after": "Carry on"}
pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
    reason="needs git",
)


@dataclass
class Machine:
    who: str
    home: Path
    env: dict[str, str]

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Library calls made here run as this machine's person, in its home."""
        saved = dict(os.environ)
        os.environ.update(self.env, CRISISPLAY_HOME=str(self.home))
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def log(self, incident_id: str) -> Path:
        return self.home / "incidents" / incident_id / "log.jsonl"

    def events(self, incident_id: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log(incident_id).read_bytes().splitlines()]


def git_person(tmp_path: Path, who: str) -> dict[str, str]:
    """The environment of a machine whose person is `who`: git reads only a temp config
    file that names them (never the real ~/.gitconfig)."""
    config = tmp_path / f"{who}.gitconfig"
    config.write_text(
        f"[user]\n\tname = {who}\n\temail = {who.lower()}@agency.example\n"
        "[init]\n\tdefaultBranch = main\n"
    )
    return {"GIT_CONFIG_GLOBAL": str(config)}


@dataclass
class Team:
    remote: Path
    alice: Machine
    bob: Machine
    run: Crisisplay

    def __call__(self, machine: Machine, *args: str) -> Any:
        return self.run(*args, home=machine.home, env=machine.env)

    def git(self, machine: Machine, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(machine.home), *args],
            capture_output=True,
            text=True,
            env={**os.environ, **machine.env},
            check=True,
        )
        return done.stdout


@pytest.fixture
def team(tmp_path: Path, crisisplay: Crisisplay, monkeypatch: pytest.MonkeyPatch) -> Team:
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "nobody.gitconfig"))
    monkeypatch.delenv("CRISISPLAY_NAME", raising=False)
    (tmp_path / "nobody.gitconfig").write_text("")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    machines = []
    for who in ("Alice", "Bob"):
        machines.append(Machine(who, tmp_path / who.lower(), git_person(tmp_path, who)))
    t = Team(remote, machines[0], machines[1], crisisplay)
    ran = t(t.alice, "init", "--git", "--remote", str(remote), str(t.alice.home))
    assert ran.code == 0, ran.err
    (t.alice.home / "playbooks" / "walk-branches.yaml").write_text(
        (DATA / "branches.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert t(t.alice, "sync").code == 0
    ran = t(t.bob, "init", "--git", "--remote", str(remote), str(t.bob.home))
    assert ran.code == 0, ran.err
    assert "Joined" in ran.out
    assert (t.bob.home / "playbooks" / "walk-branches.yaml").is_file()  # shared playbooks
    return t


def open_on(machine: Machine) -> str:
    """An incident opened on `machine` and paused (its person holds the pen)."""
    from crisisplay.incident.session import open_incident

    with machine.active():
        lib = library(machine.home)
        resolved = lib.load("walk-branches")
        session = open_incident(
            lib.home,
            resolved,
            title="Oat latte recall",
            severity=2,
            client_name="Client",
            first_seen=None,
            opened_at=None,
            variables={"product": "oat latte"},
        )
        session.pause("end of shift")
        session.close()
        return session.folder.name


def append_note(machine: Machine, incident_id: str, text: str) -> None:
    from crisisplay.incident.log import IncidentLog

    with IncidentLog.open(machine.home / "incidents" / incident_id, machine.who) as log:
        log.append("note", {"text": text, "step": None})


def answers_file(machine: Machine) -> Path:
    resolved = library(machine.home).load("walk-branches")
    data = answers_for(resolved, CHOOSE, {"variables": {"product": "oat latte"}})
    data.pop("incident")
    return write_yaml(machine.home.parent / f"{machine.who}-answers.yaml", data)


def test_the_pen_passes_between_machines_only_by_a_recorded_take_over(team: Team) -> None:
    alice, bob = team.alice, team.bob
    incident = open_on(alice)
    assert alice.events(incident)[0]["actor"] == "Alice"  # the person, not user@host
    assert team(alice, "sync").code == 0
    ran = team(bob, "sync")
    assert ran.code == 0, ran.err
    assert alice.log(incident).read_bytes() == bob.log(incident).read_bytes()
    before = bob.log(incident).read_bytes()

    answers = answers_file(bob)
    refused = team(bob, "resume", incident, "--answers", str(answers))
    assert refused.code == 1
    assert "Alice holds the pen" in refused.err and "--take-over" in refused.err
    assert bob.log(incident).read_bytes() == before  # nothing written

    ran = team(
        bob,
        "resume",
        incident,
        "--take-over",
        "--reason",
        "Alice is off",
        "--answers",
        str(answers),
    )
    assert ran.code == 0, ran.err
    taken = [e for e in bob.events(incident) if e["type"] == "pen.taken"]
    assert [(e["actor"], e["data"]) for e in taken] == [
        ("Bob", {"who": "Bob", "from": "Alice", "reason": "Alice is off"})
    ]
    assert bob.events(incident)[-1]["type"] == "incident.closed"
    assert bob.events(incident)[-1]["actor"] == "Bob"

    # the close synced by itself: Alice's next sync brings it, and Alice no longer holds it
    ran = team(alice, "sync")
    assert ran.code == 0, ran.err
    assert f"updated: {incident}" in ran.out
    assert alice.log(incident).read_bytes() == bob.log(incident).read_bytes()
    assert team(alice, "log", "verify", incident).code == 0
    assert team(bob, "log", "verify", incident).code == 0
    refused = team(alice, "resume", incident, "--answers", str(answers_file(alice)))
    assert refused.code == 1 and "Bob holds the pen" in refused.err


def test_two_machines_writing_at_once_make_a_fork_that_loses_nothing(team: Team) -> None:
    alice, bob = team.alice, team.bob
    incident = open_on(alice)
    assert team(alice, "sync").code == 0
    assert team(bob, "sync").code == 0
    append_note(alice, incident, "Alice: the client called")
    append_note(bob, incident, "Bob: press enquiry")
    alice_copy, bob_copy = alice.log(incident).read_bytes(), bob.log(incident).read_bytes()
    assert team(bob, "sync").code == 0  # first to push: nothing to compare with yet

    ran = team(alice, "sync")
    assert ran.code == 1
    assert f"FORK: {incident}" in ran.err
    assert "note by Alice" in ran.err and "note by Bob" in ran.err  # the first differing events
    folder = alice.home / "incidents" / incident
    assert (folder / "log.jsonl").read_bytes() == bob_copy
    assert (folder / "log.fork.alice.jsonl").read_bytes() == alice_copy  # nothing lost

    assert team(bob, "sync").code == 0  # Bob gets the fork copy; his log is unchanged
    assert bob.log(incident).read_bytes() == bob_copy
    assert (bob.home / "incidents" / incident / "log.fork.alice.jsonl").read_bytes() == alice_copy
    for machine in (alice, bob):
        ran = team(machine, "log", "verify", incident)
        assert ran.code == 1 and "log.fork.alice.jsonl" in ran.err

    ran = team(alice, "sync", "--resolve", incident, "--note", "client call re-entered")
    assert ran.code == 0, ran.err
    resolved = alice.events(incident)[-1]
    assert resolved["type"] == "fork.resolved"
    assert resolved["data"]["sha256"] == hashlib.sha256(alice_copy).hexdigest()
    assert team(bob, "sync").code == 0
    for machine in (alice, bob):
        ran = team(machine, "log", "verify", incident)
        assert ran.code == 0, ran.err


def start_and_close(team: Team, machine: Machine) -> str:
    resolved = library(machine.home).load("walk-branches")
    data = answers_for(resolved, CHOOSE, {"variables": {"product": "oat latte"}})
    path = write_yaml(machine.home.parent / "full.yaml", data)
    ran = team(machine, "start", "--answers", str(path), "-p", "walk-branches")
    assert ran.code == 0, ran.err
    if team.git(machine, "remote", "get-url", "origin").strip() != str(team.remote):
        # each sync said so in one line, and the walk went on
        notes = [line for line in ran.err.splitlines() if line.startswith("note: not synced")]
        assert len(notes) == 2 and "Traceback" not in ran.err, ran.err
    return ran.out.splitlines()[-1]


def test_a_log_rewritten_after_its_receipt_reached_the_remote_is_caught(team: Team) -> None:
    alice, bob = team.alice, team.bob
    incident = start_and_close(team, alice)  # opening and closing synced by themselves
    assert team(bob, "sync").code == 0
    original = bob.log(incident).read_bytes()
    assert alice.log(incident).read_bytes() == original

    # someone edits the title on Alice's machine and recomputes the whole chain
    log = alice.log(incident)
    log.write_bytes(log.read_bytes().replace(b"Cold brew", b"Warm brew", 1))
    rechain(log)
    rewritten = log.read_bytes()
    ran = team(alice, "sync")
    assert ran.code == 1
    assert "the copy here does not match the receipt" in ran.err
    assert log.read_bytes() == original  # the witnessed copy stays the log
    assert (log.parent / "log.fork.alice.jsonl").read_bytes() == rewritten  # kept as evidence

    # and with plain git, pushed past crisisplay: Bob's next sync catches it too
    log.write_bytes(rewritten)
    (log.parent / "log.fork.alice.jsonl").unlink()
    team.git(alice, "commit", "-q", "-am", "fix a typo")
    team.git(alice, "push", "-q", "origin", "HEAD:main")
    ran = team(bob, "sync")
    assert ran.code == 1
    assert "the copy on the remote does not match the receipt" in ran.err
    assert bob.log(incident).read_bytes() == original
    assert team(bob, "log", "verify", incident).code == 1  # the rewritten copy, as a fork


def test_a_remote_out_of_reach_leaves_the_walk_going_and_everything_committed(
    team: Team,
) -> None:
    alice = team.alice
    team.git(alice, "remote", "set-url", "origin", str(team.remote.parent / "gone.git"))
    incident = start_and_close(team, alice)  # opened and closed: both tried to sync
    assert alice.events(incident)[-1]["type"] == "incident.closed"
    ran = team(alice, "log", "verify", incident)
    assert ran.code == 0, ran.err
    assert team.git(alice, "status", "--porcelain") == ""  # committed here, nothing lost
    ran = team(alice, "sync")
    assert ran.code == 1 and "Could not exchange with the remote" in ran.err
    assert "Traceback" not in ran.err


def test_a_conflict_outside_the_logs_stops_the_sync_and_keeps_both(team: Team) -> None:
    alice, bob = team.alice, team.bob
    for machine, words in ((alice, "Alice's"), (bob, "Bob's")):
        (machine.home / "README.md").write_text(f"# {words} workspace\n")
    assert team(alice, "sync").code == 0
    ran = team(bob, "sync")
    assert ran.code == 1 and "README.md" in ran.err
    assert (bob.home / "README.md").read_text() == "# Bob's workspace\n"
    assert not (bob.home / ".git" / "MERGE_HEAD").exists()


def test_follow_shows_an_event_appended_while_it_runs(tmp_path: Path, crisisplay: Any) -> None:
    home = tmp_path / "home"
    resolved = library(home).load(str(DATA / "branches.yaml"))
    data = answers_for(resolved, CHOOSE, {"variables": {"product": "oat latte"}})
    ran = crisisplay(
        "start",
        "--answers",
        str(write_yaml(tmp_path / "a.yaml", data)),
        "-p",
        str(DATA / "branches.yaml"),
    )
    assert ran.code == 0, ran.err
    incident = ran.out.splitlines()[-1]
    env = {
        **os.environ,
        "CRISISPLAY_HOME": str(home),
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "CRISISPLAY_FOLLOW_SECONDS": "0.1",
    }
    with subprocess.Popen(
        [str(EXE), "log", "show", incident, "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        try:
            seen = read_until(proc, b"closed")
            assert b"the team lead called back" not in seen
            from crisisplay.incident.log import IncidentLog

            with IncidentLog.open(home / "incidents" / incident, "lead") as log:
                log.append("note", {"text": "the team lead called back", "step": None})
            read_until(proc, b"note: the team lead called back")
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            assert proc.returncode in (0, 130)
            assert b"Traceback" not in err
        finally:
            if proc.poll() is None:
                proc.kill()


def read_until(proc: subprocess.Popen[bytes], wanted: bytes) -> bytes:
    """What the process printed, up to and including `wanted` (fails after a minute of
    silence: a safety net, not a timing assertion)."""
    assert proc.stdout is not None
    got = b""
    while wanted not in got.lower():
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, f"waited a minute for {wanted!r}; got {got[-500:]!r}"
        chunk = os.read(proc.stdout.fileno(), 65536)
        assert chunk, f"the program ended before {wanted!r}: {got[-500:]!r}"
        got += chunk
    return got


def test_the_pen_follows_opening_handovers_and_take_overs() -> None:
    from crisisplay.incident.pen import holder

    def event(kind: str, actor: str, ts: str, **data: Any) -> dict[str, Any]:
        return {"type": kind, "actor": actor, "ts": ts, "data": data}

    log = [event("incident.opened", "Alice", "2026-12-05T01:00:00Z", title="x")]
    assert holder(log) == ("Alice", "2026-12-05T01:00:00Z")
    log.append(event("note", "Alice", "2026-12-05T01:05:00Z", text="hi"))
    log.append(event("handover", "Alice", "2026-12-05T02:00:00Z", to="Carla", note="", brief={}))
    assert holder(log) == ("Carla", "2026-12-05T02:00:00Z")
    log.append(event("pen.taken", "Bob", "2026-12-05T03:00:00Z", who="Bob", reason="ill"))
    assert holder(log) == ("Bob", "2026-12-05T03:00:00Z")
    log.append(event("handover", "Bob", "2026-12-05T04:00:00Z", to=""))  # names nobody
    assert holder(log) == ("Bob", "2026-12-05T03:00:00Z")
    assert holder([]) is None


def test_take_over_without_a_reason_is_wrong_usage_and_writes_nothing(team: Team) -> None:
    incident = open_on(team.alice)
    before = team.alice.log(incident).read_bytes()
    ran = team(team.alice, "resume", incident, "--take-over", "--answers", "x.yaml")
    assert ran.code == 2 and "--reason" in ran.err
    assert team.alice.log(incident).read_bytes() == before


def test_a_watcher_elsewhere_gets_the_remote_s_new_events(team: Team) -> None:
    """What `log show --follow` fetches on the account lead's machine: new events only,
    nothing committed there."""
    from crisisplay.incident.sync import pull_log

    alice, bob = team.alice, team.bob
    incident = open_on(alice)
    assert team(alice, "sync").code == 0
    assert team(bob, "sync").code == 0
    append_note(alice, incident, "holding statement approved")
    assert team(alice, "sync").code == 0
    head = team.git(bob, "rev-parse", "HEAD")
    with bob.active():
        assert pull_log(bob.home, incident) is None
    assert bob.events(incident)[-1]["data"]["text"] == "holding statement approved"
    assert bob.log(incident).read_bytes() == alice.log(incident).read_bytes()
    assert team.git(bob, "rev-parse", "HEAD") == head
    assert team(bob, "sync").code == 0  # and the next sync takes it as it is
    assert team(bob, "log", "verify", incident).code == 0


def test_a_fork_between_two_real_sessions_resolves_to_a_record_both_machines_verify(
    team: Team,
) -> None:
    """Alice writes offline in a real session (its own receipt) while Bob takes the pen
    and closes: the fork keeps both, and once resolved both machines verify."""
    from crisisplay.incident.session import resume_incident

    alice, bob = team.alice, team.bob
    incident = open_on(alice)
    assert team(alice, "sync").code == 0
    assert team(bob, "sync").code == 0
    team.git(alice, "remote", "set-url", "origin", str(team.remote.parent / "gone.git"))
    with alice.active():
        lib = library(alice.home)
        session = resume_incident(lib.home, lib, incident).session
        session.note("called the client back")
        session.pause("offline")
        session.close()
    assert session.receipt is not None
    ran = team(
        bob,
        "resume",
        incident,
        "--take-over",
        "--reason",
        "no answer",
        "--answers",
        str(answers_file(bob)),
    )
    assert ran.code == 0, ran.err
    team.git(alice, "remote", "set-url", "origin", str(team.remote))
    ran = team(alice, "sync")
    assert ran.code == 1 and "FORK" in ran.err
    assert team(alice, "log", "verify", incident).code == 1
    assert team(alice, "sync", "--resolve", incident, "--note", "call re-entered").code == 0
    assert team(bob, "sync").code == 0
    for machine in (alice, bob):
        ran = team(machine, "log", "verify", incident)
        assert ran.code == 0, ran.err
    assert alice.log(incident).read_bytes() == bob.log(incident).read_bytes()
