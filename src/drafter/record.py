"""Recording a touch in a deal's context file (``drafter log``).

The rep's loop is plan -> send -> record -> plan again. Recording is where
honesty can leak: a closing message logged without its technique looks like
an ordinary touch, and the plan would propose it again. So the default touch
is the one the plan proposes (its date, channel and technique), and a touch
the plan forbids (after an unanswered closing message, too soon after the
last one, while the prospect is away) is refused unless forced.

:func:`decide_touch` and :func:`add_touch` are pure; the file is read and
written by :mod:`drafter.contextfile`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from drafter.context import Channel, DealContext, Direction, HistorySummary, Outcome, Touch
from drafter.errors import InputError
from drafter.plan.engagement import facts, summarise
from drafter.plan.selector import blocked, choose_channel, make_plan
from drafter.playbook import Playbook, Technique, require_technique

NO_TECHNIQUE = "none"


@dataclass(frozen=True)
class TouchRequest:
    """What the rep said on the command line (None: not said)."""

    date: dt.date | None = None
    channel: Channel | None = None
    technique: str | None = None  # an id, or "none" for an ordinary touch
    replied: bool = False
    deferred: bool = False  # their answer was a live brush-off ("busy, call me back")
    met: bool = False
    force: bool = False
    follow_up_on: dt.date | None = None  # the date they named for the next contact
    follow_up_channel: Channel | None = None  # and how they asked to be reached then


@dataclass(frozen=True)
class Decision:
    touch: Touch
    source: str  # how the touch was arrived at, in words ("the plan's", "as given")


def decide_touch(
    ctx: DealContext, playbook: Playbook, today: dt.date, request: TouchRequest
) -> Decision:
    """The touch to record: what the flags say, the rest from today's plan."""
    day = request.date or today
    if day > today:
        raise InputError(
            f"{day} is after today ({today}): log a touch once it happened", key="--date"
        )
    if request.replied and request.met:
        raise InputError("a touch is a reply or a meeting, not both: use one", key="--met")
    if request.follow_up_channel is not None and request.follow_up_on is None:
        raise InputError("add --follow-up-on, the date they named", key="--follow-up-channel")
    if request.follow_up_on is not None and request.follow_up_on < day:
        raise InputError(
            f"{request.follow_up_on} is before the touch ({day})", key="--follow-up-on"
        )
    if request.deferred and not request.replied:
        raise InputError("--deferred describes a reply: add --replied", key="--deferred")
    if request.replied or request.met:
        return Decision(_inbound(ctx, day, request), "as given")
    touch, source = _outbound(ctx, playbook, day, request)
    if not request.force:
        problem = forbidden(ctx, playbook, touch)
        if problem is not None:
            raise InputError(
                f"the plan forbids this touch: {problem}. If it really went out, add --force "
                "to record it",
                key="--force",
            )
    return Decision(touch, source)


def _inbound(ctx: DealContext, day: dt.date, request: TouchRequest) -> Touch:
    if request.technique is not None:
        raise InputError("a technique names one of our touches, not their reply", key="--technique")
    if request.met:
        if request.channel not in (None, Channel.meeting):
            raise InputError("a meeting's channel is meeting", key="--channel")
        return Touch(date=day, channel=Channel.meeting, direction=Direction.in_)
    channel = request.channel or _last_outbound_channel(ctx)
    if channel is None:
        raise InputError("say how they replied, e.g. --channel email", key="--channel")
    outcome = Outcome.deferred if request.deferred else None
    return Touch(date=day, channel=channel, direction=Direction.in_, outcome=outcome)


def _last_outbound_channel(ctx: DealContext) -> Channel | None:
    if not isinstance(ctx.history, list):
        return None
    outbound = [t.channel for t in ctx.history if t.direction is Direction.out]
    return outbound[-1] if outbound else None


def _outbound(
    ctx: DealContext, playbook: Playbook, day: dt.date, request: TouchRequest
) -> tuple[Touch, str]:
    plan = make_plan(ctx, playbook, day)
    planned = plan.channel is not None and plan.send_on == day
    if request.technique == NO_TECHNIQUE:
        channel = request.channel or (plan.channel if planned else None)
        if channel is None:
            raise InputError("say how it went, e.g. --channel call", key="--channel")
        return Touch(date=day, channel=channel, direction=Direction.out), "as given"
    if request.technique is not None:
        tid = require_technique(request.technique, _message_ids(playbook), key="--technique")
        technique = playbook.techniques[tid]
        if request.channel is None and planned and plan.technique == tid:
            channel = plan.channel
        else:
            channel, _ = choose_channel(technique, ctx, request.channel)
        assert channel is not None
        return Touch(date=day, channel=channel, direction=Direction.out, technique=tid), "as given"
    if planned and (request.channel is None or request.channel is plan.channel):
        assert plan.channel is not None
        touch = Touch(
            date=day, channel=plan.channel, direction=Direction.out, technique=plan.technique
        )
        return touch, "the plan's for that day"
    if request.channel is None:
        due = (
            "nothing is due" if plan.channel is None else f"{plan.technique} is due {plan.send_on}"
        )
        raise InputError(
            f"the plan for {day} is {plan.technique}: {due} that day. Say what went out: "
            "--channel C (and --technique ID or --technique none), or --replied / --met for "
            "their side",
            key="--channel",
        )
    return Touch(date=day, channel=request.channel, direction=Direction.out), "as given"


