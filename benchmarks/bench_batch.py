"""How fast ``drafter batch`` is, and whether its memory stays flat.

Run: .venv/bin/python benchmarks/bench_batch.py [offline] [--sizes 1000,10000,100000]
     .venv/bin/python benchmarks/bench_batch.py llm [--rows 1000] [--concurrency 16] [--cold]
     .venv/bin/python benchmarks/bench_batch.py faults [--rows 1000] [--cold]

offline: generated CRM rows (varied like examples/prospects.csv) drafted end to
end by the real command (read, plan, draft, check, write CSV) in a fresh
process per size; prints rows/s and the peak resident memory of the largest
process (the parent or a worker), the command's CPU time a row (parent and
workers, start-up included) and the load average after the run.

llm: rows that all plan an email, drafted through the loopback stand-in server
(tests/standin.py) answering in 300 ms, against the ideal rows x 0.3 / concurrency;
also the command's own CPU time, which (unlike the wall) a loaded machine
does not inflate. The response cache starts empty (every row is a request);
the start-up cache (compiled rules, the semantic layer's banks: see ``drafter
cache path``) is warmed first by an untimed ``drafter check``, as any earlier
drafter command leaves it; ``--cold`` leaves it empty too (a first run ever).
faults: the same with 10% 500s and 2% dropped connections (50 ms a request):
every row must come out exactly once, none as an error.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
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
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        parent, workers = _watch_peaks(proc)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        if proc.returncode not in (0, 1):
            raise SystemExit(proc.stderr.read() if proc.stderr else proc.returncode)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        written = sum(1 for _ in csv.reader(out.open(encoding="utf-8", newline=""))) - 1
        assert written == n, (written, n)
        print(f"{n} {seconds:.3f} {peak} {parent} {workers} {cpu:.3f}")


def _hwm(pid: int) -> int:
    """A live process's peak resident memory so far (VmHWM, KiB); 0 once gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _watch_peaks(proc: subprocess.Popen[str]) -> tuple[int, int]:
    """Wait for ``proc``; the peak RSS (KiB) of the parent and of its largest
    worker, read from /proc every 50 ms (0 where /proc is not there)."""
    parent = workers = 0
    while proc.poll() is None:
        parent = max(parent, _hwm(proc.pid))
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children", encoding="ascii") as handle:
                children = [int(p) for p in handle.read().split()]
        except OSError:
            children = []
        for child in children:
            workers = max(workers, _hwm(child))
        time.sleep(0.05)
    if proc.stderr is not None:
        proc.stderr.read()
    return parent, workers


def _spin(_: int = 0) -> float:
    """A fixed piece of interpreter work (dicts, strings, ints); its CPU seconds."""
    started = time.process_time()
    seen: dict[str, int] = {}
    for i in range(3_000_000):
        key = f"k{i % 5003}"
        seen[key] = seen.get(key, 0) + (i * i) % 7
    return time.process_time() - started


def machine_scaling() -> str:
    """How much two processes get done at once, against one alone, on this
    machine now: a pure-Python loop run alone, then twice at the same time.
    2.0 is two full cores; a virtual machine whose two cores share one physical
    core, or a busy host, gives less, and the batch's rows/s with it."""
    import multiprocessing

    alone = min(_spin() for _ in range(2))
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        started = time.perf_counter()
        pool.map(_spin, [0, 1])
        both = time.perf_counter() - started
    return (
        f"this machine now: a CPU-bound Python loop takes {alone:.2f} s alone, two at once "
        f"{both:.2f} s: two processes do {2 * alone / both:.2f}x the work of one"
    )


def offline(sizes: list[int], workers: int | None) -> None:
    print(
        f"drafter batch, offline, CSV out; {len(_cores())} cores; Python {sys.version.split()[0]}"
    )
    print(machine_scaling())
    # peak RSS: the largest process (the parent or a worker); then each apart
    # (read from /proc while the command runs; the last ~50 ms can be missed)
    # CPU: the command's own (parent and workers, start-up included) a row,
    # which (unlike the wall) other load on the machine barely changes
    print(
        f"{'rows':>8} {'seconds':>9} {'rows/s':>8} {'peak RSS':>10} {'parent':>8} {'worker':>8}"
        f" {'CPU/row':>9}  load"
    )
    for n in sizes:
        args = [sys.executable, __file__, "--one", str(n)]
        if workers:
            args += ["--workers", str(workers)]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()
        rows, seconds, peak = int(out[0]), float(out[1]), int(out[2])
        parent, worker = int(out[3]) / 1024, int(out[4]) / 1024
        cpu = float(out[5]) / rows * 1000
        print(
            f"{rows:>8} {seconds:>9.2f} {rows / seconds:>8,.0f} {peak / 1024:>8.0f} MB "
            f"{parent:>5.0f} MB {worker:>5.0f} MB {cpu:>6.2f} ms  {os.getloadavg()[0]:.1f}"
        )
    print(machine_scaling())


