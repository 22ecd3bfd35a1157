"""OpenAI Python SDK integration (``pip install "trusera-sdk[openai]"``). Imports nothing of
``openai``: the SDK's client is wrapped as it is."""

from .client import TruseraOpenAI

__all__ = ["TruseraOpenAI"]
