"""
The signing keys of a state directory, in the TypeScript writer's format: ``keys/<kid>.pem`` the
active private key (PKCS#8, 0600), ``keys/jwks.json`` every public key ever used, the active one
marked ``status: "active"``. A key made by either writer signs for both.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

from ..errors import StateError
from ..receipts.clock import now_iso
from ..receipts.keys import KeyLookup, SigningKey, jwks_lookup, public_jwk
from .lock import file_lock
from .paths import StatePaths, ensure_private_dir
from .trust import pin_key, read_pins, real_dir, trust_file_path


class KeyStore:
    def __init__(self, paths: StatePaths) -> None:
        self.paths = paths
        self._active: SigningKey | None = None

    def jwks(self) -> dict[str, Any]:
        """The public keys (JWKS); empty before the first receipt."""
        try:
            with open(self.paths.jwks, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return {"keys": []}
        except OSError as err:
            raise StateError(f"cannot read {self.paths.jwks}: {err}") from err
        try:
            value = json.loads(text)
        except ValueError as err:
            raise StateError(f"{self.paths.jwks} is not valid JSON: {err}") from err
        if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
            raise StateError(f'{self.paths.jwks} is not a JWKS ({{"keys": [...]}})')
        return value

    def lookup(self) -> KeyLookup:
        return jwks_lookup(self.jwks())[0]

    def signing_key(self) -> SigningKey:
        """The key that signs new receipts, made (with its directory) on first use."""
        if self._active is not None:
            return self._active
        existing = self._load_active()
        if existing is None:
            ensure_private_dir(self.paths.keys_dir)
            with file_lock(self.paths.keys_lock):
                existing = self._load_active() or self._create()
        self._pin(existing.kid)
        self._active = existing
        return existing

    def _pin(self, kid: str) -> None:
        """
        Pins a key this writer signs with (made now, or loaded once per process) in the user's trust
        file outside the state directory: the anchor verification believes. A failure must not stop
        signing, but is never silent: it warns, and verification later reports no trust anchor.
        """
        try:
            directory = real_dir(self.paths.root)
            if any(p["state_dir"] == directory and p["kid"] == kid for p in read_pins(trust_file_path())):
                return
            pin_key(self.paths.root, kid)
        except (OSError, StateError) as err:
            warnings.warn(
                f'key {kid} was not pinned as a trust anchor: {err}. "transient-trace receipts verify" will report no trust anchor unless given --trust {kid}.',
                stacklevel=3,
            )

    def _private_path(self, kid: str) -> str:
        return os.path.join(self.paths.keys_dir, f"{kid}.pem")

    def _load_active(self) -> SigningKey | None:
        entry = next((k for k in self.jwks()["keys"] if isinstance(k, dict) and k.get("status") == "active"), None)
        if entry is None:
            return None
        kid = entry.get("kid")
        path = self._private_path(str(kid))
        try:
            with open(path, "rb") as f:
                pem = f.read()
        except OSError as err:
            raise StateError(
                f'the active key {kid} has no private key file ({path}): {err}. Run "transient-trace keys rotate" to make a new one.'
            ) from err
        try:
            key = SigningKey.from_pem(pem)
        except ValueError as err:
            raise StateError(f"the private key file {path} cannot be read: {err}") from err
        if key.kid != kid:
            raise StateError(f"the private key file of {kid} holds another key ({key.kid}); refusing to sign")
        return key

    def _create(self) -> SigningKey:
        key = SigningKey.generate()
        now = now_iso()
        path = self._private_path(key.kid)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key.to_pem())
        finally:
            os.close(fd)
        os.chmod(path, 0o600)  # in case the umask widened it
        keys = [
            {**k, "status": "retired", "retired_at": now} if isinstance(k, dict) and k.get("status") == "active" else k
            for k in self.jwks()["keys"]
        ]
        keys.append({**public_jwk(key.public_key, now), "status": "active"})
        tmp = f"{self.paths.jwks}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps({"keys": keys}, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, self.paths.jwks)
        return key
