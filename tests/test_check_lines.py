"""A text is checked line by line, and what each line gives is kept.

Words, numbers, sentences and most rules' matches never reach over a line
break, so the checker works a line out once (its tally, the tokens it wakes,
what its line-local rules find, which of its sentences read like a bank) and
a batch's drafts, which share most lines, pay only for their new ones. These
tests compare each of those shortcuts with the text read whole, on real
messages and on random ones built to put every edge of a line to the test.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml

from drafter.check import checker, semantic
from drafter.check import rules as rules_module
from drafter.check.checker import check_message
from drafter.check.memo import Memo
from drafter.check.prefilter import line_bound, required_count, required_words, word_options
from drafter.check.readability import measure, stats_of, tally
from drafter.check.rules import Prepared, RuleSet, load_rules
from drafter.context import Channel
from drafter.settings import CheckSettings

DATA = Path(__file__).parent / "data"


def _messages() -> list[str]:
    labelled = yaml.safe_load((DATA / "tone_labelled.yaml").read_text(encoding="utf-8"))
    review = yaml.safe_load((DATA / "tone_review.yaml").read_text(encoding="utf-8"))
    corpus = yaml.safe_load((DATA / "tone_corpus.yaml").read_text(encoding="utf-8"))
    return [
        *(m["body"] for m in labelled["messages"]),
        *(m["body"] for m in review["messages"]),
        *(m["text"] for m in corpus["messages"]),
    ]


def _mixes(n: int, seed: int) -> list[str]:
    """Messages made of pieces of real ones, joined by line breaks, spaces and
    punctuation in every combination (so that matches run up to a line's
    edges), some with a name standing in."""
    rng = random.Random(seed)
    pieces = [p for m in _messages() for p in re.split(r"(?<=[.?!:])\s+|\n", m) if p]
    joins = ["\n", " ", "\n\n", "? ", "?\n", ".\n", ": ", ":\n", "\n ", " \n", "!!\n", "\r\n"]
    out = []
    for i in range(n):
        chosen = rng.sample(pieces, rng.randint(1, 6))
        text = "".join(p + rng.choice(joins) for p in chosen)
        if i % 4 == 0:
            text = text.replace("you", "Sam", 1).upper() if i % 8 == 0 else f"Hi Sam,\n{text}"
        out.append(text)
    return out


# ---------------------------------------------------------------------------
# Which regexes are line-bound.


@pytest.mark.parametrize(
    ("pattern", "bound"),
    [
        ("just checking in", True),
        (r"\bper my last email\b", True),
        (r"(?<=[?!.] )gone silent\?", True),
        (r"reply(?![\w'])", True),
        (r"[^\n.]{0,40}", True),
        (r"(\w+)\?\1", True),
        (r"a.b", True),
        (r"\S+ now", True),
        (r"any update\?\s*any update", False),  # \s reaches over a line break
        (r"[^.?!]{0,40}", False),
        (r"(?s)a.b", False),
        (r"(?s:a.b)", False),
        (r"waiting(?=\s*(?:[.!]|$))", False),  # $ is the end of a line in a line alone
        (r"^re:", False),
        (r"(?<=\n)hello", False),
        (r"\W", False),
        (r"[\t-z]", False),
    ],
)
def test_line_bound(pattern: str, bound: bool) -> None:
    assert line_bound(pattern) is bound


def test_every_line_bound_token_finds_in_a_text_what_it_finds_in_each_line() -> None:
    """The claim the checker relies on, for every token of the shipped rules,
    in both its forms (as written on the text, lower-cased on the lower-cased
    text): the matches in a text are each line's matches, shifted."""
    rules = load_rules()
    tokens = [
        tok
        for _, m in rules._compiled
        for tok in (*m.tokens, *getattr(m, "exceptions", ()))
        if tok.local
    ]
    assert len(tokens) > 250
    texts = [t.replace("’", "'") for t in _messages()[:150] + _mixes(300, seed=1)]
    matched = 0
    for text in texts:
        lower = text.lower()
        whole = [
            Prepared(text, lower, measure(text), frozenset()),
            Prepared(text, None, measure(text), frozenset()),
        ]
        lines = text.split("\n")
        for tok in tokens:
            for t in whole:
                got = list(tok.scan(t))
                want, at = [], 0
                for line in lines:
                    one = Prepared(
                        line, None if t.lower is None else line.lower(), measure(line), frozenset()
                    )
                    want += [(s + at, e + at) for s, e in tok.scan(one)]
                    at += len(line) + 1
                assert got == want, (tok.source, text)
                matched += len(got)
    assert matched > 500


def test_required_count() -> None:
    assert required_count(r"([a-z][a-z' ]{2,40}\?)\s*\1", "?") == 2
    assert required_count(r"a\?b\?", "?") == 2
    assert required_count(r"(a\?|b)\?", "?") == 1  # one branch has none
    assert required_count(r"(?:x\?)*", "?") == 0
    assert required_count(r"%[A-Z]+%", "%") == 2


def test_a_token_is_not_scanned_on_a_text_with_too_few_of_its_characters() -> None:
    rules = load_rules()
    (token,) = [t for t in rules.matchers["no-repeated-chase"].tokens if t.least is not None]
    assert token.least == ("?", 2)
    for text, spans in [
        ("Any update? Any update?", [(0, 23)]),
        ("Any update?", []),
        ("Any update? Any news?", []),
    ]:
        t = rules.prepare(text)
        assert list(token.spans(t)) == spans
        assert [m.span() for m in token.exact.finditer(text)] == spans


# ---------------------------------------------------------------------------
# Stats and sentences add up over lines.


