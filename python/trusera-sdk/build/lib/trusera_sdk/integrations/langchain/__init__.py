"""LangChain integration (``pip install "trusera-sdk[langchain]"``): ``TruseraCallbackHandler``.
Importing this module imports ``langchain_core``."""

from .handler import TruseraCallbackHandler

__all__ = ["TruseraCallbackHandler"]
