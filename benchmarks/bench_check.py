"""How fast is ``drafter check``?

1. In-process: 10,000 calls of ``check_message`` on typical follow-ups, rules
   only and then with the semantic layer (the
   messages of tests/data/tone_labelled.yaml of 40-130 words, then of 70-130
   words, each with its channel, technique and subject), rules loaded once.
   Then the same 70-130-word messages with a long s (``ſ``) added (a tenth as
   many checks): a character ``re.IGNORECASE`` takes for an ASCII letter is
   folded to it before the shortcuts (see RuleSet.prepare), which costs little.
   The semantic layer keeps each sentence's verdict (drafts of one template
   share most sentences), so these cycles through a few messages mostly hit
   that memo; "every sentence new" empties it before each check, which is the
   cost of a message the layer has never seen.
2. Cold start: wall time of ``python -m drafter check - < msg.txt`` with
   ``--rules-only`` and with both layers (median of several runs), and whether
   ``openai`` was imported on the way
   (``python -X importtime``); first with the compiled rules and embedded
   exemplars in the cache folder (every run after the first), then with an
   empty cache folder each run (the first run after an install or a playbook edit).
   One unmeasured run comes first, and the runs may write bytecode even where
   ``PYTHONDONTWRITEBYTECODE`` is set, as an installed package has it.

3. With ``--memory 1000,20000,100000``: instead, for each size in a fresh
   process, that many checks (both layers) of the typical messages, each made
   unique as a batch's rows are (its own name, address and reference), and the
   process's peak resident memory: the caches must stay bounded.

Run from the project root:

    .venv/bin/python benchmarks/bench_check.py [--checks 10000] [--runs 7]
    .venv/bin/python benchmarks/bench_check.py --memory 1000,20000,100000
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "tone_labelled.yaml"


def typical_messages(low: int = 40, high: int = 130) -> list[dict[str, Any]]:
    from drafter.check.readability import measure

    messages = yaml.safe_load(DATA.read_text(encoding="utf-8"))["messages"]
    return [m for m in messages if low <= measure(m["body"]).words <= high]


def load_once() -> None:
    from drafter.check.rules import load_rules

    started = time.perf_counter()
    load_rules()
    print(f"rules loaded and compiled once in {(time.perf_counter() - started) * 1000:.0f} ms")


def in_process(
    checks: int,
    pool: list[dict[str, Any]],
    label: str = "typical messages",
    *,
    semantic: bool = True,
    memo: bool = True,
) -> None:
    from drafter.check.checker import _semantic_layer, check_message
    from drafter.check.readability import measure
    from drafter.check.rules import load_rules
    from drafter.check.semantic import SENTENCE_MEMO, Memo
    from drafter.context import Channel

    layer = _semantic_layer(load_rules()) if semantic else None  # the one check_message uses

    calls = [(m["body"], Channel(m["channel"]), m.get("technique"), m.get("subject")) for m in pool]
    words = statistics.mean(measure(m["body"]).words for m in pool)
    for body, channel, technique, subject in calls:  # warm the per-channel rule selection
        check_message(body, channel=channel, technique=technique, subject=subject)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(checks):
        body, channel, technique, subject = calls[i % len(calls)]
        if layer is not None and not memo:
            layer._memo = Memo(SENTENCE_MEMO)  # every sentence new to the layer
        check_message(
            body, channel=channel, technique=technique, subject=subject, semantic=semantic
        )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    layers = (
        ("rules + semantic" if memo else "rules + semantic, every sentence new")
        if semantic
        else "rules only"
    )
    print(
        f"in-process ({layers}): {checks:,} checks of {len(pool)} {label} "
        f"(mean {words:.0f} words) in {elapsed:.2f} s = {elapsed / checks * 1e6:.0f} µs per check "
        f"(CPU {cpu:.2f} s)"
    )


def cold_start(runs: int, *flags: str, empty_cache: bool = False) -> None:
    pool = typical_messages()
    message = min(pool, key=lambda m: abs(len(m["body"].split()) - 80))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "msg.txt"
        path.write_text(message["body"], encoding="utf-8")
        command = [
            *(sys.executable, "-m", "drafter", "check", "-", "--channel", message["channel"]),
            *flags,
        ]
        times, cpu = [], []
        # As installed: pip compiles a package's bytecode when it installs it,
        # and an editable checkout writes it on its first run. With
        # PYTHONDONTWRITEBYTECODE set (some sandboxes set it) every start would
        # compile drafter's own modules from source again (about 70 ms).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        with path.open("rb") as stdin:  # unmeasured: writes the bytecode (and fills the cache)
            subprocess.run(command, stdin=stdin, capture_output=True, cwd=tmp, env=env)
        for run in range(runs):
            if empty_cache:  # nothing compiled yet: a fresh cache folder each run
                env["DRAFTER_CACHE_DIR"] = str(Path(tmp) / f"cache-{run}")
            with path.open("rb") as stdin:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                subprocess.run(
                    command, stdin=stdin, capture_output=True, cwd=tmp, check=False, env=env
                )
                times.append(time.perf_counter() - started)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        with path.open("rb") as stdin:
            traced = subprocess.run(
                [sys.executable, "-X", "importtime", *command[1:]],
                stdin=stdin,
                capture_output=True,
                cwd=tmp,
                check=False,
            )
    imported = traced.stderr.decode("utf-8", "replace")
    modules = {line.rsplit("|", 1)[-1].strip() for line in imported.splitlines() if "|" in line}
    heavy = sorted(m for m in modules if m.split(".")[0] in ("openai", "httpx", "tiktoken"))
    print(
        f"cold start: python -m drafter check - < msg.txt ({len(message['body'].split())} words, "
        f"--channel {' '.join((message['channel'], *flags))}"
        f"{', empty cache folder' if empty_cache else ''}): "
        f"median {statistics.median(times) * 1000:.0f} ms "
        f"over {runs} runs (min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms); "
        f"CPU time (user + system) median {statistics.median(cpu) * 1000:.0f} ms"
    )
    print(
        f"imported openai: {'yes' if 'openai' in modules else 'no'}"
        + (f" ({heavy})" if heavy else "")
    )


def unique_checks(n: int) -> None:
    """Child mode: n checks of messages made unique; print CPU and peak RSS."""
    from drafter.check.checker import check_message
    from drafter.context import Channel

    pool = typical_messages()
    started = time.process_time()
    for i in range(n):
        m = pool[i % len(pool)]
        body = (
            f"Hi Prospect{i},\n\n{m['body']}\n\nRef D-{i}: Prospect{i} Example, p{i}@example.com."
        )
        check_message(
            body,
            channel=Channel(m["channel"]),
            technique=m.get("technique"),
            subject=m.get("subject"),
        )
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memory: {n:,} checks of unique messages (both layers): CPU {cpu:.1f} s "
        f"({cpu / n * 1e6:.0f} µs per check), peak RSS {peak:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--checks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--memory", help="comma-separated sizes, e.g. 1000,20000,100000")
    parser.add_argument("--one-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_memory:
        unique_checks(args.one_memory)
        return
    if args.memory:
        print(
            f"python {sys.version.split()[0]} on {sys.platform}, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        for size in args.memory.split(","):
            subprocess.run([sys.executable, __file__, "--one-memory", size], check=True)
        return
    print(
        f"python {sys.version.split()[0]} on {sys.platform}, load average {os.getloadavg()[0]:.1f}"
    )
    load_once()
    for semantic in (False, True):
        in_process(args.checks, typical_messages(), semantic=semantic)
        in_process(args.checks, typical_messages(70, 130), semantic=semantic)
    in_process(args.checks, typical_messages(70, 130), memo=False)
    folded = [{**m, "body": m["body"] + " Thanks, Ro\u017fa"} for m in typical_messages(70, 130)]
    in_process(args.checks // 10, folded, "messages with a long s")
    for empty_cache in (False, True):
        cold_start(args.runs, "--rules-only", empty_cache=empty_cache)
        cold_start(args.runs, empty_cache=empty_cache)


if __name__ == "__main__":
    main()
