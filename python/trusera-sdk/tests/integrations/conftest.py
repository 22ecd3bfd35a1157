from __future__ import annotations

import itertools
import os
from typing import Any, Iterator

import pytest

from .support import ServerClient

# Frameworks must stay offline: no telemetry, no tracing, no hub look-ups.
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("CREWAI_DISABLE_TRACKING", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("LANGCHAIN_TRACING_V2", "false")
os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "false")
os.environ.setdefault("OPENAI_API_KEY", "sk-test-not-a-real-key")

_agents = itertools.count(1)


@pytest.fixture(scope="session")
def server(trusera_server: Any) -> Any:
    """The real trusera-server of tests/conftest.py."""
    return trusera_server


@pytest.fixture
def agent(request: pytest.FixtureRequest) -> str:
    """An agent name of its own per test, so each test reads back only its events."""
    return f"py-{request.node.name[:40]}-{next(_agents)}".replace("[", "-").replace("]", "")


@pytest.fixture
def client(server: Any, agent: str) -> Iterator[ServerClient]:
    c = ServerClient(server, agent)
    try:
        yield c
    finally:
        c.close(timeout=5)
