"""
Action classes and modes, as packages/core/src/policy/action-classes.ts and mode.ts.

``audit``: nothing is blocked, every receipt records what the policy said. ``strict``: every deny
blocks (the SDK's default). ``permissive``: only a deny by a matching rule (or an engine error)
blocks; actions that fall through to a deny-by-default pass, recorded.
"""

from __future__ import annotations

from typing import Any

ACTION_CLASSES = ("read", "write_low", "write_high", "delete", "network", "exec")
MODES = ("audit", "strict", "permissive")


def is_action_class(value: Any) -> bool:
    return isinstance(value, str) and value in ACTION_CLASSES


def is_mode(value: Any) -> bool:
    return isinstance(value, str) and value in MODES
