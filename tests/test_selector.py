"""The selector picks each technique from a realistic context, in both history
forms, and respects the boundaries the seeds and the playbook set."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from drafter.context import Channel
from drafter.errors import InputError
from drafter.plan.selector import make_plan
from drafter.playbook import Playbook, load_playbook
from tests.conftest import TODAY, as_summary, make_context, touches

MONDAY = TODAY + dt.timedelta(days=1)
assert TODAY.weekday() == 6
ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    """The built-in playbook, sending on any day: these tests are about the
    seeds' windows; working days have their own test below."""
    book = load_playbook()
    return book.model_copy(
        update={"settings": book.settings.model_copy(update={"working_days": ALL_WEEK})}
    )


NEXT_STEP = {"agreed_next_step": "review the pilot plan with your CFO"}

# (id, stage, touch history, prospect extras, deal extras, expected technique, expected channel)
CASES: list[
    tuple[str, str, list[dict[str, Any]], dict[str, Any], dict[str, Any], str, str | None]
] = [
    (
        "missed appointment two days ago",
        "proposal",
        touches(
            ("2026-11-12", "meeting", "in"),
            ("2026-11-13", "email", "out"),
            ("2026-11-17", "email", "in"),
        ),
        {},
        {"missed_appointment": "2026-11-20", **NEXT_STEP},
        "missed_appointment",
        "email",
    ),
    (
        "eight quiet days after our email",
        "engaged",
        touches(("2026-11-10", "meeting", "in"), ("2026-11-14", "email", "out")),
        {"preferred_channel": "email"},
        {},
        "last_email_nudge",
        "email",
    ),
    (
        "seventeen days of silence, no agreed next step",
        "engaged",
        touches(
            ("2026-11-01", "meeting", "in"),
            ("2026-11-05", "email", "out"),
            ("2026-11-12", "voicemail", "out"),
        ),
        {},
        {},
        "should_i_stay_or_go",
        "email",
    ),
    (
        "agreed next step, three messages over twelve days",
        "engaged",
        touches(
            ("2026-10-28", "meeting", "in"),
            ("2026-11-10", "voicemail", "out"),
            ("2026-11-14", "email", "out"),
            ("2026-11-18", "voicemail", "out"),
        ),
        {},
        NEXT_STEP,
        "rescue_call",
        "voicemail",
    ),
    (
        "prospecting, four attempts on three channels",
        "cold",
        touches(
            ("2026-10-26", "call", "out"),
            ("2026-11-02", "email", "out"),
            ("2026-11-09", "voicemail", "out"),
            ("2026-11-16", "email", "out"),
        ),
        {},
        {},
        "final_approach",
        "voicemail",
    ),
    (
        "prospecting, five attempts, a mailing address",
        "cold",
        touches(
            ("2026-10-01", "call", "out"),
            ("2026-10-08", "email", "out"),
            ("2026-10-15", "voicemail", "out"),
            ("2026-10-29", "email", "out"),
            ("2026-11-12", "voicemail", "out"),
        ),
        {"mailing_address": "200 Pier Road, Portland ME"},
        {},
        "humor_card",
        "letter",
    ),
    (
        "seven-figure account, two unanswered messages",
        "proposal",
        touches(
            ("2026-11-05", "meeting", "in"),
            ("2026-11-12", "voicemail", "out"),
            ("2026-11-17", "email", "out"),
        ),
        {},
        {"value": 2_400_000, **NEXT_STEP},
        "in_person_visit",
        "meeting",
    ),
    (
        "met yesterday, contact preference unknown",
        "engaged",
        touches(("2026-11-21", "meeting", "in")),
        {},
        NEXT_STEP,
        "best_contact_question",
        "email",
    ),
    (
        "final approach unanswered for eight days",
        "cold",
        touches(
            ("2026-10-20", "call", "out"),
            ("2026-10-27", "email", "out"),
            ("2026-11-03", "voicemail", "out"),
            ("2026-11-14", "voicemail", "out", "final_approach"),
        ),
        {},
        {},
        "move_on",
        None,
    ),
    (
        "final approach sent four days ago",
        "cold",
        touches(
            ("2026-10-20", "call", "out"),
            ("2026-10-27", "email", "out"),
            ("2026-11-03", "voicemail", "out"),
            ("2026-11-18", "voicemail", "out", "final_approach"),
        ),
        {},
        {},
        "wait",
        None,
    ),
]


