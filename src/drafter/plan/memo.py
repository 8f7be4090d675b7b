"""Answers the planner works out again and again, kept per playbook.

A batch plans thousands of deals, and each plan asks, for each technique and
each day it looks at, whether the technique's conditions hold and why not.
Those answers depend on a handful of facts only (the ones the technique's
conditions read), so deals in the same situation share them: they are
computed once and looked up after. The memo is bounded (the older half of a
full table goes), so memory stays flat however many rows a batch has.

Pure: the same facts give the same answer, memo or not (tests/test_plan_memo.py
checks that every answer equals the one computed afresh).
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from drafter.plan.engagement import INEXACT_FACTS
from drafter.playbook import next_working_day

if TYPE_CHECKING:
    from drafter.playbook import Playbook, Technique, When

T = TypeVar("T")

# Entries per table (matching, why_not, alternative, because, missing; a few
# MB for them all when full); when one is full, its older half goes.
LIMIT = 10_000
# Playbooks remembered at once (a test suite loads many; a batch one).
PLAYBOOKS = 4


def gap(technique: Technique | None, playbook: Playbook) -> int:
    """The spacing rule, in one place: days from the last touch before
    ``technique`` may go (its own minimum, else the playbook's; the playbook's
    when no technique is named)."""
    own = technique.min_days_between_touches if technique is not None else None
    return own or playbook.settings.min_days_between_touches


def fact_key(f: Mapping[str, Any], names: tuple[str, ...]) -> tuple[Hashable, ...]:
    """The values of ``names`` in ``f``, hashable and exact: a list becomes a
    tuple, and a float is told apart from the int it equals (10000 and 10000.0
    are worded differently)."""
    return _exact(tuple(f[name] for name in names))


def _exact(values: tuple[Any, ...]) -> tuple[Hashable, ...]:
    """``values`` made hashable and exact (see :func:`fact_key`); most tuples
    hold neither a list nor a float and are returned as they are."""
    kinds = set(map(type, values))
    if list not in kinds and float not in kinds:
        return values
    out: list[Hashable] = []
    for value in values:
        kind = type(value)
        if kind is list:
            value = tuple(value)
        elif kind is float:
            value = (float, value)
        out.append(value)
    return tuple(out)


_MISSING = object()


class Memo:
    """One playbook's memo: what each technique's conditions read, and the
    answers already worked out."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook  # held, so the id it is filed under stays its own
        self.reads: dict[str, tuple[str, ...]] = {}
        # each technique's facts, read in one call (a tuple, whatever their number)
        self._read: dict[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]] = {}
        # the techniques whose facts are hashable and exact as they are (they
        # read no fact that may hold a list or a float: most of them)
        self._plain: set[str] = set()
        for technique in playbook.techniques.values():
            names = dict.fromkeys(c.fact for w in technique.when for c in w.all)
            if "value" in names:  # a deal value is worded in its currency
                names["currency"] = None
            self.reads[technique.id] = tuple(names)
            self._read[technique.id] = _reader(tuple(names))
            if INEXACT_FACTS.isdisjoint(names):
                self._plain.add(technique.id)
        # The playbook's order without the wait, each message with its spacing
        # gap (None for a stop), and every gap: what each day's first match
        # and the days a plan can change on go through.
        self.steps: tuple[tuple[Technique, int | None], ...] = tuple(
            (t, gap(t, playbook) if t.kind == "message" else None)
            for t in playbook.ordered
            if t.kind != "wait"
        )
        self.gaps = frozenset(gap(t, playbook) for t in playbook.techniques.values())
        # the same as steps of days, for the days a plan can change on: from
        # each date a condition counts from, and from the last touch
        self.day_steps: tuple[tuple[str, tuple[dt.timedelta, ...]], ...] = tuple(
            (fact, tuple(dt.timedelta(days=b) for b in bounds))
            for fact, bounds in playbook.day_bounds.items()
        )
        self.gap_steps = tuple(dt.timedelta(days=g) for g in self.gaps)
        self.horizon = dt.timedelta(days=playbook.settings.horizon_days)
        self._tables: dict[str, dict[Hashable, Any]] = {}
        self._matching = self._tables["matching"] = {}
        self._days: dict[dt.date, dt.date] = {}

    def get(self, table: str, key: Hashable, compute: Callable[[], T]) -> T:
        found = self._tables.get(table)
        if found is None:
            found = self._tables[table] = {}
        value: T = found.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            _keep(found, key, value)
        return value

    def key(self, technique: Technique, f: Mapping[str, Any]) -> tuple[Hashable, ...]:
        """What ``technique``'s conditions read of ``f``."""
        tid = technique.id
        values = self._read[tid](f)
        return (tid, values if tid in self._plain else _exact(values))

    def matching(self, technique: Technique, f: Mapping[str, Any]) -> When | None:
        """``technique.matching(f)``, remembered."""
        tid = technique.id  # self.key(technique, f), inlined: the hottest call there is
        values = self._read[tid](f)
        key = (tid, values if tid in self._plain else _exact(values))
        found: When | None = self._matching.get(key, _MISSING)
        if found is _MISSING:
            found = technique.matching(f)
            _keep(self._matching, key, found)
        return found

    def working_day(self, day: dt.date) -> dt.date:
        """``next_working_day(day, settings)``, remembered."""
        found = self._days.get(day)
        if found is None:
            found = next_working_day(day, self.playbook.settings)
            _keep(self._days, day, found)
        return found


def _reader(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    if len(names) == 1:
        (name,) = names
        return lambda f: (f[name],)
    if not names:
        return lambda f: ()
    getter: Callable[[Mapping[str, Any]], tuple[Any, ...]] = operator.itemgetter(*names)
    return getter


def _keep(table: dict[Any, Any], key: Any, value: Any) -> None:
    """Remember ``value`` under ``key``; a full table first drops its older half."""
    if len(table) >= LIMIT:
        _forget_older_half(table)
    table[key] = value


def _forget_older_half(table: dict[Any, Any]) -> None:
    """Drop the older half of ``table`` (a dict keeps the order of insertion)."""
    for key in list(itertools.islice(table, len(table) // 2 or 1)):
        del table[key]


_MEMOS: dict[int, Memo] = {}


def memo_of(playbook: Playbook) -> Memo:
    found = _MEMOS.get(id(playbook))
    if found is None or found.playbook is not playbook:
        if len(_MEMOS) >= PLAYBOOKS:
            _MEMOS.clear()
        found = _MEMOS[id(playbook)] = Memo(playbook)
    return found
