"""Options and loading shared by the commands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from drafter.cli.options import ConfigOpt as ConfigOpt
from drafter.cli.options import JsonOpt as JsonOpt
from drafter.cli.options import PlaybookOpt as PlaybookOpt
from drafter.cli.options import parse_channel as parse_channel
from drafter.cli.options import print_json as print_json
from drafter.context import DealContext, Sender
from drafter.errors import InputError
from drafter.playbook import Playbook, load_playbook
from drafter.settings import Settings, load_settings

TodayOpt = Annotated[
    str | None,
    typer.Option(
        "--today",
        metavar="YYYY-MM-DD",
        help="The day to plan for (overrides the context and the clock).",
    ),
]
ContextArg = Annotated[
    str,
    typer.Argument(
        metavar="CONTEXT", help="Deal context: a .json/.yaml/.yml file, or - for JSON on stdin."
    ),
]


SenderNameOpt = Annotated[
    str | None,
    typer.Option("--sender-name", help="Your name (else the context, env, drafter.toml)."),
]
SenderCompanyOpt = Annotated[str | None, typer.Option("--sender-company", help="Your company.")]
SenderPhoneOpt = Annotated[str | None, typer.Option("--sender-phone", help="Your callback number.")]
SenderEmailOpt = Annotated[str | None, typer.Option("--sender-email", help="Your email address.")]


ChannelOpt = Annotated[
    str | None,
    typer.Option(
        "--channel",
        metavar="CHANNEL",
        help="call, voicemail, email, text, letter, linkedin or meeting.",
    ),
]


def parse_day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    from drafter.context import Day

    try:
        return TypeAdapter(Day).validate_python(value)
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise InputError(problem, key=option) from None


@dataclass(frozen=True)
class Loaded:
    settings: Settings
    playbook: Playbook
    ctx: DealContext
    today: dt.date


def load_settings_and_playbook(
    config: Path | None, playbook: Path | None
) -> tuple[Settings, Playbook]:
    settings = load_settings(config).with_overrides(playbook=playbook)
    return settings, load_playbook(settings.playbook)


def load_all(context: str, today: str | None, config: Path | None, playbook: Path | None) -> Loaded:
    from drafter.inputs import load_context, resolve_today

    override = parse_day(today, "--today")
    settings, book = load_settings_and_playbook(config, playbook)
    ctx = load_context(context, book).with_default_currency(settings.currency)
    day = resolve_today(ctx, override, dt.date.today(), path=context)
    return Loaded(settings, book, ctx, day)


def sender_flags(
    name: str | None, company: str | None, phone: str | None, email: str | None
) -> Sender:
    """The ``--sender-*`` flags as a Sender; a blank one is a one-line error naming it."""
    given = {"name": name, "company": company, "phone": phone, "email": email}
    for field, value in given.items():
        if value is not None and not value.strip():
            raise InputError(
                "is empty: give a value or leave the option out", key=f"--sender-{field}"
            )
    return Sender(**given)
