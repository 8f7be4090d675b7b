"""Speed of the offline eval suite: in process, and as a cold command.

Usage: .venv/bin/python benchmarks/bench_eval.py [RUNS] [--growth 1,5]
Prints figures; asserts nothing (speed targets are checked by reading these).

``--growth 1,5`` also runs the suite copied 1 and 5 times over (case ids made
unique, ``context_file`` paths kept pointing at examples/) and prints cases,
seconds and ms a case for each, in process: the time should grow linearly.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copied_suite(times: int, into: Path) -> Path:
    """The evals/ suite ``times`` times over, in ``into``."""
    import yaml

    for source in sorted((ROOT / "evals").glob("*.yaml")):
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        for k in range(times):
            copy = dict(data)
            if k:
                copy.pop("pass_rate", None)  # a suite sets it once
            copy["cases"] = []
            for case in data.get("cases", []):
                case = dict(case, id=f"{case['id']}-x{k}")
                if "context_file" in case:
                    case["context_file"] = str((source.parent / case["context_file"]).resolve())
                copy["cases"].append(case)
            (into / f"{source.stem}-x{k}.yaml").write_text(yaml.safe_dump(copy), "utf-8")
    return into


def growth(factors: list[int]) -> None:
    from drafter.eval.run import EvalOptions
    from drafter.eval.session import run_eval

    for factor in factors:
        suite = copied_suite(factor, Path(tempfile.mkdtemp()))
        opts = EvalOptions(suite=suite, offline=True)
        started = time.perf_counter()
        report = run_eval(opts, clock=dt.date.today())
        seconds = time.perf_counter() - started
        cases = report["totals"]["cases"]
        print(
            f"growth: {cases} cases in {seconds:.2f} s ({seconds / cases * 1000:.1f} ms a case; "
            f"suite x{factor})",
            flush=True,
        )


def main() -> None:
    args = sys.argv[1:]
    factors: list[int] = []
    if "--growth" in args:
        at = args.index("--growth")
        factors = [int(x) for x in args[at + 1].split(",")]
        del args[at : at + 2]
    runs = int(args[0]) if args else 5
    os.environ["DRAFTER_CACHE_DIR"] = tempfile.mkdtemp()
    from drafter.eval.run import EvalOptions
    from drafter.eval.session import run_eval

    opts = EvalOptions(suite=ROOT / "evals", offline=True)
    report = run_eval(opts, clock=dt.date.today())  # warm: rules, templates, regexes
    cases = report["totals"]["cases"]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run_eval(opts, clock=dt.date.today())
        times.append(time.perf_counter() - started)
    print(
        f"in process: {cases} cases in {statistics.median(times):.2f} s median of {runs} "
        f"({statistics.median(times) / cases * 1000:.1f} ms a case)"
    )
    walls, cpus = [], []
    for _ in range(runs):
        before = os.times()
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "drafter", "eval", str(ROOT / "evals"), "--offline"],
            capture_output=True,
            text=True,
            check=False,
        )
        walls.append(time.perf_counter() - started)
        after = os.times()
        cpus.append(
            after.children_user
            + after.children_system
            - before.children_user
            - before.children_system
        )
    print(
        "cold command: `python -m drafter eval evals --offline` median "
        f"{statistics.median(walls):.2f} s "
        f"wall, {statistics.median(cpus):.2f} s CPU, of {runs} (exit {done.returncode}; "
        "wall includes waiting for a busy machine)"
    )
    if factors:
        growth(factors)


if __name__ == "__main__":
    main()
