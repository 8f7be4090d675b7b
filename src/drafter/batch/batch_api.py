"""``drafter batch --via batch-api``: the LLM rows go through the OpenAI Batch
API (half the price of live requests, results within 24 hours) instead of
live requests. The same command is run again until the work is done:

1. No batch pending: rows that need no model (a bad row, ``wait``,
   ``move_on``, a reply already in the response cache) are written at once.
   The first request of every other row (the very request the live path
   sends, built by the same code) goes as one line into a JSONL file beside
   ``--out``; the file is uploaded (``purpose="batch"``) and one batch is
   created. Its id, the input file's id and which row is which request are
   kept in a state file beside ``--out`` (ids only: never a key).
2. A batch pending: its status and counts are reported; exit 75, rerun later.
3. It ended: the output and error files are downloaded, and each row is
   drafted by the live pipeline with the batch's reply standing in for its
   first request, so the check, the repairs (which go live, through the
   normal client), the fallbacks and the output record are exactly a live
   draft's. A request that failed, or that the batch never ran (it expired,
   was cancelled or failed), becomes an error row that ``--retry-failed``
   redoes. Then the state file goes, and rows not yet sent are submitted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from drafter.batch.columns import RowProblem
from drafter.batch.output import jsonl_line
from drafter.batch.rows import Finished, Job, RowDrafter
from drafter.batch.runner import write_finished
from drafter.draft.llm.cache import cache_key
from drafter.errors import DrafterError, InputError, LLMError

if TYPE_CHECKING:
    from drafter.batch.output import Sink
    from drafter.batch.runner import BatchRequest, Reporter, Summary
    from drafter.draft.llm.client import LLMClient, Reply

ENDPOINT = "/v1/chat/completions"
WINDOW = "24h"
MAX_REQUESTS = 50_000  # the Batch API's limit for one batch
MAX_BYTES = 190 * 1024 * 1024  # under its 200 MB limit for the input file
PENDING_EXIT = 75  # EX_TEMPFAIL: submitted or still running; rerun later
RUNNING = frozenset({"validating", "in_progress", "finalizing", "cancelling"})


class BatchState(BaseModel):
    """What a rerun needs to find and collect a submitted batch."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    input: str  # the CSV the requests came from (shown in messages)
    model: str
    today: dt.date
    submitted_at: str
    input_file_id: str
    batch_id: str | None = None  # None: uploaded, the batch not yet created
    rows: dict[str, str] = Field(default_factory=dict)  # row key -> custom_id
    requests: dict[str, str] = Field(default_factory=dict)  # custom_id -> request hash


def state_path(out: Path) -> Path:
    return out.with_name(out.name + ".batch-api.json")


def requests_path(out: Path) -> Path:
    return out.with_name(out.name + ".batch-api-input.jsonl")


def load_state(out: Path) -> BatchState | None:
    path = state_path(out)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path=path) from None
    try:
        return BatchState.model_validate_json(text)
    except ValueError:
        raise InputError(
            "not a drafter Batch API state file; move it away to start over", path=path
        ) from None


def save_state(out: Path, state: BatchState) -> None:
    path = state_path(out)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(state.model_dump_json(indent=1) + "\n", encoding="utf-8")
    os.replace(temp, path)


def planning_day(request: BatchRequest) -> dt.date:
    """The day a pending batch was planned for wins over the clock (a batch
    may take a day); an explicit --today that differs is refused."""
    state = load_state(request.out)
    if state is None:
        return request.today
    if request.today_given and request.today != state.today:
        raise InputError(
            f"the pending batch's rows were planned for {state.today}: rerun with "
            f"--today {state.today} (or move {state_path(request.out).name} away to abandon it)",
            key="--today",
        )
    return state.today


# -- the run -------------------------------------------------------------------


