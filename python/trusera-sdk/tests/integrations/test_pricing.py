"""The Python price table is the TypeScript SDK's (one fact kept in two languages: this test fails
when one changes without the other), and cost estimates follow the same rules."""

from __future__ import annotations

import re

import pytest

from trusera_sdk.errors import ConfigurationError
from trusera_sdk.integrations._shared.pricing import DEFAULT_MODEL_PRICES, estimate_cost, price_of, resolve_prices, usage_of

from .support import REPO

TS_PRICING = REPO / "packages" / "sdk" / "src" / "integrations" / "shared" / "pricing.ts"


def test_same_table_as_typescript():
    text = TS_PRICING.read_text(encoding="utf-8")
    table = text[text.index("DEFAULT_MODEL_PRICES") : text.index("});")]
    entries = re.findall(r'"?([\w.-]+)"?: \{ input: ([\d.]+), output: ([\d.]+) \}', table)
    ts = {model: (float(i), float(o)) for model, i, o in entries}
    assert len(ts) >= 20
    assert {m: (p.input, p.output) for m, p in DEFAULT_MODEL_PRICES.items()} == ts


def test_lookup_and_estimate():
    assert price_of("gpt-4o-2024-08-06", DEFAULT_MODEL_PRICES) == DEFAULT_MODEL_PRICES["gpt-4o"]
    assert price_of("openai/gpt-4o-mini", DEFAULT_MODEL_PRICES) == DEFAULT_MODEL_PRICES["gpt-4o-mini"]
    assert price_of("my-model", DEFAULT_MODEL_PRICES) is None
    assert estimate_cost("gpt-4o", usage_of(1_000_000, 1_000_000)) == 12.5
    assert estimate_cost("gpt-4o", usage_of(None, None)) is None
    assert usage_of(3, 4).total_tokens == 7 and usage_of(-1, "x").total_tokens is None


def test_prices_option():
    table = resolve_prices({"my-model": {"input": 1, "output": 2}, "gpt-4": None}, "T")
    assert table["my-model"].output == 2.0 and "gpt-4" not in table
    for bad in ({"m": {"input": -1, "output": 1}}, {"m": {"input": True, "output": 1}}, {"m": 3}, ["m"]):
        with pytest.raises(ConfigurationError, match="prices"):
            resolve_prices(bad, "T")  # type: ignore[arg-type]
