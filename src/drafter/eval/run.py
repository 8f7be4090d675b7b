"""Running a suite: load it, draft every case, grade it, build the report.

Offline, each case is planned and drafted from the playbook's own templates and
checked with its rules (no network, no ``openai`` import). Live, drafts come
from the model, each ``llm-rubric`` is graded by the judge
(:mod:`drafter.judge`), and ``--max-cost`` is checked twice: the whole run's
estimate before it starts, then, as cases finish, their reported cost plus
the estimates of the cases in flight before each new case is launched. The
report is a plain dict (``drafter.eval.report`` documents and renders it).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.errors import DrafterError, LLMError, SuiteError
from drafter.eval.assertions import (
    RUBRIC_THRESHOLD,
    AssertionResult,
    Grade,
    Outcome,
    grade,
    rubric_key,
    score,
)
from drafter.eval.suite import Case, Known, Suite, load_suite, select_cases
from drafter.playbook import Playbook
from drafter.runtime import Runtime

if TYPE_CHECKING:
    from drafter.draft.models import Draft, DraftResult, Usage
    from drafter.plan.models import Plan

EPSILON = 1e-9
COST_CAP = "cost cap reached"


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
    judge_tokens: int | None = None  # live: prompt + completion tokens of the judge's requests
    judge_cost_usd: float | None = None  # live: included in cost_usd
    skipped: str | None = None  # not run, and why (the cost cap)


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
        if any(r.skipped for r in self.runs):
            return "skipped"
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
    case: Case,
    result: DraftResult,
    runtime: Runtime,
    started: float,
    *,
    live: bool,
    grades: dict[str, Grade] | None = None,
    judged: Usage | None = None,
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
        grades=grades or {},
    )
    assertions, value, passed = grade_run(case, outcome)
    draft = result.draft
    cost = outcome.cost_usd  # the draft's (what max-cost grades), plus the judge's
    if judged is not None:
        cost = None if cost is None or judged.cost_usd is None else cost + judged.cost_usd
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
        cost_usd=cost,
        provider=draft.provider if draft else None,
        attempts=draft.attempts if draft else None,
        seconds=time.perf_counter() - started,
        judge_tokens=judged.prompt_tokens + judged.completion_tokens if judged else None,
        judge_cost_usd=judged.cost_usd if judged else None,
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
    grades, judged, problem = await judge_case(case, result, runtime)
    run = _graded(case, result, runtime, started, live=True, grades=grades, judged=judged)
    if problem is not None:  # the rubric stays skipped; the case is an error, never a pass
        run.error, run.passed = problem, False
    return run


def rubrics(case: Case) -> dict[str, tuple[str, str | None]]:
    """The case's ``llm-rubric`` assertions: rubric_key -> (rubric, judge model)."""
    return {
        rubric_key(s.assertion): (s.assertion.value, s.assertion.model)
        for s in case.assertions
        if s.assertion.base == "llm-rubric"
    }


def judge_inputs(
    case: Case, plan: Plan, draft: Draft, runtime: Runtime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the draft, the deal) as the judge sees them: the deal is the drafting
    prompt's own data (:func:`drafter.draft.llm.prompt.deal_data`)."""
    from drafter.draft.base import DraftRequest
    from drafter.draft.llm.prompt import deal_data
    from drafter.draft.pipeline import resolve_sender

    who = resolve_sender(case.ctx, runtime, None)
    request = DraftRequest(case.ctx, plan, who, draft.technique, draft.channel, plan.send_on)
    shown = {
        "channel": draft.channel.value,
        "technique": draft.technique,
        "subject": draft.subject,
        "body": draft.body,
    }
    return shown, deal_data(request, None, None)


async def judge_case(
    case: Case, result: DraftResult, runtime: Runtime
) -> tuple[dict[str, Grade], Usage | None, str | None]:
    """The judge's grade for each rubric of the case: (grades, the judge's
    usage, the problem that stopped it)."""
    wanted = rubrics(case)
    if not wanted or result.draft is None:
        return {}, None, None
    shown, deal = judge_inputs(case, result.plan, result.draft, runtime)
    grades: dict[str, Grade] = {}
    usage: Usage | None = None
    for key, (rubric, model) in wanted.items():
        judge = runtime.judge(model)
        try:
            found = await judge.grade(rubric, shown, deal)
        except LLMError as exc:
            return grades, usage, f"llm-rubric judge: {exc.message}"
        grades[key] = Grade(found.score, found.score >= RUBRIC_THRESHOLD, found.reason, judge.model)
        usage = found.usage if usage is None else usage + found.usage
    return grades, usage, None


