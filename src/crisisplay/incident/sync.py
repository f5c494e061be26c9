"""The team workspace in git: `crisisplay init --git` and `crisisplay sync`.

The workspace (playbooks, templates, checker rules, scenarios, incidents, receipts) is a
git repository, exchanged with one remote (`origin`: a bare repository on a share, GitHub,
GitLab …) by the `git` program itself. A sync commits what changed here, fetches, and then:

* the append-only files (each incident's `log.jsonl`, its fork copies, `receipts.jsonl`)
  are settled here, byte by byte, never by git's textual merge: a copy that is a prefix of
  the other is fast-forwarded; two copies of a log that diverge are a *fork*: one stays
  `log.jsonl`, the other is kept beside it as `log.fork.<who>.jsonl` (see
  :mod:`crisisplay.incident.forks`), and the sync says so and fails;
* everything else goes through git's ordinary merge; a conflict there aborts the merge and
  says which files, with nothing lost (this side's commit and the remote's are both kept);
* the receipts that had reached the remote are the logs' outside witness: a copy (here or
  on the remote) that no longer matches one of them was rewritten after it, and the sync
  says so, keeps the copy that matches as `log.jsonl` and the other as a fork.

Then it pushes. Which copy of a diverged log stays `log.jsonl`: the one that matches the
receipts that reached the remote, else the remote's (the first pushed), so every machine
ends with the same files however the syncs interleave.

A log being written by a session on this machine (its `log.lock` held) is never touched:
the sync stops before merging and asks to be run again once that session has paused.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crisisplay import git, safefs
from crisisplay.errors import CrisisplayError
from crisisplay.i18n import _

__all__ = [
    "Fork",
    "SyncResult",
    "init_repo",
    "join",
    "pull_log",
    "resolve_forks",
    "sync",
    "sync_after",
]

REMOTE = "origin"
LEDGER = "receipts.jsonl"
#: The tool's own scratch files, never shared (per clone: .git/info/exclude); and the
#: notification channels, whose URLs carry passwords and tokens: each machine keeps its own.
EXCLUDE = (
    "incidents/*/log.lock",
    "incidents/.opening-*",
    ".*.tmp-*",
    "incidents/*/.*.tmp-*",
    "/contacts.toml",
)
#: Append-only files: settled by the sync before git merges, so git keeps this side's copy.
ATTRIBUTES = (
    "incidents/*/log*.jsonl merge=crisisplay-append -text",
    "receipts.jsonl merge=crisisplay-append -text",
    # derived from the log: two machines that recorded one step at once each wrote their
    # own; git keeps this side's, then the sync writes them again from the settled log
    "incidents/*/statements/* merge=crisisplay-append -text",
)
MERGE_CONFIG = {
    "merge.crisisplay-append.name": "append-only files settled by crisisplay sync",
    "merge.crisisplay-append.driver": "true",
}
#: The events after which a walk syncs by itself (see :func:`sync_after`); a resume syncs
#: before it reads the log ("session.resumed"), to know who holds the pen.
SYNC_EVENTS = (
    "incident.opened",
    "handover",
    "pen.taken",
    "incident.closed",
    "fork.resolved",
    "session.resumed",
)


@dataclass
class Fork:
    incident: str
    file: str  #: the fork copy's name in the incident folder
    kept: str  #: "here" or "remote": whose copy stays log.jsonl
    here: str  #: the first event of this side's copy that the other lacks
    remote: str  #: the same on the remote's side


@dataclass
class SyncResult:
    committed: bool = False
    remote: str | None = None
    pushed: bool = False
    forwarded: list[str] = field(default_factory=list)
    forks: list[Fork] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: the sync stopped before merging (a log in use, a rewritten remote ledger)
    stopped: bool = False
    #: receipts signed, and how many of them verified against allowed_signers, by whom
    signed: int = 0
    verified: int = 0
    signers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.forks and not self.problems


# --- git, briefly -----------------------------------------------------------------------------


def _out(root: Path, *args: str) -> str:
    return git.run(root, *args).stdout.decode("utf-8", "replace").strip()


def _rev(root: Path, ref: str) -> str | None:
    done = git.run(root, "rev-parse", "--verify", "-q", ref + "^{commit}", check=False)
    sha = done.stdout.decode().strip()
    return sha if done.returncode == 0 and sha else None


def _blob(root: Path, commit: str | None, path: str) -> bytes | None:
    if commit is None:
        return None
    done = git.run(root, "cat-file", "blob", f"{commit}:{path}", check=False)
    return done.stdout if done.returncode == 0 else None


def _branch(root: Path) -> str:
    done = git.run(root, "symbolic-ref", "--short", "HEAD", check=False)
    name = done.stdout.decode().strip()
    if done.returncode != 0 or not name:
        raise CrisisplayError(
            _(
                "The workspace's git repository is not on a branch (a detached HEAD), so it "
                "cannot be synced: `git -C {root} switch main` first."
            ).format(root=root)
        )
    return name


def remote_url(root: Path) -> str | None:
    return git.config(root, f"remote.{REMOTE}.url")


def _identity(root: Path) -> dict[str, str]:
    """Commits need a name and an address; a person who set none in git gets theirs."""
    from crisisplay.person import name

    out = {}
    if git.config(root, "user.name") is None:
        out["user.name"] = name(root)
    if git.config(root, "user.email") is None:
        out["user.email"] = "crisisplay@localhost"
    return out


def prepare(root: Path) -> None:
    """The per-clone settings a sync relies on: scratch files ignored, append-only files
    merged by the sync, not by git (written every time: a fresh clone has neither)."""
    info = root / ".git" / "info"
    info.mkdir(parents=True, exist_ok=True)
    for name, lines in (("exclude", EXCLUDE), ("attributes", ATTRIBUTES)):
        path = info / name
        try:
            have = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            have = ""
        missing = [line for line in lines if line not in have.splitlines()]
        if missing:
            sep = "" if not have or have.endswith("\n") else "\n"
            path.write_text(have + sep + "\n".join(missing) + "\n", encoding="utf-8")


def _commit(root: Path, message: str) -> bool:
    git.run(root, "add", "-A")
    if git.run(root, "diff", "--cached", "--quiet", check=False).returncode == 0:
        return False
    git.run(root, "commit", "-q", "--no-verify", "-m", message, config=_identity(root))
    return True


# --- init ---------------------------------------------------------------------------------


def init_repo(root: Path, remote: str | None) -> None:
    """Make the workspace at `root` a git repository (if it is not one), with `remote` as
    its `origin`, and commit what is there."""
    if not git.is_repo(root):
        git.run(root, "init", "-q")
        git.run(root, "symbolic-ref", "HEAD", "refs/heads/main")
    prepare(root)
    if remote:
        if remote_url(root) is None:
            git.run(root, "remote", "add", REMOTE, remote)
        else:
            git.run(root, "remote", "set-url", REMOTE, remote)
    _commit(root, "crisisplay init --git")


def join(root: Path, remote: str) -> bool:
    """Join a team workspace that already exists on `remote`: an empty (or new) folder
    becomes a clone of it. False, with nothing changed, when the remote has nothing yet."""
    listed = git.run(Path.cwd(), "ls-remote", "--heads", remote).stdout.decode().split()
    heads = [ref.removeprefix("refs/heads/") for ref in listed if ref.startswith("refs/heads/")]
    if not heads:
        return False
    branch = "main" if "main" in heads else "master" if "master" in heads else heads[0]
    if root.exists() and any(root.iterdir()):
        raise CrisisplayError(
            _(
                "{root} is not empty, and the remote already holds a team workspace: join it "
                "from an empty folder (crisisplay init --git --remote URL NEW-FOLDER)."
            ).format(root=root)
        )
    root.mkdir(parents=True, exist_ok=True)
    git.run(root, "init", "-q")
    git.run(root, "remote", "add", REMOTE, remote)
    git.run(root, "fetch", "-q", REMOTE)
    git.run(root, "checkout", "-q", "-b", branch, "--track", f"{REMOTE}/{branch}")
    prepare(root)
    return True


# --- sync -----------------------------------------------------------------------------------


def sync(root: Path, *, attempts: int = 3) -> SyncResult:
    """Commit, fetch, settle the append-only files, merge the rest, check the receipts,
    push (again, from the fetch, when someone pushed in between)."""
    from crisisplay.person import name

    if not git.is_repo(root):
        raise CrisisplayError(
            _("{root} is not a team workspace (it is not in git).").format(root=root),
            _("Make it one with: crisisplay init --git --remote URL"),
        )
    if (root / ".git" / "MERGE_HEAD").exists():
        raise CrisisplayError(
            _(
                "A git merge is half done in {root}; finish it (git commit) or undo it "
                "(git merge --abort), then sync again."
            ).format(root=root)
        )
    prepare(root)
    me = name(root)
    result = SyncResult()
    result.committed = _commit(root, f"crisisplay: {me}")
    result.remote = remote_url(root)
    if result.remote is None:
        return result
    branch = _branch(root)
    tracking = f"refs/remotes/{REMOTE}/{branch}"
    for attempt in range(attempts):
        before = _rev(root, tracking)
        try:
            git.run(root, "fetch", "-q", REMOTE)
        except git.GitError as e:
            raise Unreachable(result.remote, e) from None
        theirs = _rev(root, tracking)
        if theirs is not None:
            settled = _settle(root, before, theirs, me, result)
            if result.stopped:
                return result
            _commit(root, f"crisisplay sync: {me} took in the remote's logs")
            _merge(root, theirs, branch)
            _keep(root, settled)
            _restate(root, settled)
            _commit(root, f"crisisplay sync: {me} kept the append-only files")
            _check_receipts(root, result)
        head = _rev(root, "HEAD")
        if head is None or head == theirs:
            return result
        pushed = git.run(root, "push", "-q", REMOTE, f"HEAD:refs/heads/{branch}", check=False)
        if pushed.returncode == 0:
            git.run(root, "branch", "-q", "--set-upstream-to", f"{REMOTE}/{branch}", check=False)
            result.pushed = True
            return result
        said = pushed.stderr.decode("utf-8", "replace")
        if "rejected" not in said or attempt == attempts - 1:
            raise Unreachable(result.remote, git.GitError(said.strip().splitlines()[-1], said))
        result.forks.clear()  # settled again from the new fetch
        result.forwarded.clear()
    return result


class Unreachable(CrisisplayError):
    """The remote could not be fetched from or pushed to; everything is kept here."""

    def __init__(self, remote: str, cause: Exception) -> None:
        super().__init__(
            _("Could not exchange with the remote {remote}: {why}").format(
                remote=remote, why=str(cause).strip()
            ),
            _("Everything is committed here; `crisisplay sync` sends it when the remote is back."),
        )


@contextlib.contextmanager
def _unwritten(folder: Path) -> Iterator[bool]:
    """Hold the incident's lock while the sync changes its log: True if no session writes
    it (and none can until the block ends), False if one does."""
    try:
        fd = safefs.open_in(folder, "log.lock", os.O_RDWR | os.O_CREAT, depth=2)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _published(ledger: bytes | None) -> dict[str, list[tuple[int, str]]]:
    """incident → the (seq, sha256) of each receipt in a ledger's text."""
    out: dict[str, list[tuple[int, str]]] = {}
    for line in (ledger or b"").split(b"\n"):
        try:
            obj = json.loads(line)
            out.setdefault(str(obj["incident"]), []).append((int(obj["seq"]), str(obj["sha256"])))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def _fails(data: bytes, receipts: list[tuple[int, str]]) -> str | None:
    """The first receipt (`SEQ:SHA256`) a copy of a log does not match, if any."""
    lines = data.split(b"\n")[:-1]
    for seq, sha in receipts:
        if seq >= len(lines) or hashlib.sha256(lines[seq]).hexdigest() != sha:
            return f"{seq}:{sha}"
    return None


