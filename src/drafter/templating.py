"""The one Jinja2 set-up drafter uses for everything it renders (the playbook's
offline templates and the LLM prompts): sandboxed, strict (a value that does
not exist is an error, never an empty string), no HTML escaping, tidy blocks."""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment


def strict_environment(folder: Path) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined,
        loader=FileSystemLoader(folder),
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
