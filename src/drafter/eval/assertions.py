"""Grading one case's outcome against its assertions: pure functions.

Each assertion gives ``passed`` True/False, or None when it was skipped (with
the reason in ``detail``): ``llm-rubric`` and ``max-cost`` offline (live, the
judge's grades arrive in :attr:`Outcome.grades`, see ``drafter.judge``), prompt
checks without a rendered prompt, and text checks inherited from the file's
defaults when the plan sends nothing (``wait``, ``move_on``). A case's own
text assertion on a plan with no draft fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drafter.check.checker import CheckReport
from drafter.context import DealContext, Sender
from drafter.draft.pipeline import Draft
from drafter.eval.suite import MENTIONABLE, Assertion, AssertionSpec, Window
from drafter.loading import short
from drafter.plan.models import Plan


@dataclass(frozen=True)
class PromptInfo:
    """The rendered LLM prompt of a case, as far as the eval checks it."""

    tokens: int
    exact: bool  # False: an estimate (no tokenizer for the model)
    data_only_problems: tuple[str, ...] = ()  # untrusted text found outside the data block


@dataclass(frozen=True)
class Grade:
    """A judge model's verdict on a rubric."""

    score: float  # 0..1
    passed: bool
    reason: str
    model: str | None = None  # the judge


def rubric_key(a: Assertion) -> str:
    """Where an ``llm-rubric`` assertion's grade is kept in :attr:`Outcome.grades`:
    its rubric, after its judge model when it names one."""
    return a.value if a.model is None else f"{a.model}\n{a.value}"


@dataclass(frozen=True)
class Outcome:
    ctx: DealContext
    sender: Sender
    plan: Plan
    draft: Draft | None
    check: CheckReport | None
    live: bool = False
    prompt: PromptInfo | None = None
    prompt_unavailable: str = "the LLM prompt layer is not available"
    cost_usd: float | None = None
    grades: Mapping[str, Grade] = field(default_factory=dict)  # rubric_key -> grade


@dataclass(frozen=True)
class AssertionResult:
    type: str
    label: str
    value: Any
    weight: float
    passed: bool | None  # None: skipped
    detail: str
    from_defaults: bool

    def to_json(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, Window):
            value = {"from": _iso(value.from_), "to": _iso(value.to)}
        return {
            "type": self.type,
            "value": value,
            "weight": self.weight,
            "passed": self.passed,
            "skipped": self.passed is None,
            "detail": self.detail,
            "from_defaults": self.from_defaults,
        }


def _iso(day: Any) -> str | None:
    return None if day is None else str(day)


Raw = tuple[bool | None, str]
RUBRIC_THRESHOLD = 0.5  # an llm-rubric's score to pass, unless it sets its own


def grade(spec: AssertionSpec, out: Outcome) -> AssertionResult:
    a = spec.assertion
    if a.needs_draft and out.draft is None:
        what = f"no draft: the plan is {out.plan.technique}"
        passed, detail = (None, what) if spec.from_defaults else (False, what)
    else:
        passed, detail = _GRADERS[a.base](a, out)
        if passed is not None and a.negated:
            passed = not passed
    return AssertionResult(a.type, a.label(), a.value, a.weight, passed, detail, spec.from_defaults)


def score(results: list[AssertionResult]) -> float:
    """Weighted share of the graded assertions that passed (1.0 if none graded)."""
    total = sum(r.weight for r in results if r.passed is not None)
    if total == 0:
        return 1.0
    return sum(r.weight for r in results if r.passed) / total


# --- the graders: (raw pass before negation, detail) -------------------------


def _one_of(a: Assertion, got: str | None) -> Raw:
    return got in a.value, f"got {got or 'none'}"


def _technique(a: Assertion, out: Outcome) -> Raw:
    return _one_of(a, out.plan.technique)


def _channel(a: Assertion, out: Outcome) -> Raw:
    return _one_of(a, out.plan.channel.value if out.plan.channel else None)


def _send_on(a: Assertion, out: Outcome) -> Raw:
    window: Window = a.value
    return window.holds(out.plan.send_on), f"got {out.plan.send_on}"


def _then(a: Assertion, out: Outcome) -> Raw:
    first = out.plan.then[0].technique if out.plan.then else None
    return _one_of(a, first)


def text_of(draft: Draft, where: str) -> str:
    if where == "subject":
        return draft.subject or ""
    if where == "message":
        return f"{draft.subject}\n\n{draft.body}" if draft.subject else draft.body
    return draft.body


def _found(text: str, start: int, end: int) -> str:
    lo, hi = max(0, start - 20), min(end, start + 60) + 20
    return f"found at {start}: ...{text[lo:hi]}...".replace("\n", " ")


def _contains(a: Assertion, out: Outcome) -> Raw:
    assert out.draft is not None
    text = text_of(out.draft, a.field)
    at = text.find(a.value)
    return at >= 0, _found(text, at, at + len(a.value)) if at >= 0 else "not found"


def _icontains(a: Assertion, out: Outcome) -> Raw:
    assert out.draft is not None
    text = text_of(out.draft, a.field)
    at = text.casefold().find(a.value.casefold())
    return at >= 0, _found(text, at, at + len(a.value)) if at >= 0 else "not found"


def _regex(a: Assertion, out: Outcome) -> Raw:
    assert out.draft is not None
    text = text_of(out.draft, a.field)
    m = re.search(a.value, text)
    return m is not None, _found(text, m.start(), m.end()) if m else "no match"


