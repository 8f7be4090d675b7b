"""The checker's shortcuts give exactly what the plain computation gives.

Each shortcut (words found chunk by chunk and remembered, pieces of text looked
for only for the rules in scope, matchers woken by their tokens) is compared
here with the direct way, on random texts built to hit the edge cases
(apostrophes, digits, non-ASCII spaces and letters, empty chunks).
"""

from __future__ import annotations

import random

import pytest

from drafter.check import readability
from drafter.check.readability import WORD, measure, syllables
from drafter.check.rules import load_rules
from drafter.context import Channel

_ALPHABET = "ab9 0123'’.-İſxZ\n,5\t\xa0\u2003!?é\u0085\x1cK"


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(n)]


def _reference(text: str) -> tuple[frozenset[str], int, int, int]:
    """Vocabulary, words, spoken words and syllables, found in one pass over the text."""
    words = WORD.findall(text.lower())
    numbers = readability._NUMBER.findall(text)
    spoken = len(words) + sum(map(len, numbers)) - len(numbers)
    return frozenset(words), len(words), spoken, sum(map(syllables, words))


def test_measure_chunk_by_chunk_is_the_one_pass_count() -> None:
    for text in _random_texts(20_000, seed=5):
        stats = measure(text)
        got = (stats.vocabulary, stats.words, stats.spoken_words, stats.syllables)
        assert got == _reference(text), repr(text)


def test_the_chunk_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readability, "CHUNKS_KEPT", 50)
    monkeypatch.setattr(readability, "_CHUNKS", readability._Chunks())
    for i, text in enumerate(_random_texts(2_000, seed=6)):
        assert measure(f"{text} w{i}").words == _reference(f"{text} w{i}")[1]
        assert len(readability._CHUNKS) <= 50


@pytest.mark.parametrize("technique", [None, "final_approach", "follow_up", "rescue_call"])
@pytest.mark.parametrize("channel", [None, Channel.email, Channel.voicemail])
def test_a_scoped_text_wakes_what_the_full_one_wakes(
    channel: Channel | None, technique: str | None
) -> None:
    rules = load_rules()
    scoped_uids = {
        token.uid
        for _, matcher in (*rules.select(channel, technique), *rules.moves(technique, channel))
        for token in (*matcher.tokens, *getattr(matcher, "exceptions", ()))
    }
    texts = [
        *_random_texts(300, seed=7),
        "Another direction? Just following up: no pressure, reach out next step!!",
        "I've been trying to reach you. {{ name }} [NAME] different direction, ſo last try.",
    ]
    for text in texts:
        full, scoped = rules.prepare(text), rules.prepare(text, (channel, technique))
        assert scoped.active & scoped_uids == full.active & scoped_uids, repr(text)
        for part in ("body", "subject"):
            layout = rules.layout(channel, technique, part)
            woken = [
                i
                for i, (_, matcher) in enumerate(layout.rules)
                if part in matcher.parts and not matcher.idle(full)
            ]
            assert layout.awake(scoped.active) == woken, repr(text)
