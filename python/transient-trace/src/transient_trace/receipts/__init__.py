"""ATP receipts: RFC 8785 JCS, Ed25519 signatures, the hash chain and its verification."""

from .canonical import canonical_json
from .keys import SigningKey, jwk_thumbprint, jwks_lookup, public_jwk
from .sign import sign_receipt
from .validate import validate_receipt
from .verify import verify_receipt_signature
from .verify_dir import VerifyResult, make_bundle, verify_bundle, verify_state_dir
from .verify_log import LogProblem, LogReport, verify_log_text

__all__ = [
    "LogProblem",
    "LogReport",
    "SigningKey",
    "VerifyResult",
    "canonical_json",
    "jwk_thumbprint",
    "jwks_lookup",
    "make_bundle",
    "public_jwk",
    "sign_receipt",
    "validate_receipt",
    "verify_log_text",
    "verify_bundle",
    "verify_receipt_signature",
    "verify_state_dir",
]