async def run_via_batch_api(
    drafter: RowDrafter,
    items: Callable[[], Iterator[Job | Finished]],
    sink: Sink,
    summary: Summary,
    reporter: Reporter,
    request: BatchRequest,
) -> None:
    """Collect a pending batch when it has ended, then submit the rows left."""
    client = drafter.runtime.client()
    state = load_state(request.out)
    if state is not None:
        if state.model != client.model:
            raise InputError(
                f"the pending batch {state.batch_id or ''} was submitted for model "
                f"{state.model!r}: rerun with --model {state.model}",
                key="--model",
            )
        if state.batch_id is None:
            await _create(client, state, request, summary)
            return
        batch = await _api(client, client.sdk().batches.retrieve(state.batch_id))
        if batch.status in RUNNING:
            summary.pending = True
            summary.batch_lines.append(_status_line(batch))
            return
        if batch.status != "completed":
            summary.batch_lines.append(_ended_line(batch))
        results = await _results(client, batch)
        await _collect(drafter, items(), state, results, batch.status, sink, summary, reporter,
                       request)  # fmt: skip
        state_path(request.out).unlink(missing_ok=True)
        requests_path(request.out).unlink(missing_ok=True)
        sink.load()  # the rows just collected are done: the submit step skips them
    await _submit(drafter, items(), sink, summary, reporter, request)


def _counts(batch: Any) -> str:
    counts = batch.request_counts
    if counts is None:
        return "no counts yet"
    return f"{counts.completed} of {counts.total} requests done, {counts.failed} failed"


def _status_line(batch: Any) -> str:
    return (
        f"batch {batch.id} is {batch.status.replace('_', ' ')} ({_counts(batch)}): "
        "rerun the same command later to collect it (the Batch API takes up to 24 hours)"
    )


def _ended_line(batch: Any) -> str:
    reason = ""
    errors = getattr(batch.errors, "data", None) or []
    if errors and errors[0].message:
        reason = f": {' '.join(str(errors[0].message).split())[:200]}"
    return (
        f"batch {batch.id} {batch.status}{reason} ({_counts(batch)}); the requests it did "
        "not run are error rows: --retry-failed sends them again"
    )


async def _api(client: LLMClient, call: Any) -> Any:
    """An SDK call's result; a failure as one :class:`LLMError` line."""
    import openai

    try:
        return await call
    except openai.NotFoundError as exc:
        where = client.base_url or "api.openai.com"
        raise LLMError(
            f"the server at {where} has no Batch API or does not know this batch or file "
            f"(404: {' '.join(str(exc).split())[:120]}); use --via live",
            status=404,
        ) from None
    except Exception as exc:
        raise client.translate(exc) from None


# -- submitting ----------------------------------------------------------------


async def _submit(
    drafter: RowDrafter,
    items: Iterator[Job | Finished],
    sink: Sink,
    summary: Summary,
    reporter: Reporter,
    request: BatchRequest,
) -> None:
    client = drafter.runtime.client()
    path = requests_path(request.out)
    rows: dict[str, str] = {}
    requests: dict[str, str] = {}  # custom_id -> request hash
    by_hash: dict[str, str] = {}
    size = 0
    later = 0  # rows left for another batch (the batch is full, or --max-cost)
    reserved = 0.0

    def write(finished: Finished) -> None:
        write_finished(finished, sink, summary, reporter)

    with path.open("wb") as handle:
        for item in items:
            if isinstance(item, Finished):
                write(item)
                continue
            try:
                params = drafter.first_request(item)
            except (RowProblem, DrafterError):
                params = None  # the row's error record comes from adraft below
            digest = cache_key(params) if params is not None else ""
            cached = params is not None and client.cache is not None and client.cache.get(digest)
            if params is None or cached:
                write(await drafter.adraft(item))  # no model needed, or a cached reply
                continue
            if digest not in by_hash:
                if len(by_hash) >= MAX_REQUESTS or size >= MAX_BYTES:
                    later += 1
                    continue
                if request.max_cost is not None:
                    guess = drafter.estimate(item)
                    if not guess.priced:
                        raise InputError(
                            f"no price is known for model {client.model!r}, so --max-cost "
                            'cannot be kept: add [llm.prices."MODEL"] to drafter.toml',
                            key="--max-cost",
                        )
                    if reserved + guess.cost_usd > request.max_cost:
                        summary.stopped_at_cap = request.max_cost
                        later += 1
                        continue
                    reserved += guess.cost_usd
                custom = f"r{len(by_hash) + 1}"
                line = jsonl_line(
                    {"custom_id": custom, "method": "POST", "url": ENDPOINT, "body": params}
                )
                handle.write(line)
                size += len(line)
                by_hash[digest] = custom
                requests[custom] = digest
            rows[item.key] = by_hash[digest]
    if later:
        summary.batch_lines.append(
            f"{later} rows wait for a later batch (one batch holds at most {MAX_REQUESTS:,} "
            "requests, or --max-cost stopped it): rerun after this one is collected"
        )
    if not requests:
        path.unlink(missing_ok=True)
        return
    uploaded = await _api(
        client, client.sdk().files.create(file=(path.name, path.read_bytes()), purpose="batch")
    )
    state = BatchState(
        input=str(request.input),
        model=client.model,
        today=drafter.config.today,
        submitted_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        input_file_id=uploaded.id,
        rows=rows,
        requests=requests,
    )
    save_state(request.out, state)  # before the batch exists: a crash now never pays twice
    await _create(client, state, request, summary)


