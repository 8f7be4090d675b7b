"""The model, reached through the official ``openai`` SDK (async client).

Works with OpenAI and any OpenAI-compatible server (Azure-style gateways,
Ollama, vLLM, LM Studio, llama.cpp): base URL and key as the SDK reads them.
Structured output is asked for with a JSON schema; a server that rejects it is
asked in JSON mode, then in plain text (parsed defensively by the writer).
The SDK retries 408/409/429/5xx and dropped connections with exponential
backoff and honours ``retry-after``; what still fails becomes one
:class:`~drafter.errors.LLMError` line. No client is built at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from drafter.draft.llm.cache import ResponseCache, cache_key
from drafter.errors import ConfigError, LLMError, remember_secret
from drafter.settings import Settings

# Response formats, most structured first.
MODES = ("json_schema", "json_object", "text")

REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "subject": {
            "type": ["string", "null"],
            "description": "The email subject line; null on every other channel.",
        },
        "body": {"type": "string", "description": "The message itself, ready to send."},
    },
    "required": ["subject", "body"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Reply:
    content: str
    prompt_tokens: int
    completion_tokens: int
    cached: bool
    mode: str
    model: str
    batch: bool = False  # answered through the Batch API (its price)


# (name, JSON schema) of a structured reply: a draft by default; the judge
# (drafter.judge) asks for its own.
Schema = tuple[str, dict[str, Any]]
DRAFT_SCHEMA: Schema = ("draft", REPLY_SCHEMA)


def _response_format(mode: str, schema: Schema = DRAFT_SCHEMA) -> dict[str, Any] | None:
    if mode == "json_schema":
        name, body = schema
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": body, "strict": True},
        }
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def read_key_file(path: Path) -> str:
    """The key in ``path``, refused when others may read the file."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            exc.strerror or "cannot read", path=path, key="llm.api_key_file"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            "the key file is readable by others: run chmod 600 on it",
            path=path,
            key="llm.api_key_file",
        )
    if not text:
        raise ConfigError("the key file is empty", path=path, key="llm.api_key_file")
    return text


