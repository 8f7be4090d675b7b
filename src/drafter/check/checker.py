"""Checking a message against the tone rules: a pure function of its inputs.

:func:`check_message` runs the rules of :mod:`drafter.check.rules` (and, when the
technique is given, that technique's required moves) over the body and the
subject, and returns a :class:`CheckReport` whose ``model_dump(mode="json")``
is the contract's ``check`` shape. Offsets are code-point offsets (Python
string indices) into the body exactly as passed in (a ``"\r\n"`` is two code
points here; the CLI reads files with universal newlines first), or into the
subject for a violation with ``field == "subject"``; a violation about the
whole text (a length, the reading grade, a missing move) has
``start == end == 0`` and an empty excerpt. Matching folds case beyond ASCII
without moving offsets (``drafter.check.rules.RuleSet.prepare``).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from drafter.check.rules import (
    LEVEL_RANK,
    Finding,
    Part,
    Prepared,
    Rule,
    RuleSet,
    load_rules,
)
from drafter.context import Channel, parse_channel

if TYPE_CHECKING:
    from drafter.check.semantic import SemanticLayer
from drafter.errors import InputError
from drafter.loading import require_technique, short
from drafter.settings import CheckSettings, Level

_DEFAULT_SETTINGS = CheckSettings()
_NEWLINE = re.compile("\n")
_STRAIGHT = (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'))


def _straightened(text: str) -> str:
    """Curly quotes made straight, one character for one (``str.replace`` for
    each: several times faster than ``str.translate`` with a table)."""
    if text.isascii():
        return text
    for curly, straight in _STRAIGHT:
        text = text.replace(curly, straight)
    return text


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Violation(_Report):
    rule: str
    severity: Level
    message: str
    start: int
    end: int
    excerpt: str
    suggestion: str | None
    field: Part = "body"  # which text start/end point into
    line: int = 1  # 1-based, of start in that text
    column: int = 1


class Stats(_Report):
    words: int
    est_seconds: float
    reading_grade: float


class CheckReport(_Report):
    ok: bool
    violations: list[Violation]
    stats: Stats

    @model_validator(mode="after")
    def _ok_means_no_error(self) -> CheckReport:
        if self.ok == any(v.severity == "error" for v in self.violations):
            raise ValueError("ok must be false exactly when an error-level violation is present")
        return self

    def count(self, severity: Level) -> int:
        return sum(1 for v in self.violations if v.severity == severity)


def _validate(
    rules: RuleSet, technique: str | None, settings: CheckSettings, layer: SemanticLayer | None
) -> None:
    if technique is not None:
        require_technique(technique, rules.techniques, key="technique")
    for rule_id in settings.disable:
        if not rules.knows(rule_id) and not _semantic_id(rule_id, layer) and not _judge_id(rule_id):
            import difflib

            close = difflib.get_close_matches(rule_id, sorted(rules.ids), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(f"unknown rule id {short(rule_id)}{hint}", key="check.disable")


def _semantic_id(rule_id: str, layer: SemanticLayer | None) -> bool:
    """``semantic`` or ``semantic:<category>``: a valid id to disable even when
    the layer is off (``--rules-only``) and so not loaded."""
    if layer is not None:
        return layer.knows(rule_id)
    return rule_id == "semantic" or rule_id.startswith("semantic:")


def _judge_id(rule_id: str) -> bool:
    """``judge`` or ``judge:<category>``: the LLM judge's findings (``check --judge``)."""
    return rule_id == "judge" or rule_id.startswith("judge:")


@functools.lru_cache(maxsize=8)  # by the rule set itself: its folder's path is not hashed per check
def _semantic_layer(rules: RuleSet) -> SemanticLayer | None:
    return _semantic_for(rules.path.parent)


def load_layers(rules: RuleSet) -> None:
    """Load now what :func:`check_message` would load at its first call with
    ``rules`` (the semantic layer's model and banks: a few hundred ms the
    first time), for a caller with a moment to spare before its first check."""
    _semantic_layer(rules)


