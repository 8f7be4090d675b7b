"""The eval suite as data: ``evals/*.yaml`` files of cases and assertions.

A suite is a folder. Every ``*.yaml`` / ``*.yml`` file in it (not in
sub-folders) holds cases::

    description: what these cases are about        # optional
    pass_rate: 1.0          # optional, in one file only: share of cases that must hold
    defaults:               # optional: applies to every case of this file
      today: 2026-11-23
      threshold: 1.0
      assert:
        - {type: tone-ok}
    cases:
      - id: rescue-call-classic
        description: ...
        tags: [rescue_call, touches]
        context_file: ../examples/rescue_call.yaml   # or context: {...inline...}
        patch: {deal: {notes: "..."}}                # deep-merged over context_file
        assert:
          - {type: technique, value: rescue_call}
          - {type: not-icontains, value: "90% off", weight: 2}

Files are validated strictly; a problem raises :class:`drafter.errors.SuiteError`
naming the file and the case. Pure apart from reading the files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from drafter.context import Channel, Day, DealContext
from drafter.errors import DrafterError, SuiteError
from drafter.loading import describe_validation_error, read_data, short

# type -> (negatable, what its value is)
ASSERTION_TYPES: Mapping[str, tuple[bool, str]] = {
    "technique": (True, "a technique id or a list of them"),
    "channel": (True, "a channel or a list of them"),
    "send-on": (True, "a date, or {from: DATE, to: DATE}"),
    "then": (True, "a technique id or a list: the first step of the road ahead"),
    "contains": (True, "text"),
    "icontains": (True, "text"),
    "regex": (True, "a regular expression"),
    "max-words": (False, "a number of words"),
    "max-seconds": (False, "a number of spoken seconds"),
    "tone-ok": (True, "nothing"),
    "rule": (True, "a rule id (or move / move:<technique>)"),
    "mentions": (True, "a context field, e.g. deal.agreed_next_step"),
    "max-prompt-tokens": (False, "a number of tokens"),
    "prompt-data-only": (True, "nothing"),
    "max-cost": (False, "US dollars"),
    "llm-rubric": (False, "the rubric, in words"),
}
ALIASES = {"send_on": "send-on", "tone_ok": "tone-ok"}
TEXT_TYPES = frozenset({"contains", "icontains", "regex", "max-words", "max-seconds", "mentions"})
TEXT_TYPES |= {"tone-ok", "rule", "llm-rubric"}

# The context fields ``mentions`` may name (lists: any of the items appears).
MENTIONABLE = (
    "prospect.name",
    "prospect.first_name",
    "prospect.company",
    "prospect.title",
    "prospect.mailing_address",
    "prospect.best_time",
    "sender.name",
    "sender.first_name",
    "sender.company",
    "sender.phone",
    "sender.email",
    "deal.agreed_next_step",
    "deal.benefits",
    "deal.news",
    "deal.notes",
)
_MENTION = re.compile(r"(?P<field>[a-z_]+\.[a-z_]+)(?:\[(?P<index>\d+)\])?")

Field_ = Literal["body", "subject", "message"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Window(_Data):
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.from_ is None and self.to is None:
            raise ValueError("a window needs from, to or both")
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("from is after to")
        return self

    def holds(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.to is None or day <= self.to)

    def __str__(self) -> str:
        return f"{self.from_ or '...'} to {self.to or '...'}"


class Assertion(_Data):
    """One expectation. ``type`` may start with ``not-`` where that makes sense."""

    type: str
    value: Any = None
    weight: float = Field(default=1.0, ge=0)
    field: Field_ = "body"  # for contains / icontains / regex
    model: str | None = None  # llm-rubric: the judge (default: the model under test)
    threshold: float | None = Field(default=None, ge=0, le=1)  # llm-rubric: score to pass

    @property
    def negated(self) -> bool:
        return self.type.startswith("not-")

    @property
    def base(self) -> str:
        name = self.type.removeprefix("not-")
        return ALIASES.get(name, name)

    @property
    def needs_draft(self) -> bool:
        return self.base in TEXT_TYPES

    @model_validator(mode="before")
    @classmethod
    def _known(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return data
        name = data["type"]
        base = name.removeprefix("not-")
        base = ALIASES.get(base, base)
        known = ASSERTION_TYPES.get(base)
        if known is None:
            raise ValueError(
                f"unknown assertion type {short(name)}; known: {', '.join(ASSERTION_TYPES)}"
            )
        if name.startswith("not-") and not known[0]:
            raise ValueError(f"{base} cannot be negated")
        return {**data, "value": _checked_value(base, data.get("value"))}

    def label(self) -> str:
        shown = "" if self.value is None else f" {_show(self.value)}"
        where = f" ({self.field})" if self.base in ("contains", "icontains", "regex") else ""
        return f"{self.type}{shown}{where}"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(map(str, value))
    if isinstance(value, Window):
        return str(value)
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _checked_value(base: str, value: Any) -> Any:
    """The value, checked to fit the assertion type, in its normal form."""
    _, wanted = ASSERTION_TYPES[base]
    if base in ("technique", "channel", "then"):
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) and v for v in items):
            raise ValueError(f"{base}: value must be {wanted}")
        if base == "channel":
            for v in items:
                if v not in Channel.__members__:
                    known = ", ".join(c.value for c in Channel)
                    raise ValueError(f"unknown channel {short(v)}; known: {known}")
        return list(items)
    if base == "send-on":
        if isinstance(value, dict):
            return Window.model_validate(value)
        return Window.model_validate({"from": value, "to": value})
    if base in ("contains", "icontains", "regex", "llm-rubric", "rule"):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{base}: value must be {wanted}")
        if base == "regex":
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"regex {short(value)} does not compile: {exc}") from None
        return value
    if base in ("max-words", "max-seconds", "max-prompt-tokens", "max-cost"):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"{base}: value must be {wanted} (0 or more)")
        return value
    if base in ("tone-ok", "prompt-data-only"):
        if value is not None:
            raise ValueError(f"{base} takes no value")
        return None
    m = _MENTION.fullmatch(value) if isinstance(value, str) else None  # mentions
    if m is None or m["field"] not in MENTIONABLE:
        raise ValueError(f"mentions: value must be one of {', '.join(MENTIONABLE)}")
    return value


class Defaults(_Data):
    today: Day | None = None
    threshold: float | None = Field(default=None, ge=0, le=1)
    tags: list[str] = Field(default_factory=list)
    assert_: list[Assertion] = Field(default_factory=list, alias="assert")


class CaseData(_Data):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    context: dict[str, Any] | None = None
    context_file: str | None = None
    patch: dict[str, Any] | None = None
    today: Day | None = None
    technique: str | None = None  # force a technique, as draft --technique
    channel: Channel | None = None  # force a channel, as draft --channel
    threshold: float | None = Field(default=None, ge=0, le=1)
    xfail: str | None = None  # a known bug: the reason, e.g. "issue 14"
    defaults: bool = True  # false: the file's default assertions do not apply
    assert_: list[Assertion] = Field(default_factory=list, alias="assert")

    @model_validator(mode="after")
    def _one_context(self) -> CaseData:
        if (self.context is None) == (self.context_file is None):
            raise ValueError("a case needs exactly one of context and context_file")
        if self.patch is not None and self.context_file is None:
            raise ValueError("patch goes with context_file (edit an inline context directly)")
        return self


class SuiteFileData(_Data):
    description: str | None = None
    pass_rate: float | None = Field(default=None, ge=0, le=1)
    defaults: Defaults = Field(default_factory=Defaults)
    cases: list[Any] = Field(min_length=1)


@dataclass(frozen=True)
class AssertionSpec:
    assertion: Assertion
    from_defaults: bool


@dataclass(frozen=True)
class Case:
    id: str
    file: str  # as shown in messages and reports
    description: str | None
    tags: tuple[str, ...]
    ctx: DealContext
    today: dt.date | None
    technique: str | None
    channel: Channel | None
    threshold: float
    xfail: str | None
    assertions: tuple[AssertionSpec, ...]


@dataclass(frozen=True)
class Suite:
    path: Path
    pass_rate: float
    cases: tuple[Case, ...]
    files: tuple[str, ...] = field(default=())


def deep_merge(base: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``patch`` over ``base``: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _error(file: str, where: str, message: str) -> SuiteError:
    return SuiteError(message, path=file, key=where)


def _case_context(data: CaseData, source: Path, shown: str, where: str) -> DealContext:
    if data.context is not None:
        raw: Any = data.context
    else:
        assert data.context_file is not None
        ref = (source.parent / data.context_file).resolve()
        try:
            raw = read_data(ref, error=SuiteError)
        except DrafterError as exc:
            raise _error(shown, f"{where}.context_file", f"{exc}") from None
        if not isinstance(raw, dict):
            raise _error(shown, f"{where}.context_file", "the file is not a mapping of keys")
        raw = deep_merge(raw, data.patch or {})
    if not isinstance(raw, dict):
        raise _error(shown, f"{where}.context", "expected a mapping of keys")
    try:
        return DealContext.model_validate(raw)
    except ValidationError as exc:
        key, message = describe_validation_error(exc)
        raise _error(shown, f"{where}.context.{key}", message) from None


def _build_case(
    raw: Any,
    index: int,
    source: Path,
    shown: str,
    defaults: Defaults,
    known: Known,
) -> Case:
    where = f"cases[{index}]"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        where = f"case {raw['id']!r}"
    if not isinstance(raw, dict):
        raise _error(shown, where, "a case is a mapping of keys")
    try:
        data = CaseData.model_validate(raw)
    except ValidationError as exc:
        key, message = describe_validation_error(exc)
        raise _error(shown, f"{where}: {key}", message) from None
    ctx = _case_context(data, source, shown, where)
    inherited = defaults.assert_ if data.defaults else []
    specs = [AssertionSpec(a, True) for a in inherited]
    specs += [AssertionSpec(a, False) for a in data.assert_]
    if not specs:
        raise _error(shown, where, "a case needs at least one assertion")
    labelled = [(f"defaults.assert[{i}]", a) for i, a in enumerate(inherited)]
    labelled += [(f"assert[{i}]", a) for i, a in enumerate(data.assert_)]
    for label, assertion in labelled:
        problem = known.problem(assertion)
        if problem:
            raise _error(shown, f"{where}: {label}", problem)
    if data.technique is not None and data.technique not in known.techniques:
        raise _error(shown, f"{where}: technique", f"unknown technique {short(data.technique)}")
    today = data.today or ctx.today or defaults.today
    threshold = data.threshold if data.threshold is not None else defaults.threshold
    return Case(
        id=data.id,
        file=shown,
        description=data.description,
        tags=tuple(dict.fromkeys([*defaults.tags, *data.tags])),
        ctx=ctx,
        today=today,
        technique=data.technique,
        channel=data.channel,
        threshold=1.0 if threshold is None else threshold,
        xfail=data.xfail,
        assertions=tuple(specs),
    )


@dataclass(frozen=True)
class Known:
    """What assertions may name: the playbook's techniques and the rule ids."""

    techniques: frozenset[str]
    rule_known: Callable[[str], bool]

    def problem(self, a: Assertion) -> str | None:
        if a.base in ("technique", "then"):
            unknown = [v for v in a.value if v not in self.techniques]
            if unknown:
                return (
                    f"{a.type}: unknown technique {short(unknown[0])}; "
                    f"known: {', '.join(sorted(self.techniques))}"
                )
        if a.base == "rule" and not self.rule_known(a.value):
            return f"{a.type}: unknown rule id {short(a.value)}"
        return None


