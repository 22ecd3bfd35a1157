"""RFC 8785 JCS and signatures: the shared vectors, the ATP conformance vector, and the TypeScript encoder itself."""

from __future__ import annotations

import json
import math

import pytest
from conftest import load_vectors
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from transient_trace.receipts.canonical import (
    CanonicalizationError,
    canonical_json,
    number_text,
)
from transient_trace.receipts.hashing import event_snapshot_hash, sha256_hex
from transient_trace.receipts.keys import (
    SigningKey,
    jwk_thumbprint,
    jwks_lookup,
    public_jwk,
)
from transient_trace.receipts.sign import sign_receipt
from transient_trace.receipts.verify import verify_receipt_signature

VECTORS = load_vectors("receipts.json")


def vector_key(name: str = "key") -> SigningKey:
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTORS[name]["seed_hex"]))
    return SigningKey.from_pem(
        private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@pytest.mark.parametrize("case", VECTORS["canonicalization"], ids=lambda c: c["name"])
def test_canonicalization_vectors(case: dict) -> None:
    assert canonical_json(case["input"]) == case["canonical"]
    assert sha256_hex(case["canonical"]) == case["sha256"]


@pytest.mark.parametrize("case", VECTORS["snapshot_hashes"], ids=lambda c: c["hash"][:12])
def test_snapshot_hash_vectors(case: dict) -> None:
    assert event_snapshot_hash(case["snapshot"]) == case["hash"]


def test_vector_key_is_its_jwk() -> None:
    key = vector_key()
    assert key.kid == VECTORS["key"]["kid"] == jwk_thumbprint(VECTORS["key"]["jwk"]["x"])
    assert public_jwk(key.public_key) == VECTORS["key"]["jwk"]
    assert vector_key("other_key").kid == VECTORS["other_key"]["kid"]


@pytest.mark.parametrize("case", VECTORS["signing"], ids=lambda c: c["unsigned"]["receipt_id"])
def test_signing_vectors(case: dict) -> None:
    signed = sign_receipt(case["unsigned"], vector_key())
    assert canonical_json(case["unsigned"]) == case["signing_input"]
    assert signed.receipt["signature"]["sig"] == case["sig"]  # Ed25519 is deterministic
    assert signed.canonical == case["canonical"]
    assert signed.hash == case["hash"]
    lookup = jwks_lookup({"keys": [VECTORS["key"]["jwk"]]})[0]
    assert verify_receipt_signature(json.loads(case["canonical"]), lookup).ok


def test_atp_conformance_vector() -> None:
    v = VECTORS["atp_conformance"]
    assert canonical_json(v["receipt"]) == v["canonicalPayload"]
    assert sha256_hex(v["canonicalPayload"]) == v["canonicalPayloadSha256"]
    public = serialization.load_pem_public_key(v["publicKey"].encode())
    signed = v["signedReceipt"]
    body = {k: x for k, x in signed.items() if k != "signature"}
    assert canonical_json(body) == v["canonicalPayload"]
    result = verify_receipt_signature(signed, lambda kid: public if kid == v["kid"] else None)
    assert result.ok, result.message
    tampered = {**signed, "intent": {**signed["intent"], "action": "registry.unpublish"}}
    assert verify_receipt_signature(tampered, lambda kid: public).reason == "bad_signature"


def test_signature_checks_refuse_what_typescript_refuses() -> None:
    key = vector_key()
    lookup = jwks_lookup({"keys": [VECTORS["key"]["jwk"]]})[0]
    receipt = json.loads(VECTORS["signing"][0]["canonical"])
    sig = receipt["signature"]
    assert verify_receipt_signature({**receipt, "signature": {**sig, "alg": "RS256"}}, lookup).reason == "malformed"
    assert verify_receipt_signature({**receipt, "signature": {**sig, "version": "X"}}, lookup).reason == "malformed"
    assert verify_receipt_signature({**receipt, "signature": {**sig, "sig": sig["sig"] + "="}}, lookup).reason == "malformed"
    # The same 64 bytes spelled with non-zero padding bits in the last character: not canonical.
    last = sig["sig"][-1]
    other = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = sig["sig"][:-1] + other[other.index(last) ^ 1]
    assert verify_receipt_signature({**receipt, "signature": {**sig, "sig": twin}}, lookup).reason == "malformed"
    assert verify_receipt_signature(receipt, jwks_lookup({"keys": []})[0]).reason == "unknown_key"
    # A JWKS entry whose kid is not its key's thumbprint is refused.
    forged = {**VECTORS["key"]["jwk"], "kid": vector_key("other_key").kid}
    lookup2, rejected = jwks_lookup({"keys": [forged]})
    assert lookup2(forged["kid"]) is None and rejected
    assert key.kid == sig["kid"]


def test_numbers_match_ecmascript() -> None:
    assert [number_text(x) for x in (1e21, 1e20, 1e-6, 1e-7, 123e-20, 2**53 + 0.0, -0.0, 0.1 + 0.2)] == [
        "1e+21", "100000000000000000000", "0.000001", "1e-7", "1.23e-18", "9007199254740992", "0", "0.30000000000000004",
    ]
    assert canonical_json(2**60) == "1152921504606847000"  # past 2^53: the double, as JavaScript writes it
    for bad in (math.nan, math.inf, {1: "x"}, {"s": {1, 2}}):
        with pytest.raises(CanonicalizationError):
            canonical_json(bad)


def test_agrees_with_the_typescript_encoder(node) -> None:
    values = [
        {"é": 1, "e": 2, "\U0001f600": 3, "\ufb33": 4, "a\u0000": [True, None, False]},
        [0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, -1234.5678, 123456789012345680000.0, 4.35, 0.000001],
        {"s": "line\nbreak\ttab\u001f \u007f \u2028 \\ \" /"},
        {"nested": [{"z": 1, "a": {"y": [], "b": {}}}]},
        "\ud800 lone",
    ]
    script = """
        import { canonicalJson } from RECEIPTS;
        const values = JSON.parse(process.argv[1]);
        process.stdout.write(JSON.stringify(values.map((v) => canonicalJson(v))));
    """
    r = node.script(script, json.dumps(values))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [canonical_json(v) for v in values]
