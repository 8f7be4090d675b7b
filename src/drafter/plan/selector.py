"""How a technique is chosen: a deterministic, explainable function from a
deal context and a day to a :class:`~drafter.plan.Plan`.

The rules are the playbook's data: each technique's ``when`` groups, tried in
priority order. This module adds only what must never be tuned away:

* honesty: after a closing message nothing but ``move_on`` (or ``wait`` for it)
  is ever planned;
* spacing: no two touches closer than the playbook's minimum (never daily);
* absence: nothing is sent while the prospect is away.

When nothing fits today, the planner looks ahead, but only on the days where a
fact crosses a threshold (a condition's bound, the end of a spacing gap, the
prospect's return), so looking 60 days ahead costs a handful of evaluations.
The same look-ahead, applied after a hypothetical unanswered touch, gives the
road ahead (``then``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drafter.context import Channel, DealContext, Direction, Prospect, Role, Stage
from drafter.errors import InputError
from drafter.plan.engagement import (
    DATE_FACTS,
    MEANS,
    PREFERRED_CHANNELS,
    Engagement,
    anchor_date,
    facts,
    summarise,
)
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
_DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
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


@dataclass(frozen=True)
class Match:
    technique: Technique
    day: dt.date
    reason: When | None
    facts: Mapping[str, Any]


def _gap(technique: Technique, playbook: Playbook) -> int:
    return technique.min_days_between_touches or playbook.settings.min_days_between_touches


def blocked(
    technique: Technique, f: Mapping[str, Any], playbook: Playbook, prospect: Prospect
) -> str | None:
    """Why a message technique may not be sent on the day ``f`` describes, if so."""
    if technique.kind != "message":
        return None
    if f["closing_message_sent"]:
        return "a closing message went out and is still unanswered: a final message is final"
    if f["away"]:
        return f"{prospect.name} is away until {prospect.away_until}"
    if f["weekday"] not in playbook.settings.working_days:
        return f"{_DAY_NAMES[f['weekday']]} is not a working day"
    since, gap = f["days_since_last_touch"], _gap(technique, playbook)
    if since is not None and since < gap:
        return (
            f"only {since} day{'s' if since != 1 else ''} since the last attempt (spacing: {gap})"
        )
    return None


def first_match(
    ctx: DealContext, eng: Engagement, playbook: Playbook, day: dt.date
) -> Match | None:
    f = facts(ctx, eng, day, playbook.closing)
    for technique in playbook.ordered:
        if technique.kind == "wait" or blocked(technique, f, playbook, ctx.prospect):
            continue
        reason = technique.matching(f)
        if reason is not None:
            return Match(technique, day, reason, f)
    return None


def candidate_days(
    ctx: DealContext, eng: Engagement, playbook: Playbook, start: dt.date
) -> list[dt.date]:
    """``start`` and every later day (within the horizon) on which a fact changes."""
    end = start + playbook.settings.horizon_days * _DAY
    days = {start}
    for technique in playbook.techniques.values():
        for group in technique.when:
            for condition in group.all:
                bound = condition.lower_bound()
                anchor = (
                    anchor_date(ctx, eng, condition.fact, playbook.closing)
                    if bound is not None
                    else None
                )
                if anchor is not None and bound is not None:
                    days.add(anchor + bound * _DAY)
        if eng.last_touch is not None:
            days.add(eng.last_touch + _gap(technique, playbook) * _DAY)
    if ctx.prospect.away_until is not None:
        days.add(ctx.prospect.away_until)
    days |= {next_working_day(d, playbook.settings) for d in days}
    back = ctx.prospect.away_until
    return sorted(
        d for d in days if start <= d and (d <= end or (back is not None and d <= back + 7 * _DAY))
    )


def next_match(
    ctx: DealContext, eng: Engagement, playbook: Playbook, start: dt.date
) -> Match | None:
    for day in candidate_days(ctx, eng, playbook, start):
        found = first_match(ctx, eng, playbook, day)
        if found is not None:
            return found
    return None


def earliest_allowed(
    technique: Technique, ctx: DealContext, eng: Engagement, playbook: Playbook, start: dt.date
) -> dt.date | None:
    """The first day from ``start`` on which ``technique`` is not blocked."""
    for day in candidate_days(ctx, eng, playbook, start):
        if not blocked(technique, facts(ctx, eng, day, playbook.closing), playbook, ctx.prospect):
            return day
    return None


# Means drafter picks on its own to vary the approach. A text or a LinkedIn
# message goes where the prospect asked for it (seed 003: "many of my clients
# ask me to text them"), or with --channel.
_VARIETY_MEANS = frozenset({"phone", "email", "letter", "meeting"})
_MEANS_WORDS = {"phone": "phone", "email": "email", "letter": "post", "text": "text"}


def choose_channel(
    technique: Technique,
    prospect: Prospect,
    forced: Channel | None = None,
    eng: Engagement | None = None,
) -> tuple[Channel | None, str | None]:
    """The channel to use and, where it matters, a word on why.

    In order: ``--channel``; the prospect's preferred way, where the technique
    allows it; a means not yet tried since their last reply, where the
    technique's first channel would repeat one (seed 001: "different means");
    the technique's first channel."""
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
    pref = prospect.preferred_channel
    if pref is not None:
        for channel in PREFERRED_CHANNELS[pref]:
            if channel in technique.channels:
                return channel, f"{channel.value}, the way they prefer to be reached ({pref.value})"
        default = technique.channels[0]
        return default, (
            f"{default.value}: they prefer {pref.value}, but {technique.name} is not sent that way"
        )
    default = technique.channels[0]
    if eng is not None and MEANS[default] in eng.means_tried:
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


