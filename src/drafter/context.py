"""The deal context: what a rep knows about one silent prospect (contract §1).

Everything here is data validated strictly: unknown keys are rejected so a
typo never passes silently. ``deal.notes`` is untrusted CRM text and is never
used as an instruction anywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from drafter.money import parse_amount, parse_currency

# One line or a short paragraph of a rep's or a CRM's text (names, steps, news).
# A NUL or other control character is refused (it would land in the draft), and
# so is a field longer than any real one (a pasted document).
TEXT_MAX = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str) -> str:
    found = _CONTROL.search(value)
    if found:
        raise ValueError(
            f"contains the control character U+{ord(found.group()):04X} "
            f"at character {found.start() + 1}"
        )
    return value


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX),
    AfterValidator(_printable),
]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def _iso_day(value: Any) -> Any:
    """Dates are YYYY-MM-DD (a YAML date, or a string in that form); never numbers."""
    if isinstance(value, dt.datetime):
        raise ValueError("a date is YYYY-MM-DD, without a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        return value.strip()
    raise ValueError("a date is YYYY-MM-DD")


def _sane_day(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"{value} is outside {FIRST_DAY.year}-{LAST_DAY.year}")
    return value


Day = Annotated[dt.date, BeforeValidator(_iso_day), AfterValidator(_sane_day)]


def _currency_code(value: Any) -> Any:
    return parse_currency(value) if isinstance(value, str) else value


def _amount_number(value: Any) -> Any:
    """An amount written as text ("2400000 USD", "$2.4M") is read as its number."""
    return parse_amount(value)[0] if isinstance(value, str) else value


Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]

# An ISO 4217 code ("USD"), any case in, upper case out.
Currency = Annotated[str, BeforeValidator(_currency_code)]

# Honorifics skipped when a greeting takes the first word of a name.
TITLES = frozenset({"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "sir", "dame"})


@functools.lru_cache(maxsize=1024)  # a draft asks for the same names several times
def first_word_of(name: str) -> str:
    """How to greet someone by name.

    'Bob Martin' -> 'Bob'; 'Dr. Anne-Marie O'Neil' -> 'Anne-Marie';
    'Mr. J. Smith' -> 'Mr. Smith' and 'Dr. Smith' -> 'Dr. Smith' (no first name
    to use, so title and surname); a lone word is used as it is.
    """
    words = name.split()
    titles = []
    while len(words) > 1 and words[0].rstrip(".").lower() in TITLES:
        titles.append(words.pop(0))
    given = [w for w in words[:-1] if not _INITIAL.fullmatch(w)]
    if given:
        return given[0]
    return " ".join([*titles[:1], words[-1]])


_INITIAL = re.compile(r"\w\.?")


class Channel(StrEnum):
    call = "call"
    voicemail = "voicemail"
    email = "email"
    text = "text"
    letter = "letter"
    linkedin = "linkedin"
    meeting = "meeting"


_CHANNELS = frozenset(c.value for c in Channel)


class Direction(StrEnum):
    out = "out"
    in_ = "in"


class Stage(StrEnum):
    cold = "cold"
    engaged = "engaged"
    proposal = "proposal"


class Role(StrEnum):
    decision_maker = "decision_maker"
    influencer = "influencer"
    unknown = "unknown"


class PreferredChannel(StrEnum):
    email = "email"
    phone = "phone"
    text = "text"
    in_person = "in_person"
    assistant = "assistant"


# Words a phrase that should start with a verb ("review the pilot plan") must
# not start with: a sentence ("we would send ...") or a noun phrase ("the ROI").
_NOT_A_VERB = frozenset(
    [
        "we",
        "i",
        "you",
        "they",
        "he",
        "she",
        "it",
        "our",
        "my",
        "your",
        "their",
        "his",
        "her",
        "its",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
    ]
)


_LEADING_TO = re.compile(r"^to\s+", re.IGNORECASE)


def without_leading_to(text: str) -> str:
    """'to review the plan' -> 'review the plan' (templates put their own 'to')."""
    return _LEADING_TO.sub("", text.strip())


def reads_as_verb_phrase(text: str) -> bool:
    """Whether a next step or benefit fits 'we agreed to ...' / 'help you ...'."""
    words = without_leading_to(text).split()
    if not words:
        return False
    first = words[0].strip("'\"")
    return (first.isupper() and len(first) > 1) or first.lower() not in _NOT_A_VERB


def parse_channel(value: Channel | str | None, *, key: str) -> Channel | None:
    """A channel given by name, or by a word the vocabulary maps to one ("phone");
    a one-line error naming ``key`` otherwise."""
    if value is None or isinstance(value, Channel):
        return value
    if value in _CHANNELS:  # drafter's own name maps to itself: no need to read the table
        return Channel(value)
    from drafter.vocabulary import UnknownWord, normalise_channel

    try:
        return Channel(normalise_channel(value))
    except UnknownWord as exc:
        from drafter.errors import InputError

        raise InputError(str(exc), key=key) from None


def _word(kind: str, ours: type[StrEnum]) -> Any:
    """A validator reading a rep's or a CRM's word ("Demo", "phone") as ours.
    One of ``ours`` is itself under every vocabulary (a table may not give it
    another meaning), so it skips the table."""
    own = frozenset(m.value for m in ours)

    def read(value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or value in own:
            return value
        from drafter.vocabulary import from_validation_context

        return from_validation_context(info.context).normalise(kind, value)

    return BeforeValidator(read)


StageWord = Annotated[Stage, _word("stage", Stage)]
ChannelWord = Annotated[Channel, _word("channel", Channel)]
PreferredChannelWord = Annotated[PreferredChannel, _word("preferred_channel", PreferredChannel)]


class Outcome(StrEnum):
    """How the prospect answered (an inbound touch)."""

    replied = "replied"  # a real answer: a reply, a call back, a meeting (the default)
    deferred = "deferred"  # a live brush-off: they picked up but put it off ("busy, call me back")


def _agreed_channel(value: Any) -> Any:
    """The prospect's word ``phone`` is accepted for an agreed channel: a call."""
    if isinstance(value, str) and value.strip().lower() == "phone":
        return Channel.call.value
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Sender(Strict):
    name: Text | None = None
    company: Text | None = None
    phone: Text | None = None
    email: Text | None = None
    title: Text | None = None

    @property
    def first_name(self) -> str | None:
        return first_word_of(self.name) if self.name else None

    def merged_over(self, base: Sender) -> Sender:
        """This sender's fields, falling back to ``base`` for the missing ones."""
        mine = self.model_dump(exclude_none=True)
        return base.model_copy(update=mine)


