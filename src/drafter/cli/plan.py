"""``drafter plan``: pick the technique, channel and day, with the reasons."""

from __future__ import annotations

from typing import Annotated

import typer

from drafter.cli.common import (
    ChannelOpt,
    ConfigOpt,
    ContextArg,
    JsonOpt,
    PlaybookOpt,
    TodayOpt,
    load_all,
    parse_channel,
    print_json,
)

TechniqueOpt = Annotated[
    str | None,
    typer.Option("--technique", help="Force a technique id (see `drafter playbook list`)."),
]


def plan_command(
    context: ContextArg,
    technique: TechniqueOpt = None,
    channel: ChannelOpt = None,
    today: TodayOpt = None,
    json_out: JsonOpt = False,
    config: ConfigOpt = None,
    playbook: PlaybookOpt = None,
) -> None:
    """Pick the technique, channel and send date for one prospect, with the reasons.

    Example: drafter plan examples/rescue_call.yaml --today 2026-11-22
    """
    from drafter.cli.show import plan_text
    from drafter.plan.selector import make_plan

    loaded = load_all(context, today, config, playbook)
    result = make_plan(
        loaded.ctx,
        loaded.playbook,
        loaded.today,
        technique=technique,
        channel=parse_channel(channel),
    )
    if json_out:
        print_json(result.to_json())
    else:
        typer.echo(plan_text(result))
