"""An imagined touch (Engagement.with_touch, what the planner looks ahead with)
changes what a touch changes and carries every other field over."""

from __future__ import annotations

import dataclasses
import datetime as dt

from drafter.context import Channel
from drafter.plan.engagement import Engagement, summarise
from tests.conftest import TODAY, make_context, touches

# What one more unanswered touch changes.
TOUCHED = {
    "attempts",
    "channels_tried",
    "first_attempt",
    "last_attempt",
    "last_technique",
    "technique_days",
    "last_touch",
    "attempt_channels",
    "touch_days",
}


def test_a_touch_carries_every_other_field_over() -> None:
    history = touches(
        ("2026-11-02", "email", "out", "follow_up"),
        ("2026-11-09", "call", "in"),
        ("2026-11-12", "voicemail", "out"),
    )
    history[1]["outcome"] = "deferred"
    eng = summarise(make_context(history=history))
    assert eng.last_reply_deferred and eng.last_reply_channel is Channel.call
    day = TODAY + dt.timedelta(days=2)
    after = eng.with_touch(day, Channel.email, "rescue_call")
    for field in dataclasses.fields(Engagement):
        if field.name not in TOUCHED:
            assert getattr(after, field.name) == getattr(eng, field.name), field.name
    assert after.attempts == eng.attempts + 1
    assert after.channels_tried == (Channel.voicemail, Channel.email)
    assert (after.last_attempt, after.last_touch, after.last_technique) == (
        day,
        day,
        "rescue_call",
    )
    assert after.technique_days[-1] == ("rescue_call", day)
    assert after.attempt_channels == (Channel.voicemail, Channel.email)
    assert after.touch_days[-1] == day
