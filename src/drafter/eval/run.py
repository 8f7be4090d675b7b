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
from typing import Any

from drafter.errors import DrafterError, SuiteError
from drafter.eval.assertions import AssertionResult, Outcome, grade, score
from drafter.eval.suite import Case, Known, Suite, load_suite, select_cases
from drafter.playbook import Playbook
from drafter.runtime import Runtime

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


def run_offline_case(case: Case, day: dt.date, runtime: Runtime) -> CaseRun:
    from drafter.draft.pipeline import draft_deal, resolve_sender

    started = time.perf_counter()
    try:
        result = draft_deal(case.ctx, runtime, day, technique=case.technique, channel=case.channel)
    except DrafterError as exc:
        return CaseRun([], 0.0, False, error=str(exc), seconds=time.perf_counter() - started)
    sender = resolve_sender(case.ctx, runtime, None)
    outcome = Outcome(
        ctx=case.ctx, sender=sender, plan=result.plan, draft=result.draft, check=result.check
    )
    assertions, value, passed = grade_run(case, outcome)
    return CaseRun(
        assertions,
        value,
        passed,
        technique=result.plan.technique,
        channel=result.plan.channel.value if result.plan.channel else None,
        send_on=result.plan.send_on.isoformat(),
        draft=(
            {"subject": result.draft.subject, "body": result.draft.body} if result.draft else None
        ),
        provider=result.draft.provider if result.draft else None,
        attempts=result.draft.attempts if result.draft else None,
        seconds=time.perf_counter() - started,
    )


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
) -> list[CaseResult]:
    days = [case_day(c, opts.today, clock) for c in cases]  # all checked before any runs
    results = []
    for case, day in zip(cases, days, strict=True):
        result = CaseResult(case, day)
        for _ in range(opts.repeat):
            result.runs.append(run_offline_case(case, day, runtime))
        results.append(result)
    return results