def _fork_copies(root: Path, theirs: str, folder: Path, listed: bytes) -> list[bytes]:
    """Every fork copy of the incident in `folder`, here and on the remote."""
    from crisisplay.incident.forks import FORK_RE, fork_files

    copies = []
    for name in fork_files(folder):
        with contextlib.suppress(OSError):
            copies.append((folder / name).read_bytes())
    prefix = f"incidents/{folder.name}/"
    for path in listed.decode("utf-8", "replace").splitlines():
        if path.startswith(prefix) and FORK_RE.fullmatch(path[len(prefix) :]):
            copies.append(_blob(root, theirs, path) or b"")
    return copies


def _witnesses(
    seen: list[tuple[int, str]], ours: bytes, remote: bytes, forks: list[bytes]
) -> list[tuple[int, str]]:
    """The receipts that witness the log: not one that only a fork copy matches (issued
    where that copy was written, before the sync set it aside)."""
    return [
        r
        for r in seen
        if _fails(ours, [r]) is None
        or _fails(remote, [r]) is None
        or all(_fails(copy, [r]) is not None for copy in forks)
    ]


def _first_difference(ours: bytes, theirs: bytes) -> tuple[str, str]:
    """The first event of each copy that the other does not have, described."""
    a, b = ours.split(b"\n"), theirs.split(b"\n")
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    return _describe(a[k] if k < len(a) else b""), _describe(b[k] if k < len(b) else b"")


