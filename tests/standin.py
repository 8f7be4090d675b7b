"""A stand-in for an OpenAI-compatible chat-completions server, for tests and
benchmarks. Loopback only; it is NOT a model.

By default it answers a draft request with the offline reference draft found
in the request's data block (so its drafts are the templates' words, in the
wire format of the real API). A test scripts anything else: a rude first
draft, 429s with ``retry-after``, 500s, dropped connections, refusals, a
``length`` cut-off, a server that rejects ``json_schema``; and faults can be
injected at random rates with a fixed seed, with latency per request.

It also plays the Batch API's ``/v1/files`` (upload, content) and
``/v1/batches`` (create, retrieve, list) as a TEST DOUBLE: an uploaded JSONL
file is really processed, each line answered by the same chat logic (script,
faults, reference drafts), once a batch has been polled ``batch_polls``
times; ``batch_outcome`` makes it end ``completed`` (default), ``expired``
after ``batch_expire_after`` requests, ``cancelled`` or ``failed``;
``create_delay`` holds the answer to a batch create (the batch exists
already), so a test can kill the client in between.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import random
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_DATA = re.compile(r"<deal_data>\s*(.*?)\s*</deal_data>", re.S)


class _Server(ThreadingHTTPServer):
    # Many clients connecting at once (a batch opens --concurrency connections):
    # the default backlog of 5 drops some, and each then waits a second to retry.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a dropped connection, on purpose, or a test
        that finished first) is not news: the default prints a traceback to
        stderr, where it lands in whichever test is running at the time."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class FakeBatch:
    """A batch as the stand-in keeps it."""

    id: str
    input_file_id: str
    endpoint: str
    created_at: int
    metadata: dict[str, str] | None = None
    status: str = "validating"
    polls: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    completed: int = 0
    failed: int = 0
    total: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        at = self.created_at
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "input_file_id": self.input_file_id,
            "completion_window": "24h",
            "status": self.status,
            "created_at": at,
            "expires_at": at + 86400,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "metadata": self.metadata,
            "request_counts": {
                "total": self.total,
                "completed": self.completed,
                "failed": self.failed,
            },
        }


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
        batch_polls: int = 0,
        batch_outcome: str = "completed",
        batch_expire_after: int = 0,
        batch_api: bool = True,
        create_delay: float = 0.0,
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
        self.in_flight = 0  # chat completions being answered now
        self.max_in_flight = 0  # the most at once
        self.batch_api = batch_api  # False: a server without /files and /batches (404)
        self.batch_polls = batch_polls
        self.batch_outcome = batch_outcome
        self.batch_expire_after = batch_expire_after
        self.create_delay = create_delay  # seconds a batch create waits before it answers
        self.routes: list[str] = []  # "POST /v1/chat/completions", in order
        self.files: dict[str, tuple[str, bytes]] = {}  # id -> (purpose, content)
        self.batches: dict[str, FakeBatch] = {}
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
        self._server = _Server(("127.0.0.1", 0), handler)
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

    # --- the Batch API (a test double) -------------------------------------------
    def add_file(self, purpose: str, content: bytes, name: str = "upload.jsonl") -> dict[str, Any]:
        with self._lock:
            file_id = f"file-standin-{len(self.files) + 1}"
            self.files[file_id] = (purpose, content)
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": 1764460800,
            "filename": name,
            "purpose": purpose,
            "status": "processed",
        }

    def create_batch(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        file_id = body.get("input_file_id", "")
        if file_id not in self.files:
            return 400, error_body(400, f"stand-in: no file {file_id!r}")
        with self._lock:
            batch = FakeBatch(
                id=f"batch_standin_{len(self.batches) + 1}",
                input_file_id=file_id,
                endpoint=body.get("endpoint", ""),
                created_at=1764460800,
                metadata=body.get("metadata"),
            )
            self.batches[batch.id] = batch
        return 200, batch.to_json()

    def poll_batch(self, batch_id: str) -> FakeBatch | None:
        """A retrieve: the batch runs (for real) once polled ``batch_polls`` times."""
        batch = self.batches.get(batch_id)
        if batch is None:
            return None
        if batch.status in ("validating", "in_progress"):
            batch.polls += 1
            if batch.polls > self.batch_polls:
                self._run_batch(batch)
            else:
                batch.status = "in_progress"
                lines = self.files[batch.input_file_id][1].splitlines()
                batch.total = sum(1 for line in lines if line.strip())
        return batch

    def _run_batch(self, batch: FakeBatch) -> None:
        lines = [x for x in self.files[batch.input_file_id][1].splitlines() if x.strip()]
        batch.total = len(lines)
        if self.batch_outcome == "failed":
            batch.status = "failed"
            batch.errors = [{"code": "invalid_request", "message": "stand-in: refused", "line": 1}]
            return
        ran = len(lines)
        if self.batch_outcome in ("expired", "cancelled"):
            ran = min(self.batch_expire_after, len(lines))
        output: list[bytes] = []
        errors: list[bytes] = []
        for number, raw in enumerate(lines, start=1):
            line = json.loads(raw)
            custom = line["custom_id"]
            if number > ran:
                code = "batch_expired" if self.batch_outcome == "expired" else "batch_cancelled"
                message = "stand-in: the request was not run before the batch ended"
                errors.append(_line(custom, None, {"code": code, "message": message}))
                continue
            answer = self.next_answer(line["body"])
            if answer.drop or answer.status != 200:
                status = 500 if answer.drop else answer.status
                body = answer.body or error_body(status, "stand-in: dropped")
                errors.append(_line(custom, {"status_code": status, "body": body}, None))
                continue
            with self._lock:
                self.served += 1
            reply = {"status_code": 200, "body": completion(line["body"], answer)}
            output.append(_line(custom, reply, None))
        batch.completed, batch.failed = len(output), len(errors)
        if output:
            batch.output_file_id = self.add_file("batch_output", b"".join(output))["id"]
        if errors:
            batch.error_file_id = self.add_file("batch_output", b"".join(errors))["id"]
        batch.status = {"expired": "expired", "cancelled": "cancelled"}.get(
            self.batch_outcome, "completed"
        )


def _line(custom: str, response: dict[str, Any] | None, error: dict[str, Any] | None) -> bytes:
    if response is not None:
        response = {"request_id": f"req_{custom}", **response}
    obj = {"id": f"batch_req_{custom}", "custom_id": custom, "response": response, "error": error}
    return (json.dumps(obj) + "\n").encode()


def _multipart(content_type: str, data: bytes) -> dict[str, tuple[str | None, bytes]]:
    """name -> (filename, bytes) of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + data)
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts[name] = (part.get_filename(), payload)
    return parts


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

        def setup(self) -> None:
            super().setup()
            # A reply goes out as two writes (headers, then body): without
            # TCP_NODELAY the body waits for the client's delayed ACK, about
            # 40 ms a request that a real server does not add.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

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

        def _send_bytes(self, data: bytes) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/octet-stream")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            with standin._lock:
                standin.headers.append(dict(self.headers))
                standin.routes.append(f"GET {self.path}")
            path = self.path.split("?", 1)[0].rstrip("/")
            parts = path.split("/")
            if not standin.batch_api:
                self._send(404, error_body(404, f"stand-in: no route {self.path}"), {})
            elif path.endswith("/batches"):
                data = [b.to_json() for b in standin.batches.values()]
                self._send(200, {"object": "list", "data": data, "has_more": False}, {})
            elif len(parts) >= 2 and parts[-2] == "batches":
                batch = standin.poll_batch(parts[-1])
                if batch is None:
                    self._send(404, error_body(404, f"stand-in: no batch {parts[-1]}"), {})
                else:
                    self._send(200, batch.to_json(), {})
            elif path.endswith("/content") and parts[-2] in standin.files:
                self._send_bytes(standin.files[parts[-2]][1])
            else:
                self._send(404, error_body(404, f"stand-in: no route {self.path}"), {})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            with standin._lock:
                standin.headers.append(dict(self.headers))
                standin.routes.append(f"POST {self.path}")
            kind = self.headers.get("content-type") or ""
            if not standin.batch_api and not self.path.endswith("/chat/completions"):
                self._send(404, error_body(404, f"stand-in: no route {self.path}"), {})
                return
            if self.path.rstrip("/").endswith("/files") and kind.startswith("multipart/"):
                form = _multipart(kind, raw)
                purpose = form.get("purpose", (None, b""))[1].decode()
                name, content = form.get("file", ("upload.jsonl", b""))
                self._send(200, standin.add_file(purpose, content, name or "upload.jsonl"), {})
                return
            request = json.loads(raw or b"{}")
            if self.path.rstrip("/").endswith("/batches"):
                created = standin.create_batch(request)  # made now, answered after the delay
                if standin.create_delay:
                    time.sleep(standin.create_delay)
                self._send(*created, {})
                return
            if not self.path.endswith("/chat/completions"):
                self._send(404, error_body(404, f"stand-in: no route {self.path}"), {})
                return
            try:
                answer = standin.next_answer(request)
            except Exception as exc:  # a stand-in bug must show as a server error
                self._send(500, error_body(500, f"stand-in: {type(exc).__name__}: {exc}"), {})
                return
            with standin._lock:
                standin.in_flight += 1
                standin.max_in_flight = max(standin.max_in_flight, standin.in_flight)
            try:
                self._answer_chat(request, answer)
            finally:
                with standin._lock:
                    standin.in_flight -= 1

        def _answer_chat(self, request: dict[str, Any], answer: Scripted) -> None:
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
