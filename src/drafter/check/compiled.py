"""What a cold ``drafter check`` builds from a playbook, kept on disk between runs.

Reading and validating the rule and technique files, and working out the
prefilter of every regex, was most of what a cold ``drafter check`` cost
(about 0.2 s); embedding the semantic layer's exemplar banks is most of what
the layer adds to it. The results (a :class:`drafter.check.rules.RuleSet`, the
banks with their vectors) are kept in the user's cache folder
(``$DRAFTER_CACHE_DIR``, else the platform's, see ``drafter cache path``) under
``compiled/``, one file per kind and folder, and used again only while nothing
they came from has changed. The key covers:

- every file under the folder (the playbook, or its ``exemplars/``), by
  content (a sha256 of each), and any other file named (the embedding model's),
  by path, size and modification time;
- the drafter package's own source files, by path, size and modification time
  (an upgrade or an edit of the code makes a new key);
- the Python version and those of the libraries whose objects the file holds.

A file is only read if it belongs to the current user and nobody else may
write to it (a pickle runs code when loaded); anything unreadable, damaged or
stale is ignored and rebuilt. Writing is atomic (a temporary file, then a
rename), so parallel workers never see half a file, and any failure to write
is ignored: the cache only ever saves time. ``DRAFTER_COMPILED_CACHE=0`` turns it
off; on Windows, where the owner check is not available, it is never used.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

ENV_SWITCH = "DRAFTER_COMPILED_CACHE"
_FORMAT = b"drafter-compiled-1"
_PACKAGE = Path(__file__).resolve().parent.parent


def enabled() -> bool:
    """Switched on, and on a system where a file's owner can be checked (not Windows)."""
    switched_on = os.environ.get(ENV_SWITCH, "1") not in ("0", "false", "no", "off")
    return switched_on and hasattr(os, "getuid")


def _files(folder: Path) -> list[os.DirEntry[str]]:
    found: list[os.DirEntry[str]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                found += _files(Path(entry.path))
            elif entry.is_file():
                found.append(entry)
    return found


def fingerprint(folder: Path, *, also: Sequence[Path] = (), versions: str = "") -> bytes:
    """What is built from ``folder`` (and the files ``also``) depends on, as one digest."""
    import pydantic

    digest = hashlib.sha256(_FORMAT)
    digest.update(f"{sys.version}|{pydantic.VERSION}|{versions}|{folder}".encode())
    digest.update(_package_stamp())
    for path in also:
        stat = path.stat()
        digest.update(f"|{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for entry in sorted(_files(folder), key=lambda e: e.path):
        digest.update(f"|{os.path.relpath(entry.path, folder)}:".encode())
        digest.update(hashlib.sha256(Path(entry.path).read_bytes()).digest())
    return digest.digest()


@functools.cache
def _package_stamp() -> bytes:
    """The drafter package's own source files, by path, size and modification
    time: read once a process (every kind, and the check after a build, use it)."""
    stamp = hashlib.sha256()
    for entry in sorted(_files(_PACKAGE), key=lambda e: e.path):
        if entry.name.endswith(".py"):
            stat = entry.stat()
            stamp.update(f"|{entry.path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return stamp.digest()


def cache_file(kind: str, folder: Path) -> Path:
    from drafter.draft.llm.cache import default_cache_dir

    name = hashlib.sha256(str(folder).encode()).hexdigest()[:32]
    return default_cache_dir() / "compiled" / f"{kind}-{name}.pickle"


def _owned(fd: int) -> bool:
    if not hasattr(os, "getuid"):
        return False  # no owner to check (Windows): never read
    stat = os.fstat(fd)
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022


def load(kind: str, folder: Path, key: bytes) -> Any:
    """What was kept for ``folder`` under ``key``, or None."""
    try:
        with cache_file(kind, folder).open("rb") as f:
            if not _owned(f.fileno()) or pickle.load(f) != key:
                return None
            return pickle.load(f)
    except Exception:  # missing, damaged, or from another version: rebuilt
        return None


def store(kind: str, folder: Path, key: bytes, value: object) -> None:
    """Keep ``value`` for ``folder`` under ``key`` (replacing what was kept)."""
    path = cache_file(kind, folder)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(key, f, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except Exception:  # a read-only home, a full disk: the cache only saves time
        return


def cached(
    kind: str,
    folder: Path,
    build: Callable[[], T],
    expect: type[T],
    *,
    also: Sequence[Path] = (),
    versions: str = "",
) -> T:
    """``build()``, or what it gave last time while nothing it depends on changed."""
    if not enabled():
        return build()
    try:
        key = fingerprint(folder, also=also, versions=versions)
    except OSError:  # no such folder, an unreadable file: building says which
        return build()
    found = load(kind, folder, key)
    if isinstance(found, expect):
        return found
    value = build()
    try:
        unchanged = fingerprint(folder, also=also, versions=versions) == key  # not edited meanwhile
    except OSError:
        unchanged = False
    if unchanged:
        store(kind, folder, key, value)
    return value
