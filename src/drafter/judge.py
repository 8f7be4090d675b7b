"""The LLM judge: a model's opinion of a message, one piece of code for two uses.

- ``drafter eval``'s ``llm-rubric`` assertion: :meth:`Judge.grade` scores a
  draft against a rubric written by the suite's author (0 to 1, with a reason).
- ``drafter check --judge``: :meth:`Judge.tone` asks, for each category of bad
  follow-up the semantic layer knows (``<playbook>/exemplars/*.yaml``), whether
  the message falls into it; :func:`judge_findings` turns each "yes" into a
  warning ``judge:<category>`` with the judge's reason as the explanation.

The prompts are data (``prompts/judge_rubric.j2``, ``prompts/judge_tone.j2``,
each with a ``system`` and a ``user`` block). The message under judgement and
the deal are untrusted: they reach the model only inside one ``<deal_data>``
JSON block, escaped by the drafting prompt's own
:func:`drafter.draft.llm.prompt.encode_data`, and the system message says that
text inside it is never instructions. The rubric and the category
definitions come from the suite and the playbook (the team's own files).

Requests go through :class:`drafter.draft.llm.client.LLMClient`, so the judge
has the drafting layer's structured output with its fallbacks, retries, error
mapping, redaction and response cache (a re-run with unchanged prompts and
drafts asks nothing). A reply that cannot be read is re-asked once (the
``problem`` path of ``prompts/repair.j2``); when that fails too, both replies
are dropped from the cache and :class:`JudgeError` says why. No ``openai``
import here: the client imports it when a request is made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.draft.models import Usage
from drafter.errors import LLMError

if TYPE_CHECKING:
    from drafter.check.checker import CheckReport, Violation
    from drafter.check.semantic import Bank
    from drafter.draft.llm.client import LLMClient, Reply, Schema
    from drafter.runtime import Runtime
    from drafter.settings import CheckSettings

RUBRIC_PROMPT = "judge_rubric.j2"
TONE_PROMPT = "judge_tone.j2"
RULE_PREFIX = "judge"  # findings are judge:<category>
SEVERITY = "warning"  # an opinion: it never fails a check on its own
EXAMPLES_SHOWN = 3  # of each bank, in the tone prompt

RUBRIC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "description": "One or two sentences: why this score."},
        "score": {
            "type": "number",
            "description": "0 (fails the rubric entirely) to 1 (meets it fully).",
        },
    },
    "required": ["reason", "score"],
    "additionalProperties": False,
}

_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")


class JudgeError(LLMError):
    """The judge gave no usable answer (or could not be reached)."""


def tone_schema(categories: Sequence[str]) -> dict[str, Any]:
    """One answer per category: its reason, the passage, then yes or no."""
    answer = {
        "type": "object",
        "properties": {
            "reason": {"type": "string", "description": "One sentence: why yes or why no."},
            "quote": {
                "type": "string",
                "description": "Yes: the shortest passage of the message that shows it. No: empty.",
            },
            "answer": {"type": "string", "enum": ["yes", "no"]},
        },
        "required": ["reason", "quote", "answer"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {c: answer for c in categories},
        "required": list(categories),
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class Grade:
    """A rubric's score (0..1) and the judge's reason."""

    score: float
    reason: str
    usage: Usage


@dataclass(frozen=True)
class ToneVerdict:
    category: str
    yes: bool
    reason: str
    quote: str


# --- the prompts: pure --------------------------------------------------------


def rubric_messages(
    prompts_dir: Path,
    rubric: str,
    draft: Mapping[str, Any],
    deal: Mapping[str, Any] | None = None,
) -> list[dict[str, str]]:
    """The judge's request for one rubric: ``draft`` (channel, technique,
    subject, body) and ``deal`` (the drafting prompt's deal data) go into the
    data block; the rubric, written by the suite's author, into the instructions."""
    from drafter.draft.llm.prompt import encode_data, render_messages

    data: dict[str, Any] = {"draft": dict(draft)}
    if deal is not None:
        data["deal"] = dict(deal)
    values = {"rubric": rubric, "data": encode_data(data)}
    return render_messages(prompts_dir, RUBRIC_PROMPT, values)


def tone_messages(
    prompts_dir: Path,
    banks: Sequence[Bank],
    *,
    body: str,
    subject: str | None = None,
    channel: str | None = None,
    technique: str | None = None,
) -> list[dict[str, str]]:
    """The judge's request for one message and the playbook's bad categories."""
    from drafter.draft.llm.prompt import encode_data, render_messages

    categories = [
        {
            "id": b.category,
            "reads_like": b.reads_like,
            "examples": b.examples[:EXAMPLES_SHOWN],
        }
        for b in banks
    ]
    data = {
        "message": {"subject": subject, "body": body},
        "channel": channel,
        "technique": technique,
    }
    values = {"categories": categories, "data": encode_data(data)}
    return render_messages(prompts_dir, TONE_PROMPT, values)


# --- reading replies: pure ----------------------------------------------------


def _json_object(content: str) -> dict[str, Any]:
    text = _FENCE.sub("", content.strip()).strip()
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        raise ValueError("the reply is not a JSON object")
    try:
        data = json.loads(text[start : end + 1])
    except ValueError:
        raise ValueError("the reply is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError("the reply is not a JSON object")
    return data


def _reason(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} has no reason")
    return " ".join(value.split())


def parse_grade(content: str) -> tuple[float, str]:
    """(score, reason) from a rubric reply; ValueError saying what is wrong."""
    data = _json_object(content)
    score = data.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise ValueError("the reply has no numeric score")
    if not 0 <= score <= 1:
        raise ValueError(f"the score {score!r} is not between 0 and 1")
    return float(score), _reason(data.get("reason"), "the reply")


def parse_tone(content: str, categories: Sequence[str]) -> list[ToneVerdict]:
    """One verdict per category, in ``categories``' order; ValueError otherwise."""
    data = _json_object(content)
    verdicts = []
    for category in categories:
        item = data.get(category)
        if not isinstance(item, dict):
            raise ValueError(f"the reply has no answer for {category}")
        answer = item.get("answer")
        if answer not in ("yes", "no"):
            raise ValueError(f"the answer for {category} is not yes or no")
        quote = item.get("quote")
        verdicts.append(
            ToneVerdict(
                category=category,
                yes=answer == "yes",
                reason=_reason(item.get("reason"), f"the answer for {category}"),
                quote=quote.strip() if isinstance(quote, str) else "",
            )
        )
    return verdicts


# --- asking -------------------------------------------------------------------


class Judge:
    """One judge model, through the LLM client (and its cache)."""

    def __init__(self, client: LLMClient, prompts_dir: Path) -> None:
        self.client = client
        self.prompts_dir = prompts_dir

    @property
    def model(self) -> str:
        return self.client.model

    def usage(self, reply: Reply) -> Usage:
        from drafter.draft.llm.cost import estimate_cost

        cost = estimate_cost(
            self.model,
            reply.prompt_tokens,
            reply.completion_tokens,
            self.client.settings.llm.prices,
        )
        return Usage(
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            cost_usd=cost,
            cached=reply.cached,
        )

    def estimate(self, messages: Sequence[dict[str, str]]) -> float | None:
        """A request's cost before it is sent: its prompt plus a full reply."""
        from drafter.draft.llm.cost import estimate_cost
        from drafter.draft.llm.tokens import count_messages

        tokens, _ = count_messages(messages, self.model)
        llm = self.client.settings.llm
        return estimate_cost(self.model, tokens, llm.max_output_tokens, llm.prices)

    async def ask(
        self, messages: list[dict[str, str]], schema: Schema, read: Any
    ) -> tuple[Any, Usage]:
        """``read(content)`` of the judge's reply; one re-ask if it cannot be read."""
        from drafter.draft.base import Attempt
        from drafter.draft.llm.prompt import repair_messages

        asked = [messages]
        reply = await self.client.complete(messages, schema)
        usage = self.usage(reply)
        try:
            return read(reply.content), usage
        except ValueError as exc:
            problem = str(exc)
        retry = repair_messages(
            messages, [Attempt(None, None, raw=reply.content, problem=problem)], self.prompts_dir
        )
        asked.append(retry)
        reply = await self.client.complete(retry, schema)
        usage = usage + self.usage(reply)
        try:
            return read(reply.content), usage
        except ValueError as exc:
            for sent in asked:  # ask afresh next time rather than replay a bad reply
                self.client.forget(sent, schema)
            raise JudgeError(
                f"the judge ({self.model}) gave no usable answer twice: {exc}",
                attempts=2,
                last_reply=reply.content,
            ) from None

    async def grade(
        self, rubric: str, draft: Mapping[str, Any], deal: Mapping[str, Any] | None = None
    ) -> Grade:
        messages = rubric_messages(self.prompts_dir, rubric, draft, deal)
        (score, reason), usage = await self.ask(messages, ("grade", RUBRIC_SCHEMA), parse_grade)
        return Grade(score, reason, usage)

    async def tone(
        self,
        banks: Sequence[Bank],
        *,
        body: str,
        subject: str | None = None,
        channel: str | None = None,
        technique: str | None = None,
    ) -> tuple[list[ToneVerdict], Usage]:
        """A verdict per bank, in one request."""
        names = [b.category for b in banks]
        messages = tone_messages(
            self.prompts_dir,
            banks,
            body=body,
            subject=subject,
            channel=channel,
            technique=technique,
        )

        def read(content: str) -> list[ToneVerdict]:
            return parse_tone(content, names)

        verdicts: list[ToneVerdict]
        verdicts, usage = await self.ask(messages, ("tone", tone_schema(names)), read)
        return verdicts, usage


# --- check --judge ------------------------------------------------------------


def judged_banks(
    banks: Sequence[Bank], technique: str | None, settings: CheckSettings
) -> list[Bank]:
    """The bad categories to ask about: those that apply to the technique (as in
    the semantic layer), unless switched off (``judge`` or ``judge:<category>``)."""
    out = []
    for b in banks:
        rule = f"{RULE_PREFIX}:{b.category}"
        off = any(rule == d or rule.startswith(d + ":") for d in settings.disable)
        if b.kind == "bad" and technique not in b.not_for and not off:
            out.append(b)
    return out


def _locate(quote: str, body: str, subject: str | None) -> tuple[str, int, int]:
    """(field, start, end) of the judge's quote, or the whole body (0, 0)."""
    if quote:
        for field, text in (("body", body), ("subject", subject or "")):
            at = text.find(quote)
            if at < 0 and len(text.casefold()) == len(text):  # offsets stay valid
                at = text.casefold().find(quote.casefold())
            if at >= 0:
                return field, at, at + len(quote)
    return "body", 0, 0


def judge_findings(
    verdicts: Sequence[ToneVerdict],
    banks: Sequence[Bank],
    *,
    body: str,
    subject: str | None,
    model: str,
) -> list[Violation]:
    """A warning ``judge:<category>`` for each "yes", at the judge's quote when
    it is found in the message, with the judge's reason as the explanation."""
    from drafter.check.checker import Violation

    by_name = {b.category: b for b in banks}
    found = []
    for v in verdicts:
        if not v.yes:
            continue
        bank = by_name[v.category]
        field, start, end = _locate(v.quote, body, subject)
        text = (subject or "") if field == "subject" else body
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        found.append(
            Violation(
                rule=f"{RULE_PREFIX}:{v.category}",
                severity=SEVERITY,
                message=f"The judge ({model}) reads this as {bank.reads_like}: {v.reason}",
                start=start,
                end=end,
                excerpt=text[start:end],
                suggestion=bank.suggestion,
                field="subject" if field == "subject" else "body",
                line=line,
                column=column,
            )
        )
    return found


def with_findings(report: CheckReport, extra: Sequence[Violation]) -> CheckReport:
    """The report with ``extra`` violations added in the checker's order."""
    from drafter.check.checker import CheckReport as Report
    from drafter.check.rules import LEVEL_RANK

    violations = [*report.violations, *extra]
    violations.sort(key=lambda v: (v.field != "subject", v.start, -LEVEL_RANK[v.severity]))
    ok = not any(v.severity == "error" for v in violations)
    return Report(ok=ok, violations=violations, stats=report.stats)


def judge_check(
    report: CheckReport,
    runtime: Runtime,
    *,
    body: str,
    subject: str | None,
    channel: str | None,
    technique: str | None,
    settings: CheckSettings,
) -> tuple[CheckReport, Usage | None]:
    """``drafter check --judge``: the report with the judge's findings added, and
    what the judge cost (None when nothing was asked: every category switched
    off, or warnings hidden by ``min_level``)."""
    import asyncio

    from drafter.check.rules import LEVEL_RANK
    from drafter.check.semantic import read_banks

    if LEVEL_RANK[SEVERITY] < LEVEL_RANK[settings.min_level]:
        return report, None
    banks = judged_banks(read_banks(runtime.playbook.path), technique, settings)
    if not banks:
        return report, None
    judge = runtime.judge()
    verdicts, usage = asyncio.run(
        judge.tone(banks, body=body, subject=subject, channel=channel, technique=technique)
    )
    found = judge_findings(verdicts, banks, body=body, subject=subject, model=judge.model)
    return with_findings(report, found), usage
