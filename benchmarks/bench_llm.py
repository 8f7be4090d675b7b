"""What an LLM draft costs before it is sent, and what the LLM layer costs at start-up.

1. Prompt tokens per technique: every example deal in ``examples/`` drafted on
   every channel its technique offers (forced), the first request's messages
   rendered as they would be sent, counted offline (the model's encoding when
   tiktoken has it locally, else cl100k_base, an estimate: the column says which).
2. Cost per 1,000 drafts at the default model's list price, with the reply
   estimated at the length of the playbook's own draft for the same deal
   (a first request only; each repair round re-sends the conversation).
3. Cold start of ``drafter draft --offline`` and ``drafter check`` (median wall
   time of several runs), and whether ``openai`` was imported.

No request is made. Run from the project root:

    .venv/bin/python benchmarks/bench_llm.py [--runs 7] [--model gpt-4o-mini]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prompt_figures(model: str) -> None:
    from pydantic import SecretStr

    from drafter.context import Channel
    from drafter.draft.base import DraftRequest
    from drafter.draft.llm.cost import estimate_cost
    from drafter.draft.llm.prompt import build_messages
    from drafter.draft.llm.tokens import count_text, encoding_for
    from drafter.draft.pipeline import resolve_sender
    from drafter.inputs import load_context
    from drafter.plan.selector import make_plan
    from drafter.runtime import build_runtime
    from drafter.settings import load_settings

    settings = load_settings(env={}).with_overrides(api_key=SecretStr("unused"))
    settings = settings.with_llm(model=model)
    runtime = build_runtime(settings)
    prompts: dict[str, list[int]] = defaultdict(list)
    replies: list[int] = []
    for file in sorted((ROOT / "examples").glob("*.yaml")):
        ctx = load_context(str(file), runtime.playbook)
        today = ctx.today or dt.date(2026, 11, 23)
        first = make_plan(ctx, runtime.playbook, today)
        if first.channel is None:
            continue
        technique = runtime.playbook.get(first.technique)
        for channel in technique.channels:
            plan = make_plan(
                ctx, runtime.playbook, today, technique=technique.id, channel=Channel(channel)
            )
            assert plan.channel is not None
            who = resolve_sender(ctx, runtime, None)
            request = DraftRequest(ctx, plan, who, plan.technique, plan.channel, plan.send_on)
            reference = runtime.template_writer().render(request)
            _, tokens, _ = build_messages(
                request,
                technique=technique,
                rules=runtime.rules,
                prompts_dir=runtime.prompts_dir,
                model=model,
                budget=settings.llm.prompt_budget,
                reference=reference,
            )
            prompts[technique.id].append(tokens)
            replies.append(
                count_text(f'{{"subject": "{reference[0]}", "body": "{reference[1]}"}}', model)
            )
    _, exact = encoding_for(model)
    label = "exact" if exact else "estimate (cl100k_base)"
    every = [t for ts in prompts.values() for t in ts]
    print(f"prompt tokens per technique, model {model}, count: {label}")
    print(f"{'technique':<24}{'drafts':>7}{'median':>8}{'max':>6}")
    for technique, tokens in sorted(prompts.items()):
        print(f"{technique:<24}{len(tokens):>7}{statistics.median(tokens):>8.0f}{max(tokens):>6}")
    print(f"{'all':<24}{len(every):>7}{statistics.median(every):>8.0f}{max(every):>6}")
    reply = statistics.median(replies)
    cost = estimate_cost(model, int(statistics.median(every)), int(reply), settings.llm.prices)
    if cost is None:
        print(f"no price known for {model}: add one under [llm.prices] in drafter.toml")
    else:
        print(
            f"cost per 1,000 first drafts at {model} list price: ${cost * 1000:.3f} "
            f"(median prompt {statistics.median(every):.0f} tokens, reply ~{reply:.0f} tokens)"
        )


def cold_start(runs: int) -> None:
    example = str(ROOT / "examples" / "rescue_call.yaml")
    message = str(ROOT / "examples" / "messages" / "just_checking_in.txt")
    for label, args in (
        ("drafter draft --offline", ["draft", example, "--offline"]),
        ("drafter check", ["check", message]),
    ):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "drafter", *args], capture_output=True, check=False
            )
            times.append(time.perf_counter() - started)
        probe = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "drafter", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        imported = " openai" in probe.stderr or "| openai" in probe.stderr
        print(
            f"{label:<26} median {statistics.median(times) * 1000:.0f} ms over {runs} runs; "
            f"openai imported: {'yes' if imported else 'no'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--model", default="gpt-4o-mini")
    args = parser.parse_args()
    prompt_figures(args.model)
    cold_start(args.runs)


if __name__ == "__main__":
    main()
