"""LLM tests: recorded exchanges (cassettes) and a loopback stand-in server.

Cassettes live in ``tests/llm/cassettes/<module>/<test>.yaml`` and replay with
record mode ``none`` (pytest-recording's default): no network, a fake key.
Recording: each test's stand-in script plays the exchange (faults included);
tests marked ``live_ok`` re-record against any OpenAI-compatible server:

    DRAFTER_RECORD_BASE_URL=https://api.openai.com/v1 OPENAI_API_KEY=... \\
      .venv/bin/python -m pytest tests/llm -m live_ok --record-mode=rewrite

Authorization and every other credential header are filtered before a
cassette is written, and bodies are scrubbed of key-like strings.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from drafter.inputs import load_context
from drafter.runtime import Runtime, build_runtime
from drafter.settings import LLMSettings, Settings
from tests.standin import StandIn

ROOT = Path(__file__).resolve().parents[2]
FAKE_KEY = "test-key-not-real"
RECORD_URL = "DRAFTER_RECORD_BASE_URL"
# Nothing listens here: on replay vcrpy answers before a connection is made.
REPLAY_URL = "http://127.0.0.1:9/v1"
KEY_LIKE = re.compile(r"sk-[A-Za-z0-9_\-]{16,}|Bearer\s+\S{8,}")
SECRET_HEADERS = [
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
]


def _scrub_request(request: Any) -> Any:
    if isinstance(request.body, bytes):
        request.body = KEY_LIKE.sub("[redacted]", request.body.decode("utf-8")).encode()
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": SECRET_HEADERS,
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "match_on": ["method", "path"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    module = request.module.__name__.rsplit(".", 1)[-1]
    return str(Path(__file__).parent / "cassettes" / module)


@pytest.fixture
def server(request: pytest.FixtureRequest, record_mode: str) -> Iterator[str]:
    """The base URL a test talks to: none on replay, else the stand-in playing
    the test's ``standin`` marker (or a real server for ``live_ok`` tests)."""
    if record_mode == "none":
        yield REPLAY_URL
        return
    if os.environ.get(RECORD_URL) and request.node.get_closest_marker("live_ok"):
        yield os.environ[RECORD_URL]
        return
    marker = request.node.get_closest_marker("standin")
    args = marker.args if marker else ()
    kwargs = marker.kwargs if marker else {}
    with StandIn(*args, **kwargs) as standin:
        yield standin.url


def llm_settings(base_url: str, **llm: Any) -> Settings:
    live = bool(os.environ.get(RECORD_URL)) and base_url == os.environ.get(RECORD_URL)
    key = os.environ.get("OPENAI_API_KEY", FAKE_KEY) if live else FAKE_KEY
    return Settings(
        api_key=SecretStr(key),
        base_url=base_url,
        sender={"name": "Dana Reyes", "company": "Northwind Analytics", "phone": "+1 416 555 0199"},
        llm=LLMSettings(**({"max_retries": 2, "cache": False} | llm)),
    )


def runtime_for(base_url: str, **llm: Any) -> Runtime:
    return build_runtime(llm_settings(base_url, **llm))


def example(name: str, runtime: Runtime) -> tuple[Any, dt.date]:
    ctx = load_context(str(ROOT / "examples" / f"{name}.yaml"), runtime.playbook)
    return ctx, ctx.today or dt.date(2026, 11, 23)
