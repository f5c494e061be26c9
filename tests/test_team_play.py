"""The team features played together, as the issue's acceptance scenario: two people on two
machines (two homes) sharing one bare remote, the real `crisisplay` program in subprocesses,
notifications to a real local SMTP server and webhook.

Alice opens an incident and walks it part of the way (the notify steps reach the mail
server), hands it over to Bob with a note; Bob syncs, resumes without taking anything over
(he holds the pen), walks to the end and closes; Alice syncs; both machines verify the same
log. Git reads only the temp config files each machine gets; every HOME is a temp folder.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from answering import EXE, UNHAPPY_PATH, answers_for, library, rechain, write_yaml
from test_notify import Mailbox, Webhook, text_of
from test_team import Machine as TeamMachine
from test_team import git_person

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
    reason="needs git",
)

#: Alice walks detect (its escalation is mailed to the account manager) and the hold stage
#: up to the holding statement; Bob walks the rest (the spokesperson by webhook, the
#: account manager by mail at the close).
ALICE_STEPS = "hold-draft"


class Machine(TeamMachine):
    """A machine of test_team's, that also runs the real program as its person."""

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """The real program, as this machine's person runs it."""
        full = {
            **os.environ,
            **self.env,
            **env,
            "CRISISPLAY_HOME": str(self.home),
            "NO_COLOR": "1",
            "COLUMNS": "200",
        }
        full.pop("CRISISPLAY_DEBUG", None)
        return subprocess.run(
            [str(EXE), *args], capture_output=True, text=True, env=full, timeout=120, check=False
        )

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.home), *args],
            capture_output=True,
            text=True,
            env={**os.environ, **self.env},
            check=True,
        )
        return done.stdout


@dataclass
class Play:
    remote: Path
    alice: Machine
    bob: Machine
    mailbox: Mailbox
    webhook: Webhook


@pytest.fixture
def play(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Play]:
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "nobody.gitconfig"))
    monkeypatch.delenv("CRISISPLAY_NAME", raising=False)
    (tmp_path / "nobody.gitconfig").write_text("")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    mailbox, webhook = Mailbox(), Webhook()
    mailbox.start()
    webhook.start()
    machines = []
    for who in ("Alice", "Bob"):
        user = tmp_path / f"{who}-user-home"
        user.mkdir()
        env = {
            **git_person(tmp_path, who),
            "HOME": str(user),
            "XDG_CONFIG_HOME": str(user / ".config"),
            "XDG_DATA_HOME": str(user / ".local" / "share"),
        }
        if who == "Bob":
            env["CRISISPLAY_NAME"] = "Bob"  # Bob's name from the environment, Alice's from git
        machines.append(Machine(who, tmp_path / who.lower(), env))
    alice, bob = machines
    ran = alice.run("init", "--git", "--remote", str(remote), str(alice.home))
    assert ran.returncode == 0, ran.stderr
    ran = bob.run("init", "--git", "--remote", str(remote), str(bob.home))
    assert ran.returncode == 0, ran.stderr
    assert "Joined" in ran.stdout
    for machine in machines:  # each machine's own channels: never shared through git
        (machine.home / "contacts.toml").write_text(
            "[account-manager]\n"
            f'notify = "{mailbox.url("am@client.example")}"\n'
            "\n[spokesperson]\n"
            f'notify = "json://127.0.0.1:{webhook.port}/spokesperson"\n'
            '\n["Bob"]\n'
            f'notify = "json://127.0.0.1:{webhook.port}/bob"\n',
            encoding="utf-8",
        )
    try:
        yield Play(remote, alice, bob, mailbox, webhook)
    finally:
        mailbox.stop()
        webhook.stop()


def answers(machine: Machine) -> Path:
    """The whole unhappy-customer walk of the default playbook."""
    resolved = library(machine.home).load("default")
    data = answers_for(resolved, UNHAPPY_PATH)
    return write_yaml(machine.home.parent / f"{machine.who}-answers.yaml", data)