def _explain_failing(group: When, f: Mapping[str, Any]) -> str:
    return "; ".join(c.explain(f) for c in group.failing(f))


def _closest(technique: Technique, f: Mapping[str, Any]) -> When | None:
    return min(technique.when, key=lambda w: len(w.failing(f)), default=None)


def why_not(
    technique: Technique, f: Mapping[str, Any], playbook: Playbook, prospect: Prospect
) -> tuple[int, str]:
    """(rank, words): why ``technique`` is not the plan today. Lower rank = closer."""
    reason = technique.matching(f)
    block = blocked(technique, f, playbook, prospect)
    if reason is not None and block is None:
        return 0, f"also fits ({reason.reason}), but comes later in the playbook's order"
    if technique.kind == "message" and f["closing_message_sent"]:
        if technique.closing and technique.id in f["techniques_used"]:
            return 1, "already sent, and still unanswered: a final message is final"
        return 1, (
            "not any more: a closing message went out and is still unanswered: "
            "a final message is final"
        )
    if reason is not None:
        return 1, f"fits, but not today: {block}"
    group = _closest(technique, f)
    if group is None:
        return 99, "never chosen by conditions"
    failing = group.failing(f)
    # A fact that time or further attempts can change is a nearer miss than one
    # that cannot (the stage, the deal's value, what is on file).
    rank = sum(1 if c.fact in DYNAMIC_FACTS else 10 for c in failing)
    return 1 + rank, f"{_verdict(technique, failing, f)}: {_explain_failing(group, f)}"


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
    ranked = [
        (*why_not(t, f, playbook, ctx.prospect), t.priority, t.id)
        for t in playbook.ordered
        if t.id != chosen and t.kind != "wait"
    ]
    ranked.sort(key=lambda r: (r[0], r[2]))
    return [Alternative(technique=tid, why=why) for _, why, _, tid in ranked]


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
        upcoming = next_match(ctx, eng, playbook, day + _DAY)
        if upcoming is None:
            break
        technique, day = upcoming.technique, upcoming.day
        channel, _ = choose_channel(technique, ctx.prospect, eng=eng)
        steps.append(Step(technique=technique.id, channel=channel, send_on=day, if_="no reply"))
    return steps


def _notes(ctx: DealContext, today: dt.date, channel: Channel | None) -> list[str]:
    p = ctx.prospect
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
    for key in ctx.deal.phrasing_problems():
        notes.append(
            f"deal.{key} reads as a sentence or a noun phrase, so drafts leave it out: write "
            "it as what you will do, starting with a verb (e.g. 'review the pilot plan with "
            "your CFO', 'cut onboarding time in half')."
        )
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
) -> Plan:
    notes = _notes(ctx, today, channel)
    sent = unlabelled_closing(ctx, playbook, technique, channel)
    if sent is not None:
        notes.insert(0, sent)
    if channel_why:
        rationale += f" Channel: {channel_why}."
    send_at = ctx.prospect.best_time if technique.kind == "message" else None
    if send_at:
        rationale += f" Time it for when they said they are available: {send_at}."
    return Plan(
        technique=technique.id,
        name=technique.name,
        channel=channel,
        send_on=send_on,
        send_at=send_at,
        rationale=rationale,
        alternatives=alternatives(technique.id, ctx, f, playbook),
        source=technique.source,
        source_title=playbook.source_title(technique.source),
        reported_response_rate=technique.reported_response_rate,
        then=then,
        notes=notes,
        forced=forced,
        facts=dict(f),
    )


def _because(match: Match) -> str:
    assert match.reason is not None
    return match.reason.explained(match.facts)


