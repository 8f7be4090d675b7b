"""Domain errors. Raised inside the core with context as attributes; the CLI
turns them into one line on stderr and an exit code (see ``drafter.cli``)."""

from __future__ import annotations

import re
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


class LLMError(DrafterError):
    """The model could not give a usable draft: the server said no, or its
    replies could not be used. Carries what is known of the exchange."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        attempts: int = 0,
        last_reply: str | None = None,
        path: Path | str | None = None,
        key: str | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(redact(message), path=path, key=key)
        self.status = status
        self.attempts = attempts
        self.last_reply = last_reply
        # The server or the network, not the request: the same request may
        # well succeed a little later (a 5xx, a 429, a timeout, a lost connection).
        self.transient = transient


# Key-like strings: OpenAI-style keys and bearer tokens. Messages from servers
# (a 401 may echo part of a key) pass through this before a user sees them.
_KEY_LIKE = re.compile(r"(sk-[A-Za-z0-9_\-*]{6,}|Bearer\s+\S+)")
_known_secrets: set[str] = set()


def remember_secret(secret: str) -> None:
    """A secret in use (an API key): never shown, whatever its shape."""
    if len(secret) >= 6:
        _known_secrets.add(secret)


def redact(text: str) -> str:
    for secret in _known_secrets:
        text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)


class SuiteError(DrafterError):
    """An eval suite file (``evals/*.yaml``) or a baseline report is malformed."""