@functools.cache
def _semantic_for(playbook_dir: Path) -> SemanticLayer | None:
    from drafter.check.semantic import load_semantic

    if not (playbook_dir / "exemplars").is_dir():
        return None
    return load_semantic(playbook_dir)


def _semantic_findings(
    layer: SemanticLayer,
    prepared: dict[Part, Prepared],
    technique: str | None,
    shown: list[tuple[Rule, Finding]],
    settings: CheckSettings,
    floor: int,
    names: Sequence[str],
) -> list[tuple[Rule, Finding]]:
    """The layer's findings that no rule already covers at least as severely."""
    from drafter.check.semantic import semantic_rule

    out: list[tuple[Rule, Finding]] = []
    parts = list(prepared)
    found = layer.find_many([prepared[part].text for part in parts], technique, names)
    spans: dict[tuple[Part, int], _Spans] = {}
    for part, hits in zip(parts, found, strict=True):
        for hit in hits:
            rule = semantic_rule(hit.category, hit.level)
            if LEVEL_RANK[rule.level] < floor or _disabled(rule.id, settings.disable):
                continue
            key = (part, LEVEL_RANK[hit.level])
            if key not in spans:
                spans[key] = _Spans(
                    (f.start, f.end)
                    for r, f in shown
                    if f.part == part and LEVEL_RANK[r.level] >= key[1]
                )
            if not spans[key].overlaps(hit.start, hit.end):
                out.append((rule, Finding(part, hit.start, hit.end, hit.message, hit.suggestion)))
    return out


