"""OpenAI Python SDK integration (``pip install "trusera-sdk[openai]"``). Imports nothing of
``openai``: the SDK's client is wrapped as it is."""

from .._shared.pricing import DEFAULT_MODEL_PRICES, estimate_cost
from .client import TruseraOpenAI

__all__ = ["DEFAULT_MODEL_PRICES", "TruseraOpenAI", "estimate_cost"]
