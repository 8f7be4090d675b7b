"""Running a suite: load it, draft every case, grade it, build the report.

Offline, each case is planned and drafted from the playbook's own templates and
checked with its rules (no network, no ``openai`` import). The report is a
plain dict (``drafter.eval.report`` documents and renders it).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.errors import DrafterError, SuiteError
from drafter.eval.assertions import AssertionResult, Outcome, grade, score
from drafter.eval.suite import Case, Known, Suite, load_suite, select_cases
from drafter.playbook import Playbook
from drafter.runtime import Runtime

if TYPE_CHECKING:
    from drafter.draft.models import DraftResult

EPSILON = 1e-9


@dataclass(frozen=True)
class EvalOptions:
    suite: Path
    offline: bool = False
    model: str | None = None
    baseline: Path | None = None
    filter: str | None = None
    only_failing: bool = False
    repeat: int = 1
    concurrency: int = 4
    max_cost: float | None = None
    today: dt.date | None = None
    config: Path | None = None
    playbook: Path | None = None
    prompts: Path | None = None


@dataclass
class CaseRun:
    """One run of one case."""

    assertions: list[AssertionResult]
    score: float
    passed: bool
    technique: str | None = None
    channel: str | None = None
    send_on: str | None = None
    draft: dict[str, Any] | None = None
    prompt_tokens: int | None = None
    prompt_tokens_exact: bool | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    provider: str | None = None
    attempts: int | None = None
    error: str | None = None
    seconds: float = 0.0


@dataclass
class CaseResult:
    case: Case
    today: dt.date
    runs: list[CaseRun] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.runs) and all(r.passed for r in self.runs)

    @property
    def status(self) -> str:
        if self.case.xfail:
            return "xpass" if self.passed else "xfail"
        if any(r.error for r in self.runs):
            return "error"
        return "pass" if self.passed else "fail"

    @property
    def holds(self) -> bool:
        return self.status in ("pass", "xfail", "xpass")


def case_day(case: Case, override: dt.date | None, clock: dt.date) -> dt.date:
    """The case's own day, else ``--today``, else the clock; never before its history."""
    day = case.today or override or clock
    latest = case.ctx.latest_date()
    if latest is not None and latest[1] > day:
        raise SuiteError(
            f"{day} is before {latest[0]} ({latest[1]}): the history cannot be in the future",
            path=case.file,
            key=f"case {case.id!r}: today",
        )
    return day


def grade_run(case: Case, outcome: Outcome) -> tuple[list[AssertionResult], float, bool]:
    results = [grade(spec, outcome) for spec in case.assertions]
    value = score(results)
    return results, value, value + EPSILON >= case.threshold


def _graded(
    case: Case, result: DraftResult, runtime: Runtime, started: float, *, live: bool
) -> CaseRun:
    from drafter.draft.pipeline import resolve_sender

    prompt, why = None, "the plan sends nothing, so no prompt is rendered"
    if result.draft is not None:
        from drafter.eval.prompts import probe

        try:
            prompt = probe(case.ctx, result.plan, result.draft, runtime)
        except DrafterError as exc:
            why = f"the prompt does not render: {exc}"
    usage = result.draft.usage if result.draft else None
    outcome = Outcome(
        ctx=case.ctx,
        sender=resolve_sender(case.ctx, runtime, None),
        plan=result.plan,
        draft=result.draft,
        check=result.check,
        live=live,
        prompt=prompt,
        prompt_unavailable=why,
        cost_usd=usage.cost_usd if usage else (0.0 if live else None),
    )
    assertions, value, passed = grade_run(case, outcome)
    draft = result.draft
    return CaseRun(
        assertions,
        value,
        passed,
        technique=result.plan.technique,
        channel=result.plan.channel.value if result.plan.channel else None,
        send_on=result.plan.send_on.isoformat(),
        draft={"subject": draft.subject, "body": draft.body} if draft else None,
        prompt_tokens=prompt.tokens if prompt else None,
        prompt_tokens_exact=prompt.exact if prompt else None,
        completion_tokens=usage.completion_tokens if usage else None,
        cost_usd=outcome.cost_usd,
        provider=draft.provider if draft else None,
        attempts=draft.attempts if draft else None,
        seconds=time.perf_counter() - started,
    )


def run_offline_case(case: Case, day: dt.date, runtime: Runtime) -> CaseRun:
    from drafter.draft.pipeline import draft_deal

    started = time.perf_counter()
    try:
        result = draft_deal(case.ctx, runtime, day, technique=case.technique, channel=case.channel)
    except DrafterError as exc:
        return CaseRun([], 0.0, False, error=str(exc), seconds=time.perf_counter() - started)
    return _graded(case, result, runtime, started, live=False)