@pytest.mark.parametrize("form", ["touches", "summary"])
@pytest.mark.parametrize(
    ("stage", "history", "prospect", "deal", "technique", "channel"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_selector_picks_the_technique(
    playbook: Playbook,
    form: str,
    stage: str,
    history: list[dict[str, Any]],
    prospect: dict[str, Any],
    deal: dict[str, Any],
    technique: str,
    channel: str | None,
) -> None:
    shaped = history if form == "touches" else as_summary(history)
    ctx = make_context(stage=stage, history=shaped, prospect=prospect, deal=deal)
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == technique, plan.rationale
    assert (plan.channel.value if plan.channel else None) == channel
    assert plan.send_on >= TODAY
    assert plan.rationale
    if technique not in ("move_on", "wait"):
        assert plan.send_on == TODAY
        assert plan.source == playbook.get(technique).source


def _closing_sent(days_ago: int, technique: str = "final_approach") -> dict[str, Any]:
    sent = TODAY - dt.timedelta(days=days_ago)
    return {
        "attempts": 4,
        "channels_tried": ["call", "email", "voicemail"],
        "first_attempt": "2026-10-01",
        "last_attempt": sent.isoformat(),
        "last_technique": technique,
    }


@pytest.mark.parametrize(
    "technique", ["final_approach", "rescue_call", "should_i_stay_or_go", "humor_card"]
)
def test_closing_message_day_6_waits_day_7_moves_on(playbook: Playbook, technique: str) -> None:
    stage = "cold" if technique in ("final_approach", "humor_card") else "engaged"
    reply = {} if stage == "cold" else {"last_reply": "2026-09-30"}
    six = make_context(stage=stage, history={**_closing_sent(6, technique), **reply})
    plan = make_plan(six, playbook, TODAY)
    assert plan.technique == "wait"
    assert plan.send_on == TODAY + dt.timedelta(days=1)
    assert [(s.technique, s.send_on) for s in plan.then] == [
        ("move_on", TODAY + dt.timedelta(days=1))
    ]

    seven = make_context(stage=stage, history={**_closing_sent(7, technique), **reply})
    plan = make_plan(seven, playbook, TODAY)
    assert plan.technique == "move_on"
    assert plan.channel is None and plan.then == []


def _rescue_history(first_days_ago: int, attempts: int = 2) -> list[dict[str, Any]]:
    first = TODAY - dt.timedelta(days=first_days_ago)
    items = [("2026-10-20", "meeting", "in"), (first.isoformat(), "voicemail", "out")]
    if attempts >= 2:
        items.append(((TODAY - dt.timedelta(days=4)).isoformat(), "voicemail", "out"))
    if attempts >= 3:
        items.append(((TODAY - dt.timedelta(days=3)).isoformat(), "call", "out"))
    return touches(*items)


def test_rescue_call_window_9_vs_10_days(playbook: Playbook) -> None:
    nine = make_context(history=_rescue_history(9), deal=NEXT_STEP)
    plan = make_plan(nine, playbook, TODAY)
    assert plan.technique == "wait"
    assert plan.then[0].technique == "rescue_call"
    assert plan.then[0].send_on == TODAY + dt.timedelta(days=1)

    ten = make_context(history=_rescue_history(10), deal=NEXT_STEP)
    assert make_plan(ten, playbook, TODAY).technique == "rescue_call"


def test_rescue_call_window_21_vs_22_days(playbook: Playbook) -> None:
    """The seed's 10-14 days are the period the messages were left over; the
    call stays the choice for the playbook's week of grace after it."""
    fourteen = make_context(history=_rescue_history(14, attempts=3), deal=NEXT_STEP)
    assert make_plan(fourteen, playbook, TODAY).technique == "rescue_call"
    late = make_context(history=_rescue_history(21, attempts=3), deal=NEXT_STEP)
    assert make_plan(late, playbook, TODAY).technique == "rescue_call"
    later = make_context(history=_rescue_history(22, attempts=3), deal=NEXT_STEP)
    assert make_plan(later, playbook, TODAY).technique == "should_i_stay_or_go"


def test_rescue_call_needs_an_agreed_next_step(playbook: Playbook) -> None:
    ctx = make_context(history=_rescue_history(12))
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique != "rescue_call"
    rescue = next(a for a in plan.alternatives if a.technique == "rescue_call")
    assert "agreed next step" in rescue.why


@pytest.mark.parametrize(
    ("days", "expected"),
    [(6, "wait"), (7, "last_email_nudge"), (9, "last_email_nudge"), (10, "wait")],
)
def test_nudge_window_7_to_9_days(playbook: Playbook, days: int, expected: str) -> None:
    sent = (TODAY - dt.timedelta(days=days)).isoformat()
    ctx = make_context(
        history=touches(("2026-11-01", "meeting", "in"), (sent, "email", "out")),
        prospect={"best_time": "mornings"},
    )
    assert make_plan(ctx, playbook, TODAY).technique == expected


def test_spacing_between_touches_is_respected(playbook: Playbook) -> None:
    # Day 8 after the first email is inside the nudge window, but we called yesterday.
    ctx = make_context(
        history=touches(
            ("2026-11-01", "meeting", "in"),
            ("2026-11-14", "email", "out"),
            ("2026-11-21", "call", "out"),
        )
    )
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == "wait"
    assert "since the last attempt" in plan.rationale
    gap = playbook.settings.min_days_between_touches
    assert plan.send_on >= dt.date(2026, 11, 21) + dt.timedelta(days=gap)


def test_away_prospect_is_not_touched_before_return(playbook: Playbook) -> None:
    ctx = make_context(
        history=_rescue_history(12),
        deal=NEXT_STEP,
        prospect={"away_until": "2026-12-01"},
    )
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == "wait"
    assert plan.send_on == dt.date(2026, 12, 1)
    assert all(step.send_on >= dt.date(2026, 12, 1) for step in plan.then)
    assert "away" in plan.rationale


@pytest.mark.parametrize(
    ("preferred", "channel"),
    [
        ("email", "email"),
        ("phone", "voicemail"),
        ("text", "text"),
        ("assistant", "voicemail"),
        (None, "voicemail"),
    ],
)
def test_preferred_channel_used_where_the_technique_allows(
    playbook: Playbook, preferred: str | None, channel: str
) -> None:
    history = touches(
        ("2026-10-26", "call", "out"),
        ("2026-11-02", "email", "out"),
        ("2026-11-09", "voicemail", "out"),
    )
    ctx = make_context(
        stage="cold",
        history=history,
        prospect={"preferred_channel": preferred, "best_time": "before 8am"},
    )
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == "final_approach"
    assert plan.channel == Channel(channel)
    assert plan.send_at == "before 8am"


def test_preferred_channel_not_allowed_falls_back_with_a_reason(playbook: Playbook) -> None:
    ctx = make_context(
        history=_rescue_history(12), deal=NEXT_STEP, prospect={"preferred_channel": "email"}
    )
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == "rescue_call"
    assert plan.channel is Channel.voicemail
    assert "prefer email" in plan.rationale


def test_road_ahead_ends_in_move_on(playbook: Playbook) -> None:
    ctx = make_context(history=touches(("2026-11-21", "meeting", "in")), deal=NEXT_STEP)
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == "best_contact_question"
    steps = [s.technique for s in plan.then]
    assert steps[-1] == "move_on"
    closing = playbook.closing
    # after the first closing step only move_on follows
    first_closing = next(i for i, s in enumerate(steps) if s in closing)
    assert steps[first_closing + 1 :] == ["move_on"]
    dates = [plan.send_on, *[s.send_on for s in plan.then]]
    assert dates == sorted(dates)
    gap = playbook.settings.min_days_between_touches
    messages = dates[:-1]  # the last is move_on, which sends nothing
    for earlier, later in itertools.pairwise(messages):
        assert (later - earlier).days >= gap


def test_influencer_gets_a_note_only_while_prospecting(playbook: Playbook) -> None:
    """Seed 004, point 1 is advice for the beginning of a sale: mid-deal, going
    over your contact's head makes things worse."""
    ctx = make_context(history=_rescue_history(12), deal=NEXT_STEP, prospect={"role": "influencer"})
    assert not any("decision maker" in note for note in make_plan(ctx, playbook, TODAY).notes)
    cold = make_context(
        stage="cold",
        history=touches(("2026-11-10", "call", "out"), ("2026-11-16", "email", "out")),
        prospect={"role": "influencer"},
    )
    assert any("decision maker" in note for note in make_plan(cold, playbook, TODAY).notes)


def test_cold_prospect_with_no_attempts_waits_and_says_what_is_needed(playbook: Playbook) -> None:
    plan = make_plan(make_context(stage="cold"), playbook, TODAY)
    assert plan.technique == "wait"
    assert plan.send_on == TODAY
    assert "final_approach" in plan.rationale


def test_forcing_a_message_after_an_unanswered_closing_message_is_refused(
    playbook: Playbook,
) -> None:
    ctx = make_context(stage="cold", history=_closing_sent(3))
    with pytest.raises(InputError, match="final"):
        make_plan(ctx, playbook, TODAY, technique="humor_card")


def test_forced_technique_explains_itself_and_respects_spacing(playbook: Playbook) -> None:
    ctx = make_context(
        history=touches(("2026-11-01", "meeting", "in"), ("2026-11-21", "email", "out"))
    )
    plan = make_plan(ctx, playbook, TODAY, technique="should_i_stay_or_go")
    assert plan.forced and plan.technique == "should_i_stay_or_go"
    assert "would not pick it" in plan.rationale
    assert plan.send_on == dt.date(2026, 11, 21) + dt.timedelta(
        days=playbook.settings.min_days_between_touches
    )


def test_forced_channel_must_belong_to_the_technique(playbook: Playbook) -> None:
    ctx = make_context(history=_rescue_history(12), deal=NEXT_STEP)
    with pytest.raises(InputError, match="--channel"):
        make_plan(ctx, playbook, TODAY, channel=Channel.letter)
    plan = make_plan(ctx, playbook, TODAY, channel=Channel.call)
    assert plan.technique == "rescue_call" and plan.channel is Channel.call


def test_plan_json_has_the_contract_keys(playbook: Playbook) -> None:
    ctx = make_context(history=_rescue_history(12), deal=NEXT_STEP)
    data = make_plan(ctx, playbook, TODAY).to_json()
    for key in (
        "technique",
        "channel",
        "send_on",
        "rationale",
        "alternatives",
        "source",
        "reported_response_rate",
        "then",
    ):
        assert key in data
    assert data["reported_response_rate"] == 0.75
    assert data["then"][0] == {
        "technique": "move_on",
        "channel": None,
        "send_on": "2026-11-29",
        "if": "no reply",
    }
    assert all(set(a) == {"technique", "why"} for a in data["alternatives"])


def test_messages_go_out_on_working_days(playbook: Playbook) -> None:
    weekdays = load_playbook()
    ctx = make_context(history=_rescue_history(12), deal=NEXT_STEP)
    plan = make_plan(ctx, weekdays, TODAY)  # a Sunday
    assert (plan.technique, plan.send_on) == ("rescue_call", MONDAY)
    assert "Sunday is not a working day" in plan.rationale
    # the honesty window counts from the day the message really goes out
    assert plan.then[0].send_on == MONDAY + dt.timedelta(days=7)
    assert make_plan(ctx, playbook, TODAY).send_on == TODAY


def test_windows_are_tested_on_the_day_the_message_goes_out() -> None:
    """Saturday is day 21 of the rescue-call window (10-14 days, plus a week's
    grace); Monday would be day 23, outside it: so Monday's message is the
    stay-or-go email, not a late rescue call."""
    saturday = dt.date(2026, 11, 21)
    first = saturday - dt.timedelta(days=21)
    history = touches(
        ("2026-10-20", "meeting", "in"),
        (first.isoformat(), "voicemail", "out"),
        ("2026-11-14", "email", "out"),
    )
    ctx = make_context(history=history, deal=NEXT_STEP, today=saturday)
    plan = make_plan(ctx, load_playbook(), saturday)
    assert (plan.technique, plan.send_on) == ("should_i_stay_or_go", dt.date(2026, 11, 23))
    assert "days since the first unanswered attempt: 23" in plan.rationale


def test_ordinary_touches_after_a_closing_message_do_not_reopen_the_deal(
    playbook: Playbook,
) -> None:
    """A final approach, then an untagged call and email: still final."""
    history = touches(
        ("2026-10-20", "call", "out"),
        ("2026-10-27", "email", "out"),
        ("2026-11-09", "voicemail", "out", "final_approach"),
        ("2026-11-13", "call", "out"),
        ("2026-11-18", "email", "out"),
    )
    ctx = make_context(stage="cold", history=history, prospect={"mailing_address": "1 Main St"})
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == "move_on"  # 13 days after the final approach
    early = make_plan(ctx, playbook, dt.date(2026, 11, 14))
    assert early.technique == "wait" and [s.technique for s in early.then] == ["move_on"]
    assert early.then[0].send_on == dt.date(2026, 11, 16)  # 7 days after the final approach
    with pytest.raises(InputError, match="final"):
        make_plan(ctx, playbook, TODAY, technique="humor_card")


def test_forced_technique_waits_for_a_long_absence(playbook: Playbook) -> None:
    ctx = make_context(
        history=_rescue_history(12), deal=NEXT_STEP, prospect={"away_until": "2027-06-01"}
    )
    plan = make_plan(ctx, playbook, TODAY, technique="rescue_call")
    assert plan.send_on == dt.date(2027, 6, 1)
    auto = make_plan(ctx, playbook, TODAY)
    assert auto.technique == "wait" and "away until 2027-06-01" in auto.rationale
    assert "usual touches" not in auto.rationale


def test_spacing_counts_from_any_outbound_touch(playbook: Playbook) -> None:
    """A recap email on the day of the meeting is a touch too."""
    ctx = make_context(
        history=touches(("2026-11-21", "meeting", "in"), ("2026-11-21", "email", "out"))
    )
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == "wait"
    assert plan.send_on == dt.date(2026, 11, 21) + dt.timedelta(
        days=playbook.settings.min_days_between_touches
    )


def test_a_touch_on_the_missed_day_is_the_appointment_not_its_follow_up(
    playbook: Playbook,
) -> None:
    history = touches(("2026-11-12", "meeting", "in"), ("2026-11-20", "call", "out"))
    ctx = make_context(history=history, deal={"missed_appointment": "2026-11-20"})
    assert make_plan(ctx, playbook, TODAY).technique == "missed_appointment"
    # the missed-appointment message itself settles it
    sent = touches(
        ("2026-11-12", "meeting", "in"),
        ("2026-11-20", "call", "out"),
        ("2026-11-20", "email", "out", "missed_appointment"),
    )
    ctx = make_context(history=sent, deal={"missed_appointment": "2026-11-20"})
    assert make_plan(ctx, playbook, TODAY).technique != "missed_appointment"


def test_forced_channel_on_a_stop_is_refused(playbook: Playbook) -> None:
    ctx = make_context(stage="cold")
    with pytest.raises(InputError, match="--channel"):
        make_plan(ctx, playbook, TODAY, technique="move_on", channel=Channel.email)
    with pytest.raises(InputError, match="--technique"):
        make_plan(ctx, playbook, TODAY, technique="pester")


def test_a_next_step_written_as_a_sentence_is_flagged_not_garbled(playbook: Playbook) -> None:
    from drafter.draft.templates import render_offline

    deal = {
        "agreed_next_step": "we would send you the pilot plan",
        "benefits": ["faster onboarding", "cut costs"],
    }
    ctx = make_context(history=_rescue_history(12), deal=deal)
    plan = make_plan(ctx, playbook, TODAY)
    notes = " ".join(plan.notes)
    assert (
        "deal.agreed_next_step" in notes and "deal.benefits[0]" not in notes
    )  # "faster" could be a verb
    _, body = render_offline(
        ctx,
        "rescue_call",
        Channel.voicemail,
        sender=ctx.sender,
        send_on=TODAY,
        templates_dir=playbook.path / "templates",
    )
    assert "to we would" not in body and "we would send" not in body
    assert "on a next step" in body


def test_move_on_is_not_held_for_a_working_day() -> None:
    saturday = dt.date(2026, 11, 21)
    ctx = make_context(stage="cold", history=_closing_sent(9), today=saturday)
    plan = make_plan(ctx, load_playbook(), saturday)
    assert (plan.technique, plan.send_on) == ("move_on", saturday)


def test_a_long_absence_plans_the_step_due_on_return(playbook: Playbook) -> None:
    back = dt.date(2027, 1, 26)  # beyond the 60-day horizon
    ctx = make_context(
        history=_rescue_history(12), deal=NEXT_STEP, prospect={"away_until": back.isoformat()}
    )
    plan = make_plan(ctx, playbook, TODAY)
    assert (plan.technique, plan.send_on) == ("wait", back)
    assert (plan.then[0].technique, plan.then[0].send_on) == ("should_i_stay_or_go", back)
    # an absence longer than the playbook's patience ends in move_on, not a message
    longer = make_context(
        history=_rescue_history(12), deal=NEXT_STEP, prospect={"away_until": "2027-06-01"}
    )
    assert [s.technique for s in make_plan(longer, playbook, TODAY).then] == ["move_on"]


def test_windows_that_passed_are_too_late_and_used_techniques_already_sent(
    playbook: Playbook,
) -> None:
    ctx = make_context(
        history=touches(
            ("2026-10-20", "meeting", "in"),
            ("2026-10-23", "email", "out", "last_email_nudge"),
            ("2026-11-02", "voicemail", "out"),
        ),
        deal={"agreed_next_step": "review the pilot plan"},
        today=dt.date(2026, 11, 23),
    )
    plan = make_plan(ctx, playbook, dt.date(2026, 11, 23))
    why = {a.technique: a.why for a in plan.alternatives}
    assert why["last_email_nudge"].startswith("already sent:")
    assert why["rescue_call"].startswith("too late: days since the first unanswered attempt: 31")
    assert why["best_contact_question"].startswith("too late:")
    assert why["move_on"].startswith("not yet:")


def test_a_used_closing_technique_is_already_sent(playbook: Playbook) -> None:
    ctx = make_context(
        history=touches(
            ("2026-10-20", "meeting", "in"),
            ("2026-11-03", "email", "out"),
            ("2026-11-16", "email", "out", "should_i_stay_or_go"),
        ),
        today=dt.date(2026, 11, 19),
    )
    plan = make_plan(ctx, playbook, dt.date(2026, 11, 19))
    why = {a.technique: a.why for a in plan.alternatives}
    assert why["should_i_stay_or_go"].startswith("already sent")
    assert "fits, but not today" not in " ".join(why.values())


def test_an_unlabelled_touch_that_may_have_been_the_closing_message_is_asked_about(
    playbook: Playbook,
) -> None:
    history = touches(
        ("2026-11-03", "meeting", "in"),
        ("2026-11-06", "email", "out"),
        ("2026-11-10", "voicemail", "out"),
        ("2026-11-23", "email", "out"),  # the planned closing email, logged without its technique
    )
    plan = make_plan(make_context(history=history, today=None), playbook, dt.date(2026, 11, 30))
    assert plan.technique == "should_i_stay_or_go"
    assert "technique: should_i_stay_or_go" in plan.notes[0]
    assert "drafter log" in plan.notes[0] and "2026-11-23" in plan.notes[0]
    # labelled, it is final: a week on, move_on
    history[-1]["technique"] = "should_i_stay_or_go"
    labelled = make_context(history=history, today=None)
    assert make_plan(labelled, playbook, dt.date(2026, 11, 30)).technique == "move_on"
    # an ordinary touch another way gets no such note
    history[-1] = {"date": "2026-11-23", "channel": "text", "direction": "out"}
    other = make_plan(make_context(history=history, today=None), playbook, dt.date(2026, 11, 30))
    assert not any("technique:" in n for n in other.notes)
