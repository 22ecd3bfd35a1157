"""
Verifying a state directory's log or an exported bundle the way ``transient-trace receipts verify``
does, trust anchor included (docs/receipts-policy.md, "Trust anchor"; packages/cli/src/verify/):
a receipt verifies only with a key the anchor names (``trust`` ids, ``$TRANSIENT_TRACE_TRUSTED_KEYS``,
a ``jwks`` obtained elsewhere, the pin file) and whose public key is known. Without any anchor the
log is checked against the keys it carries and the result says so (exit code 4).
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
from ..state.trust import TRUSTED_KEYS_ENV, is_inside, read_pins, real_dir, split_kids, trust_file_path
from .canonical import CanonicalizationError, canonical_json
from .clock import now_iso
from .keys import anchored_lookup, jwks_lookup
from .verify_log import LogReport, verify_log_text

EXIT_OK, EXIT_FAULT, EXIT_INCOMPLETE, EXIT_UNANCHORED = 0, 1, 3, 4
BUNDLE_KIND = "transient-trace.receipts"


@dataclass
class VerifyResult:
    report: LogReport
    #: Whether any trust anchor named a key.
    anchored: bool
    #: The key ids the anchor names, and where they came from (``--trust``, ``pin file F``, ...).
    trusted: list[str]
    sources: list[str]
    exists: bool
    #: The log file (or bundle) checked.
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


@dataclass
class _Anchor:
    kids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, ids: list[str], source: str) -> None:
        if ids:
            self.kids.extend(k for k in ids if k not in self.kids)
            self.sources.append(source)


def _resolve_anchor(
    trust: Iterable[str],
    jwks: Mapping[str, Any] | None,
    env: Mapping[str, str],
    carried: Mapping[str, Any],
    state_dir: str | None = None,
) -> _Anchor:
    """For a state directory its own pins; for a bundle the pins naming one of the keys it carries."""
    anchor = _Anchor()
    anchor.add([k for t in trust for k in split_kids(t)], "--trust")
    anchor.add(split_kids(env.get(TRUSTED_KEYS_ENV, "")), TRUSTED_KEYS_ENV)
    if jwks is not None:
        anchor.add([k["kid"] for k in jwks.get("keys", []) if isinstance(k, dict) and isinstance(k.get("kid"), str)], "--jwks")
    file = trust_file_path(env)
    if state_dir is not None and is_inside(file, state_dir):
        anchor.warnings.append(f"the trust file {file} lies inside the state directory it would vouch for: ignored")
        return anchor
    try:
        pins = read_pins(file)
    except StateError as err:
        anchor.warnings.append(f"{err}: its pins are not used")
        return anchor
    if state_dir is not None:
        directory = real_dir(state_dir)
        anchor.add([p["kid"] for p in pins if p["state_dir"] == directory], f"pin file {file}")
    else:
        mine = {k.get("kid") for k in carried.get("keys", []) if isinstance(k, dict)}
        anchor.add([p["kid"] for p in pins if p["kid"] in mine], f"pin file {file}")
    return anchor


def _check(
    text: str, head: str | None, keys: Mapping[str, Any], anchor: _Anchor, exists: bool, what: str
) -> VerifyResult:
    lookup, rejected = jwks_lookup(dict(keys))
    report = verify_log_text(text, anchored_lookup(lookup, set(anchor.kids)) if anchor.kids else lookup, head)
    warnings = list(anchor.warnings)
    if not anchor.kids and report.receipts > 0:
        warnings.append(
            f"WARNING: no trust anchor: the keys that verify {what} come from the data itself, which whoever "
            "rewrote it could have rewritten too, so this proves only that it is self-consistent. Pin the key ids "
            f"you trust: --trust KID (checked out of band), {TRUSTED_KEYS_ENV}, --jwks FILE, or the pin file "
            '(see docs/receipts-policy.md, "Trust anchor").'
        )
    return VerifyResult(report, bool(anchor.kids), anchor.kids, anchor.sources, exists, what, rejected, warnings)


def verify_state_dir(
    state_dir: str | None = None,
    trust: Iterable[str] = (),
    jwks: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> VerifyResult:
    """Checks signatures, the chain and the head checkpoint of a state directory's log. A ``jwks``
    obtained another way replaces the state directory's own keys (which prove nothing) and is trusted."""
    env = os.environ if env is None else env
    root = os.path.abspath(state_dir) if state_dir else resolve_state_dir(env)
    paths = StatePaths.of(root)
    carried = KeyStore(paths).jwks()
    anchor = _resolve_anchor(trust, jwks, env, carried, state_dir=root)
    text, head, exists = read_receipt_log(paths)
    return _check(text, head, jwks if jwks is not None else carried, anchor, exists, paths.log)


