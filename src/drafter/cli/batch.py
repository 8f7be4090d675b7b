"""``drafter batch``: draft every row of a CRM export; resumable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from drafter.cli.common import (
    ConfigOpt,
    PlaybookOpt,
    SenderCompanyOpt,
    SenderEmailOpt,
    SenderNameOpt,
    SenderPhoneOpt,
    TodayOpt,
    parse_day,
    sender_flags,
)


def batch_command(
    input_csv: Annotated[
        Path, typer.Argument(metavar="INPUT.csv", help="A CRM export, one prospect a row.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="OUT.(csv|jsonl)",
            help="Where the drafts go; rerun with the same --out to resume.",
        ),
    ],
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="LLM requests in flight at once.")
    ] = 8,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Processes for offline drafting (default: every core)."
        ),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use the playbook's own templates (no LLM).")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Plan every row; print the technique mix and estimated cost."
        ),
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost", metavar="USD", min=0, help="Stop (resumably) before passing this cost."
        ),
    ] = None,
    column_map: Annotated[
        Path | None,
        typer.Option(
            "--map",
            metavar="FILE",
            help="CSV header -> field map (.toml, .yaml or .json); see docs/batch.md.",
        ),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Redo the rows that ended in an error.")
    ] = False,
    model: Annotated[
        str | None,
        typer.Option("--model", help="LLM model name (default: $DRAFTER_MODEL, [llm] model)."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ask the model again even if its reply is cached.")
    ] = False,
    via: Annotated[
        str,
        typer.Option(
            "--via",
            metavar="live|batch-api",
            help="How LLM rows are sent: live requests, or the OpenAI Batch API (half the "
            "price, results within 24 hours; rerun to collect; exit 75 until then).",
        ),
    ] = "live",
    today: TodayOpt = None,
    sender_name: SenderNameOpt = None,
    sender_company: SenderCompanyOpt = None,
    sender_phone: SenderPhoneOpt = None,
    sender_email: SenderEmailOpt = None,
    config: ConfigOpt = None,
    playbook: PlaybookOpt = None,
) -> None:
    """Plan, draft and check every row of a CSV; write one record per row.

    Rows are written as they finish; rerunning the same command skips the
    rows OUT already holds. With an LLM configured (see drafter draft), rows
    are drafted --concurrency at a time; otherwise, or with --offline, from
    the playbook's templates on every core. Exit 0 when every row was drafted
    (or needs no message), 1 when a row failed (bad input, an LLM error, or a
    draft that breaks an error-level tone rule) or --max-cost stopped the run,
    2 for a file-level problem.

    --via batch-api sends the LLM rows through the OpenAI Batch API instead:
    half the price of live requests, results within 24 hours; for thousands
    of rows that can wait. The first run writes the rows that need no model,
    submits the others and exits 75; rerunning the same command reports the
    batch's status (exit 75) until it has ended, then checks each draft as a
    live one (repairs go live) and writes every row (exit 0 or 1).

    Example: drafter batch examples/prospects.csv --out drafts.csv --offline
    """
    from drafter.batch.runner import BatchRequest, run_batch
    from drafter.cli.batch_view import reporter_for, summary_text
    from drafter.cli.common import load_settings_and_playbook
    from drafter.errors import InputError

    if via not in ("live", "batch-api"):
        raise InputError(f"unknown value {via!r}; use live or batch-api", key="--via")
    settings, _ = load_settings_and_playbook(config, playbook)
    settings = settings.with_llm(model=model)
    user_map, map_source = _column_map(column_map, settings.batch.columns)
    flags = sender_flags(sender_name, sender_company, sender_phone, sender_email)
    request = BatchRequest(
        input=input_csv,
        out=out,
        settings=settings,
        today=parse_day(today, "--today") or dt.date.today(),
        user_map=user_map,
        map_source=map_source,
        sender=flags,
        workers=workers,
        retry_failed=retry_failed,
        dry_run=dry_run,
        offline=offline,
        concurrency=concurrency,
        max_cost=max_cost,
        use_cache=not no_cache,
        via=via,
        today_given=today is not None,
    )
    with reporter_for(out) as reporter:
        summary = run_batch(request, reporter)
    typer.echo(summary_text(summary, out))
    if summary.interrupted:
        raise typer.Exit(130)
    if summary.pending and not dry_run:
        from drafter.batch.batch_api import PENDING_EXIT

        raise typer.Exit(PENDING_EXIT)
    if (summary.failed or summary.stopped_at_cap is not None) and not dry_run:
        raise typer.Exit(1)


def _column_map(path: Path | None, configured: dict[str, str]) -> tuple[dict[str, str], str]:
    """``--map FILE`` (a mapping of header -> field), else drafter.toml's."""
    if path is None:
        return dict(configured), "drafter.toml [batch.columns]"
    from drafter.errors import InputError

    data: Any
    if path.suffix.lower() == ".toml":
        import tomllib

        from drafter.loading import read_text

        text, _ = read_text(path)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"invalid TOML: {exc}", path=path) from None
        data = data.get("batch", {}).get("columns", data) if "batch" in data else data
        data = data.get("columns", data) if set(data) == {"columns"} else data
    else:
        from drafter.loading import read_data

        data = read_data(path)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InputError("expected a mapping of CSV header to field name", path=path)
    return {str(k): v for k, v in data.items()}, str(path)