class Prospect(Strict):
    name: Text
    first_name: Text | None = None
    title: Text | None = None
    company: Text
    email: Text | None = None
    phone: Text | None = None
    mailing_address: Text | None = None
    role: Role = Role.unknown
    preferred_channel: PreferredChannelWord | None = None
    best_time: Text | None = None
    away_until: Day | None = None

    @property
    def greeting_name(self) -> str:
        return self.first_name or first_word_of(self.name)


class Deal(Strict):
    """``agreed_next_step`` and each of ``benefits`` are verb phrases ("cut
    onboarding time in half"): templates put them after "to" or "help you"."""

    stage: StageWord
    value: Annotated[Amount | None, BeforeValidator(_amount_number)] = None
    currency: Currency | None = None  # of ``value``; else drafter.toml's ``currency``
    agreed_next_step: Text | None = None
    missed_appointment: Day | None = None
    benefits: list[Text] = Field(default_factory=list)
    news: Text | None = None
    # The next contact the prospect asked for ("call me after the holidays"):
    # nothing from the playbook goes out before it; on it, the ordinary follow-up.
    follow_up_on: Day | None = None
    follow_up_channel: Annotated[Channel, BeforeValidator(_agreed_channel)] | None = None
    # A buyer who engaged formally: they issued a request for proposal (RFP,
    # RFQ, tender), and a date they set (the RFP's due date, a decision date).
    rfp: bool = Field(default=False, strict=True)
    deadline: Day | None = None
    notes: str | None = None  # UNTRUSTED: data, never instructions

    @model_validator(mode="before")
    @classmethod
    def _currency_in_value(cls, data: Any) -> Any:
        """``value: "2400000 USD"`` also gives the currency (it must agree with
        ``currency`` when both are given). The number is read by ``value``'s own
        validator, which reports a bad amount under its key."""
        if not isinstance(data, dict) or not isinstance(data.get("value"), str):
            return data
        try:
            _, written = parse_amount(data["value"])
        except ValueError:
            return data
        if written is None:
            return data
        given = data.get("currency")
        if given is None:
            return {**data, "currency": written}
        if isinstance(given, str) and given.strip().upper() != written:
            raise ValueError(f"value is in {written} but currency says {given.strip()}")
        return data

    def phrasing_problems(self) -> list[str]:
        """Fields that do not read as verb phrases (the drafts leave them out)."""
        from drafter.perspective import free_text_fields

        return [
            key
            for key, text in free_text_fields(self)
            if key != "news" and not reads_as_verb_phrase(text)
        ]


