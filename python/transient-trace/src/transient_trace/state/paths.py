"""Where a state directory keeps its files: the layout of packages/core/src/state/paths.ts."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ConfigurationError

STATE_DIR_ENV = "TRANSIENT_TRACE_STATE_DIR"
POLICY_PATH_ENV = "ATP_POLICY_PATH"


@dataclass(frozen=True)
class StatePaths:
    root: str
    keys_dir: str
    jwks: str
    keys_lock: str
    receipts_dir: str
    log: str
    head: str
    log_lock: str

    @staticmethod
    def of(root: str) -> StatePaths:
        keys_dir = os.path.join(root, "keys")
        receipts_dir = os.path.join(root, "receipts")
        return StatePaths(
            root=root,
            keys_dir=keys_dir,
            jwks=os.path.join(keys_dir, "jwks.json"),
            keys_lock=os.path.join(keys_dir, ".lock"),
            receipts_dir=receipts_dir,
            log=os.path.join(receipts_dir, "receipts.ndjson"),
            head=os.path.join(receipts_dir, "head.json"),
            log_lock=os.path.join(receipts_dir, ".lock"),
        )


def resolve_path(p: str, cwd: str | None = None) -> str:
    if p == "~" or p.startswith("~/"):
        return os.path.expanduser(p)
    return os.path.abspath(os.path.join(cwd or os.getcwd(), p))


def default_state_dir() -> str:
    return os.path.join(os.path.expanduser("~"), ".transient-trace")


def ensure_private_dir(path: str) -> None:
    """Makes a directory only its owner can enter (0700), parents it makes included (as Node's
    recursive mkdir does; Python's makedirs gives new parents the umask's mode)."""
    if os.path.isdir(path):
        return
    parent = os.path.dirname(os.path.abspath(path))
    if parent != path:
        ensure_private_dir(parent)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass


def resolve_state_dir(env: Mapping[str, str] | None = None) -> str:
    """
    The CLI's state directory: ``$TRANSIENT_TRACE_STATE_DIR``, else ``state_dir`` from
    ``~/.transient-trace/config.json`` (what ``transient-trace config set state_dir`` writes), else
    ``~/.transient-trace``.
    """
    env = os.environ if env is None else env
    from_env = env.get(STATE_DIR_ENV)
    if from_env:
        return resolve_path(from_env)
    config = os.path.join(default_state_dir(), "config.json")
    try:
        with open(config, encoding="utf-8") as f:
            value = json.load(f)
    except FileNotFoundError:
        return default_state_dir()
    except (OSError, ValueError) as err:
        raise ConfigurationError(f"cannot read {config}: {err}") from err
    state_dir = value.get("state_dir") if isinstance(value, dict) else None
    if state_dir is None:
        return default_state_dir()
    if not isinstance(state_dir, str) or state_dir == "":
        raise ConfigurationError(f"{config}: state_dir must be a non-empty string")
    return resolve_path(state_dir)
