"""
transient_trace: governance for Python agents. Every action is decided by a JSON policy compiled
into Cedar and sealed in a signed, hash-chained ATP receipt, in the same state directory and format
as the ``transient-trace`` CLI, which verifies it.

    from transient_trace import Client_init

    client = Client_init({"agentId": "my-agent", "policy": policy})
    result = client.executeActionWithReceipt(lambda: {"ok": True}, {"target": "resource-1", "action_class": "write_low"})
    result["receipt"]["receipt_id"]  # "TR-..."
"""

__version__ = "0.1.0"

from .client import Client_init, TransientTraceClient, client_init  # noqa: E402
from .errors import ConfigurationError, DeniedError, StateError, TransientTraceError  # noqa: E402
from .receipts.verify_dir import VerifyResult, verify_bundle, verify_state_dir  # noqa: E402

__all__ = [
    "Client_init",
    "ConfigurationError",
    "DeniedError",
    "StateError",
    "TransientTraceClient",
    "TransientTraceError",
    "VerifyResult",
    "client_init",
    "verify_bundle",
    "verify_state_dir",
]
