"""Run every benchmark in benchmarks/ and print one table.

Every ``benchmarks/bench_*.py`` is run in its own process, from the project
root, with the arguments below (none for a script not listed, so a new
benchmark is picked up without changing this file). Each line a script prints
becomes a row; where a project target is known for a figure, the row says the
target and whether the figure meets it. The machine (cores, Python, CPU
architecture) and its load are printed first: on a busy machine, wall times
grow and CPU times do not, so read both where a script gives both.

Run from the project root:

    .venv/bin/python benchmarks/run_all.py            # everything, full sizes
    .venv/bin/python benchmarks/run_all.py --quick    # smaller sizes, a first look
    .venv/bin/python benchmarks/run_all.py --only check,plan --markdown out.md

Exit status: 0 when every script ran (a missed target is reported, not an
error), 1 when a script failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

# The arguments each known script is run with: (full, quick).
ARGS: dict[str, tuple[list[str], list[str]]] = {
    "bench_check": (["--checks", "10000", "--runs", "7"], ["--checks", "2000", "--runs", "3"]),
    "bench_plan": (["10000"], ["2000"]),
    "bench_llm": (["--runs", "7"], ["--runs", "3"]),
    "bench_batch": (["--sizes", "1000,10000,100000"], ["--sizes", "1000,10000"]),
    "bench_eval": (["5", "--growth", "1,5"], ["2"]),
}


@dataclass(frozen=True)
class Target:
    """A project target: the lines it applies to, the words, and the test."""

    script: str
    line: re.Pattern[str]
    words: str
    met: Callable[[re.Match[str]], bool]


def _num(text: str) -> float:
    return float(text.replace(",", ""))


TARGETS = [
    Target(
        "bench_check",
        re.compile(r"in-process(?: \(rules only\))?: 10,000 checks .*?in ([\d.]+) s"),
        "10,000 checks < 2 s (rules)",
        lambda m: _num(m[1]) < 2.0,
    ),
    Target(
        "bench_check",
        re.compile(r"in-process \(rules \+ semantic\): 10,000 checks .*?in ([\d.]+) s"),
        "10,000 checks < 3 s (both layers)",
        lambda m: _num(m[1]) < 3.0,
    ),
    Target(
        "bench_check",
        re.compile(r"cold start: .*?--channel \w+\): median (\d+) ms"),
        "< 600 ms wall (both layers)",
        lambda m: _num(m[1]) < 600,
    ),
    Target(
        "bench_check",
        re.compile(r"cold start: .*?--rules-only\): median (\d+) ms"),
        "< 350 ms wall (--rules-only)",
        lambda m: _num(m[1]) < 350,
    ),
    Target(
        "bench_check",
        re.compile(r"imported openai: (\w+)"),
        "openai not imported",
        lambda m: m[1] == "no",
    ),
    Target(
        "bench_llm",
        re.compile(r"^all\s+\d+\s+(\d+)\s+\d+"),
        "median prompt < 900 tokens",
        lambda m: _num(m[1]) < 900,
    ),
    Target(
        "bench_llm",
        re.compile(r"cost per 1,000 first drafts .*?: \$([\d.]+)"),
        "< $0.30 per 1,000 drafts",
        lambda m: _num(m[1]) < 0.30,
    ),
    Target(
        "bench_llm",
        re.compile(r"openai imported: (\w+)"),
        "openai not imported",
        lambda m: m[1] == "no",
    ),
    Target(
        "bench_batch",
        re.compile(r"^\s*10000\s+[\d.]+\s+([\d,]+)\s"),
        ">= 2,000 rows/s at 10,000 rows",
        lambda m: _num(m[1]) >= 2000,
    ),
    Target(
        "bench_eval",
        re.compile(r"in process: (\d+) cases in ([\d.]+) s"),
        "40+ cases < 5 s",
        lambda m: int(m[1]) >= 40 and _num(m[2]) < 5,
    ),
]


@dataclass
class Row:
    script: str
    figure: str
    target: str = ""
    verdict: str = ""


def machine() -> str:
    cores = os.cpu_count() or 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cores} cores (nproc), Python {platform.python_version()}, {platform.machine()}, "
        f"{platform.system()} {platform.release()}; load average {load} (1, 5, 15 min)"
    )


def run_script(path: Path, quick: bool) -> tuple[list[Row], float, float, int, str]:
    """(rows, wall seconds, CPU seconds of the script and its children, exit, stderr)."""
    full, small = ARGS.get(path.stem, ([], []))
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(path), *(small if quick else full)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    seconds = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    rows = []
    for line in done.stdout.splitlines():
        if not line.strip():
            continue
        row = Row(path.stem, line.rstrip())
        for target in TARGETS:
            if target.script == path.stem and (found := target.line.search(line)):
                row.target = target.words
                row.verdict = "met" if target.met(found) else "MISSED"
        rows.append(row)
    return rows, seconds, cpu, done.returncode, done.stderr.strip()


def table(rows: list[Row], *, header: bool = True) -> str:
    lines = (
        ["| benchmark | figure | target | verdict |", "| --- | --- | --- | --- |"] if header else []
    )
    for row in rows:
        figure = row.figure.replace("|", "\\|")
        figure = f"`{figure}`" if "  " in figure else figure  # keep columns of a sub-table
        lines.append(f"| {row.script} | {figure} | {row.target} | {row.verdict} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    parser.add_argument("--only", help="comma-separated names, e.g. check,plan")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {f"bench_{name.strip().removeprefix('bench_')}" for name in args.only.split(",")}
        scripts = [s for s in scripts if s.stem in wanted]
    header = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}"
    print(header, flush=True)
    rows: list[Row] = []
    failed = []
    for script in scripts:
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        found, seconds, cpu, code, stderr = run_script(script, args.quick)
        found.append(
            Row(script.stem, f"(whole script: {seconds:.0f} s wall, {cpu:.0f} s CPU, exit {code})")
        )
        if code != 0:
            failed.append(script.name)
            found.append(Row(script.stem, f"FAILED: {stderr.splitlines()[-1] if stderr else ''}"))
        # Each script's rows as soon as it finishes: a long run shows progress,
        # and an interrupted one keeps what was measured.
        print(table(found, header=not rows), flush=True)
        rows += found
    text = table(rows)
    print(f"after: load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.markdown:
        args.markdown.write_text(f"{header}\n\n{text}\n", encoding="utf-8")
    missed = sum(1 for r in rows if r.verdict == "MISSED")
    print(
        f"{len(scripts)} scripts, {missed} figure(s) missing a target, failed: {failed or 'none'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
