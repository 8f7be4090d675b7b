"""How fast the planner is: plans per second over generated deals.

Run: .venv/bin/python benchmarks/bench_plan.py [N]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

from drafter.context import DealContext
from drafter.plan.selector import make_plan
from drafter.playbook import load_playbook

TODAY = dt.date(2026, 11, 22)


def deals(n: int, seed: int = 1) -> list[DealContext]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        attempts = rng.randint(0, 6)
        last = TODAY - dt.timedelta(days=rng.randint(0, 20))
        first = last - dt.timedelta(days=rng.randint(0, 20))
        replied = rng.random() < 0.6
        history = {
            "attempts": attempts,
            "channels_tried": (
                rng.sample(["call", "email", "voicemail", "text"], k=2) if attempts else []
            ),
            "first_attempt": first.isoformat() if attempts else None,
            "last_attempt": last.isoformat() if attempts else None,
            "last_reply": (first - dt.timedelta(days=3)).isoformat() if replied else None,
        }
        out.append(
            DealContext.model_validate(
                {
                    "prospect": {"name": f"Prospect {i}", "company": "Acme"},
                    "deal": {
                        "stage": rng.choice(["engaged", "proposal"]) if replied else "cold",
                        "agreed_next_step": "pilot" if rng.random() < 0.5 else None,
                    },
                    "history": history,
                }
            )
        )
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    playbook = load_playbook()
    contexts = deals(n)
    start = time.perf_counter()
    counts: dict[str, int] = {}
    for ctx in contexts:
        technique = make_plan(ctx, playbook, TODAY).technique
        counts[technique] = counts.get(technique, 0) + 1
    elapsed = time.perf_counter() - start
    rate = f"{n / elapsed:,.0f} plans/s, {elapsed / n * 1e3:.2f} ms each"
    print(f"planned {n} deals in {elapsed:.2f} s ({rate})")
    print("techniques:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
