"""
Shared fixtures. Every test gets its own state directory, trust file, home and working directory,
so nothing reads or writes the user's ~/.transient-trace. The TypeScript side is the real thing:
the built transient-trace CLI and SDK (packages/cli/dist), run with node.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
# The built transient-trace package; another build of it can be tested with TRANSIENT_TRACE_TEST_CLI_DIST.
CLI_DIST = Path(os.environ.get("TRANSIENT_TRACE_TEST_CLI_DIST") or REPO / "packages" / "cli" / "dist")
VECTORS = REPO / "spec" / "vectors"


def load_vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TRANSIENT_TRACE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TRANSIENT_TRACE_TRUST_FILE", str(tmp_path / "trust" / "trusted-keys.json"))
    for name in ("ATP_POLICY_PATH", "TRANSIENT_TRACE_TRUSTED_KEYS", "TRANSIENT_TRACE_MODE", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


@pytest.fixture
def state_dir(isolated: Path) -> Path:
    return isolated / "state"


class Node:
    """The TypeScript side: the transient-trace CLI and SDK as built, run with node."""

    def __init__(self) -> None:
        if not (CLI_DIST / "cli.js").exists():
            pytest.fail(f"{CLI_DIST / 'cli.js'} is missing: run `npm run build -w packages/cli` first")

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["node", str(CLI_DIST / "cli.js"), *args],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=60,
        )

    def command(self, source: str, *args: str) -> list[str]:
        """The command line that runs an ES module which may import ``SDK`` (transient-trace) and
        ``RECEIPTS`` (transient-trace/receipts)."""
        source = source.replace("SDK", json.dumps((CLI_DIST / "index.js").as_uri())).replace(
            "RECEIPTS", json.dumps((CLI_DIST / "receipts.js").as_uri())
        )
        return ["node", "--input-type=module", "-e", source, *args]

    def script(self, source: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Runs such a module to its end."""
        return subprocess.run(
            self.command(source, *args),
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=60,
        )


@pytest.fixture(scope="session")
def node() -> Node:
    return Node()