def open_and_walk_to(machine: Machine, stop_at: str) -> str:
    """Alice at her terminal: opens the incident, walks it up to and including `stop_at`
    (each notify step's message sent as the walk sends it), and pauses. The program has no
    command for half a walk without a terminal, so this is the engine the `start` command
    runs, with the same outbox."""
    from crisisplay.frontends.answers import load_answers, plan, start_variables
    from crisisplay.frontends.scripted import outbox_for
    from crisisplay.incident.notify import step_messages
    from crisisplay.incident.session import open_incident

    path = answers(machine)
    with machine.active():
        lib = library(machine.home)
        loaded = load_answers(path)
        inc = loaded.incident
        session = open_incident(
            lib.home,
            lib.load("default"),
            title=inc["title"],
            severity=int(inc["severity"]),
            client_name=None,
            first_seen=None,
            opened_at=None,
            variables=dict(inc["variables"]),
        )
        try:
            session.walk.variables.update(start_variables(session.walk, loaded))
            outbox = outbox_for(session)
            for item in plan(session.walk, loaded):
                session.submit(item.data, item.at)
                outbox.settle()
                outbox.send(step_messages(session, item.step, item.data))
                if item.step.id == stop_at:
                    break
            outbox.close()
            session.pause("end of shift")
        finally:
            session.close()
        return session.folder.name


def of_type(machine: Machine, incident: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in machine.events(incident) if e["type"] == kind]


def remote_log(play: Play, incident: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(play.remote), "show", f"main:incidents/{incident}/log.jsonl"],
        capture_output=True,
        check=True,
    ).stdout


def hand_to_bob(play: Play, *, bob_syncs: bool = True) -> str:
    """Alice opens, walks, hands over to Bob; Bob syncs. Returns the incident id."""
    alice, bob = play.alice, play.bob
    incident = open_and_walk_to(alice, ALICE_STEPS)
    assert alice.events(incident)[0]["actor"] == "Alice"  # git's user.name on her machine
    # the escalation reached the account manager by mail, before anything was handed over
    subjects = [str(m["Subject"]) for _, m in play.mailbox.messages]
    assert subjects == ["[crisis] Cold brew made customers ill: detect-escalate"]
    assert [r for r, _ in play.mailbox.messages] == [["am@client.example"]]

    ran = alice.run("handover", "--to", "Bob", "--note", "Legal calls back at 10:00")
    assert ran.returncode == 0, ran.stderr
    assert "Handed over to Bob" in ran.stdout and "Legal calls back at 10:00" in ran.stdout
    (handover,) = of_type(alice, incident, "handover")
    assert handover["actor"] == "Alice"
    assert handover["data"]["to"] == "Bob"
    assert handover["data"]["note"] == "Legal calls back at 10:00"
    assert handover["data"]["brief"]["stage"]["id"] == "hold"
    # Bob's own channel got the brief
    (brief,) = [p for p in play.webhook.posts if "handed over to you" in p["title"]]
    assert brief["message"].startswith("# Handover: Cold brew made customers ill")
    # synced by itself: the remote has the handover (and every step before it)
    assert remote_log(play, incident) == alice.log(incident).read_bytes()
    assert alice.git("status", "--porcelain") == ""

    if bob_syncs:
        ran = bob.run("sync")
        assert ran.returncode == 0, ran.stderr
        assert bob.log(incident).read_bytes() == alice.log(incident).read_bytes()
    return incident


