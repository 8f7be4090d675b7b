"""``drafter draft``: plan, write the draft, check it."""

from __future__ import annotations

from typing import Annotated

import typer

from drafter.cli.common import (
    ConfigOpt,
    ContextArg,
    JsonOpt,
    PlaybookOpt,
    TodayOpt,
    load_all,
    print_json,
)
from drafter.cli.plan import ChannelOpt, TechniqueOpt


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
    config: ConfigOpt = None,
    playbook: PlaybookOpt = None,
) -> None:
    """Plan, write the draft and check it against the tone rules.

    Exit 0 when the draft has no error-level tone violation (or there is
    nothing to send), 1 when it has.

    Example: drafter draft examples/rescue_call.yaml --offline
    """
    from drafter.checker import check_message
    from drafter.cli.show import draft_text, plan_text
    from drafter.drafting import draft_record, offline_draft
    from drafter.selector import make_plan

    loaded = load_all(context, today, config, playbook)
    settings = loaded.settings.with_overrides(model=model)
    plan = make_plan(
        loaded.ctx, loaded.playbook, loaded.today, technique=technique, channel=channel
    )
    if settings.llm_configured and not offline:
        typer.echo(
            "drafter: note: LLM drafting is not built yet; using the offline templates.", err=True
        )
    sender = loaded.ctx.sender.merged_over(settings.sender)
    draft = offline_draft(loaded.ctx, plan, loaded.playbook, sender, plan.send_on)
    report = None
    if draft is not None:
        report = check_message(
            draft.body,
            channel=draft.channel,
            technique=draft.technique,
            subject=draft.subject,
            settings=settings.check,
        )
    if json_out:
        print_json(draft_record(plan, draft, report))
    else:
        typer.echo(plan_text(plan))
        if draft is not None:
            typer.echo("\n" + draft_text(draft))
        if report is not None:
            from drafter.checker import format_report

            typer.echo(format_report(report, "draft"))
    if report is not None and not report.ok:
        raise typer.Exit(1)
