"""How well does ``drafter check`` judge real follow-ups it was not written from?

Runs the checker over tests/data/tone_corpus.yaml (real messages and phrases
from public sources, labelled by what each source says about them) and prints,
for the tuning part and the held-out part separately:

- recall on bad-clear: share of ``bad-clear`` records given at least one error;
- recall on all bad: share of ``bad-clear`` and ``bad-medium`` records given at
  least one error or warning;
- good given an error: share of ``good`` records given at least one error
  (a false alarm).

Each record is checked as a rep's own message would be (``drafter check``):
with its channel, its technique where it has one, as the subject line when it
is one. The technique's required moves are switched off (``--disable move``):
the records are mostly single sentences, and a sentence cannot make every move
of a whole message; moves are judged on whole messages by the other tests.
Suggestions (readability, plain words) never count.

    .venv/bin/python benchmarks/eval_tone.py [--rules-only] [--part tune|heldout]
        [--fold 0|1] [--misses] [--false-alarms] [--judge [--model M]]

With ``--judge``, each record is also put to the LLM judge, as ``drafter check
--judge`` does (one request per record, every category of the semantic layer
that applies; a "yes" is a warning ``judge:<category>``), and the figures are
printed with it, beside the judge's own hit rate on bad and good records,
the two error figures as they would be if its "yes" were an error, and
what it cost. It needs a model: OPENAI_API_KEY (or OPENAI_BASE_URL for any
OpenAI-compatible server), and ``--model`` or DRAFTER_MODEL (default
gpt-4o-mini). Replies are cached, so a second run asks nothing. For example:

    OPENAI_API_KEY=... .venv/bin/python benchmarks/eval_tone.py --judge --part heldout

Shape rules, exemplars and thresholds on the tuning part only; read the
held-out figures, do not tune on them.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from drafter.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "tone_corpus.yaml"


@dataclass
class Tally:
    clear: int = 0
    clear_hit: int = 0
    bad: int = 0
    bad_hit: int = 0
    good: int = 0
    good_error: int = 0
    good_warning: int = 0
    judge_clear: int = 0  # bad-clear records given an error or a judge's yes
    judge_good_error: int = 0  # good records given an error or a judge's yes
    judge_bad: int = 0  # bad records the judge said yes to (any category)
    judge_good: int = 0  # good records the judge said yes to
    judge_cost: float = 0.0
    judge_cached: int = 0
    judge_asked: int = 0
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    part = {s["id"]: s["part"] for s in data["sources"]}
    return [{**m, "part": part[m["source"]]} for m in data["messages"]]


def judge(
    record: dict[str, Any],
    *,
    rules_only: bool,
    runtime: Runtime | None = None,
    tally: Tally | None = None,
) -> tuple[bool, bool, list[str]]:
    """(any error, any error or warning, the rule ids) for one record; with a
    ``runtime``, the LLM judge's findings too (its usage added to ``tally``)."""
    from drafter.check.checker import check_message
    from drafter.context import Channel
    from drafter.settings import CheckSettings

    is_subject = record.get("field") == "subject"
    body = "" if is_subject else record["text"]
    subject = record["text"] if is_subject else None
    settings = CheckSettings(disable=["move"], min_level="warning")
    report = check_message(
        body,
        subject=subject,
        channel=Channel(record["channel"]),
        technique=record.get("technique"),
        settings=settings,
        semantic=not rules_only,
    )
    if runtime is not None:
        from drafter.judge import judge_check

        report, usage = judge_check(
            report,
            runtime,
            body=body,
            subject=subject,
            channel=record["channel"],
            technique=record.get("technique"),
            settings=settings,
        )
        if tally is not None and usage is not None:
            tally.judge_asked += 1
            tally.judge_cached += usage.cached
            tally.judge_cost += usage.cost_usd or 0.0
    levels = {v.severity for v in report.violations}
    return "error" in levels, bool(levels), [f"{v.severity}:{v.rule}" for v in report.violations]


