"""What a run needs, built once at the edge and passed down.

The CLI (and batch, and eval) builds one :class:`Runtime` from the resolved
settings: the playbook, the tone rules, the prompts folder, the response cache
and, only when a draft first needs it, the LLM client. The core takes it as an
argument; nothing in it reads the environment or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from drafter.draft.base import DraftRequest, Writer
from drafter.errors import InputError
from drafter.loading import read_text
from drafter.playbook import Playbook, load_playbook
from drafter.resources import data_dir
from drafter.settings import Settings

if TYPE_CHECKING:
    from drafter.check.rules import RuleSet
    from drafter.draft.llm.cache import ResponseCache
    from drafter.draft.llm.client import LLMClient
    from drafter.draft.templates import TemplateWriter
    from drafter.judge import Judge

VOICE_LIMIT = 1500  # characters of the rep's own messages kept as a style sample


@dataclass
class Runtime:
    settings: Settings
    playbook: Playbook
    rules: RuleSet
    offline: bool = False  # --offline: the templates, whatever is configured
    use_cache: bool = True
    configured: bool = False  # a key or a server is set
    # The key goes to the client only; ``settings`` holds none (core code never sees it).
    _api_key: SecretStr | None = field(default=None, repr=False)
    _client: LLMClient | None = field(default=None, repr=False)
    _judges: dict[str, Judge] = field(default_factory=dict, repr=False)
    _voice: str | None = field(default=None, repr=False)
    _templates: TemplateWriter | None = field(default=None, repr=False)

    @property
    def llm_enabled(self) -> bool:
        return not self.offline and self.configured

    @property
    def prompts_dir(self) -> Path:
        return (self.settings.llm.prompts or data_dir("prompts")).resolve()

    @property
    def max_repairs(self) -> int:
        return self.settings.llm.max_repairs

    @property
    def fallback_offline(self) -> bool:
        return self.settings.llm.fallback == "offline"

    def cache(self) -> ResponseCache | None:
        if not (self.use_cache and self.settings.llm.cache):
            return None
        from drafter.draft.llm.cache import ResponseCache, default_cache_dir

        return ResponseCache(default_cache_dir())

    def client(self) -> LLMClient:
        if self._client is None:
            from drafter.draft.llm.client import LLMClient

            self._client = LLMClient(self.settings, self.cache(), api_key=self._api_key)
        return self._client

    def judge(self, model: str | None = None) -> Judge:
        """The LLM judge (``drafter.judge``) on ``model`` (default: the drafting
        model), through the same server, key and response cache, at temperature 0."""
        name = model or self.settings.model_name
        if name not in self._judges:
            from drafter.draft.llm.client import LLMClient
            from drafter.judge import Judge

            settings = self.settings.with_llm(model=name, temperature=0.0)
            client = LLMClient(settings, self.cache(), api_key=self._api_key)
            self._judges[name] = Judge(client, self.prompts_dir)
        return self._judges[name]

    def voice(self) -> str | None:
        path = self.settings.llm.voice
        if path is None:
            return None
        if self._voice is None:
            text, _ = read_text(path, error=InputError)
            self._voice = " ".join(text.split())[:VOICE_LIMIT]
        return self._voice

    def load_checker(self) -> None:
        """Load the checker's layers now rather than at the first check."""
        from drafter.check.checker import load_layers

        load_layers(self.rules)

    def template_writer(self) -> TemplateWriter:
        from drafter.draft.templates import TemplateWriter

        if self._templates is None:  # one per run: it keeps the templates it loaded
            self._templates = TemplateWriter(self.playbook.path / "templates")
        return self._templates

    def writer(self) -> Writer:
        if not self.llm_enabled:
            return self.template_writer()
        from drafter.draft.llm.writer import LLMWriter

        templates = self.template_writer()

        def reference(request: DraftRequest) -> tuple[str | None, str]:
            return templates.render(request)

        return LLMWriter(
            self.client(),
            playbook=self.playbook,
            rules=self.rules,
            prompts_dir=self.prompts_dir,
            budget=self.settings.llm.prompt_budget,
            voice=self.voice(),
            reference=reference,
        )


def build_runtime(
    settings: Settings,
    playbook: Playbook | None = None,
    *,
    offline: bool = False,
    use_cache: bool = True,
) -> Runtime:
    from drafter.check.rules import load_rules

    book = playbook if playbook is not None else load_playbook(settings.playbook)
    return Runtime(
        settings=settings.model_copy(update={"api_key": None}),
        playbook=book,
        rules=load_rules(book.path),
        offline=offline,
        use_cache=use_cache,
        configured=settings.llm_configured,
        _api_key=settings.api_key,
    )
