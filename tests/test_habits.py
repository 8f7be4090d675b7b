"""The habit rules (playbook/rules/habits.yaml): the categories of issue 10
written as structures, caught by the rules alone, technique-aware."""

from __future__ import annotations

import pytest

from drafter.check.checker import check_message
from drafter.settings import CheckSettings

NO_MOVES = CheckSettings(disable=["move"])


def rules(text: str, technique: str | None = None) -> dict[str, str]:
    report = check_message(text, technique=technique, settings=NO_MOVES, semantic=False)
    return {v.rule: v.severity for v in report.violations}


@pytest.mark.parametrize(
    ("rule", "level", "sentence"),
    [
        # the issue's own examples, now caught without the semantic layer
        ("empty-followup", "error", "Just ringing to follow up on my message."),
        ("empty-followup", "error", "Any update on this?"),
        ("empty-followup", "error", "Ringing again to see where we are on this."),
        ("empty-followup", "error", "hello??"),
        ("no-resignation", "error", "I won't keep wasting my breath then."),
        ("no-resignation", "error", "I guess you're just not interested then."),
        ("no-resignation", "error", "So I take it this is dead on your side."),
        ("no-deadline-no-reason", "error", "I need your answer by five today."),
        ("no-deadline-no-reason", "error", "You must decide by tonight."),
        ("no-deadline-no-reason", "error", "I must have your decision tonight."),
        ("no-tallying-ordinal", "error", "This is my sixth attempt to reach you."),
        ("no-tallying-ordinal", "error", "This is the seventh email I have sent you."),
        ("self-centred-pitch", "warning", "We are the leading provider of fleet telematics."),
        ("self-centred-pitch", "warning", "We're the market leader in payroll software."),
        ("no-silence-reproach", "error", "You still haven't answered my question."),
        ("no-silence-reproach", "error", "You ignored my first email."),
        ("no-silence-reproach", "error", "So you've gone quiet on me."),
        ("no-bother-again", "error", "Fine, I won't bother you again."),
        ("empty-followup-nudge", "warning", "Did this email slip through the cracks?"),
        ("stock-line", "warning", "Let me know your thoughts."),
        ("pressure-to-reply", "warning", "Please get back to me as soon as possible."),
    ],
)
def test_each_habit_is_caught_by_the_rules(rule: str, level: str, sentence: str) -> None:
    assert rules(sentence).get(rule) == level, rules(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        # a deadline with its reason is information
        "I need an answer on whether SSO is in scope before I can price it.",
        "I need your signature by Friday so legal can file it.",
        "We need the signed order by Friday because the install crew books a month ahead.",
        "Could you let me know by Thursday whether the pilot is still on?",
        # an honest close, and the ordinary uses of the words
        "If the timing is wrong, tell me and I'll close the file.",
        "Any questions on the quote?",
        "Any update on the legal review would help me plan the install.",
        "I don't want to be a pest, so this is my last note.",
        "The fourth phase starts in May.",
        "Thanks for your patience while legal reviewed the contract.",
        "Here is the case study from a team your size.",
    ],
)
def test_ordinary_sentences_pass_the_habit_rules(sentence: str) -> None:
    habits = {
        "no-silence-reproach", "silence-mentioned", "no-tallying-ordinal",
        "no-deadline-no-reason", "no-resignation", "no-bother-again", "empty-followup",
        "empty-followup-nudge", "self-centred-pitch", "stock-line", "pressure-to-reply",
    }  # fmt: skip
    assert habits.isdisjoint(rules(sentence)), rules(sentence)


def test_the_final_approach_may_say_it_is_the_last_and_name_the_silence() -> None:
    last = "I haven't heard back yet, so I won't bother you again after this."
    assert {"silence-mentioned", "no-bother-again"} <= rules(last).keys()
    assert {"silence-mentioned", "no-bother-again"}.isdisjoint(rules(last, "final_approach"))
    # but it may not sulk
    assert "no-resignation" in rules("I won't keep wasting my breath.", "final_approach")


def test_the_nudge_may_ask_whether_the_last_email_arrived() -> None:
    assert "empty-followup-nudge" in rules("Did you get my last email?")
    assert "empty-followup-nudge" not in rules("Did you get my last email?", "last_email_nudge")


def test_the_rescue_call_may_count_and_sound_hurt() -> None:
    for sentence, rule in [
        ("This is my third call this week.", "no-tallying-ordinal"),
        ("I was a little disappointed.", "no-resignation"),
    ]:
        assert rule in rules(sentence), sentence
        assert rule not in rules(sentence, "rescue_call"), sentence