def _message_ids(playbook: Playbook) -> list[str]:
    return [t.id for t in playbook.ordered if t.kind == "message"]


# An ordinary touch (no technique) is spaced like any message.
_ORDINARY = Technique(
    id="ordinary_touch",
    name="An ordinary touch",
    kind="message",
    summary="A touch that is not a playbook technique.",
    applies_when="Whenever the rep chooses.",
    priority=0,
    channels=list(Channel),
)


def forbidden(ctx: DealContext, playbook: Playbook, touch: Touch) -> str | None:
    """Why the plan forbids this outbound touch on its day, if it does."""
    eng = summarise(ctx)
    if eng.last_touch is not None and touch.date < eng.last_touch:
        return None  # filling in the past: the record is what happened
    f = facts(ctx, eng, touch.date, playbook.closing)
    technique = playbook.techniques[touch.technique] if touch.technique else _ORDINARY
    problem = blocked(technique, f, playbook, ctx)
    if problem is not None:
        return problem
    if make_plan(ctx, playbook, touch.date).technique == "move_on":
        return "the plan is move_on: stop here"
    return None


# --- editing the document ----------------------------------------------------------


def touch_record(touch: Touch, *, dates_as_text: bool) -> dict[str, Any]:
    """A touch as a file line: ``{date, channel, direction[, technique]}``."""
    record: dict[str, Any] = {
        "date": touch.date.isoformat() if dates_as_text else touch.date,
        "channel": touch.channel.value,
        "direction": touch.direction.value,
    }
    if touch.technique:
        record["technique"] = touch.technique
    if touch.outcome:
        record["outcome"] = touch.outcome.value
    return record


def summary_as_touches(summary: HistorySummary) -> list[Touch]:
    """The touch form of a CRM summary, giving the same facts.

    The summary does not say when the attempts between the first and the last
    went, nor by which channel each, nor how they replied: those are estimates
    (evenly spread dates; the channels tried in turn; a reply by email).
    """
    out: list[Touch] = []
    if summary.last_reply is not None:
        out.append(
            Touch(
                date=summary.last_reply,
                channel=Channel.email,
                direction=Direction.in_,
                outcome=summary.last_reply_outcome,
            )
        )
    n, last = summary.attempts, summary.last_attempt
    if n == 0 or last is None:
        return out
    first = summary.first_attempt or last
    channels = list(dict.fromkeys(summary.channels_tried)) or [Channel.email]
    # every channel tried appears, the first ones first
    picks = [channels[i % len(channels)] for i in range(max(n, len(channels)))][:n]
    span = (last - first).days
    for i in range(n):
        offset = 0 if n == 1 else round(i * span / (n - 1))
        day = last if i == n - 1 else first + dt.timedelta(days=offset)
        technique = summary.last_technique if i == n - 1 else None
        out.append(Touch(date=day, channel=picks[i], direction=Direction.out, technique=technique))
    return out


def add_touch(
    document: MutableMapping[str, Any],
    ctx: DealContext,
    touch: Touch,
    *,
    new_item: Any,
    new_list: Any,
) -> bool:
    """Add ``touch`` to ``document['history']`` in date order, converting a
    summary history to touches first. ``new_item(record, like)`` and
    ``new_list(items)`` make the file format's own containers (so YAML keeps
    its layout). True when the history was converted."""
    converted = False
    history = document.get("history")
    if isinstance(ctx.history, HistorySummary):
        items = [
            new_item(touch_record(t, dates_as_text=False), None)
            for t in summary_as_touches(ctx.history)
        ]
        history = new_list(items)
        document["history"] = history
        converted = True
    elif history is None:
        history = new_list([])
        document["history"] = history
    at = 0
    for i, item in enumerate(history):
        day = _item_day(item)
        if day is not None and day <= touch.date:
            at = i + 1
    like = history[at - 1] if at > 0 else (history[0] if len(history) else None)
    history.insert(at, new_item(touch_record(touch, dates_as_text=False), like))
    return converted


def _item_day(item: Any) -> dt.date | None:
    value = item.get("date") if isinstance(item, Mapping) else None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def set_follow_up(
    document: MutableMapping[str, Any], day: dt.date, channel: Channel | None, *, new_map: Any
) -> None:
    """Set ``deal.follow_up_on`` (and ``follow_up_channel``): the date they named."""
    deal = document.get("deal")
    if not isinstance(deal, MutableMapping):
        deal = new_map({})
        document["deal"] = deal
    deal["follow_up_on"] = day
    if channel is not None:
        deal["follow_up_channel"] = channel.value
