"""Where the shipped data lives: inside the installed package, or at the top
of a source checkout. A team can point drafter at its own playbook folder."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """``playbook`` or ``prompts``: the installed copy, else the checkout's."""
    installed = _PACKAGE / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / name


def default_playbook_dir() -> Path:
    """The built-in playbook folder."""
    return data_dir("playbook")
