"""One derived view of a prospect's history, whichever form it came in.

Both contract forms (a list of touches, or a CRM-style summary) become an
:class:`Engagement`: the unanswered attempts since the last reply and what we
know of them. :func:`facts` then reads it as of a given day, as the named
values that playbook conditions test.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from drafter.context import (
    Channel,
    DealContext,
    Direction,
    HistorySummary,
    Outcome,
    PreferredChannel,
)
from drafter.days import weekday_of

# The means a channel belongs to. Seed 001 asks for attempts "through different
# means such as voicemail and email": a call and a voicemail are one means.
MEANS: Mapping[Channel, str] = {
    Channel.call: "phone",
    Channel.voicemail: "phone",
    Channel.email: "email",
    Channel.text: "text",
    Channel.letter: "letter",
    Channel.linkedin: "linkedin",
    Channel.meeting: "meeting",
}


def means_of(channels: Iterable[Channel]) -> tuple[str, ...]:
    """The distinct means of ``channels``, in first-seen order."""
    return tuple(dict.fromkeys(MEANS[c] for c in channels))


@dataclass(frozen=True)
class Engagement:
    attempts: int
    channels_tried: tuple[Channel, ...]
    first_attempt: dt.date | None
    last_attempt: dt.date | None
    last_reply: dt.date | None
    last_technique: str | None
    # (technique, day) of every unanswered attempt that named a playbook technique
    technique_days: tuple[tuple[str, dt.date], ...]
    # the last outbound touch of any kind, answered or not (spacing counts from it)
    last_touch: dt.date | None
    # the channel of every unanswered attempt, oldest first; None when the history
    # is a CRM summary (which gives only the total and the channels used)
    attempt_channels: tuple[Channel, ...] | None = None
    # days with an outbound touch, answered or not (a missed appointment's day
    # is checked against them)
    touch_days: tuple[dt.date, ...] = ()
    # their last answer was a live brush-off ("busy, call me back"), and on what channel
    last_reply_deferred: bool = False
    last_reply_channel: Channel | None = None

    @property
    def means_tried(self) -> tuple[str, ...]:
        return means_of(self.channels_tried)

    def means_counts(self) -> dict[str, int] | None:
        """Unanswered attempts per means, where the history says (None if not)."""
        if self.attempt_channels is None:
            if len(self.means_tried) == 1:  # one means only: all of them used it
                return {self.means_tried[0]: self.attempts}
            return None if self.attempts else {}
        counts: dict[str, int] = {}
        for channel in self.attempt_channels:
            counts[MEANS[channel]] = counts.get(MEANS[channel], 0) + 1
        return counts

    @property
    def techniques_used(self) -> frozenset[str]:
        return frozenset(t for t, _ in self.technique_days)

    def last_used(self, techniques: frozenset[str]) -> dt.date | None:
        """The day the latest of ``techniques`` went out unanswered, if one did."""
        return max((d for t, d in self.technique_days if t in techniques), default=None)

    def with_touch(self, day: dt.date, channel: Channel | None, technique: str) -> Engagement:
        """This engagement after one more unanswered touch (for looking ahead)."""
        channels = self.channels_tried
        if channel is not None and channel not in channels:
            channels = (*channels, channel)
        # every field given (dataclasses.replace takes twice as long to find them)
        return Engagement(
            attempts=self.attempts + 1,
            channels_tried=channels,
            first_attempt=self.first_attempt or day,
            last_attempt=day,
            last_reply=self.last_reply,
            last_technique=technique,
            technique_days=(*self.technique_days, (technique, day)),
            last_touch=day,
            attempt_channels=(
                None
                if self.attempt_channels is None or channel is None
                else (*self.attempt_channels, channel)
            ),
            touch_days=(*self.touch_days, day),
            last_reply_deferred=self.last_reply_deferred,
            last_reply_channel=self.last_reply_channel,
        )


# The last deal summarised, and its engagement: planning and drafting one deal
# ask for it several times in a row (both are immutable).
_LAST_SUMMARY: list[Any] = [None, None]


def summarise(ctx: DealContext) -> Engagement:
    last = _LAST_SUMMARY
    if last[0] is ctx:
        found: Engagement = last[1]
        return found
    eng = _summarised(ctx)
    last[:] = [ctx, eng]
    return eng


def _summarised(ctx: DealContext) -> Engagement:
    eng = _summarise(ctx)
    missed = ctx.deal.missed_appointment
    if missed is not None and eng.last_touch == missed and missed_appointment_pending(ctx, eng):
        # A call at the appointment time is the appointment itself, not a touch
        # to space the missed-appointment email from.
        earlier = [d for d in eng.touch_days if d != missed]
        eng = replace(eng, last_touch=max(earlier, default=None))
    return eng


def _summarise(ctx: DealContext) -> Engagement:
    history = ctx.history
    if isinstance(history, HistorySummary):
        return Engagement(
            attempts=history.attempts,
            channels_tried=tuple(dict.fromkeys(history.channels_tried)),
            first_attempt=history.first_attempt or history.last_attempt,
            last_attempt=history.last_attempt,
            last_reply=history.last_reply,
            last_technique=history.last_technique,
            technique_days=(
                ((history.last_technique, history.last_attempt),)
                if history.last_technique and history.last_attempt
                else ()
            ),
            last_touch=history.last_attempt,
            attempt_channels=None,
            touch_days=tuple(
                d for d in dict.fromkeys((history.first_attempt, history.last_attempt)) if d
            ),
            last_reply_deferred=history.last_reply_outcome is Outcome.deferred,
        )
    answers = [t for t in history if t.direction is Direction.in_]
    replies = [t.date for t in answers]
    outbound = [t.date for t in history if t.direction is Direction.out]
    last_reply = max(replies) if replies else None
    unanswered = [
        t
        for t in history
        if t.direction is Direction.out and (last_reply is None or t.date > last_reply)
    ]
    return Engagement(
        attempts=len(unanswered),
        channels_tried=tuple(dict.fromkeys(t.channel for t in unanswered)),
        first_attempt=unanswered[0].date if unanswered else None,
        last_attempt=unanswered[-1].date if unanswered else None,
        last_reply=last_reply,
        last_technique=unanswered[-1].technique if unanswered else None,
        technique_days=tuple((t.technique, t.date) for t in unanswered if t.technique),
        last_touch=max(outbound, default=None),
        attempt_channels=tuple(t.channel for t in unanswered),
        touch_days=tuple(outbound),
        last_reply_deferred=bool(answers) and answers[-1].outcome is Outcome.deferred,
        last_reply_channel=answers[-1].channel if answers else None,
    )


# Facts that count days since a date: the selector looks for the days on which
# they cross a threshold instead of trying every day.
DATE_FACTS: Mapping[str, str] = {
    "days_since_first_attempt": "first_attempt",
    "days_since_last_attempt": "last_attempt",
    "days_since_last_touch": "last_touch",
    "days_since_closing_message": "closing_message",
    "days_since_last_reply": "last_reply",
    "days_since_missed_appointment": "missed_appointment",
    "days_since_follow_up_date": "follow_up_on",
}

# The facts that may hold a list or a float (all others hold a str, an int, a
# bool or None): the planner's memo makes only these hashable and exact
# (tests/test_plan_memo.py checks :func:`facts` against this).
INEXACT_FACTS = frozenset({"channels_tried", "means_tried", "techniques_used", "value"})

# Every fact a playbook condition may test, with the words used to explain it.
FACT_LABELS: Mapping[str, str] = {
    "stage": "deal stage",
    "role": "prospect's role",
    "value": "deal value",
    "currency": "currency of the deal value",
    "attempts": "unanswered attempts since the last reply",
    "distinct_channels": "different channels tried",
    "channels_tried": "channels tried",
    "distinct_means": "different means tried (a call and a voicemail are one means: phone)",
    "means_tried": "means tried",
    "days_since_first_attempt": "days since the first unanswered attempt",
    "days_since_last_attempt": "days since the last attempt",
    "days_since_last_reply": "days since the prospect last replied or met",
    "ever_replied": "the prospect has replied or met before",
    "days_since_last_touch": "days since our last outbound touch, answered or not",
    "last_technique": "technique of the last attempt",
    "closing_message_sent": "a closing message went out and is unanswered",
    "days_since_closing_message": "days since the unanswered closing message",
    "techniques_used": "playbook techniques already used since the last reply",
    "has_agreed_next_step": "an agreed next step is on file",
    "has_mailing_address": "a mailing address is on file",
    "has_email": "the prospect's email is on file",
    "has_phone": "the prospect's phone is on file",
    "contact_preference_known": "how and when they like to be reached is known",
    "missed_appointment_pending": "a missed appointment has not been followed up yet",
    "days_since_missed_appointment": "days since the missed appointment",
    "has_news": "something new to share since the last contact",
    "follow_up_pending": "a next contact they asked for (follow_up_on) is still to be made",
    "days_since_follow_up_date": "days since the date they named for the next contact",
    "last_reply_deferred": "their last answer was a live brush-off that put you off",
    "channel_asked_for": "they named how to reach them (follow_up_channel, preferred_channel)",
    "rfp": "the buyer issued a request for proposal (RFP)",
    "c_level": "the prospect holds a C-level title",
    "has_deadline": "a deadline is on file",
    "away": "the prospect is away",
    "weekday": "day of the week",
}


def missed_appointment_pending(ctx: DealContext, eng: Engagement) -> bool:
    """Whether a missed appointment still waits for its follow-up.

    Only the missed-appointment message itself, or a reply from the prospect on
    or after the day, settles it. A touch on the day of the appointment is the
    appointment (the call at the agreed time that went unanswered); a reminder
    call on a later day is a reminder, not the message seed 004 asks for.
    """
    missed = ctx.deal.missed_appointment
    if missed is None:
        return False
    if any(t == "missed_appointment" and d >= missed for t, d in eng.technique_days):
        return False
    return eng.last_reply is None or eng.last_reply < missed


# A C-level title: CEO, CFO, CISO..., "Chief ... Officer", President (not Vice President).
C_LEVEL = re.compile(r"\bC[A-Z]{1,3}O\b|(?i:\bchief\b)|(?i:(?<!vice )(?<!vice-)\bpresident\b)")


@functools.lru_cache(maxsize=1024)  # a batch's rows share a few hundred titles at most
def is_c_level(title: str | None) -> bool:
    return title is not None and C_LEVEL.search(title) is not None


def follow_up_pending(ctx: DealContext, eng: Engagement) -> bool:
    """A next contact the prospect asked for is on file and nothing has happened
    since that day: no touch of ours and no answer of theirs on or after it."""
    agreed = ctx.deal.follow_up_on
    if agreed is None:
        return False
    return all(d is None or d < agreed for d in (eng.last_touch, eng.last_reply))


def facts(
    ctx: DealContext, eng: Engagement, day: dt.date, closing: frozenset[str]
) -> dict[str, Any]:
    """The named facts of this deal as of ``day`` (pure: no clock, no I/O).

    The planner asks for them on many days and after imagined touches: the
    facts of the deal alone, and those of an engagement, are worked out once
    for the last deal and engagement asked about (both are immutable), and
    only the facts a day changes are worked out for each day."""
    base, e = _day_free_facts(ctx, eng, closing)
    f = base.copy()
    f["channels_tried"] = list(e[1])
    f["means_tried"] = list(e[3])
    f["techniques_used"] = list(e[5])
    # days since each date (None without one), written out: the planner asks often
    since = eng.first_attempt
    f["days_since_first_attempt"] = None if since is None else (day - since).days
    since = eng.last_attempt
    f["days_since_last_attempt"] = None if since is None else (day - since).days
    since = eng.last_reply
    f["days_since_last_reply"] = None if since is None else (day - since).days
    since = eng.last_touch
    f["days_since_last_touch"] = None if since is None else (day - since).days
    since = e[4]
    f["days_since_closing_message"] = None if since is None else (day - since).days
    deal = ctx.deal
    since = deal.missed_appointment
    f["days_since_missed_appointment"] = None if since is None else (day - since).days
    since = deal.follow_up_on
    f["days_since_follow_up_date"] = None if since is None else (day - since).days
    away = ctx.prospect.away_until
    f["away"] = away is not None and day < away
    f["weekday"] = weekday_of(day)
    return f


def _day_free_facts(
    ctx: DealContext, eng: Engagement, closing: frozenset[str]
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The facts no day changes, in :func:`facts`' order (the others None
    here), with the engagement's facts; remembered for the last deal and
    engagement asked about."""
    last = _LAST_FACTS
    if last[0] is ctx and last[1] is eng and last[2] is closing:
        found: tuple[dict[str, Any], tuple[Any, ...]] = last[3]
        return found
    s = _deal_facts(ctx)
    e = _engagement_facts(ctx, eng, closing)
    base = {
        "stage": s[0],
        "role": s[1],
        "value": s[2],
        "currency": s[3],
        "attempts": eng.attempts,
        "distinct_channels": e[0],
        "channels_tried": None,
        "distinct_means": e[2],
        "means_tried": None,
        "days_since_first_attempt": None,
        "days_since_last_attempt": None,
        "days_since_last_reply": None,
        "ever_replied": eng.last_reply is not None,
        "days_since_last_touch": None,
        "last_technique": eng.last_technique,
        "closing_message_sent": e[4] is not None,
        "days_since_closing_message": None,
        "techniques_used": None,
        "has_agreed_next_step": s[4],
        "has_mailing_address": s[5],
        "has_email": s[6],
        "has_phone": s[7],
        "contact_preference_known": s[8],
        "missed_appointment_pending": e[6],
        "days_since_missed_appointment": None,
        "has_news": s[9],
        "follow_up_pending": e[7],
        "days_since_follow_up_date": None,
        "last_reply_deferred": eng.last_reply_deferred,
        "channel_asked_for": s[10],
        "rfp": s[11],
        "c_level": s[12],
        "has_deadline": s[13],
        "away": None,
        "weekday": None,
    }
    found = (base, e)
    last[:] = [ctx, eng, closing, found]
    return found