def _describe(line: bytes) -> str:
    from crisisplay import times

    if not line.strip():
        return _("(nothing: the copy ends there)")
    try:
        e = json.loads(line)
        return _("seq {seq}, {type} by {actor} at {when}").format(
            seq=e["seq"], type=e["type"], actor=e["actor"], when=times.when(e.get("at") or e["ts"])
        )
    except (ValueError, KeyError, TypeError):
        return _("a line that is not an event")


def _append(path: Path, extra: bytes) -> None:
    fd = safefs.open_in(path.parent, path.name, os.O_WRONLY | os.O_APPEND, depth=2)
    try:
        view = memoryview(extra)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _settle(
    root: Path, before: str | None, theirs: str, me: str, result: SyncResult
) -> dict[str, bytes]:
    """Bring this side's append-only files up to the remote's, byte by byte; return what
    each must hold after git's merge."""
    from crisisplay.incident import receipts
    from crisisplay.incident.forks import FORK_RE, fork_name

    settled: dict[str, bytes] = {}
    known_before = _blob(root, before, LEDGER) or b""
    remote_ledger = _blob(root, theirs, LEDGER) or b""
    if not remote_ledger.startswith(known_before):
        result.problems.append(
            _(
                "The remote's {ledger} no longer begins with the receipts it held at the last "
                "sync: it was rewritten there. Nothing was merged; keep this copy of the "
                "workspace as it is for whoever investigates."
            ).format(ledger=LEDGER)
        )
        result.stopped = True
        return settled
    witnessed = _published(known_before)
    listed = git.run(root, "ls-tree", "-r", "--name-only", theirs, "--", "incidents").stdout
    for path in listed.decode("utf-8", "replace").splitlines():
        parts = path.split("/")
        if len(parts) != 3 or not (parts[2] == "log.jsonl" or FORK_RE.fullmatch(parts[2])):
            continue
        incident, name = parts[1], parts[2]
        folder = root / "incidents" / incident
        local = folder / name
        try:
            ours = local.read_bytes()
        except FileNotFoundError:
            continue  # new here: git brings it
        remote = _blob(root, theirs, path) or b""
        if ours == remote:
            continue
        seen = witnessed.get(incident, []) if name == "log.jsonl" else []
        if seen:
            seen = _witnesses(seen, ours, remote, _fork_copies(root, theirs, folder, listed))
        if ours.startswith(remote):
            if (bad := _fails(remote, seen)) and not _fails(ours, seen):
                result.problems.append(
                    _(
                        "{id}: the remote's copy of the log was cut after its receipt {receipt} "
                        "had reached the remote; the full copy from here is sent back."
                    ).format(id=incident, receipt=bad[:20] + "…")
                )
            settled[path] = ours
            continue
        with _unwritten(folder) as free:
            if not free:
                result.problems.append(
                    _(
                        "{id} is being written in a session on this machine, and the remote "
                        "holds events this copy lacks: nothing was merged. Sync again once "
                        "that session has paused."
                    ).format(id=incident)
                )
                result.stopped = True
                return settled
            if remote.startswith(ours):
                if bad := _fails(ours, seen):
                    result.problems.append(
                        _(
                            "{id}: the copy here had been cut after its receipt {receipt} had "
                            "reached the remote; the remote's full copy is back."
                        ).format(id=incident, receipt=bad[:20] + "…")
                    )
                _append(local, remote[len(ours) :])
                settled[path] = remote
                result.forwarded.append(incident)
                continue
            here, there = _first_difference(ours, remote)
            ours_bad, remote_bad = _fails(ours, seen), _fails(remote, seen)
            keep_ours = bool(remote_bad) and not ours_bad
            if keep_ours:
                first = remote.split(b"\n")[len(_common(ours, remote))]
                who = _actor(first) or "remote"
                aside, exists = fork_name(folder, who, remote)
                if not exists:
                    safefs.create_new(folder, aside, remote, depth=2)
                settled[path] = ours
            else:
                first = ours.split(b"\n")[len(_common(ours, remote))]
                aside, exists = fork_name(folder, _actor(first) or me, ours)
                if not exists:
                    safefs.create_new(folder, aside, ours, depth=2)
                safefs.replace_atomic(folder, name, remote, depth=2)
                settled[path] = remote
            if name != "log.jsonl":
                continue  # two different fork copies under one name: both kept, no new fork
            kept = "here" if keep_ours else "remote"
            result.forks.append(Fork(incident, aside, kept, here, there))
            for bad, whose in ((ours_bad, _("here")), (remote_bad, _("on the remote"))):
                if bad:
                    result.problems.append(
                        _(
                            "{id}: the copy {whose} does not match the receipt {receipt}, "
                            "which had reached the remote: that log was rewritten after it."
                        ).format(id=incident, whose=whose, receipt=bad[:20] + "…")
                    )
    settled[LEDGER] = receipts.adopt(root, remote_ledger)
    return settled