def tally(
    records: list[dict[str, Any]], *, rules_only: bool, runtime: Runtime | None = None
) -> Tally:
    t = Tally()
    for r in records:
        error, flagged, ids = judge(r, rules_only=rules_only, runtime=runtime, tally=t)
        said_yes = any(i.split(":", 1)[1].startswith("judge:") for i in ids)
        t.judge_good += said_yes and r["label"] == "good"
        t.judge_bad += said_yes and r["label"] != "good"
        t.judge_clear += (error or said_yes) and r["label"] == "bad-clear"
        t.judge_good_error += (error or said_yes) and r["label"] == "good"
        line = f"{r['id']} [{r['label']}/{r['category']}] {r['text']!r} -> {', '.join(ids) or '-'}"
        if r["label"] == "good":
            t.good += 1
            t.good_error += error
            t.good_warning += flagged and not error
            if error:
                t.alarms.append(line)
            continue
        t.bad += 1
        t.bad_hit += flagged
        if r["label"] == "bad-clear":
            t.clear += 1
            t.clear_hit += error
            if not error:
                t.misses.append(line)
        elif not flagged:
            t.misses.append(line)
    return t


def fold(record: dict[str, Any]) -> int:
    """0 or 1, by a hash of the record's source: the two halves by source that
    ``calibrate_semantic.py --cv`` fits on and scores (a rule written from one
    half's misses is measured on the other)."""
    key = str(record.get("source") or record["id"])
    return hashlib.sha256(key.encode()).digest()[0] % 2


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n} of {d})" if d else "  n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules-only", action="store_true", help="without the semantic layer")
    ap.add_argument("--part", choices=("tune", "heldout"), help="only this part")
    ap.add_argument("--misses", action="store_true", help="list bad records not caught")
    ap.add_argument("--false-alarms", action="store_true", help="list good records given an error")
    ap.add_argument(
        "--fold",
        type=int,
        choices=(0, 1),
        help="only the tuning records whose source falls in this half (calibrate_semantic's fold)",
    )
    ap.add_argument("--judge", action="store_true", help="add the LLM judge (check --judge)")
    ap.add_argument("--model", help="the judge's model (with --judge)")
    args = ap.parse_args(argv)
    runtime = judge_runtime(args.model) if args.judge else None
    records = load_corpus()
    if args.fold is not None:
        records = [r for r in records if r["part"] == "tune" and fold(r) == args.fold]
    layers = "rules only" if args.rules_only else "rules + semantic layer"
    if runtime is not None:
        layers += f" + LLM judge ({runtime.settings.model_name})"
    print(f"tone corpus, {datetime.date.today().isoformat()}, {layers}")
    for part in ("tune", "heldout"):
        if args.part and part != args.part:
            continue
        t = tally(
            [r for r in records if r["part"] == part], rules_only=args.rules_only, runtime=runtime
        )
        print(f"\n{part}: {t.clear} bad-clear, {t.bad} bad, {t.good} good")
        print(f"  recall on bad-clear (error):           {pct(t.clear_hit, t.clear)}")
        print(f"  recall on all bad (error or warning):  {pct(t.bad_hit, t.bad)}")
        print(f"  good given an error:                   {pct(t.good_error, t.good)}")
        print(f"  (good given only a warning:            {pct(t.good_warning, t.good)})")
        if runtime is not None:
            print(f"  judge said yes to bad records:         {pct(t.judge_bad, t.bad)}")
            print(f"  judge said yes to good records:        {pct(t.judge_good, t.good)}")
            # The judge's findings are warnings; were its yes an error, these
            # would be the two error figures (what deciding that needs).
            print(f"  if its yes were an error: bad-clear    {pct(t.judge_clear, t.clear)}")
            print(f"  if its yes were an error: good         {pct(t.judge_good_error, t.good)}")
            print(
                f"  judge: {t.judge_asked} requests ({t.judge_cached} from the cache), "
                f"${t.judge_cost:.4f}"
            )
        if args.misses:
            print("  misses:", *t.misses, sep="\n    ")
        if args.false_alarms:
            print("  false alarms:", *t.alarms, sep="\n    ")
    return 0


def judge_runtime(model: str | None) -> Runtime:
    """The runtime ``drafter check --judge`` builds; exits 2 without a model."""
    from drafter.runtime import build_runtime
    from drafter.settings import load_settings

    settings = load_settings().with_llm(model=model)
    if not settings.llm_configured:
        print(
            "eval_tone.py: --judge needs an LLM: set OPENAI_API_KEY (or OPENAI_BASE_URL)",
            file=sys.stderr,
        )
        sys.exit(2)
    return build_runtime(settings)


if __name__ == "__main__":
    sys.exit(main())
