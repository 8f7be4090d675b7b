"""A starter context file (``drafter init``): every field, what it takes, an
example, and which are optional, as comments around the rep's answers.

:func:`starter_text` is pure: given the answers (possibly none), it returns
the YAML text. A field answered is written as a value; an optional field not
answered stays a comment to uncomment; a required field not answered is left
empty for the rep to fill in. :data:`QUESTIONS` are what the interactive
``drafter init`` asks, each with a parser that raises ``ValueError`` with a
message to show before asking again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from drafter.context import Channel, PreferredChannel, Role, Stage


def _values(enum: Any) -> str:
    names: list[str] = [str(m.value) for m in enum]
    return ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True)
class Field:
    key: str  # dotted: "prospect.name"
    example: str  # as YAML
    about: str
    required: bool = False


FIELDS: tuple[Field, ...] = (
    Field("today", "2026-11-23", "the day to plan for (default: the real today)"),
    Field("sender.name", "Dana Reyes", "you (or set sender details once in drafter.toml)"),
    Field("sender.company", "Northwind Analytics", "your company"),
    Field("sender.phone", '"+1 416 555 0199"', "your callback number (voicemails need one)"),
    Field("sender.email", "dana@northwind.example", "your email address"),
    Field("sender.title", "Account Executive", "your job title"),
    Field("prospect.name", "Sarah Klein", "their full name", required=True),
    Field("prospect.company", "Klein & Sons Hardware", "their company", required=True),
    Field("prospect.first_name", "Sarah", "how to greet them (default: from name)"),
    Field("prospect.title", "COO", "their job title"),
    Field("prospect.email", "sarah@kleinsons.example", "their email address"),
    Field("prospect.phone", '"+1 416 555 0100"', "their phone number"),
    Field("prospect.mailing_address", '"12 King St W, Toronto ON"', "a letter needs one"),
    Field("prospect.role", "decision_maker", f"{_values(Role)} (the default)"),
    Field(
        "prospect.preferred_channel",
        "email",
        f"how they like to be reached: {_values(PreferredChannel)}",
    ),
    Field("prospect.best_time", '"Tuesday mornings"', "when they said they are available"),
    Field("prospect.away_until", "2026-12-01", "nothing is sent before this day"),
    Field(
        "deal.stage",
        "engaged",
        f"{_values(Stage)}; or your CRM's word (Demo, Qualified, Contract Sent, Closed Lost, "
        "...: see playbook/vocabulary.yaml). cold = they never replied; engaged = an ongoing "
        "dialogue; proposal = a proposal or quote is with them",
        required=True,
    ),
    Field("deal.value", "180000", "what the deal is worth (a number, or '$180,000')"),
    Field("deal.currency", "USD", "ISO 4217 code of value (default: drafter.toml's)"),
    Field(
        "deal.agreed_next_step",
        "review the pilot plan with your CFO",
        "what you both agreed, as you would say it to them, starting with a verb",
    ),
    Field("deal.missed_appointment", "2026-11-20", "the day they missed a meeting with you"),
    Field(
        "deal.benefits",
        '["cut onboarding time in half"]',
        "what they gain, each as you would say it to them, starting with a verb",
    ),
    Field(
        "deal.news",
        '"we now integrate with your point-of-sale system"',
        "something new to share since you last spoke",
    ),
    Field(
        "deal.follow_up_on",
        "2027-01-05",
        "the date they named for the next contact ('call me after the holidays')",
    ),
    Field(
        "deal.follow_up_channel",
        "call",
        "how they asked to be reached then (call, email, text, ...)",
    ),
    Field("deal.rfp", "true", "they issued a request for proposal (RFP, RFQ, tender)"),
    Field("deal.deadline", "2026-12-15", "a date the buyer set (an RFP's due date, a decision)"),
    Field("deal.notes", '"liked the routing demo"', "anything; never used as an instruction"),
)

_HISTORY_HELP = f"""\
# history: one line per touch, oldest first (`drafter log` adds them for you).
#   date: YYYY-MM-DD; channel: {_values(Channel)}
#   (or a word like phone, demo, sms); direction: out (you) or in (they replied, or met you);
#   technique: on your own touches, the playbook technique it was (drafter playbook list):
#   name it, or a closing message may be proposed again; outcome: on their touches,
#   deferred for a live brush-off ("busy, call me back"), else leave it out.
#   Or a CRM summary instead of the list: attempts, channels_tried, first_attempt,
#   last_attempt, last_reply, last_reply_outcome, last_technique (see docs/context.md)."""

_HISTORY_EXAMPLES = """\
#  - {date: 2026-11-03, channel: meeting, direction: in}
#  - {date: 2026-11-06, channel: email, direction: out, technique: best_contact_question}
#  - {date: 2026-11-10, channel: voicemail, direction: out}"""

