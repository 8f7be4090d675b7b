"""``drafter check``: lint a message against the tone rules."""

from __future__ import annotations

from typing import Annotated

import typer

from drafter.cli.options import ConfigOpt, JsonOpt, PlaybookOpt, parse_channel, print_json
from drafter.errors import ConfigError, InputError
from drafter.loading import require_technique, short
from drafter.settings import LEVELS

FileArg = Annotated[
    str,
    typer.Argument(
        metavar="[FILE|-]", help="The message: a UTF-8 text file, or - (the default) for stdin."
    ),
]
ChannelOpt = Annotated[
    str | None,
    typer.Option(
        "--channel",
        metavar="CHANNEL",
        help="email, voicemail, text, letter, linkedin, call or meeting: selects the length rules.",
    ),
]
TechniqueOpt = Annotated[
    str | None,
    typer.Option(
        "--technique",
        metavar="ID",
        help="The playbook technique (see `drafter playbook list`): checks its required moves.",
    ),
]
SubjectOpt = Annotated[
    str | None, typer.Option("--subject", help="The email's subject line, checked too.")
]
DisableOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--disable",
        metavar="RULE",
        help="Switch a rule id off (repeatable); `move` or `move:ID` switches off required moves.",
    ),
]
AllowOpt = Annotated[
    list[str] | None,
    typer.Option("--allow", metavar="PHRASE", help="A phrase never flagged (repeatable)."),
]
RulesOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--rules-only",
        help="Skip the semantic layer (faster start; only the exact-wording rules).",
    ),
]
JudgeOpt = Annotated[
    bool,
    typer.Option(
        "--judge",
        help=(
            "Also ask the configured LLM, per tone category, whether the message falls into it "
            "(warnings judge:<category>; cached). Needs OPENAI_API_KEY or a server."
        ),
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", help="The judge's model, with --judge (default: $DRAFTER_MODEL, [llm] model)."
    ),
]
MinLevelOpt = Annotated[
    str | None,
    typer.Option(
        "--min-level",
        metavar="LEVEL",
        help="Hide violations below this level: error, warning or suggestion (the default).",
    ),
]


def check_command(
    file: FileArg = "-",
    channel: ChannelOpt = None,
    technique: TechniqueOpt = None,
    subject: SubjectOpt = None,
    json_out: JsonOpt = False,
    disable: DisableOpt = None,
    allow: AllowOpt = None,
    min_level: MinLevelOpt = None,
    rules_only: RulesOnlyOpt = False,
    judge: JudgeOpt = False,
    model: ModelOpt = None,
    config: ConfigOpt = None,
    playbook: PlaybookOpt = None,
) -> None:
    """Lint a message against the tone rules, the way Vale or proselint lint prose.

    Prints `file:line:col  level  rule  message` for each violation, or JSON
    with --json (its shape: docs/output.md). Exit 0 when there is no
    error-level violation, 1 when there is, 2 on bad input. drafter.toml's
    check table sets the same (disable, allow, min_level). Besides the rules, a semantic layer flags
    sentences that read like a known bad follow-up (ids semantic:<category>;
    --rules-only skips it). With --technique, a required move the message
    does not make is a warning here (an error in drafter's own drafts).
    --judge adds an LLM's opinion per category (warnings judge:<category>,
    never errors: the exit code stays the rules' and the semantic layer's).

    Example: drafter check followup.txt --channel email --technique final_approach

    Example: echo "Just checking in!!" | drafter check - --channel text --json
    """
    from drafter.check.checker import check_message, format_report
    from drafter.check.rules import load_rules
    from drafter.settings import CheckSettings, load_settings

    if min_level is not None and min_level not in LEVELS:
        raise InputError(
            f"unknown level {short(min_level)}; use one of {', '.join(LEVELS)}", key="--min-level"
        )
    settings = load_settings(config).with_overrides(playbook=playbook)
    if judge and not settings.llm_configured:
        raise ConfigError(
            "needs an LLM: set OPENAI_API_KEY (or OPENAI_BASE_URL, or [llm] in drafter.toml)",
            key="--judge",
        )
    check = settings.check
    options = CheckSettings(
        disable=[*check.disable, *(disable or [])],
        allow=[*check.allow, *(allow or [])],
        min_level=min_level or check.min_level,
    )
    rules = load_rules(settings.playbook)
    body, name = _read_message(file)
    technique_id = (
        None
        if technique is None
        else require_technique(technique, rules.techniques, key="--technique")
    )
    where = parse_channel(channel)
    report = check_message(
        body,
        channel=where,
        technique=technique_id,
        subject=subject,
        rules=rules,
        settings=options,
        semantic=not rules_only,
        moves_as_advice=True,
    )
    usage = None
    if judge:
        from drafter.judge import judge_check
        from drafter.runtime import build_runtime

        runtime = build_runtime(settings.with_llm(model=model))
        report, usage = judge_check(
            report,
            runtime,
            body=body,
            subject=subject,
            channel=where.value if where else None,
            technique=technique_id,
            settings=options,
        )
    if json_out:
        shown = report.model_dump(mode="json")
        if usage is not None:
            shown["judge_usage"] = usage.model_dump(mode="json")
        print_json(shown)
    else:
        typer.echo(format_report(report, name))
        if usage is not None:
            from drafter.cli.show import usage_text

            typer.echo(f"Judge: {usage_text(usage)}", err=True)
    if not report.ok:
        raise typer.Exit(1)


def _read_message(file: str) -> tuple[str, str]:
    """The message text and the name to show for it."""
    import sys

    from drafter.loading import read_text

    if file == "-" and sys.stdin.isatty():
        typer.echo("Paste the message, then Ctrl-D (Ctrl-Z, Enter on Windows).", err=True)
    text, name = read_text(file)
    if not text.strip():
        raise InputError("the message is empty", path=name)
    return text, name
