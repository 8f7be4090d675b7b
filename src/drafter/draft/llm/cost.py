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


# What the Batch API charges, as a share of the live price, where the table
# gives no batch price of its own.
BATCH_SHARE = 0.5


def estimate_cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    extra: Mapping[str, Price],
    *,
    batch: bool = False,
) -> float | None:
    """USD for these tokens, live or (``batch``) through the Batch API."""
    price = price_for(model, extra)
    if price is None:
        return None
    given, taken = price.input, price.output
    if batch:
        given = price.batch_input if price.batch_input is not None else given * BATCH_SHARE
        taken = price.batch_output if price.batch_output is not None else taken * BATCH_SHARE
    return (prompt_tokens * given + completion_tokens * taken) / 1_000_000
