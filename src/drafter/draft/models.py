"""What drafting produces: a draft, its usage, and the checked result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from drafter.context import Channel
from drafter.plan.models import Plan

if TYPE_CHECKING:
    from drafter.check.checker import CheckReport


class Usage(BaseModel):
    """Tokens a draft took, summed over its requests (cached replies count zero).

    ``cost_usd`` is None when the model has no price in the table;
    ``cached`` tells whether every request was answered from the cache."""

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None = None
    cached: bool = False

    def __add__(self, other: Usage) -> Usage:
        cost = (
            None
            if self.cost_usd is None or other.cost_usd is None
            else self.cost_usd + other.cost_usd
        )
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=cost,
            cached=self.cached and other.cached,
        )


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


@dataclass(frozen=True)
class DraftResult:
    plan: Plan
    draft: Draft | None
    check: CheckReport | None
    notes: tuple[str, ...] = ()  # what the rep should know or fix

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
