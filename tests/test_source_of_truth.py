"""Facts kept in one place (issue 9): each test fails if a second copy
reappears and drifts from the first."""

from __future__ import annotations

import datetime as dt
from typing import get_args

from drafter.check.rules import LEVEL_RANK
from drafter.context import reads_as_verb_phrase, without_leading_to
from drafter.days import WEEKDAY_NAMES, WEEKDAYS, weekday_of
from drafter.plan.engagement import facts, summarise
from drafter.plan.selector import _gap, _next_touch_day, after_closing, blocked, why_not
from drafter.playbook import Move, Playbook, Settings, unknown_technique
from drafter.settings import LEVELS, Level
from tests.conftest import make_context, touches


def test_severity_names_are_one_list_most_severe_first() -> None:
    assert LEVELS == get_args(Level) == ("error", "warning", "suggestion")
    assert sorted(LEVELS, key=LEVEL_RANK.__getitem__, reverse=True) == list(LEVELS)
    assert set(get_args(Move.model_fields["level"].annotation)) == set(LEVELS)


def test_weekday_names_are_one_list() -> None:
    monday = dt.date(2026, 11, 23)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    assert [weekday_of(d) for d in days] == list(WEEKDAYS)
    assert [WEEKDAY_NAMES[weekday_of(d)] for d in days] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert set(get_args(Settings.model_fields["working_days"].annotation.__args__[0])) == set(
        WEEKDAYS
    )


def test_a_leading_to_is_stripped_the_same_way_everywhere() -> None:
    assert without_leading_to("  To review the plan") == "review the plan"
    assert without_leading_to("tomorrow's review") == "tomorrow's review"
    assert reads_as_verb_phrase("to the CFO") is False  # 'the' after the stripped 'to'


def test_unknown_technique_has_one_wording() -> None:
    assert unknown_technique("nope", ["b", "a"]) == "unknown technique 'nope'; known: a, b"


def test_the_next_touch_day_honours_a_techniques_own_gap(playbook: Playbook) -> None:
    """The missed-appointment email may go the day after a reminder (its own
    minimum gap is 1); the next-touch day used to apply the playbook's 3."""
    ctx = make_context(history=touches(("2026-11-23", "email", "out")))
    eng = summarise(ctx)
    today = dt.date(2026, 11, 23)  # a Monday
    missed = playbook.techniques["missed_appointment"]
    assert _gap(missed, playbook) == 1 < _gap(None, playbook) == 3
    assert _next_touch_day(ctx, eng, playbook, today, missed) == dt.date(2026, 11, 24)
    assert _next_touch_day(ctx, eng, playbook, today) == dt.date(2026, 11, 26)


def test_blocked_and_why_not_read_one_closing_rule(playbook: Playbook) -> None:
    ctx = make_context(
        history=touches(
            ("2026-11-02", "meeting", "in"),
            ("2026-11-09", "email", "out", "should_i_stay_or_go"),
        )
    )
    day = dt.date(2026, 11, 12)
    f = facts(ctx, summarise(ctx), day, playbook.closing)
    for technique in playbook.ordered:
        closed = after_closing(technique, f)
        assert closed == (technique.kind == "message")
        if closed:
            assert "final message is final" in (blocked(technique, f, playbook, ctx) or "")
            assert "final message is final" in why_not(technique, f, playbook, ctx)[1]
