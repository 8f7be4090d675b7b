"""``drafter eval``: run the eval suite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from drafter.cli.common import ConfigOpt, JsonOpt, PlaybookOpt, TodayOpt, parse_day, print_json


def eval_command(
    suite: Annotated[
        Path, typer.Argument(metavar="[SUITE_DIR]", help="The suite folder (or one suite file).")
    ] = Path("evals"),
    offline: Annotated[
        bool, typer.Option("--offline", help="Offline drafts only: no LLM, no network.")
    ] = False,
    model: Annotated[
        str | None, typer.Option("--model", help="Live mode: draft with this LLM model.")
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", metavar="FILE", help="Compare with an earlier report."),
    ] = None,
    save_baseline: Annotated[
        Path | None,
        typer.Option("--save-baseline", metavar="FILE", help="Write this run as a baseline."),
    ] = None,
    json_out: JsonOpt = False,
    filter_: Annotated[
        str | None,
        typer.Option(
            "--filter", metavar="REGEX", help="Run the cases whose id, description or tag matches."
        ),
    ] = None,
    only_failing: Annotated[
        bool,
        typer.Option(
            "--only-failing",
            help="Rerun the cases that failed in --baseline, else in the last full run.",
        ),
    ] = False,
    repeat: Annotated[
        int, typer.Option("--repeat", metavar="N", help="Run each case N times (flakiness).")
    ] = 1,
    concurrency: Annotated[
        int, typer.Option("--concurrency", metavar="N", help="Live cases in flight at once.")
    ] = 4,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost",
            metavar="USD",
            help="Live: refuse a run estimated above this; stop starting cases before passing it.",
        ),
    ] = None,
    report_md: Annotated[
        Path | None,
        typer.Option("--report-md", metavar="FILE", help="Write a Markdown summary (for a PR)."),
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", metavar="FILE", help="Write JUnit XML (for CI).")
    ] = None,
    today: TodayOpt = None,
    config: ConfigOpt = None,
    playbook: PlaybookOpt = None,
    prompts: Annotated[
        Path | None, typer.Option("--prompts", help="Your own copy of the prompts folder.")
    ] = None,
) -> None:
    """Run the eval suite: every case planned, drafted, checked and graded.

    Exit 0 when the suite's pass-rate threshold holds, 1 when it does not (or
    --max-cost stopped the run), 2 for a bad suite file (named with its case).
    Live, llm-rubric assertions are graded by a judge model (the assertion's
    model, else --model), through the same cache; the judge's cost counts.
    --today is the day for cases that do not fix their own.

    Example: drafter eval evals --offline --baseline evals/baseline.json
    """
    from drafter.eval.report import format_terminal
    from drafter.eval.run import EvalOptions
    from drafter.eval.session import run_eval, write_outputs

    options = EvalOptions(
        suite=suite,
        offline=offline,
        model=model,
        baseline=baseline,
        filter=filter_,
        only_failing=only_failing,
        repeat=repeat,
        concurrency=concurrency,
        max_cost=max_cost,
        today=parse_day(today, "--today"),
        config=config,
        playbook=playbook,
        prompts=prompts,
    )
    report = run_eval(options, clock=dt.date.today())
    write_outputs(report, save_baseline=save_baseline, report_md=report_md, junit=junit)
    if json_out:
        print_json(report)
    else:
        typer.echo(format_terminal(report))
    if report["stopped"]:
        typer.echo(f"drafter: {report['stopped']}", err=True)
    if not report["ok"]:
        raise typer.Exit(1)
