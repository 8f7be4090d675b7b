"""Options and helpers shared by the commands that import nothing heavy.

``drafter check`` starts with these alone (its cold start is a target): the
deal context, the playbook and their models stay unloaded. The other commands
get them through :mod:`drafter.cli.common`, which re-exports them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from drafter.context import Channel

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print JSON instead (its shape: docs/output.md).")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", help="A drafter.toml to use (default: ./drafter.toml, or $DRAFTER_CONFIG)."
    ),
]
PlaybookOpt = Annotated[
    Path | None,
    typer.Option(
        "--playbook",
        help="Your team's playbook folder (default: the built-in one, or $DRAFTER_PLAYBOOK).",
    ),
]


def parse_channel(value: str | None, option: str = "--channel") -> Channel | None:
    """``--channel``, in any case; a one-line error naming the option otherwise."""
    from drafter.context import parse_channel as parse

    return parse(value.strip().lower() if value is not None else None, key=option)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
