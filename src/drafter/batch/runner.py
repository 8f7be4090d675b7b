"""Running a batch: read the CSV as a stream, skip what the output already
holds, draft the rest (offline rows on every core), write each record as it
finishes, and tally a summary.

The core reports progress through a :class:`Reporter` (the CLI draws a bar or
prints lines); it never touches the terminal itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from drafter.batch.columns import Layout, MapProblem, RowReader, layout
from drafter.batch.output import FAILED, Done, Sink, output_format
from drafter.batch.reader import records, scan
from drafter.batch.rows import DraftConfig, Finished, Job, RowDrafter, error_record
from drafter.context import Sender
from drafter.errors import InputError
from drafter.settings import Settings

# LLM rows under way for each request in flight (--concurrency).
ROWS_PER_REQUEST = 2
# Seconds the checker waits for the first requests to be out before it loads anyway.
_FIRST_WAVE_WAIT = 2.0
# Below this many rows to draft, a process pool costs more than it saves.
POOL_MIN_ROWS = 400
CHUNK = 32


class Reporter(Protocol):
    def start(self, total: int, done_before: int) -> None: ...
    def advance(self, finished: Finished) -> None: ...
    def note(self, message: str) -> None: ...


class Silent:
    def start(self, total: int, done_before: int) -> None:
        pass

    def advance(self, finished: Finished) -> None:
        pass

    def note(self, message: str) -> None:
        pass


@dataclass(frozen=True)
class BatchRequest:
    input: Path
    out: Path
    settings: Settings
    today: dt.date
    user_map: Mapping[str, str] = field(default_factory=dict)
    map_source: str = "[batch.columns]"
    sender: Sender | None = None
    workers: int | None = None  # None: every core
    retry_failed: bool = False
    dry_run: bool = False
    offline: bool = False  # --offline: the templates, whatever is configured
    concurrency: int = 8  # LLM requests in flight
    max_cost: float | None = None  # USD, for this run
    use_cache: bool = True
    via: str = "live"  # "batch-api": the LLM rows go through the OpenAI Batch API
    today_given: bool = True  # --today was given (else a pending batch's day is used)


@dataclass
class Summary:
    rows: int = 0  # records in the input
    done_before: int = 0  # already in the output when the run started
    written: int = 0  # written by this run
    dropped: int = 0  # error records removed by --retry-failed
    by: Counter[tuple[str, str]] = field(default_factory=Counter)  # (technique, status)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    interrupted: bool = False
    dry_run: bool = False
    llm: bool = False
    unpriced: bool = False  # some row's model has no price: costs are unknown
    stopped_at_cap: float | None = None  # --max-cost stopped the run here
    ignored_columns: tuple[str, ...] = ()
    unset_sender: tuple[str, ...] = ()  # "name", "phone": set nowhere (flags, config, a column)
    batch_api: bool = False  # --via batch-api
    pending: bool = False  # a Batch API batch is submitted or running: rerun later
    batch_lines: list[str] = field(default_factory=list)  # what the Batch API said

    def add(self, done: Done) -> None:
        self.by[(done.technique or "-", done.status)] += 1
        self.unpriced = self.unpriced or not done.priced
        self.prompt_tokens += done.prompt_tokens
        self.completion_tokens += done.completion_tokens
        self.cost_usd += done.cost_usd

    @property
    def failed(self) -> int:
        return sum(n for (_, status), n in self.by.items() if status in FAILED)

    @property
    def statuses(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (_, status), n in self.by.items():
            out[status] += n
        return out


def write_finished(finished: Finished, sink: Sink, summary: Summary, reporter: Reporter) -> None:
    """Write a finished row to the output, tally it and report it."""
    write_all([finished], sink, summary, reporter)


def write_all(rows: list[Finished], sink: Sink, summary: Summary, reporter: Reporter) -> None:
    """:func:`write_finished` for rows that finished together (a worker's
    chunk): their records in one write, then each tallied and reported."""
    sink.write(b"".join(finished.line for finished in rows))
    for finished in rows:
        summary.written += 1
        summary.add(finished.done)
        reporter.advance(finished)


def _layout_or_fail(request: BatchRequest, header: tuple[str, ...]) -> Layout:
    shown = str(request.input)
    try:
        lay = layout(header, request.user_map)
    except MapProblem as exc:
        raise InputError(str(exc), path=request.map_source) from None
    has = lay.columns
    if "name" not in has and "first_name" not in has and "last_name" not in has:
        raise InputError(
            "no name column (expected name, or first and last name; map yours with --map)",
            path=shown,
        )
    for needed in ("company", "stage"):
        if needed not in has:
            raise InputError(
                f"no {needed} column (map yours with --map; see docs/batch.md)", path=shown
            )
    return lay


def _jobs(
    rows: Iterable[tuple[int, int, list[str]]],
    reader: RowReader,
    config: DraftConfig,
    done: AbstractSet[str],
) -> Iterator[Job | Finished]:
    """Jobs for the rows the output does not hold yet (``done``: the keys it
    holds); bad-shape rows and repeated ids come out already finished, as
    error records. Remembers each id's first row and how often each hash
    came (ints and short keys, not the rows)."""
    width = len(config.header)
    first_row_of: dict[str, int] = {}
    seen: Counter[str] = Counter()
    for number, line, cells in rows:
        if len(cells) != width:
            digest = reader.fingerprint(cells[:width] + [""] * (width - len(cells)))
            seen[digest] += 1
            key = f"h:{digest}" + (f"#{seen[digest]}" if seen[digest] > 1 else "")
            if key not in done:
                job = Job(number, line, cells, key, str(number))
                yield error_record(
                    config,
                    job,
                    None,
                    f"{len(cells)} cells where the header has {width} "
                    f"(line {line}; a stray comma or quote?)",
                )
            continue
        ident, given = reader.identity(cells, number)
        if given is not None:
            key = given
            first = first_row_of.setdefault(given, number)
            if first != number:
                key = f"{given}@row{number}"
                if key not in done:
                    yield error_record(
                        config,
                        Job(number, line, cells, key, ident),
                        reader.layout.header_of("id"),
                        f"id {given!r} is also row {first}'s; ids must be unique",
                    )
                continue
        else:
            digest = reader.fingerprint(cells)
            seen[digest] += 1
            key = f"h:{digest}" + (f"#{seen[digest]}" if seen[digest] > 1 else "")
        if key not in done:
            yield Job(number, line, cells, key, ident)


# -- the process pool ------------------------------------------------------
WORKER_GC_THRESHOLD = 10_000
_WORKER: RowDrafter | None = None
# The parent's drafter while its pool starts: a forked worker takes it as it
# is (playbook, rules and templates already loaded) instead of building its own.
_FORKED: RowDrafter | None = None


def _init_worker(config: DraftConfig) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    seed = _FORKED
    _WORKER = seed if seed is not None and seed.config == config else RowDrafter(config)
    # What the worker starts with (the playbook, the rules, the parent's
    # modules) lives as long as it does: the garbage collector need not
    # look through it again at every full collection.
    gc.freeze()
    # A row makes and drops a few thousand small objects, few of them in
    # cycles: collecting the youngest generation every 10,000 allocations
    # rather than every 700 takes about a third less of a row's time in the
    # collector (the memory it lets wait is a few megabytes at most).
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


# What crosses the process boundary: plain tuples (a dataclass costs several
# times as much to pickle and unpickle as the tuple of its fields).
_Sent = tuple[int, int, list[str], str, str]  # Job's fields
_Back = tuple[str, int, bytes, tuple[Any, ...]]  # Finished's, with Done's fields


def _run_chunk(jobs: list[_Sent]) -> list[_Back]:
    assert _WORKER is not None
    out: list[_Back] = []
    for fields in jobs:
        finished = _WORKER(Job(*fields))
        out.append((finished.key, finished.row, finished.line, tuple(vars(finished.done).values())))
    return out


def _received(rows: list[_Back]) -> list[Finished]:
    return [Finished(key, row, line, Done(*done)) for key, row, line, done in rows]


def _ready() -> bool:
    return _WORKER is not None


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _pool(workers: int, drafter: RowDrafter) -> ProcessPoolExecutor:
    global _FORKED
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(drafter.config,)
    )
    # Start every worker now, before a progress bar starts its thread.
    _FORKED = drafter
    try:
        wait([pool.submit(_ready) for _ in range(workers)])
    finally:
        _FORKED = None
    return pool


def _chunks(items: Iterator[Job | Finished], size: int) -> Iterator[list[_Sent] | Finished]:
    batch: list[_Sent] = []
    for item in items:
        if isinstance(item, Finished):
            yield item
            continue
        batch.append((item.row, item.line, item.cells, item.key, item.id))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _pooled(
    pool: ProcessPoolExecutor, items: Iterator[Job | Finished], workers: int
) -> Iterator[list[Finished]]:
    """Rows drafted on the pool, a chunk at a time (as each chunk finishes)."""
    pending: set[Future[list[_Back]]] = set()
    try:
        for item in _chunks(items, CHUNK):
            if isinstance(item, Finished):
                yield [item]
                continue
            while len(pending) >= workers * 3:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield _received(future.result())
            pending.add(pool.submit(_run_chunk, item))
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield _received(future.result())
    finally:
        for future in pending:
            future.cancel()


def _in_process(drafter: RowDrafter, items: Iterator[Job | Finished]) -> Iterator[list[Finished]]:
    for item in items:
        yield [item if isinstance(item, Finished) else drafter(item)]


def _unset_sender(request: BatchRequest, columns: Mapping[str, int]) -> tuple[str, ...]:
    """The rep's details every row's draft will go without: set by no flag, no
    setting and no column (a ``sender_name`` column may fill them row by row)."""
    given = request.settings.sender
    if request.sender is not None:
        given = request.sender.merged_over(given)
    return tuple(
        f for f in ("name", "phone") if getattr(given, f) is None and f"sender_{f}" not in columns
    )


def run_batch(
    request: BatchRequest,
    reporter: Reporter | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Summary:
    """Draft every row of ``request.input`` not yet in ``request.out``."""
    reporter = reporter or Silent()
    started = clock()
    shown = str(request.input)
    fmt = output_format(request.out)
    found = scan(request.input, shown=shown)
    lay = _layout_or_fail(request, found.header)
    via_api = request.via == "batch-api"
    today = request.today
    if via_api:
        from drafter.batch.batch_api import planning_day

        _needs_llm(request)
        today = planning_day(request)
    config = DraftConfig(
        settings=request.settings,
        header=found.header,
        today=today,
        fmt=fmt,
        user_map=dict(request.user_map),
        sender=request.sender,
        offline=request.offline or not request.settings.llm_configured,
        use_cache=request.use_cache,
        batch_api=via_api,
    )
    summary = Summary(
        rows=found.rows,
        ignored_columns=lay.ignored,
        unset_sender=_unset_sender(request, lay.columns),
        dry_run=request.dry_run,
        llm=not config.offline,
        batch_api=via_api,
    )
    sink = Sink(request.out, fmt, found.header)
    tally = None if request.dry_run else summary.add
    if request.retry_failed and not request.dry_run:
        sink.load()  # checks the file is ours (and cuts a torn tail) before rewriting it
        summary.dropped = sink.drop(frozenset({"error"}))
    sink.load(tally)
    summary.done_before = len(sink.keys)
    drafter = RowDrafter(config)

    def still_to_do() -> Iterator[Job | Finished]:
        _, rows = records(request.input, shown=shown)
        return _jobs(((r.row, r.line, r.cells) for r in rows), drafter.reader, config, sink.keys)

    items = still_to_do()
    todo = found.rows - summary.done_before
    if request.dry_run:
        from drafter.batch.estimate import dry_run

        summary.written = dry_run(drafter, items, summary.add)
        summary.seconds = clock() - started
        return summary
    if via_api or not config.offline:

        async def main() -> None:
            if via_api:
                from drafter.batch.batch_api import run_via_batch_api

                await run_via_batch_api(drafter, still_to_do, sink, summary, reporter, request)
            else:
                await _llm_rows(drafter, items, sink, summary, reporter, request)

        _run_async(main, sink, summary, reporter)
        summary.seconds = clock() - started
        return summary
    workers = request.workers or cores()
    pool = _pool(workers, drafter) if workers > 1 and todo >= POOL_MIN_ROWS else None
    reporter.start(found.rows, summary.done_before)
    sink.open()
    try:
        stream = _pooled(pool, items, workers) if pool else _in_process(drafter, items)
        for rows in stream:
            write_all(rows, sink, summary, reporter)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        sink.close()
        if pool is not None:
            pool.shutdown(wait=not summary.interrupted, cancel_futures=True)
    summary.seconds = clock() - started
    return summary


# -- LLM rows: many requests in flight on the async client ---------------------


def _needs_llm(request: BatchRequest) -> None:
    if request.offline:
        raise InputError(
            "--offline drafts from the templates: the Batch API is for LLM drafts", key="--via"
        )
    if not request.settings.llm_configured:
        raise InputError(
            "the Batch API needs an LLM: set OPENAI_API_KEY (and OPENAI_BASE_URL for "
            "another server) or [llm] in drafter.toml",
            key="--via",
        )


def _run_async(
    main: Callable[[], Coroutine[Any, Any, None]],
    sink: Sink,
    summary: Summary,
    reporter: Reporter,
) -> None:
    """Run an async batch (live LLM rows or the Batch API) with the output open;
    Ctrl-C ends it as an interrupted run (what was written stays written)."""
    import asyncio

    reporter.start(summary.rows, summary.done_before)
    sink.open()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        sink.close()


async def _load_checker(drafter: RowDrafter, first_wave: Any) -> None:
    """Load the checker's semantic layer once the first requests are out, while
    they wait for their answers, rather than at the first answer's check:
    the event loop stands still while it loads, and every answer that came
    meanwhile would wait behind it."""
    import asyncio

    with contextlib.suppress(TimeoutError):  # fewer rows than places: load anyway
        await asyncio.wait_for(first_wave.wait(), timeout=_FIRST_WAVE_WAIT)
    # A broken exemplar file is reported by the first check, as without this.
    with contextlib.suppress(Exception):
        drafter.runtime.load_checker()


async def _llm_rows(
    drafter: RowDrafter,
    items: Iterator[Job | Finished],
    sink: Sink,
    summary: Summary,
    reporter: Reporter,
    request: BatchRequest,
) -> None:
    """At most ``concurrency`` requests in flight, and twice as many rows
    under way, so that a row is planned, prompted and checked while the
    others' requests wait (the CPU work does not hold a request's place);
    each row written as it finishes. With ``max_cost``, a row starts only if
    what this run spent, plus the estimates of the rows under way, plus its
    own stays within the cap."""
    import asyncio

    client = drafter.runtime.client()
    client.in_flight = asyncio.Semaphore(request.concurrency)
    first_wave = asyncio.Event()
    out = 0

    def sent() -> None:
        nonlocal out
        out += 1
        if out >= request.concurrency:
            first_wave.set()

    client.on_sent = sent
    warm_up = asyncio.create_task(_load_checker(drafter, first_wave))
    limit = asyncio.Semaphore(request.concurrency * ROWS_PER_REQUEST)
    tasks: set[asyncio.Task[None]] = set()
    spent = 0.0
    reserved = 0.0

    def write(finished: Finished) -> None:
        nonlocal spent
        write_finished(finished, sink, summary, reporter)
        spent += finished.done.cost_usd

    async def one(job: Job, estimate: float) -> None:
        nonlocal reserved
        try:
            write(await drafter.adraft(job))
        finally:
            reserved -= estimate
            limit.release()

    try:
        for item in items:
            if isinstance(item, Finished):
                write(item)
                continue
            await limit.acquire()
            estimate = 0.0
            if request.max_cost is not None:
                guess = drafter.estimate(item)
                if not guess.priced:
                    limit.release()
                    raise InputError(
                        f"no price is known for model {drafter.runtime.client().model!r}, so "
                        '--max-cost cannot be kept: add [llm.prices."MODEL"] to drafter.toml',
                        key="--max-cost",
                    )
                estimate = guess.cost_usd
                if spent + reserved + estimate > request.max_cost:
                    limit.release()
                    summary.stopped_at_cap = request.max_cost
                    break
                reserved += estimate
            task = asyncio.create_task(one(item, estimate))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        warm_up.cancel()
        client.in_flight = None  # it belongs to this event loop
        client.on_sent = None
