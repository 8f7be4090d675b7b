"""One ``drafter eval`` run from options to report: settings and playbook,
suite, baseline, cases, fingerprint, comparison. The CLI calls
:func:`run_eval` and then writes what was asked for with :func:`write_outputs`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from drafter.errors import SuiteError
from drafter.eval.fingerprint import fingerprint
from drafter.eval.report import as_baseline, build_report, compare, failing_ids, read_report
from drafter.eval.run import COST_CAP, CaseResult, EvalOptions, load_and_select, run_cases


def last_run_path(suite: Path) -> Path:
    """Where the last report of this suite is kept (in drafter's cache folder,
    ``$DRAFTER_CACHE_DIR`` or the platform's), for ``--only-failing``."""
    import hashlib

    from drafter.draft.llm.cache import default_cache_dir

    key = hashlib.sha256(str(suite.resolve()).encode()).hexdigest()[:12]
    return default_cache_dir() / "eval" / f"last-run-{key}.json"


def run_eval(opts: EvalOptions, *, clock: dt.date) -> dict[str, Any]:
    from drafter.playbook import load_playbook
    from drafter.runtime import build_runtime
    from drafter.settings import load_settings

    if opts.repeat < 1:
        raise SuiteError("must be 1 or more", key="--repeat")
    if opts.concurrency < 1:
        raise SuiteError("must be 1 or more", key="--concurrency")
    settings = load_settings(opts.config).with_overrides(playbook=opts.playbook)
    settings = settings.with_llm(model=opts.model, prompts=opts.prompts)
    live = not opts.offline and opts.model is not None
    if live and not settings.llm_configured:
        raise SuiteError(
            "live mode needs an LLM server: set OPENAI_API_KEY (or OPENAI_BASE_URL), "
            "or run with --offline",
            key="--model",
        )
    playbook = load_playbook(settings.playbook)
    baseline = read_report(opts.baseline) if opts.baseline else None
    failing = None
    if opts.only_failing:
        previous = baseline
        if previous is None:
            last = last_run_path(opts.suite)
            if not last.is_file():
                raise SuiteError(
                    "no earlier run of this suite to take the failures from "
                    "(run it once, or give --baseline FILE)",
                    key="--only-failing",
                )
            previous = read_report(last)
        failing = failing_ids(previous)
    suite, cases = load_and_select(opts, playbook, failing)
    runtime = build_runtime(settings, playbook, offline=not live)
    results = run_cases(cases, opts, runtime, clock, live=live)
    model = settings.model_name if live else None
    report = build_report(
        suite=str(opts.suite),
        mode="live" if live else "offline",
        model=model,
        fingerprint=fingerprint(playbook.path, runtime.prompts_dir, model),
        results=results,
        pass_rate_needed=suite.pass_rate,
        ran_on=clock.isoformat(),
        options={
            "filter": opts.filter,
            "only_failing": opts.only_failing,
            "repeat": opts.repeat,
            "today": opts.today.isoformat() if opts.today else None,
        },
        stopped=cost_cap_note(results, opts.max_cost),
    )
    if baseline is not None:
        assert opts.baseline is not None
        report["comparison"] = compare(report, baseline, str(opts.baseline))
    _remember(opts.suite, report)
    return report


def cost_cap_note(results: list[CaseResult], cap: float | None) -> str | None:
    """One line when ``--max-cost`` stopped the run before every case ran."""
    runs = [r for result in results for r in result.runs]
    left = sum(1 for r in runs if r.skipped == COST_CAP)
    if cap is None or not left:
        return None
    spent = sum(r.cost_usd or 0.0 for r in runs)
    cases = sum(1 for result in results if result.status == "skipped")
    return (
        f"--max-cost ${cap:g}: {COST_CAP} after ${spent:.4f}; {left} case run(s) not started "
        f"({cases} case(s) marked skipped)"
    )


def _remember(suite: Path, report: dict[str, Any]) -> None:
    """Keep the last full run (not a filtered one) for ``--only-failing``."""
    if report["options"]["filter"] or report["options"]["only_failing"]:
        return
    path = last_run_path(suite)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(as_baseline(report), ensure_ascii=False), encoding="utf-8")
    except OSError:
        pass  # a read-only cache only costs --only-failing its memory


def write_outputs(
    report: dict[str, Any],
    *,
    save_baseline: Path | None = None,
    report_md: Path | None = None,
    junit: Path | None = None,
) -> None:
    from drafter.eval.report import format_junit, format_markdown

    outputs: list[tuple[Path | None, str]] = [
        (save_baseline, json.dumps(as_baseline(report), indent=2, ensure_ascii=False) + "\n"),
        (report_md, format_markdown(report)),
        (junit, format_junit(report)),
    ]
    for path, text in outputs:
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise SuiteError(exc.strerror or str(exc), path=path) from None