def test_a_texts_stats_are_its_lines_tallies_added_up() -> None:
    alphabet = "ab9 0123'’.-İſxZ\n,5\t\xa0\u2003!?é\u0085\x1cK:\"”)"
    rng = random.Random(3)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(5000)]
    for text in [*texts, *_messages()]:
        assert stats_of(text, [tally(line) for line in text.split("\n")]) == measure(text), text


def test_a_texts_sentences_are_its_lines_sentences() -> None:
    """Every sentence the semantic layer judges (two chunks or more) is found
    the same in the text and in its line alone. (A line alone may give one
    more, a colon that ends it, alone: one chunk, never judged.)"""
    alphabet = 'ab c.!?…\n:"“”)]x '
    rng = random.Random(4)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(5000)]
    extra = 0
    for text in [*texts, *_messages(), *_mixes(200, seed=2)]:
        lines, at = [], 0
        for line in text.split("\n"):
            lines += [(start + at, s) for start, s in semantic._sentences(line)]
            at += len(line) + 1
        whole = list(semantic._sentences(text))
        judged = [(start, s) for start, s in lines if len(s.split()) >= 2]
        assert [(start, s) for start, s in whole if len(s.split()) >= 2] == judged, text
        assert all(s == ":" for _, s in set(lines) - set(whole)), text
        assert set(whole) <= set(lines), text
        extra += len(lines) - len(whole)
    assert extra > 0  # the case the docstring names did come up


# ---------------------------------------------------------------------------
# The whole check, line by line and kept, against the text read whole.


def _whole(rules: RuleSet):  # type: ignore[no-untyped-def]
    """RuleSet.prepare as it is without reading line by line."""

    def prepare(
        text: str,
        scope: tuple[Channel | None, str | None] | None = None,
        recipients: tuple[str, ...] = (),
    ) -> Prepared:
        folded = text if text.isascii() else rules_module._folded(text)
        lower = folded.lower()
        if len(lower) != len(text):
            return Prepared(text, None, measure(text), rules._all, recipients)
        return rules._prepare_whole(text, folded, lower, scope, recipients)

    return prepare


CASES = [
    {"channel": Channel.email, "technique": "follow_up", "subject": "Our next step"},
    {"channel": Channel.voicemail, "technique": "rescue_call"},
    {"channel": Channel.call, "technique": "final_approach"},
    {"channel": Channel.text, "technique": None, "subject": "Re: any update?"},
    {"channel": None, "technique": None},
]


def test_checks_line_by_line_equal_checks_of_the_text_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = load_rules()
    texts = [*_messages()[:200], *_mixes(300, seed=5)]
    settings = CheckSettings(allow=["Sam", "Urgent Care Partners"])
    asks = [
        {"settings": settings, "recipients": ("Sam",), "names": ["Sam"]},
        {"moves_as_advice": True, "semantic": False},
    ]

    def reports() -> list[str]:
        return [
            check_message(text, rules=rules, **case, **ask).model_dump_json()  # type: ignore[arg-type]
            for i, text in enumerate(texts)
            for case in (CASES[i % len(CASES)],)
            for ask in asks
        ]

    first = reports()
    again = reports()  # every line and sentence now kept
    with monkeypatch.context() as m:
        m.setattr(rules, "prepare", _whole(rules))
        m.setattr(checker._semantic_layer(rules), "_lines", Memo(4_096))
        m.setattr(checker._semantic_layer(rules), "_memo", Memo(4_096))
        whole = reports()
    assert first == again == whole
    assert sum('"violations":[]' not in r for r in first) > 200  # findings were compared


def test_the_line_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = load_rules()
    monkeypatch.setattr(rules, "_lines", Memo(20))
    texts = _mixes(200, seed=6)
    for text in texts:
        got = check_message(text, rules=rules, semantic=False)
        assert len(rules._lines) <= 40
        with monkeypatch.context() as m:
            m.setattr(rules, "prepare", _whole(rules))
            assert check_message(text, rules=rules, semantic=False) == got


def test_a_long_line_is_worked_out_but_not_kept() -> None:
    rules = load_rules()
    line = "Just checking in. " * 200
    assert len(line) > rules_module.LONGEST_KEPT
    report = check_message(line, rules=rules, semantic=False)
    assert line not in rules._lines._new and line not in rules._lines._old
    assert [v.rule for v in report.violations].count("no-just-checking-in") == 200


def test_a_capital_sigma_is_read_whole() -> None:
    """Σ lower-cases by what follows it, so such a text is not split."""
    rules = load_rules()
    t = rules.prepare("ΟΔΟΣ\nAny update?")
    assert t.lines == ()
    assert t.stats == measure("ΟΔΟΣ\nAny update?")


# ---------------------------------------------------------------------------
# Every set of words a token needs, not only the best.


def test_word_options_are_every_requirement() -> None:
    pattern = (
        r"(if|unless) i (don't|do not) (hear|reach)( [^.?!]{0,40})? i('ll| will) (keep|continue)"
    )
    options = word_options(pattern, whole_words=True)
    assert {"if", "unless"} in options and {"hear", "reach"} in options
    assert {"keep", "continue"} in options
    assert required_words(pattern, whole_words=True) in options


def test_a_token_missing_one_of_its_word_sets_is_not_scanned() -> None:
    rules = load_rules()
    (token,) = [t for t in rules.matchers["no-persistence-threat"].tokens if not t.local]
    assert token.needs == {"hear", "reach"} and token.also
    lacking = "I'd love to hear more.\nI will keep it short."  # no "if" or "unless"
    t = rules.prepare(lacking)
    assert token.uid not in t.active
    assert not token.exact.search(lacking)
    full = "If I don't hear back,\n I'll keep calling you."
    t = rules.prepare(full)
    assert token.uid in t.active  # its words on two lines: the text has them all
    spans = [m.span() for m in token.exact.finditer(full)]
    assert spans and list(token.spans(t)) == spans