def make_plan(
    ctx: DealContext,
    playbook: Playbook,
    today: dt.date,
    *,
    technique: str | None = None,
    channel: Channel | None = None,
) -> Plan:
    """The plan for this deal on ``today``: pure, deterministic, explained."""
    eng = summarise(ctx)
    if technique is not None:
        require_technique(technique, playbook.techniques, key="--technique")
        return _forced_plan(ctx, playbook, today, eng, playbook.techniques[technique], channel)
    f = facts(ctx, eng, today, playbook.closing)
    found = next_match(ctx, eng, playbook, today)
    wait = playbook.get("wait")
    due = {today, next_working_day(today, playbook.settings)}
    if found is not None and (
        found.day == today or (found.technique.kind == "message" and found.day in due)
    ):
        # due today; a message due on the next working day when today is not one
        chosen = found.technique
        picked, why = choose_channel(chosen, ctx.prospect, channel, eng)
        send_on = found.day
        rationale = _because(found)
        if send_on != today:
            rationale = f"{today:%A} is not a working day: send it on {send_on:%A}. {rationale}"
        then = road_ahead(ctx, eng, playbook, chosen, send_on, picked)
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
        )
    if channel is not None:
        raise InputError("nothing is sent today, so no channel can be forced", key="--channel")
    if found is not None:
        ahead, _ = choose_channel(found.technique, ctx.prospect, eng=eng)
        first = Step(
            technique=found.technique.id,
            channel=ahead,
            send_on=found.day,
            if_="no reply before then",
        )
        then = [first, *road_ahead(ctx, eng, playbook, found.technique, found.day, ahead)]
        rationale = (
            f"Nothing goes out today: {_held_back(ctx, playbook, f, found.technique)}. "
            f"Next, on {found.day}, {found.technique.name} ({found.technique.id}): "
            f"{_because(found)}"
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
        )
    return _plan(
        ctx,
        playbook,
        today,
        f,
        technique=wait,
        send_on=_next_touch_day(ctx, eng, playbook, today),
        channel=None,
        rationale=_nothing_fits(ctx, playbook, f),
        then=[],
    )


def _held_back(
    ctx: DealContext, playbook: Playbook, f: Mapping[str, Any], upcoming: Technique
) -> str:
    """Why nothing is sent today although ``upcoming`` will be sent later."""
    if f["closing_message_sent"] and upcoming.kind != "message":
        return "a closing message went out and is still unanswered: it gets its week"
    for technique in playbook.ordered:
        block = blocked(technique, f, playbook, ctx.prospect)
        if block and technique.matching(f) is not None:
            return f"{block} ({technique.id} would fit otherwise)"
    return why_not(upcoming, f, playbook, ctx.prospect)[1]


def _next_touch_day(
    ctx: DealContext, eng: Engagement, playbook: Playbook, today: dt.date
) -> dt.date:
    day = today
    if eng.last_touch is not None:
        day = max(day, eng.last_touch + playbook.settings.min_days_between_touches * _DAY)
    if ctx.prospect.away_until is not None:
        day = max(day, ctx.prospect.away_until)
    return next_working_day(day, playbook.settings)


def _nothing_fits(ctx: DealContext, playbook: Playbook, f: Mapping[str, Any]) -> str:
    candidates = [t for t in playbook.ordered if t.kind == "message"]
    ranked = sorted(candidates, key=lambda t: why_not(t, f, playbook, ctx.prospect)[0])
    gap = playbook.settings.min_days_between_touches
    if f["away"]:
        lead = f"{ctx.prospect.name} is away until {ctx.prospect.away_until}: nothing before then"
    elif f["attempts"] == 0 and f["stage"] == "cold":
        lead = "Nothing to follow up yet: make your first touches (a call, an email)"
    elif f["attempts"] == 0 and ctx.deal.agreed_next_step:
        lead = (
            "Nothing has gone unanswered yet: follow up on the step you agreed "
            f"({ctx.deal.agreed_next_step.rstrip('.')})"
        )
    elif f["attempts"] == 0:
        lead = (
            "Nothing has gone unanswered yet: make your next touch, the way they like to be reached"
        )
    else:
        lead = "No playbook step fits in the coming weeks: keep your usual touches"
    nearest = ranked[0]
    if not f["away"]:
        lead += f", at least {gap} days apart, and come back for the next step"
    return (
        f"{lead}. "
        f"Nearest playbook step: {nearest.name} ({nearest.id}), "
        f"{why_not(nearest, f, playbook, ctx.prospect)[1]}."
    )


def _forced_plan(
    ctx: DealContext,
    playbook: Playbook,
    today: dt.date,
    eng: Engagement,
    technique: Technique,
    channel: Channel | None,
) -> Plan:
    f = facts(ctx, eng, today, playbook.closing)
    if technique.kind == "message" and f["closing_message_sent"]:
        raise InputError(
            "a closing message already went out unanswered: it said it was final, so drafter "
            f"will not plan {technique.id} after it (the plan is move_on)",
            key="--technique",
        )
    if technique.kind == "wait":
        raise InputError(
            "wait is the planner's answer, not a technique to force", key="--technique"
        )
    picked, why = choose_channel(technique, ctx.prospect, channel, eng)
    send_on = earliest_allowed(technique, ctx, eng, playbook, today)
    if send_on is None:  # beyond the horizon: the earliest the spacing and absence allow
        send_on = _next_touch_day(ctx, eng, playbook, today)
    reason = technique.matching(f)
    if reason is not None:
        verdict = f"It fits: {reason.reason}."
    else:
        group = _closest(technique, f)
        unmet = _explain_failing(group, f) if group else "it is never chosen by conditions"
        verdict = f"The playbook would not pick it today ({unmet})."
    if send_on > today:
        held = blocked(technique, f, playbook, ctx.prospect) or "the earliest day allowed"
        verdict += f" Not before {send_on}: {held}."
    then = road_ahead(ctx, eng, playbook, technique, send_on, picked)
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
    )
