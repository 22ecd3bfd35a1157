"""Token usage and estimated cost of model calls.

The price table mirrors ``DEFAULT_MODEL_PRICES`` of the TypeScript SDK
(packages/sdk/src/integrations/shared/pricing.ts); tests/integrations/test_pricing.py checks that the
two tables are the same, so a change to one that misses the other fails the suite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from .core import ConfigurationError


@dataclass(frozen=True)
class ModelPrice:
    """A model's list price in US dollars per million tokens."""

    input: float
    output: float


@dataclass(frozen=True)
class TokenUsage:
    """Tokens of one model call as the framework reported them; ``None`` where it did not say."""

    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None


def _p(i: float, o: float) -> ModelPrice:
    return ModelPrice(i, o)


# List prices (USD per million tokens, standard tier, no caching or batch discounts) as the
# providers published them in 2025. Estimates: override with ``prices=`` in the options.
DEFAULT_MODEL_PRICES: Mapping[str, ModelPrice] = MappingProxyType(
    {
        "gpt-5": _p(1.25, 10),
        "gpt-5-mini": _p(0.25, 2),
        "gpt-5-nano": _p(0.05, 0.4),
        "gpt-4.1": _p(2, 8),
        "gpt-4.1-mini": _p(0.4, 1.6),
        "gpt-4.1-nano": _p(0.1, 0.4),
        "gpt-4o": _p(2.5, 10),
        "gpt-4o-mini": _p(0.15, 0.6),
        "gpt-4-turbo": _p(10, 30),
        "gpt-4": _p(30, 60),
        "gpt-3.5-turbo": _p(0.5, 1.5),
        "o1": _p(15, 60),
        "o1-mini": _p(1.1, 4.4),
        "o3": _p(2, 8),
        "o3-mini": _p(1.1, 4.4),
        "o4-mini": _p(1.1, 4.4),
        "claude-opus-4": _p(15, 75),
        "claude-sonnet-4": _p(3, 15),
        "claude-3-7-sonnet": _p(3, 15),
        "claude-3-5-sonnet": _p(3, 15),
        "claude-3-5-haiku": _p(0.8, 4),
        "claude-3-opus": _p(15, 75),
        "claude-3-haiku": _p(0.25, 1.25),
        "gemini-2.5-pro": _p(1.25, 10),
        "gemini-2.5-flash": _p(0.3, 2.5),
        "gemini-2.0-flash": _p(0.1, 0.4),
        "gemini-1.5-pro": _p(1.25, 5),
        "gemini-1.5-flash": _p(0.075, 0.3),
    }
)


def price_of(model: str, table: Mapping[str, ModelPrice]) -> ModelPrice | None:
    """The exact entry of ``model`` (after any ``provider/`` prefix), else the longest ``<entry>-`` prefix."""
    model_id = model[model.rfind("/") + 1 :].lower()
    exact = table.get(model_id)
    if exact is not None:
        return exact
    best: str | None = None
    for key in table:
        if model_id.startswith(key.lower() + "-") and (best is None or len(key) > len(best)):
            best = key
    return None if best is None else table[best]


def estimate_cost(model: str, usage: TokenUsage, table: Mapping[str, ModelPrice] = DEFAULT_MODEL_PRICES) -> float | None:
    """Estimated cost in US dollars, or ``None`` without a price or without token counts."""
    price = price_of(model, table)
    if price is None or (usage.input_tokens is None and usage.output_tokens is None):
        return None
    dollars = ((usage.input_tokens or 0) * price.input + (usage.output_tokens or 0) * price.output) / 1e6
    # Nine decimals: a fraction of a micro-dollar, without binary floating-point tails in the event.
    return round(dollars, 9)


def token_count(value: Any) -> int | None:
    """A token count as a framework reports it: a non-negative whole number, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(round(value))


def usage_of(input_tokens: Any, output_tokens: Any, total_tokens: Any = None) -> TokenUsage:
    """A usage from input and output counts, the total filled in when the framework omitted it."""
    i = token_count(input_tokens)
    o = token_count(output_tokens)
    t = token_count(total_tokens)
    if t is None and not (i is None and o is None):
        t = (i or 0) + (o or 0)
    return TokenUsage(i, o, t)


def _is_price(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and value >= 0


def resolve_prices(prices: Mapping[str, Any] | None, who: str) -> Mapping[str, ModelPrice]:
    """The default table with ``prices`` merged over it (``None`` removes an entry)."""
    table = dict(DEFAULT_MODEL_PRICES)
    if prices is None:
        return MappingProxyType(table)
    if not isinstance(prices, Mapping):
        raise ConfigurationError(f"{who}: prices must be a mapping of model: {{'input': ..., 'output': ...}}")
    for model, price in prices.items():
        if price is None:
            table.pop(model, None)
            continue
        if isinstance(price, ModelPrice):
            price = {"input": price.input, "output": price.output}
        if not (isinstance(price, Mapping) and _is_price(price.get("input")) and _is_price(price.get("output"))):
            raise ConfigurationError(
                f"{who}: prices[{model!r}] must be {{'input': ..., 'output': ...}} in USD per million tokens (numbers >= 0)"
            )
        table[model] = ModelPrice(float(price["input"]), float(price["output"]))
    return MappingProxyType(table)
