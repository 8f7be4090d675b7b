"""No draft claims anything about earlier touches that the history does not
hold (issue 11, pattern 4).

Histories are generated (emails only, phone only, calls with no voicemail,
letters, mixed, one touch, many, none, touches before a reply), in both
history forms, for every technique and channel of the playbook. Each draft is
scanned for the sentences that describe earlier touches (their means, their
number, "again"); each claim found is checked against an oracle worked out
here from the generated touches, independently of drafter. In the CRM-summary
form only what a summary proves counts: with two channels used, "my emails"
(two or more) is not proven, since the summary does not say how many of the
attempts were emails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from drafter.context import Channel
from drafter.draft.templates import render_offline
from drafter.playbook import load_playbook
from tests.conftest import as_summary, make_context, touches

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = load_playbook(ROOT / "playbook")
TEMPLATES = PLAYBOOK.path / "templates"
SEND_ON = dt.date(2026, 11, 24)
PHONE = {"call", "voicemail"}
MESSAGE = {"voicemail", "email", "text", "letter", "linkedin"}
MEANS = {"call": "phone", "voicemail": "phone", "email": "email", "text": "text"}
MEANS |= {"letter": "letter", "linkedin": "linkedin", "meeting": "meeting"}
WORD_MEANS = {"phone": "phone", "email": "email", "post": "letter", "text": "text"}
WORD_MEANS |= {"LinkedIn": "linkedin"}


def _days(*pairs: tuple[int, str]) -> list[tuple[str, str, str]]:
    """Unanswered outbound touches, ``days`` before SEND_ON."""
    return [((SEND_ON - dt.timedelta(days=d)).isoformat(), ch, "out") for d, ch in pairs]


REPLY = [("2026-10-01", "meeting", "in")]
HISTORIES: dict[str, list[tuple[str, str, str]]] = {
    "none": REPLY,
    "one email": REPLY + _days((5, "email")),
    "two emails": REPLY + _days((12, "email"), (5, "email")),
    "emails only": REPLY + _days((30, "email"), (23, "email"), (16, "email"), (9, "email")),
    "one voicemail": REPLY + _days((6, "voicemail")),
    "phone only": REPLY
    + _days((40, "call"), (33, "voicemail"), (26, "call"), (19, "voicemail"), (12, "voicemail")),
    "calls, no voicemail": REPLY + _days((15, "call"), (10, "call"), (5, "call")),
    "letters": REPLY + _days((20, "letter"), (10, "letter")),
    "mixed": REPLY
    + _days((45, "email"), (38, "voicemail"), (31, "letter"), (24, "call"), (17, "text")),
    "many": REPLY + _days(*[(60 - 6 * i, ("email", "call", "voicemail")[i % 3]) for i in range(9)]),
    "phone before the reply": [
        *_days((50, "voicemail"), (45, "voicemail"), (40, "call")),
        ((SEND_ON - dt.timedelta(days=30)).isoformat(), "call", "in"),
        *_days((14, "email"), (7, "email")),
    ],
}


@dataclass(frozen=True)
class Oracle:
    """What a history proves: per-channel bounds on the unanswered touches."""

    attempts: int
    low: dict[str, int]
    high: dict[str, int]
    days_since_first: int | None

    @classmethod
    def of(cls, history: list[tuple[str, str, str]], summary: bool) -> Oracle:
        replies = [d for d, _, direction in history if direction == "in"]
        last = max(replies, default=None)
        out = [(d, ch) for d, ch, direction in history if direction == "out"]
        unanswered = [(d, ch) for d, ch in out if last is None or d > last]
        n = len(unanswered)
        exact = {ch: sum(1 for _, c in unanswered if c == ch) for ch in MEANS}
        first = min((d for d, _ in unanswered), default=None)
        days = (SEND_ON - dt.date.fromisoformat(first)).days if first else None
        used = [ch for ch in MEANS if exact[ch]]
        if summary and len(used) > 1:
            low = {ch: (1 if ch in used else 0) for ch in MEANS}
            high = {ch: (n - len(used) + 1 if ch in used else 0) for ch in MEANS}
            return cls(n, low, high, days)
        return cls(n, exact, dict(exact), days)

    def lo(self, channels: set[str]) -> int:
        return sum(self.low[c] for c in channels)

    def hi(self, channels: set[str]) -> int:
        return sum(self.high[c] for c in channels)

    def means_used(self) -> set[str]:
        return {MEANS[c] for c in MEANS if self.low[c]}


_NOUN = {
    "emails": {"email"},
    "email": {"email"},
    "voicemails": {"voicemail"},
    "voicemail": {"voicemail"},
    "texts": {"text"},
    "letters": {"letter"},
    "letter": {"letter"},
    "messages": MESSAGE,
    "message": MESSAGE,
    "calls": {"call"},
}
_QUANTITY: dict[str, Callable[[int, int], bool]] = {
    "a couple of": lambda lo, hi: lo == hi == 2,
    "a few": lambda lo, hi: lo >= 3 and hi <= 5,
    "several": lambda lo, hi: lo >= 3,
    "some": lambda lo, hi: lo >= 2,
}
_TIMES: dict[str, Callable[[int], bool]] = {
    "once": lambda n: n == 1,
    "a couple of times": lambda n: n == 2,
    "a few times": lambda n: 3 <= n <= 5,
    "several times": lambda n: n >= 3,
}
_PERIODS = {
    "few days": (0, 6),
    "week or so": (7, 10),
    "two weeks": (11, 17),
    "three weeks": (18, 24),
    "few weeks": (18, 45),
    "couple of months": (46, 75),
    "few months": (76, 10_000),
}

Check = Callable[[re.Match[str], Oracle, str], bool]


def _again(m: re.Match[str], o: Oracle, channel: str) -> bool:
    this = {c for c in MEANS if MEANS[c] == MEANS[channel]}
    return o.lo(this) >= 1


def _by(m: re.Match[str], o: Oracle, channel: str) -> bool:
    words = re.split(r", | and ", m.group(1))
    return all(WORD_MEANS[w] in o.means_used() for w in words)


def _left(m: re.Match[str], o: Oracle, channel: str) -> bool:
    kinds = _NOUN[m.group(2)]
    return _QUANTITY[m.group(1)](o.lo(kinds), o.hi(kinds))


def _period(m: re.Match[str], o: Oracle, channel: str) -> bool:
    low, high = _PERIODS[m.group(1)]
    return o.days_since_first is not None and low <= o.days_since_first <= high and o.attempts > 1


# (pattern, what it claims, check): every sentence shape the drafts use, or
# used, to describe earlier touches.
CLAIMS: list[tuple[str, str, Check]] = [
    (r"\bit's [^.\n\"]*? again\b", "we reached out this way before", _again),
    (r"\b(?:calling|writing|trying) (?:you )?again\b", "we reached out this way before", _again),
    (
        r"tried (?:to reach you )?(once|a couple of times|a few times|several times)",
        "this many attempts",
        lambda m, o, c: _TIMES[m.group(1)](o.attempts),
    ),
    (
        r"reach you [^.]*?\bby ((?:phone|email|post|text|LinkedIn)"
        r"(?:(?:, | and )(?:phone|email|post|text|LinkedIn))*)",
        "these means were used",
        _by,
    ),
    (
        r"(?:left|sent) (?:you )?(a couple of|a few|several|some) "
        r"(messages|voicemails|emails|texts|letters|calls)",
        "this many messages of this kind",
        _left,
    ),
    (
        r"\bmy (messages|voicemails|emails|texts|letters|calls)\b",
        "two or more of these",
        lambda m, o, c: o.lo(_NOUN[m.group(1)]) >= 2,
    ),
    (
        r"\byour (emails) are\b",
        "two or more emails",
        lambda m, o, c: o.lo(_NOUN[m.group(1)]) >= 2,
    ),
    (r"\byour email is\b", "exactly one email", lambda m, o, c: o.lo({"email"}) == 1),
    (
        r"keep (?:leaving|sending) (messages|voicemails|emails|texts|letters)",
        "two or more of these",
        lambda m, o, c: o.lo(_NOUN[m.group(1)]) >= 2,
    ),
    (
        r"another (message|voicemail|email|letter)",
        "one or more of these",
        lambda m, o, c: o.lo(_NOUN[m.group(1)]) >= 1,
    ),
    (r"fill(?:ing)? your inbox", "two or more emails", lambda m, o, c: o.lo({"email"}) >= 2),
    (
        r"fill(?:ing)? your voicemail",
        "two or more voicemails",
        lambda m, o, c: o.lo({"voicemail"}) >= 2,
    ),
    (r"\b(?:my|your) emails\b", "two or more emails", lambda m, o, c: o.lo({"email"}) >= 2),
    (
        r"(?:get|see|got) my last email|my last email reach",
        "an email",
        lambda m, o, c: o.lo({"email"}) >= 1,
    ),
    (
        r"(?:get|see|got) my last message|my last message reach",
        "an attempt",
        lambda m, o, c: o.attempts >= 1,
    ),
    (r"heard back", "an attempt", lambda m, o, c: o.attempts >= 1),
    (
        r"haven't (?:been able to reach|managed to (?:connect|reach)|reached)",
        "an attempt",
        lambda m, o, c: o.attempts >= 1,
    ),
    (r"phone and I are not on speaking terms", "a phone touch", lambda m, o, c: o.lo(PHONE) >= 1),
    (r"meant to call you back", "a phone touch", lambda m, o, c: o.lo(PHONE) >= 1),
    (r"one more letter", "a letter", lambda m, o, c: o.lo({"letter"}) >= 1),
    (
        r"\bfor weeks\b",
        "two weeks or more",
        lambda m, o, c: (o.days_since_first or 0) >= 14,
    ),
    (
        r"over the last (few days|week or so|two weeks|three weeks|few weeks|couple of months"
        r"|few months)",
        "this long",
        _period,
    ),
]
_COMPILED = [(re.compile(p, re.IGNORECASE), what, check) for p, what, check in CLAIMS]


def false_claims(text: str, oracle: Oracle, channel: str) -> list[str]:
    found = []
    for pattern, what, check in _COMPILED:
        for m in pattern.finditer(text):
            if not check(m, oracle, channel):
                found.append(f"{m.group(0)!r} claims {what}")
    return found


def claims_made(text: str) -> int:
    return sum(len(pattern.findall(text)) for pattern, _, _ in _COMPILED)


DEALS = {
    "engaged, agreed step": (
        "engaged",
        {"agreed_next_step": "review the pilot plan with your CFO"},
    ),
    "proposal": ("proposal", {"benefits": ["cut onboarding time in half"]}),
    "cold": ("cold", {}),
}
CASES = [(t.id, ch) for t in PLAYBOOK.ordered if t.kind == "message" for ch in t.channels]


def _draft(
    technique: str, channel: Channel, history: list[tuple[str, str, str]], summary: bool, deal: str
) -> str:
    stage, extra = DEALS[deal]
    items = touches(*history)
    ctx = make_context(
        stage=stage,
        history=as_summary(items) if summary else items,
        deal={**extra, "missed_appointment": (SEND_ON - dt.timedelta(days=1)).isoformat()},
        prospect={"mailing_address": "200 Pier Road, Portland ME"},
        today=SEND_ON,
    )
    subject, body = render_offline(
        ctx, technique, channel, sender=ctx.sender, send_on=SEND_ON, templates_dir=TEMPLATES
    )
    return f"{subject or ''}\n{body}"


@pytest.mark.parametrize(("technique", "channel"), CASES, ids=[f"{t}-{c.value}" for t, c in CASES])
def test_no_draft_claims_what_the_history_does_not_hold(technique: str, channel: Channel) -> None:
    problems = []
    for name, history in HISTORIES.items():
        for summary in (False, True):
            oracle = Oracle.of(history, summary)
            for deal in DEALS:
                text = _draft(technique, channel, history, summary, deal)
                for problem in false_claims(text, oracle, channel.value):
                    form = "summary" if summary else "touches"
                    problems.append(f"{name} ({form}, {deal}): {problem}")
    assert not problems, "\n".join(problems[:20])


def test_the_drafts_do_make_claims_the_checker_sees() -> None:
    """The scan is not vacuous: true claims are found and pass."""
    made = 0
    for technique, channel in CASES:
        for history in HISTORIES.values():
            made += claims_made(_draft(technique, channel, history, False, "engaged, agreed step"))
    assert made > 100


@pytest.mark.parametrize(
    ("text", "channel", "history"),
    [
        # the issue's four examples: each is a false claim for its history
        (
            "Hi Bob, it's Dana Reyes from Northwind again. I've left a few messages.",
            "voicemail",
            "two emails",
        ),
        (
            "[ ] My inbox is the size of a small ocean, and your emails are swimming near the "
            "bottom.",
            "letter",
            "phone only",
        ),
        ("That's fine: tell me, and I'll stop filling your inbox.", "email", "letters"),
        (
            "I'd rather not keep filling your voicemail, so this is my last message.",
            "voicemail",
            "emails only",
        ),
        ("I've tried to reach you a few times, by phone and email.", "email", "one email"),
        ("it's Dana again.", "voicemail", "phone before the reply"),
        ("I've sent you a few emails.", "email", "mixed"),
    ],
)
def test_the_checker_catches_the_issues_false_claims(text: str, channel: str, history: str) -> None:
    assert false_claims(text, Oracle.of(HISTORIES[history], False), channel)


def test_a_summary_proves_less_than_the_touches() -> None:
    mixed = HISTORIES["mixed"]
    text = "A busy month has buried my emails."
    assert false_claims(text, Oracle.of(mixed, True), "email")
    assert false_claims(text, Oracle.of(mixed, False), "email")  # one email only
    emails = HISTORIES["emails only"]
    assert not false_claims(text, Oracle.of(emails, True), "email")
