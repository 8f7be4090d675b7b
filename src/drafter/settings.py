"""Settings, resolved once from ``drafter.toml``, the environment and flags.

Precedence, lowest first: built-in defaults, ``drafter.toml`` (the file named by
``--config`` or ``$DRAFTER_CONFIG``, else ``./drafter.toml`` if present), the
environment, then command-line flags (applied by the CLI with
:meth:`Settings.with_overrides`).

```toml
playbook = "./our-playbook"      # a team's own playbook folder (optional)
model = "gpt-4o-mini"

[sender]
name = "Dana Reyes"
company = "Northwind Analytics"
phone = "+1 416 555 0199"
email = "dana@northwind.example"

[check]
disable = ["readability-grade"]  # rule ids to switch off
allow = ["touch base"]           # phrases never flagged
min_level = "warning"            # hide suggestions
```
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from drafter.context import Sender
from drafter.errors import ConfigError
from drafter.loading import read_text, validate

ENV_CONFIG = "DRAFTER_CONFIG"
ENV_PLAYBOOK = "DRAFTER_PLAYBOOK"
ENV_MODEL = "DRAFTER_MODEL"
ENV_API_KEY = "OPENAI_API_KEY"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_SENDER = {
    "name": "DRAFTER_SENDER_NAME",
    "company": "DRAFTER_SENDER_COMPANY",
    "phone": "DRAFTER_SENDER_PHONE",
    "email": "DRAFTER_SENDER_EMAIL",
    "title": "DRAFTER_SENDER_TITLE",
}
DEFAULT_CONFIG = "drafter.toml"

Level = Literal["error", "warning", "suggestion"]


class CheckSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    disable: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)
    min_level: Level = "suggestion"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sender: Sender = Field(default_factory=Sender)
    playbook: Path | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    base_url: str | None = None
    check: CheckSettings = Field(default_factory=CheckSettings)

    @property
    def llm_configured(self) -> bool:
        return self.api_key is not None or self.base_url is not None

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the non-None ``changes`` applied (for command-line flags)."""
        return self.model_copy(update={k: v for k, v in changes.items() if v is not None})


def _read_toml(path: Path) -> dict[str, Any]:
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
    from_env = {field: env[var] for field, var in ENV_SENDER.items() if env.get(var)}
    if from_env:
        sender = data.get("sender") or {}
        if not isinstance(sender, dict):
            raise ConfigError("expected a table of sender fields", path=source, key="sender")
        data["sender"] = {**sender, **from_env}
    for key, var in (
        ("playbook", ENV_PLAYBOOK),
        ("model", ENV_MODEL),
        ("api_key", ENV_API_KEY),
        ("base_url", ENV_BASE_URL),
    ):
        if env.get(var):
            data[key] = env[var]
    return validate(Settings, data, path=source, error=ConfigError)
