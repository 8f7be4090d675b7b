"""Reading a deal context from a file or stdin, and fixing the day it is read on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from drafter.context import DealContext, HistorySummary
from drafter.errors import InputError
from drafter.loading import read_data, short, shown_name, validate
from drafter.playbook import Playbook


def load_context(path: str | Path, playbook: Playbook) -> DealContext:
    return check_context(read_data(path), playbook, path=path)


def check_context(data: Any, playbook: Playbook, *, path: str | Path) -> DealContext:
    """A context's data validated, its words read through the playbook's
    vocabulary, and every technique it names checked."""
    from drafter.vocabulary import load_vocabulary

    vocabulary = load_vocabulary(playbook.path)
    ctx = validate(DealContext, data, path=shown_name(path), context={"vocabulary": vocabulary})
    named = _techniques_named(ctx)
    if not named:  # most contexts (a batch row without last_technique) name none
        return ctx
    messages = [t.id for t in playbook.ordered if t.kind == "message"]
    for key, technique in named:
        if technique not in messages:
            raise InputError(
                f"{short(technique)} is not a technique that sends a message; known: "
                f"{', '.join(messages)}",
                path=shown_name(path),
                key=key,
            )
    return ctx


def _techniques_named(ctx: DealContext) -> list[tuple[str, str]]:
    if isinstance(ctx.history, HistorySummary):
        t = ctx.history.last_technique
        return [("history.last_technique", t)] if t else []
    return [
        (f"history[{i}].technique", t.technique) for i, t in enumerate(ctx.history) if t.technique
    ]


def resolve_today(
    ctx: DealContext, override: dt.date | None, clock: dt.date, *, path: str | Path = "-"
) -> dt.date:
    """``--today``, else the context's ``today``, else the clock; never before the history."""
    today = override or ctx.today or clock
    latest = ctx.latest_date()
    if latest is not None and latest[1] > today:
        key, when = latest
        raise InputError(
            f"{today} is before {key} ({when}): the history cannot be in the future",
            path=shown_name(path),
            key="today",
        )
    return today