def test_opened_on_one_machine_handed_over_and_closed_on_the_other(play: Play) -> None:
    alice, bob = play.alice, play.bob
    incident = hand_to_bob(play)

    # someone else on Bob's machine is refused, told who holds it; nothing is written
    before = bob.log(incident).read_bytes()
    ran = bob.run("resume", incident, "--answers", str(answers(bob)), CRISISPLAY_NAME="Carol")
    assert ran.returncode == 1
    assert "Bob holds the pen" in ran.stderr and "--take-over" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert bob.log(incident).read_bytes() == before

    # Bob holds the pen: he resumes without taking anything over, walks to the end
    ran = bob.run("resume", incident, "--answers", str(answers(bob)))
    assert ran.returncode == 0, ran.stderr
    assert "holds the pen" not in ran.stderr
    assert of_type(bob, incident, "pen.taken") == []
    closed = of_type(bob, incident, "incident.closed")
    assert [e["actor"] for e in closed] == ["Bob"]
    # the rest of the notify steps went out from Bob's machine
    sent = [n["data"] for n in of_type(bob, incident, "notification")]
    steps = {(n["step"], n["status"]) for n in sent}
    assert ("apologise-notify-spokesperson", "sent") in steps
    assert ("close-notify-am", "sent") in steps
    spokesperson = [p for p in play.webhook.posts if "apologise-notify-spokesperson" in p["title"]]
    assert len(spokesperson) == 1
    subjects = [str(m["Subject"]) for _, m in play.mailbox.messages]
    assert subjects[-1].endswith("close-notify-am") and len(subjects) == 2
    assert f"({incident})" in text_of(play.mailbox.messages[-1][1])

    # Alice syncs: both machines hold one log, each verifies it, to the same head
    ran = alice.run("sync")
    assert ran.returncode == 0, ran.stderr
    assert alice.log(incident).read_bytes() == bob.log(incident).read_bytes()
    assert remote_log(play, incident) == bob.log(incident).read_bytes()
    heads = set()
    for machine in (alice, bob):
        ran = machine.run("log", "verify", incident, "--json")
        assert ran.returncode == 0, ran.stderr
        verified = json.loads(ran.stdout)
        assert verified["ok"] and verified["problems"] == []
        heads.add(verified["head"])
    assert len(heads) == 1

    # log show on Alice's machine: the handover and both shifts
    ran = alice.run("log", "show", incident)
    assert ran.returncode == 0, ran.stderr
    assert "HANDED OVER to Bob — Legal calls back at 10:00" in ran.stdout
    shifts = ran.stdout[ran.stdout.index("\nShifts\n") + 1 :].splitlines()[1:3]
    assert shifts[0].split()[0] == "Alice" and shifts[1].split()[0] == "Bob"
    assert "✉ sent to" in ran.stdout


def test_the_servers_down_during_bob_s_walk_lose_nothing(play: Play) -> None:
    alice, bob = play.alice, play.bob
    incident = hand_to_bob(play, bob_syncs=False)
    play.mailbox.stop()
    play.webhook.stop()
    # no sync first: resume brings the incident and its handover from the remote itself
    assert not bob.log(incident).exists()
    ran = bob.run("resume", incident, "--answers", str(answers(bob)))
    assert ran.returncode == 0, ran.stderr  # the walk is never held up by a channel down
    assert of_type(bob, incident, "pen.taken") == []
    assert "NOT sent to Account manager" in ran.stderr
    assert "It is sent again on resume" in ran.stderr
    assert of_type(bob, incident, "incident.closed")
    failed = [n["data"] for n in of_type(bob, incident, "notification")]
    failed = [n for n in failed if n["status"] == "failed"]
    assert [(n["step"], n["channel"]) for n in failed] == [
        ("apologise-notify-spokesperson", "json"),
        ("close-notify-am", "mailto"),
    ]
    assert all(n["error"] for n in failed)
    ran = bob.run("log", "show", incident)
    assert "✉ NOT sent to Account manager" in ran.stdout
    assert "✉ NOT sent to Spokesperson" in ran.stdout
    assert len(play.mailbox.messages) == 1  # only Alice's escalation
    posts = len(play.webhook.posts)  # the handover brief

    # the server is back: Bob's resume sends it again, once, and it is recorded and shared
    play.mailbox.start()
    play.webhook.start()
    ran = bob.run("resume", incident, "--answers", str(answers(bob)))
    assert ran.returncode == 0, ran.stderr
    assert "Sending again 2 notifications not sent before." in ran.stderr
    assert len(play.mailbox.messages) == 2
    assert str(play.mailbox.messages[-1][1]["Subject"]).endswith("close-notify-am")
    assert len(play.webhook.posts) == posts + 1
    assert "apologise-notify-spokesperson" in play.webhook.posts[-1]["title"]
    again = [n["data"] for n in of_type(bob, incident, "notification") if n["data"]["attempt"] == 2]
    assert sorted((n["step"], n["status"]) for n in again) == [
        ("apologise-notify-spokesperson", "sent"),
        ("close-notify-am", "sent"),
    ]
    ran = alice.run("sync")
    assert ran.returncode == 0, ran.stderr
    assert alice.log(incident).read_bytes() == bob.log(incident).read_bytes()
    for machine in (alice, bob):
        ran = machine.run("log", "verify", incident)
        assert ran.returncode == 0, ran.stderr


