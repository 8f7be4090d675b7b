"""The real ``drafter`` entry point end to end against the loopback stand-in
server (a test double, not a model): retry-after, repair, cache, secrets.
In-process, for speed; tests/test_secrets.py runs the same path in real
processes."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from tests.llm.conftest import KEY_LIKE, ROOT
from tests.standin import Scripted, StandIn, cli_env, error_body, reply_json

SECRET = "sk-test-DoNotLeak-0123456789abcdefXYZ"

Drafter = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def drafter(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Drafter]:
    """``drafter ARGS`` run from the repository root in the environment given."""
    monkeypatch.chdir(ROOT)

    def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        for name in [n for n in os.environ if n not in env]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = run_cli(capsys, *args)
        return subprocess.CompletedProcess(list(args), result.code, result.out, result.err)

    yield run


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    return cli_env(dict(os.environ), url, SECRET, str(tmp_path / "cache"))


def test_draft_with_retry_after_repair_and_cache(tmp_path: Path, drafter: Drafter) -> None:
    rude = reply_json(None, "Just checking in!!! Call me back ASAP.")
    script = [
        Scripted(status=429, body=error_body(429, "slow down"), headers={"retry-after": "1"}),
        Scripted(content=rude),
    ]
    example = str(ROOT / "examples" / "rescue_call.yaml")
    with StandIn(script) as standin:
        env = _env(tmp_path, standin.url)
        first = drafter("draft", example, "--model", "gpt-4o-mini", "--json", env=env)
        assert first.returncode == 0, first.stderr
        out = json.loads(first.stdout)
        assert out["draft"]["provider"] == "openai" and out["draft"]["model"] == "gpt-4o-mini"
        assert out["draft"]["attempts"] == 2 and out["check"]["ok"] is True
        assert out["draft"]["usage"]["prompt_tokens"] > 0
        assert len(standin.requests) == 3  # the 429, the rude draft, the repair
        repair = standin.requests[2]["messages"]
        assert repair[-2]["role"] == "assistant" and "no-just-checking-in" in repair[-1]["content"]

        second = drafter("draft", example, "--model", "gpt-4o-mini", env=env)
        assert second.returncode == 0, second.stderr
        assert len(standin.requests) == 3  # every reply came from the cache
        assert "from the cache" in second.stdout

        third = drafter("draft", example, "--no-cache", "--json", env=env)
        assert len(standin.requests) == 4 and json.loads(third.stdout)["draft"]["attempts"] == 1

    # the key reached the server, and nothing else: not the cache, not the output
    assert {k.lower(): v for k, v in standin.headers[0].items()}[
        "authorization"
    ] == f"Bearer {SECRET}"
    for text in (first.stdout, first.stderr, second.stdout, second.stderr, third.stdout):
        assert SECRET not in text
    files = list((tmp_path / "cache").rglob("*"))
    assert any(f.suffix == ".json" for f in files)
    for file in files:
        if file.is_file():
            # bytes: the folder may also hold the checker's start-up cache (a pickle)
            content = file.read_bytes().decode("utf-8", errors="replace")
            assert SECRET not in content and not KEY_LIKE.search(content)


def test_cache_clear(tmp_path: Path, drafter: Drafter) -> None:
    with StandIn() as standin:
        env = _env(tmp_path, standin.url)
        example = str(ROOT / "examples" / "last_email_nudge.yaml")
        assert drafter("draft", example, env=env).returncode == 0
        cleared = drafter("cache", "clear", env=env)
        assert cleared.returncode == 0 and "Cleared 1 cached reply" in cleared.stdout
        assert drafter("draft", example, env=env).returncode == 0
        assert len(standin.requests) == 2


def test_errors_are_one_line_and_never_show_the_key(tmp_path: Path, drafter: Drafter) -> None:
    script = [Scripted(status=401, body=error_body(401, f"Incorrect API key provided: {SECRET}."))]
    with StandIn(script) as standin:
        env = _env(tmp_path, standin.url)
        plain = drafter("draft", str(ROOT / "examples" / "rescue_call.yaml"), env=env)
    assert plain.returncode == 2 and plain.stdout == ""
    assert plain.stderr.count("\n") == 1 and "rejected the API key (401)" in plain.stderr
    assert SECRET not in plain.stderr


def test_no_server_is_one_line(tmp_path: Path, drafter: Drafter) -> None:
    config = tmp_path / "drafter.toml"
    config.write_text("[llm]\nmax_retries = 0\n", encoding="utf-8")
    env = _env(tmp_path, "http://127.0.0.1:9/v1")
    result = drafter(
        "draft", str(ROOT / "examples" / "rescue_call.yaml"), "--config", str(config), env=env
    )
    assert result.returncode == 2
    assert "cannot reach the LLM server at http://127.0.0.1:9/v1" in result.stderr
    assert result.stderr.count("\n") == 1


def test_offline_flag_and_nothing_configured_stay_offline(tmp_path: Path, drafter: Drafter) -> None:
    with StandIn() as standin:
        env = _env(tmp_path, standin.url)
        forced = drafter(
            "draft", str(ROOT / "examples" / "rescue_call.yaml"), "--offline", "--json", env=env
        )
        assert json.loads(forced.stdout)["draft"]["provider"] == "offline"
        bare = {k: v for k, v in env.items() if k not in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
        plain = drafter("draft", str(ROOT / "examples" / "rescue_call.yaml"), "--json", env=bare)
        assert json.loads(plain.stdout)["draft"]["provider"] == "offline"
        assert "no LLM configured" in plain.stderr
        assert standin.requests == []
