"""The response cache: a model's reply on disk, keyed by everything that shapes it.

Key: model, messages, sampling parameters and the response format (schema).
Only successful, usable replies are stored; errors never are. Files are
written atomically (a temp file, then a rename), so a crash never leaves half
a reply. No request header, and so no key, ever reaches the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from drafter.settings import ENV_CACHE_DIR

_APP = "drafter"


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$DRAFTER_CACHE_DIR``, else the platform's cache folder for drafter."""
    env = os.environ if env is None else env
    if env.get(ENV_CACHE_DIR):
        return Path(env[ENV_CACHE_DIR]).expanduser()
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / _APP / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / _APP
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / _APP


def cache_key(request: Mapping[str, Any]) -> str:
    blob = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / "responses" / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing or damaged: ask again
        return data if isinstance(data, dict) else None

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs a request next time

    def forget(self, key: str) -> None:
        """Drop one reply (a judge reply that could not be read: ask again next time)."""
        with contextlib.suppress(OSError):
            self._path(key).unlink(missing_ok=True)

    def clear(self) -> int:
        """Delete every cached reply; the number deleted."""
        root = self.folder / "responses"
        count = 0
        if root.is_dir():
            for file in root.rglob("*.json"):
                file.unlink(missing_ok=True)
                count += 1
            for folder in sorted(root.glob("*"), reverse=True):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
        return count
