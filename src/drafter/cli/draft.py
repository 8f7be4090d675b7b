"""``drafter draft``: plan, write the draft, check it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

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
    sender_flags,
)
from drafter.cli.plan import TechniqueOpt
from drafter.errors import InputError


def parse_fallback(value: str | None) -> Literal["none", "offline"] | None:
    if value is None:
        return None
    if value not in ("none", "offline"):
        raise InputError(f"expected none or offline (got {value!r})", key="--fallback")
    return "offline" if value == "offline" else "none"


def draft_command(
    context: ContextArg,
    technique: TechniqueOpt = None,
    channel: ChannelOpt = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use the playbook's own templates (no LLM).")
    ] = False,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="LLM model name (default: $DRAFTER_MODEL, [llm] model, gpt-4o-mini)."
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ask the model again even if its reply is cached.")
    ] = False,
    max_repairs: Annotated[
        int | None,
        typer.Option(
            "--max-repairs",
            min=0,
            max=5,
            help="Re-asks after a draft fails the tone check (default 2).",
        ),
    ] = None,
    fallback: Annotated[
        str | None,
        typer.Option(
            "--fallback",
            metavar="none|offline",
            help="When the model's drafts keep failing: keep the best (none) or use the template.",
        ),
    ] = None,
    prompts: Annotated[
        Path | None,
        typer.Option("--prompts", help="Your own copy of the prompts folder."),
    ] = None,
    voice: Annotated[
        Path | None,
        typer.Option(
            "--voice", help="A text file of messages you wrote: a style reference for the model."
        ),
    ] = None,
    today: TodayOpt = None,
    json_out: JsonOpt = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print only the message (subject, blank line, body), to paste."
        ),
    ] = False,
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

    Example: drafter draft deal.yaml --offline -q | pbcopy
    """
    from drafter.cli.show import draft_result_text, quiet_text
    from drafter.draft.pipeline import draft_deal
    from drafter.runtime import build_runtime

    loaded = load_all(context, today, config, playbook)
    settings = loaded.settings.with_llm(
        model=model,
        max_repairs=max_repairs,
        fallback=parse_fallback(fallback),
        prompts=prompts,
        voice=voice,
    )
    runtime = build_runtime(settings, loaded.playbook, offline=offline, use_cache=not no_cache)
    flags = sender_flags(sender_name, sender_company, sender_phone, sender_email)
    result = draft_deal(
        loaded.ctx,
        runtime,
        loaded.today,
        technique=technique,
        channel=parse_channel(channel),
        sender=flags,
    )
    if result.draft is not None and not offline and not settings.llm_configured:
        ignored = f" (--model {model} needs one)" if model else ""
        typer.echo(
            "drafter: note: no LLM configured (OPENAI_API_KEY, OPENAI_BASE_URL or [llm] in "
            f"drafter.toml){ignored}: drafting from the playbook's templates.",
            err=True,
        )
    if json_out:
        print_json(result.to_json())
    elif quiet:
        message, aside = quiet_text(result)
        if message:
            typer.echo(message)
        if aside:
            typer.echo(aside, err=True)
    else:
        typer.echo(draft_result_text(result))
    if not result.ok:
        raise typer.Exit(1)
