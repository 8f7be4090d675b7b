"""The drafting seam: what every way of writing a draft implements.

The offline templates (:mod:`drafter.draft.templates`) and the LLM
(:mod:`drafter.draft.llm.writer`) are two implementations of :class:`Writer`.
The check-and-repair loop (:mod:`drafter.draft.repair`) wraps any writer; a
writer that ``can_repair`` is re-asked with the previous attempts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from drafter.context import Channel, DealContext, Sender
from drafter.draft.models import Draft, Usage
from drafter.plan.models import Plan

if TYPE_CHECKING:
    from drafter.check.checker import CheckReport


@dataclass(frozen=True)
class DraftRequest:
    """Everything a writer needs: the deal, its plan, who writes, and when it goes."""

    ctx: DealContext
    plan: Plan
    sender: Sender
    technique: str
    channel: Channel
    send_on: dt.date


@dataclass(frozen=True)
class Attempt:
    """One request's outcome: a draft and what the checker said of it, or the
    problem that made the reply unusable (``draft`` and ``check`` None)."""

    draft: Draft | None
    check: CheckReport | None
    raw: str | None = None  # the model's reply as sent, for the re-ask
    problem: str | None = None


class UnusableReply(Exception):
    """A reply that could not be parsed into a draft (it may be re-asked)."""

    def __init__(self, problem: str, raw: str, draft_usage: Usage | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.raw = raw
        self.usage = draft_usage


class Writer(Protocol):
    """Writes one draft for a request; ``previous`` holds the failed attempts."""

    provider: str
    can_repair: bool

    async def write(
        self, request: DraftRequest, previous: Sequence[Attempt]
    ) -> tuple[Draft, str | None]:
        """The draft, and the raw reply it was parsed from (None offline).
        Raises :class:`UnusableReply` for a reply that is not a draft."""
        ...
