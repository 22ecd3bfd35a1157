"""MCP Python SDK integration (``pip install "trusera-sdk[mcp]"``): ``wrap_mcp_session``. Imports
nothing of ``mcp``: the session is wrapped as it is."""

from .session import wrap_mcp_session

__all__ = ["wrap_mcp_session"]
