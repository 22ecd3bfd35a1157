"""A small MCP server over stdio for the MCP integration tests: every tool call it receives is
appended to the file named by TRUSERA_MCP_CALLS, so a test can see what reached the server."""

from __future__ import annotations

import json
import os

try:  # mcp 2.x
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server  # type: ignore[no-redef]

server = Server("files-server")


def _log(name: str, args: dict) -> None:
    with open(os.environ["TRUSERA_MCP_CALLS"], "a", encoding="utf-8") as f:
        f.write(json.dumps({"tool": name, "args": args}) + "\n")


@server.tool()
def read_file(path: str) -> str:
    """Read a file."""
    _log("read_file", {"path": path})
    return f"contents of {path}"


@server.tool()
def delete_file(path: str) -> str:
    """Delete a file."""
    _log("delete_file", {"path": path})
    return f"deleted {path}"


@server.tool()
def fail(reason: str) -> str:
    """Always fails."""
    _log("fail", {"reason": reason})
    raise ValueError(reason)


if __name__ == "__main__":
    server.run()
