"""The LLM layer against recorded exchanges in the chat-completions wire format.

Each test replays its cassette (no network). See conftest.py for recording.
"""

from __future__ import annotations

import json

import pytest

from drafter.draft.pipeline import draft_deal
from drafter.errors import LLMError
from tests.llm.conftest import example, runtime_for
from tests.standin import Scripted, error_body, reply_json

RUDE = reply_json(
    None,
    "Hi Bob, just checking in AGAIN!!! You promised to review the pilot plan with your CFO. "
    "Call me back ASAP at 416 555 0199.",
)
QUICK = {"retry-after-ms": "5"}


@pytest.mark.vcr
@pytest.mark.live_ok
def test_a_good_draft_is_checked_and_counted(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    result = draft_deal(ctx, runtime, today)
    draft = result.draft
    assert draft is not None and draft.provider == "openai" and draft.model
    assert draft.technique == "rescue_call" and draft.channel.value == "voicemail"
    assert draft.attempts >= 1 and result.check is not None
    assert draft.usage is not None and draft.usage.prompt_tokens > 0
    assert draft.usage.cost_usd is not None and draft.usage.cost_usd > 0
    assert result.ok, [v.rule for v in result.check.violations]


@pytest.mark.vcr
@pytest.mark.standin([Scripted(content=RUDE)])
def test_a_draft_that_breaks_the_rules_is_repaired(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    result = draft_deal(ctx, runtime, today)
    assert result.draft is not None and result.check is not None
    assert result.draft.attempts == 2
    assert result.ok and "just checking in" not in result.draft.body.lower()


@pytest.mark.vcr
@pytest.mark.standin([Scripted(content=RUDE)] * 3)
def test_a_draft_that_stays_bad_is_returned_failing_never_passed(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    result = draft_deal(ctx, runtime, today)
    assert result.draft is not None and result.draft.attempts == 3  # 1 + max_repairs (2)
    assert not result.ok
    assert {"no-just-checking-in"} <= {v.rule for v in result.check.violations}  # type: ignore[union-attr]


@pytest.mark.vcr
@pytest.mark.standin([Scripted(content=RUDE)] * 3)
def test_fallback_offline_uses_the_template_when_repairs_run_out(server: str) -> None:
    runtime = runtime_for(server, fallback="offline")
    ctx, today = example("rescue_call", runtime)
    result = draft_deal(ctx, runtime, today)
    assert result.draft is not None and result.draft.provider == "offline"
    assert result.draft.attempts == 3 and result.ok
    assert any("template" in note for note in result.notes)


@pytest.mark.vcr
@pytest.mark.standin(
    [Scripted(status=429, body=error_body(429, "Rate limit reached"), headers=QUICK)]
)
def test_429_then_success(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    result = draft_deal(ctx, runtime, today)
    assert result.draft is not None and result.ok
    assert result.draft.attempts == 1  # the SDK's retry is not a new draft request


@pytest.mark.vcr
@pytest.mark.standin(
    [Scripted(status=500, body=error_body(500, "The server had an error"), headers=QUICK)] * 3
)
def test_500s_until_giving_up_is_one_clear_error(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    with pytest.raises(LLMError) as info:
        draft_deal(ctx, runtime, today)
    assert info.value.status == 500 and "after 2 retries" in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.vcr
@pytest.mark.standin([Scripted(content='{"subject": null, "body": "Hi Bob, it\'s Dana')])
def test_malformed_json_is_re_asked(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    result = draft_deal(ctx, runtime, today)
    assert result.draft is not None and result.draft.attempts == 2 and result.ok


@pytest.mark.vcr
@pytest.mark.standin([Scripted(content=None, refusal="I can't help with that request.")])
def test_a_refusal_is_one_clear_error(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    with pytest.raises(LLMError, match=r"refused.*can't help"):
        draft_deal(ctx, runtime, today)


@pytest.mark.vcr
@pytest.mark.standin(
    [Scripted(content='{"subject": null, "body": "Hi Bob', finish_reason="length")]
)
def test_a_length_cut_off_is_one_clear_error(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    with pytest.raises(LLMError, match="cut off at 700 tokens"):
        draft_deal(ctx, runtime, today)


@pytest.mark.vcr
@pytest.mark.standin(reject_json_schema=True)
def test_a_server_without_json_schema_gets_json_mode(server: str, vcr: object) -> None:
    runtime = runtime_for(server)
    ctx, today = example("should_i_stay_or_go", runtime)
    result = draft_deal(ctx, runtime, today)
    assert result.draft is not None and result.ok and result.draft.subject
    sent = [json.loads(r.body) for r in vcr.requests]  # type: ignore[attr-defined]
    assert [r["response_format"]["type"] for r in sent] == ["json_schema", "json_object"]


@pytest.mark.vcr
@pytest.mark.standin(
    [Scripted(status=401, body=error_body(401, "Incorrect API key provided: sk-abc***xyz."))]
)
def test_a_bad_key_is_one_clear_error(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    with pytest.raises(LLMError, match="rejected the API key") as info:
        draft_deal(ctx, runtime, today)
    assert info.value.status == 401


@pytest.mark.vcr
@pytest.mark.standin(
    [
        Scripted(
            status=404, body=error_body(404, "The model `gpt-9` does not exist", "model_not_found")
        )
    ]
)
def test_an_unknown_model_is_one_clear_error(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    with pytest.raises(LLMError, match="not found") as info:
        draft_deal(ctx, runtime, today)
    assert info.value.status == 404


@pytest.mark.vcr
@pytest.mark.standin(
    [
        Scripted(
            status=400,
            body=error_body(
                400,
                "This model's maximum context length is 128000 tokens.",
                "context_length_exceeded",
            ),
        )
    ]
)
def test_a_context_too_long_is_one_clear_error(server: str) -> None:
    runtime = runtime_for(server)
    ctx, today = example("rescue_call", runtime)
    with pytest.raises(LLMError, match="too long"):
        draft_deal(ctx, runtime, today)
