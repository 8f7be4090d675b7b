"""The ordinary follow-up (issue 14): the contact the prospect asked for, the
call back after a live brush-off, the channel they named, and the touch the
next technique needs first; `wait` only when nothing should be sent yet; the
humour card or the final approach; offline drafts true to the history."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from pydantic import ValidationError

from drafter.check.checker import check_message
from drafter.context import Channel, DealContext
from drafter.draft.templates import render_offline
from drafter.plan.selector import make_plan
from drafter.playbook import Playbook, load_playbook
from tests.conftest import TODAY, as_summary, make_context, touches

ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    """The built-in playbook, sending on any day (working days are tested apart)."""
    book = load_playbook()
    return book.model_copy(
        update={"settings": book.settings.model_copy(update={"working_days": ALL_WEEK})}
    )


def ago(days: int) -> str:
    return (TODAY - days * DAY).isoformat()


def ahead(days: int) -> str:
    return (TODAY + days * DAY).isoformat()


# The histories of the cases, as touches.
MET = touches((ago(12), "meeting", "in"))
BRUSH_OFF = [
    *touches(
        (ago(30), "call", "out"),
        (ago(23), "email", "out"),
        (ago(16), "voicemail", "out"),
        (ago(9), "email", "out"),
        (ago(5), "call", "out"),
    ),
    {"date": ago(5), "channel": "call", "direction": "in", "outcome": "deferred"},
]
PHONE_ONLY = touches(  # a referred executive: four voicemails, no call back
    (ago(28), "voicemail", "out"),
    (ago(21), "voicemail", "out"),
    (ago(14), "voicemail", "out"),
    (ago(7), "voicemail", "out"),
)
DIRECTOR = touches(
    (ago(20), "email", "out"), (ago(13), "voicemail", "out"), (ago(3), "meeting", "in")
)

# (id, stage, history, prospect, deal, channel, words the rationale must hold)
REASONS: list[tuple[str, str, list[dict[str, Any]], dict[str, Any], dict[str, Any], str, str]] = [
    (
        "the date they named has come",
        "engaged",
        MET,
        {},
        {"follow_up_on": TODAY.isoformat(), "follow_up_channel": "call"},
        "call",
        "The date they named for the next contact has come",
    ),
    (
        "the date they named came and went with no touch",
        "engaged",
        MET,
        {},
        {"follow_up_on": ago(2)},
        "email",
        "The date they named for the next contact has come",
    ),
    (
        "they asked for a text",
        "engaged",
        DIRECTOR,
        {},
        {"follow_up_channel": "text"},
        "text",
        "They named how to reach them",
    ),
    (
        "they prefer the phone",
        "proposal",
        MET,
        {"preferred_channel": "phone"},
        {},
        "call",
        "They named how to reach them",
    ),
    (
        "a live brush-off, and no call back",
        "cold",
        BRUSH_OFF,
        {},
        {},
        "call",
        "put you off (a brush-off",
    ),
    (
        "phone only: the final approach needs a means not yet tried",
        "cold",
        PHONE_ONLY,
        {},
        {},
        "email",
        "Send an email, a means not yet tried; the final approach follows if it goes unanswered",
    ),
    (
        "phone only, they prefer texts: the untried means they like",
        "cold",
        PHONE_ONLY,
        {"preferred_channel": "text"},
        {},
        "text",
        "Send a text, a means not yet tried; the final approach follows",
    ),
    (
        "one call so far: more touches, a new means first",
        "cold",
        touches((ago(6), "call", "out")),
        {},
        {},
        "email",
        "Send an email, a means not yet tried, the first of 2 touches",
    ),
    (
        "weeks since their last answer and nothing sent since",
        "engaged",
        touches((ago(30), "meeting", "in")),
        {"best_time": "mornings"},  # known: the best-contact question does not fit
        {},
        "email",
        "Nothing has gone to them since they last answered",
    ),
]


@pytest.mark.parametrize("form", ["touches", "summary"])
@pytest.mark.parametrize(
    ("stage", "history", "prospect", "deal", "channel", "words"),
    [case[1:] for case in REASONS],
    ids=[case[0] for case in REASONS],
)
def test_follow_up_fires_with_its_reason(
    playbook: Playbook,
    form: str,
    stage: str,
    history: list[dict[str, Any]],
    prospect: dict[str, Any],
    deal: dict[str, Any],
    channel: str,
    words: str,
) -> None:
    shaped: Any = history
    if form == "summary":
        shaped = as_summary(history)
        deferred = [t for t in history if t.get("outcome") == "deferred"]
        if deferred:
            shaped["last_reply_outcome"] = "deferred"
    ctx = make_context(stage=stage, history=shaped, prospect=prospect, deal=deal)
    plan = make_plan(ctx, playbook, TODAY)
    if form == "summary" and deal == {} and "brush-off" in words:
        channel = "email"  # a summary does not say how they answered: the default channel
    assert (plan.technique, plan.send_on) == ("follow_up", TODAY), plan.rationale
    assert plan.channel is not None and plan.channel.value == channel, plan.rationale
    assert words in plan.rationale
    assert plan.source == playbook.get("follow_up").source


def test_the_road_ahead_holds_the_follow_up(playbook: Playbook) -> None:
    phone_only = make_plan(make_context(stage="cold", history=PHONE_ONLY), playbook, TODAY)
    assert [s.technique for s in phone_only.then] == ["final_approach", "move_on"]
    one_call = make_context(stage="cold", history=touches((ago(6), "call", "out")))
    plan = make_plan(one_call, playbook, TODAY)
    assert [s.technique for s in plan.then] == ["follow_up", "final_approach", "move_on"]
    # a wait for an agreed date shows the follow-up as the next step
    later = make_context(history=MET, deal={"follow_up_on": ahead(10)})
    waiting = make_plan(later, playbook, TODAY)
    assert waiting.then[0].technique == "follow_up"
    assert waiting.then[0].send_on == TODAY + 10 * DAY


# --- follow_up_on: before, on, after; with away_until overlapping ------------------

# (id, follow_up_on, away_until, touches after the meeting, technique, send_on, then[0])
DATES: list[tuple[str, int, int | None, list[dict[str, Any]], str, int, str | None]] = [
    ("before the date", 9, None, [], "wait", 9, "follow_up"),
    ("on the date", 0, None, [], "follow_up", 0, None),
    ("after the date, not yet kept", -3, None, [], "follow_up", 0, None),
    (
        "after the date, kept by a touch on it",
        -4,
        None,
        touches((ago(4), "call", "out")),
        "wait",
        -1,  # the send_on is checked to be later than today below
        None,
    ),
    ("away past the date: wait for their return", 2, 6, [], "wait", 6, "follow_up"),
    ("back before the date: wait for the date", 8, 3, [], "wait", 8, "follow_up"),
    ("date passed while away, back today", -2, 0, [], "follow_up", 0, None),
]


@pytest.mark.parametrize(
    ("agreed", "away", "since", "technique", "send_in", "first"),
    [case[1:] for case in DATES],
    ids=[case[0] for case in DATES],
)
def test_the_date_they_named(
    playbook: Playbook,
    agreed: int,
    away: int | None,
    since: list[dict[str, Any]],
    technique: str,
    send_in: int,
    first: str | None,
) -> None:
    history = [*touches((ago(20), "meeting", "in")), *since]
    prospect = {"away_until": ahead(away)} if away is not None else {}
    deal = {"follow_up_on": ahead(agreed), "follow_up_channel": "call"}
    ctx = make_context(history=history, prospect=prospect, deal=deal)
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == technique, plan.rationale
    if send_in >= 0:
        assert plan.send_on == TODAY + send_in * DAY
    else:
        assert plan.send_on > TODAY
    if technique == "follow_up":
        assert plan.channel == Channel.call
        assert "the way they asked to be contacted next" in plan.rationale
    if first is not None:
        assert (plan.then[0].technique, plan.then[0].send_on) == (first, plan.send_on)
        assert plan.then[0].channel == Channel.call
    if technique == "wait" and send_in > 0:
        assert "Nothing goes out today" in plan.rationale
        if away is not None and away > 0:
            assert "is away until" in plan.rationale
        if agreed > 0:
            assert "asked to be contacted" in plan.rationale
    # nothing from the playbook is ever planned before the date they named
    for step in plan.then:
        assert step.send_on >= TODAY + min(agreed, 0) * DAY


def test_the_date_blocks_every_technique_and_a_forced_one(playbook: Playbook) -> None:
    # a rescue call would fit today, but they asked to be contacted in five days
    history = touches(
        (ago(28), "meeting", "in"),
        (ago(12), "voicemail", "out"),
        (ago(8), "email", "out"),
        (ago(4), "voicemail", "out"),
    )
    deal = {"agreed_next_step": "review the pilot plan with your CFO"}
    assert make_plan(make_context(history=history, deal=deal), playbook, TODAY).technique == (
        "rescue_call"
    )
    held = make_context(history=history, deal={**deal, "follow_up_on": ahead(5)})
    plan = make_plan(held, playbook, TODAY)
    assert plan.technique == "wait" and plan.send_on == TODAY + 5 * DAY
    assert "rescue_call would fit otherwise" in plan.rationale
    forced = make_plan(held, playbook, TODAY, technique="rescue_call")
    assert forced.send_on == TODAY + 5 * DAY


def test_a_date_on_a_weekend_goes_out_on_the_next_working_day() -> None:
    book = load_playbook()
    saturday = TODAY + 6 * DAY
    assert saturday.weekday() == 5
    ctx = make_context(history=MET, deal={"follow_up_on": saturday.isoformat()})
    plan = make_plan(ctx, book, TODAY)
    assert plan.technique == "wait"
    assert plan.then[0].technique == "follow_up"
    assert plan.then[0].send_on == saturday + 2 * DAY


def test_a_date_beyond_the_horizon_is_still_kept(playbook: Playbook) -> None:
    far = TODAY + 100 * DAY  # "call me after the holidays", three months out
    ctx = make_context(history=MET, deal={"follow_up_on": far.isoformat()})
    plan = make_plan(ctx, playbook, TODAY)
    assert (plan.technique, plan.send_on) == ("wait", far)
    assert plan.then[0].technique == "follow_up"


# --- wait means wait; words that fit the history ---------------------------------

ADVICE = ("follow up as agreed", "keep your usual touches", "make your first touches")


def _random_context(rng: random.Random) -> DealContext:
    history: list[dict[str, Any]] = []
    day = TODAY - rng.randint(5, 60) * DAY
    for _ in range(rng.randint(0, 7)):
        direction = "in" if rng.random() < 0.2 else "out"
        touch: dict[str, Any] = {
            "date": day.isoformat(),
            "channel": rng.choice(["call", "voicemail", "email", "text", "meeting"]),
            "direction": direction,
        }
        if direction == "in" and rng.random() < 0.4:
            touch["outcome"] = "deferred"
        history.append(touch)
        day += rng.randint(1, 9) * DAY
        if day >= TODAY:
            break
    prospect: dict[str, Any] = {}
    if rng.random() < 0.3:
        prospect["preferred_channel"] = rng.choice(["email", "phone", "text"])
    if rng.random() < 0.2:
        prospect["away_until"] = ahead(rng.randint(-3, 10))
    deal: dict[str, Any] = {}
    if rng.random() < 0.3:
        deal["follow_up_on"] = ahead(rng.randint(-6, 20))
    if rng.random() < 0.2:
        deal["follow_up_channel"] = rng.choice(["call", "text", "email"])
    stage = rng.choice(["cold", "engaged", "proposal"])
    return make_context(stage=stage, history=history, prospect=prospect, deal=deal)


def test_a_wait_never_advises_a_touch_now(playbook: Playbook) -> None:
    rng = random.Random(14)
    waits = follow_ups = 0
    for _ in range(400):
        ctx = _random_context(rng)
        plan = make_plan(ctx, playbook, TODAY)
        untouched = ctx.history == []
        if plan.technique == "wait":
            waits += 1
            for words in ADVICE:
                if not (untouched and words == "make your first touches"):
                    assert words not in plan.rationale.lower(), (ctx, plan.rationale)
            if not untouched:
                assert plan.send_on > TODAY or not plan.then, plan.rationale
        if plan.technique == "follow_up":
            follow_ups += 1
            assert plan.send_on == TODAY
            agreed = ctx.deal.follow_up_on
            if agreed is not None and agreed > TODAY:
                raise AssertionError(f"follow-up before the date they named: {ctx}")
    assert waits > 20 and follow_ups > 20


def test_first_touches_only_with_no_touch_at_all(playbook: Playbook) -> None:
    none = make_plan(make_context(stage="cold", history=[]), playbook, TODAY)
    assert none.technique == "wait"
    assert "make your first touches" in none.rationale.lower()
    # five touches and a live brush-off is not "nothing to follow up"
    brushed = make_plan(
        make_context(stage="cold", history=BRUSH_OFF[:5] + BRUSH_OFF[5:]), playbook, TODAY
    )
    assert "first touches" not in brushed.rationale.lower()


def test_a_live_brush_off_is_named_as_such(playbook: Playbook) -> None:
    yesterday = [
        *touches((ago(20), "email", "out"), (ago(1), "call", "out")),
        {"date": ago(1), "channel": "call", "direction": "in", "outcome": "deferred"},
    ]
    plan = make_plan(make_context(stage="cold", history=yesterday), playbook, TODAY)
    assert plan.technique == "wait"  # too soon to call back: three days first
    assert plan.send_on == TODAY + 2 * DAY
    assert any("live brush-off" in note for note in plan.notes)
    assert plan.then[0].technique == "follow_up"
    # a real reply is not a brush-off
    replied = [{**t, "outcome": "replied"} if t.get("outcome") else t for t in yesterday]
    plan = make_plan(make_context(stage="engaged", history=replied), playbook, TODAY)
    assert not any("brush-off" in note for note in plan.notes)
    assert "brush-off" not in plan.rationale


# --- the humour card or the final approach ----------------------------------------

COLD_RUN = touches(
    (ago(52), "call", "out"),
    (ago(45), "email", "out"),
    (ago(38), "voicemail", "out"),
    (ago(24), "email", "out"),
    (ago(10), "voicemail", "out"),
)
ADDRESS = {"mailing_address": "9 Elm St, Boston MA"}


@pytest.mark.parametrize(
    ("prospect", "deal", "technique"),
    [
        (ADDRESS, {}, "humor_card"),
        ({**ADDRESS, "title": "Office Manager"}, {}, "humor_card"),
        ({**ADDRESS, "title": "Vice President, Sales"}, {}, "humor_card"),
        ({**ADDRESS, "title": "CFO"}, {}, "final_approach"),
        ({**ADDRESS, "title": "Chief Operating Officer"}, {}, "final_approach"),
        (ADDRESS, {"rfp": True}, "final_approach"),
        (ADDRESS, {"deadline": ahead(20)}, "final_approach"),
        ({}, {}, "final_approach"),
    ],
    ids=[
        "cold-address",
        "office-manager",
        "vice-president",
        "cfo",
        "chief-officer",
        "rfp",
        "deadline",
        "no-address",
    ],
)
def test_humour_card_or_final_approach(
    playbook: Playbook, prospect: dict[str, Any], deal: dict[str, Any], technique: str
) -> None:
    ctx = make_context(stage="cold", history=COLD_RUN, prospect=prospect, deal=deal)
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == technique, plan.rationale
    if technique == "final_approach" and prospect:
        why = next(a.why for a in plan.alternatives if a.technique == "humor_card")
        assert "needs no" in why


def test_the_card_choice_is_playbook_data(playbook: Playbook) -> None:
    card = playbook.get("humor_card")
    facts = {c.fact for group in card.when for c in group.all}
    assert {"rfp", "c_level", "has_deadline"} <= facts
    assert any("engaged formally" in note for note in card.gap_notes)


# --- the context: fields, and how a brush-off is recorded ---------------------------


def test_context_fields_and_their_errors() -> None:
    ctx = make_context(deal={"follow_up_on": "2027-01-05", "follow_up_channel": "phone"})
    assert ctx.deal.follow_up_channel == Channel.call
    with pytest.raises(ValidationError, match="direction must be in"):
        make_context(
            history=[{"date": ago(1), "channel": "call", "direction": "out", "outcome": "deferred"}]
        )
    with pytest.raises(ValidationError, match="last_reply_outcome needs last_reply"):
        make_context(history={"last_reply_outcome": "deferred"})
    with pytest.raises(ValidationError, match="follow_up_channel"):
        make_context(deal={"follow_up_channel": "fax"})
    with pytest.raises(ValidationError, match="rfp"):
        make_context(deal={"rfp": "maybe"})


# --- offline drafts of follow_up: every channel, every reason ----------------------

# (reason, stage, history, prospect, deal, words every channel must say, words none may say)
DRAFTS: list[
    tuple[str, str, list[dict[str, Any]], dict[str, Any], dict[str, Any], str, list[str]]
] = [
    (
        "agreed date",
        "engaged",
        MET,
        {},
        {"follow_up_on": TODAY.isoformat()},
        "You asked me to",
        ["bad moment", "wasn't a good moment", "works best"],
    ),
    ("brush-off", "cold", BRUSH_OFF, {}, {}, "moment", ["You asked", "works best"]),
    (
        "asked channel",
        "engaged",
        DIRECTOR,
        {},
        {"follow_up_channel": "text"},
        "",
        ["You asked", "moment"],
    ),
    (
        "new means",
        "cold",
        PHONE_ONLY,
        {},
        {},
        "",
        ["You asked", "moment", "works best", "we spoke", "Analytics again"],
    ),
]
DEAL_EXTRAS = {
    "benefits": ["cut driver onboarding time in half"],
    "news": "a case study from a firm like theirs",
    "agreed_next_step": "review the pilot plan with your CFO",
}
FOLLOW_UP_CHANNELS = [
    Channel.email,
    Channel.call,
    Channel.text,
    Channel.voicemail,
    Channel.linkedin,
]


@pytest.mark.parametrize("extras", ["bare", "full"])
@pytest.mark.parametrize("channel", FOLLOW_UP_CHANNELS, ids=lambda c: c.value)
@pytest.mark.parametrize(
    ("stage", "history", "prospect", "deal", "says", "never"),
    [case[1:] for case in DRAFTS],
    ids=[case[0] for case in DRAFTS],
)
def test_follow_up_drafts_are_true_and_pass_their_checks(
    playbook: Playbook,
    stage: str,
    history: list[dict[str, Any]],
    prospect: dict[str, Any],
    deal: dict[str, Any],
    says: str,
    never: list[str],
    channel: Channel,
    extras: str,
) -> None:
    deal = {**deal, **(DEAL_EXTRAS if extras == "full" else {})}
    ctx = make_context(stage=stage, history=history, prospect=prospect, deal=deal)
    plan = make_plan(ctx, playbook, TODAY)
    assert plan.technique == "follow_up"
    subject, body = render_offline(
        ctx,
        "follow_up",
        channel,
        sender=ctx.sender,
        send_on=plan.send_on,
        templates_dir=playbook.path / "templates",
    )
    text = f"{subject}\n{body}" if subject else body
    assert says in text
    for words in never:
        assert words not in text, text
    assert "just check" not in text.lower() and "checking in" not in text.lower()
    if extras == "full":
        assert "review the pilot plan with your CFO" in text
    report = check_message(body, channel=channel, technique="follow_up", subject=subject)
    errors = [(v.rule, v.excerpt) for v in report.violations if v.severity == "error"]
    assert errors == [], text
    assert [v.rule for v in report.violations if v.rule.startswith("move:")] == [], text


def test_the_asked_channel_is_said_only_on_that_channel(playbook: Playbook) -> None:
    ctx = make_context(history=DIRECTOR, deal={"follow_up_channel": "text"})
    said = {}
    for channel in FOLLOW_UP_CHANNELS:
        _, body = render_offline(
            ctx,
            "follow_up",
            channel,
            sender=ctx.sender,
            send_on=TODAY,
            templates_dir=playbook.path / "templates",
        )
        said[channel] = "works best" in body
    assert said == {c: c is Channel.text for c in FOLLOW_UP_CHANNELS}


def test_the_llm_prompt_names_a_brush_off(playbook: Playbook) -> None:
    from drafter.draft.base import DraftRequest
    from drafter.draft.llm.prompt import history_said

    for history in (BRUSH_OFF, {**as_summary(BRUSH_OFF), "last_reply_outcome": "deferred"}):
        ctx = make_context(stage="cold", history=history)
        plan = make_plan(ctx, playbook, TODAY)
        request = DraftRequest(ctx, plan, ctx.sender, "follow_up", Channel.call, TODAY)
        said = history_said(request)
        assert "live brush-off" in said["last_answer"]
        if isinstance(history, list):
            assert any("live brush-off" in t for t in said["touches"])
    plain = make_context(history=MET)
    request = DraftRequest(
        plain, make_plan(plain, playbook, TODAY), plain.sender, "follow_up", Channel.email, TODAY
    )
    assert "last_answer" not in history_said(request)
