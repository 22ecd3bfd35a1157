"""Checking one receipt's Ed25519 signature (only the signature: see validate.py for the shape)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from .canonical import CanonicalizationError, canonical_json
from .keys import KeyLookup, b64url, b64url_decode

_SIG_TEXT = re.compile(r"[A-Za-z0-9_-]{86}")


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    #: "malformed", "unknown_key" or "bad_signature" when not ok.
    reason: str = ""
    message: str = ""
    kid: str | None = None
    #: JCS of the receipt without its signature, when ok.
    body: str = ""


def verify_receipt_signature(receipt: Any, lookup: KeyLookup) -> SignatureCheck:
    """Checks a receipt's signature with the key ``lookup(kid)`` returns. Never raises."""
    if not isinstance(receipt, dict):
        return SignatureCheck(False, "malformed", "not a JSON object")
    sig = receipt.get("signature")
    if not isinstance(sig, dict):
        return SignatureCheck(False, "malformed", "no Ed25519 signature object")
    if sig.get("alg") != "Ed25519":
        return SignatureCheck(False, "malformed", f"unsupported signature alg {sig.get('alg')!r}")
    if "version" in sig and sig["version"] != "ATP-ED25519-1":
        return SignatureCheck(False, "malformed", f"unsupported signature version {sig['version']!r}")
    if sig.get("canonicalization") != "RFC8785-JCS":
        return SignatureCheck(False, "malformed", f"unsupported canonicalization {sig.get('canonicalization')!r}")
    kid = sig.get("kid")
    if not isinstance(kid, str) or kid == "":
        return SignatureCheck(False, "malformed", "signature has no kid")
    value = sig.get("sig")
    # 64 bytes in canonical unpadded base64url: a lenient decoder would accept other spellings of them.
    if not isinstance(value, str) or not _SIG_TEXT.fullmatch(value):
        return SignatureCheck(False, "malformed", "signature value is not 64 bytes of base64url", kid)
    raw = b64url_decode(value)
    if len(raw) != 64 or b64url(raw) != value:
        return SignatureCheck(False, "malformed", "signature value is not canonical base64url", kid)
    key = lookup(kid)
    if key is None:
        untrusted = getattr(lookup, "untrusted", None)
        if untrusted is not None and untrusted(kid):
            message = f"signed by key {kid}, which the trust anchor does not name (a key written into the state directory?)"
            return SignatureCheck(False, "untrusted_key", message, kid)
        return SignatureCheck(False, "unknown_key", f"signed by unknown key {kid}", kid)
    rest = {k: v for k, v in receipt.items() if k != "signature"}
    try:
        body = canonical_json(rest)
    except CanonicalizationError as err:
        return SignatureCheck(False, "malformed", str(err), kid)
    try:
        key.verify(raw, body.encode("utf-8"))
    except InvalidSignature:
        return SignatureCheck(
            False, "bad_signature", f"signature does not verify with key {kid} (content changed after signing)", kid
        )
    return SignatureCheck(True, kid=kid, body=body)
