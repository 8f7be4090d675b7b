"""The compiled rules of a playbook, kept on disk between runs.

Reading and validating the rule and technique files, and working out the
prefilter of every regex, is most of what a cold ``drafter check`` costs
(about 0.2 s). The result (a :class:`drafter.check.rules.RuleSet`) is kept in
the user's cache folder (``$DRAFTER_CACHE_DIR``, else the platform's, see
``drafter cache path``), one file per playbook folder, and used again only
while nothing it came from has changed. Its key covers:

- every file under the playbook folder, by content (a sha256 of each);
- the drafter package's own source files, by size and modification time
  (an upgrade or an edit of the code makes a new key);
- the Python and pydantic versions (the file holds pickled objects).

A file is only read if it belongs to the current user and nobody else may
write to it (a pickle runs code when loaded); anything unreadable, damaged or
stale is ignored and rebuilt. Writing is atomic (a temporary file, then a
rename), so parallel workers never see half a file, and any failure to write
is ignored: the cache only ever saves time. ``DRAFTER_RULES_CACHE=0`` turns it
off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drafter.check.rules import RuleSet

ENV_SWITCH = "DRAFTER_RULES_CACHE"
_FORMAT = b"drafter-rules-1"
_PACKAGE = Path(__file__).resolve().parent.parent


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1") not in ("0", "false", "no", "off")


def _files(folder: Path) -> list[os.DirEntry[str]]:
    found: list[os.DirEntry[str]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                found += _files(Path(entry.path))
            elif entry.is_file():
                found.append(entry)
    return found


def fingerprint(playbook: Path) -> bytes:
    """What the compiled rules of ``playbook`` depend on, as one digest."""
    import pydantic

    digest = hashlib.sha256(_FORMAT)
    digest.update(f"{sys.version}|{pydantic.VERSION}|{playbook}".encode())
    for entry in sorted(_files(_PACKAGE), key=lambda e: e.path):
        if entry.name.endswith(".py"):
            stat = entry.stat()
            digest.update(f"|{entry.path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for entry in sorted(_files(playbook), key=lambda e: e.path):
        digest.update(f"|{os.path.relpath(entry.path, playbook)}:".encode())
        digest.update(hashlib.sha256(Path(entry.path).read_bytes()).digest())
    return digest.digest()


def cache_file(playbook: Path) -> Path:
    from drafter.draft.llm.cache import default_cache_dir

    name = hashlib.sha256(str(playbook).encode()).hexdigest()[:32]
    return default_cache_dir() / "rules" / f"{name}.pickle"


def _owned(fd: int) -> bool:
    if not hasattr(os, "getuid"):
        return False  # no owner to check (Windows): never read
    stat = os.fstat(fd)
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022


def load(playbook: Path, key: bytes) -> RuleSet | None:
    """The rules kept for ``playbook`` under ``key``, or None."""
    from drafter.check.rules import RuleSet

    try:
        with cache_file(playbook).open("rb") as f:
            if not _owned(f.fileno()) or pickle.load(f) != key:
                return None
            found: Any = pickle.load(f)
    except Exception:  # missing, damaged, or from another version: rebuilt
        return None
    return found if isinstance(found, RuleSet) else None


def store(playbook: Path, key: bytes, rules: RuleSet) -> None:
    """Keep ``rules`` for ``playbook`` under ``key`` (replacing what was kept)."""
    path = cache_file(playbook)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rules-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(key, f, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(rules, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except Exception:  # a read-only home, a full disk: the cache only saves time
        return