class _Spans:
    """Which of a set of spans overlap a given one, answered by bisection (a
    1 MB paste has tens of thousands of findings: asking each of them pairwise
    took minutes)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        self._reach = list(itertools.accumulate((end for _, end in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        """Is there a span ``(s, e)`` with ``s < end`` and ``start < e``?"""
        before = bisect.bisect_left(self._starts, end)  # the spans that start before `end`
        return before > 0 and self._reach[before - 1] > start


def _disabled(rule_id: str, disable: Iterable[str]) -> bool:
    return any(rule_id == d or rule_id.startswith(d + ":") for d in disable)


def _allowed_spans(t: Prepared, allow: Sequence[str]) -> list[tuple[int, int]]:
    """Where the allowed phrases stand in the text (case-insensitive, each
    phrase's matches not overlapping). An ASCII phrase is found by plain search
    in the lower-cased copy, which finds exactly what ``re.IGNORECASE`` does
    (see ``RuleSet.prepare``): a batch allows each row's own names, and
    compiling a regex for each would cost more than the rest of the check."""
    spans: list[tuple[int, int]] = []
    for phrase in allow:
        phrase = phrase.strip()
        if not phrase:
            continue
        if t.lower is not None and phrase.isascii():
            needle, lower = phrase.lower(), t.lower
            at = lower.find(needle)
            while at >= 0:
                spans.append((at, at + len(needle)))
                at = lower.find(needle, at + len(needle))
        else:
            spans += [m.span() for m in _phrase_regex(phrase).finditer(t.text)]
    return spans


@functools.lru_cache(maxsize=256)
def _phrase_regex(phrase: str) -> re.Pattern[str]:
    return re.compile(re.escape(phrase), re.IGNORECASE)


def _is_allowed(f: Finding, spans: list[tuple[int, int]]) -> bool:
    """A flagged span inside an allowed phrase, or one that contains it."""
    if f.start == f.end:
        return False
    return any((s <= f.start and f.end <= e) or (f.start <= s and e <= f.end) for s, e in spans)


def _outermost(found: list[tuple[Rule, Finding]]) -> list[tuple[Rule, Finding]]:
    """One finding per passage: drop a finding that lies within the span of an
    at least as severe finding of another rule (``URGENT`` is fake urgency, not
    also shouting; ``!!!`` is doubled punctuation, not also too many ``!``).

    Kept spans are indexed by start per part, so a message with tens of
    thousands of findings (a 1 MB paste) is not checked pairwise: only spans
    that start within the longest kept span's length before a finding can hold it.
    """
    ranked = sorted(found, key=lambda rf: (-LEVEL_RANK[rf[0].level], rf[1].start - rf[1].end))
    kept: list[tuple[Rule, Finding]] = []
    spans: dict[str, list[tuple[int, int, int]]] = {}  # part -> sorted (start, end, rule)
    longest: dict[str, int] = {}
    for rule, f in ranked:
        if f.end > f.start:
            index = spans.setdefault(f.part, [])
            reach = f.start - longest.get(f.part, 0)
            i = bisect.bisect_right(index, (f.start, sys.maxsize, sys.maxsize))
            inside = False
            while i > 0 and index[i - 1][0] >= reach:
                i -= 1
                _, end, owner = index[i]
                if f.end <= end and owner != id(rule):
                    inside = True
                    break
            if inside:
                continue
            bisect.insort(index, (f.start, f.end, id(rule)))
            longest[f.part] = max(longest.get(f.part, 0), f.end - f.start)
        kept.append((rule, f))
    return kept


def _position(text: str, offset: int) -> tuple[int, int]:
    """(line, column), both 1-based, of ``offset``: a bisection over the text's
    line starts, so thousands of violations in a long paste stay linear."""
    starts = _line_starts(text)
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


@functools.lru_cache(maxsize=2)  # the body and the subject of the message being reported
def _line_starts(text: str) -> tuple[int, ...]:
    return (0, *(m.end() for m in _NEWLINE.finditer(text)))


def _findings(
    ruleset: RuleSet,
    channel: Channel | None,
    technique: str | None,
    prepared: dict[Part, Prepared],
    wpm: float,
) -> list[tuple[Rule, Finding]]:
    found: list[tuple[Rule, Finding]] = []
    for part, t in prepared.items():
        if t.text:
            found += ruleset.find(ruleset.layout(channel, technique, part), t, wpm)
    return found


def check_message(
    body: str,
    *,
    channel: Channel | None = None,
    technique: str | None = None,
    subject: str | None = None,
    rules: RuleSet | None = None,
    settings: CheckSettings | None = None,
    semantic: bool = True,
    moves_as_advice: bool = False,
    recipients: Sequence[str] = (),
    names: Sequence[str] = (),
) -> CheckReport:
    """Check one message against the tone rules.

    ``channel`` and ``technique`` select the rules that apply (a rule scoped to
    a channel or technique is skipped when that is not given); the technique's
    required moves are checked only when it is given. ``rules`` defaults to the
    built-in playbook's (:func:`drafter.check.rules.load_rules`); ``settings`` may
    disable rule ids (``move`` or ``move:<technique>`` disable a group of move
    rules), allow phrases that are then never flagged, and hide levels below
    ``min_level``. Raises :class:`drafter.errors.InputError` for an unknown
    channel, technique or disabled rule id.

    With ``semantic`` (the default) the semantic layer
    (:mod:`drafter.check.semantic`) also flags sentences that read like a known
    bad follow-up (rule ids ``semantic:<category>``), except where a rule
    already flags that passage at least as severely; a playbook without an
    ``exemplars/`` folder has no semantic layer. ``moves_as_advice`` is for a
    message the rep wrote: a missing required move is then at most a warning
    (drafter's own drafts keep the move's level, which drives the repair).
    A move about the subject line is checked only when a subject is given.
    ``recipients`` names who the message is addressed to (a draft's prospect),
    for the rules about speaking of them in the third person; without it those
    rules read the greeting. ``names`` (people's and companies' names in a
    draft) read as one stand-in name to the semantic layer: a name carries no
    tone.
    """
    ruleset = rules if rules is not None else load_rules()
    settings = settings if settings is not None else _DEFAULT_SETTINGS
    channel = parse_channel(channel, key="channel")
    layer = _semantic_layer(ruleset) if semantic else None
    _validate(ruleset, technique, settings, layer)

    originals: dict[Part, str] = {"body": body}
    if subject:
        originals["subject"] = subject
    # Rules see straight quotes ("don’t" matches "don't"); offsets are unchanged.
    scope = (channel, technique)  # the rules that will look at it
    prepared: dict[Part, Prepared] = {
        "body": ruleset.prepare(_straightened(body), scope, tuple(recipients))
    }
    if subject:
        prepared["subject"] = ruleset.prepare(_straightened(subject), scope)
    wpm = ruleset.words_per_minute

    found = _findings(ruleset, channel, technique, prepared, wpm)
    searched = tuple(prepared.values())
    for move, matcher in ruleset.moves(technique, channel):
        if move.subject_only and not subject:
            continue
        missing = matcher.missing(searched)
        if missing is not None:
            if moves_as_advice and move.level == "error":
                move = move.model_copy(update={"level": "warning"})
            found.append((move, missing))

    floor = LEVEL_RANK[settings.min_level]
    allowed: dict[Part, list[tuple[int, int]]] = {}  # found when first needed

    def muted(rule: Rule, f: Finding) -> bool:
        if not (rule.allowable and settings.allow and f.start != f.end):
            return False
        spans = allowed.get(f.part)
        if spans is None:
            spans = allowed[f.part] = _allowed_spans(prepared[f.part], settings.allow)
        return _is_allowed(f, spans)

    shown = [
        (rule, f)
        for rule, f in found
        if LEVEL_RANK[rule.level] >= floor
        and not _disabled(rule.id, settings.disable)
        and not muted(rule, f)
    ]
    if layer is not None:
        shown += _semantic_findings(layer, prepared, technique, shown, settings, floor, names)
    violations = [_violation(rule, f, originals[f.part]) for rule, f in _outermost(shown)]
    violations.sort(key=lambda v: (v.field != "subject", v.start, -LEVEL_RANK[v.severity]))
    stats = prepared["body"].stats
    return CheckReport(
        ok=not any(v.severity == "error" for v in violations),
        violations=violations,
        stats=Stats(
            words=stats.words,
            est_seconds=round(stats.seconds(wpm), 1),
            reading_grade=round(stats.grade, 1),
        ),
    )


def _violation(rule: Rule, f: Finding, text: str) -> Violation:
    line, column = _position(text, f.start)
    return Violation(
        rule=rule.id,
        severity=rule.level,
        message=f.message,
        start=f.start,
        end=f.end,
        excerpt=text[f.start : f.end],
        suggestion=f.suggestion,
        field=f.part,
        line=line,
        column=column,
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_report(report: CheckReport, name: str = "<stdin>") -> str:
    """Human output: ``name:line:col  level  rule  message``, the excerpt and
    suggestion indented below, then a one-line summary. A subject violation is
    placed as ``name:subject:col``."""
    lines: list[str] = []
    for v in report.violations:
        where = (
            f"{name}:subject:{v.column}" if v.field == "subject" else f"{name}:{v.line}:{v.column}"
        )
        lines.append(f"{where}  {v.severity}  {v.rule}  {v.message}")
        if v.excerpt:
            lines.append(f"    | {v.excerpt}")
        if v.suggestion:
            lines.append(f"    suggestion: {v.suggestion}")
    s = report.stats
    verdict: Literal["ok", "fails"] = "ok" if report.ok else "fails"
    lines.append(
        f"{name}: {verdict}: {_plural(report.count('error'), 'error')}, "
        f"{_plural(report.count('warning'), 'warning')}, "
        f"{_plural(report.count('suggestion'), 'suggestion')} "
        f"({s.words} words, ~{s.est_seconds:g} s spoken, grade {s.reading_grade:g})"
    )
    return "\n".join(lines)
