"""How fast ``drafter batch`` is, and whether its memory stays flat.

Run: .venv/bin/python benchmarks/bench_batch.py [offline] [--sizes 1000,10000,100000]

offline: generated CRM rows (varied like examples/prospects.csv) drafted end to
end by the real command (read, plan, draft, check, write CSV) in a fresh
process per size; prints rows/s and the peak resident memory of the largest
process (the parent or a worker).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TODAY = dt.date(2026, 11, 23)
HEADER = [
    "Record ID", "Full Name", "Job Title", "Company Name", "Email Address", "Phone",
    "Mailing Address", "Role", "Preferred Channel", "Away Until", "Deal Stage", "Amount",
    "Agreed Next Step", "Benefits", "News", "Notes", "Attempts", "Channels Tried",
    "First Attempt", "Last Attempt", "Last Reply", "Last Technique",
]  # fmt: skip
CHANNELS = ["call", "email", "voicemail", "text"]


def row(i: int, rng: random.Random) -> list[str]:
    attempts = rng.randint(0, 6)
    last = TODAY - dt.timedelta(days=rng.randint(1, 20))
    first = last - dt.timedelta(days=rng.randint(0, 14))
    replied = rng.random() < 0.6
    stage = rng.choice(["engaged", "proposal"]) if replied else "cold"
    value = rng.choice(["", "45000", "$180,000.00", "2400000 USD"])
    return [
        f"D-{i}",
        f"Prospect{i} Example",
        rng.choice(["", "VP Operations", "CIO"]),
        f"Company {i % 997}",
        f"p{i}@example.com" if rng.random() < 0.8 else "",
        "+1 303 555 0101" if rng.random() < 0.5 else "",
        "1 Main St, Denver CO" if rng.random() < 0.3 else "",
        rng.choice(["decision_maker", "influencer", "unknown"]),
        rng.choice(["", "", "email", "phone"]),
        (TODAY + dt.timedelta(days=5)).isoformat() if rng.random() < 0.05 else "",
        stage,
        value,
        "review the pilot plan with your CFO" if rng.random() < 0.5 else "",
        "cut onboarding time in half;see every store's stock" if rng.random() < 0.6 else "",
        "a case study from a firm like theirs" if rng.random() < 0.3 else "",
        '=HYPERLINK("http://x.example")' if rng.random() < 0.02 else "liked the demo",
        str(attempts),
        ";".join(rng.sample(CHANNELS, k=min(attempts, rng.randint(1, 3)))) if attempts else "",
        first.isoformat() if attempts else "",
        last.isoformat() if attempts else "",
        (first - dt.timedelta(days=3)).isoformat() if replied else "",
        "",
    ]


def write_csv(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(n):
            writer.writerow(row(i, rng))


def one_offline(n: int, workers: int | None) -> None:
    """Child mode: run the command once; print seconds and peak RSS (KiB)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.csv"
        write_csv(source, n)
        out = Path(tmp) / "out.csv"
        command = [sys.executable, "-m", "drafter", "batch", str(source), "--out", str(out),
                   "--today", TODAY.isoformat(), "--sender-name", "Dana Reyes",
                   "--sender-phone", "+1 416 555 0199"]  # fmt: skip
        if workers:
            command += ["--workers", str(workers)]
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            raise SystemExit(proc.stderr)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        written = sum(1 for _ in csv.reader(out.open(encoding="utf-8", newline=""))) - 1
        assert written == n, (written, n)
        print(f"{n} {seconds:.3f} {peak}")


def offline(sizes: list[int], workers: int | None) -> None:
    print(
        f"drafter batch, offline, CSV out; {len(_cores())} cores; Python {sys.version.split()[0]}"
    )
    print(f"{'rows':>8} {'seconds':>9} {'rows/s':>8} {'peak RSS':>10}")
    for n in sizes:
        args = [sys.executable, __file__, "--one", str(n)]
        if workers:
            args += ["--workers", str(workers)]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()
        rows, seconds, peak = int(out[0]), float(out[1]), int(out[2])
        print(f"{rows:>8} {seconds:>9.2f} {rows / seconds:>8,.0f} {peak / 1024:>8.0f} MB")


def _cores() -> set[int]:
    import os

    return os.sched_getaffinity(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", default="offline", choices=["offline"])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_offline(args.one, args.workers)
        return
    offline([int(s) for s in args.sizes.split(",")], args.workers)


if __name__ == "__main__":
    main()