def test_only_the_holder_hands_over(play: Play) -> None:
    alice, bob = play.alice, play.bob
    incident = hand_to_bob(play)
    # Alice gave it away: she cannot hand it on again
    before = alice.log(incident).read_bytes()
    ran = alice.run("handover", incident, "--to", "Dave")
    assert ran.returncode == 1
    assert "Bob holds the pen" in ran.stderr and "Traceback" not in ran.stderr
    assert alice.log(incident).read_bytes() == before
    # Carol, on Bob's machine, neither
    ran = bob.run("handover", incident, "--to", "Carol", CRISISPLAY_NAME="Carol")
    assert ran.returncode == 1 and "Bob holds the pen" in ran.stderr
    # Bob does: and it reaches Alice's machine when she syncs
    ran = bob.run("handover", incident, "--to", "Alice", "--note", "back to you")
    assert ran.returncode == 0, ran.stderr
    assert alice.run("sync").returncode == 0
    assert [e["data"]["to"] for e in of_type(alice, incident, "handover")] == ["Bob", "Alice"]
    # the pen came back to her: she resumes as its holder and closes
    ran = alice.run("resume", incident, "--answers", str(answers(alice)))
    assert ran.returncode == 0, ran.stderr
    assert [e["actor"] for e in of_type(alice, incident, "incident.closed")] == ["Alice"]
    assert bob.run("sync").returncode == 0
    assert bob.log(incident).read_bytes() == alice.log(incident).read_bytes()
    assert bob.run("log", "verify", incident).returncode == 0


