"""The rendered LLM prompt of a case, as the eval checks it: its token count,
and whether untrusted context text stays inside the prompt's data block.

Rendered with the LLM layer's own :func:`build_messages` (the prompts folder,
the token budget and the offline draft as its reference), so offline runs
measure exactly what a live run would send first. No network; no ``openai``.
"""

from __future__ import annotations

from drafter.context import DealContext
from drafter.draft.base import DraftRequest
from drafter.draft.models import Draft
from drafter.eval.assertions import PromptInfo
from drafter.plan.models import Plan
from drafter.runtime import Runtime

MIN_CHUNK = 12  # shorter untrusted strings may occur in the instructions by chance


def untrusted_chunks(ctx: DealContext) -> list[str]:
    """Free text from the context, line by line, long enough to be telling."""
    d, p = ctx.deal, ctx.prospect
    texts = [d.notes, d.agreed_next_step, d.news, *d.benefits, p.best_time, p.mailing_address]
    chunks = []
    for text in texts:
        for line in (text or "").splitlines():
            line = line.strip()
            if len(line) >= MIN_CHUNK:
                chunks.append(line)
    return chunks


def outside_data_block(messages: list[dict[str, str]]) -> tuple[str, int]:
    """Every message's text with the data block cut out, and how many blocks there were."""
    from drafter.draft.llm.prompt import DATA_CLOSE, DATA_OPEN

    outside, blocks = [], 0
    for message in messages:
        text = message["content"]
        while DATA_OPEN in text and DATA_CLOSE in text.split(DATA_OPEN, 1)[1]:
            head, rest = text.split(DATA_OPEN, 1)
            _, tail = rest.split(DATA_CLOSE, 1)
            text = head + "\n" + tail
            blocks += 1
        outside.append(text)
    return "\n".join(outside), blocks


def probe(ctx: DealContext, plan: Plan, draft: Draft, runtime: Runtime) -> PromptInfo:
    from drafter.draft.llm.prompt import build_messages
    from drafter.draft.pipeline import resolve_sender

    assert plan.channel is not None
    sender = resolve_sender(ctx, runtime, None)
    request = DraftRequest(ctx, plan, sender, plan.technique, plan.channel, plan.send_on)
    # the reference the LLM writer sends: the playbook template's draft
    reference = draft if draft.provider == "offline" else runtime.template_writer().draft(request)
    messages, tokens, exact = build_messages(
        request,
        technique=runtime.playbook.get(plan.technique),
        rules=runtime.rules,
        prompts_dir=runtime.prompts_dir,
        model=runtime.settings.model_name,
        budget=runtime.settings.llm.prompt_budget,
        reference=(reference.subject, reference.body),
        voice=runtime.voice(),
    )
    outside, blocks = outside_data_block(messages)
    problems = [
        f"{chunk[:40]!r} appears outside the data block"
        for chunk in untrusted_chunks(ctx)
        if chunk in outside
    ]
    if blocks != 1:
        problems.insert(0, f"{blocks} data blocks (expected exactly one)")
    return PromptInfo(tokens=tokens, exact=exact, data_only_problems=tuple(problems))
