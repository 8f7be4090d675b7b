"""A stand-in for an OpenAI-compatible chat-completions server, for tests and
benchmarks. Loopback only; it is NOT a model.

By default it answers a draft request with the offline reference draft found
in the request's data block (so its drafts are the templates' words, in the
wire format of the real API). A test scripts anything else: a rude first
draft, 429s with ``retry-after``, 500s, dropped connections, refusals, a
``length`` cut-off, a server that rejects ``json_schema``; and faults can be
injected at random rates with a fixed seed, with latency per request.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_DATA = re.compile(r"<deal_data>\s*(.*?)\s*</deal_data>", re.S)


@dataclass
class Scripted:
    """One scripted answer: a status with a JSON body, a reply, or a dropped connection."""

    status: int = 200
    content: str | None = None  # the assistant's text (status 200)
    body: dict[str, Any] | None = None  # a raw JSON body (errors)
    headers: dict[str, str] = field(default_factory=dict)
    finish_reason: str = "stop"
    refusal: str | None = None
    drop: bool = False


def reply_json(subject: str | None, body: str) -> str:
    return json.dumps({"subject": subject, "body": body})


def data_block(request: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON data block of the request's first user message that has one."""
    for message in request.get("messages", []):
        if message.get("role") != "user":
            continue
        found = _DATA.search(message.get("content") or "")
        if found:
            data: dict[str, Any] = json.loads(found.group(1))
            return data
    return None


def grade_json(score: float, reason: str = "stand-in judge") -> str:
    return json.dumps({"reason": reason, "score": score})


def tone_json(yes: dict[str, str] | None = None, categories: list[str] | None = None) -> str:
    """A tone judge's reply: "yes" (with the quote) for the categories in
    ``yes``, "no" for the other ``categories``."""
    yes = yes or {}
    answers = {c: {"reason": "stand-in: no", "quote": "", "answer": "no"} for c in categories or []}
    for category, quote in yes.items():
        answers[category] = {"reason": f"stand-in: {category}", "quote": quote, "answer": "yes"}
    return json.dumps(answers)


def reference_reply(request: dict[str, Any]) -> str:
    """The reference draft in the request's data block, as the model's JSON reply.
    A judge's request (its block holds a ``draft`` or a ``message``) gets a
    passing grade, or "no" for every tone category asked about."""
    data = data_block(request) or {}
    if "draft" in data:
        return grade_json(1.0, "stand-in judge: meets the rubric")
    if "message" in data:
        schema = (request.get("response_format") or {}).get("json_schema") or {}
        asked = list((schema.get("schema") or {}).get("properties") or {})
        return tone_json(categories=asked)
    ref = data.get("reference_draft")
    if ref:
        return reply_json(ref.get("subject"), ref["body"])
    return reply_json(None, "Thanks for your time. Could we speak this week?")


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    kind = {
        400: "invalid_request_error",
        401: "invalid_request_error",
        404: "invalid_request_error",
        429: "rate_limit_error",
    }.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class StandIn:
    def __init__(
        self,
        script: list[Scripted] | None = None,
        *,
        latency: float = 0.0,
        fail_500: float = 0.0,
        drop: float = 0.0,
        fail_429: float = 0.0,
        retry_after_ms: int = 5,
        reject_json_schema: bool = False,
        seed: int = 0,
        answer: Callable[[dict[str, Any]], str] = reference_reply,
    ) -> None:
        self.script = list(script or [])
        self.latency = latency
        self.fail_500, self.drop, self.fail_429 = fail_500, drop, fail_429
        self.retry_after_ms = retry_after_ms
        self.reject_json_schema = reject_json_schema
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.served = 0  # chat completions answered with 200
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> StandIn:
        handler = _handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- behaviour ---------------------------------------------------------
    def next_answer(self, request: dict[str, Any]) -> Scripted:
        with self._lock:
            self.requests.append(request)
            if self.script:
                return self.script.pop(0)
            roll = self._random.random()
        if roll < self.drop:
            return Scripted(drop=True)
        if roll < self.drop + self.fail_500:
            return Scripted(status=500, body=error_body(500, "stand-in: injected server error"))
        if roll < self.drop + self.fail_500 + self.fail_429:
            return Scripted(
                status=429,
                body=error_body(429, "stand-in: injected rate limit"),
                headers={"retry-after-ms": str(self.retry_after_ms)},
            )
        fmt = (request.get("response_format") or {}).get("type")
        if self.reject_json_schema and fmt == "json_schema":
            return Scripted(
                status=400,
                body=error_body(400, "response_format json_schema is not supported", None),
            )
        return Scripted(content=self.answer(request))


def completion(request: dict[str, Any], answer: Scripted) -> dict[str, Any]:
    prompt = sum(len(m.get("content") or "") for m in request.get("messages", [])) // 4
    text = answer.content
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": 1764460800,
        "model": request.get("model", "standin"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": answer.refusal},
                "finish_reason": answer.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": len(text or "") // 4,
            "total_tokens": prompt + len(text or "") // 4,
        },
    }


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            with standin._lock:
                standin.headers.append(dict(self.headers))
            if not self.path.endswith("/chat/completions"):
                self._send(404, error_body(404, f"stand-in: no route {self.path}"), {})
                return
            try:
                answer = standin.next_answer(request)
            except Exception as exc:  # a stand-in bug must show as a server error
                self._send(500, error_body(500, f"stand-in: {type(exc).__name__}: {exc}"), {})
                return
            if standin.latency:
                time.sleep(standin.latency)
            if answer.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if answer.status != 200:
                self._send(answer.status, answer.body or {}, answer.headers)
                return
            with standin._lock:
                standin.served += 1
            self._send(200, completion(request, answer), answer.headers)

    return Handler


def cli_env(environ: dict[str, str], url: str, key: str, cache_dir: str) -> dict[str, str]:
    """The environment for running the real ``drafter`` against a stand-in:
    none of the caller's OPENAI_/DRAFTER_ settings, a key, a private cache,
    and a sender with a callback number."""
    env = {k: v for k, v in environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
    return env | {
        "OPENAI_BASE_URL": url,
        "OPENAI_API_KEY": key,
        "DRAFTER_CACHE_DIR": cache_dir,
        "DRAFTER_SENDER_NAME": "Dana Reyes",
        "DRAFTER_SENDER_PHONE": "+1 416 555 0199",
        "NO_COLOR": "1",
    }