def _common(a: bytes, b: bytes) -> list[bytes]:
    out = []
    for x, y in zip(a.split(b"\n"), b.split(b"\n"), strict=False):
        if x != y:
            break
        out.append(x)
    return out


def _actor(line: bytes) -> str | None:
    try:
        who = json.loads(line).get("actor")
    except (ValueError, AttributeError):
        return None
    return who if isinstance(who, str) and who else None


def _merge(root: Path, theirs: str, branch: str) -> None:
    done = git.run(
        root,
        "merge",
        "-q",
        "--no-edit",
        "-m",
        f"crisisplay sync: merge {REMOTE}/{branch}",
        theirs,
        check=False,
        config=MERGE_CONFIG | _identity(root),
    )
    if done.returncode == 0:
        return
    said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
    if "unrelated histories" in said:
        raise CrisisplayError(
            _(
                "This workspace and the one on the remote were started separately, so they "
                "cannot be synced; nothing was changed. Join the remote's from an empty "
                "folder (crisisplay init --git --remote URL NEW-FOLDER) and copy this one's "
                "files into it."
            )
        )
    conflicted = _out(root, "diff", "--name-only", "--diff-filter=U").splitlines()
    git.run(root, "merge", "--abort", check=False)
    raise CrisisplayError(
        _(
            "These files were changed both here and on the remote, and the two changes "
            "cannot be put together: {files}. Nothing was merged and nothing is lost: this "
            "side's changes are committed here, the remote's are in {remote}."
        ).format(
            files=", ".join(conflicted) or (said.splitlines()[-1] if said else "?"),
            remote=f"{REMOTE}/{branch}",
        ),
        _(
            "Choose between them with git (git -C {root} merge {remote}, edit, git commit), "
            "then run crisisplay sync again."
        ).format(root=root, remote=f"{REMOTE}/{branch}"),
    )


