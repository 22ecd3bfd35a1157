"""
Verifying a state directory's log the way ``transient-trace receipts verify`` does, trust anchor
included (docs/receipts-policy.md, "Trust anchor"; packages/cli/src/verify/anchor.ts): a receipt
verifies only with a key the anchor names (``trust`` ids, ``$TRANSIENT_TRACE_TRUSTED_KEYS``, a
``jwks`` obtained elsewhere, the pin file) and whose public key is known. Without any anchor the log
is checked against its own JWKS and the result says so (exit code 4).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import StateError
from ..state.key_store import KeyStore
from ..state.paths import StatePaths, resolve_state_dir
from ..state.receipt_log import read_receipt_log
from ..state.trust import (
    TRUSTED_KEYS_ENV,
    is_inside,
    read_pins,
    real_dir,
    split_kids,
    trust_file_path,
)
from .keys import anchored_lookup, jwks_lookup
from .verify_log import LogReport, verify_log_text

EXIT_OK, EXIT_FAULT, EXIT_INCOMPLETE, EXIT_UNANCHORED = 0, 1, 3, 4


@dataclass
class VerifyResult:
    report: LogReport
    #: Whether any trust anchor named a key.
    anchored: bool
    #: The key ids the anchor names, and where they came from (``--trust``, ``pin file F``, ...).
    trusted: list[str]
    sources: list[str]
    exists: bool
    #: The log file checked.
    log: str = ""
    #: JWKS entries refused (a kid that is not the key's thumbprint, ...).
    rejected: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 (a fault) before 4 (no anchor) before 3 (half-written lines) before 0."""
        if not self.report.ok:
            return EXIT_FAULT
        if not self.anchored and self.report.receipts > 0:
            return EXIT_UNANCHORED
        return EXIT_INCOMPLETE if self.report.incomplete else EXIT_OK


def verify_state_dir(
    state_dir: str | None = None,
    trust: Iterable[str] = (),
    jwks: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> VerifyResult:
    """Checks signatures, the chain and the head checkpoint of a state directory's log."""
    env = os.environ if env is None else env
    root = os.path.abspath(state_dir) if state_dir else resolve_state_dir(env)
    paths = StatePaths.of(root)
    warnings: list[str] = []
    # A JWKS obtained another way replaces the state directory's (which proves nothing) and is trusted.
    extra_keys = list(jwks.get("keys", [])) if jwks is not None else []
    lookup, rejected = jwks_lookup(dict(jwks) if jwks is not None else KeyStore(paths).jwks())

    kids: list[str] = []
    sources: list[str] = []

    def add(ids: list[str], source: str) -> None:
        if ids:
            kids.extend(k for k in ids if k not in kids)
            sources.append(source)

    add([k for t in trust for k in split_kids(t)], "--trust")
    add(split_kids(env.get(TRUSTED_KEYS_ENV, "")), TRUSTED_KEYS_ENV)
    add([k["kid"] for k in extra_keys if isinstance(k, dict) and isinstance(k.get("kid"), str)], "--jwks")
    file = trust_file_path(env)
    if is_inside(file, root):
        warnings.append(f"the trust file {file} lies inside the state directory it would vouch for: ignored")
    else:
        try:
            directory = real_dir(root)
            add([p["kid"] for p in read_pins(file) if p["state_dir"] == directory], f"pin file {file}")
        except StateError as err:
            warnings.append(f"{err}: its pins are not used")

    text, head, exists = read_receipt_log(paths)
    if kids:
        report = verify_log_text(text, anchored_lookup(lookup, set(kids)), head)
    else:
        report = verify_log_text(text, lookup, head)
    if not kids and report.receipts > 0:
        warnings.append(
            f"WARNING: no trust anchor: the keys that verify {paths.log} come from the data itself, which whoever "
            "rewrote it could have rewritten too, so this proves only that it is self-consistent. Pin the key ids "
            f"you trust: --trust KID (checked out of band), {TRUSTED_KEYS_ENV}, --jwks FILE, or the pin file "
            '(see docs/receipts-policy.md, "Trust anchor").'
        )
    return VerifyResult(report, bool(kids), kids, sources, exists, paths.log, rejected, warnings)


def load_jwks_file(path: str) -> dict[str, Any]:
    """A JWKS file, or the output of ``transient-trace keys list --json`` (``{"jwks": {...}}``)."""
    with open(path, encoding="utf-8") as f:
        value = json.load(f)
    if isinstance(value, dict) and isinstance(value.get("jwks"), dict):
        value = value["jwks"]
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        raise ValueError(f'{path} is not a JWKS ({{"keys": [...]}})')
    return value
