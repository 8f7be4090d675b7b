"""Check and repair: every draft is checked; a writer that can be re-asked is
sent the error-level findings until the draft passes or the rounds run out.

Each request is recorded as an :class:`~drafter.draft.base.Attempt`; usage is
summed over all of them; the best draft (fewest errors, then warnings, the
later one on a tie) is returned with its report, never passed silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drafter.draft.base import Attempt, DraftRequest, UnusableReply, Writer
from drafter.draft.models import Draft, Usage
from drafter.errors import LLMError

if TYPE_CHECKING:
    from drafter.check.checker import CheckReport


@dataclass(frozen=True)
class Outcome:
    draft: Draft
    check: CheckReport
    attempts: tuple[Attempt, ...]


def _rank(indexed: tuple[int, Attempt]) -> tuple[int, int, int]:
    index, attempt = indexed
    assert attempt.check is not None
    return (attempt.check.count("error"), attempt.check.count("warning"), -index)


def _add(total: Usage | None, more: Usage | None) -> Usage | None:
    if more is None:
        return total
    return more if total is None else total + more


async def write_checked(
    writer: Writer,
    request: DraftRequest,
    check: Callable[[Draft], CheckReport],
    *,
    max_repairs: int,
) -> Outcome:
    rounds = 1 + (max_repairs if writer.can_repair else 0)
    attempts: list[Attempt] = []
    usage: Usage | None = None
    for _ in range(rounds):
        try:
            draft, raw = await writer.write(request, attempts)
        except UnusableReply as exc:
            attempts.append(Attempt(None, None, raw=exc.raw, problem=exc.problem))
            usage = _add(usage, exc.usage)
            continue
        usage = _add(usage, draft.usage)
        report = check(draft)
        attempts.append(Attempt(draft, report, raw=raw))
        if report.ok:
            break
    usable = [(i, a) for i, a in enumerate(attempts) if a.draft is not None]
    if not usable:
        last = attempts[-1]
        raise LLMError(
            f"no usable draft after {len(attempts)} request(s): {last.problem}",
            attempts=len(attempts),
            last_reply=last.raw,
        )
    _, best = min(usable, key=_rank)
    assert best.draft is not None and best.check is not None
    draft = best.draft.model_copy(update={"attempts": len(attempts), "usage": usage})
    return Outcome(draft, best.check, tuple(attempts))