_HEADER = """\
# A deal for drafter. Fill in what you know, then: drafter plan {name}
# Required: prospect.name, prospect.company and deal.stage. Every other field is
# optional: to use one, delete the "# " before it. Dates are YYYY-MM-DD.
# Every field is explained in docs/context.md."""


_WIDTH = 88


def scalar(value: Any) -> str:
    """A value as YAML: dates and numbers as they are, text quoted when needed."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9 .,'&/()_-]*", text) and not re.search(
        r"^(yes|no|true|false|on|off|null|y|n)$", text, flags=re.I
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def starter_text(
    answers: Mapping[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    *,
    name: str = "deal.yaml",
) -> str:
    """The commented starter, with ``answers`` (dotted keys) filled in."""
    answers = answers or {}
    lines = [_HEADER.format(name=name), ""]
    section = None
    for field in FIELDS:
        head, _, key = field.key.rpartition(".")
        if head != section:
            if section is not None or head:
                lines.append("")
            if head:
                used = any(f.key.startswith(head + ".") and f.key in answers for f in FIELDS)
                required = any(f.required for f in FIELDS if f.key.startswith(head + "."))
                lines.append(f"{head}:" if used or required else f"# {head}:")
            section = head
        indent = "  " if head else ""
        about = f"# {'required' if field.required else 'optional'}: {field.about}"
        if field.key in answers:
            line = f"{indent}{key}: {scalar(answers[field.key])}"
        elif field.required:
            line = f"{indent}{key}:"
            about += f"; e.g. {field.example}"
        else:
            line = f"{indent}# {key}: {field.example}"
        if len(line) + 2 + len(about) <= _WIDTH:
            lines.append(f"{line}  {about}")
        else:  # a long explanation goes above its field
            lines += textwrap.wrap(
                about, _WIDTH, initial_indent=indent, subsequent_indent=f"{indent}#   "
            )
            lines.append(line)
    lines += ["", _HISTORY_HELP]
    if history:
        lines.append("history:")
        for touch in history:
            parts = ", ".join(f"{k}: {scalar(v)}" for k, v in touch.items())
            lines.append(f"  - {{{parts}}}")
    else:
        lines += ["history: []", _HISTORY_EXAMPLES]
    return "\n".join(lines) + "\n"


# --- the interactive questions -------------------------------------------------------


def _text(answer: str) -> str:
    return answer.strip()


def _day(answer: str) -> dt.date:
    try:
        return dt.date.fromisoformat(answer.strip())
    except ValueError:
        raise ValueError("a date is YYYY-MM-DD, e.g. 2026-11-03") from None


def _stage(answer: str) -> str:
    from drafter.vocabulary import normalise_stage

    return normalise_stage(answer.strip())


def _channel(answer: str) -> str:
    from drafter.vocabulary import normalise_channel

    return normalise_channel(answer.strip())


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    parse: Callable[[str], Any]
    required: bool = False


QUESTIONS: tuple[Question, ...] = (
    Question("prospect.name", "Their full name", _text, required=True),
    Question("prospect.company", "Their company", _text, required=True),
    Question("prospect.email", "Their email (Enter to skip)", _text),
    Question("prospect.phone", "Their phone (Enter to skip)", _text),
    Question(
        "deal.stage",
        "Deal stage: cold, engaged, proposal, or your CRM's word (Demo, Qualified, ...)",
        _stage,
        required=True,
    ),
    Question(
        "deal.agreed_next_step",
        "The next step you agreed, as you'd say it to them, e.g. 'review the pilot with "
        "your CFO' (Enter to skip)",
        _text,
    ),
    Question("sender.name", "Your name (Enter if drafter.toml has it)", _text),
)

LAST_REPLY = Question(
    "last_reply", "When did they last reply or meet you? YYYY-MM-DD (Enter if never)", _day
)
LAST_REPLY_CHANNEL = Question("last_reply_channel", "How? (meeting, email, call, ...)", _channel)
TOUCH = Question(
    "touch",
    "Each touch of yours since, as 'YYYY-MM-DD channel [technique]' (Enter when done)",
    lambda answer: parse_touch(answer),
)


def parse_touch(answer: str) -> dict[str, Any]:
    """'2026-11-06 email' or '2026-11-06 email best_contact_question' -> a touch."""
    parts = answer.split()
    if len(parts) not in (2, 3):
        raise ValueError("write it as 'YYYY-MM-DD channel', or add the technique's id")
    touch: dict[str, Any] = {
        "date": _day(parts[0]),
        "channel": _channel(parts[1]),
        "direction": "out",
    }
    if len(parts) == 3:
        touch["technique"] = parts[2]
    return touch
