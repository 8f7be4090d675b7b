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
        print_json([technique_record(t) for t in book.ordered])
        return
    for t in book.ordered:
        rate = f"{t.reported_response_rate:.0%}" if t.reported_response_rate is not None else "-"
        channels = ", ".join(c.value for c in t.channels) or "(no message)"
        closing = "  closing" if t.closing else ""
        typer.echo(f"{t.id:<22} {rate:>4}  {t.name}")
        typer.echo(f"{'':<22}       {channels}; source {t.source or '-'}{closing}")


@app.command("show")
def show_command(
    technique: Annotated[str, typer.Argument(metavar="ID", help="A technique id.")],
    json_out: JsonOpt = False,
    config: ConfigOpt = None,
    playbook: PlaybookOpt = None,
) -> None:
    """Show everything the playbook file holds for one technique.

    Example: drafter playbook show rescue_call
    """
    import yaml

    from drafter.playbook import technique_record

    _, book = load_settings_and_playbook(config, playbook)
    record = technique_record(book.get(technique))
    if json_out:
        print_json(record)
    else:
        typer.echo(yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=88).rstrip())
