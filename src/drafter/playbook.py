"""The playbook as data: one YAML file per technique, plus shared settings.

A technique declares when it applies as groups of conditions on named facts
(see ``drafter.plan.engagement.FACT_LABELS``). Conditions are evaluated by the small
interpreter below, never with ``eval``: a team adds or tunes a technique by
editing YAML, and a typo fails loudly with its path.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from drafter.context import Channel
from drafter.days import WEEKDAYS, Weekday, weekday_of
from drafter.errors import PlaybookError
from drafter.loading import Patterns, read_data, short, unknown_technique, validate
from drafter.loading import require_technique as require_technique  # still importable here
from drafter.money import format_amount
from drafter.plan.engagement import DATE_FACTS, FACT_LABELS
from drafter.resources import default_playbook_dir
from drafter.settings import Level

_OPERATORS = ("eq", "ne", "in_", "not_in", "gte", "lte", "between", "contains", "not_contains")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy that computes its cached properties afresh (pydantic copies
        ``__dict__``, where they live: a copy with other techniques would
        otherwise keep the original's order)."""
        copy = super().model_copy(update=update, deep=deep)
        for klass in type(copy).__mro__:
            for name, value in vars(klass).items():
                if isinstance(value, functools.cached_property):
                    copy.__dict__.pop(name, None)
        return copy


