"""Small pieces of the LLM layer: reply parsing, prices, tokens, cache, key files."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from drafter.context import Channel
from drafter.draft.llm.cache import ResponseCache, cache_key, default_cache_dir
from drafter.draft.llm.cost import estimate_cost, price_for
from drafter.draft.llm.tokens import count_messages, encoding_for
from drafter.draft.llm.writer import parse_reply
from drafter.errors import ConfigError, redact, remember_secret
from drafter.settings import Price, load_settings


@pytest.mark.parametrize(
    ("content", "channel", "expected"),
    [
        (
            '{"subject": "Quick question", "body": "Hi Ana"}',
            Channel.email,
            ("Quick question", "Hi Ana"),
        ),
        ('```json\n{"subject": null, "body": "Hi Ana"}\n```', Channel.text, (None, "Hi Ana")),
        ('Sure! {"subject": "S", "body": "B"} Hope that helps', Channel.email, ("S", "B")),
        (
            "Subject: Should I stay or should I go?\n\nHi Ana,\nthree options",
            Channel.email,
            ("Should I stay or should I go?", "Hi Ana,\nthree options"),
        ),
        ("Hi Ana, it's Dana.", Channel.voicemail, (None, "Hi Ana, it's Dana.")),
        ('{"subject": "ignored on a voicemail", "body": "Hi"}', Channel.voicemail, (None, "Hi")),
    ],
)
def test_replies_are_read_defensively(
    content: str, channel: Channel, expected: tuple[str | None, str]
) -> None:
    assert parse_reply(content, channel) == expected


@pytest.mark.parametrize(
    "content", ['{"subject": null, "body": "Hi', '{"subject": null}', '{"body": 3}', "   "]
)
def test_unusable_replies_are_refused(content: str) -> None:
    with pytest.raises(ValueError):
        parse_reply(content, Channel.email)


def test_prices_known_dated_and_user_supplied() -> None:
    assert estimate_cost("gpt-4o-mini", 1_000_000, 0, {}) == pytest.approx(0.15)
    assert price_for("gpt-4o-mini-2024-07-18", {}) == price_for("gpt-4o-mini", {})
    assert estimate_cost("llama3.1:8b", 1000, 1000, {}) is None
    assert estimate_cost("llama3.1:8b", 1000, 1000, {"llama3.1:8b": Price(input=0, output=0)}) == 0


def test_tokens_are_counted_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    encoding_for.cache_clear()
    tokens, exact = count_messages(
        [{"role": "user", "content": "Hello there, Ana."}], "gpt-4o-mini"
    )
    assert 8 <= tokens <= 15 and exact is False  # o200k is not on this machine: an estimate
    _, exact_cl100k = encoding_for("gpt-4")  # cl100k_base is what gpt-4 uses
    assert exact_cl100k is True


def test_cache_keys_depend_on_every_part() -> None:
    base = {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 0.4}
    assert cache_key(base) == cache_key(dict(reversed(list(base.items()))))
    for change in ({"model": "n"}, {"temperature": 0.5}, {"messages": []}, {"response_format": {}}):
        assert cache_key(base | change) != cache_key(base)


def test_cache_round_trip_and_clear(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    assert cache.get("ab" * 32) is None
    cache.put("ab" * 32, {"content": "hello"})
    assert cache.get("ab" * 32) == {"content": "hello"}
    (tmp_path / "responses" / "ab" / ("ab" * 32 + ".json")).write_text("{broken", encoding="utf-8")
    assert cache.get("ab" * 32) is None  # a damaged entry is asked again
    assert cache.clear() == 1 and not list((tmp_path / "responses").rglob("*.json"))


def test_cache_dir_from_env_else_platform() -> None:
    assert default_cache_dir({"DRAFTER_CACHE_DIR": "/x/y"}) == Path("/x/y")
    assert default_cache_dir({"XDG_CACHE_HOME": "/c"}).parts[-2:] == ("c", "drafter")


def test_key_file_must_be_private(tmp_path: Path) -> None:
    from drafter.draft.llm.client import read_key_file

    key = tmp_path / "key"
    key.write_text("sk-from-a-file-0123456789\n", encoding="utf-8")
    os.chmod(key, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        read_key_file(key)
    os.chmod(key, 0o600)
    assert read_key_file(key) == "sk-from-a-file-0123456789"


def test_llm_settings_precedence(tmp_path: Path) -> None:
    config = tmp_path / "drafter.toml"
    config.write_text(
        '[llm]\nmodel = "from-file"\nprompts = "p"\nmax_repairs = 1\n', encoding="utf-8"
    )
    from_file = load_settings(config, env={})
    assert from_file.model_name == "from-file" and from_file.llm.prompts == tmp_path / "p"
    assert not from_file.llm_configured
    from_env = load_settings(
        config, env={"DRAFTER_MODEL": "from-env", "OPENAI_BASE_URL": "http://h/v1"}
    )
    assert from_env.model_name == "from-env" and from_env.llm_configured
    assert from_env.with_llm(model="from-flag").model_name == "from-flag"
    assert load_settings(None, env={}, cwd=tmp_path / "nowhere").model_name == "gpt-4o-mini"


def test_redaction() -> None:
    remember_secret("plain-secret-value")
    assert (
        redact("key plain-secret-value and sk-proj-ABCDEFGHIJKLMNOP")
        == "key [redacted] and [redacted]"
    )


def test_no_cassette_holds_a_key_or_credential_header() -> None:
    from tests.llm.conftest import KEY_LIKE, SECRET_HEADERS

    cassettes = sorted((Path(__file__).parent / "cassettes").rglob("*.yaml"))
    assert len(cassettes) >= 10
    import yaml

    for cassette in cassettes:
        text = cassette.read_text(encoding="utf-8")
        assert not KEY_LIKE.search(text), cassette
        assert "test-key-not-real" not in text, cassette
        for interaction in yaml.safe_load(text)["interactions"]:
            for part in ("request", "response"):
                headers = {h.lower() for h in interaction[part].get("headers", {})}
                assert not headers & set(SECRET_HEADERS), (cassette, part, headers)


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "examples/rescue_call.yaml"],
        ["playbook", "list"],
        ["draft", "examples/rescue_call.yaml", "--offline"],
        ["check", "examples/messages/just_checking_in.txt"],
    ],
    ids=["plan", "playbook", "draft-offline", "check"],
)
def test_cold_paths_never_import_openai_or_tiktoken(args: list[str]) -> None:
    import subprocess
    import sys

    from tests.llm.conftest import ROOT

    code = (
        "import sys\n"
        "from drafter.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('openai', 'tiktoken', 'asyncio') if m in sys.modules), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr


def test_a_draft_that_copies_the_voice_sample_is_flagged() -> None:
    from drafter.draft.pipeline import voice_copied

    voice = "Hey team, quick one from me: the new depot numbers look great and I owe you lunch."
    copied = "Hi Bob, the new depot numbers look great and I owe you lunch, so could we talk?"
    own = "Hi Bob, could we find fifteen minutes next week to look at the pilot plan?"
    assert voice_copied(copied, voice) == "the new depot numbers look great and I owe you lunch"
    assert voice_copied(own, voice) is None
    assert voice_copied(copied, None) is None


def test_the_runtime_keeps_the_key_out_of_its_settings() -> None:
    from pydantic import SecretStr

    from drafter.runtime import build_runtime
    from drafter.settings import Settings

    runtime = build_runtime(Settings(api_key=SecretStr("sk-only-for-the-client-0123456789")))
    assert runtime.llm_enabled and runtime.settings.api_key is None
    assert "sk-only" not in repr(runtime) and "sk-only" not in runtime.settings.model_dump_json()
    assert runtime.client()._key() == "sk-only-for-the-client-0123456789"


def test_the_voice_sample_is_style_data_in_the_block(tmp_path: Path) -> None:
    import datetime as dt
    import json

    from pydantic import SecretStr

    from drafter.draft.base import DraftRequest
    from drafter.draft.llm.prompt import DATA_OPEN
    from drafter.draft.pipeline import resolve_sender
    from drafter.inputs import load_context
    from drafter.plan.selector import make_plan
    from drafter.runtime import build_runtime
    from drafter.settings import LLMSettings, Settings
    from tests.llm.conftest import ROOT

    voice = tmp_path / "me.txt"
    voice.write_text("Morning! Short and sweet from me, as ever.\n\nCheers, Dana", encoding="utf-8")
    runtime = build_runtime(Settings(api_key=SecretStr("k" * 10), llm=LLMSettings(voice=voice)))
    ctx = load_context(str(ROOT / "examples" / "last_email_nudge.yaml"), runtime.playbook)
    plan = make_plan(ctx, runtime.playbook, ctx.today or dt.date(2026, 11, 23))
    assert plan.channel is not None
    request = DraftRequest(
        ctx, plan, resolve_sender(ctx, runtime, None), plan.technique, plan.channel, plan.send_on
    )
    from drafter.draft.llm.writer import LLMWriter

    writer = runtime.writer()
    assert isinstance(writer, LLMWriter)
    messages, _, _ = writer.first_messages(request)
    system, user = messages[0]["content"], messages[1]["content"]
    assert "voice_sample" in system and "Short and sweet" not in system
    block = json.loads(user.split(DATA_OPEN, 1)[1].rsplit("</deal_data>", 1)[0])
    assert block["voice_sample"] == "Morning! Short and sweet from me, as ever. Cheers, Dana"


def test_one_runtime_drafts_twice_in_a_row_synchronously(tmp_path: Path) -> None:
    """Each draft_deal call runs its own event loop; the client follows it."""
    from drafter.draft.pipeline import draft_deal
    from tests.llm.conftest import example, runtime_for
    from tests.standin import StandIn

    with StandIn() as standin:
        runtime = runtime_for(standin.url)
        for name in ("rescue_call", "last_email_nudge"):
            ctx, today = example(name, runtime)
            result = draft_deal(ctx, runtime, today)
            assert result.draft is not None and result.draft.provider == "openai" and result.ok
        assert standin.served == 2


def test_a_freed_place_is_used_before_the_answer_is_checked() -> None:
    """In a batch (a limit on requests in flight), the row waiting for a place
    sends its request as soon as an answer frees one, before the answered row
    goes on to its CPU work (check, write): the place is never left empty
    while that runs."""
    import asyncio
    from types import SimpleNamespace

    from drafter.draft.llm.client import LLMClient
    from drafter.settings import Settings

    events: list[str] = []
    client = LLMClient(Settings(), None, api_key=None)

    async def post(params: dict[str, object]) -> object:
        name = str(params["messages"][0]["content"])  # type: ignore[index]
        events.append(f"{name} sent")
        await asyncio.sleep(0.01)
        message = SimpleNamespace(content=f"reply to {name}", refusal=None)
        choice = SimpleNamespace(message=message, finish_reason="stop")
        return SimpleNamespace(choices=[choice], usage=None, model="m")

    client._post_chat = post  # type: ignore[method-assign]

    async def row(name: str) -> None:
        await client.complete([{"role": "user", "content": name}])
        events.append(f"{name} checked")  # the row's own work, after its answer

    async def batch() -> None:
        client.in_flight = asyncio.Semaphore(1)
        await asyncio.gather(row("a"), row("b"))

    asyncio.run(batch())
    assert events == ["a sent", "b sent", "a checked", "b checked"]
