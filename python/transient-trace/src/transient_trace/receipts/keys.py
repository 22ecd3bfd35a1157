"""Ed25519 keys as the state directory keeps them: JWKs whose ``kid`` is the RFC 7638 thumbprint."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

KeyLookup = Callable[[str], Ed25519PublicKey | None]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwk_thumbprint(x: str) -> str:
    """RFC 7638 thumbprint: base64url SHA-256 of ``{"crv","kty","x"}`` in that order. Used as ``kid``."""
    member = f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'
    return b64url(hashlib.sha256(member.encode("utf-8")).digest())


def public_x(public_key: Ed25519PublicKey) -> str:
    return b64url(public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def public_jwk(public_key: Ed25519PublicKey, created_at: str | None = None) -> dict[str, Any]:
    """The public JWK of a key, ``kid`` set to its thumbprint (same members, same order as TypeScript)."""
    x = public_x(public_key)
    jwk: dict[str, Any] = {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": jwk_thumbprint(x), "alg": "EdDSA", "use": "sig"}
    if created_at:
        jwk["created_at"] = created_at
    return jwk


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey

    @staticmethod
    def generate() -> SigningKey:
        private = Ed25519PrivateKey.generate()
        public = private.public_key()
        return SigningKey(jwk_thumbprint(public_x(public)), private, public)

    @staticmethod
    def from_pem(pem: bytes) -> SigningKey:
        """A PKCS#8 PEM private key (what ``keys/<kid>.pem`` holds, from either writer)."""
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        public = private.public_key()
        return SigningKey(jwk_thumbprint(public_x(public)), private, public)

    def to_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def anchored_lookup(base: KeyLookup, trusted: set[str]) -> KeyLookup:
    """``base`` narrowed to the anchor's key ids; a known key outside them is reported as untrusted."""

    def lookup(kid: str) -> Ed25519PublicKey | None:
        return base(kid) if kid in trusted else None

    lookup.untrusted = lambda kid: kid not in trusted and base(kid) is not None  # type: ignore[attr-defined]
    return lookup


def jwks_lookup(jwks: dict[str, Any]) -> tuple[KeyLookup, list[str]]:
    """
    A lookup over a JWKS. A key whose ``kid`` is not its own thumbprint is refused (it would let a
    swapped key pose under an old id); keys that could not be read are listed in the second value.
    """
    by_kid: dict[str, Ed25519PublicKey] = {}
    rejected: list[str] = []
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    for jwk in keys if isinstance(keys, list) else []:
        kid = jwk.get("kid") if isinstance(jwk, dict) else None
        try:
            if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                raise ValueError("not an Ed25519 key")
            x = jwk.get("x")
            if not isinstance(x, str) or jwk_thumbprint(x) != kid:
                raise ValueError("kid is not the key's thumbprint")
            raw = b64url_decode(x)
            if len(raw) != 32:
                raise ValueError("x is not 32 bytes")
            by_kid[kid] = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError as err:
            rejected.append(f"{kid or '(no kid)'}: {err}")
    return by_kid.get, rejected