async def run_live_case(case: Case, day: dt.date, runtime: Runtime) -> CaseRun:
    from drafter.draft.pipeline import adraft_deal

    started = time.perf_counter()
    try:
        result = await adraft_deal(
            case.ctx, runtime, day, technique=case.technique, channel=case.channel
        )
    except DrafterError as exc:
        return CaseRun([], 0.0, False, error=str(exc), seconds=time.perf_counter() - started)
    return _graded(case, result, runtime, started, live=True)


def estimate_cost(
    cases: tuple[Case, ...], days: list[dt.date], runtime: Runtime, repeat: int
) -> float | None:
    """Before a live run: each case's first prompt plus a full reply, at the
    model's price (None when the model has no price). Repairs and the cache
    are not counted: a cached reply costs nothing, a repair costs more."""
    from drafter.draft.base import DraftRequest
    from drafter.draft.llm.cost import estimate_cost as price
    from drafter.draft.pipeline import resolve_sender
    from drafter.eval.prompts import probe
    from drafter.plan.selector import make_plan

    total = 0.0
    model = runtime.settings.model_name
    for case, day in zip(cases, days, strict=True):
        try:
            plan = make_plan(
                case.ctx, runtime.playbook, day, technique=case.technique, channel=case.channel
            )
            if plan.channel is None:
                continue
            who = resolve_sender(case.ctx, runtime, None)
            request = DraftRequest(case.ctx, plan, who, plan.technique, plan.channel, plan.send_on)
            info = probe(case.ctx, plan, runtime.template_writer().draft(request), runtime)
        except DrafterError:
            continue  # the case will report its own error
        cost = price(
            model,
            info.tokens,
            runtime.settings.llm.max_output_tokens,
            runtime.settings.llm.prices,
        )
        if cost is None:
            return None
        total += cost * repeat
    return total


def _known(playbook: Playbook) -> Known:
    from drafter.check.rules import load_rules

    rules = load_rules(playbook.path)
    return Known(frozenset(playbook.techniques), rules.knows)


def load_and_select(
    opts: EvalOptions, playbook: Playbook, failing: frozenset[str] | None
) -> tuple[Suite, tuple[Case, ...]]:
    suite = load_suite(opts.suite, _known(playbook))
    cases = select_cases(suite.cases, opts.filter, failing)
    if not cases:
        why = "--only-failing: no case failed last time" if failing is not None else "--filter"
        raise SuiteError(f"no case to run ({why})", path=opts.suite)
    return suite, cases


def run_cases(
    cases: tuple[Case, ...],
    opts: EvalOptions,
    runtime: Runtime,
    clock: dt.date,
    *,
    live: bool = False,
) -> list[CaseResult]:
    days = [case_day(c, opts.today, clock) for c in cases]  # all checked before any runs
    if live:
        return _run_live(cases, days, opts, runtime)
    results = []
    for case, day in zip(cases, days, strict=True):
        result = CaseResult(case, day)
        for _ in range(opts.repeat):
            result.runs.append(run_offline_case(case, day, runtime))
        results.append(result)
    return results


def _run_live(
    cases: tuple[Case, ...], days: list[dt.date], opts: EvalOptions, runtime: Runtime
) -> list[CaseResult]:
    import asyncio

    if opts.max_cost is not None:
        estimate = estimate_cost(cases, days, runtime, opts.repeat)
        if estimate is None:
            raise SuiteError(
                f"no price known for {runtime.settings.model_name}: add it under [llm.prices] "
                "in drafter.toml to cap the cost",
                key="--max-cost",
            )
        if estimate > opts.max_cost:
            raise SuiteError(
                f"this run is estimated at ${estimate:.4f}, above ${opts.max_cost:g}: "
                "narrow it with --filter or raise the cap",
                key="--max-cost",
            )
    results = [CaseResult(case, day) for case, day in zip(cases, days, strict=True)]
    spent = 0.0

    async def one(result: CaseResult, gate: asyncio.Semaphore) -> None:
        nonlocal spent
        async with gate:
            for _ in range(opts.repeat):
                if opts.max_cost is not None and spent >= opts.max_cost:
                    result.runs.append(
                        CaseRun(
                            [], 0.0, False, error=f"not run: --max-cost ${opts.max_cost:g} spent"
                        )
                    )
                    continue
                run = await run_live_case(result.case, result.today, runtime)
                spent += run.cost_usd or 0.0
                result.runs.append(run)

    async def all_cases() -> None:
        gate = asyncio.Semaphore(opts.concurrency)
        await asyncio.gather(*(one(r, gate) for r in results))

    asyncio.run(all_cases())
    return results
