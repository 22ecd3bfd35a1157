"""What the integration tests share: a client that remembers the order of its events, reading back
what the server stored, and the tool policies."""

from __future__ import annotations

import importlib
import os
import uuid
from pathlib import Path
from typing import Any, Mapping

import pytest

from trusera_sdk import CedarEvaluator, Event, TruseraClient

REPO = Path(__file__).resolve().parents[4]

TOOL_POLICIES = """
@id("no-delete")
forbid (principal, action == Action::"tool_call", resource == Tool::"delete_file");

@id("no-etc")
forbid (principal, action == Action::"tool_call", resource == Tool::"read_file")
when { resource.hasTag("path") && resource.getTag("path") like "/etc/*" };
"""


def require(module: str) -> Any:
    """``pytest.importorskip(module)``; with ``TRUSERA_PY_REQUIRE_EXTRAS=1`` (set by
    scripts/test-python.mjs, which installs every extra) a missing framework fails the run instead
    of skipping its tests unseen."""
    if os.environ.get("TRUSERA_PY_REQUIRE_EXTRAS") != "1":
        return pytest.importorskip(module)
    try:
        return importlib.import_module(module)
    except ImportError as err:
        pytest.fail(f"{module} cannot be imported and TRUSERA_PY_REQUIRE_EXTRAS=1: {err}", pytrace=False)


class ServerClient(TruseraClient):
    """A real client reporting to a real server as ``agent``. It keeps the ids of the events it is
    given, in order: several events often share a millisecond, so the server's timestamps cannot
    order them."""

    def __init__(self, server: Any, agent: str) -> None:
        super().__init__(api_key=server.api_key, base_url=server.url, agent_id=agent, flush_interval=3600)
        self.order: list[str] = []

    def track(self, event: Event | Mapping[str, Any]) -> None:
        if isinstance(event, Event):
            if event._id is None:  # noqa: SLF001 - a test wants the id before the worker makes it
                event._id = str(uuid.uuid4())  # noqa: SLF001
            self.order.append(event.id)
        super().track(event)


def stored_events(server: Any, client: ServerClient, agent: str) -> list[dict[str, Any]]:
    """Delivers what the client holds and returns what the server stored for ``agent``, in tracking order."""
    assert client.flush(timeout=10)
    stats = client.stats
    assert (stats.queued, stats.invalid, stats.dropped) == (0, 0, 0), stats
    status, body = server.api("GET", f"/api/v1/events?agent_id={agent}&limit=500")
    assert status == 200, body
    events = body["events"]
    assert len(events) == len(client.order), [f"{e['type']} {e['name']}" for e in events]
    position = {eid: i for i, eid in enumerate(client.order)}
    return sorted(events, key=lambda e: position[e["id"]])


def summary(events: list[dict[str, Any]]) -> list[str]:
    return [f"{e['type']} {e['name']}" for e in events]


def evaluator_with(policies: str) -> CedarEvaluator:
    evaluator = CedarEvaluator()
    evaluator.load_policy(policies)
    return evaluator
