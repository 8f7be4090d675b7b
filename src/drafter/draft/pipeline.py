"""From a plan to a checked draft (contract §4, ``draft --json``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from drafter.context import Channel, DealContext, Sender
from drafter.plan.models import Plan
from drafter.plan.selector import make_plan
from drafter.playbook import Playbook
from drafter.settings import Settings

if TYPE_CHECKING:
    from drafter.check.checker import CheckReport


class Usage(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt_tokens: int
    completion_tokens: int


class Draft(BaseModel):
    model_config = ConfigDict(frozen=True)

    technique: str
    channel: Channel
    subject: str | None
    body: str
    provider: Literal["offline", "openai"]
    model: str | None = None
    usage: Usage | None = None
    attempts: int = 1


def offline_draft(
    ctx: DealContext, plan: Plan, playbook: Playbook, sender: Sender, send_on: dt.date
) -> Draft | None:
    """The playbook's own template for the plan, personalised; None for move_on/wait."""
    if plan.channel is None:
        return None
    from drafter.draft.templates import render_offline

    subject, body = render_offline(
        ctx,
        plan.technique,
        plan.channel,
        sender=sender,
        send_on=send_on,
        templates_dir=playbook.path / "templates",
    )
    return Draft(
        technique=plan.technique,
        channel=plan.channel,
        subject=subject,
        body=body,
        provider="offline",
    )


@dataclass(frozen=True)
class DraftResult:
    plan: Plan
    draft: Draft | None
    check: CheckReport | None
    notes: tuple[str, ...] = ()  # what the rep should fix in their own details

    @property
    def ok(self) -> bool:
        return self.check is None or self.check.ok

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``drafter draft --json`` prints."""
        return {
            "plan": self.plan.to_json(),
            "draft": self.draft.model_dump(mode="json") if self.draft else None,
            "check": self.check.model_dump(mode="json") if self.check is not None else None,
            "notes": list(self.notes),
        }


def draft_deal(
    ctx: DealContext,
    playbook: Playbook,
    today: dt.date,
    settings: Settings,
    *,
    technique: str | None = None,
    channel: Channel | None = None,
    sender: Sender | None = None,
) -> DraftResult:
    """Plan, draft and check one deal. ``sender`` (from flags) wins over the
    context's sender, which wins over the settings' (env, drafter.toml)."""
    from drafter.check.checker import check_message
    from drafter.check.rules import load_rules

    plan = make_plan(ctx, playbook, today, technique=technique, channel=channel)
    who = ctx.sender.merged_over(settings.sender)
    if sender is not None:
        who = sender.merged_over(who)
    draft = offline_draft(ctx, plan, playbook, who, plan.send_on)
    report = None
    if draft is not None:
        # Names are what they are: "Urgent Care Partners" is not fake urgency.
        names = [ctx.prospect.name, ctx.prospect.company, who.name, who.company]
        allow = [*settings.check.allow, *(n for n in names if n)]
        report = check_message(
            draft.body,
            channel=draft.channel,
            technique=draft.technique,
            subject=draft.subject,
            rules=load_rules(playbook.path),
            settings=settings.check.model_copy(update={"allow": allow}),
        )
    return DraftResult(plan, draft, report, _missing_sender_details(draft, who))


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
