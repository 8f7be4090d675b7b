"""Offline drafting: the playbook's own templates, personalised from the context.

:func:`render_offline` is a pure function of its inputs (no clock, no network):
it builds one explicit template context from the deal (documented for template
editors in ``playbook/templates/README.md``), renders
``<templates_dir>/<technique>/<channel>.j2`` in a sandboxed, strict Jinja
environment, parses the ``Subject:`` line off an email, and tidies whitespace.

``deal.notes`` is untrusted CRM text: it is never put into the template context.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from drafter.context import (
    Channel,
    DealContext,
    Prospect,
    Sender,
    reads_as_verb_phrase,
    without_leading_to,
)
from drafter.draft.base import Attempt, DraftRequest
from drafter.draft.facts import history_facts
from drafter.draft.models import Draft
from drafter.errors import PlaybookError
from drafter.money import format_amount
from drafter.perspective import names_in, said_to_them
from drafter.plan.engagement import PREFERRED_CHANNELS, follow_up_pending, summarise
from drafter.templating import strict_environment

SUBJECT_PREFIX = "Subject:"
# Channels whose message has a subject line (every other channel has none).
SUBJECT_CHANNELS = frozenset({Channel.email})

_ID = re.compile(r"[a-z][a-z0-9_]*")

# How each channel is said in "I've tried to reach you by phone and email".
_WAYS: Mapping[Channel, str | None] = {
    Channel.call: "phone",
    Channel.voicemail: "phone",
    Channel.email: "email",
    Channel.text: "text",
    Channel.linkedin: "LinkedIn",
    Channel.letter: "post",
    Channel.meeting: None,
}


# --- filters (documented in playbook/templates/README.md) -------------------


def day(value: dt.date) -> str:
    """``Thursday 20 November``."""
    return f"{value:%A} {value.day} {value:%B}"


def full_date(value: dt.date) -> str:
    """``Thursday 20 November 2026``: a date that stands on its own (a letter's)."""
    return f"{day(value)} {value.year}"


@pass_context
def when(context: Context, value: dt.date) -> str:
    """A past or coming day said relative to ``send_on``: ``today``, ``yesterday``,
    ``tomorrow``, ``on Thursday`` (within a week), else ``on Thursday 20 November``."""
    send_on = context.get("send_on")
    if isinstance(send_on, dt.date):
        delta = (send_on - value).days
        if delta == 0:
            return "today"
        if delta == 1:
            return "yesterday"
        if delta == -1:
            return "tomorrow"
        if 1 < delta < 7:
            return f"on {value:%A}"
    return f"on {day(value)}"


def join_and(items: Iterable[object]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = [str(i) for i in items if str(i).strip()]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _digit_groups(digits: str) -> str:
    if len(digits) == 10:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if len(digits) == 7:
        return f"{digits[:3]} {digits[3:]}"
    chunks = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    if len(chunks) > 1 and len(chunks[-1]) == 1:
        chunks[-2:] = [chunks[-2][:2], chunks[-2][2:] + chunks[-1]]
    return " ".join(chunks)


def phone_grouped(value: str) -> str:
    """A phone number as digit groups, easy to read aloud: ``+1 416 555 0199`` ->
    ``416 555 0199`` (North American +1 dropped; other country codes kept, as ``+44 20 ...``)."""
    text = value.strip()
    extension = ""
    ext = re.search(r"\s*(?:ext\.?|extension|x)\s*(\d+)\s*$", text, re.IGNORECASE)
    if ext:
        extension = f", extension {ext.group(1)}"
        text = text[: ext.start()]
    groups = re.findall(r"\d+", text)
    if not groups:
        return text or value.strip()
    if text.startswith("+") and not text.startswith("+1"):
        said = " ".join(groups) if len(groups) > 1 else _digit_groups(groups[0])
        return "+" + said + extension
    digits = "".join(groups)
    if text.startswith("+1") or (len(digits) == 11 and digits.startswith("1")):
        digits = digits[1:]
        groups = groups[1:] if groups[0] == "1" else []
    if len(groups) > 1 and all(len(g) <= 4 for g in groups):
        return " ".join(groups) + extension
    return _digit_groups(digits) + extension


def phone_said_clearly(value: str) -> str:
    """The number grouped and said twice, for a voicemail:
    ``416 555 0199, again, 416 555 0199``."""
    said = phone_grouped(value)
    return f"{said}, again, {said}"


def period(days: int) -> str:
    """A span of days in words, to follow "over the last": ``few days``,
    ``week or so``, ``two weeks``, ``three weeks``, ``few weeks``, ``couple of
    months``, ``few months``."""
    if days < 7:
        return "few days"
    if days <= 10:
        return "week or so"
    if days <= 17:
        return "two weeks"
    if days <= 24:
        return "three weeks"
    if days <= 45:
        return "few weeks"
    if days <= 75:
        return "couple of months"
    return "few months"


def thousands(value: float) -> str:
    """``1200000`` -> ``1,200,000``."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


@pass_context
def money(context: Context, value: float, currency: str | None = None) -> str:
    """An amount for people, in the deal's currency unless one is given:
    ``USD 2.4 million``; ``2.4 million`` when the deal names no currency."""
    if currency is None:
        deal = context.get("deal")
        currency = deal.get("currency") if isinstance(deal, Mapping) else None
    return format_amount(value, currency)


FILTERS: Mapping[str, Callable[..., str]] = {
    "day": day,
    "full_date": full_date,
    "when": when,
    "join_and": join_and,
    "phone_grouped": phone_grouped,
    "phone_said_clearly": phone_said_clearly,
    "period": period,
    "thousands": thousands,
    "money": money,
}


# --- the environment ---------------------------------------------------------


@functools.cache
def environment(templates_dir: Path) -> SandboxedEnvironment:
    """One sandboxed, strict environment per templates folder."""
    return _new_environment(templates_dir)


def _new_environment(templates_dir: Path, *, reload: bool = True) -> SandboxedEnvironment:
    env = strict_environment(templates_dir)
    env.filters.update(FILTERS)
    env.auto_reload = reload
    return env


class Loaded:
    """A writer's own templates, for a run that renders many drafts: its folder
    resolved once, and an environment that keeps each template it loaded
    without asking the file system whether it (or a file it includes) changed
    at every render."""

    def __init__(self, templates_dir: Path) -> None:
        self.root = templates_dir.resolve()
        self.env = _new_environment(self.root, reload=False)  # a run's templates stay put


# --- the template context ----------------------------------------------------


def _text(value: str | None) -> str | None:
    """Whitespace collapsed; None for missing or blank."""
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _phrase(value: str | None, prospect: Prospect, *, verb: bool = False) -> str | None:
    """A rep-written phrase made ready to sit inside a sentence: said to the
    prospect ("her team" -> "your team"; left out when that needs more than a
    word swapped, see :mod:`drafter.perspective`); no trailing punctuation; for
    verb phrases, no leading "to" and a lower-case first word (unless it looks
    like an acronym or a name the rep capitalised on purpose)."""
    text = _text(value)
    if text is None:
        return None
    if not names_in(text, prospect):
        return _phrase_without_names(text, verb)
    return _ready(said_to_them(text, prospect).text, verb)


@functools.lru_cache(maxsize=4096)  # the same steps and benefits come back row after row
def _phrase_without_names(text: str, verb: bool) -> str | None:
    """:func:`_phrase` of a text naming nobody: a pure function of the text
    (what it says to the prospect does not depend on who they are)."""
    return _ready(said_to_them(text).text, verb)


def _ready(said: str | None, verb: bool) -> str | None:
    """A phrase already said to the prospect, made ready for a sentence."""
    text = said
    if text is None:
        return None  # the plan's notes say so
    text = text.rstrip(" .,;:!?") or None
    if text is None:
        return None
    if verb:
        if not reads_as_verb_phrase(text):
            return None  # a sentence would break the template's; the plan says so
        text = without_leading_to(text) or text
        first = text.split()[0]
        if first[:1].isupper() and first[1:].islower() and first.isalpha():
            text = text[0].lower() + text[1:]
    return text


def _ways(channels: Iterable[Channel]) -> list[str]:
    ways = (_WAYS[c] for c in channels)
    return list(dict.fromkeys(w for w in ways if w))


# The last sender asked about and its values: a batch's rows share one sender
# (immutable, and kept alive here while it is the key).
_LAST_SENDER: list[Any] = [None, {}]


def _sender_values(sender: Sender) -> dict[str, str | None]:
    """The template's ``sender`` (a fresh dict each time: a caller may change it)."""
    last = _LAST_SENDER
    if last[0] is not sender:
        values = {
            "name": _text(sender.name),
            "first_name": _text(sender.first_name),
            "company": _text(sender.company),
            "phone": _text(sender.phone),
            "email": _text(sender.email),
            "title": _text(sender.title),
        }
        last[:] = [sender, values]
    found: dict[str, str | None] = last[1]
    return found.copy()


def template_context(
    ctx: DealContext, technique: str, channel: Channel, *, sender: Sender, send_on: dt.date
) -> dict[str, Any]:
    """Every variable a template may use (see ``playbook/templates/README.md``)."""
    p, d = ctx.prospect, ctx.deal
    eng = summarise(ctx)
    benefits = [b for b in (_phrase(x, p, verb=True) for x in d.benefits) if b]
    # The contact they asked for, when this message is it (on or after the date).
    keeps_date = (
        d.follow_up_on is not None and d.follow_up_on <= send_on and follow_up_pending(ctx, eng)
    )
    asked = {d.follow_up_channel} if d.follow_up_channel else set()
    if p.preferred_channel is not None and p.preferred_channel.value != "assistant":
        asked.update(PREFERRED_CHANNELS[p.preferred_channel])
    return {
        "technique": technique,
        "channel": channel.value,
        "send_on": send_on,
        "prospect": {
            "name": _text(p.name),
            "first_name": _text(p.greeting_name),
            "company": _text(p.company),
            "title": _text(p.title),
            "mailing_address": _text(p.mailing_address),
        },
        "sender": _sender_values(sender),
        "deal": {
            "agreed_next_step": _phrase(d.agreed_next_step, p, verb=True),
            "benefits": benefits,
            "news": _phrase(d.news, p),
            "value": d.value,
            "currency": d.currency,
            "stage": d.stage.value,
            "follow_up_on": d.follow_up_on,
        },
        "engagement": {
            "attempts": eng.attempts,
            "channels_tried": [c.value for c in eng.channels_tried],
            "ways_tried": _ways(eng.channels_tried),
            "first_attempt": eng.first_attempt,
            "last_attempt": eng.last_attempt,
            "days_since_first_attempt": (
                (send_on - eng.first_attempt).days if eng.first_attempt else None
            ),
            "last_reply": eng.last_reply,
            "last_reply_deferred": eng.last_reply_deferred and eng.attempts == 0,
            "last_reply_channel": eng.last_reply_channel.value if eng.last_reply_channel else None,
        },
        "history": history_facts(ctx, channel, send_on),
        "agreed_on": d.follow_up_on if keeps_date else None,
        "asked_channel": channel in asked,
        "missed_appointment": d.missed_appointment,
        "best_time": _text(p.best_time),
    }


# --- rendering ---------------------------------------------------------------


def _template_line(exc: BaseException, templates_dir: Path) -> tuple[str | None, int | None]:
    """The template file and line a runtime error happened at."""
    root = str(templates_dir)
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(root) or frame.filename.endswith(".j2"):
            found = (frame.filename, frame.lineno)
    return found


def _render(
    env: SandboxedEnvironment, name: str, templates_dir: Path, values: dict[str, Any]
) -> str:
    """Template ``name`` (a path under ``templates_dir``) rendered with ``values``;
    a :class:`PlaybookError` naming the file (and line) when it cannot be."""
    try:
        return env.get_template(name).render(values)
    except jinja2.TemplateNotFound as exc:
        if exc.name == name:
            raise PlaybookError(
                f"no template for this technique and channel ({name})", path=templates_dir / name
            ) from None
        raise PlaybookError(
            f"the template includes a missing file {exc.name!r}", path=templates_dir / name
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or str(templates_dir / name)
        raise PlaybookError(
            f"template syntax error at line {exc.lineno}: {exc.message}", path=where
        ) from None
    except jinja2.UndefinedError as exc:
        file, line = _template_line(exc, templates_dir)
        raise PlaybookError(
            f"template uses a value that does not exist{_at(line)}: {exc} "
            "(templates/README.md lists the values a template can use)",
            path=file or templates_dir / name,
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
        # SecurityError, or a helper given the wrong kind of value ({{ best_time | day }}).
        file, line = _template_line(exc, templates_dir)
        raise PlaybookError(
            f"template error{_at(line)}: {exc}", path=file or templates_dir / name
        ) from None


def _at(line: int | None) -> str:
    return f" at line {line}" if line else ""


_BLANK_RUNS = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, ends stripped."""
    joined = "\n".join([line.rstrip() for line in text.replace("\r\n", "\n").split("\n")])
    if "\n\n\n" in joined:
        joined = _BLANK_RUNS.sub("\n\n", joined)
    return joined.strip()


def _split_subject(
    text: str, channel: Channel, templates_dir: Path, name: str
) -> tuple[str | None, str]:
    """(subject, body) of a rendered template, the subject line taken off."""
    first, _, rest = text.partition("\n")
    has_subject = first.startswith(SUBJECT_PREFIX)
    if channel in SUBJECT_CHANNELS:
        if not has_subject:
            raise PlaybookError(
                f"an {channel.value} template must start with a '{SUBJECT_PREFIX} ...' line",
                path=templates_dir / name,
            )
        subject = " ".join(first[len(SUBJECT_PREFIX) :].split())
        if not subject:
            raise PlaybookError("the subject line renders empty", path=templates_dir / name)
        return subject, tidy(rest)
    if has_subject:
        raise PlaybookError(
            f"a {channel.value} message has no subject: remove the '{SUBJECT_PREFIX}' line",
            path=templates_dir / name,
        )
    return None, text


@functools.lru_cache(maxsize=16)
def _resolved(templates_dir: Path) -> Path:
    """The templates folder's real path (resolved once, not for every draft)."""
    return templates_dir.resolve()


def render_offline(
    ctx: DealContext,
    technique: str,
    channel: Channel,
    *,
    sender: Sender,
    send_on: dt.date,
    templates_dir: Path,
    loaded: Loaded | None = None,
) -> tuple[str | None, str]:
    """(subject, body) of the playbook template for ``technique`` on ``channel``.

    ``sender`` is the resolved sender (the context's over the configured one);
    ``send_on`` is the day the message goes out (relative days are counted from
    it); ``templates_dir`` is the playbook's ``templates`` folder. The subject is
    None for every channel but email. Raises :class:`PlaybookError` naming the
    file for a missing template, a syntax error or a variable the template uses
    but the context does not have. ``loaded`` (a writer's, for the same
    folder) keeps the templates already loaded, so that a batch does not ask
    the file system about every template again for every row.
    """
    channel = Channel(channel)
    root = loaded.root if loaded is not None else _resolved(Path(templates_dir))
    if not _ID.fullmatch(technique):
        raise PlaybookError(f"not a technique id: {technique!r}", key="technique")
    name = f"{technique}/{channel.value}.j2"  # the file's path under root, for errors too
    values = template_context(ctx, technique, channel, sender=sender, send_on=send_on)
    env = loaded.env if loaded is not None else environment(root)
    text = tidy(_render(env, name, root, values))
    subject, body = _split_subject(text, channel, root, name)
    if not body:
        raise PlaybookError("the template renders an empty message", path=root / name)
    return subject, body


class TemplateWriter:
    """The offline implementation of the drafting seam: the playbook's templates."""

    provider = "offline"
    can_repair = False  # a template says the same thing when asked again

    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = templates_dir
        self.loaded = Loaded(templates_dir)  # each template loaded once a run

    def render(self, request: DraftRequest) -> tuple[str | None, str]:
        return render_offline(
            request.ctx,
            request.technique,
            request.channel,
            sender=request.sender,
            send_on=request.send_on,
            templates_dir=self.templates_dir,
            loaded=self.loaded,
        )

    def draft(self, request: DraftRequest) -> Draft:
        subject, body = self.render(request)
        return Draft(
            technique=request.technique,
            channel=request.channel,
            subject=subject,
            body=body,
            provider="offline",
        )

    async def write(
        self, request: DraftRequest, previous: Sequence[Attempt]
    ) -> tuple[Draft, str | None]:
        return self.draft(request), None
