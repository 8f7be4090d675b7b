"""The template context's memos (drafter.draft.facts._counts, templates'
_phrase_without_names, context.first_word_of) give what the plain
computation gives, for varied histories, phrases and prospects, and hand
out fresh values a caller may change without touching the next answer."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from drafter.context import Channel, DealContext, Prospect
from drafter.draft.facts import (
    _PLURAL,
    MEANS_WORDS,
    MESSAGE_CHANNELS,
    _quantity,
    history_facts,
    times_said,
)
from drafter.draft.templates import _phrase, _ready
from drafter.perspective import said_to_them
from drafter.plan.engagement import MEANS, Engagement, summarise
from tests.conftest import as_summary, make_context

CHANNELS = [c.value for c in Channel]


def _plain_facts(eng: Engagement, channel: Channel | None, send_on: dt.date | None) -> Any:
    """history_facts as it was written before its counts were memoised."""
    if eng.attempt_channels is not None:
        by_channel: dict[str, int] | None = dict.fromkeys((c.value for c in Channel), 0)
        assert by_channel is not None
        for c in eng.attempt_channels:
            by_channel[c.value] += 1
    elif len(eng.channels_tried) <= 1 or eng.attempts == 0:
        by_channel = dict.fromkeys((c.value for c in Channel), 0)
        if eng.channels_tried:
            by_channel[eng.channels_tried[0].value] = eng.attempts
    else:
        by_channel = None
    by_means: dict[str, int] | None = None
    if by_channel is not None:
        by_means = dict.fromkeys(MEANS_WORDS, 0)
        for name, count in by_channel.items():
            by_means[MEANS[Channel(name)]] += count
    elif len(eng.means_tried) == 1:
        by_means = dict.fromkeys(MEANS_WORDS, 0) | {eng.means_tried[0]: eng.attempts}
    if by_channel is not None:
        exact: int | None = sum(by_channel[c.value] for c in MESSAGE_CHANNELS)
        at_least = exact
    elif all(c in MESSAGE_CHANNELS for c in eng.channels_tried):
        exact = at_least = eng.attempts
    else:
        exact, at_least = None, sum(1 for c in eng.channels_tried if c in MESSAGE_CHANNELS)
    noun = None
    if at_least is not None and at_least >= 2:
        kinds = [c for c in eng.channels_tried if c in MESSAGE_CHANNELS]
        noun = _PLURAL[kinds[0]] if len(kinds) == 1 else "messages"
    this_means = MEANS[channel] if channel is not None else None
    if this_means is None:
        earlier = None
    elif this_means not in eng.means_tried:
        earlier = 0
    else:
        earlier = by_means[this_means] if by_means is not None else None
    return {
        "attempts": eng.attempts,
        "times": times_said(eng.attempts),
        "means": list(eng.means_tried),
        "means_words": [MEANS_WORDS[m] for m in eng.means_tried],
        "channels": [c.value for c in eng.channels_tried],
        "by_channel": by_channel,
        "by_means": by_means,
        "messages_left": exact,
        "messages_left_at_least": at_least,
        "message_noun": noun,
        "messages_said": f"{_quantity(exact)} {noun}" if noun else None,
        "this_means": this_means,
        "earlier_on_this_means": earlier,
        "first_on_this_means": this_means is not None and this_means not in eng.means_tried,
        "first_attempt": eng.first_attempt.isoformat() if eng.first_attempt else None,
        "last_attempt": eng.last_attempt.isoformat() if eng.last_attempt else None,
        "last_reply": eng.last_reply.isoformat() if eng.last_reply else None,
        "days_since_first_attempt": (
            (send_on - eng.first_attempt).days if send_on and eng.first_attempt else None
        ),
    }


def _histories() -> list[list[dict[str, Any]]]:
    rng = random.Random(7)
    start = dt.date(2026, 10, 1)
    out: list[list[dict[str, Any]]] = [[]]
    for _ in range(120):
        n = rng.randint(1, 7)
        days = sorted(rng.sample(range(40), n))
        touches = [
            {
                "date": (start + dt.timedelta(days=d)).isoformat(),
                "channel": rng.choice(CHANNELS),
                "direction": "in" if rng.random() < 0.2 else "out",
            }
            for d in days
        ]
        out.append(touches)
    return out


def _contexts() -> list[DealContext]:
    found = []
    for history in _histories():
        found.append(make_context(history=history))  # the touch list
        found.append(make_context(history=as_summary(history)))  # a CRM's summary of it
    return found


def test_history_facts_equal_the_plain_computation_and_are_fresh() -> None:
    send_on = dt.date(2026, 11, 23)
    checked = 0
    for _ in range(2):  # the second time from the memo
        for ctx in _contexts():
            eng = summarise(ctx)
            for channel in (None, *Channel):
                for day in (None, send_on):
                    got = history_facts(ctx, channel, day)
                    assert got == _plain_facts(eng, channel, day)
                    checked += 1
                    # a caller changing what it was given changes no later answer
                    for key in ("by_channel", "by_means"):
                        if got[key] is not None:
                            got[key]["email"] = -1
                    got["means"].append("x")
    assert checked > 2 * 200 * 8


NAMES = ["Bob Martin", "Dr. Anne-Marie O'Neil", "Sarah Klein", "Al", "Mr. J. Smith"]
PHRASES = [
    "review the pilot plan with your CFO",
    "To review Sarah's rollout plan.",
    "Send Bob the deck",
    "cut onboarding time in half;",
    "we would send the ROI model",
    "the ROI model",
    "Review  her team's   numbers!",
    "ROI review with Anne-Marie's team",
    "  ",
    "Book a call with Klein's assistant",
    "Ship faster",
]


def _plain_phrase(value: str | None, prospect: Prospect, *, verb: bool) -> str | None:
    """_phrase as written before the memo: every phrase said to this prospect."""
    text = " ".join(value.split()) if value is not None else ""
    if not text:
        return None
    return _ready(said_to_them(text, prospect).text, verb)


def test_phrases_equal_the_plain_computation_for_every_prospect() -> None:
    for _ in range(2):  # the second time from the memo
        for name, phrase, verb in itertools.product(NAMES, PHRASES, (False, True)):
            prospect = Prospect(name=name, company="Acme")
            assert _phrase(phrase, prospect, verb=verb) == _plain_phrase(
                phrase, prospect, verb=verb
            ), (name, phrase, verb)
    # one text, two prospects: named in it for one only
    bob, sarah = Prospect(name="Bob Martin", company="A"), Prospect(name="Sarah Klein", company="B")
    assert _phrase("review Sarah's plan", sarah, verb=True) == "review your plan"
    assert _phrase("review Sarah's plan", bob, verb=True) == "review Sarah's plan"


def test_a_prospects_names_are_its_own_whichever_was_asked_before() -> None:
    """perspective keeps the last prospect's names: asking about prospects in
    turn (again, and others equal in value) gives each its own names."""
    from drafter.perspective import _names, _names_for, names_in

    people = [Prospect(name=n, company="Acme") for n in NAMES]
    people += [Prospect(name="Sarah Klein", company="Acme", first_name="Sally")]
    order = [*people, *reversed(people), people[0], people[0], people[2]]
    for prospect in order:
        expected = _names(prospect.name, prospect.greeting_name, prospect.first_name)
        assert _names_for(prospect) == expected
        for text in PHRASES:
            assert names_in(text, prospect) == any(n in text for n in expected)
    assert names_in("call Sally", people[-1]) and not names_in("call Sally", people[2])


def test_the_senders_values_are_its_own_whichever_was_asked_before() -> None:
    """templates keeps the last sender's values: senders asked about in turn
    each get their own, in a dict the caller may change."""
    from drafter.context import Sender
    from drafter.draft.templates import _sender_values, _text

    senders = [
        Sender(),
        Sender(name="Sam  Rep", company="Drafter Inc", phone="+1 303 555 0101"),
        Sender(name="Dr. Jo Lee", email="jo@example.com", title="  Account   Executive "),
        Sender(name="Sam  Rep", company="Drafter Inc", phone="+1 303 555 0101"),
    ]
    for sender in [*senders, *reversed(senders), senders[1], senders[1]]:
        got = _sender_values(sender)
        assert got == {
            "name": _text(sender.name),
            "first_name": _text(sender.first_name),
            "company": _text(sender.company),
            "phone": _text(sender.phone),
            "email": _text(sender.email),
            "title": _text(sender.title),
        }
        got["name"] = "changed"
    assert _sender_values(senders[2])["title"] == "Account Executive"
