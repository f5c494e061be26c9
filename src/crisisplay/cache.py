"""A disk cache of what crisisplay derives from the files people write.

Reading a playbook's YAML with positions and finding the variables its templates use
are most of the work `start` and `playbook validate` do before they can answer, and the
answer depends only on the text read and on the code reading it. So each result is kept
under the sha256 of its input, in a folder named after the code that made it (this
package's version, the Python, and the files of the modules involved): a file that
changed in any byte has another hash and is read again from scratch, errors and all.
Only results without errors are kept.

The cache is an optimisation and nothing else: a folder that cannot be created, read
or written, or an entry that is damaged, means the work is simply done again. Entries
are written to a temporary file and renamed into place, and carry a checksum that is
verified before they are used. `$CRISISPLAY_CACHE_DIR` moves the cache; set it to `off`
to do without.

Entries are plain values written with marshal: reading one takes a fraction of a
millisecond, and it keeps what JSON cannot (tuples as keys, sets). marshal is not meant
for data from strangers; the folder is the user's own, created private, and the
checksum means a damaged file is never unmarshalled.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from crisisplay.files import OWN_FILE, ReadError, read_limited

FORMAT = 1  # bump when what an entry holds changes shape
MAX_ENTRIES = 400  # per kind; above it the oldest half goes
_MAGIC = b"crisisplay-cache-1\n"
_DIGEST = 32

_tags: dict[str, str] = {}


def root() -> Path | None:
    """Where the cache lives, or None when it is switched off."""
    env = os.environ.get("CRISISPLAY_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "no") else Path(env).expanduser()
    if sys.platform.startswith("linux"):
        # platformdirs' answer on Linux, without importing it on every start.
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return Path(base) / "crisisplay"
    from platformdirs import user_cache_path

    return user_cache_path("crisisplay", appauthor=False)


def _tag(kind: str, modules: tuple[str, ...]) -> str:
    """Names the code that derives a kind of entry, so that other code never reads it."""
    if kind not in _tags:
        from crisisplay import __version__

        parts = [str(FORMAT), __version__, sys.implementation.cache_tag or "", str(marshal.version)]
        for name in modules:
            parts.append(f"{name}:{_stamp(name)}")
        _tags[kind] = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return _tags[kind]


def _stamp(module: str) -> str:
    """Size and modification time of a module's file (found without importing it)."""
    mod = sys.modules.get(module)
    origin = getattr(mod, "__file__", None) if mod is not None else None
    if origin is None:
        import importlib.util

        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
    if not origin:
        return "?"
    try:
        st = os.stat(origin)
    except OSError:
        return "?"
    return f"{st.st_size}-{st.st_mtime_ns}"


def _folder(kind: str, modules: tuple[str, ...]) -> Path | None:
    base = root()
    return None if base is None else base / f"{kind}-{_tag(kind, modules)}"


def get(kind: str, key: str, modules: tuple[str, ...] = ()) -> Any:
    """The value stored for `key`, or None (missing, damaged, unreadable, switched off)."""
    folder = _folder(kind, modules)
    if folder is None:
        return None
    try:
        blob = read_limited(folder / key, OWN_FILE, what="a cache entry")
    except (OSError, ReadError):
        return None
    head = len(_MAGIC)
    if not blob.startswith(_MAGIC) or len(blob) < head + _DIGEST:
        return None
    digest, payload = blob[head : head + _DIGEST], blob[head + _DIGEST :]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        stored_key, value = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return value if stored_key == key else None


def put(kind: str, key: str, value: Any, modules: tuple[str, ...] = ()) -> None:
    """Store `value` (plain data: what marshal can write) for `key`; errors are ignored."""
    folder = _folder(kind, modules)
    if folder is None:
        return
    try:
        payload = marshal.dumps((key, value))
    except ValueError:  # e.g. a date in the data: not worth a slower format
        return
    blob = _MAGIC + hashlib.sha256(payload).digest() + payload
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True, mode=0o700, exist_ok=True)
            _drop_other_versions(folder, kind)
        with open(tmp, "wb") as f:
            f.write(blob)
        os.replace(tmp, folder / key)
        _trim(folder)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


#: A cache folder of other code that nobody wrote to for this long is removed.
STALE_AFTER_S = 30 * 24 * 3600


def _drop_other_versions(folder: Path, kind: str) -> None:
    """Free the space of folders written by other code that nobody has used for a month.

    Another checkout or another installed version of crisisplay shares this cache with its
    own folders and goes on using them: removing them as soon as they are not ours would
    make two copies evict each other's cache on every run. Only folders named like this one
    are considered; others in the cache folder are not ours to judge."""
    import re
    import shutil
    import time

    ours = re.compile(re.escape(kind) + r"-[0-9a-f]{16}")
    cutoff = time.time() - STALE_AFTER_S
    for other in folder.parent.iterdir():
        if other == folder or not ours.fullmatch(other.name) or other.is_symlink():
            continue
        try:
            stale = other.is_dir() and other.stat().st_mtime < cutoff
        except OSError:
            continue
        if stale:
            shutil.rmtree(other, ignore_errors=True)


def _trim(folder: Path) -> None:
    with os.scandir(folder) as it:
        entries = [e for e in it if e.is_file() and not e.name.startswith(".")]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for e in entries[: len(entries) // 2]:
        with contextlib.suppress(OSError):
            os.unlink(e.path)