def message_rows(path: Path, n: int) -> None:
    """Rows that all plan a message (a stay-or-go email), each one different."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Record ID", "Full Name", "Company Name", "Email Address", "Deal Stage",
                         "Amount", "Benefits", "Attempts", "Channels Tried", "First Attempt",
                         "Last Attempt", "Last Reply"])  # fmt: skip
        for i in range(n):
            writer.writerow([f"L-{i}", f"Prospect{i} Example", f"Company {i}",
                             f"p{i}@example.com", "engaged", str(10_000 + i),
                             f"cut costs by {i % 9 + 2} percent", "3", "email;voicemail",
                             "2026-11-06", "2026-11-16", "2026-11-03"])  # fmt: skip


def llm(
    n: int, concurrency: int, latency: float, fail_500: float, drop: float, *, cold: bool = False
) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.standin import StandIn

    with (
        tempfile.TemporaryDirectory() as tmp,
        StandIn(latency=latency, fail_500=fail_500, drop=drop, seed=11) as standin,
    ):
        source = Path(tmp) / "in.csv"
        message_rows(source, n)
        out = Path(tmp) / "out.jsonl"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
        _compile_drafter()
        env |= {"OPENAI_BASE_URL": standin.url, "OPENAI_API_KEY": "sk-bench",
                "DRAFTER_CACHE_DIR": str(Path(tmp) / "cache"),
                "DRAFTER_SENDER_NAME": "Dana Reyes"}  # fmt: skip
        if not cold:
            # The start-up cache (compiled rules, the semantic layer's banks) as
            # any earlier drafter command on this machine leaves it; the response
            # cache stays empty, so every row is a request. --cold: both empty.
            subprocess.run([sys.executable, "-m", "drafter", "check", "-", "--channel", "email"],
                           input="Hi Sam, any news on the pilot?", text=True, env=env,
                           capture_output=True, check=True)  # fmt: skip
        command = [sys.executable, "-m", "drafter", "batch", str(source), "--out", str(out),
                   "--today", TODAY.isoformat(), "--model", "gpt-4o-mini",
                   "--concurrency", str(concurrency)]  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        keys = [r["key"] for r in records]
        errors = [r for r in records if r["status"] == "error"]
        ideal = n * latency / concurrency
        print(f"LLM path: {n} rows, concurrency {concurrency}, {latency * 1000:.0f} ms a request, "
              f"faults {fail_500:.0%} 500s + {drop:.0%} dropped connections; start-up cache "
              f"{'empty (--cold)' if cold else 'warm'}, response cache empty")  # fmt: skip
        print(f"  wall {seconds:.2f} s (whole command, start-up included); ideal "
              f"{ideal:.2f} s; ratio {seconds / ideal:.3f}")  # fmt: skip
        # The command's own CPU (start-up included) and its share of the wall:
        # a share well under 1 with the ratio well over 1 means the machine's
        # other load, not drafter, held the run back.
        print(f"  drafter CPU {cpu:.2f} s ({cpu / n * 1000:.1f} ms a row, start-up included), "
              f"{cpu / seconds:.0%} of the wall; load average "
              f"{os.getloadavg()[0]:.1f} on {len(_cores())} cores")  # fmt: skip
        print(f"  requests served {standin.served}, sent {len(standin.requests)}; records "
              f"{len(records)}, distinct {len(set(keys))}, errors {len(errors)}; exit "
              f"{proc.returncode}")  # fmt: skip


def _compile_drafter() -> None:
    """drafter's bytecode, as an installed package has it (pip compiles it on
    install): where PYTHONDONTWRITEBYTECODE is set (some sandboxes set it),
    an editable install would otherwise compile every module at each start."""
    import drafter

    package = Path(drafter.__file__).resolve().parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def _cores() -> set[int]:
    import os

    return os.sched_getaffinity(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", default="offline", choices=["offline", "llm", "faults"])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--cold", action="store_true", help="LLM modes: empty start-up cache")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_offline(args.one, args.workers)
        return
    if args.mode == "llm":
        llm(args.rows, args.concurrency, 0.3, 0.0, 0.0, cold=args.cold)
    elif args.mode == "faults":
        llm(args.rows, args.concurrency, 0.05, 0.10, 0.02, cold=args.cold)
    else:
        offline([int(s) for s in args.sizes.split(",")], args.workers)


if __name__ == "__main__":
    main()