def _max_words(a: Assertion, out: Outcome) -> Raw:
    assert out.check is not None
    words = out.check.stats.words
    return words <= a.value, f"{words} words"


def _max_seconds(a: Assertion, out: Outcome) -> Raw:
    assert out.check is not None
    seconds = out.check.stats.est_seconds
    return seconds <= a.value, f"~{seconds:g} s spoken"


def _tone_ok(a: Assertion, out: Outcome) -> Raw:
    assert out.check is not None
    errors = [v.rule for v in out.check.violations if v.severity == "error"]
    return out.check.ok, ("errors: " + ", ".join(errors)) if errors else "no error-level violation"


def _rule(a: Assertion, out: Outcome) -> Raw:
    assert out.check is not None
    hits = [
        v for v in out.check.violations if v.rule == a.value or v.rule.startswith(a.value + ":")
    ]
    if not hits:
        return False, f"{a.value} does not fire"
    v = hits[0]
    return True, f"{v.rule} fires ({v.severity}){': ' + repr(v.excerpt) if v.excerpt else ''}"


def _norm(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


def _needles(name: str, value: str) -> list[str]:
    """How a field's value may appear in a draft (templates tidy some of them)."""
    if name.endswith("phone"):
        digits = re.sub(r"\D", "", value)
        if value.strip().startswith("+1") and digits.startswith("1"):
            digits = digits[1:]
        return [digits] if digits else []
    text = _norm(value)
    text = re.sub(r"^to\s+", "", text).rstrip(" .")
    variants = [text]
    if re.search(r"\btheirs\b", text):
        variants.append(re.sub(r"\btheirs\b", "yours", text))
    return [v for v in variants if v]


def field_values(name: str, ctx: DealContext, sender: Sender) -> list[str]:
    """The values of a mentionable field (``deal.benefits[1]`` picks one)."""
    m = re.fullmatch(r"([a-z_]+)\.([a-z_]+)(?:\[(\d+)\])?", name)
    assert m is not None and f"{m[1]}.{m[2]}" in MENTIONABLE
    owner, key, index = m[1], m[2], m[3]
    if owner == "prospect" and key == "first_name":
        return [ctx.prospect.greeting_name]
    if owner == "sender" and key == "first_name":
        return [sender.first_name] if sender.first_name else []
    source = {"prospect": ctx.prospect, "sender": sender, "deal": ctx.deal}[owner]
    raw = getattr(source, key)
    values = [str(v) for v in raw] if isinstance(raw, list) else ([] if raw is None else [str(raw)])
    if index is not None:
        i = int(index)
        return values[i : i + 1]
    return values


def _mentions(a: Assertion, out: Outcome) -> Raw:
    assert out.draft is not None
    values = field_values(a.value, out.ctx, out.sender)
    if not values:
        return False, f"{a.value} is empty in the context"
    message = text_of(out.draft, "message")
    haystack = _norm(message)
    digits = re.sub(r"\D", "", message)
    for value in values:
        for needle in _needles(a.value, value):
            if needle in (digits if a.value.endswith("phone") else haystack):
                return True, f"mentions {short(value)}"
    shown = short(values[0]) if len(values) == 1 else "any of " + ", ".join(map(short, values))
    return False, f"does not mention {shown}"


def _max_prompt_tokens(a: Assertion, out: Outcome) -> Raw:
    if out.prompt is None:
        return None, f"skipped: {out.prompt_unavailable}"
    estimate = "" if out.prompt.exact else " (estimated)"
    return out.prompt.tokens <= a.value, f"{out.prompt.tokens} prompt tokens{estimate}"


def _prompt_data_only(a: Assertion, out: Outcome) -> Raw:
    if out.prompt is None:
        return None, f"skipped: {out.prompt_unavailable}"
    problems = out.prompt.data_only_problems
    if problems:
        return False, "; ".join(problems)
    return True, "untrusted text appears only inside the data block"


def _max_cost(a: Assertion, out: Outcome) -> Raw:
    if not out.live:
        return None, "skipped: offline drafts cost nothing (max-cost is checked live)"
    if out.cost_usd is None:
        return None, "skipped: no price known for this model"
    return out.cost_usd <= a.value, f"${out.cost_usd:.6f}"


def _llm_rubric(a: Assertion, out: Outcome) -> Raw:
    if not out.live:
        return None, "skipped: llm-rubric needs a judge model (live mode, --model)"
    found = out.grades.get(rubric_key(a))
    if found is None:
        return None, "skipped: the judge gave no grade (see the case's error)"
    wanted = a.threshold if a.threshold is not None else RUBRIC_THRESHOLD
    ok = found.score >= wanted
    judge = f" from {found.model}" if found.model else ""
    return ok, f"score {found.score:.2f} (needs {wanted:g}){judge}: {found.reason}"


_GRADERS: Mapping[str, Callable[[Assertion, Outcome], Raw]] = {
    "technique": _technique,
    "channel": _channel,
    "send-on": _send_on,
    "then": _then,
    "contains": _contains,
    "icontains": _icontains,
    "regex": _regex,
    "max-words": _max_words,
    "max-seconds": _max_seconds,
    "tone-ok": _tone_ok,
    "rule": _rule,
    "mentions": _mentions,
    "max-prompt-tokens": _max_prompt_tokens,
    "prompt-data-only": _prompt_data_only,
    "max-cost": _max_cost,
    "llm-rubric": _llm_rubric,
}
