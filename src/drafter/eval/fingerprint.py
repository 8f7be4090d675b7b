"""What a report ran with: a content hash of the prompts, the playbook (with its
templates and rules hashed on their own too) and the model name.

Two runs with the same fingerprint drafted from the same instructions; a
changed component says which part of the team's copy a pull request touched.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

_SKIP = {"__pycache__"}


def tree_hash(root: Path, *, exclude: tuple[str, ...] = ()) -> str | None:
    """sha256 (16 hex digits) of every file's relative path and bytes; None if
    the folder does not exist. ``exclude`` names top-level entries to leave out."""
    if not root.is_dir():
        return None
    digest = hashlib.sha256()
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not any(part in _SKIP or part.startswith(".") for part in p.relative_to(root).parts)
        and p.relative_to(root).parts[0] not in exclude
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def fingerprint(playbook: Path, prompts: Path, model: str | None) -> dict[str, Any]:
    """``{"id", "prompts", "playbook", "templates", "rules", "model"}``: ``id``
    covers the others (``playbook`` covers its templates and rules)."""
    parts: dict[str, Any] = {
        "prompts": tree_hash(prompts),
        "playbook": tree_hash(playbook),
        "techniques": tree_hash(playbook, exclude=("templates", "rules")),
        "templates": tree_hash(playbook / "templates"),
        "rules": tree_hash(playbook / "rules"),
        "model": model,
    }
    blob = json.dumps(parts, sort_keys=True).encode()
    return {"id": hashlib.sha256(blob).hexdigest()[:16], **parts}


COMPONENTS = ("prompts", "techniques", "templates", "rules", "model")


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The components that differ (``playbook`` is reported through its parts)."""
    return [c for c in COMPONENTS if before.get(c) != after.get(c)]
