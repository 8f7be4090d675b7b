"""Domain errors. Raised inside the core with context as attributes; the CLI
turns them into one line on stderr and an exit code (see ``drafter.cli``)."""

from __future__ import annotations

from pathlib import Path


class DrafterError(Exception):
    """Base class for every error drafter reports to a user."""

    exit_code = 2

    def __init__(self, message: str, *, path: Path | str | None = None, key: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.key = key

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.path, self.key) if p)
        return f"{where}: {self.message}" if where else self.message


class InputError(DrafterError):
    """A deal context, CSV row or message the user gave us is not usable."""


class PlaybookError(DrafterError):
    """A playbook, template or rule file is malformed."""


class ConfigError(DrafterError):
    """drafter.toml or an environment variable holds a bad value."""
