"""``--dry-run``: plan every row still to do, without drafting or calling any
API, and tally the technique mix (and, for LLM drafting, the estimated
tokens and cost)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from drafter.batch.output import Done
from drafter.batch.rows import Finished, Job, RowDrafter


def dry_run(
    drafter: RowDrafter, items: Iterator[Job | Finished], add: Callable[[Done], None]
) -> int:
    """Tally each row still to do with ``add``; the number of rows."""
    count = 0
    for item in items:
        add(item.done if isinstance(item, Finished) else drafter.estimate(item))
        count += 1
    return count
