"""The real-message corpus (tests/data/tone_corpus.yaml) stays honest: every
record has a source with a URL, the split is by source and follows its
mechanical rule, and the evaluation script counts what its docstring says."""

from __future__ import annotations

import copy
import hashlib
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from drafter.context import Channel
from drafter.playbook import load_playbook

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "tone_corpus.yaml"
LABELS = {"bad-clear", "bad-medium", "good"}
TUNE_SHARE = 0.6


def corpus() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    return data


def problems(data: dict[str, Any]) -> list[str]:
    """Everything wrong with a corpus, as sentences (empty when it is sound)."""
    out: list[str] = []
    sources = {s.get("id"): s for s in data["sources"]}
    for s in data["sources"]:
        url = s.get("url") or ""
        if not (url.startswith(("https://", "http://")) or url.startswith("seed:")):
            out.append(f"source {s.get('id')} has no URL")
        if url.startswith("seed:") and not s.get("title"):
            out.append(f"seed source {s.get('id')} has no title")
        if s.get("part") not in ("tune", "heldout"):
            out.append(f"source {s.get('id')} is in no part")
    techniques = set(load_playbook().techniques)
    for m in data["messages"]:
        source = sources.get(m.get("source"))
        if source is None or not (source.get("url") or ""):
            out.append(f"record {m.get('id')} has no source URL")
        if m.get("label") not in LABELS:
            out.append(f"record {m.get('id')} has label {m.get('label')!r}")
        if m.get("channel") not in {c.value for c in Channel}:
            out.append(f"record {m.get('id')} has channel {m.get('channel')!r}")
        if m.get("technique") is not None and m["technique"] not in techniques:
            out.append(f"record {m.get('id')} has technique {m['technique']!r}")
        if not m.get("text", "").strip() or not m.get("category"):
            out.append(f"record {m.get('id')} has no text or no category")
        if len(m.get("text", "").split()) > 60:
            out.append(f"record {m.get('id')} quotes more than a short message")
    ids = [m.get("id") for m in data["messages"]]
    if len(ids) != len(set(ids)):
        out.append("record ids repeat")
    return out


def test_the_corpus_is_sound() -> None:
    assert problems(corpus()) == []


def test_a_record_without_a_source_url_fails() -> None:
    data = copy.deepcopy(corpus())
    data["messages"][0]["source"] = "s999"  # no such source
    assert problems(data) == [f"record {data['messages'][0]['id']} has no source URL"]
    data = copy.deepcopy(corpus())
    data["sources"][10]["url"] = ""
    assert any("has no URL" in p for p in problems(data))


def test_size_and_spread() -> None:
    data = corpus()
    labels = Counter(m["label"] for m in data["messages"])
    assert len(data["messages"]) >= 250
    assert len(data["sources"]) >= 40
    assert min(labels.values()) >= 50, labels


def expected_parts(data: dict[str, Any]) -> dict[str, str]:
    """The part each source must be in. Seeds are tuning. The other sources came
    in rounds (``round``, 1 when absent); within a round, in sha256(url) order, a
    source goes to tuning while tuning holds under 60% of the records of that
    round and the earlier ones, else it is held out. A later round never moves an
    earlier round's source."""
    sizes = Counter(m["source"] for m in data["messages"])
    seeds = [s for s in data["sources"] if s["url"].startswith("seed:")]
    expected = {s["id"]: "tune" for s in seeds}
    tune = sum(sizes[s["id"]] for s in seeds)
    total = tune
    rounds = sorted({s.get("round", 1) for s in data["sources"]})
    for r in rounds:
        batch = sorted(
            (
                s
                for s in data["sources"]
                if not s["url"].startswith("seed:") and s.get("round", 1) == r
            ),
            key=lambda s: hashlib.sha256(s["url"].encode()).hexdigest(),
        )
        total += sum(sizes[s["id"]] for s in batch)
        for s in batch:
            if tune < TUNE_SHARE * total:
                expected[s["id"]] = "tune"
                tune += sizes[s["id"]]
            else:
                expected[s["id"]] = "heldout"
    return expected


def test_the_split_is_by_source_and_follows_its_rule() -> None:
    """A record moved from one part to the other, or a source's part edited by
    hand, breaks this; so would a new source that moved an old one."""
    data = corpus()
    expected = expected_parts(data)
    assert {s["id"]: s["part"] for s in data["sources"]} == expected
    sizes = Counter(m["source"] for m in data["messages"])
    total = sum(sizes.values())
    held = sum(sizes[i] for i, part in expected.items() if part == "heldout")
    assert 0.35 <= held / total <= 0.45
    urls = [s["url"] for s in data["sources"]]
    assert len(urls) == len(set(urls)), "one source, one id: a page cannot straddle the parts"


def test_a_new_round_does_not_move_an_earlier_source() -> None:
    data = copy.deepcopy(corpus())
    before = expected_parts(data)
    late = max(s.get("round", 1) for s in data["sources"]) + 1
    data["sources"].append({"id": "s999", "url": "https://example.org/new", "round": late})
    data["messages"] += [
        {"id": f"x{i}", "source": "s999", "label": "good", "category": "x", "channel": "email",
         "text": "Would Tuesday work?"}
        for i in range(40)
    ]  # fmt: skip
    after = expected_parts(data)
    assert {k: v for k, v in after.items() if k != "s999"} == before


@pytest.fixture(scope="module")
def eval_tone() -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import eval_tone as module
    finally:
        sys.path.pop(0)
    return module


def test_the_evaluation_counts_errors_warnings_and_false_alarms(eval_tone: Any) -> None:
    records = [
        {"id": "a", "label": "bad-clear", "category": "x", "channel": "email",
         "text": "Just checking in!! Per my last email."},
        {"id": "b", "label": "bad-medium", "category": "x", "channel": "email",
         "text": "I hope this email finds you well."},
        {"id": "c", "label": "bad-clear", "category": "x", "channel": "email",
         "text": "Our quarterly numbers are attached."},
        {"id": "d", "label": "good", "category": "x", "channel": "email",
         "text": "Would Tuesday at 10 work for a short call?"},
        {"id": "e", "label": "good", "category": "x", "channel": "email", "field": "subject",
         "text": "URGENT: reply now"},
    ]  # fmt: skip
    t = eval_tone.tally(records, rules_only=True)
    assert (t.clear, t.clear_hit) == (2, 1)  # "Just checking in" is an error; c is not
    assert (t.bad, t.bad_hit) == (3, 2)  # the cliché opener is a warning, which counts
    assert (t.good, t.good_error) == (2, 1)  # the subject line is checked as a subject
    assert len(t.misses) == 1 and t.misses[0].startswith("c ")