def _keep(root: Path, settled: dict[str, bytes]) -> None:
    """After git's merge, each append-only file holds what the sync settled (git takes the
    remote's copy of a file only the remote changed, even one set aside as a fork)."""
    for path, data in settled.items():
        target = root / path
        try:
            if target.read_bytes() == data:
                continue
        except FileNotFoundError:
            pass
        depth = 0 if path == LEDGER else 2
        safefs.replace_atomic(target.parent, target.name, data, depth=depth)


def _restate(root: Path, settled: dict[str, bytes]) -> None:
    """The statement copies of each settled log, written again from it where they differ
    (what a fork copy wrote under the same name is in the fork copy itself)."""
    from crisisplay.incident.log import LogError, read_events
    from crisisplay.incident.statements import (
        expected_statements,
        statement_problems,
        write_statements,
    )

    for path in settled:
        parts = path.split("/")
        if len(parts) != 3 or parts[2] != "log.jsonl":
            continue
        folder = root / "incidents" / parts[1]
        try:
            expected = expected_statements(read_events(folder / "log.jsonl"))
            _, rewrite = statement_problems(folder, expected)
            write_statements(folder, {name: expected[name] for name in rewrite})
        except (OSError, LogError):
            continue  # `log verify` says what is wrong, and --repair writes them