class LLMClient:
    """One model on one server, with the response cache in front of it."""

    def __init__(
        self, settings: Settings, cache: ResponseCache | None, *, api_key: SecretStr | None
    ) -> None:
        self.settings = settings
        self._api_key = api_key
        self.model = settings.model_name
        self.base_url = settings.server_url
        self.cache = cache
        self._mode = 0  # index into MODES: the most structured the server accepts
        self._token_param = "max_tokens"
        self._temperature = True
        self._sdk: Any = None
        self._loop: Any = None
        self.requests = 0  # requests that reached the server (cache misses)
        # At most this many requests in flight at once (a batch sets it: its rows'
        # other work, planning and checking, goes on while requests wait).
        self.in_flight: Any = None  # an asyncio.Semaphore, or None: no limit
        # Called each time a request has been sent whole (a batch waits for its
        # first requests to be out before it loads the checker).
        self.on_sent: Callable[[], None] | None = None
        # Answers already in hand (a Batch API's results), by cache key: a
        # request they answer is not sent.
        self._preloaded: dict[str, Reply | LLMError] = {}

    def _key(self) -> str:
        if self._api_key is not None:
            key = self._api_key.get_secret_value()
        elif self.settings.llm.api_key_file is not None:
            key = read_key_file(self.settings.llm.api_key_file)
        else:
            key = "not-needed"  # local servers take any key; OpenAI answers 401
        remember_secret(key)
        return key

    def sdk(self) -> Any:
        """The SDK's async client for the running event loop (its connection
        pool belongs to one loop: a new loop, as each ``draft_deal`` call
        makes, gets a new client)."""
        import asyncio

        loop = asyncio.get_running_loop()
        if self._sdk is None or self._loop is not loop:
            import openai

            self._loop = loop
            self._sdk = openai.AsyncOpenAI(
                api_key=self._key(),
                base_url=self.base_url,
                timeout=self.settings.llm.timeout,
                max_retries=self.settings.llm.max_retries,
                # the SDK's own defaults, plus a word when a request has gone out
                http_client=openai.DefaultAsyncHttpx2Client(
                    event_hooks={"request": [self._trace_sending]}
                ),
            )
        return self._sdk

    async def _trace_sending(self, request: Any) -> None:
        """An httpx request hook: follow the request to the wire (httpcore's
        ``trace`` extension), so that :attr:`on_sent` hears when it is out."""
        if self.on_sent is not None:
            request.extensions["trace"] = self._traced

    async def _traced(self, event: str, info: dict[str, Any]) -> None:
        if event == "http11.send_request_body.complete" and self.on_sent is not None:
            self.on_sent()

    def params(
        self, messages: Sequence[dict[str, str]], schema: Schema = DRAFT_SCHEMA
    ) -> dict[str, Any]:
        """The request (without headers): also the cache key's content."""
        llm = self.settings.llm
        params: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            self._token_param: llm.max_output_tokens,
        }
        if self._temperature:
            params["temperature"] = llm.temperature
        fmt = _response_format(MODES[self._mode], schema)
        if fmt is not None:
            params["response_format"] = fmt
        return params

    async def complete(
        self, messages: Sequence[dict[str, str]], schema: Schema = DRAFT_SCHEMA
    ) -> Reply:
        """The model's reply to ``messages`` (asked in the shape of ``schema``
        where the server takes a JSON schema), from the cache when it has it."""
        while True:
            params = self.params(messages, schema)
            key = cache_key(params)
            ready = self._preloaded.get(key)
            if isinstance(ready, LLMError):
                raise ready
            if ready is not None:
                if self.cache is not None:
                    self.cache.put(key, {"content": ready.content, "model": ready.model})
                return ready
            if self.cache is not None and (hit := self.cache.get(key)) is not None:
                return Reply(
                    content=hit["content"],
                    prompt_tokens=0,
                    completion_tokens=0,
                    cached=True,
                    mode=MODES[self._mode],
                    model=hit.get("model") or self.model,
                )
            try:
                async with self.in_flight or contextlib.nullcontext():
                    response = await self._post_chat(params)
            except Exception as exc:
                if self._adapt(exc):
                    continue
                raise self._error(exc) from None
            if self.in_flight is not None:
                # The place this request held is free: let the row waiting
                # for it send its request before this one is checked and
                # written (a few ms of CPU that would otherwise leave the
                # place empty).
                await asyncio.sleep(0)
            reply = self._reply(response)
            if self.cache is not None:
                self.cache.put(key, {"content": reply.content, "model": reply.model})
            return reply

    def forget(self, messages: Sequence[dict[str, str]], schema: Schema = DRAFT_SCHEMA) -> None:
        """Drop the cached reply to ``messages`` (one that turned out unusable)."""
        if self.cache is not None:
            self.cache.forget(cache_key(self.params(messages, schema)))

    async def _post_chat(self, params: dict[str, Any]) -> Any:
        """POST /chat/completions with ``params`` as they are. They are plain
        JSON already, so the SDK's ``chat.completions.create`` would only
        re-walk them against its typed parameters (about 5 ms of CPU a
        request on the event loop, which a batch of many rows in flight
        feels); the SDK still sends, retries, backs off and parses."""
        from openai.types.chat import ChatCompletion

        return await self.sdk().post(
            "/chat/completions",
            body=params,
            cast_to=ChatCompletion,
            options={"security": {"bearer_auth": True}},
        )

    def preload(self, key: str, answer: Reply | LLMError) -> None:
        """The answer to the request whose :func:`cache_key` is ``key``,
        obtained elsewhere (the Batch API): :meth:`complete` returns it (or
        raises it) instead of asking the server."""
        self._preloaded[key] = answer

    def batch_reply(self, body: dict[str, Any]) -> Reply:
        """A chat completion the Batch API returned, read as a live one is
        (a refusal, a cut-off or an empty reply is an :class:`LLMError`)."""
        from dataclasses import replace

        from openai.types.chat import ChatCompletion

        try:
            response = ChatCompletion.model_validate(body)
        except ValueError:
            raise LLMError(
                "the Batch API returned something that is not a chat completion"
            ) from None
        return replace(self._reply(response), batch=True)

    def translate(self, exc: Exception) -> LLMError:
        """An SDK exception as one :class:`LLMError` line."""
        return self._error(exc)

    def _adapt(self, exc: Exception) -> bool:
        """Step down to what the server accepts after a 400 about a parameter."""
        import openai

        if not isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
            return False
        text = str(exc).lower()
        if "max_tokens" in text and self._token_param == "max_tokens":
            self._token_param = "max_completion_tokens"
            return True
        if "temperature" in text and self._temperature:
            self._temperature = False
            return True
        if self._mode < len(MODES) - 1 and any(
            word in text for word in ("response_format", "json_schema", "json_object", "schema")
        ):
            self._mode += 1
            return True
        return False

    def _reply(self, response: Any) -> Reply:
        self.requests += 1
        if not getattr(response, "choices", None):
            raise LLMError("the server answered without a reply (no choices)")
        choice = response.choices[0]
        message = choice.message
        refusal = getattr(message, "refusal", None)
        if refusal:
            raise LLMError(f"the model refused to write this draft: {' '.join(refusal.split())}")
        if choice.finish_reason == "length":
            raise LLMError(
                f"the reply was cut off at {self.settings.llm.max_output_tokens} tokens: "
                "raise max_output_tokens in the [llm] table of drafter.toml"
            )
        if choice.finish_reason == "content_filter":
            raise LLMError("the server's content filter stopped the reply")
        content = message.content
        if not content or not content.strip():
            raise LLMError("the model replied with no text")
        usage = getattr(response, "usage", None)
        return Reply(
            content=content,
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            cached=False,
            mode=MODES[self._mode],
            model=getattr(response, "model", None) or self.model,
        )

    def _error(self, exc: Exception) -> LLMError:
        import openai

        where = self.base_url or "api.openai.com"
        retries = self.settings.llm.max_retries
        if isinstance(exc, openai.AuthenticationError):
            return LLMError(
                f"the server at {where} rejected the API key (401): check OPENAI_API_KEY",
                status=401,
            )
        if isinstance(exc, openai.PermissionDeniedError):
            return LLMError(f"the key may not use model {self.model!r} (403)", status=403)
        if isinstance(exc, openai.NotFoundError):
            return LLMError(
                f"model {self.model!r} not found at {where} (404): check --model, "
                "DRAFTER_MODEL or [llm] model, and the base URL",
                status=404,
            )
        if isinstance(exc, openai.BadRequestError):
            code = str(getattr(exc, "code", "") or "")
            if "context_length" in code or "context length" in str(exc).lower():
                return LLMError(
                    f"the prompt is too long for {self.model!r}: lower prompt_budget in "
                    "the [llm] table of drafter.toml, or shorten the deal's notes",
                    status=400,
                )
            return LLMError(f"the server refused the request (400): {_short(exc)}", status=400)
        if isinstance(exc, openai.RateLimitError):
            return LLMError(
                f"rate limited by {where} (429) after {retries} retries: try again later "
                "or lower --concurrency",
                status=429,
                transient=True,
            )
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(
                f"no answer from {where} within {self.settings.llm.timeout:g} s "
                f"(after {retries} retries)",
                transient=True,
            )
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(
                f"cannot reach the LLM server at {where}: is it running? "
                "(check OPENAI_BASE_URL or [llm] base_url)",
                transient=True,
            )
        if isinstance(exc, openai.APIStatusError):
            return LLMError(
                f"the server at {where} failed ({exc.status_code}) after {retries} retries",
                status=exc.status_code,
                transient=exc.status_code >= 500 or exc.status_code in (408, 409),
            )
        if isinstance(exc, LLMError):
            return exc
        return LLMError(f"the LLM request failed: {type(exc).__name__}: {_short(exc)}")


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:199] + "…"
