"""Signing the ATP way: Ed25519 over the JCS bytes of the receipt without ``signature``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .canonical import canonical_json
from .hashing import sha256_hex
from .keys import SigningKey, b64url


@dataclass(frozen=True)
class SignedReceipt:
    receipt: dict[str, Any]
    #: JCS of the whole receipt, signature included: the line a log stores.
    canonical: str
    #: Hex SHA-256 of ``canonical``: the next receipt's ``chain.prev_hash``.
    hash: str


def sign_receipt(unsigned: dict[str, Any], key: SigningKey) -> SignedReceipt:
    if "signature" in unsigned:
        raise ValueError("the receipt to sign already has a signature")
    body = canonical_json(unsigned)
    signature = {
        "alg": "Ed25519",
        "version": "ATP-ED25519-1",
        "kid": key.kid,
        "sig": b64url(key.private_key.sign(body.encode("utf-8"))),
        "canonicalization": "RFC8785-JCS",
    }
    receipt = {**unsigned, "signature": signature}
    canonical = with_signature(body, unsigned, signature)
    return SignedReceipt(receipt, canonical, sha256_hex(canonical))


def with_signature(body_canonical: str, body: dict[str, Any], signature: dict[str, Any]) -> str:
    """
    JCS of ``body + signature``. When every other top-level name sorts before "signature" (true of
    every receipt this project writes) the member goes last and the body text is reused.
    """
    if any(name > "signature" for name in body):
        return canonical_json({**body, "signature": signature})
    sig = canonical_json(signature)
    return '{"signature":' + sig + "}" if body_canonical == "{}" else body_canonical[:-1] + ',"signature":' + sig + "}"
