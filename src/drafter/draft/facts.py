"""What the history says about our earlier touches, as plain values.

Every sentence a draft writes about earlier touches (their means, their number,
"again") must follow from the history. :func:`history_facts` is the one place
those facts are worked out: the offline templates get it as ``history`` (see
``playbook/templates/README.md``) and the LLM prompt states the same dict. It
returns only JSON-ready values (numbers, strings, booleans, lists, dicts).

A count the history does not give is ``None``, never a guess: a CRM summary
gives the number of unanswered attempts and the channels used, not how many
went by each channel (unless only one was used).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drafter.context import Channel, DealContext
from drafter.plan.engagement import MEANS, means_of, summarise

# How each means is said in "I've tried to reach you by phone and email".
MEANS_WORDS: Mapping[str, str] = {
    "phone": "phone",
    "email": "email",
    "text": "text",
    "letter": "post",
    "linkedin": "LinkedIn",
    "meeting": "visit",
}

# Channels whose touch leaves a message behind (an unanswered call may not).
MESSAGE_CHANNELS = frozenset(
    {Channel.voicemail, Channel.email, Channel.text, Channel.letter, Channel.linkedin}
)

# The plural noun for earlier messages that all went one way.
_PLURAL: Mapping[Channel, str] = {
    Channel.voicemail: "voicemails",
    Channel.email: "emails",
    Channel.text: "texts",
    Channel.letter: "letters",
    Channel.linkedin: "messages",
}


def times_said(attempts: int) -> str | None:
    """How many times, said without keeping score: ``once``, ``a couple of
    times``, ``a few times`` (3-5), ``several times`` (6 or more)."""
    if attempts <= 0:
        return None
    if attempts == 1:
        return "once"
    if attempts == 2:
        return "a couple of times"
    if attempts <= 5:
        return "a few times"
    return "several times"


def _quantity(count: int | None) -> str:
    """``a couple of`` (2), ``a few`` (3-5), ``several`` (6+), ``some`` (unknown)."""
    if count is None:
        return "some"
    if count == 2:
        return "a couple of"
    return "a few" if count <= 5 else "several"


_CHANNEL_VALUES = tuple(c.value for c in Channel)
_MEANS_OF_VALUE: Mapping[str, str] = {c.value: MEANS[c] for c in Channel}


def _by_channel(
    attempts: int,
    channels_tried: tuple[Channel, ...],
    attempt_channels: tuple[Channel, ...] | None,
) -> dict[str, int] | None:
    if attempt_channels is not None:
        counts = dict.fromkeys(_CHANNEL_VALUES, 0)
        for channel in attempt_channels:
            counts[channel.value] += 1
        return counts
    if len(channels_tried) <= 1 or attempts == 0:
        counts = dict.fromkeys(_CHANNEL_VALUES, 0)
        if channels_tried:
            counts[channels_tried[0].value] = attempts
        return counts
    return None


def _messages_left(
    attempts: int, channels_tried: tuple[Channel, ...], by_channel: dict[str, int] | None
) -> tuple[int | None, int]:
    """(exact count or None, the least it can be) of attempts that left a message."""
    if by_channel is not None:
        exact = sum(by_channel[c.value] for c in MESSAGE_CHANNELS)
        return exact, exact
    if all(c in MESSAGE_CHANNELS for c in channels_tried):
        return attempts, attempts
    return None, sum(1 for c in channels_tried if c in MESSAGE_CHANNELS)


def _message_noun(channels_tried: tuple[Channel, ...], at_least: int) -> str | None:
    """``emails``/``voicemails``/... when at least two earlier messages all went
    that way; ``messages`` for two or more of mixed kinds; None otherwise."""
    if at_least < 2:
        return None
    kinds = [c for c in channels_tried if c in MESSAGE_CHANNELS]
    if len(kinds) == 1:
        return _PLURAL[kinds[0]]
    return "messages"


@dataclass(frozen=True)
class _Counts:
    """The facts that follow from the attempts and their channels alone (not
    from the channel or day of the message being written)."""

    means: tuple[str, ...]
    by_channel: dict[str, int] | None  # never handed out: history_facts copies it
    by_means: dict[str, int] | None  # (likewise)
    messages_left: int | None
    messages_left_at_least: int
    message_noun: str | None


@functools.lru_cache(maxsize=1024)
def _counts(
    attempts: int,
    channels_tried: tuple[Channel, ...],
    attempt_channels: tuple[Channel, ...] | None,
) -> _Counts:
    """Memoised: a batch meets the same few histories (so many attempts, by
    these channels) row after row, and the counts are a pure function of them."""
    means = means_of(channels_tried)
    by_channel = _by_channel(attempts, channels_tried, attempt_channels)
    by_means: dict[str, int] | None = None
    if by_channel is not None:
        by_means = dict.fromkeys(MEANS_WORDS, 0)
        for name, count in by_channel.items():
            by_means[_MEANS_OF_VALUE[name]] += count
    elif len(means) == 1:
        by_means = dict.fromkeys(MEANS_WORDS, 0) | {means[0]: attempts}
    exact, at_least = _messages_left(attempts, channels_tried, by_channel)
    noun = _message_noun(channels_tried, at_least)
    return _Counts(means, by_channel, by_means, exact, at_least, noun)


def history_facts(
    ctx: DealContext, channel: Channel | None = None, send_on: dt.date | None = None
) -> dict[str, Any]:
    """The facts of the unanswered touches since the prospect last replied,
    for a message going out by ``channel`` on ``send_on`` (both optional).

    Keys: ``attempts``; ``times`` (``once``, ``a couple of times``, ``a few
    times``, ``several times``, or None for none); ``means`` and
    ``means_words`` (first used first: ``phone``, ``email``, ... and the words
    for "by ...": ``phone``, ``email``, ``post``, ...); ``channels``;
    ``by_channel`` and ``by_means`` (counts, every key present, or None when
    the history does not say); ``messages_left`` (attempts that left a message:
    voicemails, emails, texts, letters, LinkedIn; None if unknown) and
    ``messages_left_at_least``; ``message_noun`` (``emails``, ``voicemails``,
    ``messages``, ... for two or more earlier messages; None otherwise) and
    ``messages_said`` (``a couple of emails``, ``a few voicemails``, ``some
    messages`` when the exact number is unknown; None for fewer than two);
    ``this_means``; ``earlier_on_this_means`` (None if unknown);
    ``first_on_this_means``; ``first_attempt``, ``last_attempt``,
    ``last_reply`` (ISO dates or None); ``days_since_first_attempt``.
    """
    eng = summarise(ctx)
    counts = _counts(eng.attempts, eng.channels_tried, eng.attempt_channels)
    by_means = counts.by_means
    means = counts.means
    exact, noun = counts.messages_left, counts.message_noun
    this_means = MEANS[channel] if channel is not None else None
    earlier: int | None
    if this_means is None:
        earlier = None
    elif this_means not in means:
        earlier = 0
    else:
        earlier = by_means[this_means] if by_means is not None else None
    return {
        "attempts": eng.attempts,
        "times": times_said(eng.attempts),
        "means": list(means),
        "means_words": [MEANS_WORDS[m] for m in means],
        "channels": [c.value for c in eng.channels_tried],
        "by_channel": None if counts.by_channel is None else dict(counts.by_channel),
        "by_means": None if by_means is None else dict(by_means),
        "messages_left": exact,
        "messages_left_at_least": counts.messages_left_at_least,
        "message_noun": noun,
        "messages_said": f"{_quantity(exact)} {noun}" if noun else None,
        "this_means": this_means,
        "earlier_on_this_means": earlier,
        "first_on_this_means": this_means is not None and this_means not in means,
        "first_attempt": eng.first_attempt.isoformat() if eng.first_attempt else None,
        "last_attempt": eng.last_attempt.isoformat() if eng.last_attempt else None,
        "last_reply": eng.last_reply.isoformat() if eng.last_reply else None,
        "days_since_first_attempt": (
            (send_on - eng.first_attempt).days if send_on and eng.first_attempt else None
        ),
    }
