"""Human-readable output for the terminal (plain text, no colour needed)."""

from __future__ import annotations

import textwrap

from drafter.draft.pipeline import Draft, DraftResult
from drafter.plan.models import Plan

WIDTH = 88
SHOWN_ALTERNATIVES = 4  # --json lists them all
_VERBS = {
    "call": "Call",
    "voicemail": "Call and leave this voicemail",
    "email": "Email",
    "text": "Text",
    "letter": "Mail this letter",
    "linkedin": "Message on LinkedIn",
    "meeting": "Meet in person",
}


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def _rate(plan: Plan) -> str:
    if plan.reported_response_rate is None:
        return ""
    return f"  [reported response rate {plan.reported_response_rate:.0%}]"


def plan_text(plan: Plan) -> str:
    lines = [f"{plan.name} ({plan.technique}){_rate(plan)}"]
    if plan.technique == "move_on":
        lines.append(f"  Stop here: send nothing more. (as of {plan.send_on:%a %d %b %Y})")
    elif plan.technique == "wait" and plan.then:
        lines.append(f"  Send nothing now. Next step on {plan.send_on:%a %d %b %Y}.")
    elif plan.technique == "wait":
        lines.append("  No playbook message fits yet: see why below.")
    else:
        when = f"{plan.send_on:%a %d %b %Y}" + (f", {plan.send_at}" if plan.send_at else "")
        verb = _VERBS.get(plan.channel.value if plan.channel else "", "Send")
        lines.append(f"  {verb} on {when}.")
    lines.append("")
    lines.append("Why:")
    lines.append(_wrap(plan.rationale))
    if plan.source:
        lines.append(_wrap(f"Source: {plan.source}"))
    for note in plan.notes:
        lines.append(_wrap(f"Note: {note}"))
    if plan.then:
        lines += ["", "Then, if there is no reply:"]
        for step in plan.then:
            via = f" by {step.channel.value}" if step.channel else ""
            lines.append(f"  {step.send_on:%a %d %b %Y}  {step.technique}{via}")
    if plan.alternatives:
        lines += ["", "Not chosen (the nearest):"]
        for alt in plan.alternatives[:SHOWN_ALTERNATIVES]:
            lines.append(
                textwrap.fill(
                    f"- {alt.technique}: {alt.why}",
                    WIDTH,
                    initial_indent="  ",
                    subsequent_indent="    ",
                )
            )
    return "\n".join(lines)


def draft_text(draft: Draft) -> str:
    rule = "-" * 60
    head = f"Draft ({draft.channel.value}, {draft.provider}"
    head += f", {draft.model})" if draft.model else ")"
    parts = [head, rule]
    if draft.subject is not None:
        parts += [f"Subject: {draft.subject}", ""]
    parts += [draft.body, rule]
    if draft.usage is not None:
        parts.append(usage_line(draft))
    return "\n".join(parts)


def usage_line(draft: Draft) -> str:
    """'Tokens: 812 in, 164 out; cost $0.00022; 2 requests' (or 'from the cache')."""
    usage = draft.usage
    assert usage is not None
    if usage.cached:
        return f"Tokens: none spent (from the cache); {_requests(draft.attempts)}"
    cost = "no price known" if usage.cost_usd is None else f"cost ${usage.cost_usd:.5f}"
    return (
        f"Tokens: {usage.prompt_tokens} in, {usage.completion_tokens} out; {cost}; "
        f"{_requests(draft.attempts)}"
    )


def _requests(n: int) -> str:
    return f"{n} request{'s' if n != 1 else ''}"


def draft_result_text(result: DraftResult) -> str:
    from drafter.check.checker import format_report

    parts = [plan_text(result.plan)]
    if result.draft is not None:
        parts.append(draft_text(result.draft))
    if result.check is not None:
        parts.append(format_report(result.check, "draft"))
    parts += [_wrap(f"Note: {note}", "") for note in result.notes]
    return "\n\n".join(parts)


def quiet_text(result: DraftResult) -> tuple[str, str]:
    """``draft -q``: the message alone for stdout (subject, blank line, body),
    and one line for stderr when there is nothing to send or the check fails."""
    from drafter.check.checker import format_report

    if result.draft is None:
        plan = result.plan
        when = "" if plan.technique == "move_on" else f" (next step on {plan.send_on})"
        return "", f"drafter: nothing to send: the plan is {plan.technique}{when}"
    draft = result.draft
    message = draft.body if draft.subject is None else f"Subject: {draft.subject}\n\n{draft.body}"
    aside = ""
    if result.check is not None and not result.check.ok:
        aside = format_report(result.check, "draft").splitlines()[-1]
    return message, aside
