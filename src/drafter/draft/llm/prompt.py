"""The prompt layer: chat messages for one draft, rendered from ``prompts/``.

Pure functions of their inputs. Untrusted text (anything from the deal
context, a CSV row or the prospect) only ever enters :func:`deal_data`, which
the user message carries as one JSON block; the system message is built from
the playbook and the rule files alone.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2.sandbox import SandboxedEnvironment

from drafter.context import Channel, DealContext
from drafter.draft.base import Attempt, DraftRequest
from drafter.draft.facts import history_facts
from drafter.draft.llm.tokens import count_messages
from drafter.errors import PlaybookError
from drafter.money import format_amount
from drafter.perspective import said_to_them
from drafter.plan.engagement import summarise
from drafter.playbook import Technique
from drafter.templating import strict_environment

if TYPE_CHECKING:
    from drafter.check.rules import RuleSet

DATA_OPEN = "<deal_data>"
DATA_CLOSE = "</deal_data>"

_CHANNEL_LABEL = {
    Channel.email: "email (with a subject line)",
    Channel.voicemail: (
        "voicemail script (spoken: short sentences, the callback number said slowly)"
    ),
    Channel.call: "call script (what to say when they pick up, spoken)",
    Channel.text: "text message (SMS: short, no subject)",
    Channel.linkedin: "LinkedIn message (short, no subject)",
    Channel.letter: "letter (printed and posted, with its reply card where the technique has one)",
    Channel.meeting: "visit brief (how to propose meeting in person, and what to say there)",
}
_LEVELS = ("error",)  # warnings cost tokens and never trigger a repair
_SKIPPED_TYPES = ("length", "readability", "move")
_LAST_TOUCHES = 6  # touches kept in full before the budget trims older ones
_NOTES_TRIMMED = 400


@functools.cache
def prompt_environment(prompts_dir: Path) -> SandboxedEnvironment:
    return strict_environment(prompts_dir)


def render_prompt(prompts_dir: Path, name: str, values: dict[str, Any]) -> str:
    import jinja2

    try:
        return prompt_environment(prompts_dir).get_template(name).render(values).strip()
    except jinja2.TemplateNotFound:
        raise PlaybookError("prompt template not found", path=prompts_dir / name) from None
    except jinja2.TemplateSyntaxError as exc:
        raise PlaybookError(
            f"prompt syntax error at line {exc.lineno}: {exc.message}", path=prompts_dir / name
        ) from None
    except jinja2.TemplateError as exc:
        raise PlaybookError(f"prompt error: {exc}", path=prompts_dir / name) from None


def render_messages(prompts_dir: Path, name: str, values: dict[str, Any]) -> list[dict[str, str]]:
    """A prompt file holding a ``{% block system %}`` and a ``{% block user %}``
    (the judge's prompts), rendered as the two chat messages."""
    import jinja2

    path = prompts_dir / name
    try:
        template = prompt_environment(prompts_dir).get_template(name)
        messages = []
        for role in ("system", "user"):
            block = template.blocks.get(role)
            if block is None:
                raise PlaybookError(f"the prompt has no {{% block {role} %}}", path=path)
            text = "".join(block(template.new_context(values))).strip()
            messages.append({"role": role, "content": text})
        return messages
    except jinja2.TemplateNotFound:
        raise PlaybookError("prompt template not found", path=path) from None
    except jinja2.TemplateSyntaxError as exc:
        raise PlaybookError(
            f"prompt syntax error at line {exc.lineno}: {exc.message}", path=path
        ) from None
    except jinja2.TemplateError as exc:
        raise PlaybookError(f"prompt error: {exc}", path=path) from None


# --- the system message: playbook and rules only -----------------------------


def rule_lines(rules: RuleSet, channel: Channel, technique: str) -> list[str]:
    """The error-level tone rules that apply, by name, generated from the rule
    files (a failed check sends their full message and suggestion back)."""
    names = []
    for rule in rules.rules:
        if rule.type in _SKIPPED_TYPES or rule.level not in _LEVELS:
            continue
        if rule.applies(channel, technique):
            names.append(rule.id.replace("-", " "))
    return names


def length_line(rules: RuleSet, channel: Channel, technique: str) -> str:
    limits = []
    for rule in rules.rules:
        if rule.type != "length" or not rule.applies(channel, technique):
            continue
        limit = getattr(rule, "max", None)
        metric = getattr(rule, "metric", "")
        if limit is not None and getattr(rule, "until", None) is None:
            limits.append((limit, metric))
    if not limits:
        return "as short as the moves allow."
    words = [v for v, m in limits if m == "words"]
    seconds = [v for v, m in limits if m == "seconds"]
    if seconds:
        return f"under {min(seconds):g} seconds when spoken (about 150 words a minute)."
    if words:
        return f"under {min(words):g} words."
    return f"under {min(v for v, _ in limits):g} characters."


def system_values(
    technique: Technique, channel: Channel, rules: RuleSet, *, has_voice: bool
) -> dict[str, Any]:
    return {
        "technique": technique.model_dump(),
        "moves": [m.text for m in technique.moves if m.applies_to(channel)],
        "channel_label": _CHANNEL_LABEL[channel],
        "rules": rule_lines(rules, channel, technique.id),
        "length": length_line(rules, channel, technique.id),
        "subject_rule": "a short subject line" if channel is Channel.email else "null",
        "has_voice": has_voice,
    }


# The system prompt of each (technique, channel) a process has rendered: the
# same for every row that shares them (a batch renders it once, not per row).
_SYSTEMS: dict[tuple[int, int, Path, Channel, bool], tuple[Technique, RuleSet, str]] = {}
_SYSTEMS_KEPT = 256


def system_prompt(
    technique: Technique, channel: Channel, rules: RuleSet, prompts_dir: Path, *, has_voice: bool
) -> str:
    """``system.j2`` rendered for ``technique`` on ``channel``. Remembered by
    the identity of the technique and the rules (loaded once per run, never
    changed): an entry holds them, so an id is never reused while it is kept."""
    key = (id(technique), id(rules), prompts_dir, channel, has_voice)
    kept = _SYSTEMS.get(key)
    if kept is not None and kept[0] is technique and kept[1] is rules:
        return kept[2]
    text = render_prompt(
        prompts_dir, "system.j2", system_values(technique, channel, rules, has_voice=has_voice)
    )
    if len(_SYSTEMS) >= _SYSTEMS_KEPT:
        _SYSTEMS.clear()
    _SYSTEMS[key] = (technique, rules, text)
    return text


# --- the data block: everything untrusted ------------------------------------


_STATED = (
    "attempts",
    "means",
    "by_channel",
    "messages_left",
    "first_on_this_means",
    "first_attempt",
    "last_attempt",
    "last_reply",
)


def history_said(request: DraftRequest) -> dict[str, Any]:
    """The history's facts for the prompt: the same dict the offline templates
    choose their words from (:func:`drafter.draft.facts.history_facts`), zero
    counts left out, plus the touches themselves when the history lists them."""
    facts = history_facts(request.ctx, request.channel, request.send_on)
    said: dict[str, Any] = {k: facts[k] for k in _STATED}
    said["unanswered_attempts"] = said.pop("attempts")
    if said["by_channel"] is not None:
        said["by_channel"] = {k: v for k, v in said["by_channel"].items() if v}
    else:
        said["by_channel"] = "not recorded (a CRM summary)"
    history = request.ctx.history
    if isinstance(history, list):
        said["touches"] = [
            f"{t.date} {'from us' if t.direction.value == 'out' else 'from them'} "
            f"by {t.channel.value}"
            + (f" ({t.technique})" if t.technique else "")
            + (" (a live brush-off: they put us off)" if t.outcome == "deferred" else "")
            for t in history
        ]
    if summarise(request.ctx).last_reply_deferred:
        said["last_answer"] = 'a live brush-off: they picked up but put us off ("call me back")'
    return said


def _deal_said(ctx: DealContext) -> dict[str, Any]:
    """The deal, its free text said to the prospect as the templates say it
    (:func:`drafter.perspective.said_to_them`); text that cannot be is left out."""
    d, p = ctx.deal, ctx.prospect
    deal = d.model_dump(mode="json", exclude_none=True)
    if d.value is not None:
        # As the templates say it ("USD 2.4 million"), not the bare float
        # (2400000.0), which a model may copy into the message as is.
        deal["value"] = format_amount(d.value, d.currency)
    for key in ("agreed_next_step", "news"):
        if key in deal:
            said = said_to_them(deal[key], p).text
            if said is None:
                del deal[key]
            else:
                deal[key] = said
    benefits = [said_to_them(b, p).text for b in d.benefits]
    if d.benefits:
        deal["benefits"] = [b for b in benefits if b is not None]
    return deal


def deal_data(
    request: DraftRequest, reference: tuple[str | None, str] | None, voice: str | None
) -> dict[str, Any]:
    ctx = request.ctx
    p, s = ctx.prospect, request.sender
    # Contact details the message never needs stay out: fewer tokens, less exposure.
    unused = {"email", "phone"}
    if request.channel is not Channel.letter:
        unused.add("mailing_address")
    prospect = p.model_dump(mode="json", exclude_none=True, exclude=unused)
    data: dict[str, Any] = {
        "prospect": prospect | {"first_name": p.greeting_name},
        "sender": s.model_dump(mode="json", exclude_none=True),
        "deal": _deal_said(ctx),
        "history": history_said(request),
        "send_on": f"{request.send_on:%A} {request.send_on.isoformat()}",
    }
    if reference is not None:
        data["reference_draft"] = {"subject": reference[0], "body": reference[1]}
    if voice:
        data["voice_sample"] = voice
    return data


def encode_data(data: dict[str, Any]) -> str:
    """JSON with ``<`` and ``>`` escaped: no field can close the block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


# Trims, least important first: each returns False when it has nothing left to cut.
def _older_touches(data: dict[str, Any]) -> bool:
    touches = data["history"].get("touches")
    if not touches or len(touches) <= 2:
        return False
    keep = min(len(touches) - 1, _LAST_TOUCHES)
    data["history"]["touches"] = touches[-keep:]
    data["history"]["older_touches_left_out"] = True
    return True


def _long_notes(data: dict[str, Any]) -> bool:
    notes = data["deal"].get("notes")
    if not notes or len(notes) <= _NOTES_TRIMMED:
        return False
    data["deal"]["notes"] = notes[:_NOTES_TRIMMED] + " [notes cut to fit]"
    return True


def _drop(path: tuple[str, ...]) -> Callable[[dict[str, Any]], bool]:
    def trim(data: dict[str, Any]) -> bool:
        holder = data
        for part in path[:-1]:
            holder = holder.get(part) or {}
        return holder.pop(path[-1], None) is not None

    return trim


TRIMS: tuple[Callable[[dict[str, Any]], bool], ...] = (
    _older_touches,
    _long_notes,
    _drop(("voice_sample",)),
    _drop(("deal", "news")),
    _drop(("deal", "notes")),
    _drop(("reference_draft",)),
)


def build_messages(
    request: DraftRequest,
    *,
    technique: Technique,
    rules: RuleSet,
    prompts_dir: Path,
    model: str,
    budget: int,
    reference: tuple[str | None, str] | None = None,
    voice: str | None = None,
) -> tuple[list[dict[str, str]], int, bool]:
    """(messages, prompt tokens, exact count) for a first request, trimmed to ``budget``."""
    system = system_prompt(technique, request.channel, rules, prompts_dir, has_voice=bool(voice))
    data = deal_data(request, reference, voice)
    label = _CHANNEL_LABEL[request.channel]
    trims = iter(TRIMS)
    while True:
        user = render_prompt(
            prompts_dir, "user.j2", {"data": encode_data(data), "channel_label": label}
        )
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        tokens, exact = count_messages(messages, model)
        if tokens <= budget:
            return messages, tokens, exact
        if not _trim_once(trims, data):
            return messages, tokens, exact  # the floor: the request says what it must


def _trim_once(trims: Any, data: dict[str, Any]) -> bool:
    return any(trim(data) for trim in trims)


def repair_messages(
    first: Sequence[dict[str, str]], previous: Sequence[Attempt], prompts_dir: Path
) -> list[dict[str, str]]:
    """The first request, then each failed attempt and the re-ask about it."""
    messages = list(first)
    for attempt in previous:
        if attempt.raw is not None:
            messages.append({"role": "assistant", "content": attempt.raw})
        if attempt.check is None:
            values = {
                "problem": attempt.problem or "it was not the JSON object asked for",
                "findings": "",
            }
        else:
            findings = [
                {
                    "rule": v.rule,
                    "severity": v.severity,
                    "message": v.message,
                    "excerpt": v.excerpt,
                    "suggestion": v.suggestion,
                }
                for v in attempt.check.violations
                if v.severity == "error"
            ]
            values = {"problem": "", "findings": encode_data({"findings": findings})}
        messages.append(
            {"role": "user", "content": render_prompt(prompts_dir, "repair.j2", values)}
        )
    return messages
