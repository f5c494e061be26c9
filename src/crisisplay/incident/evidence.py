"""An incident's whole evidence, checked: the chain, its last receipt, the derived files.

``log verify`` (and ``report``, ``resume``) ask one question: can this incident's record be
trusted? The answer has four parts:

* the log's hash chain (:func:`crisisplay.incident.log.verify`), and an anchor if one is given;
* the log against its last receipt in ``<home>/receipts.jsonl`` (a cut tail, an edited last
  line, a recomputed chain), and the ledger's own chain; each receipt's SSH signature, when
  it has one, against the workspace's ``allowed_signers`` (:mod:`.signing`);
* the playbook snapshot, which must hash to the playbook the log records;
* the statement copies in ``statements/``, which must be exactly the texts the log holds.

The log is the record; the snapshot and the statements are bound to it by hash, and the
statements are *derived*: ``repair`` rewrites them from the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crisisplay.home import Home
    from crisisplay.incident.log import VerifyResult
    from crisisplay.incident.receipts import Receipt
    from crisisplay.incident.signing import Signatures

__all__ = ["Evidence", "check_incident"]

#: The events the derived files and the receipts are bound by (besides the first).
_BINDING = frozenset(
    (
        "step",
        "playbook.changed",
        "playbook.restored",
        "session.resumed",
        "session.paused",
        "incident.closed",
        "recovery",
        "drill.started",
        "fork.resolved",
    )
)


@dataclass
class Evidence:
    incident: str
    log: VerifyResult
    receipt: Receipt | None = None
    #: the log against its receipt, and the receipts ledger's own chain
    receipt_problems: list[str] = field(default_factory=list)
    #: the playbook snapshot and the statement copies
    file_problems: list[str] = field(default_factory=list)
    #: what ``repair`` rewrote
    repaired: list[str] = field(default_factory=list)
    #: worth knowing, not a failure (a closed incident with no receipt, say)
    warnings: list[str] = field(default_factory=list)
    #: the receipts' SSH signatures (incident/signing.py), None when there is no receipt
    signatures: Signatures | None = None

    @property
    def problems(self) -> list[str]:
        return [*self.log.problems, *self.receipt_problems, *self.file_problems]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_incident(
    home: Home,
    incident_id: str,
    anchor: tuple[int, str] | None = None,
    *,
    repair: bool = False,
) -> Evidence:
    """Check everything the incident's evidence depends on; with ``repair``, rewrite the
    derived files (statement copies) from the log when the log itself verifies."""
    from crisisplay.incident import receipts
    from crisisplay.incident.log import LogReader
    from crisisplay.incident.session import (
        STATEMENTS,
        SnapshotError,
        expected_statements,
        playbook_sha,
        read_snapshot,
        statement_problems,
        write_statements,
    )

    folder = home.incidents / incident_id
    path = folder / "log.jsonl"
    # One streaming pass: the chain is checked while the few events the derived files
    # depend on are kept (a million notes are read, never held).
    reader = LogReader(path, anchor)
    events = [
        e
        for n, e in enumerate(reader)
        if n == 0 or (e.get("type") in _BINDING and (e["type"] != "step" or e["data"].get("texts")))
    ]
    result = reader.result
    ev = Evidence(incident_id, result)
    ledger = receipts.load(home.root)
    ev.receipt_problems.extend(ledger.problems)
    ev.receipt = ledger.for_incident(incident_id)
    if ev.receipt is not None:
        ev.receipt_problems.extend(_compare(folder, ev.receipt))
        from crisisplay.incident.signing import check

        ev.signatures = check(home.root, [r for r in ledger.every if r.incident == incident_id])
        ev.receipt_problems.extend(ev.signatures.problems)
        ev.warnings.extend(ev.signatures.warnings)
    if not result.ok:
        return ev  # the derived files are checked against a log that can be trusted
    _receipts_the_log_names(ev, ledger, events)
    expected_sha = playbook_sha(events)
    if expected_sha is not None:  # a log that names no playbook has no snapshot to check
        try:
            read_snapshot(folder, expected_sha)
        except SnapshotError as e:
            ev.file_problems.append(e.message)
    ev.file_problems.extend(_bound_files(folder, events))
    from crisisplay.incident.forks import problems as fork_problems

    ev.file_problems.extend(fork_problems(folder, events))
    expected = expected_statements(events)
    problems, rewrite = statement_problems(folder, expected, _fork_statements(folder))
    if repair and rewrite and not ev.receipt_problems:
        try:
            write_statements(folder, {name: expected[name] for name in rewrite})
        except OSError as e:
            ev.file_problems.append(f"{STATEMENTS}/ could not be repaired: {e.strerror or e}")
        else:
            ev.repaired.extend(f"{STATEMENTS}/{name}" for name in rewrite)
            problems, _ = statement_problems(folder, expected, _fork_statements(folder))
    ev.file_problems.extend(problems)
    return ev


def _compare(folder: Any, receipt: Receipt) -> list[str]:
    """The log against its last receipt; a receipt that covers a fork copy instead (issued
    on the machine that wrote it, and brought by the sync) is said as such, not as a
    rewritten log: the fork is reported, and resolving it issues a receipt for the log."""
    from crisisplay.i18n import _
    from crisisplay.incident import receipts
    from crisisplay.incident.forks import fork_files

    found = receipts.compare(folder / "log.jsonl", receipt)
    if not found:
        return found
    for name in fork_files(folder):
        if not receipts.compare(folder / name, receipt):
            return [
                _(
                    "the last receipt, {receipt}, covers {file} (the fork copy), not this log: "
                    "it was issued where that copy was written; resolving the fork issues one "
                    "for the log"
                ).format(receipt=receipt.text[:20] + "…", file=name)
            ]
    return found


def _fork_statements(folder: Any) -> dict[str, str]:
    """The statement copies the fork copies recorded: a sync that kept a fork merged its
    `statements/` too, and those are the fork's evidence, not strays (the fork itself is
    checked by forks.problems)."""
    from crisisplay.incident.forks import fork_files
    from crisisplay.incident.log import LogError, read_events
    from crisisplay.incident.statements import expected_statements

    out: dict[str, str] = {}
    for name in fork_files(folder):
        try:
            out.update(expected_statements(read_events(folder / name)))
        except (OSError, LogError):
            continue
    return out


def _receipts_the_log_names(ev: Evidence, ledger: Any, events: list[dict[str, Any]]) -> None:
    """The log vouches for the ledger: each resume names the receipt it found, and a log
    that was paused or closed should have one."""
    for event in events:
        named = (
            (event.get("data") or {}).get("receipt") if event["type"] == "session.resumed" else None
        )
        if isinstance(named, str) and not ledger.has(ev.incident, named):
            ev.receipt_problems.append(
                f"seq {event['seq']} (session.resumed) names the receipt {named[:20]}…, which "
                f"the receipts ledger no longer holds: the ledger was replaced or edited"
            )
    if ev.receipt is None and any(
        e["type"] in ("session.paused", "incident.closed") for e in events
    ):
        ev.warnings.append(
            "this incident was paused or closed, but the receipts ledger holds no receipt for "
            "it (the ledger was removed or replaced, or the session stopped just before "
            "issuing it): a cut or rewritten tail cannot be detected without one; check it "
            "with --anchor against a receipt kept elsewhere"
        )


def _bound_files(folder: Any, events: list[dict[str, Any]]) -> list[str]:
    """Quarantine files and a drill's scenario copy must hash to what the log recorded."""
    from crisisplay import safefs

    wanted: list[tuple[str, str, str]] = []
    for event in events:
        data = event.get("data") or {}
        if event["type"] == "recovery" and data.get("file") and data.get("sha256"):
            wanted.append((str(data["file"]), str(data["sha256"]), "quarantine file"))
        elif event["type"] == "drill.started" and data.get("sha256"):
            wanted.append(("scenario.yaml", str(data["sha256"]), "drill's scenario copy"))
    problems = []
    for name, sha, what in wanted:
        try:
            found = safefs.sha256_of(folder, name, depth=2, what=f"a {what}")
        except FileNotFoundError:
            problems.append(f"{name}, the {what} the log records, is missing")
            continue
        except OSError as e:
            problems.append(f"{name}: {e}")
            continue
        if found != sha:
            problems.append(f"{name}, the {what}, no longer hashes to what the log recorded")
    return problems
