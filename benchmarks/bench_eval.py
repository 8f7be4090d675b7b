"""Speed of the offline eval suite: in process, and as a cold command.

Usage: .venv/bin/python benchmarks/bench_eval.py [RUNS]
Prints figures; asserts nothing (speed targets are checked by reading these).
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


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
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


if __name__ == "__main__":
    main()
