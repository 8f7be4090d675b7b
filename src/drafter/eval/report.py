"""The eval report: a versioned JSON document (``docs/eval.md`` documents it),
the comparison with a baseline report, and its renderings (terminal table,
Markdown for a pull request, JUnit XML). Pure functions over plain dicts, so a
baseline read from disk and a fresh report are handled alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from drafter.errors import SuiteError
from drafter.eval.assertions import AssertionResult
from drafter.eval.fingerprint import changed
from drafter.eval.run import CaseResult, CaseRun

SCHEMA = "drafter-eval"
VERSION = 1


# --- building -----------------------------------------------------------------


def _merged_assertions(runs: list[CaseRun]) -> list[dict[str, Any]]:
    """One row per assertion over all runs: passed only if it passed in each."""
    graded = [r.assertions for r in runs if r.assertions]  # a judge error keeps its grades
    if not graded:
        return []
    rows = []
    for i, first in enumerate(graded[0]):
        column: list[AssertionResult] = [g[i] for g in graded if i < len(g)]
        outcomes = [r.passed for r in column if r.passed is not None]
        failing = next((r for r in column if r.passed is False), first)
        row = failing.to_json()
        row["label"] = first.label
        row["passed"] = None if not outcomes else all(outcomes)
        row["skipped"] = row["passed"] is None
        row["passes"] = sum(1 for p in outcomes if p)
        rows.append(row)
    return rows


def _sum(values: Iterable[float | int | None]) -> float | int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def draft_sha(draft: dict[str, Any] | None) -> str | None:
    if draft is None:
        return None
    blob = json.dumps(draft, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def case_json(result: CaseResult) -> dict[str, Any]:
    case, runs = result.case, result.runs
    last = runs[-1]
    n = len(runs)
    return {
        "id": case.id,
        "file": case.file,
        "description": case.description,
        "tags": list(case.tags),
        "status": result.status,
        "passed": result.passed,
        "holds": result.holds,
        "score": round(sum(r.score for r in runs) / n, 4),
        "threshold": case.threshold,
        "xfail": case.xfail,
        "today": result.today.isoformat(),
        "forced": {
            "technique": case.technique,
            "channel": case.channel.value if case.channel else None,
        },
        "runs": n,
        "passed_runs": sum(1 for r in runs if r.passed),
        "technique": last.technique,
        "channel": last.channel,
        "send_on": last.send_on,
        "provider": last.provider,
        "attempts": last.attempts,
        "prompt_tokens": last.prompt_tokens,
        "prompt_tokens_exact": last.prompt_tokens_exact,
        "completion_tokens": _sum(r.completion_tokens for r in runs),
        "cost_usd": _sum(r.cost_usd for r in runs),
        "judge_tokens": _sum(r.judge_tokens for r in runs),
        "judge_cost_usd": _sum(r.judge_cost_usd for r in runs),
        "seconds": round(sum(r.seconds for r in runs), 4),
        "error": next((r.error for r in runs if r.error), None),
        "skipped": next((r.skipped for r in runs if r.skipped), None),
        "draft": last.draft,
        "draft_sha": draft_sha(last.draft),
        "assertions": _merged_assertions(runs),
    }


def totals(cases: list[dict[str, Any]], pass_rate_needed: float) -> dict[str, Any]:
    statuses = [c["status"] for c in cases]
    holding = sum(1 for c in cases if c["holds"])
    rows = [a for c in cases for a in c["assertions"]]
    rate = holding / len(cases) if cases else 1.0
    return {
        "cases": len(cases),
        "passed": statuses.count("pass"),
        "failed": statuses.count("fail"),
        "errors": statuses.count("error"),
        "xfailed": statuses.count("xfail"),
        "xpassed": statuses.count("xpass"),
        "skipped": statuses.count("skipped"),
        "holding": holding,
        "pass_rate": round(rate, 4),
        "pass_rate_needed": pass_rate_needed,
        "score": round(sum(c["score"] for c in cases) / len(cases), 4) if cases else 1.0,
        "assertions": {
            "passed": sum(1 for a in rows if a["passed"] is True),
            "failed": sum(1 for a in rows if a["passed"] is False),
            "skipped": sum(1 for a in rows if a["passed"] is None),
        },
        "prompt_tokens": _sum(c["prompt_tokens"] for c in cases),
        "cost_usd": _sum(c["cost_usd"] for c in cases),
        "judge_tokens": _sum(c.get("judge_tokens") for c in cases),
        "judge_cost_usd": _sum(c.get("judge_cost_usd") for c in cases),
        "seconds": round(sum(c["seconds"] for c in cases), 3),
    }


def build_report(
    *,
    suite: str,
    mode: str,
    model: str | None,
    fingerprint: dict[str, Any],
    results: list[CaseResult],
    pass_rate_needed: float,
    ran_on: str,
    options: dict[str, Any],
    stopped: str | None = None,
) -> dict[str, Any]:
    """``stopped``: why the run stopped before every case ran (the cost cap);
    such a run is never ok."""
    from drafter import __version__

    cases = [case_json(r) for r in results]
    sums = totals(cases, pass_rate_needed)
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "drafter_version": __version__,
        "suite": suite,
        "mode": mode,
        "model": model,
        "ran_on": ran_on,
        "options": options,
        "fingerprint": fingerprint,
        "ok": sums["pass_rate"] + 1e-9 >= pass_rate_needed and stopped is None,
        "stopped": stopped,
        "totals": sums,
        "cases": cases,
        "comparison": None,
    }


def as_baseline(report: dict[str, Any]) -> dict[str, Any]:
    """The report as committed to a repository: drafts reduced to their hash,
    and no timings or run date (so an unchanged suite saves an unchanged file)."""
    out = {k: v for k, v in report.items() if k not in ("comparison", "ran_on")}
    out["totals"] = {k: v for k, v in report["totals"].items() if k != "seconds"}
    out["cases"] = [
        {k: v for k, v in c.items() if k not in ("draft", "seconds")}
        | {"assertions": [_brief(a) for a in c["assertions"]]}
        for c in report["cases"]
    ]
    return out


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    """An assertion as a baseline keeps it: what it was and whether it passed."""
    keep = ("type", "label", "weight", "passed", "skipped", "from_defaults")
    return {k: row[k] for k in keep if k in row}


def read_report(path: Path) -> dict[str, Any]:
    """A report or baseline written by ``drafter eval``; SuiteError otherwise."""
    from drafter.loading import read_text

    text, shown = read_text(path, error=SuiteError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SuiteError(f"invalid JSON at line {exc.lineno}: {exc.msg}", path=shown) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise SuiteError(f'not a drafter eval report (no "schema": {SCHEMA!r})', path=shown)
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise SuiteError(
            f"report version {version!r} is newer than this drafter reads ({VERSION})", path=shown
        )
    if not isinstance(data.get("cases"), list) or not isinstance(data.get("fingerprint"), dict):
        raise SuiteError("a report needs cases and fingerprint", path=shown)
    return data


def failing_ids(report: dict[str, Any]) -> frozenset[str]:
    return frozenset(c["id"] for c in report["cases"] if not c.get("holds", c.get("passed")))


# --- comparing ----------------------------------------------------------------


def _delta(before: float | None, after: float | None, digits: int = 4) -> float | None:
    if before is None or after is None:
        return None
    return round(after - before, digits)


def compare(report: dict[str, Any], baseline: dict[str, Any], name: str) -> dict[str, Any]:
    """Case by case: regressions (passed -> failed), improvements, new and removed
    cases, score, prompt-token and cost deltas, drafts whose text changed."""
    old = {c["id"]: c for c in baseline["cases"]}
    new = {c["id"]: c for c in report["cases"]}
    rows = []
    for cid in [*new, *(k for k in old if k not in new)]:
        a, b = old.get(cid), new.get(cid)
        if a is None or b is None:
            rows.append({"id": cid, "change": "new" if a is None else "removed"})
            continue
        change = "same"
        if a["passed"] and not b["passed"]:
            change = "regression"
        elif not a["passed"] and b["passed"]:
            change = "improvement"
        rows.append(
            {
                "id": cid,
                "change": change,
                "passed_before": a["passed"],
                "passed_after": b["passed"],
                "score_before": a["score"],
                "score_after": b["score"],
                "score_delta": _delta(a["score"], b["score"]),
                "technique_before": a.get("technique"),
                "technique_after": b.get("technique"),
                "tokens_before": a.get("prompt_tokens"),
                "tokens_after": b.get("prompt_tokens"),
                "token_delta": _delta(a.get("prompt_tokens"), b.get("prompt_tokens"), 0),
                "cost_before": a.get("cost_usd"),
                "cost_after": b.get("cost_usd"),
                "cost_delta": _delta(a.get("cost_usd"), b.get("cost_usd"), 6),
                "text_changed": a.get("draft_sha") != b.get("draft_sha"),
            }
        )
    t0, t1 = baseline["totals"], report["totals"]
    return {
        "baseline": name,
        "baseline_fingerprint": baseline["fingerprint"],
        "fingerprint_changed": changed(baseline["fingerprint"], report["fingerprint"]),
        "regressions": [r["id"] for r in rows if r["change"] == "regression"],
        "improvements": [r["id"] for r in rows if r["change"] == "improvement"],
        "new": [r["id"] for r in rows if r["change"] == "new"],
        "removed": [r["id"] for r in rows if r["change"] == "removed"],
        "text_changed": [r["id"] for r in rows if r.get("text_changed")],
        "totals": {
            key: {
                "before": t0.get(key),
                "after": t1.get(key),
                "delta": _delta(t0.get(key), t1.get(key), 6),
            }
            for key in ("pass_rate", "score", "prompt_tokens", "cost_usd")
        },
        "cases": rows,
    }


# --- rendering ----------------------------------------------------------------

_MARK = {
    "pass": "PASS",
    "fail": "FAIL",
    "error": "ERROR",
    "xfail": "XFAIL",
    "xpass": "XPASS",
    "skipped": "SKIP",
}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _signed(x: float | int | None, fmt: str = "{:+,}") -> str:
    return "n/a" if x is None else fmt.format(x)


def _plan_cell(c: dict[str, Any]) -> str:
    if c["technique"] is None:
        return "-"
    return str(c["technique"]) + (f"/{c['channel']}" if c["channel"] else "")


def _failures(c: dict[str, Any]) -> list[str]:
    lines = [f"error: {c['error']}"] if c["error"] else []
    if c.get("skipped"):
        lines.append(f"not run: {c['skipped']}")
    for a in c["assertions"]:
        if a["passed"] is False:
            lines.append(f"x {a['label']}: {a['detail']}")
    if c["xfail"]:
        lines.append(f"xfail: {c['xfail']}")
    return lines


def format_terminal(report: dict[str, Any]) -> str:
    t = report["totals"]
    fp = report["fingerprint"]
    head = (
        f"drafter eval {report['suite']}  ({report['mode']}"
        + (f", model {report['model']}" if report["model"] else "")
        + f")  fingerprint {fp['id']}"
    )
    width = max([len(c["id"]) for c in report["cases"]] + [4])
    lines = [head, ""]
    for c in report["cases"]:
        score = f"{c['score']:.2f}"
        if not c["passed"]:
            score += f" (needs {c['threshold']:.2f})"
        tokens = f"  {c['prompt_tokens']} tok" if c["prompt_tokens"] is not None else ""
        runs = f"  {c['passed_runs']}/{c['runs']} runs" if c["runs"] > 1 else ""
        lines.append(
            f"  {_MARK[c['status']]:<5}  {c['id']:<{width}}  {_plan_cell(c):<32} "
            f"{c['send_on'] or '-':<10}  {score}{tokens}{runs}"
        )
        if c["status"] != "pass":
            lines += [f"         {line}" for line in _failures(c)]
    verdict = "ok" if report["ok"] else "FAILED"
    lines += [
        "",
        f"{t['cases']} cases: {t['passed']} pass, {t['failed']} fail, {t['errors']} error, "
        f"{t['xfailed']} xfail, {t['xpassed']} xpass"
        + (f", {t['skipped']} skipped" if t.get("skipped") else "")
        + f"; pass rate {_pct(t['pass_rate'])} "
        f"(needs {_pct(t['pass_rate_needed'])}): {verdict}",
        f"assertions: {t['assertions']['passed']} passed, {t['assertions']['failed']} failed, "
        f"{t['assertions']['skipped']} skipped"
        + (" (llm-rubric and max-cost run live only)" if report["mode"] == "offline" else ""),
    ]
    if t["prompt_tokens"] is not None:
        lines.append(f"prompt tokens: {t['prompt_tokens']:,}" + _cost_text(t["cost_usd"]))
    if t.get("judge_tokens") is not None:
        lines.append(
            f"judge tokens: {t['judge_tokens']:,}"
            + _cost_text(t["judge_cost_usd"])
            + " (in the cost above)"
        )
    if report.get("stopped"):
        lines.append(f"stopped: {report['stopped']}")
    if report["comparison"]:
        lines += ["", *comparison_lines(report["comparison"])]
    return "\n".join(lines)


def _cost_text(cost: float | None) -> str:
    return "" if cost is None else f"; cost ${cost:.4f}"


def comparison_lines(cmp: dict[str, Any]) -> list[str]:
    fp = cmp["fingerprint_changed"]
    tt = cmp["totals"]
    lines = [
        f"vs baseline {cmp['baseline']} (fingerprint {cmp['baseline_fingerprint']['id']}): "
        + (f"changed: {', '.join(fp)}" if fp else "same prompts, playbook, rules and model"),
        f"  {len(cmp['regressions'])} regressions, {len(cmp['improvements'])} improvements, "
        f"{len(cmp['new'])} new, {len(cmp['removed'])} removed, "
        f"{len(cmp['text_changed'])} drafts changed",
        f"  pass rate {_pct(tt['pass_rate']['before'])} -> {_pct(tt['pass_rate']['after'])}; "
        f"prompt tokens {_signed(tt['prompt_tokens']['delta'])}; "
        f"cost {_signed(tt['cost_usd']['delta'], '{:+.4f}')}",
    ]
    for row in cmp["cases"]:
        if row["change"] in ("regression", "improvement", "new", "removed") or row.get(
            "token_delta"
        ):
            lines.append("  " + _row_text(row))
    return lines


def _row_text(row: dict[str, Any]) -> str:
    if row["change"] in ("new", "removed"):
        return f"{row['change']:<11} {row['id']}"
    parts = [
        f"{row['change']:<11} {row['id']}: "
        f"score {row['score_before']:.2f} -> {row['score_after']:.2f}"
    ]
    if row["token_delta"]:
        parts.append(
            f"tokens {row['tokens_before']} -> {row['tokens_after']} ({row['token_delta']:+,})"
        )
    if row["cost_delta"]:
        parts.append(f"cost {row['cost_delta']:+.6f}")
    return "; ".join(parts)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_markdown(report: dict[str, Any]) -> str:
    """A summary for a pull request comment."""
    t = report["totals"]
    icon = "✅" if report["ok"] else "❌"
    out = [
        f"## {icon} drafter eval: {t['holding']}/{t['cases']} cases hold "
        f"({_pct(t['pass_rate'])}, needs {_pct(t['pass_rate_needed'])})",
        "",
        f"Mode **{report['mode']}**"
        + (f", model `{report['model']}`" if report["model"] else "")
        + f"; fingerprint `{report['fingerprint']['id']}`.",
        "",
    ]
    if report.get("stopped"):
        out += [f"**Stopped:** {_md(report['stopped'])}", ""]
    cmp = report["comparison"]
    if cmp:
        fp = cmp["fingerprint_changed"]
        tt = cmp["totals"]
        out += [
            f"Against the baseline (`{cmp['baseline_fingerprint']['id']}`): "
            + (f"changed **{', '.join(fp)}**." if fp else "nothing changed."),
            "",
            "| | baseline | this change | delta |",
            "| --- | ---: | ---: | ---: |",
            f"| pass rate | {_pct(tt['pass_rate']['before'])} | {_pct(tt['pass_rate']['after'])} "
            f"| {_signed(tt['pass_rate']['delta'], '{:+.4f}')} |",
            f"| mean score | {tt['score']['before']} | {tt['score']['after']} "
            f"| {_signed(tt['score']['delta'], '{:+.4f}')} |",
            f"| prompt tokens | {_signed(tt['prompt_tokens']['before'], '{:,}')} "
            f"| {_signed(tt['prompt_tokens']['after'], '{:,}')} "
            f"| {_signed(tt['prompt_tokens']['delta'])} |",
            f"| cost (USD) | {_signed(tt['cost_usd']['before'], '{:.4f}')} "
            f"| {_signed(tt['cost_usd']['after'], '{:.4f}')} "
            f"| {_signed(tt['cost_usd']['delta'], '{:+.4f}')} |",
            "",
        ]
        moved = [r for r in cmp["cases"] if r["change"] != "same" or r.get("token_delta")]
        if moved:
            out += ["| case | change | score | prompt tokens |", "| --- | --- | --- | ---: |"]
            for r in moved:
                if r["change"] in ("new", "removed"):
                    out.append(f"| `{r['id']}` | {r['change']} | | |")
                    continue
                out.append(
                    f"| `{r['id']}` | {r['change']} | {r['score_before']:.2f} → "
                    f"{r['score_after']:.2f} | {_signed(r['token_delta'])} |"
                )
            out.append("")
        if cmp["text_changed"]:
            out += [
                f"{len(cmp['text_changed'])} drafts changed wording: "
                + ", ".join(f"`{i}`" for i in cmp["text_changed"][:20])
                + (" …" if len(cmp["text_changed"]) > 20 else ""),
                "",
            ]
    bad = [c for c in report["cases"] if c["status"] != "pass"]
    if bad:
        out += ["### Cases that did not pass", ""]
        for c in bad:
            out.append(
                f"- **{_MARK[c['status']]}** `{c['id']}` ({_plan_cell(c)}, score {c['score']:.2f})"
            )
            out += [f"  - {_md(line)}" for line in _failures(c)]
        out.append("")
    out += [
        "<details><summary>All cases</summary>",
        "",
        "| case | result | plan | send on | score | prompt tokens |",
        "| --- | --- | --- | --- | ---: | ---: |",
    ]
    for c in report["cases"]:
        tokens = "" if c["prompt_tokens"] is None else f"{c['prompt_tokens']:,}"
        out.append(
            f"| `{c['id']}` | {_MARK[c['status']]} | {_plan_cell(c)} | {c['send_on'] or '-'} "
            f"| {c['score']:.2f} | {tokens} |"
        )
    out += ["", "</details>", ""]
    return "\n".join(out)


def format_junit(report: dict[str, Any]) -> str:
    """JUnit XML: one testcase per case; xfail cases are skipped."""
    t = report["totals"]
    suites = ET.Element("testsuites", name="drafter eval")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"drafter eval {report['suite']}",
        tests=str(t["cases"]),
        failures=str(t["failed"]),
        errors=str(t["errors"]),
        skipped=str(t["xfailed"] + t["xpassed"] + t.get("skipped", 0)),
        time=f"{t['seconds']:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for key in ("mode", "model"):
        ET.SubElement(props, "property", name=key, value=str(report[key]))
    ET.SubElement(props, "property", name="fingerprint", value=report["fingerprint"]["id"])
    for c in report["cases"]:
        tc = ET.SubElement(
            suite,
            "testcase",
            classname=Path(c["file"]).stem,
            name=c["id"],
            time=f"{c['seconds']:.4f}",
        )
        lines = _failures(c)
        if c["status"] == "fail":
            ET.SubElement(tc, "failure", message=lines[0] if lines else "failed").text = "\n".join(
                lines
            )
        elif c["status"] == "error":
            ET.SubElement(tc, "error", message=c["error"] or "error").text = "\n".join(lines)
        elif c["status"] in ("xfail", "xpass"):
            ET.SubElement(tc, "skipped", message=f"{c['status']}: {c['xfail']}")
        elif c["status"] == "skipped":
            ET.SubElement(tc, "skipped", message=f"not run: {c['skipped']}")
        notes = [f"- {a['label']}: {a['detail']}" for a in c["assertions"] if a["passed"] is None]
        if notes:
            ET.SubElement(tc, "system-out").text = "skipped assertions:\n" + "\n".join(notes)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
