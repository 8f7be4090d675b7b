"""What tokens cost: a price table (USD per million tokens) that users extend
in drafter.toml (``[llm.prices."model"]``)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources

import yaml

from drafter.settings import Price


@functools.cache
def default_prices() -> dict[str, Price]:
    text = resources.files("drafter.draft.llm").joinpath("prices.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {name: Price.model_validate(p) for name, p in data["prices"].items()}


def price_for(model: str, extra: Mapping[str, Price]) -> Price | None:
    """The user's price first, then the table; a dated name ("gpt-4o-mini-2024-07-18")
    falls back to its family's price (the longest known prefix)."""
    table = {**default_prices(), **extra}
    if model in table:
        return table[model]
    family = max((name for name in table if model.startswith(name + "-")), key=len, default=None)
    return table[family] if family else None


def estimate_cost(
    model: str, prompt_tokens: int, completion_tokens: int, extra: Mapping[str, Price]
) -> float | None:
    price = price_for(model, extra)
    if price is None:
        return None
    return (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000
