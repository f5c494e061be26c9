"""Notifications that go out: a notify step's message reaches a real SMTP server and a real
HTTP receiver through Apprise; every attempt is in the log; a failure is shown, recorded,
and sent again on resume; --dry-run sends nothing.

The servers are real and local (aiosmtpd, http.server), on free ports of 127.0.0.1; a
failure is made by stopping them. Nothing is timed: a refused connection fails at once.
"""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from answering import UNHAPPY_PATH, answers_for, events, library, start_default, write_yaml
from running import Crisisplay


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """A real SMTP server on 127.0.0.1 that keeps every message it is given."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[tuple[list[str], Message]] = []
        self.controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=crisis@agency.example&to={to}&mode=insecure"


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")


class Webhook:
    """A real HTTP server on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.posts: list[dict[str, Any]] = []
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                posts.append(json.loads(self.rfile.read(size)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    hook.start()
    yield hook
    hook.stop()


@pytest.fixture
def answers(crisisplay: Crisisplay) -> Path:
    """The whole unhappy-customer walk of the default playbook, as an answers file."""
    resolved = library(crisisplay.home).load("default")
    return write_yaml(crisisplay.home.parent / "answers.yaml", answers_for(resolved, UNHAPPY_PATH))


def contacts(home: Path, mailbox: Mailbox, webhook: Webhook) -> None:
    """The account manager by mail (under the role), the spokesperson by webhook."""
    (home / "contacts.toml").write_text(
        "[account-manager]\n"
        f'notify = "{mailbox.url("am@client.example")}"\n'
        "\n[spokesperson]\n"
        f'notify = ["json://127.0.0.1:{webhook.port}/hook"]\n',
        encoding="utf-8",
    )


def notifications(home: Path, incident: str) -> list[dict[str, Any]]:
    return [e["data"] for e in events(home, incident) if e["type"] == "notification"]


def test_notify_steps_reach_the_mail_server_and_the_webhook(
    crisisplay: Crisisplay, answers: Path, mailbox: Mailbox, webhook: Webhook
) -> None:
    contacts(crisisplay.home, mailbox, webhook)
    code, out, err = crisisplay("start", "--answers", str(answers))
    assert code == 0, err
    incident = out.strip()
    # the account manager is told at the escalation and at the close, by mail
    assert mailbox.messages, err
    rcpt, message = mailbox.messages[0]
    assert rcpt == ["am@client.example"]
    assert "[crisis] Cold brew made customers ill: detect-escalate" in str(message["Subject"])
    body = text_of(message)
    assert "Account manager: link, summary, severity" in body
    assert f"({incident})" in body
    assert "(R" not in body  # the protocol's rule numbers are not for the person told
    # the spokesperson by the webhook, with the step's own words
    assert len(webhook.posts) == 1
    assert "apologise-notify-spokesperson" in webhook.posts[0]["title"]
    assert "Spokesperson" in webhook.posts[0]["message"]
    # every attempt is in the log: sent, by which kind of channel, never the URL itself
    sent = notifications(crisisplay.home, incident)
    assert {(n["step"], n["channel"], n["status"]) for n in sent} == {
        ("detect-escalate", "mailto", "sent"),
        ("apologise-notify-spokesperson", "json", "sent"),
        ("close-notify-am", "mailto", "sent"),
    }
    assert len(mailbox.messages) == 2
    assert "127.0.0.1" not in json.dumps(sent)
    assert (
        "Sent to Account manager (set in the client's playbook) (account-manager) via mailto"
        in (err)
    )
    # and `log show` says so
    code, shown, _ = crisisplay("log", "show", incident)
    assert "✉ sent to Spokesperson (set in the client's playbook) (spokesperson) via json" in shown


def test_a_failed_send_is_recorded_shown_and_sent_again_on_resume(
    crisisplay: Crisisplay, answers: Path, mailbox: Mailbox, webhook: Webhook
) -> None:
    contacts(crisisplay.home, mailbox, webhook)
    mailbox.stop()  # the mail server is down while the walk goes on
    code, out, err = crisisplay("start", "--answers", str(answers))
    assert code == 0, err  # the walk is never held up by a channel that fails
    incident = out.strip()
    steps = [e["data"]["step"] for e in events(crisisplay.home, incident) if e["type"] == "step"]
    assert "detect-escalate" in steps and "close-notify-am" in steps  # no step is lost
    failed = [n for n in notifications(crisisplay.home, incident) if n["status"] == "failed"]
    assert {n["step"] for n in failed} == {"detect-escalate", "close-notify-am"}
    assert all(n["error"] for n in failed)
    assert "NOT sent to Account manager" in err and "It is sent again on resume" in err
    code, shown, _ = crisisplay("log", "show", incident)
    assert "✉ NOT sent to Account manager (set in the client's playbook) (account-manager)" in shown
    # the server is back: resuming sends what failed, once each, and records it
    mailbox.start()
    code, _out, err = crisisplay("resume", incident, "--answers", str(answers))
    assert code == 0, err
    assert "Sending again 2 notifications not sent before." in err
    subjects = sorted(str(m["Subject"]) for _, m in mailbox.messages)
    assert len(subjects) == 2
    assert subjects[0].endswith("close-notify-am") and subjects[1].endswith("detect-escalate")
    again = [n for n in notifications(crisisplay.home, incident) if n["attempt"] == 2]
    assert {(n["step"], n["status"]) for n in again} == {
        ("detect-escalate", "sent"),
        ("close-notify-am", "sent"),
    }
    # nothing left to send: another resume sends nothing more
    crisisplay("resume", incident, "--answers", str(answers))
    assert len(mailbox.messages) == 2


def test_dry_run_shows_what_would_go_and_sends_nothing(
    crisisplay: Crisisplay, answers: Path, mailbox: Mailbox, webhook: Webhook
) -> None:
    contacts(crisisplay.home, mailbox, webhook)
    code, out, err = crisisplay("start", "--answers", str(answers), "--dry-run")
    assert code == 0, err
    assert (
        "Would send to Account manager (set in the client's playbook) (account-manager) via "
        "mailto: [crisis] Cold brew made customers ill: detect-escalate"
    ) in err
    assert "via json" in err
    assert mailbox.messages == [] and webhook.posts == []
    assert notifications(crisisplay.home, out.strip()) == []


def test_the_environment_gives_a_channel_and_a_bad_url_fails_cleanly(
    crisisplay: Crisisplay, answers: Path, mailbox: Mailbox
) -> None:
    code, out, err = crisisplay(
        "start",
        "--answers",
        str(answers),
        env={
            "CRISISPLAY_NOTIFY_ACCOUNT_MANAGER": mailbox.url("env@client.example"),
            "CRISISPLAY_NOTIFY_SPOKESPERSON": "nonsense://nowhere",
        },
    )
    assert code == 0, err
    assert {tuple(r) for r, _ in mailbox.messages} == {("env@client.example",)}
    failed = [n for n in notifications(crisisplay.home, out.strip()) if n["status"] == "failed"]
    assert [(n["step"], n["channel"]) for n in failed] == [
        ("apologise-notify-spokesperson", "nonsense")
    ]
    assert "not an address Apprise can send to" in failed[0]["error"]


def test_a_send_that_hangs_is_pending_and_the_walk_goes_on(
    crisisplay: Crisisplay, answers: Path, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A channel that does not answer holds the walk only for the bounded wait: the step is
    recorded, the attempt is 'pending', and its outcome is recorded when it comes."""
    from crisisplay.incident import notify

    release = threading.Event()
    real = notify.deliver

    def stuck_until_released(url: str, title: str, body: str) -> str | None:
        release.wait()
        return real(url, title, body)

    monkeypatch.setattr(notify, "deliver", stuck_until_released)
    monkeypatch.setattr(notify, "SEND_WAIT", 0.0)  # the bounded wait runs out at once
    original_send = notify.Outbox.send

    def send(self: Any, items: list[Any]) -> None:
        original_send(self, items)
        for s in list(self.inflight):  # the walk went on: now the channel answers
            release.set()
            s.done.wait()

    monkeypatch.setattr(notify.Outbox, "send", send)
    (crisisplay.home / "contacts.toml").write_text(
        f'[account-manager]\nnotify = "{mailbox.url("am@client.example")}"\n', encoding="utf-8"
    )
    code, out, err = crisisplay("start", "--answers", str(answers))
    assert code == 0, err
    seen = notifications(crisisplay.home, out.strip())
    first = [n for n in seen if n["step"] == "detect-escalate"]
    assert [n["status"] for n in first] == ["pending", "sent"]
    assert "Still sending to Account manager" in err
    assert [r for r, _ in mailbox.messages] == [["am@client.example"]] * 2


def test_the_terminal_walk_asks_for_sign_off_and_says_what_went(
    tmp_path: Path, mailbox: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Typed at the terminal: the escalation is told by mail, and each statement is sent to
    the account manager for sign-off before the approver is asked; each outcome shown."""
    from crisisplay.home import Home
    from crisisplay.incident.log import read_events
    from crisisplay.playbook.library import Library
    from test_interactive import DOWN, ENTER, UNHAPPY, keys_for_walk

    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "contacts.toml").write_text(
        f'[account-manager]\nnotify = "{mailbox.url("am@client.example")}"\n', encoding="utf-8"
    )
    lib = Library(Home(tmp_path / "home", "env"))
    resolved = lib.load("default")
    opening = "Acme" + ENTER + "Outage" + ENTER + DOWN * 2 + ENTER + "now" + ENTER + "app" + ENTER
    start_default(opening + keys_for_walk(resolved, UNHAPPY), lib)
    out = " ".join(capsys.readouterr().out.split())
    (folder,) = list(lib.home.incidents.iterdir())
    events = list(read_events(folder / "log.jsonl"))
    steps = {e["data"]["step"]: e["data"] for e in events if e["type"] == "step"}
    signed = [s for s, d in steps.items() if d.get("approval")]
    assert "hold-draft" in signed
    subjects = [str(m["Subject"]) for _, m in mailbox.messages]
    assert subjects[:2] == [
        "[crisis] Outage: detect-escalate",
        "[crisis] Outage: sign-off needed for hold-draft",
    ]
    assert sorted(s.rsplit(" ", 1)[1] for s in subjects if "sign-off" in s) == sorted(signed)
    request = text_of(mailbox.messages[1][1])
    assert request.startswith("Please approve this statement before it is published:")
    assert steps["hold-draft"]["texts"]["x"] in request  # the statement as it was signed off
    sent = [e["data"] for e in events if e["type"] == "notification"]
    assert {n["status"] for n in sent} == {"sent"}
    assert len(sent) == len(mailbox.messages)
    assert "✉ Sent to Account manager (set in the client's playbook) (account-manager) via" in out


def test_a_broken_contacts_file_is_a_clear_error(crisisplay: Crisisplay, answers: Path) -> None:
    (crisisplay.home / "contacts.toml").write_text(
        "# channels\n[legal]\nnotify = 42\n", encoding="utf-8"
    )
    code, _out, err = crisisplay("start", "--answers", str(answers))
    assert code == 1
    assert 'contacts.toml:2: [legal] needs notify = "URL" or a list of URLs' in err
    assert "Traceback" not in err
    assert not (crisisplay.home / "incidents").exists() or not any(
        (crisisplay.home / "incidents").iterdir()
    )  # nothing was opened


def test_shift_hours_is_read_and_checked(tmp_path: Path) -> None:
    from crisisplay.errors import CrisisplayError
    from crisisplay.workspace import shift_hours

    assert shift_hours(tmp_path) == 4.0  # no crisisplay.toml: the default
    (tmp_path / "crisisplay.toml").write_text("[workspace]\nshift_hours = 2.5\n")
    assert shift_hours(tmp_path) == 2.5
    (tmp_path / "crisisplay.toml").write_text('timezone = "UTC"\nshift_hours = "long"\n')
    with pytest.raises(CrisisplayError) as info:
        shift_hours(tmp_path)
    assert "crisisplay.toml:2: shift_hours must be a number of hours above 0" in str(info.value)


def test_a_handover_sends_the_brief_to_the_person_taking_over(
    crisisplay: Crisisplay, webhook: Webhook
) -> None:
    from test_handover import walked

    incident = walked(crisisplay.home)
    (crisisplay.home / "contacts.toml").write_text(
        f'["Marta Ruiz"]\nnotify = "json://127.0.0.1:{webhook.port}/hook"\n', encoding="utf-8"
    )
    code, _out, err = crisisplay("handover", "--to", "Marta Ruiz", "--dry-run")
    assert code == 0 and "Would send to Marta Ruiz via json" in err
    assert webhook.posts == []
    code, _out, err = crisisplay("handover", "--to", "Marta Ruiz")
    assert code == 0, err
    (post,) = webhook.posts
    assert post["title"] == "[crisis] Cold brew: handed over to you"
    assert post["message"].startswith("# Handover: Cold brew")
    assert "- facebook (hold-draft)" in post["message"]
    sent = notifications(crisisplay.home, incident)
    assert [(n["purpose"], n["to"]["name"], n["status"]) for n in sent] == [
        ("handover", "Marta Ruiz", "sent")
    ]
