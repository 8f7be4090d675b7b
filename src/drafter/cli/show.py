"""Human-readable output for the terminal (plain text, no colour needed)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from drafter.draft.pipeline import Draft, DraftResult
from drafter.plan.models import Plan
from drafter.playbook import Move, Playbook, Technique

if TYPE_CHECKING:
    from drafter.contextfile import Logged
    from drafter.draft.models import Usage

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


def plan_text(plan: Plan, *, alternatives: bool = True) -> str:
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
        lines.append(_wrap(f"Source: “{plan.source_title or plan.source}”"))
    for note in plan.notes:
        lines.append(_wrap(f"Note: {note}"))
    if plan.then:
        lines += ["", "Then, if there is no reply:"]
        for step in plan.then:
            via = f" by {step.channel.value}" if step.channel else ""
            lines.append(f"  {step.send_on:%a %d %b %Y}  {step.technique}{via}")
    if plan.alternatives and alternatives:
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
    assert draft.usage is not None
    return usage_text(draft.usage, draft.attempts)


def usage_text(usage: Usage, requests: int | None = None) -> str:
    """What some requests took: 'Tokens: 812 in, 164 out; cost $0.00022', then
    '; 2 requests' when their number is given."""
    count = "" if requests is None else f"; {_requests(requests)}"
    if usage.cached:
        return f"Tokens: none spent (from the cache){count}"
    cost = "no price known" if usage.cost_usd is None else f"cost ${usage.cost_usd:.5f}"
    return f"Tokens: {usage.prompt_tokens} in, {usage.completion_tokens} out; {cost}{count}"


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


# --- the playbook ------------------------------------------------------------

_MOVE_LEVELS = {"error": "", "warning": " (recommended)", "suggestion": " (optional)"}


def _bullets(items: list[str]) -> list[str]:
    return [
        textwrap.fill(item, WIDTH, initial_indent="  - ", subsequent_indent="    ")
        for item in items
    ]


def _move(move: Move) -> str:
    only = f" ({', '.join(c.value for c in move.channels)} only)" if move.channels else ""
    return f"{move.text}{only}{_MOVE_LEVELS[move.level]}"


def _rate_line(technique: Technique, book: Playbook) -> str:
    title = book.source_title(technique.source)
    cited = book.cite(technique.reported_response_rate_source or "")
    if technique.reported_response_rate is None:
        figure = "Reported response rate: none given"
        return f"{figure}. {cited}" if cited else f"{figure}."
    figure = f"Reported response rate: {technique.reported_response_rate:.0%}"
    if cited:
        return f"{figure}. {cited}"
    return f"{figure}, from “{title}”." if title else f"{figure}."


def _own_source_dropped(note: str, title: str) -> str:
    """A note under "Source: “title”" need not start by citing the same title."""
    cited = f"“{title}”"
    if not note.startswith(cited):
        return note
    rest = note[len(cited) :].lstrip(" ,:")
    return rest[:1].upper() + rest[1:] if rest else note


def technique_text(technique: Technique, book: Playbook) -> str:
    """One technique for people: what ``drafter playbook show ID`` prints."""
    t = technique
    lines = [f"{t.name} ({t.id})"]
    if t.closing:
        lines.append(
            _wrap(
                "A closing message: once it goes unanswered, the plan is move_on, never "
                "another touch."
            )
        )
    lines += ["", "What it is for:", _wrap(" ".join(t.summary.split()))]
    lines += ["", "When it applies:", _wrap(book.cite(" ".join(t.applies_when.split())))]
    if t.when:
        lines.append(
            "  The planner picks it when:"
            if len(t.when) == 1
            else ("  The planner picks it when any of these holds:")
        )
        lines += _bullets([book.cite(group.explained()) for group in t.when])
        lines.append(_wrap(f"It is tried at priority {t.priority} (lower numbers first)."))
    if t.min_days_between_touches is not None:
        lines.append(
            _wrap(
                f"At least {t.min_days_between_touches} day"
                f"{'s' if t.min_days_between_touches != 1 else ''} after the last touch."
            )
        )
    if t.channels:
        lines += ["", f"Channels: {', '.join(c.value for c in t.channels)}"]
    else:
        lines += ["", "Channels: none (it sends no message)"]
    if t.moves:
        lines += ["", "The message must:", *_bullets([_move(m) for m in t.moves])]
    if t.tone:
        lines += ["", "Tone:", *_bullets([book.cite(x) for x in t.tone])]
    if t.avoid:
        lines += ["", "Avoid:", *_bullets([book.cite(x) for x in t.avoid])]
    lines += ["", _wrap(_rate_line(t, book), "")]
    title = book.source_title(t.source)
    if title:
        lines += ["", f"Source: “{title}”"]
        if t.source_note:
            lines.append(
                _wrap(_own_source_dropped(book.cite(" ".join(t.source_note.split())), title))
            )
    if t.gap_notes:
        lines += ["", "Where the article is silent, drafter's own rule:"]
        lines += _bullets([book.cite(" ".join(n.split())) for n in t.gap_notes])
    return "\n".join(lines)


def playbook_list_text(book: Playbook) -> str:
    """The techniques in priority order: what ``drafter playbook list`` prints."""
    lines = []
    for t in book.ordered:
        rate = f"{t.reported_response_rate:.0%}" if t.reported_response_rate is not None else "-"
        channels = ", ".join(c.value for c in t.channels) or "(no message)"
        closing = "; closing" if t.closing else ""
        title = book.source_title(t.source)
        lines.append(f"{t.id:<22} {rate:>4}  {t.name}")
        lines.append(f"{'':<29}{channels}{closing}")
        if title:
            lines.append(f"{'':<29}from “{title}”")
    return "\n".join(lines)


def logged_text(logged: Logged, path: str) -> str:
    """What ``drafter log`` recorded, and the plan now."""
    touch = logged.decision.touch
    what = "from them" if touch.direction.value == "in" else "out"
    technique = f", technique {touch.technique}" if touch.technique else ""
    lines = [
        f"Recorded in {path}:",
        _wrap(
            f"{touch.channel.value} {what} on {touch.date:%a %d %b %Y}{technique} "
            f"({logged.decision.source})."
        ),
    ]
    if logged.converted:
        lines.append(
            _wrap(
                "The history was a CRM summary: it is now one line per touch (the dates "
                "between the first and last attempt, and their channels, are estimates).",
                "",
            )
        )
    lines += ["", f"The plan now ({logged.today:%a %d %b %Y}):", ""]
    lines.append(plan_text(logged.plan, alternatives=False))
    return "\n".join(lines)
