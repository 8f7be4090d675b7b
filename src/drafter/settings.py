"""Settings, resolved once from ``drafter.toml``, the environment and flags.

Precedence, lowest first: built-in defaults, ``drafter.toml`` (the file named by
``--config`` or ``$DRAFTER_CONFIG``, else ``./drafter.toml`` if present), the
environment, then command-line flags (applied by the CLI with
:meth:`Settings.with_overrides`).

```toml
playbook = "./our-playbook"      # a team's own playbook folder (optional)
currency = "USD"                 # for deals that name none (ISO 4217; optional)
model = "gpt-4o-mini"

[llm]                            # LLM drafting (all optional)
model = "gpt-4o-mini"            # or DRAFTER_MODEL, or --model
base_url = "http://localhost:11434/v1"   # or OPENAI_BASE_URL (any OpenAI-compatible server)
api_key_file = "~/.config/drafter/key"   # or OPENAI_API_KEY; chmod 600 the file
max_repairs = 2
fallback = "none"                # or "offline": use the template when repairs run out
prompt_budget = 1200             # prompt tokens; the least important context is trimmed to fit
prompts = "./our-prompts"        # a team's own copy of prompts/
voice = "./my-messages.txt"      # a few messages you wrote: a style reference only

[llm.prices."my-local-model"]    # USD per million tokens
input = 0.0
output = 0.0

[sender]
name = "Dana Reyes"
company = "Northwind Analytics"
phone = "+1 416 555 0199"
email = "dana@northwind.example"

[check]
disable = ["readability-grade"]  # rule ids to switch off
allow = ["touch base"]           # phrases never flagged
min_level = "warning"            # hide suggestions

[batch.columns]                  # CSV header = drafter field (drafter batch)
"Opportunity Owner Notes" = "notes"
```
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from drafter.context import Currency, Sender
from drafter.errors import ConfigError
from drafter.loading import read_text, validate

ENV_CONFIG = "DRAFTER_CONFIG"
ENV_PLAYBOOK = "DRAFTER_PLAYBOOK"
ENV_MODEL = "DRAFTER_MODEL"
ENV_CURRENCY = "DRAFTER_CURRENCY"
ENV_API_KEY = "OPENAI_API_KEY"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_CACHE_DIR = "DRAFTER_CACHE_DIR"
DEFAULT_MODEL = "gpt-4o-mini"
ENV_SENDER = {
    "name": "DRAFTER_SENDER_NAME",
    "company": "DRAFTER_SENDER_COMPANY",
    "phone": "DRAFTER_SENDER_PHONE",
    "email": "DRAFTER_SENDER_EMAIL",
    "title": "DRAFTER_SENDER_TITLE",
}
DEFAULT_CONFIG = "drafter.toml"

# Severity names, most severe first: the one list the checker, the rule files,
# the playbook's moves and ``check --min-level`` all read.
Level = Literal["error", "warning", "suggestion"]
LEVELS: tuple[Level, ...] = get_args(Level)


class CheckSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    disable: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)
    min_level: Level = "suggestion"


class Price(BaseModel):
    """USD per million tokens; ``batch_*`` through the Batch API (default:
    half of ``input`` and ``output``, OpenAI's Batch API discount)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    batch_input: float | None = Field(default=None, ge=0)
    batch_output: float | None = Field(default=None, ge=0)


class LLMSettings(BaseModel):
    """The ``[llm]`` table: how drafts are written with a model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = None
    base_url: str | None = None
    api_key_file: Path | None = None
    timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    max_repairs: int = Field(default=2, ge=0, le=5)
    fallback: Literal["none", "offline"] = "none"
    temperature: float = Field(default=0.4, ge=0, le=2)
    max_output_tokens: int = Field(default=700, ge=50)
    prompt_budget: int = Field(default=1200, ge=300)
    prompts: Path | None = None
    voice: Path | None = None
    cache: bool = True
    prices: dict[str, Price] = Field(default_factory=dict)


class BatchSettings(BaseModel):
    """``[batch]``: ``columns`` maps a CSV header to a field (docs/batch.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str] = Field(default_factory=dict)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sender: Sender = Field(default_factory=Sender)
    playbook: Path | None = None
    currency: Currency | None = None  # for deals that name none
    model: str | None = None
    api_key: SecretStr | None = None
    base_url: str | None = None
    check: CheckSettings = Field(default_factory=CheckSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)

    @property
    def llm_configured(self) -> bool:
        """An API key or a server is set: drafts are written with the model."""
        return any(
            v is not None
            for v in (self.api_key, self.base_url, self.llm.base_url, self.llm.api_key_file)
        )

    @property
    def server_url(self) -> str | None:
        return self.llm.base_url or self.base_url

    @property
    def model_name(self) -> str:
        return self.llm.model or self.model or DEFAULT_MODEL

    def with_llm(self, **changes: Any) -> Settings:
        """A copy whose ``[llm]`` table has the non-None ``changes`` applied."""
        updates = {k: v for k, v in changes.items() if v is not None}
        return self.model_copy(update={"llm": self.llm.model_copy(update=updates)})

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the non-None ``changes`` applied (for command-line flags)."""
        return self.model_copy(update={k: v for k, v in changes.items() if v is not None})


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only with a drafter.toml

    text, _ = read_text(path, error=ConfigError)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=path) from None


def load_settings(
    config: Path | None = None, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Settings:
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    source: str | Path = "settings"
    if config is None and env.get(ENV_CONFIG):
        config = Path(env[ENV_CONFIG])
    if config is None:
        candidate = (cwd or Path.cwd()) / DEFAULT_CONFIG
        config = candidate if candidate.is_file() else None
    if config is not None:
        data = _read_toml(config)
        source = config
        if isinstance(data.get("playbook"), str):  # relative to the config file
            data["playbook"] = str((config.parent / data["playbook"]).resolve())
        llm = data.get("llm")
        if isinstance(llm, dict):
            for key in ("prompts", "voice", "api_key_file"):
                if isinstance(llm.get(key), str):
                    llm[key] = str((config.parent / Path(llm[key]).expanduser()).resolve())
    from_env = {field: env[var] for field, var in ENV_SENDER.items() if env.get(var)}
    if from_env:
        sender = data.get("sender") or {}
        if not isinstance(sender, dict):
            raise ConfigError("expected a table of sender fields", path=source, key="sender")
        data["sender"] = {**sender, **from_env}
    for key, var in (
        ("playbook", ENV_PLAYBOOK),
        ("currency", ENV_CURRENCY),
        ("api_key", ENV_API_KEY),
    ):
        if env.get(var):
            data[key] = env[var]
    for key, var in (("model", ENV_MODEL), ("base_url", ENV_BASE_URL)):
        if env.get(var):  # the environment wins over the [llm] table
            llm_table = data.get("llm") or {}
            if not isinstance(llm_table, dict):
                raise ConfigError("expected a table of LLM settings", path=source, key="llm")
            data["llm"] = {**llm_table, key: env[var]}
    return validate(Settings, data, path=source, error=ConfigError)
