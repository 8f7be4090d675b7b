"""The tone prefilter reads regexes through CPython's private ``re._parser``.

Should a Python release move or change it, the prefilter falls back to
scanning every rule on every message: still correct, but about three times
slower (see benchmarks/bench_check.py). These tests make that loud: they fail
on a Python where the analysis stops working, naming the file to update,
instead of letting the slowdown pass unnoticed.
"""

from __future__ import annotations

import sys

from drafter.check.prefilter import _parser, required_text, required_words
from drafter.check.rules import load_rules

WHERE = (
    f"drafter/check/prefilter.py cannot read regexes through re._parser on Python "
    f"{sys.version.split()[0]}: every rule is now scanned on every message (about 3x slower); "
    "update the prefilter for this Python"
)


def test_the_private_parser_is_there() -> None:
    parser, constants = _parser()
    assert hasattr(parser, "parse"), WHERE
    for name in ("LITERAL", "BRANCH", "SUBPATTERN", "MAX_REPEAT", "IN", "AT", "CATEGORY"):
        assert hasattr(constants, name), f"{WHERE} (no {name})"


def test_the_analysis_still_finds_the_words() -> None:
    assert required_words(r"\bjust (checking|touching) (in|base)\b", whole_words=False) == {
        "checking",
        "touching",
    }, WHERE
    assert required_words("just checking in", whole_words=True) == {"checking"}, WHERE
    assert required_text(r"\{\{.*?\}\}") == {"{{"}, WHERE


def test_nearly_every_shipped_rule_is_prefiltered() -> None:
    """342 of 346 tokens had a requirement when this was written; a parser that
    stops working gives none."""
    rules = load_rules()
    matchers = [m for _, m in rules._compiled] + [
        m for moves in rules._moves.values() for _, m in moves
    ]
    tokens = [t for m in matchers for t in (*m.tokens, *getattr(m, "exceptions", ()))]
    filtered = sum(1 for t in tokens if t.needs is not None or t.literals is not None)
    assert len(tokens) > 100
    assert filtered / len(tokens) >= 0.9, f"{WHERE} ({filtered} of {len(tokens)} filtered)"
