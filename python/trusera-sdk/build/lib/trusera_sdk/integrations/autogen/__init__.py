"""AutoGen integration (``pip install "trusera-sdk[autogen]"``): ``TruseraAutoGenHook`` for
``autogen-agentchat`` 0.4 and later. Imports AutoGen only when a workbench is wrapped."""

from .hook import TruseraAutoGenHook

__all__ = ["TruseraAutoGenHook"]
