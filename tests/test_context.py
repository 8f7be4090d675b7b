from __future__ import annotations

import pytest

from drafter.context import Sender, first_word_of
from tests.conftest import make_context


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Bob Martin", "Bob"),
        ("Dr. Anne-Marie O'Neil", "Anne-Marie"),
        ("Prof Li Wei", "Li"),
        ("Dr.", "Dr."),
        ("Dr. Smith", "Dr. Smith"),
        ("Mr. J. Smith", "Mr. Smith"),
        ("J. R. Ewing", "Ewing"),
        ("Cher", "Cher"),
    ],
)
def test_greetings_skip_titles(name: str, first: str) -> None:
    assert first_word_of(name) == first


def test_greeting_name_prefers_first_name() -> None:
    ctx = make_context(prospect={"name": "Dr. Aisha Bello", "first_name": "Aisha"})
    assert ctx.prospect.greeting_name == "Aisha"
    assert make_context(prospect={"name": "Dr. Aisha Bello"}).prospect.greeting_name == "Aisha"
    assert Sender(name="Ms. Dana Reyes").first_name == "Dana"


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("review the pilot plan", True),
        ("to review the pilot plan", True),
        ("IT security review", True),
        ("we would send you the plan", False),
        ("the ROI", False),
        ("It would be good to meet", False),
    ],
)
def test_verb_phrases(text: str, verb: bool) -> None:
    from drafter.context import reads_as_verb_phrase

    assert reads_as_verb_phrase(text) is verb
