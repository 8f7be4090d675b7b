"""The LLM implementation of the drafting seam (:class:`drafter.draft.base.Writer`)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.context import Channel
from drafter.draft.base import Attempt, DraftRequest, UnusableReply
from drafter.draft.llm.client import LLMClient, Reply
from drafter.draft.llm.cost import estimate_cost
from drafter.draft.llm.prompt import build_messages, repair_messages
from drafter.draft.models import Draft, Usage
from drafter.playbook import Playbook

if TYPE_CHECKING:
    from drafter.check.rules import RuleSet

_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")


def parse_reply(content: str, channel: Channel) -> tuple[str | None, str]:
    """(subject, body) from a reply: the JSON object asked for, else a plain
    text reply read defensively ("Subject: ..." first line for an email)."""
    text = _FENCE.sub("", content.strip()).strip()
    start, end = text.find("{"), text.rfind("}")
    data = None
    if start != -1 and end > start:
        try:
            data = json.loads(text[start : end + 1])
        except ValueError:
            data = None
    if isinstance(data, dict):
        body = data.get("body")
        subject = data.get("subject")
        if not isinstance(body, str) or not body.strip():
            raise ValueError("the JSON has no body")
        if subject is not None and not isinstance(subject, str):
            raise ValueError("the subject is not text")
        return _subject_for(subject, channel), body.strip()
    if text.startswith("{") or '"body"' in text:
        raise ValueError("the reply is not valid JSON")
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return _subject_for(first[8:].strip(), channel), rest.strip()
    if not text:
        raise ValueError("the reply is empty")
    return None, text


def _subject_for(subject: str | None, channel: Channel) -> str | None:
    if channel is not Channel.email:
        return None
    cleaned = " ".join((subject or "").split())
    return cleaned or None


class LLMWriter:
    provider = "openai"
    can_repair = True

    def __init__(
        self,
        client: LLMClient,
        *,
        playbook: Playbook,
        rules: RuleSet,
        prompts_dir: Path,
        budget: int,
        voice: str | None,
        reference: Any,
    ) -> None:
        self.client = client
        self.playbook = playbook
        self.rules = rules
        self.prompts_dir = prompts_dir
        self.budget = budget
        self.voice = voice
        self._reference = reference  # request -> (subject, body) of the offline draft

    def first_request(self, request: DraftRequest) -> dict[str, Any]:
        """The body of the first request for ``request``, as :meth:`write`
        sends it (also what the Batch API is sent)."""
        messages, _, _ = self.first_messages(request)
        return self.client.params(messages)

    def first_messages(self, request: DraftRequest) -> tuple[list[dict[str, str]], int, bool]:
        return build_messages(
            request,
            technique=self.playbook.get(request.technique),
            rules=self.rules,
            prompts_dir=self.prompts_dir,
            model=self.client.model,
            budget=self.budget,
            reference=self._reference(request),
            voice=self.voice,
        )

    async def write(
        self, request: DraftRequest, previous: Sequence[Attempt]
    ) -> tuple[Draft, str | None]:
        first, _, _ = self.first_messages(request)
        messages = repair_messages(first, previous, self.prompts_dir) if previous else first
        reply = await self.client.complete(messages)
        usage = self._usage(reply)
        try:
            subject, body = parse_reply(reply.content, request.channel)
        except ValueError as exc:
            raise UnusableReply(str(exc), reply.content, usage) from None
        if request.channel is Channel.email and subject is None:
            raise UnusableReply("the email has no subject line", reply.content, usage)
        draft = Draft(
            technique=request.technique,
            channel=request.channel,
            subject=subject,
            body=body,
            provider="openai",
            model=reply.model,
            usage=usage,
        )
        return draft, reply.content

    def _usage(self, reply: Reply) -> Usage:
        cost = estimate_cost(
            self.client.model,
            reply.prompt_tokens,
            reply.completion_tokens,
            self.client.settings.llm.prices,
            batch=reply.batch,
        )
        return Usage(
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            cost_usd=cost,
            cached=reply.cached,
        )
