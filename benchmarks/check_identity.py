"""Does a change to the checker leave every finding as it was?

Checks many messages every way the checker can be asked, and writes each
report (``CheckReport.model_dump(mode="json")``, so every violation's rule,
level, span, message, suggestion and position, and the stats) as one JSON
line, then prints how many reports and a digest of them all. Run it on two
versions and compare the digests (or ``diff`` the files):

    .venv/bin/python benchmarks/check_identity.py --out /tmp/after.jsonl
    git archive main src playbook | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before/src .venv/bin/python benchmarks/check_identity.py --out /tmp/before.jsonl

The messages: every record of ``tests/data/tone_corpus.yaml`` (as a body, or
as the subject line when it is one), every message of ``tone_labelled.yaml``
and ``tone_review.yaml``; then each labelled message upper-cased, with curly
quotes, with a long s and a dotted capital I, with CRLF line ends, with a
capital sigma, and with its lines shuffled; and 400 messages made of random
sentences of all of these, some with a name standing in several places. Each
is checked rules only and with both layers, and again (as a batch checks its
drafts) with names allowed, a recipient and the names for the semantic layer,
with moves as advice, and with ``min_level="warning"`` and two rules disabled.
Every message is checked twice in a row, so that a cached answer is compared
too. The reports are the contract: any change to one is a change of output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
NAMES = ("Sam Ito", "Sam", "Urgent Care Partners", "Dana")


def _records() -> Iterator[dict[str, Any]]:
    corpus = yaml.safe_load((DATA / "tone_corpus.yaml").read_text(encoding="utf-8"))
    for m in corpus["messages"]:
        if m.get("field") == "subject":
            yield {"body": "", "subject": m["text"], "channel": m["channel"]}
        else:
            yield {"body": m["text"], "channel": m["channel"], "technique": m.get("technique")}
    for name in ("tone_labelled.yaml", "tone_review.yaml"):
        for m in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["messages"]:
            yield {
                "body": m["body"],
                "subject": m.get("subject"),
                "channel": m["channel"],
                "technique": m.get("technique"),
            }


def _variants(record: dict[str, Any], rng: random.Random) -> Iterator[dict[str, Any]]:
    body = record["body"]
    yield record
    yield {**record, "body": body.upper()}
    yield {**record, "body": body.replace("'", "’").replace('"', "“")}
    yield {**record, "body": body.replace("s", "ſ", 2).replace("I", "İ", 1)}
    yield {**record, "body": body.replace("\n", "\r\n")}
    yield {**record, "body": body.replace("e", "Σ", 1)}
    lines = body.split("\n")
    rng.shuffle(lines)
    yield {**record, "body": "\n".join(lines)}


def _mixes(records: list[dict[str, Any]], n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    sentences = [s.strip() for r in records for s in r["body"].replace("\n", ". ").split(". ")]
    sentences = [s for s in sentences if s]
    joins = (" ", "\n", "\n\n", ". ", "? ", "!\n", ":\n")
    for i in range(n):
        parts = rng.sample(sentences, rng.randint(1, 8))
        if i % 3 == 0:
            parts = [p.replace("you", rng.choice(NAMES), 1) for p in parts]
            parts.insert(0, f"Hi {rng.choice(NAMES)},")
        body = "".join(p + rng.choice(joins) for p in parts)
        yield {
            "body": body,
            "subject": rng.choice((None, parts[0][:60], "Re: following up")),
            "channel": rng.choice(("email", "voicemail", "text", "call", "linkedin", "letter")),
            "technique": rng.choice((None, "final_approach", "rescue_call", "follow_up")),
        }


def reports() -> Iterator[dict[str, Any]]:
    from drafter.check.checker import check_message
    from drafter.context import Channel
    from drafter.settings import CheckSettings

    rng = random.Random(10)
    records = list(_records())
    messages = [v for r in records for v in _variants(r, rng)]
    messages += list(_mixes(records, 400, rng))
    plain = CheckSettings()
    named = CheckSettings(allow=list(NAMES))
    strict = CheckSettings(min_level="warning", disable=["plain-words", "shouting"])
    for m in messages:
        base = {
            "subject": m.get("subject"),
            "channel": Channel(m["channel"]),
            "technique": m.get("technique"),
        }
        for semantic in (False, True):
            asks: list[dict[str, Any]] = [
                {"settings": plain},
                {"settings": named, "recipients": ("Sam Ito", "Sam"), "names": list(NAMES)},
                {"settings": plain, "moves_as_advice": True},
                {"settings": strict},
            ]
            for ask in asks:
                for _ in range(2):
                    report = check_message(m["body"], **base, semantic=semantic, **ask)
                    yield report.model_dump(mode="json")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write the reports here, one JSON line each")
    args = ap.parse_args()
    digest = hashlib.sha256()
    count = 0
    out = args.out.open("w", encoding="utf-8") if args.out else None
    for report in reports():
        line = json.dumps(report, sort_keys=True, ensure_ascii=False)
        digest.update(line.encode() + b"\n")
        count += 1
        if out is not None:
            out.write(line + "\n")
    if out is not None:
        out.close()
    print(f"{count} reports, sha256 {digest.hexdigest()}")


if __name__ == "__main__":
    main()