def verify_bundle(
    bundle: Any,
    trust: Iterable[str] = (),
    jwks: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    what: str = "the bundle",
) -> VerifyResult:
    """
    Checks a bundle made by ``transient-trace receipts export`` offline: with the keys it carries, or
    with ``jwks`` obtained another way. @raises ValueError when it is not a bundle.
    """
    env = os.environ if env is None else env
    if (
        not isinstance(bundle, dict)
        or bundle.get("kind") != BUNDLE_KIND
        or bundle.get("version") != 1
        or not isinstance(bundle.get("receipts"), list)
    ):
        raise ValueError(f'not a receipts bundle (expected {{"kind": "{BUNDLE_KIND}", "version": 1, "receipts": [...]}})')
    given = bundle.get("jwks")
    carried: dict[str, Any] = given if isinstance(given, dict) and isinstance(given.get("keys"), list) else {"keys": []}
    anchor = _resolve_anchor(trust, jwks, env, carried)
    # Each receipt as a line of JCS text: JSON.stringify in the TypeScript verifier; the verdict
    # does not depend on the spelling, only on the values.
    text = "".join(_line(r) + "\n" for r in bundle["receipts"])
    head = bundle.get("head") if isinstance(bundle.get("head"), str) else None
    return _check(text, head, jwks if jwks is not None else carried, anchor, True, what)


def make_bundle(state_dir: str | None = None, env: Mapping[str, str] | None = None) -> tuple[dict[str, Any], int]:
    """
    A state directory's log as a bundle, the format of ``transient-trace receipts export``: every
    public key, the head checkpoint and the complete receipts. Also returns how many half-written
    lines were left out.
    """
    env = os.environ if env is None else env
    paths = StatePaths.of(os.path.abspath(state_dir) if state_dir else resolve_state_dir(env))
    text, head, _ = read_receipt_log(paths)
    receipts: list[Any] = []
    lines = [line for line in text.split("\n") if line]
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            receipts.append(value)
    bundle = {
        "version": 1,
        "kind": BUNDLE_KIND,
        "exported_at": now_iso(),
        "jwks": KeyStore(paths).jwks(),
        "head": head or None,
        "receipts": receipts,
    }
    return bundle, len(lines) - len(receipts)


def _line(receipt: Any) -> str:
    try:
        return canonical_json(receipt)
    except CanonicalizationError:
        return "{"  # not JSON (NaN, a set): reported as an unreadable record, like a torn line


def load_json_file(path: str) -> Any:
    """JSON as JavaScript reads it: NaN and Infinity are errors."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{path}: {name} is not JSON")

    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_constant=refuse)


def load_jwks_file(path: str) -> dict[str, Any]:
    """A JWKS file, or the output of ``transient-trace keys list --json`` (``{"jwks": {...}}``)."""
    value = load_json_file(path)
    if isinstance(value, dict) and isinstance(value.get("jwks"), dict):
        value = value["jwks"]
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        raise ValueError(f'{path} is not a JWKS ({{"keys": [...]}})')
    return value
