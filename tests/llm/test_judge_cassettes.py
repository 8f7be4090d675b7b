"""The judge (drafter.judge) against recorded exchanges in the chat-completions
wire format: a rubric graded, a message's tone judged, a server without JSON
schema. Replayed with no network; recorded by the stand-in playing each
test's script, or, for ``live_ok`` tests, against a real server (see
conftest.py). The assertions hold for any sensible judge model."""

from __future__ import annotations

import asyncio
import json

import pytest

from drafter.check.semantic import read_banks
from tests.llm.conftest import runtime_for
from tests.standin import Scripted, grade_json, tone_json

RUBRIC = "The message is calm and puts no pressure on the prospect: no urgency, no deadline."
PUSHY = {
    "channel": "email",
    "technique": "last_email_nudge",
    "subject": "URGENT!!!",
    "body": "Bob, I need your answer TODAY or we give your slot to another client. Reply ASAP!!!",
}
EMPTY = "Hi Bob, just circling back once more. Any update?"


@pytest.mark.vcr
@pytest.mark.live_ok
@pytest.mark.standin([Scripted(content=grade_json(0.05, "It demands an answer today."))])
def test_a_pushy_draft_fails_a_calm_rubric(server: str) -> None:
    judge = runtime_for(server).judge()
    grade = asyncio.run(judge.grade(RUBRIC, PUSHY, {"deal": {"stage": "engaged"}}))
    assert grade.score < 0.5 and grade.reason
    assert grade.usage.prompt_tokens > 0 and grade.usage.cost_usd is not None
    assert grade.usage.cost_usd > 0 and not grade.usage.cached


CATEGORIES = [b.category for b in read_banks() if b.kind == "bad"]


@pytest.mark.vcr
@pytest.mark.live_ok
@pytest.mark.standin([Scripted(content=tone_json({"empty_followup": "Any update?"}, CATEGORIES))])
def test_an_empty_follow_up_is_judged_one(server: str) -> None:
    banks = [b for b in read_banks() if b.kind == "bad"]
    verdicts, usage = asyncio.run(runtime_for(server).judge().tone(banks, body=EMPTY))
    said = {v.category: v for v in verdicts}
    assert set(said) == set(CATEGORIES)
    assert said["empty_followup"].yes and said["empty_followup"].quote in EMPTY
    assert not said["self_centred"].yes and usage.prompt_tokens > 0


@pytest.mark.vcr
@pytest.mark.standin(reject_json_schema=True, answer=lambda r: grade_json(0.9, "calm"))
def test_a_server_without_json_schema_is_asked_in_json_mode(server: str, vcr: object) -> None:
    judge = runtime_for(server).judge()
    grade = asyncio.run(judge.grade(RUBRIC, PUSHY | {"body": "Would Tuesday suit you?"}))
    assert grade.score == 0.9
    sent = [json.loads(r.body) for r in vcr.requests]  # type: ignore[attr-defined]
    assert [r["response_format"]["type"] for r in sent] == ["json_schema", "json_object"]
    assert sent[0]["response_format"]["json_schema"]["name"] == "grade"
