"""The semantic layer's caches stay bounded and never change a verdict
(drafter.check.semantic: the embedder's chunk cache and the sentence memo)."""

from __future__ import annotations

import numpy as np

from drafter.check.semantic import Embedder, Memo, load_embedder, load_semantic


def test_the_chunk_cache_stays_bounded_after_many_unique_chunks() -> None:
    shared = load_embedder()
    embedder = Embedder(shared.table, shared.tokenizer, capacity=256)
    for i in range(3_000):  # a batch: every row its own name and address
        embedder.embed([f"Hi Prospect{i}, write to p{i}@example.com today."])
        assert embedder.cached <= 256
        assert embedder._sums.shape[0] <= 256
    assert embedder.cached > 0


def test_a_bounded_cache_embeds_as_an_unbounded_one() -> None:
    shared = load_embedder()
    small = Embedder(shared.table, shared.tokenizer, capacity=8)
    roomy = Embedder(shared.table, shared.tokenizer, capacity=100_000)
    texts = [
        "Just checking in on the proposal.",
        "Hi Dana, any update on this?",
        "One two three four five six seven eight nine ten eleven twelve.",  # more than fits
        "Just checking in on the proposal.",
        "",
    ]
    for text in texts:
        assert np.array_equal(small.embed([text]), roomy.embed([text]))
    assert small.cached <= 8


def test_the_sentence_memo_is_bounded_and_keeps_what_is_in_use() -> None:
    memo = Memo[str, int](3)
    for i in range(100):
        memo.put(f"s{i}", i)
        memo.get("s0")  # in use: carried into each new generation
        assert len(memo) <= 6
    assert memo.get("s0") == 0
    assert memo.get("s1") is None  # long gone
    assert memo.get("s99") == 99


def test_the_memo_gives_the_same_hits_as_a_fresh_layer() -> None:
    layer = load_semantic()
    texts = [
        "Hi Sam,\n\nJust circling back once again on this. We are the leading provider of payroll.",
        "I need your answer by five today. Just circling back once again on this.",
    ]
    first = [layer.find(t) for t in texts]
    again = [layer.find(t) for t in texts]  # every sentence now from the memo
    layer._memo = Memo(4_096)  # forget every verdict: computed afresh
    fresh = [layer.find(t) for t in texts]
    assert first == again == fresh
    assert {h.category for hits in first for h in hits} >= {"empty_followup", "deadline_pressure"}
