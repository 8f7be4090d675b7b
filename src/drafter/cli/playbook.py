"""``drafter playbook list|show``: the techniques, their sources and conditions."""

from __future__ import annotations

from typing import Annotated

import typer

from drafter.cli.common import (
    ConfigOpt,
    JsonOpt,
    PlaybookOpt,
    load_settings_and_playbook,
    print_json,
)

app = typer.Typer(
    help=(
        "The techniques, their sources and conditions.\n\n"
        "Example: drafter playbook show rescue_call"
    ),
    no_args_is_help=True,
)


@app.command("list")
def list_command(
    json_out: JsonOpt = False, config: ConfigOpt = None, playbook: PlaybookOpt = None
) -> None:
    """List the techniques in priority order.

    Example: drafter playbook list --json
    """
    from drafter.playbook import technique_record

    _, book = load_settings_and_playbook(config, playbook)
    if json_out:
        print_json([technique_record(t, book) for t in book.ordered])
        return
    from drafter.cli.show import playbook_list_text

    typer.echo(playbook_list_text(book))


@app.command("show")
def show_command(
    technique: Annotated[str, typer.Argument(metavar="ID", help="A technique id.")],
    json_out: JsonOpt = False,
    config: ConfigOpt = None,
    playbook: PlaybookOpt = None,
) -> None:
    """Show one technique: what it is for, when it applies, the moves, tone and source
    (--json: everything the playbook file holds).

    Example: drafter playbook show rescue_call
    """
    from drafter.playbook import technique_record

    _, book = load_settings_and_playbook(config, playbook)
    technique_found = book.get(technique)
    if json_out:
        print_json(technique_record(technique_found, book))
        return
    from drafter.cli.show import technique_text

    typer.echo(technique_text(technique_found, book))
