"""From a deal to a checked draft: plan, write (offline or LLM), check, repair.

:func:`adraft_deal` is the whole pipeline for one deal; :func:`draft_deal`
runs it to completion for callers without an event loop. The offline path
never awaits anything, so it is driven without importing asyncio (start-up
time matters for the command line).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from drafter.context import Channel, DealContext, Sender
from drafter.draft.base import DraftRequest
from drafter.draft.models import Draft, DraftResult, Usage
from drafter.errors import LLMError
from drafter.plan.selector import make_plan

if TYPE_CHECKING:
    from drafter.check.checker import CheckReport
    from drafter.runtime import Runtime

__all__ = ["Draft", "DraftResult", "Usage", "adraft_deal", "draft_deal", "resolve_sender"]

T = TypeVar("T")


def resolve_sender(ctx: DealContext, runtime: Runtime, flags: Sender | None) -> Sender:
    """Flags win over the context's sender, which wins over the settings'."""
    who = _merged(ctx.sender, runtime.settings.sender)
    return _merged(flags, who) if flags is not None else who


@functools.lru_cache(maxsize=64)  # a batch's rows mostly share one sender (frozen, hashable)
def _merged(top: Sender, base: Sender) -> Sender:
    return top.merged_over(base)


VOICE_SPAN = 8  # words in a row shared with the rep's style sample that count as copying


def voice_copied(body: str, voice: str | None, span: int = VOICE_SPAN) -> str | None:
    """The first run of ``span`` or more words the draft shares with the style
    sample (the sample is a style reference; its content must not reappear)."""
    if not voice:
        return None
    words = re.findall(r"[\w'’]+", body)
    sample = " " + " ".join(w.lower() for w in re.findall(r"[\w'’]+", voice)) + " "
    best: tuple[int, int] | None = None
    i = 0
    while i + span <= len(words):
        j = i + span
        if " " + " ".join(w.lower() for w in words[i:j]) + " " in sample:
            while (
                j < len(words)
                and " " + " ".join(w.lower() for w in words[i : j + 1]) + " " in sample
            ):
                j += 1
            best = (i, j)
            break
        i += 1
    if best is None:
        return None
    return " ".join(words[best[0] : best[1]])


def _voice_violation(report: CheckReport, body: str, voice: str | None) -> CheckReport:
    copied = voice_copied(body, voice)
    if copied is None:
        return report
    from drafter.check.checker import CheckReport as Report
    from drafter.check.checker import Violation

    found = Violation(
        rule="voice-copied",
        severity="error",
        message=f"“{copied}” is copied from your style sample: it is a reference for style only.",
        start=0,
        end=0,
        excerpt="",
        suggestion="Say it in new words about this deal.",
    )
    return Report(ok=False, violations=[*report.violations, found], stats=report.stats)


def said_names(ctx: DealContext, who: Sender) -> list[str]:
    """The names a draft may say: the prospect's and the sender's, in full and
    by first name, and their companies."""
    p = ctx.prospect
    spoken = (p.greeting_name, p.name, p.company, who.first_name, who.name, who.company)
    return [n for n in spoken if n]


def check_draft(draft: Draft, ctx: DealContext, who: Sender, runtime: Runtime) -> CheckReport:
    from drafter.check.checker import check_message

    # Names are what they are: "Urgent Care Partners" is not fake urgency.
    names = [ctx.prospect.name, ctx.prospect.company, who.name, who.company]
    settings = runtime.settings.check
    allow = [*settings.allow, *(n for n in names if n)]
    report = check_message(
        draft.body,
        channel=draft.channel,
        technique=draft.technique,
        subject=draft.subject,
        rules=runtime.rules,
        settings=settings.model_copy(update={"allow": allow}),
        recipients=(ctx.prospect.name, ctx.prospect.greeting_name),
        names=said_names(ctx, who),
    )
    return _voice_violation(report, draft.body, runtime.voice() if runtime.llm_enabled else None)


async def adraft_deal(
    ctx: DealContext,
    runtime: Runtime,
    today: dt.date,
    *,
    technique: str | None = None,
    channel: Channel | None = None,
    sender: Sender | None = None,
    brief: bool = False,
) -> DraftResult:
    """Plan, draft and check one deal.

    ``brief``: the result's plan is a brief one (see :class:`~drafter.plan.models.Plan`),
    for a caller that shows only its technique, channel, day and rationale (the
    batch's CSV); the draft and its check are the same either way (writing and
    checking read nothing a brief plan leaves out)."""
    from drafter.draft.repair import write_checked

    plan = make_plan(
        ctx, runtime.playbook, today, technique=technique, channel=channel, brief=brief
    )
    who = resolve_sender(ctx, runtime, sender)
    if plan.channel is None:
        return DraftResult(plan, None, None, ())
    request = DraftRequest(ctx, plan, who, plan.technique, plan.channel, plan.send_on)

    def check(draft: Draft) -> CheckReport:
        return check_draft(draft, ctx, who, runtime)

    notes: list[str] = []
    writer = runtime.writer()
    try:
        outcome = await write_checked(writer, request, check, max_repairs=runtime.max_repairs)
        draft, report = outcome.draft, outcome.check
    except LLMError as exc:
        if not runtime.fallback_offline:
            raise
        draft = runtime.template_writer().draft(request)
        report = check(draft)
        notes.append(f"The model gave no usable draft ({exc.message}): this is the template's.")
    else:
        if not report.ok and writer.can_repair and runtime.fallback_offline:
            fallback = runtime.template_writer().draft(request)
            fallback_report = check(fallback)
            notes.append(
                f"The model's drafts still broke the tone rules after {draft.attempts} "
                "request(s): this is the playbook template's draft instead."
            )
            draft = fallback.model_copy(update={"attempts": draft.attempts, "usage": draft.usage})
            report = fallback_report
    return DraftResult(plan, draft, report, (*notes, *_missing_sender_details(draft, who)))


def draft_deal(
    ctx: DealContext,
    runtime: Runtime,
    today: dt.date,
    *,
    technique: str | None = None,
    channel: Channel | None = None,
    sender: Sender | None = None,
    brief: bool = False,
) -> DraftResult:
    """:func:`adraft_deal`, run to completion."""
    coro = adraft_deal(
        ctx, runtime, today, technique=technique, channel=channel, sender=sender, brief=brief
    )
    if runtime.llm_enabled:
        import asyncio

        return asyncio.run(coro)
    return run_now(coro)


def run_now(coro: Coroutine[Any, Any, T]) -> T:
    """Drive a coroutine that never waits on I/O (the offline path) without a loop."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("the offline drafting path awaited real I/O")


_SET_SENDER = "--sender-{field}, DRAFTER_SENDER_{FIELD}, or [sender] {field} in drafter.toml"
_SPOKEN = (Channel.voicemail, Channel.call)


def _missing_sender_details(draft: Draft | None, who: Sender) -> tuple[str, ...]:
    if draft is None:
        return ()
    missing = []
    if who.name is None:
        missing.append("name")
    if who.phone is None and draft.channel in _SPOKEN:
        missing.append("phone")
    return tuple(
        f"Your {field} is not set, so the draft goes without it: set it with "
        + _SET_SENDER.format(field=field, FIELD=field.upper())
        + "."
        for field in missing
    )
