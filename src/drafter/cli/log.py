"""``drafter log``: record a touch in the context file, then plan again."""

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
    load_settings_and_playbook,
    parse_channel,
    parse_day,
    print_json,
)


def log_command(
    context: ContextArg,
    date: Annotated[
        str | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="When it happened (default: today)."),
    ] = None,
    channel: ChannelOpt = None,
    technique: Annotated[
        str | None,
        typer.Option(
            "--technique",
            metavar="ID|none",
            help="The playbook technique it was (default: the plan's), or none for an "
            "ordinary touch.",
        ),
    ] = None,
    replied: Annotated[
        bool, typer.Option("--replied", help="They replied (by --channel, default: as last time).")
    ] = False,
    deferred: Annotated[
        bool,
        typer.Option("--deferred", help="With --replied: a live brush-off ('busy, call me back')."),
    ] = False,
    met: Annotated[bool, typer.Option("--met", help="You met them (or they saw a demo).")] = False,
    follow_up_on: Annotated[
        str | None,
        typer.Option(
            "--follow-up-on",
            metavar="YYYY-MM-DD",
            help="The date they named for the next contact (sets deal.follow_up_on).",
        ),
    ] = None,
    follow_up_channel: Annotated[
        str | None,
        typer.Option(
            "--follow-up-channel",
            metavar="CHANNEL",
            help="How they asked to be reached then (sets deal.follow_up_channel).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Record a touch the plan forbids (it happened).")
    ] = False,
    today: TodayOpt = None,
    json_out: JsonOpt = False,
    config: ConfigOpt = None,
    playbook: PlaybookOpt = None,
) -> None:
    """Record a touch in the context file, keeping its comments and layout, and plan again.

    With no options it records what today's plan proposes (its channel and
    technique), so a closing message is remembered as one. It refuses a touch
    the plan forbids (after an unanswered closing message, too soon, while they
    are away) unless --force. A CRM summary history becomes one line per touch.

    Example: drafter log deal.yaml

    Example: drafter log deal.yaml --replied --channel email --date 2026-12-02

    Example: drafter log deal.yaml --replied --deferred --channel call --follow-up-on 2027-01-05
    """
    import datetime as dt

    from drafter.cli.show import logged_text
    from drafter.contextfile import log_touch
    from drafter.record import TouchRequest

    _, book = load_settings_and_playbook(config, playbook)
    request = TouchRequest(
        date=parse_day(date, "--date"),
        channel=parse_channel(channel),
        technique=technique,
        replied=replied,
        deferred=deferred,
        met=met,
        force=force,
        follow_up_on=parse_day(follow_up_on, "--follow-up-on"),
        follow_up_channel=parse_channel(follow_up_channel, "--follow-up-channel"),
    )
    logged = log_touch(
        context, book, request, today=parse_day(today, "--today"), clock=dt.date.today()
    )
    if json_out:
        touch = logged.decision.touch.model_dump(mode="json", exclude_none=True)
        print_json(
            {"recorded": touch, "converted": logged.converted, "plan": logged.plan.to_json()}
        )
    else:
        typer.echo(logged_text(logged, context))