def _check_receipts(root: Path, result: SyncResult) -> None:
    """Every log against its last receipt, after the exchange (a fork is reported as one)."""
    from crisisplay.incident import receipts
    from crisisplay.incident.forks import fork_files

    forked = {f.incident for f in result.forks}
    ledger = receipts.load(root)
    result.problems.extend(ledger.problems)
    for incident, receipt in sorted(ledger.last.items()):
        folder = root / "incidents" / incident
        if incident in forked or fork_files(folder) or not (folder / "log.jsonl").exists():
            continue
        for problem in receipts.compare(folder / "log.jsonl", receipt):
            result.problems.append(f"{incident}: {problem}")
    from crisisplay.incident.signing import check

    signatures = check(root, ledger.every, remember=root / ".git" / "crisisplay-signatures")
    result.problems.extend(signatures.problems)
    result.signed, result.verified = signatures.signed, signatures.verified
    result.signers = signatures.signers


def pull_log(root: Path, incident_id: str) -> str | None:
    """Fetch, and append the remote's new events of one log to the copy here when it is a
    prefix of the remote's (what `log show --follow` watches). Writes nothing else, commits
    nothing. Returns what stopped it, for one line on screen, or None."""
    if remote_url(root) is None:
        return None
    try:
        branch = _branch(root)
        git.run(root, "fetch", "-q", REMOTE, timeout=60)
    except CrisisplayError as e:
        return " ".join(e.message.split())
    theirs = _rev(root, f"refs/remotes/{REMOTE}/{branch}")
    remote = _blob(root, theirs, f"incidents/{incident_id}/log.jsonl")
    folder = root / "incidents" / incident_id
    try:
        ours = (folder / "log.jsonl").read_bytes()
    except OSError:
        return None
    if remote is None or len(remote) <= len(ours) or not remote.startswith(ours):
        return None
    with _unwritten(folder) as free:
        if free:
            _append(folder / "log.jsonl", remote[len(ours) :])
    return None


# --- a fork resolved ------------------------------------------------------------------------


def resolve_forks(root: Path, incident_id: str, me: str, note: str) -> list[str]:
    """Record in the log that a person has read the incident's fork copies and settled what
    they hold (`fork.resolved`, naming each file and its sha256), and issue a receipt for
    it. Returns the files resolved."""
    from crisisplay.errors import UsageError
    from crisisplay.incident import receipts
    from crisisplay.incident.forks import fork_files, resolved
    from crisisplay.incident.log import IncidentLog, LogError, read_events

    if not note.strip():
        raise UsageError(_("--resolve needs --note: what was done with the fork's events."))
    folder = root / "incidents" / incident_id
    try:
        log = IncidentLog.open(folder, me)
    except LogError as e:
        raise CrisisplayError(str(e)) from None
    done: list[str] = []
    try:
        already = resolved(read_events(log.path))
        for name in fork_files(folder):
            if name in already:
                continue
            data = (folder / name).read_bytes()
            log.append(
                "fork.resolved",
                {
                    "file": name,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "events": data.count(b"\n"),
                    "note": " ".join(note.split()),
                },
            )
            done.append(name)
        seq, head = log.next_seq - 1, log.head
    except LogError as e:
        raise CrisisplayError(str(e)) from None
    finally:
        log.close()
    if done:
        try:
            receipt = receipts.issue(root, incident_id, seq, head, "fork.resolved")
        except OSError:
            return done
        from crisisplay.incident.signing import sign

        unsigned = sign(root, receipt)
        if unsigned:
            sys.stderr.write(unsigned + "\n")
    return done


# --- the walk's hook ------------------------------------------------------------------------


def sync_after(root: Path, event_type: str) -> SyncResult | None:
    """Sync a team workspace after an incident was opened, handed over, taken over or
    closed (`event_type`), so the team sees it at once. Never fails the walk: a remote that
    cannot be reached, or anything else the sync found, is one line on stderr, and
    everything stays committed here. Nothing happens outside a git workspace."""
    if event_type not in SYNC_EVENTS or not git.is_repo(root):
        return None
    try:
        result = sync(root)
    except CrisisplayError as e:
        sys.stderr.write(
            _(
                "note: not synced ({why}); everything is kept here: crisisplay sync sends it later."
            ).format(why=" ".join(e.message.split()))
            + "\n"
        )
        return None
    if not result.ok:
        sys.stderr.write(
            _("warning: the sync found a fork or a problem; `crisisplay sync` shows it.") + "\n"
        )
    return result


def events_of(data: bytes) -> list[dict[str, Any]]:
    """The events of a log's bytes (for tests and the CLI): complete lines only."""
    return [json.loads(line) for line in data.split(b"\n")[:-1] if line.strip()]