def load_suite(path: Path, known: Known) -> Suite:
    """Every ``*.yaml``/``*.yml`` file of the folder ``path`` (or one file)."""
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    else:
        raise SuiteError("no such suite folder or file", path=path)
    if not files:
        raise SuiteError("no suite files (*.yaml) in this folder", path=path)
    cases: list[Case] = []
    seen: dict[str, str] = {}
    pass_rate: tuple[float, str] | None = None
    for file in files:
        shown = str(file)
        data = read_data(file, error=SuiteError)
        if not isinstance(data, dict):
            raise SuiteError("expected a mapping with a cases list at the top level", path=shown)
        try:
            suite_file = SuiteFileData.model_validate(data)
        except ValidationError as exc:
            key, message = describe_validation_error(exc)
            raise SuiteError(message, path=shown, key=key) from None
        if suite_file.pass_rate is not None:
            if pass_rate is not None:
                raise SuiteError(
                    f"pass_rate is already set in {pass_rate[1]}: set it in one file",
                    path=shown,
                    key="pass_rate",
                )
            pass_rate = (suite_file.pass_rate, shown)
        for index, raw in enumerate(suite_file.cases):
            case = _build_case(raw, index, file, shown, suite_file.defaults, known)
            if case.id in seen:
                raise SuiteError(
                    f"duplicate case id (also in {seen[case.id]})",
                    path=shown,
                    key=f"case {case.id!r}",
                )
            seen[case.id] = shown
            cases.append(case)
    return Suite(
        path=path,
        pass_rate=1.0 if pass_rate is None else pass_rate[0],
        cases=tuple(cases),
        files=tuple(str(f) for f in files),
    )


def select_cases(
    cases: tuple[Case, ...], pattern: str | None, ids: frozenset[str] | None
) -> tuple[Case, ...]:
    """Cases whose id, description or a tag matches ``pattern`` (a regex), and
    whose id is in ``ids`` when given."""
    out = list(cases)
    if pattern:
        try:
            rx = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise SuiteError(f"--filter {short(pattern)} does not compile: {exc}") from None
        out = [
            c
            for c in out
            if rx.search(c.id)
            or rx.search(c.description or "")
            or any(rx.search(t) for t in c.tags)
        ]
    if ids is not None:
        out = [c for c in out if c.id in ids]
    return tuple(out)