def case_estimates(
    cases: tuple[Case, ...], days: list[dt.date], runtime: Runtime
) -> list[float] | None:
    """Before a live run, one run of each case: its first prompt plus a full
    reply at the model's price, and for each ``llm-rubric`` the judge's prompt
    (with the offline draft in place of the model's) plus a full reply at the
    judge's price. None when a model has no price. Repairs and the cache are not
    counted: a cached reply costs nothing, a repair costs more."""
    from drafter.draft.base import DraftRequest
    from drafter.draft.llm.cost import estimate_cost as price
    from drafter.draft.pipeline import resolve_sender
    from drafter.eval.prompts import probe
    from drafter.plan.selector import make_plan

    out = []
    model = runtime.settings.model_name
    for case, day in zip(cases, days, strict=True):
        try:
            plan = make_plan(
                case.ctx, runtime.playbook, day, technique=case.technique, channel=case.channel
            )
            if plan.channel is None:
                out.append(0.0)
                continue
            who = resolve_sender(case.ctx, runtime, None)
            request = DraftRequest(case.ctx, plan, who, plan.technique, plan.channel, plan.send_on)
            offline = runtime.template_writer().draft(request)
            info = probe(case.ctx, plan, offline, runtime)
        except DrafterError:
            out.append(0.0)
            continue  # the case will report its own error
        cost = price(
            model,
            info.tokens,
            runtime.settings.llm.max_output_tokens,
            runtime.settings.llm.prices,
        )
        if cost is None:
            return None
        shown, deal = judge_inputs(case, plan, offline, runtime)
        for rubric, judge_model in rubrics(case).values():
            judge = runtime.judge(judge_model)
            from drafter.judge import rubric_messages

            extra = judge.estimate(rubric_messages(runtime.prompts_dir, rubric, shown, deal))
            if extra is None:
                return None
            cost += extra
        out.append(cost)
    return out


def estimate_cost(
    cases: tuple[Case, ...], days: list[dt.date], runtime: Runtime, repeat: int
) -> float | None:
    """The whole live run's estimate (:func:`case_estimates`, times ``repeat``)."""
    each = case_estimates(cases, days, runtime)
    return None if each is None else sum(each) * repeat


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


def _check_judge_prompt(cases: tuple[Case, ...], runtime: Runtime) -> None:
    """A judge prompt that does not render fails the run before any request."""
    if any(rubrics(c) for c in cases):
        from drafter.judge import rubric_messages

        rubric_messages(runtime.prompts_dir, "a rubric", {"body": "a message"}, {})


def _unpriced(runtime: Runtime, cases: tuple[Case, ...]) -> str:
    from drafter.draft.llm.cost import price_for

    prices = runtime.settings.llm.prices
    models = [runtime.settings.model_name]
    models += [m or runtime.settings.model_name for c in cases for _, m in rubrics(c).values()]
    return next((m for m in models if price_for(m, prices) is None), models[0])


def _run_live(
    cases: tuple[Case, ...], days: list[dt.date], opts: EvalOptions, runtime: Runtime
) -> list[CaseResult]:
    import asyncio

    _check_judge_prompt(cases, runtime)
    cap = opts.max_cost
    each = [0.0] * len(cases)
    if cap is not None:
        estimates = case_estimates(cases, days, runtime)
        if estimates is None:
            raise SuiteError(
                f"no price known for {_unpriced(runtime, cases)}: add it under [llm.prices] "
                "in drafter.toml to cap the cost",
                key="--max-cost",
            )
        each = estimates
        estimate = sum(each) * opts.repeat
        if estimate > cap:
            raise SuiteError(
                f"this run is estimated at ${estimate:.4f}, above ${cap:g}: "
                "narrow it with --filter or raise the cap",
                key="--max-cost",
            )
    results = [CaseResult(case, day) for case, day in zip(cases, days, strict=True)]
    spent = 0.0  # reported cost of the runs that finished (drafts, repairs, judge)
    in_flight = 0.0  # estimates of the runs started and not finished
    stopped = False

    async def one(result: CaseResult, estimate: float, gate: asyncio.Semaphore) -> None:
        nonlocal spent, in_flight, stopped
        async with gate:
            for _ in range(opts.repeat):
                if cap is not None and (stopped or spent + in_flight + estimate > cap + EPSILON):
                    stopped = True  # nothing new starts once the cap would be passed
                    result.runs.append(CaseRun([], 0.0, False, skipped=COST_CAP))
                    continue
                in_flight += estimate
                try:
                    run = await run_live_case(result.case, result.today, runtime)
                finally:
                    in_flight -= estimate
                spent += run.cost_usd or 0.0
                result.runs.append(run)

    async def all_cases() -> None:
        gate = asyncio.Semaphore(opts.concurrency)
        await asyncio.gather(*(one(r, e, gate) for r, e in zip(results, each, strict=True)))

    asyncio.run(all_cases())
    return results
