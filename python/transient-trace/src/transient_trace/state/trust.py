"""
The trust anchor of docs/receipts-policy.md ("Trust anchor"), as packages/core/src/state/trust-store.ts:
key ids pinned outside the state directory. Writers pin the keys they sign with; verifiers believe
only anchored keys.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from ..errors import StateError
from ..receipts.clock import now_iso
from .lock import file_lock
from .paths import ensure_private_dir

TRUST_FILE_ENV = "TRANSIENT_TRACE_TRUST_FILE"
TRUSTED_KEYS_ENV = "TRANSIENT_TRACE_TRUSTED_KEYS"
MAX_PINS = 1_000
_SEPARATORS = re.compile(r"[\s,]+")


def trust_file_path(env: Mapping[str, str] | None = None) -> str:
    """``$TRANSIENT_TRACE_TRUST_FILE``, else ``$XDG_CONFIG_HOME/transient-trace/trusted-keys.json``,
    else ``~/.config/transient-trace/trusted-keys.json``."""
    env = os.environ if env is None else env
    if env.get(TRUST_FILE_ENV):
        return os.path.abspath(env[TRUST_FILE_ENV])
    base = os.path.abspath(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "transient-trace", "trusted-keys.json")


def split_kids(text: str) -> list[str]:
    """Key ids separated by commas or white space."""
    return [k for k in _SEPARATORS.split(text) if k]


def real_dir(path: str) -> str:
    return os.path.realpath(path)


def is_inside(path: str, directory: str) -> bool:
    """True when ``path`` is ``directory`` or lies under it (both compared as real paths)."""
    full = os.path.join(real_dir(os.path.dirname(os.path.abspath(path))), os.path.basename(path))
    rel = os.path.relpath(full, real_dir(directory))
    return rel == "." or not (rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel))


def read_pins(path: str) -> list[dict[str, Any]]:
    """Every pin of the file; none when it does not exist. @raises StateError when it is unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return []
    except OSError as err:
        raise StateError(f"cannot read the trust file {path}: {err}") from err
    try:
        value = json.loads(text)
    except ValueError as err:
        raise StateError(f"the trust file {path} is not valid JSON: {err}") from err
    if not isinstance(value, dict) or value.get("version") != 1 or not isinstance(value.get("pins"), list):
        raise StateError(f'the trust file {path} is not {{"version": 1, "pins": [...]}}')
    return [
        p
        for p in value["pins"]
        if isinstance(p, dict) and all(isinstance(p.get(k), str) for k in ("state_dir", "kid", "pinned_at"))
    ]


def pin_key(state_dir: str, kid: str, file: str | None = None) -> None:
    """
    Pins ``kid`` as a key of ``state_dir`` (idempotent), under the file's lock, replacing the file by
    rename. Drops pins of state directories that no longer exist and keeps the newest ``MAX_PINS``.
    """
    file = file or trust_file_path()
    directory = real_dir(state_dir)
    if is_inside(file, directory):
        raise StateError(f"the trust file {file} lies inside the state directory {directory}")
    ensure_private_dir(os.path.dirname(file))
    with file_lock(file + ".lock"):
        pins = [p for p in read_pins(file) if os.path.exists(p["state_dir"])]
        if any(p["state_dir"] == directory and p["kid"] == kid for p in pins):
            return
        pins.append({"state_dir": directory, "kid": kid, "pinned_at": now_iso()})
        tmp = f"{file}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps({"version": 1, "pins": pins[-MAX_PINS:]}, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, file)
