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
    """The plan for a deal on a day.

    A *brief* plan (``make_plan(..., brief=True)``, ``brief`` True) holds only
    what a draft and the batch CSV read: the technique, its name, channel,
    send_on, send_at, rationale, source, source_title, reported_response_rate
    and forced, each equal to the full plan's. It leaves ``then``,
    ``alternatives``, ``notes`` and ``facts`` empty (not worked out, which is
    most of a plan's cost), so it is never shown or serialised: ``to_json``
    refuses it, and it never equals the full plan."""

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
    # True: then, alternatives, notes and facts were not worked out (see above);
    # not part of the JSON (a brief plan is never serialised)
    brief: bool = Field(default=False, exclude=True)

    def to_json(self) -> dict[str, Any]:
        if self.brief:
            raise ValueError("a brief plan leaves out then, alternatives, notes and facts")
        return self.model_dump(mode="json", by_alias=True)
