"""What the planner answers (contract §4, ``plan --json``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from drafter.context import Channel


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class Alternative(_Out):
    technique: str
    why: str


class Step(_Out):
    """One step of the road ahead, if the one before goes unanswered."""

    technique: str
    channel: Channel | None
    send_on: dt.date
    if_: str = Field(alias="if", serialization_alias="if")


class Plan(_Out):
    technique: str
    name: str
    channel: Channel | None
    send_on: dt.date
    send_at: str | None = None  # the prospect's best time, where known
    rationale: str
    alternatives: list[Alternative]
    source: str | None  # the article's file id (see the playbook's sources)
    source_title: str | None = None  # that article's title
    reported_response_rate: float | None
    then: list[Step]
    notes: list[str] = Field(default_factory=list)
    forced: bool = False
    facts: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
