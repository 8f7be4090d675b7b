"""From a plan to a checked draft (contract §4, ``draft --json``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from drafter.context import Channel, DealContext, Sender
from drafter.plan import Plan
from drafter.playbook import Playbook


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
    from drafter.offline import render_offline

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


def draft_record(plan: Plan, draft: Draft | None, check: Any) -> dict[str, Any]:
    """The JSON object ``drafter draft --json`` prints."""
    return {
        "plan": plan.to_json(),
        "draft": draft.model_dump(mode="json") if draft else None,
        "check": check.model_dump(mode="json") if check is not None else None,
    }
