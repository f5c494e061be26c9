"""A playbook's preview: what `start` shows before its first question, without loading it.

Loading a playbook (its model, overlays, checks and templates) takes longer than anything
else `start` does before it can ask its first question, and the first questions need only
a few facts of it: its name, id and version, whose it is, its severity levels. Once a
playbook has loaded without a problem, those facts are kept (in the one disk cache,
crisisplay.cache) under a fingerprint of everything the load read: every file in the
playbook and template folders and the checker's rule folders (the workspace's and the
shipped ones, by path, size and change times), the command's working folder and home, and
crisisplay's own code. A later `start` with the same fingerprint draws its first question
from the preview, and loads the playbook for real while the person reads it; the walk
itself, and anything written, only ever uses the real, checked playbook (`full()`).

Any file changed, added or removed in those folders is another fingerprint: no preview,
and the playbook is loaded and checked before the first question, as always, so a broken
playbook still stops `start` at `file:line:col` before anything is asked or written.

Change times, not contents: a file's ctime moves on every write (even one that puts its
old modification time back), so the fingerprint costs a `stat` per file, not a read.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path
from typing import Any, NamedTuple

# The library and the resolved playbook are `Any` here: both import this module.
Library = Any
Resolved = Any

KIND = "playbook-previews"
_MODULES = ("crisisplay.playbook.preview",)


class Level(NamedTuple):
    level: int
    name: str
    criteria: str


def severity_problem(playbook_id: str, levels: list[Any], level: int) -> str | None:
    """Why `level` is not one of a playbook's severity `levels`, naming the ones it has."""
    if any(s.level == level for s in levels):
        return None
    named = [f"{s.level} ({s.name})" for s in levels]
    listed = ", ".join(named[:-1]) + f" or {named[-1]}" if len(named) > 1 else named[0]
    return (
        f"severity {level} is not a level of playbook '{playbook_id}': "
        f"use {listed}; 1 is the most severe."
    )


def incident_client(name: str, slug: str, generic: bool, given: str | None) -> str:
    """The client an incident is for: the playbook's (`name`, `slug`), unless the manager
    named another one, or the playbook is for no client in particular (`generic`)."""
    from crisisplay.text import slugify

    if given and (generic or slugify(given) not in (slugify(name), slug)):
        return given
    return name


def incident_zone(client_timezone: str | None, home: Any) -> str:
    """The IANA zone an incident shows and reads times in: the client's
    (`client.timezone`), else the workspace's (crisisplay.toml), else the machine's (TZ,
    /etc/localtime), else UTC."""
    from crisisplay.times import machine_zone_name

    return client_timezone or home.timezone() or machine_zone_name()


# --- the preview ------------------------------------------------------------------------


class _Client(NamedTuple):
    name: str
    slug: str


class _Head:
    """The playbook's facts the first questions use (as `Resolved.playbook` has them)."""

    def __init__(self, head: dict[str, Any]) -> None:
        self.id: str = head["id"]
        self.name: str = head["name"]
        self.version: str = head["version"]
        self.language: str = head["language"]
        self._levels = [Level(*lv) for lv in head["levels"]]

    def severity_levels(self) -> list[Level]:
        return list(self._levels)


class Preview:
    """A playbook as `start` first shows it; `full()` is the real one, checked."""

    def __init__(self, library: Library, ref: str, head: dict[str, Any]) -> None:
        self.library = library
        self.ref = ref
        self.path = Path(head["path"])
        self.playbook = _Head(head)
        self.generic: bool = head["generic"]
        self.client = _Client(head["client"], head["client_slug"])
        self.client_timezone: str | None = head["client_timezone"]
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loaded: Resolved | None = None
        self._error: BaseException | None = None

    def incident_client(self, given: str | None) -> str:
        return incident_client(self.client.name, self.client.slug, self.generic, given)

    def timezone(self) -> str:
        return incident_zone(self.client_timezone, self.library.home)

    def severity_problem(self, level: int) -> str | None:
        return severity_problem(self.playbook.id, self.playbook.severity_levels(), level)

    def start(self) -> None:
        """Load the playbook in the background (once): called when the first question is on
        screen, so that the load takes the time the person spends reading it."""
        with self._lock:
            if self._thread is None and self._loaded is None and self._error is None:
                self._thread = threading.Thread(target=self._load, name="crisisplay-load")
                self._thread.start()

    def full(self) -> Resolved:
        """The playbook loaded and checked: waits for the background load, or loads it now.
        Its problems, if the files changed since the preview was kept, are raised here."""
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._loaded is not None
        return self._loaded

    def _load(self) -> None:
        try:
            self._loaded = self.library.load_fresh(self.ref, remember=False)
        except BaseException as e:  # raised again by full(), in the walk's own thread
            self._error = e