class Condition(_Data):
    """One test on one fact. Exactly one operator is set.

    A condition on an unknown (null) fact is false, except ``eq: null``.
    """

    fact: str
    eq: Any = None
    ne: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    gte: float | None = None
    lte: float | None = None
    between: tuple[float, float] | None = None
    contains: str | None = None
    not_contains: str | None = None

    @field_validator("fact")
    @classmethod
    def _known_fact(cls, value: str) -> str:
        if value not in FACT_LABELS:
            raise ValueError(f"unknown fact {value!r}; known: {', '.join(sorted(FACT_LABELS))}")
        return value

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        given = [op for op in _OPERATORS if op in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(
                "a condition needs exactly one of eq, ne, in, not_in, gte, lte, between, "
                f"contains, not_contains (got {', '.join(given) or 'none'})"
            )
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError("between: the low bound is above the high bound")
        return self

    @functools.cached_property
    def operator(self) -> str:
        return next(op for op in _OPERATORS if op in self.model_fields_set)

    def holds(self, facts: Mapping[str, Any]) -> bool:
        value = facts[self.fact]
        op = self.operator
        if op == "eq":
            return bool(value == self.eq)
        if value is None:
            return op in ("ne", "not_in", "not_contains") and (op != "ne" or self.ne is not None)
        if op == "ne":
            return bool(value != self.ne)
        if op == "in_":
            return value in (self.in_ or [])
        if op == "not_in":
            return value not in (self.not_in or [])
        if op == "gte":
            return bool(value >= self.gte)
        if op == "lte":
            return bool(value <= self.lte)
        if op == "between":
            assert self.between is not None
            return bool(self.between[0] <= value <= self.between[1])
        if op == "contains":
            return self.contains in value
        return self.not_contains not in value

    @functools.cached_property
    def bound(self) -> int | None:
        """:meth:`lower_bound`, computed once."""
        return self.lower_bound()

    def lower_bound(self) -> int | None:
        """For a days-since fact: the smallest count at which this can hold."""
        if self.fact not in DATE_FACTS:
            return None
        if self.operator == "gte" and self.gte is not None:
            return int(-(-self.gte // 1))
        if self.operator == "between" and self.between is not None:
            return int(-(-self.between[0] // 1))
        if self.operator == "eq" and isinstance(self.eq, int | float):
            return int(self.eq)
        return None

    def too_late(self, facts: Mapping[str, Any]) -> bool:
        """A count already past this condition's upper bound that only grows until
        they reply: days since a date, attempts, channels tried."""
        value = facts[self.fact]
        growing = self.fact in DATE_FACTS or self.fact in ("attempts", "distinct_channels")
        if not growing or value is None:
            return False
        if self.operator == "lte" and self.lte is not None:
            return bool(value > self.lte)
        if self.operator == "between" and self.between is not None:
            return bool(value > self.between[1])
        if (
            self.operator == "eq"
            and isinstance(self.eq, int | float)
            and not isinstance(self.eq, bool)
        ):
            return bool(value > self.eq)
        return False

    def wanted(self) -> str:
        """What the condition asks for, in words."""
        op = self.operator
        if op == "eq":
            if self.eq is True:
                return "yes"
            if self.eq is False:
                return "no"
            return "none" if self.eq is None else _show(self.eq, self.fact)
        if op == "ne":
            return f"not {_show(self.ne, self.fact)}"
        if op == "in_":
            return _either([_show(v, self.fact) for v in self.in_ or []])
        if op == "not_in":
            shown = [_show(v, self.fact) for v in self.not_in or []]
            return f"not {shown[0]}" if len(shown) == 1 else "none of " + ", ".join(shown)
        if op == "gte":
            return f"at least {_show(self.gte, self.fact)}"
        if op == "lte":
            return f"at most {_show(self.lte, self.fact)}"
        if op == "between":
            assert self.between is not None
            low, high = self.between
            return f"{_show(low, self.fact)} to {_show(high, self.fact)}"
        if op == "contains":
            return f"{self.contains} among them"
        return f"no {self.not_contains}"

    def required(self) -> str:
        """'days since the first unanswered attempt: 10 to 14'."""
        return f"{FACT_LABELS[self.fact]}: {self.wanted()}"

    def state(self, facts: Mapping[str, Any]) -> str:
        """'days since the first unanswered attempt: 12'."""
        return f"{FACT_LABELS[self.fact]}: {_fact_value(self.fact, facts)}"

    def explain(self, facts: Mapping[str, Any]) -> str:
        """'days since the first unanswered attempt: 12 (needs 10 to 14)'."""
        return f"{self.state(facts)} (needs {self.wanted()})"


def _either(words: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return " or ".join(words) if len(words) <= 2 else f"{', '.join(words[:-1])} or {words[-1]}"


def _fact_value(fact: str, facts: Mapping[str, Any]) -> str:
    """A fact's value in words; the deal value as an amount in its currency."""
    value = facts[fact]
    if fact == "value" and isinstance(value, int | float) and not isinstance(value, bool):
        return format_amount(value, facts.get("currency"))
    return _show(value, fact)


def _show(value: Any, fact: str | None = None) -> str:
    if fact == "value" and isinstance(value, int | float) and not isinstance(value, bool):
        return format_amount(value)
    if value is None:
        return "unknown"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


class When(_Data):
    """A group of conditions that must all hold, with the reason it stands for."""

    reason: str
    all: list[Condition] = Field(min_length=1)

    def failing(self, facts: Mapping[str, Any]) -> list[Condition]:
        return [c for c in self.all if not c.holds(facts)]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return all(c.holds(facts) for c in self.all)

    def explained(self, facts: Mapping[str, Any] | None = None) -> str:
        """The reason and its conditions, the one wording used everywhere: with
        ``facts``, what they are ("deal stage: engaged", a plan's "Why"); without,
        what they must be ("deal stage: one of engaged, proposal", the playbook)."""
        said = (c.state(facts) if facts is not None else c.required() for c in self.all)
        return f"{self.reason} ({'; '.join(said)})."


class Move(_Data):
    """Something the message must do, and how the checker recognises it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str
    channels: list[Channel] = Field(default_factory=list)  # empty: every channel
    patterns: Patterns = Field(default_factory=list)  # case-insensitive regexes
    level: Level = "error"
    subject: bool = False  # about the subject line: checked only when a subject is given

    def applies_to(self, channel: Channel | None) -> bool:
        return not self.channels or channel is None or channel in self.channels


class Technique(_Data):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    kind: Literal["message", "stop", "wait"]
    closing: bool = False
    summary: str
    applies_when: str
    source: str | None = None
    source_note: str | None = None
    priority: int = Field(ge=0)
    when: list[When] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    min_days_between_touches: int | None = Field(default=None, ge=1)
    moves: list[Move] = Field(default_factory=list)
    tone: list[str] = Field(default_factory=list)
    avoid: list[str] = Field(default_factory=list)
    reported_response_rate: float | None = Field(default=None, ge=0, le=1)
    reported_response_rate_source: str | None = None
    gap_notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Technique:
        if self.kind == "message" and not self.channels:
            raise ValueError("a message technique needs at least one channel")
        if self.kind != "message" and self.channels:
            raise ValueError(f"a {self.kind} technique sends nothing: it takes no channels")
        return self

    def matching(self, facts: Mapping[str, Any]) -> When | None:
        return next((w for w in self.when if w.holds(facts)), None)


class Source(_Data):
    """An article the playbook cites: its title (what users see) and what it gives."""

    title: str = Field(min_length=1)
    by: str | None = None  # author or publication
    about: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        # A playbook written before titles: "Title: what it gives" (or just the title).
        if isinstance(data, str):
            title, _, about = data.partition(": ")
            return {"title": title, "about": about or None}
        return data


_SEED = re.compile(r"\b[Ss]eeds? (\d{3})\b")
_FILE_ID = re.compile(r"\b(\d{3})_[0-9a-f]{16}\.txt\b")


class Settings(_Data):
    """Playbook-wide numbers a sales team tunes (``playbook.yaml``)."""

    min_days_between_touches: int = Field(ge=1)
    working_days: list[Weekday] = Field(default=list(WEEKDAYS[:5]), min_length=1)
    horizon_days: int = Field(ge=1, le=366)
    max_steps_ahead: int = Field(ge=1, le=20)
    sources: dict[str, Source] = Field(default_factory=dict)


def next_working_day(day: dt.date, settings: Settings) -> dt.date:
    """``day`` itself if it is a working day, else the next one."""
    for offset in range(7):
        candidate = day + dt.timedelta(days=offset)
        if weekday_of(candidate) in settings.working_days:
            return candidate
    return day


class Playbook(_Data):
    path: Path
    settings: Settings
    techniques: dict[str, Technique]

    # Computed once: the planner asks for these thousands of times a batch.
    @functools.cached_property
    def ordered(self) -> tuple[Technique, ...]:
        """Techniques by priority (lowest number first), then id."""
        return tuple(sorted(self.techniques.values(), key=lambda t: (t.priority, t.id)))

    @functools.cached_property
    def day_bounds(self) -> dict[str, frozenset[int]]:
        """Per days-since fact, the counts at which some condition on it starts
        to hold: with the spacing gaps, the days on which a plan can change."""
        bounds: dict[str, set[int]] = {}
        for technique in self.techniques.values():
            for group in technique.when:
                for condition in group.all:
                    if condition.bound is not None:
                        bounds.setdefault(condition.fact, set()).add(condition.bound)
        return {fact: frozenset(found) for fact, found in bounds.items()}

    @functools.cached_property
    def closing(self) -> frozenset[str]:
        return frozenset(t.id for t in self.techniques.values() if t.closing)

    def source_title(self, source: str | None) -> str | None:
        """The title of the article ``source`` names (its file id in the playbook);
        the id itself for a source the playbook does not list."""
        if source is None:
            return None
        found = self.settings.sources.get(source)
        return found.title if found else source

    def cite(self, text: str) -> str:
        """``text`` with the playbook's internal references to its articles ("Seed
        004, point 5", a file id) replaced by the articles' titles, for people."""
        by_number = {key[:3]: src.title for key, src in self.settings.sources.items()}

        def title(match: re.Match[str]) -> str:
            found = by_number.get(match.group(1))
            return f"“{found}”" if found else match.group(0)

        return _FILE_ID.sub(title, _SEED.sub(title, text))

    def get(self, technique_id: str) -> Technique:
        if technique_id not in self.techniques:
            raise PlaybookError(unknown_technique(technique_id, self.techniques), key="technique")
        return self.techniques[technique_id]


REQUIRED_IDS = ("move_on", "wait")


@functools.cache
def load_playbook(path: Path | None = None) -> Playbook:
    """Load and validate a playbook folder (``techniques/*.yaml`` + ``playbook.yaml``)."""
    root = (path or default_playbook_dir()).resolve()
    if not root.is_dir():
        raise PlaybookError("playbook folder not found", path=root)
    settings_file = root / "playbook.yaml"
    settings = validate(
        Settings,
        read_data(settings_file, error=PlaybookError),
        path=settings_file,
        error=PlaybookError,
    )
    techniques: dict[str, Technique] = {}
    files = sorted((root / "techniques").glob("*.yaml"))
    for file in files:
        technique = validate(
            Technique, read_data(file, error=PlaybookError), path=file, error=PlaybookError
        )
        if technique.id != file.stem:
            raise PlaybookError(
                f"id {technique.id!r} does not match the file name", path=file, key="id"
            )
        techniques[technique.id] = technique
    for needed in REQUIRED_IDS:
        if needed not in techniques:
            raise PlaybookError(f"techniques/{needed}.yaml is required", path=root)
    for technique in techniques.values():
        if settings.sources and technique.source and technique.source not in settings.sources:
            raise PlaybookError(
                f"source {short(technique.source)} is not listed under sources: in playbook.yaml",
                path=root / "techniques" / f"{technique.id}.yaml",
                key="source",
            )
    return Playbook(path=root, settings=settings, techniques=techniques)


def technique_record(technique: Technique, book: Playbook | None = None) -> dict[str, Any]:
    """The JSON form of a technique for ``playbook list/show`` (with
    ``source_title``, its article's title, when ``book`` is given)."""
    record = technique.model_dump(mode="json", by_alias=True, exclude_none=False)
    if book is not None:
        record["source_title"] = book.source_title(technique.source)
    return record