async def _create(
    client: LLMClient, state: BatchState, request: BatchRequest, summary: Summary
) -> None:
    """Create the batch for the uploaded file (or adopt the one a crashed run
    created for it), and keep its id."""
    sdk = client.sdk()
    batch = None
    page = await _api(client, sdk.batches.list(limit=100))
    for found in page.data:
        if found.input_file_id == state.input_file_id:
            batch = found
            break
    if batch is None:
        batch = await _api(
            client,
            sdk.batches.create(
                input_file_id=state.input_file_id,
                endpoint=ENDPOINT,
                completion_window=WINDOW,
                metadata={"made_by": "drafter batch"},
            ),
        )
    save_state(request.out, state.model_copy(update={"batch_id": batch.id}))
    summary.pending = True
    summary.batch_lines.append(
        f"submitted batch {batch.id}: {len(state.requests)} requests for {len(state.rows)} rows "
        "(half the live price; results within 24 hours). Rerun the same command to collect them."
    )


# -- collecting ----------------------------------------------------------------


async def _results(client: LLMClient, batch: Any) -> dict[str, Reply | LLMError]:
    """custom_id -> the reply, or the error that request ended in."""
    out: dict[str, Reply | LLMError] = {}
    sdk = client.sdk()
    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue
        content = await _api(client, sdk.files.content(file_id))
        for raw in content.read().decode("utf-8", errors="replace").splitlines():
            try:
                line = json.loads(raw)
                custom = str(line["custom_id"])
            except (ValueError, KeyError, TypeError):
                continue  # not a result line: its row stays an error ("no result")
            out[custom] = _result(client, line)
    return out


def _result(client: LLMClient, line: dict[str, Any]) -> Reply | LLMError:
    response = line.get("response") or {}
    body = response.get("body")
    status = response.get("status_code")
    if status == 200 and isinstance(body, dict):
        try:
            return client.batch_reply(body)
        except LLMError as exc:
            return exc
    error = line.get("error") or (body.get("error") if isinstance(body, dict) else None) or {}
    message = " ".join(str(error.get("message") or "no reason given").split())[:200]
    code = error.get("code")
    if code in ("batch_expired", "batch_cancelled"):
        return LLMError(f"the batch ended before this request ran ({code})")
    return LLMError(
        f"the Batch API request failed ({status or code or 'error'}): {message}",
        status=status if isinstance(status, int) else None,
    )


async def _collect(
    drafter: RowDrafter,
    items: Iterator[Job | Finished],
    state: BatchState,
    results: dict[str, Reply | LLMError],
    status: str,
    sink: Sink,
    summary: Summary,
    reporter: Reporter,
    request: BatchRequest,
) -> None:
    from drafter.batch.runner import _llm_rows

    client = drafter.runtime.client()
    missing = LLMError(f"the batch {status} without a result for this request")
    for custom, digest in state.requests.items():
        client.preload(digest, results.get(custom, missing))

    def in_batch() -> Iterator[Job | Finished]:
        for item in items:
            if isinstance(item, Finished) or item.key not in state.rows:
                continue  # written by the submit step that follows
            expected = state.requests.get(state.rows[item.key])
            try:
                params = drafter.first_request(item)
            except (RowProblem, DrafterError):
                params = None
            if params is None or cache_key(params) != expected:
                yield drafter.error(
                    item,
                    None,
                    "the row, the playbook, the prompts or the settings changed since the "
                    "batch was submitted, so its reply does not fit: --retry-failed drafts it "
                    "again",
                )
                continue
            yield item

    await _llm_rows(drafter, in_batch(), sink, summary, reporter, replace(request, max_cost=None))
    summary.batch_lines.append(f"collected batch {state.batch_id} ({len(state.rows)} rows)")
