"""How a technique is chosen: a deterministic, explainable function from a
deal context and a day to a :class:`~drafter.plan.Plan`.

The rules are the playbook's data: each technique's ``when`` groups, tried in
priority order. This module adds only what must never be tuned away:

* honesty: after a closing message nothing but ``move_on`` (or ``wait`` for it)
  is ever planned;
* spacing: no two touches closer than the playbook's minimum (never daily);
* absence: nothing is sent while the prospect is away, nor before the date they
  named for the next contact (``deal.follow_up_on``).

Between the special techniques a rep sends ordinary touches: ``follow_up``.
Its data conditions cover what the prospect asked for (a date, a channel, a
call back after a brush-off); this module adds the one reason that needs a
look ahead: when nothing but ``move_on`` lies ahead, the touches the playbook's
next technique still needs (a means not yet tried first), named in the plan.

When nothing fits today, the planner looks ahead, but only on the days where a
fact crosses a threshold (a condition's bound, the end of a spacing gap, the
prospect's return), so looking 60 days ahead costs a handful of evaluations.
The same look-ahead, applied after a hypothetical unanswered touch, gives the
road ahead (``then``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from drafter.context import Channel, DealContext, Direction, Role, Stage
from drafter.days import WEEKDAY_NAMES
from drafter.errors import InputError
from drafter.perspective import perspective_notes
from drafter.plan.engagement import (
    DATE_FACTS,
    MEANS,
    PREFERRED_CHANNELS,
    Engagement,
    anchor_date,
    facts,
    follow_up_pending,
    summarise,
)
from drafter.plan.memo import Memo, memo_of
from drafter.plan.memo import gap as _gap  # the spacing rule
from drafter.plan.models import Alternative, Plan, Step
from drafter.playbook import (
    Condition,
    Playbook,
    Technique,
    When,
    next_working_day,
    require_technique,
)

_DAY = dt.timedelta(days=1)
DYNAMIC_FACTS = frozenset(
    {
        "attempts",
        "distinct_channels",
        "channels_tried",
        "distinct_means",
        "means_tried",
        "techniques_used",
        "away",
        "weekday",
    }
    | set(DATE_FACTS)
)


FOLLOW_UP = "follow_up"
# At most this many ordinary touches are planned to reach the next technique.
MAX_BUILD_TOUCHES = 3


@dataclass(frozen=True)
class Match:
    technique: Technique
    day: dt.date
    reason: When | None
    facts: Mapping[str, Any]
    why: str | None = None  # the reason, when no `when` group gave it (a built follow-up)
    channel: Channel | None = None  # the channel the reason calls for, if any


def after_closing(technique: Technique, f: Mapping[str, Any]) -> bool:
    """The honesty rule, in one place: a message is never planned while a
    closing message is unanswered (a final message is final)."""
    return technique.kind == "message" and bool(f["closing_message_sent"])


def blocked(
    technique: Technique, f: Mapping[str, Any], playbook: Playbook, ctx: DealContext
) -> str | None:
    """Why a message technique may not be sent on the day ``f`` describes, if so."""
    if technique.kind != "message":
        return None
    prospect = ctx.prospect
    if after_closing(technique, f):
        return "a closing message went out and is still unanswered: a final message is final"
    held = []
    if f["away"]:
        held.append(f"{prospect.name} is away until {prospect.away_until}")
    if f["follow_up_pending"] and f["days_since_follow_up_date"] < 0:
        who = "they" if held else prospect.name
        held.append(f"{who} asked to be contacted on {ctx.deal.follow_up_on}")
    if held:
        return ", and ".join(held)
    if f["weekday"] not in playbook.settings.working_days:
        return f"{WEEKDAY_NAMES[f['weekday']]} is not a working day"
    since, gap = f["days_since_last_touch"], _gap(technique, playbook)
    if since is not None and since < gap:
        return (
            f"only {since} day{'s' if since != 1 else ''} since the last attempt (spacing: {gap})"
        )
    return None


class _Blocks:
    """:func:`blocked` on one day's facts, for technique after technique: a
    message is blocked or not by its spacing gap alone, so each gap is asked once."""

    def __init__(self, ctx: DealContext, playbook: Playbook, f: Mapping[str, Any]) -> None:
        self.ctx, self.playbook, self.f = ctx, playbook, f
        self.by_gap: dict[int, str | None] = {}

    def of(self, technique: Technique) -> str | None:
        if technique.kind != "message":
            return None
        spacing = _gap(technique, self.playbook)
        if spacing not in self.by_gap:
            self.by_gap[spacing] = blocked(technique, self.f, self.playbook, self.ctx)
        return self.by_gap[spacing]


# The last facts the selector asked for: (deal, engagement, closing, day, facts).
_LAST_DAY_FACTS: list[Any] = [None, None, None, None, None]


def _facts_on(
    ctx: DealContext, eng: Engagement, playbook: Playbook, day: dt.date
) -> dict[str, Any]:
    """``facts(ctx, eng, day, playbook.closing)``; the same dict as last time when
    asked again about the same deal, engagement and day (a plan asks twice in a
    row about a third of the time: the day it tries, then the technique it
    checks on it). The selector only reads the dicts it is given."""
    last = _LAST_DAY_FACTS
    closing = playbook.closing
    if last[0] is ctx and last[1] is eng and last[2] is closing and last[3] == day:
        found: dict[str, Any] = last[4]
        return found
    f = facts(ctx, eng, day, closing)
    last[:] = [ctx, eng, closing, day, f]
    return f


def first_match(
    ctx: DealContext, eng: Engagement, playbook: Playbook, day: dt.date
) -> Match | None:
    f = _facts_on(ctx, eng, playbook, day)
    memo = memo_of(playbook)
    held: dict[int, bool] = {}  # a message is blocked or not by its spacing gap alone
    for technique, spacing in memo.steps:
        if spacing is not None:  # a message
            is_held = held.get(spacing)
            if is_held is None:
                is_held = held[spacing] = blocked(technique, f, playbook, ctx) is not None
            if is_held:
                continue
        reason = memo.matching(technique, f)
        if reason is not None:
            return Match(technique, day, reason, f)
    return None


def candidate_days(
    ctx: DealContext, eng: Engagement, playbook: Playbook, start: dt.date
) -> list[dt.date]:
    """``start`` and every later day (within the horizon) on which a fact changes."""
    memo = memo_of(playbook)
    days = {start}
    for fact, steps in memo.day_steps:
        anchor = anchor_date(ctx, eng, fact, playbook.closing)
        if anchor is not None:
            days.update([anchor + step for step in steps])
    if eng.last_touch is not None:
        last_touch = eng.last_touch
        days.update([last_touch + step for step in memo.gap_steps])
    # the days a block lifts: the prospect is back, the date they named has come
    lifts = [d for d in (ctx.prospect.away_until, ctx.deal.follow_up_on) if d is not None]
    days.update(d for d in lifts if d >= start)
    working_day = memo.working_day
    days |= {working_day(d) for d in days}
    # within the horizon, or a week after the last block lifts
    end = start + memo.horizon
    if lifts:
        end = max(end, max(lifts) + 7 * _DAY)
    return sorted(d for d in days if start <= d <= end)


def next_match(
    ctx: DealContext, eng: Engagement, playbook: Playbook, start: dt.date
) -> Match | None:
    # ``start`` is always the first candidate day (the horizon is at least a
    # day), and most deals have a match on it: the other days are worked out
    # only when it has none.
    found = first_match(ctx, eng, playbook, start)
    if found is not None:
        return found
    for day in candidate_days(ctx, eng, playbook, start)[1:]:
        found = first_match(ctx, eng, playbook, day)
        if found is not None:
            return found
    return None


def earliest_allowed(
    technique: Technique, ctx: DealContext, eng: Engagement, playbook: Playbook, start: dt.date
) -> dt.date | None:
    """The first day from ``start`` on which ``technique`` is not blocked."""
    if not blocked(technique, _facts_on(ctx, eng, playbook, start), playbook, ctx):
        return start  # the first candidate day (see next_match)
    for day in candidate_days(ctx, eng, playbook, start)[1:]:
        if not blocked(technique, _facts_on(ctx, eng, playbook, day), playbook, ctx):
            return day
    return None


# Means drafter picks on its own to vary the approach. A text or a LinkedIn
# message goes where the prospect asked for it (seed 003: "many of my clients
# ask me to text them"), or with --channel.
_VARIETY_MEANS = frozenset({"phone", "email", "letter", "meeting"})
_MEANS_WORDS = {"phone": "phone", "email": "email", "letter": "post", "text": "text"}


_A_TOUCH = {
    Channel.email: "an email",
    Channel.call: "a call",
    Channel.voicemail: "a voicemail",
    Channel.text: "a text",
    Channel.linkedin: "a LinkedIn message",
    Channel.letter: "a letter",
    Channel.meeting: "a meeting",
}


def _lower_the(name: str) -> str:
    return "the" + name[3:] if name.startswith("The ") else name


def _build_channel(technique: Technique, ctx: DealContext, eng: Engagement) -> tuple[Channel, bool]:
    """The channel of the next ordinary touch and whether it is a means not yet tried:
    the prospect's preferred way first, then the technique's own order."""
    pref = ctx.prospect.preferred_channel
    preferred = [c for c in PREFERRED_CHANNELS[pref] if c in technique.channels] if pref else []
    order = list(dict.fromkeys([*preferred, *technique.channels]))
    tried = set(eng.means_tried)
    # a text or a LinkedIn message only where they asked for it (see _VARIETY_MEANS)
    fresh = [
        c for c in order if MEANS[c] not in tried and (c in preferred or MEANS[c] in _VARIETY_MEANS)
    ]
    return (fresh[0], True) if fresh else (order[0], False)


def build_toward(
    ctx: DealContext,
    eng: Engagement,
    playbook: Playbook,
    start: dt.date,
    before: dt.date | None = None,
) -> Match | None:
    """The ordinary follow-up the playbook's next technique needs first, if any.

    Tried only when nothing but a stop lies ahead: up to ``MAX_BUILD_TOUCHES``
    unanswered follow-ups are imagined (each on a means not yet tried, while
    there is one), and the first of them is proposed when a message technique
    would fit after them. Never with no touch at all on record (those first
    touches are the rep's, not a follow-up)."""
    follow = playbook.techniques.get(FOLLOW_UP)
    if follow is None or follow.kind != "message":
        return None
    if eng.attempts == 0 and eng.last_reply is None and eng.last_touch is None:
        return None
    if eng.last_used(playbook.closing) is not None:
        return None  # after an unanswered closing message nothing but move_on
    first_day = earliest_allowed(follow, ctx, eng, playbook, start)
    if first_day is None or (before is not None and first_day >= before):
        return None
    f = _facts_on(ctx, eng, playbook, first_day)
    current, day = eng, first_day
    first: tuple[Channel, bool] | None = None
    for count in range(1, MAX_BUILD_TOUCHES + 1):
        channel, fresh = _build_channel(follow, ctx, current)
        first = first or (channel, fresh)
        current = current.with_touch(day, channel, FOLLOW_UP)
        found = next_match(ctx, current, playbook, day + _DAY)
        if found is not None and found.technique.kind == "message":
            if found.technique.id == FOLLOW_UP:
                return None
            why = _build_reason(playbook, eng, f, found.technique, first, count)
            return Match(follow, first_day, None, f, why=why, channel=first[0])
        following = earliest_allowed(follow, ctx, current, playbook, day + _DAY)
        if following is None or (found is not None and found.day <= following):
            return None
        day = following
    return None


def _build_reason(
    playbook: Playbook,
    eng: Engagement,
    f: Mapping[str, Any],
    target: Technique,
    first: tuple[Channel, bool],
    count: int,
) -> str:
    channel, fresh = first
    name = _lower_the(target.name)
    missing = _missing(target, f, memo_of(playbook))
    touch = f"Send {_A_TOUCH[channel]}, a means not yet tried" if fresh else "One more touch"
    if count == 1:
        plan = f"{touch}; {name} follows if it goes unanswered"
    else:
        plan = f"{touch}, the first of {count} touches; {name} follows if they go unanswered"
    lead = f"The next step, {name} ({target.id}), is not there yet" + (
        f": {missing}" if missing else ""
    )
    if eng.attempts == 0 and eng.last_reply is not None:
        lead = (
            f"Nothing has gone to them since they last answered, on {eng.last_reply}, and "
            f"{name} ({target.id}) follows only unanswered touches"
        )
    return f"{lead}. {plan}."


def next_step(
    ctx: DealContext, eng: Engagement, playbook: Playbook, start: dt.date
) -> Match | None:
    """The next touch or stop from ``start``: a technique whose conditions hold,
    else the ordinary follow-up the next technique needs, else a stop."""
    found = next_match(ctx, eng, playbook, start)
    if found is not None and found.technique.kind == "message":
        return found
    built = build_toward(ctx, eng, playbook, start, before=found.day if found else None)
    return built or found


def choose_channel(
    technique: Technique,
    ctx: DealContext,
    forced: Channel | None = None,
    *,
    hint: Channel | None = None,
    eng: Engagement | None = None,
) -> tuple[Channel | None, str | None]:
    """The channel to use and, where it matters, a word on why: forced, else the
    one the reason calls for (``hint``), else the channel they agreed for this
    contact, else their preferred way, else (after a brush-off) the way they
    answered, else the technique's first."""
    prospect = ctx.prospect
    if not technique.channels:
        if forced is not None:
            raise InputError(
                f"{technique.id} sends nothing, so it takes no channel", key="--channel"
            )
        return None, None
    if forced is not None:
        if forced not in technique.channels:
            allowed = ", ".join(c.value for c in technique.channels)
            raise InputError(
                f"{technique.id} is not sent by {forced.value}; use one of: {allowed}",
                key="--channel",
            )
        return forced, "channel chosen with --channel"
    if hint is not None and hint in technique.channels:
        return hint, None
    eng = eng or summarise(ctx)
    agreed = ctx.deal.follow_up_channel
    standing = follow_up_pending(ctx, eng) or (ctx.deal.follow_up_on is None and eng.attempts == 0)
    if agreed is not None and standing and agreed in technique.channels:
        return agreed, f"{agreed.value}, the way they asked to be contacted next"
    pref = prospect.preferred_channel
    if pref is not None:
        for channel in PREFERRED_CHANNELS[pref]:
            if channel in technique.channels:
                return channel, f"{channel.value}, the way they prefer to be reached ({pref.value})"
        default = technique.channels[0]
        return default, (
            f"{default.value}: they prefer {pref.value}, but {technique.name} is not sent that way"
        )
    answered = eng.last_reply_channel
    if eng.last_reply_deferred and eng.attempts == 0 and answered in technique.channels:
        return answered, f"{answered.value}, the way they answered (and put you off) last time"
    default = technique.channels[0]
    if MEANS[default] in eng.means_tried:
        for channel in technique.channels:
            means = MEANS[channel]
            if means in _VARIETY_MEANS and means not in eng.means_tried:
                so_far = join_words([_MEANS_WORDS.get(m, m) for m in eng.means_tried])
                return channel, (
                    f"{channel.value}, a means not yet tried since their last reply "
                    f"(so far: {so_far})"
                )
    return default, None


def join_words(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _missing(technique: Technique, f: Mapping[str, Any], memo: Memo) -> str:
    """What ``technique``'s closest group of conditions still misses ("" when it
    holds): it reads only the technique's facts, so it is worked out once per
    situation."""

    def missing() -> str:
        group = _closest(technique, f)
        return _explain_failing(group, f) if group is not None and group.failing(f) else ""

    return memo.get("missing", memo.key(technique, f), missing)


def _explain_failing(group: When, f: Mapping[str, Any]) -> str:
    return "; ".join(c.explain(f) for c in group.failing(f))


def _closest(technique: Technique, f: Mapping[str, Any]) -> When | None:
    return min(technique.when, key=lambda w: len(w.failing(f)), default=None)


def why_not(
    technique: Technique, f: Mapping[str, Any], playbook: Playbook, ctx: DealContext
) -> tuple[int, str]:
    """(rank, words): why ``technique`` is not the plan today. Lower rank = closer.
    Worked out once per situation: the facts the technique's conditions read,
    and what blocks it (which is all of the deal it depends on)."""
    return _why_not_given(technique, f, blocked(technique, f, playbook, ctx), memo_of(playbook))


def _why_not_given(
    technique: Technique, f: Mapping[str, Any], block: str | None, memo: Memo
) -> tuple[int, str]:
    """:func:`why_not`, with what blocks the technique already known."""
    key = (
        memo.key(technique, f),
        block,
        bool(f["closing_message_sent"]),
        technique.closing and technique.id in f["techniques_used"],
    )
    return memo.get("why_not", key, lambda: _why_not(technique, f, block, memo.matching))


def _why_not(
    technique: Technique,
    f: Mapping[str, Any],
    block: str | None,
    matching: Callable[[Technique, Mapping[str, Any]], When | None],
) -> tuple[int, str]:
    reason = matching(technique, f)
    if reason is not None and block is None:
        return 0, f"also fits ({reason.reason}), but comes later in the playbook's order"
    if after_closing(technique, f):
        if technique.closing and technique.id in f["techniques_used"]:
            return 1, "already sent, and still unanswered: a final message is final"
        return 1, (
            "not any more: a closing message went out and is still unanswered: "
            "a final message is final"
        )
    if reason is not None:
        return 1, f"fits, but not today: {block}"
    if not technique.when:
        return 99, "never chosen by conditions"
    # each group's failing conditions once (the closest group is the first
    # with the fewest, as _closest picks it)
    failing = min((w.failing(f) for w in technique.when), key=len)
    # A fact that time or further attempts can change is a nearer miss than one
    # that cannot (the stage, the deal's value, what is on file).
    rank = sum(1 if c.fact in DYNAMIC_FACTS else 10 for c in failing)
    explained = "; ".join(c.explain(f) for c in failing)
    return 1 + rank, f"{_verdict(technique, failing, f)}: {explained}"


def _verdict(technique: Technique, failing: list[Condition], f: Mapping[str, Any]) -> str:
    """'already sent' (it was used since their last reply), 'too late' (a window
    of days has passed) or 'not yet'."""
    if any(c.fact == "techniques_used" and c.not_contains == technique.id for c in failing):
        return "already sent"
    if any(c.too_late(f) for c in failing):
        return "too late"
    return "not yet"


def alternatives(
    chosen: str, ctx: DealContext, f: Mapping[str, Any], playbook: Playbook
) -> list[Alternative]:
    memo = memo_of(playbook)
    blocks = _Blocks(ctx, playbook, f)
    ranked = []
    for t, _ in memo.steps:
        if t.id == chosen:
            continue
        ranked.append((*_why_not_given(t, f, blocks.of(t), memo), t.priority, t.id))
    ranked.sort(key=lambda r: (r[0], r[2]))
    return [_alternative(memo, tid, why) for _, why, _, tid in ranked]


def _alternative(memo: Memo, technique: str, why: str) -> Alternative:
    """The same (technique, words) recur from deal to deal: one frozen object each."""
    return memo.get(
        "alternative", (technique, why), lambda: Alternative(technique=technique, why=why)
    )


def road_ahead(
    ctx: DealContext,
    eng: Engagement,
    playbook: Playbook,
    technique: Technique,
    day: dt.date,
    channel: Channel | None,
) -> list[Step]:
    """What follows if this touch, and each next one, goes unanswered."""
    steps: list[Step] = []
    for _ in range(playbook.settings.max_steps_ahead):
        if technique.kind != "message":
            break
        eng = eng.with_touch(day, channel, technique.id)
        upcoming = next_step(ctx, eng, playbook, day + _DAY)
        if upcoming is None:
            break
        technique, day = upcoming.technique, upcoming.day
        channel, _ = choose_channel(technique, ctx, hint=upcoming.channel, eng=eng)
        steps.append(Step(technique=technique.id, channel=channel, send_on=day, if_="no reply"))
    return steps


def _notes(ctx: DealContext, today: dt.date, channel: Channel | None) -> list[str]:
    p, d = ctx.prospect, ctx.deal
    eng = summarise(ctx)
    notes = []
    if p.role is Role.influencer and ctx.deal.stage is Stage.cold:
        # Seed 004, point 1 is advice for the beginning of a sale; mid-deal,
        # going over your contact's head tends to make things worse.
        notes.append(
            "They are an influencer, not the decision maker: influencers put follow-ups off more "
            "easily; while you are still prospecting, try to reach the decision maker too."
        )
    if p.preferred_channel is not None and p.preferred_channel.value == "assistant" and channel:
        notes.append(
            "They asked to be reached through their assistant: route this via the assistant."
        )
    if p.away_until is not None and p.away_until > today:
        notes.append(f"{p.name} is away until {p.away_until}: nothing is planned before then.")
    if d.follow_up_on is not None and follow_up_pending(ctx, eng):
        how = f" by {d.follow_up_channel.value}" if d.follow_up_channel else ""
        if d.follow_up_on > today:
            notes.append(
                f"{p.name} asked to be contacted on {d.follow_up_on}{how}: "
                "nothing is planned before then."
            )
        else:
            notes.append(f"{p.name} asked to be contacted on {d.follow_up_on}{how}.")
    if eng.last_reply_deferred and eng.last_reply is not None and eng.attempts == 0:
        by = f" by {eng.last_reply_channel.value}" if eng.last_reply_channel else ""
        notes.append(
            f"Their last answer, on {eng.last_reply}{by}, deferred: a live brush-off "
            '("busy, call me back"), not a reply that moved the deal.'
        )
    unphrased = ctx.deal.phrasing_problems()
    for key in unphrased:
        notes.append(
            f"deal.{key} reads as a sentence or a noun phrase, so drafts leave it out: write "
            "it as what you will do, starting with a verb (e.g. 'review the pilot plan with "
            "your CFO', 'cut onboarding time in half')."
        )
    notes += perspective_notes(ctx.deal, ctx.prospect, skip=unphrased)
    return notes


def unlabelled_closing(
    ctx: DealContext, playbook: Playbook, technique: Technique, channel: Channel | None
) -> str | None:
    """A word when this closing message may already have gone: the last outbound
    touch names no technique, went the same way, and the technique fitted that day."""
    if not technique.closing or channel is None or not isinstance(ctx.history, list):
        return None
    outbound = [t for t in ctx.history if t.direction is Direction.out]
    if not outbound or outbound[-1].technique is not None or outbound[-1].channel is not channel:
        return None
    last = outbound[-1]
    before = ctx.model_copy(update={"history": [t for t in ctx.history if t is not last]})
    if technique.matching(facts(before, summarise(before), last.date, playbook.closing)) is None:
        return None
    return (
        f"Was your {last.channel.value} of {last.date} this {technique.name}? It names no "
        f"technique, and {technique.id} fitted that day. If it was, do not send it again: add "
        f"`technique: {technique.id}` to that touch in the history (`drafter log` records it "
        "for you), and the plan becomes a wait for their answer, then move_on."
    )


def _plan(
    ctx: DealContext,
    playbook: Playbook,
    today: dt.date,
    f: Mapping[str, Any],
    *,
    technique: Technique,
    send_on: dt.date,
    channel: Channel | None,
    rationale: str,
    then: list[Step],
    channel_why: str | None = None,
    forced: bool = False,
    brief: bool = False,
) -> Plan:
    if channel_why:
        rationale += f" Channel: {channel_why}."
    send_at = ctx.prospect.best_time if technique.kind == "message" else None
    if send_at:
        rationale += f" Time it for when they said they are available: {send_at}."
    notes: list[str] = []
    ranked: list[Alternative] = []
    if brief:  # see Plan: what a draft and the batch CSV read, no more
        then = []
    else:
        notes = _notes(ctx, today, channel)
        sent = unlabelled_closing(ctx, playbook, technique, channel)
        if sent is not None:
            notes.insert(0, sent)
        ranked = alternatives(technique.id, ctx, f, playbook)
    return Plan(
        technique=technique.id,
        name=technique.name,
        channel=channel,
        send_on=send_on,
        send_at=send_at,
        rationale=rationale,
        alternatives=ranked,
        source=technique.source,
        source_title=playbook.source_title(technique.source),
        reported_response_rate=technique.reported_response_rate,
        then=then,
        notes=notes,
        forced=forced,
        facts={} if brief else dict(f),
        brief=brief,
    )


def _because(match: Match, playbook: Playbook) -> str:
    if match.why is not None:
        return match.why
    reason = match.reason
    assert reason is not None
    # The words read only the facts the technique's conditions read (the memo's
    # key), and deals in the same situation share them.
    memo = memo_of(playbook)
    key = (memo.key(match.technique, match.facts), id(reason))
    return memo.get("because", key, lambda: reason.explained(match.facts))


def make_plan(
    ctx: DealContext,
    playbook: Playbook,
    today: dt.date,
    *,
    technique: str | None = None,
    channel: Channel | None = None,
    brief: bool = False,
) -> Plan:
    """The plan for this deal on ``today``: pure, deterministic, explained.

    ``brief``: a brief plan (see :class:`Plan`), for callers that read only the
    technique, channel, day and rationale (a draft, the batch's CSV): the road
    ahead, the alternatives, the notes and the facts are not worked out, and
    every field it keeps equals the full plan's."""
    eng = summarise(ctx)
    if technique is not None:
        require_technique(technique, playbook.techniques, key="--technique")
        forced = playbook.techniques[technique]
        return _forced_plan(ctx, playbook, today, eng, forced, channel, brief=brief)
    f = _facts_on(ctx, eng, playbook, today)
    found = next_step(ctx, eng, playbook, today)
    wait = playbook.get("wait")
    due = {today, memo_of(playbook).working_day(today)}  # next_working_day, remembered
    if found is not None and (
        found.day == today or (found.technique.kind == "message" and found.day in due)
    ):
        # due today; a message due on the next working day when today is not one
        chosen = found.technique
        picked, why = choose_channel(chosen, ctx, channel, hint=found.channel, eng=eng)
        send_on = found.day
        rationale = _because(found, playbook)
        if send_on != today:
            rationale = f"{today:%A} is not a working day: send it on {send_on:%A}. {rationale}"
        then = [] if brief else road_ahead(ctx, eng, playbook, chosen, send_on, picked)
        return _plan(
            ctx,
            playbook,
            today,
            found.facts,  # the facts of the day it goes out, which decided it
            technique=chosen,
            send_on=send_on,
            channel=picked,
            rationale=rationale,
            then=then,
            channel_why=why,
            brief=brief,
        )
    if channel is not None:
        raise InputError("nothing is sent today, so no channel can be forced", key="--channel")
    if found is not None:
        then = [] if brief else _then_after_wait(ctx, eng, playbook, found)
        rationale = (
            f"Nothing goes out today: {_held_back(ctx, playbook, f, found)}. "
            f"Next, on {found.day}, {_lower_the(found.technique.name)} ({found.technique.id}): "
            f"{_because(found, playbook)}"
        )
        return _plan(
            ctx,
            playbook,
            today,
            f,
            technique=wait,
            send_on=found.day,
            channel=None,
            rationale=rationale,
            then=then,
            brief=brief,
        )
    return _plan(
        ctx,
        playbook,
        today,
        f,
        technique=wait,
        send_on=_next_touch_day(ctx, eng, playbook, today),
        channel=None,
        rationale=_nothing_fits(ctx, eng, playbook, f),
        then=[],
        brief=brief,
    )


def _then_after_wait(
    ctx: DealContext, eng: Engagement, playbook: Playbook, found: Match
) -> list[Step]:
    """A wait's road ahead: the next step found, then what follows it unanswered."""
    ahead, _ = choose_channel(found.technique, ctx, hint=found.channel, eng=eng)
    first = Step(
        technique=found.technique.id,
        channel=ahead,
        send_on=found.day,
        if_="no reply before then",
    )
    return [first, *road_ahead(ctx, eng, playbook, found.technique, found.day, ahead)]


def _held_back(ctx: DealContext, playbook: Playbook, f: Mapping[str, Any], upcoming: Match) -> str:
    """Why nothing is sent today although ``upcoming`` will be sent later."""
    if f["closing_message_sent"] and upcoming.technique.kind != "message":
        return "a closing message went out and is still unanswered: it gets its week"
    memo = memo_of(playbook)
    blocks = _Blocks(ctx, playbook, f)
    for technique, spacing in memo.steps:
        if spacing is None:  # a stop is never blocked
            continue
        block = blocks.of(technique)
        if block and memo.matching(technique, f) is not None:
            return f"{block} ({technique.id} would fit otherwise)"
    if upcoming.why is not None:  # a follow-up the next technique needs, held back today
        block = blocks.of(upcoming.technique)
        if block:
            return block
    return _why_not_given(upcoming.technique, f, blocks.of(upcoming.technique), memo)[1]


def _next_touch_day(
    ctx: DealContext,
    eng: Engagement,
    playbook: Playbook,
    today: dt.date,
    technique: Technique | None = None,
) -> dt.date:
    """The first working day the spacing and absence allow (for ``technique``)."""
    day = today
    if eng.last_touch is not None:
        day = max(day, eng.last_touch + _gap(technique, playbook) * _DAY)
    if ctx.prospect.away_until is not None:
        day = max(day, ctx.prospect.away_until)
    if ctx.deal.follow_up_on is not None and follow_up_pending(ctx, eng):
        day = max(day, ctx.deal.follow_up_on)
    return next_working_day(day, playbook.settings)


def _nothing_fits(
    ctx: DealContext, eng: Engagement, playbook: Playbook, f: Mapping[str, Any]
) -> str:
    """Why the plan is to wait with nothing ahead. Never advises a touch now, except
    the rep's own first touches when there is no touch on record at all."""
    memo, blocks = memo_of(playbook), _Blocks(ctx, playbook, f)

    def why_not_here(t: Technique) -> tuple[int, str]:
        return _why_not_given(t, f, blocks.of(t), memo)

    candidates = [t for t in playbook.ordered if t.kind == "message"]
    ranked = sorted(candidates, key=lambda t: why_not_here(t)[0])
    gap = _gap(None, playbook)
    untouched = eng.attempts == 0 and eng.last_reply is None and eng.last_touch is None
    if f["away"]:
        lead = f"{ctx.prospect.name} is away until {ctx.prospect.away_until}: nothing before then"
    elif untouched:
        lead = (
            "Nothing to follow up yet: no touch is on record. Make your first touches "
            f"(a call, an email), at least {gap} days apart, and log them; drafter plans "
            "the follow-ups"
        )
    elif eng.last_reply_deferred and eng.attempts == 0:
        lead = (
            f"Their last answer, on {eng.last_reply}, deferred (a live brush-off), and no "
            f"playbook step fits in the next {playbook.settings.horizon_days} days"
        )
    else:
        horizon = playbook.settings.horizon_days
        lead = f"Nothing is due: no playbook step fits in the next {horizon} days"
    nearest = ranked[0]
    return (
        f"{lead}. Nearest playbook step: {nearest.name} ({nearest.id}), {why_not_here(nearest)[1]}."
    )


def _forced_plan(
    ctx: DealContext,
    playbook: Playbook,
    today: dt.date,
    eng: Engagement,
    technique: Technique,
    channel: Channel | None,
    *,
    brief: bool = False,
) -> Plan:
    f = facts(ctx, eng, today, playbook.closing)
    if after_closing(technique, f):
        raise InputError(
            "a closing message already went out unanswered: it said it was final, so drafter "
            f"will not plan {technique.id} after it (the plan is move_on)",
            key="--technique",
        )
    if technique.kind == "wait":
        raise InputError(
            "wait is the planner's answer, not a technique to force", key="--technique"
        )
    picked, why = choose_channel(technique, ctx, channel, eng=eng)
    send_on = earliest_allowed(technique, ctx, eng, playbook, today)
    if send_on is None:  # beyond the horizon: the earliest the spacing and absence allow
        send_on = _next_touch_day(ctx, eng, playbook, today, technique)
    reason = technique.matching(f)
    if reason is not None:
        verdict = f"It fits: {reason.reason}."
    else:
        group = _closest(technique, f)
        unmet = _explain_failing(group, f) if group else "it is never chosen by conditions"
        verdict = f"The playbook would not pick it today ({unmet})."
    if send_on > today:
        held = blocked(technique, f, playbook, ctx) or "the earliest day allowed"
        verdict += f" Not before {send_on}: {held}."
    then = [] if brief else road_ahead(ctx, eng, playbook, technique, send_on, picked)
    return _plan(
        ctx,
        playbook,
        today,
        f,
        technique=technique,
        send_on=send_on,
        channel=picked,
        rationale=f"Chosen with --technique. {verdict}",
        then=then,
        channel_why=why,
        forced=True,
        brief=brief,
    )