# --- keeping and finding previews -----------------------------------------------------


def made(library: Library, ref: str, meanwhile: Any) -> Preview | None:
    """No preview of `ref` yet (the first run after an install, or files changed): load and
    check it in a child process, which leaves its preview in the cache, while `meanwhile()`
    runs here (the prompt library's import), on the machine's other core. The preview it
    left, or None when it found a problem or could not run: then the caller loads the
    playbook itself, and says what is wrong exactly as it always has.

    Only where a child can be forked safely (Linux, no other thread) and the cache is on;
    elsewhere `meanwhile()` simply runs first."""
    import threading

    from crisisplay import cache

    if not (
        key_for(library, ref) is not None  # else the child could leave no preview
        and sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and cache.root() is not None
    ):
        meanwhile()
        return None
    pid = os.fork()
    if pid == 0:  # the child: load, leave the preview, say nothing, exit
        code = 1
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            library.load_fresh(ref)
            code = 0
        finally:
            os._exit(code)  # no cleanup of the parent's: its files and buffers are its own
    try:
        meanwhile()
    finally:
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    return recall(library, ref)


def recall(library: Library, ref: str) -> Preview | None:
    """The preview of `ref` if the files it was loaded from are exactly as they were."""
    from crisisplay import cache

    key = key_for(library, ref)
    head = cache.get(KIND, key, _MODULES) if key else None
    if not isinstance(head, dict) or set(head) != _FIELDS:
        return None
    return Preview(library, ref, head)


def remember(library: Library, ref: str, resolved: Resolved, key: str | None) -> None:
    """Keep the preview of a playbook that loaded without a problem (`key`: the files'
    fingerprint taken before it was read)."""
    if not key:
        return
    from crisisplay import cache

    pb = resolved.playbook
    head = {
        "id": pb.id,
        "name": pb.name,
        "version": pb.version,
        "language": pb.language or "",
        "levels": [(s.level, s.name, s.criteria) for s in pb.severity_levels()],
        "generic": resolved.generic,
        "client": resolved.client.name,
        "client_slug": resolved.client_slug,
        "client_timezone": resolved.client.timezone,
        "path": str(resolved.path),
    }
    cache.put(KIND, key, head, _MODULES)


_FIELDS = {
    "id",
    "name",
    "version",
    "language",
    "levels",
    "generic",
    "client",
    "client_slug",
    "client_timezone",
    "path",
}


def key_for(library: Library, ref: str) -> str | None:
    """The fingerprint a preview of `ref` is kept under (None: the folders cannot be read)."""
    files = _files_stamp(library)
    if files is None:
        return None
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    ref_file = _stat(Path(cwd) / Path(ref).expanduser())
    parts = [files, ref, cwd, str(library.home.root), library.home.kind, repr(ref_file)]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _files_stamp(library: Library) -> str | None:
    """Every file a load reads, as path, size and times; taken once per library."""
    if library.files_stamp is not None:
        return library.files_stamp
    from crisisplay import __version__
    from crisisplay.home import shipped_root

    home = library.home
    roots = [
        *(folder for folder, _ in library.search_path()),
        home.templates,
        home.checker,
        shipped_root() / "templates",
        Path(__file__).resolve().parent.parent,  # crisisplay's code and shipped rules
    ]
    h = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
    try:
        for root in roots:
            h.update(f"\0root {root}\0".encode("utf-8", "surrogateescape"))
            for dirpath, dirnames, filenames in os.walk(root, onerror=_raise):
                dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
                if any(os.path.islink(os.path.join(dirpath, d)) for d in dirnames):
                    return None  # a linked folder: what is behind it is not stamped here
                for name in sorted(filenames):
                    path = os.path.join(dirpath, name)
                    h.update(f"{path}\0{_stat(Path(path))}\0".encode("utf-8", "surrogateescape"))
    except OSError:
        return None
    stamp = h.hexdigest()
    library.files_stamp = stamp
    return stamp


def _stat(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _raise(error: OSError) -> None:
    if not isinstance(error, FileNotFoundError):  # a folder that is not there: nothing in it
        raise error
