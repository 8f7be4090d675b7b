"""``drafter draft``: plan, write the draft, check it."""

from __future__ import annotations

from typing import Annotated

import typer

from drafter.cli.common import (
    ChannelOpt,
    ConfigOpt,
    ContextArg,
    JsonOpt,
    PlaybookOpt,
    SenderCompanyOpt,
    SenderEmailOpt,
    SenderNameOpt,
    SenderPhoneOpt,
    TodayOpt,
    load_all,
    parse_channel,
    print_json,
)
from drafter.cli.plan import TechniqueOpt


def draft_command(
    context: ContextArg,
    technique: TechniqueOpt = None,
    channel: ChannelOpt = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use the playbook's own templates (no LLM).")
    ] = False,
    model: Annotated[
        str | None, typer.Option("--model", help="LLM model name (default: $DRAFTER_MODEL).")
    ] = None,
    today: TodayOpt = None,
    json_out: JsonOpt = False,
    sender_name: SenderNameOpt = None,
    sender_company: SenderCompanyOpt = None,
    sender_phone: SenderPhoneOpt = None,
    sender_email: SenderEmailOpt = None,
    config: ConfigOpt = None,
    playbook: PlaybookOpt = None,
) -> None:
    """Plan, write the draft and check it against the tone rules.

    Exit 0 when the draft has no error-level tone violation (or there is
    nothing to send), 1 when it has.

    Example: drafter draft examples/rescue_call.yaml --offline
    """
    from drafter.cli.show import draft_result_text
    from drafter.context import Sender
    from drafter.draft.pipeline import draft_deal

    loaded = load_all(context, today, config, playbook)
    settings = loaded.settings.with_overrides(model=model)
    if settings.llm_configured and not offline:
        typer.echo(
            "drafter: note: LLM drafting is not built yet; using the offline templates.", err=True
        )
    flags = Sender(name=sender_name, company=sender_company, phone=sender_phone, email=sender_email)
    result = draft_deal(
        loaded.ctx,
        loaded.playbook,
        loaded.today,
        settings,
        technique=technique,
        channel=parse_channel(channel),
        sender=flags,
    )
    if json_out:
        print_json(result.to_json())
    else:
        typer.echo(draft_result_text(result))
    if not result.ok:
        raise typer.Exit(1)
