"""One CSV row in, one output record out: read the row, plan, draft, check,
and serialise. A bad row becomes an error record naming its row, column and
problem; nothing a row holds stops the batch.

:class:`RowDrafter` is built once per process from a picklable
:class:`DraftConfig` (the process pool builds one in each worker).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from drafter.batch.columns import Layout, Row, RowProblem, RowReader, check_today, layout
from drafter.batch.output import Done, Format, Status, csv_line, jsonl_line
from drafter.context import Sender
from drafter.errors import DrafterError, LLMError
from drafter.settings import Settings

# A row whose LLM request still fails for the server's or the network's sake
# after the SDK's own retries ([llm] max_retries) gets this many more rounds,
# each after this pause (seconds), before it is written as an error.
TRANSIENT_ROUNDS = 1
TRANSIENT_PAUSE = 10.0

if TYPE_CHECKING:
    from drafter.draft.base import DraftRequest
    from drafter.draft.models import DraftResult
    from drafter.plan.models import Plan


@dataclass(frozen=True)
class DraftConfig:
    """Everything a worker needs, decided once at the edge."""

    settings: Settings
    header: tuple[str, ...]
    today: dt.date
    fmt: Format
    user_map: Mapping[str, str] = field(default_factory=dict)
    sender: Sender | None = None
    offline: bool = True
    use_cache: bool = True
    batch_api: bool = False  # --via batch-api: estimates at the Batch API's price


@dataclass(frozen=True)
class Job:
    row: int
    line: int
    cells: list[str]
    key: str
    id: str


@dataclass(frozen=True)
class Finished:
    key: str
    row: int
    line: bytes
    done: Done


def _violations(check: Any) -> str:
    if check is None:
        return ""
    return "; ".join(f"{v.rule} ({v.severity})" for v in check.violations)


class RowDrafter:
    def __init__(self, config: DraftConfig) -> None:
        from drafter.runtime import build_runtime

        self.config = config
        self.runtime = build_runtime(
            config.settings, offline=config.offline, use_cache=config.use_cache
        )
        self.playbook = self.runtime.playbook
        self.layout: Layout = layout(config.header, config.user_map)
        self.reader = RowReader(self.layout, self.playbook)
        # The CSV shows a plan's technique, channel, day and rationale only, so
        # its rows are planned brief (no road ahead, alternatives, notes or
        # facts: about half the planner's work); JSONL carries whole plans.
        self.brief = config.fmt == "csv"

    def __call__(self, job: Job) -> Finished:
        try:
            row = self.read(job.cells)
            check_today(row.ctx, self.config.today, self.layout)
            return self._draft(job, row)
        except RowProblem as problem:
            return self.error(job, problem.column, problem.problem)
        except DrafterError as exc:
            return self.error(job, exc.key, exc.message)
        except Exception as exc:  # a bug must not stop the batch: say so on the row
            return self.error(job, None, f"internal error: {type(exc).__name__}: {exc}")

    def read(self, cells: list[str]) -> Row:
        """One CSV row as a deal; a deal that names no currency takes the
        configured one (``currency`` in drafter.toml), as ``plan`` and ``draft`` do."""
        row = self.reader.read(cells)
        ctx = row.ctx.with_default_currency(self.config.settings.currency)
        return row if ctx is row.ctx else replace(row, ctx=ctx)

    async def adraft(self, job: Job) -> Finished:
        """:meth:`__call__` on the async client (LLM rows run many at once)."""
        import asyncio

        from drafter.draft.pipeline import adraft_deal

        try:
            row = self.read(job.cells)
            check_today(row.ctx, self.config.today, self.layout)
            for round_ in range(1 + TRANSIENT_ROUNDS):
                try:
                    result = await adraft_deal(
                        row.ctx,
                        self.runtime,
                        self.config.today,
                        technique=row.technique,
                        channel=row.channel,
                        sender=self.config.sender,
                        brief=self.brief,
                    )
                    break
                except LLMError as exc:
                    # The SDK has retried already; a server or network that is
                    # still failing gets one more round, a while later, before
                    # the row is given up (what was answered comes from the cache).
                    if not exc.transient or round_ == TRANSIENT_ROUNDS:
                        raise
                    await asyncio.sleep(TRANSIENT_PAUSE)
            return self.finished(job, result)
        except RowProblem as problem:
            return self.error(job, problem.column, problem.problem)
        except DrafterError as exc:
            return self.error(job, exc.key, exc.message)
        except Exception as exc:  # a bug must not stop the batch: say so on the row
            return self.error(job, None, f"internal error: {type(exc).__name__}: {exc}")

    def _request(self, job: Job) -> tuple[Plan, DraftRequest | None]:
        """The row read and planned brief (a request reads its technique,
        channel and day only) and what a writer would be asked for; None when
        the plan sends nothing (``wait``, ``move_on``). Raises
        :class:`RowProblem` or :class:`DrafterError` for a bad row."""
        from drafter.draft.base import DraftRequest
        from drafter.draft.pipeline import resolve_sender
        from drafter.plan.selector import make_plan

        row = self.read(job.cells)
        check_today(row.ctx, self.config.today, self.layout)
        plan = make_plan(
            row.ctx,
            self.playbook,
            self.config.today,
            technique=row.technique,
            channel=row.channel,
            brief=True,
        )
        if plan.channel is None:
            return plan, None
        who = resolve_sender(row.ctx, self.runtime, self.config.sender)
        return plan, DraftRequest(row.ctx, plan, who, plan.technique, plan.channel, plan.send_on)

    def first_request(self, job: Job) -> dict[str, Any] | None:
        """The body of the row's first LLM request, as the live path sends it;
        None when its plan sends nothing (``wait``, ``move_on``). Raises
        :class:`RowProblem` or :class:`DrafterError` for a bad row."""
        from drafter.draft.llm.writer import LLMWriter

        _, request = self._request(job)
        writer = self.runtime.writer()
        if request is None or not isinstance(writer, LLMWriter):
            return None
        return writer.first_request(request)

    def estimate(self, job: Job) -> Done:
        """What the row would cost with the LLM, without calling it: its plan,
        the prompt's tokens counted, the reply's estimated from the template's
        draft; zero when the reply is already in the response cache."""
        from drafter.draft.llm.cache import cache_key
        from drafter.draft.llm.cost import estimate_cost
        from drafter.draft.llm.tokens import count_messages, count_text
        from drafter.draft.llm.writer import LLMWriter

        try:
            plan, request = self._request(job)
            if request is None:
                status: Status = "move_on" if plan.technique == "move_on" else "wait"
                return Done(status, plan.technique)
            writer = self.runtime.writer()
            if not isinstance(writer, LLMWriter):
                return Done("ok", plan.technique)
            messages, _, _ = writer.first_messages(request)
            client = self.runtime.client()
            if client.cache is not None and client.cache.get(cache_key(client.params(messages))):
                return Done("ok", plan.technique)
            model = client.model
            prompt, _ = count_messages(messages, model)
            subject, body = self.runtime.template_writer().render(request)
            completion = count_text(f'{{"subject": "{subject or ""}", "body": "{body}"}}', model)
            prices = self.runtime.settings.llm.prices
            cost = estimate_cost(model, prompt, completion, prices, batch=self.config.batch_api)
        except (RowProblem, DrafterError):
            return Done("error", None)
        return Done("ok", plan.technique, prompt, completion, cost or 0.0, priced=cost is not None)

    def _draft(self, job: Job, row: Row) -> Finished:
        from drafter.draft.pipeline import draft_deal

        result = draft_deal(
            row.ctx,
            self.runtime,
            self.config.today,
            technique=row.technique,
            channel=row.channel,
            sender=self.config.sender,
            brief=self.brief,
        )
        return self.finished(job, result)

    def finished(self, job: Job, result: DraftResult) -> Finished:
        """The output record of a drafted row."""
        plan, draft, check = result.plan, result.draft, result.check
        status: Status
        if draft is None:
            status = "move_on" if plan.technique == "move_on" else "wait"
        else:
            status = "ok" if result.ok else "flagged"
        usage = draft.usage if draft is not None else None
        done = Done(
            status,
            plan.technique,
            usage.prompt_tokens if usage else 0,
            usage.completion_tokens if usage else 0,
            usage.cost_usd or 0.0 if usage else 0.0,
        )
        if self.config.fmt == "jsonl":
            obj = {
                "id": job.id,
                "row": job.row,
                "key": job.key,
                "status": status,
                "error": None,
                "column": None,
                **result.to_json(),
            }
            return Finished(job.key, job.row, jsonl_line(obj), done)
        cells = [
            plan.technique,
            plan.channel.value if plan.channel else "",
            plan.send_on.isoformat(),
            draft.subject if draft and draft.subject else "",
            draft.body if draft else "",
            ("true" if result.ok else "false") if draft else "",
            _violations(check),
            "",
            status,
            plan.rationale,
            job.row,
            job.key,
        ]
        return Finished(job.key, job.row, csv_line([*self._cells(job), *cells]), done)

    def _cells(self, job: Job) -> Sequence[str]:
        width = len(self.config.header)
        cells = list(job.cells[:width])
        return cells + [""] * (width - len(cells))

    def error(self, job: Job, column: str | None, problem: str) -> Finished:
        return error_record(self.config, job, column, problem)


def error_record(config: DraftConfig, job: Job, column: str | None, problem: str) -> Finished:
    where = f"row {job.row}" + (f", {column}" if column else "")
    message = f"{where}: {problem}"
    done = Done("error", None)
    if config.fmt == "jsonl":
        obj = {
            "id": job.id,
            "row": job.row,
            "key": job.key,
            "status": "error",
            "error": message,
            "column": column,
            "plan": None,
            "draft": None,
            "check": None,
            "notes": [],
        }
        return Finished(job.key, job.row, jsonl_line(obj), done)
    width = len(config.header)
    cells = list(job.cells[:width]) + [""] * max(0, width - len(job.cells))
    ours = ["", "", "", "", "", "", "", message, "error", "", job.row, job.key]
    return Finished(job.key, job.row, csv_line([*cells, *ours]), done)