class Touch(Strict):
    date: Day
    channel: ChannelWord
    direction: Direction
    technique: Text | None = None
    outcome: Outcome | None = None  # inbound only; none means replied

    @model_validator(mode="after")
    def _ours(self) -> Touch:
        if self.technique is not None and self.direction is Direction.in_:
            raise ValueError("technique names one of our touches: direction must be out")
        if self.outcome is not None and self.direction is Direction.out:
            raise ValueError("outcome says how the prospect answered: direction must be in")
        return self


class HistorySummary(Strict):
    attempts: int = Field(default=0, ge=0, strict=True)
    channels_tried: list[ChannelWord] = Field(default_factory=list)
    first_attempt: Day | None = None
    last_attempt: Day | None = None
    last_reply: Day | None = None
    last_reply_outcome: Outcome | None = None  # none means replied
    last_technique: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HistorySummary:
        if self.last_reply_outcome is not None and self.last_reply is None:
            raise ValueError("last_reply_outcome needs last_reply (the day they answered)")
        if self.attempts == 0 and (self.first_attempt or self.last_attempt or self.last_technique):
            raise ValueError("attempts is 0 but first_attempt/last_attempt/last_technique are set")
        if self.attempts > 0 and self.last_attempt is None:
            raise ValueError("attempts > 0 needs last_attempt")
        first = self.first_attempt or self.last_attempt
        if first and self.last_attempt and first > self.last_attempt:
            raise ValueError("first_attempt is after last_attempt")
        if self.last_reply and first and self.last_reply > first:
            raise ValueError(
                "last_reply is after first_attempt "
                "(attempts count unanswered touches since the last reply)"
            )
        return self


def _history_form(value: Any) -> str:
    return "touches" if isinstance(value, list) else "summary"


# The two history forms of the contract, told apart by shape so that an error
# in one form is reported for that form only.
History = Annotated[
    Annotated[list[Touch], Tag("touches")] | Annotated[HistorySummary, Tag("summary")],
    Discriminator(_history_form),
]


class DealContext(Strict):
    today: Day | None = None
    sender: Sender = Field(default_factory=Sender)
    prospect: Prospect
    deal: Deal
    history: History = Field(default_factory=list)

    @field_validator("history")
    @classmethod
    def _sorted_history(cls, value: list[Touch] | HistorySummary) -> list[Touch] | HistorySummary:
        return sorted(value, key=lambda t: t.date) if isinstance(value, list) else value

    def with_default_currency(self, currency: str | None) -> DealContext:
        """This context, with ``currency`` for a deal that names none."""
        if currency is None or self.deal.currency is not None:
            return self
        return self.model_copy(update={"deal": self.deal.model_copy(update={"currency": currency})})

    def latest_date(self) -> tuple[str, dt.date] | None:
        """The latest date the context records as past, with its key."""
        found: list[tuple[str, dt.date]] = []
        if isinstance(self.history, list):
            found += [(f"history[{i}].date", t.date) for i, t in enumerate(self.history)]
        else:
            h = self.history
            for key in ("first_attempt", "last_attempt", "last_reply"):
                value = getattr(h, key)
                if value is not None:
                    found.append((f"history.{key}", value))
        if self.deal.missed_appointment:
            found.append(("deal.missed_appointment", self.deal.missed_appointment))
        return max(found, key=lambda kv: kv[1]) if found else None