def test_a_stale_copy_does_not_hand_over_what_was_taken_elsewhere(play: Play) -> None:
    """Bob took the pen on his machine; Alice has not synced since. Her handover asks the
    remote first (as resume does) and is refused, instead of forking the log."""
    alice, bob = play.alice, play.bob
    incident = open_and_walk_to(alice, "detect-escalate")
    ran = alice.run("sync")
    assert ran.returncode == 0, ran.stderr
    assert bob.run("sync").returncode == 0
    ran = bob.run(
        "resume", incident, "--take-over", "--reason", "Alice is off",
        "--answers", str(answers(bob)),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    before = alice.log(incident).read_bytes()
    ran = alice.run("handover", incident, "--to", "Dave")
    assert ran.returncode == 1
    assert "Bob holds the pen" in ran.stderr
    assert of_type(alice, incident, "handover") == []
    assert alice.log(incident).read_bytes().startswith(before)
    ran = alice.run("log", "verify", incident)
    assert ran.returncode == 0, ran.stderr
    assert not list((alice.home / "incidents" / incident).glob("log.fork.*"))


def test_both_writing_at_once_fork_and_a_rewritten_log_is_caught(play: Play) -> None:
    """Alice, offline, takes the pen back and writes, while Bob walks it to the end: her
    sync reports the fork and keeps both copies. Then a rewritten log is caught by the
    receipt that reached the remote."""
    alice, bob = play.alice, play.bob
    incident = hand_to_bob(play)
    alice.git("remote", "set-url", "origin", str(play.remote.parent / "gone.git"))
    ran = alice.run(
        "resume", incident, "--take-over", "--reason", "Bob is not answering",
        "--answers", str(answers(alice)),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "not synced" in ran.stderr
    ran = bob.run("resume", incident, "--answers", str(answers(bob)))
    assert ran.returncode == 0, ran.stderr
    alice_copy, bob_copy = alice.log(incident).read_bytes(), bob.log(incident).read_bytes()
    alice.git("remote", "set-url", "origin", str(play.remote))
    ran = alice.run("sync")
    assert ran.returncode == 1
    assert f"FORK: {incident}" in ran.stderr
    folder = alice.home / "incidents" / incident
    assert (folder / "log.jsonl").read_bytes() == bob_copy  # the remote's, first pushed
    assert (folder / "log.fork.alice.jsonl").read_bytes() == alice_copy  # nothing lost
    ran = alice.run("sync", "--resolve", incident, "--note", "Alice's walk kept as the fork")
    assert ran.returncode == 0, ran.stderr
    assert bob.run("sync").returncode == 0
    for machine in (alice, bob):
        ran = machine.run("log", "verify", incident)
        assert ran.returncode == 0, ran.stderr
    assert alice.log(incident).read_bytes() == bob.log(incident).read_bytes()

    # a log rewritten on Bob's machine after its receipt reached the remote
    original = bob.log(incident).read_bytes()
    log = bob.log(incident)
    log.write_bytes(original.replace(b"Legal calls back at 10:00", b"Legal never called", 1))
    rechain(log)
    ran = bob.run("sync")
    assert ran.returncode == 1
    assert "does not match the receipt" in ran.stderr
    assert log.read_bytes() == original


def test_two_take_overs_at_once_fork_and_the_sync_still_merges(play: Play) -> None:
    """Carol (on Alice's machine, offline) and Dave (on Bob's) take the pen from Bob at the
    same moment and walk the same steps with different words: the two logs fork at the same
    seq, so both machines wrote statement copies under the same names. The sync reports the
    fork and still merges (the copies are derived: written again from the log it keeps)."""
    alice, bob = play.alice, play.bob
    incident = hand_to_bob(play)
    alice.git("remote", "set-url", "origin", str(play.remote.parent / "gone.git"))
    carol = answers(alice)
    carol.write_text(carol.read_text().replace("Customers say", "Carol says"))
    for machine, who, path in ((alice, "Carol", carol), (bob, "Dave", answers(bob))):
        ran = machine.run(
            "resume", incident, "--take-over", "--reason", "Bob is asleep",
            "--answers", str(path), CRISISPLAY_NAME=who,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
    carol_copy = alice.log(incident).read_bytes()
    alice.git("remote", "set-url", "origin", str(play.remote))
    ran = alice.run("sync")
    assert ran.returncode == 1
    assert f"FORK: {incident}" in ran.stderr
    assert "pen.taken by Carol" in ran.stderr and "pen.taken by Dave" in ran.stderr
    assert "cannot be put together" not in ran.stderr  # merged, not stopped
    assert not (alice.home / ".git" / "MERGE_HEAD").exists()
    folder = alice.home / "incidents" / incident
    assert (folder / "log.jsonl").read_bytes() == bob.log(incident).read_bytes()
    assert (folder / "log.fork.carol.jsonl").read_bytes() == carol_copy  # nothing lost
    assert b"Carol says" in (folder / "log.fork.carol.jsonl").read_bytes()
    ran = bob.run("sync")
    assert ran.returncode == 0, ran.stderr  # Bob gets the fork copy and Carol's receipt
    for machine in (alice, bob):  # the fork is said, not a rewritten log
        ran = machine.run("log", "verify", incident)
        assert ran.returncode == 1 and "log.fork.carol.jsonl" in ran.stderr
        assert "the whole chain recomputed" not in ran.stderr, ran.stderr
    ran = alice.run("sync", "--resolve", incident, "--note", "Carol's statements were not sent")
    assert ran.returncode == 0, ran.stderr
    for machine in (bob, alice, bob):  # Carol's receipt witnesses her copy, not the log
        ran = machine.run("sync")
        assert ran.returncode == 0, ran.stderr
        assert "cut" not in ran.stderr
    for machine in (alice, bob):
        ran = machine.run("log", "verify", incident)
        assert ran.returncode == 0, ran.stderr
    assert alice.log(incident).read_bytes() == bob.log(incident).read_bytes()
