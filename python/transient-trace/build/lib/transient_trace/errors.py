"""One error root for the package, each subclass with a stable ``code`` users can match on."""

from __future__ import annotations

from typing import Any


class TransientTraceError(Exception):
    """The root of every error this package raises on purpose."""

    code = "TRANSIENT_TRACE_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(TransientTraceError, ValueError):
    """Options or a policy are wrong; the message says which and how to fix it."""

    code = "TRANSIENT_TRACE_CONFIG"


class StateError(TransientTraceError):
    """The state directory (keys, receipts) cannot be read or written as needed."""

    code = "TRANSIENT_TRACE_STATE"


class DeniedError(TransientTraceError, RuntimeError):
    """
    Raised by ``executeActionWithReceipt`` when the policy denies an action and the mode blocks it.
    A ``RuntimeError`` whose message is ``Denied: <reason_code>``, as the seed documents; the signed
    receipt of the denial is already in the log and on ``.receipt``.
    """

    code = "TRANSIENT_TRACE_DENIED"

    def __init__(self, reason_code: str, receipt: dict[str, Any]) -> None:
        super().__init__(f"Denied: {reason_code}")
        self.reason_code = reason_code
        self.receipt = receipt
