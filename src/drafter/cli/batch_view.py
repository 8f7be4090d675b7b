"""How ``drafter batch`` shows itself: a progress bar on a terminal (rows,
failures, tokens, cost, ETA), plain lines otherwise, and the summary table."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drafter.batch.rows import Finished
    from drafter.batch.runner import Reporter, Summary


class PlainReporter:
    """A line on stderr every ``every`` seconds (and at the end)."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.total = 0
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self.last = self.started

    def start(self, total: int, done_before: int) -> None:
        self.total, self.done = total, done_before
        if done_before:
            self.note(f"{done_before} of {total} rows already in the output: resuming")

    def advance(self, finished: Finished) -> None:
        self.done += 1
        self.failed += finished.done.status in ("error", "flagged")
        now = time.monotonic()
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            self.note(f"{self.done}/{self.total} rows, {self.failed} failed")

    def note(self, message: str) -> None:
        print(f"drafter: {message}", file=sys.stderr, flush=True)


class RichReporter:
    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("drafting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TextColumn("{task.fields[tokens]} tokens ${task.fields[cost]:.4f}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task: Any = None
        self.failed = 0
        self.tokens = 0
        self.cost = 0.0

    def start(self, total: int, done_before: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task(
            "batch", total=total, completed=done_before, failed=0, tokens=0, cost=0.0
        )

    def advance(self, finished: Finished) -> None:
        done = finished.done
        self.failed += done.status in ("error", "flagged")
        self.tokens += done.prompt_tokens + done.completion_tokens
        self.cost += done.cost_usd
        self.progress.update(
            self.task, advance=1, failed=self.failed, tokens=self.tokens, cost=self.cost
        )

    def note(self, message: str) -> None:
        self.console.print(f"drafter: {message}", markup=False, highlight=False)

    def stop(self) -> None:
        if self.task is not None:
            self.progress.stop()


@contextmanager
def reporter_for(out: Path) -> Iterator[Reporter]:
    if sys.stderr.isatty():
        rich = RichReporter()
        try:
            yield rich
        finally:
            rich.stop()
    else:
        yield PlainReporter()


_ORDER = ("ok", "flagged", "wait", "move_on", "error")


_WITHOUT = {
    "name": "drafts go without it",
    "phone": "call and voicemail drafts leave no callback number, and fail that move",
}


def _unset_sender_notes(summary: Summary) -> list[str]:
    """As ``drafter draft`` notes it, once for the batch."""
    if not summary.written and not summary.dry_run:
        return []
    return [
        f"note: your {field} is not set, so {_WITHOUT[field]}: set it with --sender-{field}, "
        f"DRAFTER_SENDER_{field.upper()}, [sender] {field} in drafter.toml, "
        f"or a sender_{field} column"
        for field in summary.unset_sender
    ]


def summary_text(summary: Summary, out: Path) -> str:
    """The table: rows by technique and status, then tokens, cost and time."""
    statuses = [s for s in _ORDER if summary.statuses[s]]
    techniques = sorted({t for t, _ in summary.by}, key=lambda t: (t == "-", t))
    header = ["technique", *statuses, "total"]
    table = [header]
    for technique in techniques:
        counts = [summary.by[(technique, s)] for s in statuses]
        table.append([technique, *map(str, counts), str(sum(counts))])
    totals = [summary.statuses[s] for s in statuses]
    table.append(["total", *map(str, totals), str(sum(totals))])
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = []
    for index, cells in enumerate(table):
        left = cells[0].ljust(widths[0])
        rest = "  ".join(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        lines.append(f"{left}  {rest}")
        if index == 0 or index == len(table) - 2:
            lines.append("-" * len(lines[-1]))
    rate = summary.written / summary.seconds if summary.seconds > 0 else 0.0
    tokens = summary.prompt_tokens + summary.completion_tokens
    if summary.dry_run:
        how = "with the LLM" if summary.llm else "offline, from the templates"
        intro = (
            f"Dry run: {summary.written} rows to do in {summary.rows}, {how} "
            "(nothing written, no API called)."
        )
    else:
        intro = (
            f"{out}: {summary.rows} rows; {summary.written} written now, "
            f"{summary.done_before} already there."
        )
    cost = "unknown (no price for the model)" if summary.unpriced else f"${summary.cost_usd:.4f}"
    estimated = "estimated " if summary.dry_run else ""
    tail = [
        f"{estimated}tokens: {tokens:,} ({summary.prompt_tokens:,} prompt, "
        f"{summary.completion_tokens:,} completion); {estimated}cost: {cost}",
        f"time: {summary.seconds:.2f} s ({rate:,.0f} rows/s)",
    ]
    if summary.dropped:
        tail.insert(0, f"--retry-failed: {summary.dropped} error rows redone")
    if summary.ignored_columns:
        shown = ", ".join(summary.ignored_columns[:8])
        more = len(summary.ignored_columns) - 8
        tail.append(f"ignored columns: {shown}" + (f" (+{more} more)" if more > 0 else ""))
    tail.extend(_unset_sender_notes(summary))
    if summary.dry_run and summary.llm:
        tail.append("(first requests only; a repair after a failed tone check costs more)")
        if summary.batch_api:
            tail.append("(at the Batch API's price: half the live price unless the table says)")
    tail.extend(summary.batch_lines)
    if summary.stopped_at_cap is not None:
        tail.append(
            f"stopped before the estimate passed --max-cost ${summary.stopped_at_cap:g}: "
            "rerun the same command (with a higher cap) to draft the rest"
        )
    if summary.interrupted:
        tail.append("interrupted: rerun the same command to finish the rest")
    elif summary.failed and not summary.dry_run:
        tail.append(f"{summary.failed} rows failed: see their error or violations in {out}")
    return "\n".join([intro, "", *lines, "", *tail])
