"""The quick starts run as written: this package's README and the seed's example in the top-level README."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO

PACKAGE_README = REPO / "python" / "transient-trace" / "README.md"


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_readme_quick_start_runs(isolated: Path) -> None:
    block = python_blocks(PACKAGE_README)[0]
    r = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert r.returncode == 0, r.stderr
    receipt_id, outcome, alg = r.stdout.split()
    assert re.fullmatch(r"TR-\d+", receipt_id) and outcome == "allow" and alg == "Ed25519"
    assert (isolated / "state" / "receipts" / "receipts.ndjson").exists()


def test_top_level_readme_python_example_runs(isolated: Path) -> None:
    (block,) = [b for b in python_blocks(REPO / "README.md") if "transient_trace" in b]
    prelude = (
        'policy = {"version": 1, "defaultAction": "deny", "rules": [{"id": "reads", "action": "allow", "actionClasses": ["read"]}]}\n'
        "def read_thing():\n    return 42\n"
    )
    r = subprocess.run([sys.executable, "-c", prelude + block], capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[1] == "allow"