_LAST_FACTS: list[Any] = [None, None, None, None]


# The last deal (and deal and engagement) facts were asked for, and their facts
# that no day changes: the planner asks about one deal many times in a row.
_LAST_DEAL: list[Any] = [None, ()]
_LAST_ENGAGEMENT: list[Any] = [None, None, None, ()]


def _deal_facts(ctx: DealContext) -> tuple[Any, ...]:
    if _LAST_DEAL[0] is ctx:
        found: tuple[Any, ...] = _LAST_DEAL[1]
        return found
    p, d = ctx.prospect, ctx.deal
    found = (
        d.stage.value,
        p.role.value,
        d.value,
        d.currency,
        d.agreed_next_step is not None,
        p.mailing_address is not None,
        p.email is not None,
        p.phone is not None,
        p.preferred_channel is not None
        or p.best_time is not None
        or d.follow_up_channel is not None,
        d.news is not None,
        d.follow_up_channel is not None or p.preferred_channel is not None,
        d.rfp,
        is_c_level(p.title),
        d.deadline is not None,
    )
    _LAST_DEAL[:] = [ctx, found]
    return found


def _engagement_facts(
    ctx: DealContext, eng: Engagement, closing: frozenset[str]
) -> tuple[Any, ...]:
    last = _LAST_ENGAGEMENT
    if last[0] is eng and last[1] is ctx and last[2] is closing:
        found: tuple[Any, ...] = last[3]
        return found
    means = eng.means_tried
    found = (
        len(eng.channels_tried),
        tuple(map(_CHANNEL_VALUES.__getitem__, eng.channels_tried)),
        len(means),
        means,
        eng.last_used(closing),
        tuple(sorted(eng.techniques_used)),
        missed_appointment_pending(ctx, eng),
        follow_up_pending(ctx, eng),
    )
    last[:] = [eng, ctx, closing, found]
    return found


# Each channel's value (an enum member's .value is a property, slower than a lookup).
_CHANNEL_VALUES: Mapping[Channel, str] = {c: c.value for c in Channel}


def anchor_date(
    ctx: DealContext, eng: Engagement, fact: str, closing: frozenset[str]
) -> dt.date | None:
    attr = DATE_FACTS[fact]
    if attr == "missed_appointment":
        return ctx.deal.missed_appointment
    if attr == "follow_up_on":
        return ctx.deal.follow_up_on
    if attr == "closing_message":
        return eng.last_used(closing)
    value: dt.date | None = getattr(eng, attr)
    return value


# How a prospect's own word for a channel maps onto ours, in order of preference.
PREFERRED_CHANNELS: Mapping[PreferredChannel, tuple[Channel, ...]] = {
    PreferredChannel.email: (Channel.email,),
    PreferredChannel.phone: (Channel.call, Channel.voicemail),
    PreferredChannel.text: (Channel.text,),
    PreferredChannel.in_person: (Channel.meeting,),
    PreferredChannel.assistant: (Channel.call, Channel.voicemail, Channel.email),
}
