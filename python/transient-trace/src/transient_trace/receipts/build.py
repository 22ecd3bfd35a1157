"""The ATP receipt body of a governed action (before the log chains and signs it), as core's build.ts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import __version__
from ..redact import redact_text, scrub_secrets
from .clock import now_iso
from .hashing import event_snapshot_hash
from .ids import new_receipt_ids
from .validate import MAX_METADATA_MEMBERS

IMPLEMENTATION = "transient-trace-python"

_EVENT_BY_STATUS = {
    "executed": "action_executed",
    "blocked": "action_blocked",
    "expired": "action_expired",
    "error": "action_failed",
}


def build_action_receipt(
    *,
    actor_id: str,
    connector: str,
    action: str,
    action_class: str,
    target: dict[str, Any],
    context: dict[str, Any] | None,
    outcome: str,
    block: bool,
    mode: str,
    reason_code: str,
    rule_ids: Sequence[str],
    errors: Sequence[str],
    policy_digest: str,
    execution_status: str,
    requested_at: str,
    decided_at: str,
    correlation_id: str,
    completed_at: str | None = None,
    input_hash: dict[str, str] | None = None,
    output_hash: dict[str, str] | None = None,
    error: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """
    Denied actions get a receipt too: ``decision.outcome`` is the policy's verdict,
    ``execution_status`` what happened (in audit mode a denied action is ``executed`` and
    ``decision.enforced`` is false).
    """
    ids = new_receipt_ids()
    completed = completed_at or now_iso()
    snapshot: dict[str, Any] = {
        "events": [
            {"eventType": "action_requested", "capturedAt": requested_at},
            {"eventType": "action_decided", "capturedAt": decided_at, "outcome": outcome},
            {"eventType": _EVENT_BY_STATUS[execution_status], "capturedAt": completed},
        ],
        "runStatus": execution_status,
    }
    if error is not None:
        snapshot["error"] = redact_text(error)[:2000]
    meta = {"implementation": IMPLEMENTATION, "implementation_version": __version__, **scrub_secrets(metadata or {})}
    if len(meta) > MAX_METADATA_MEMBERS:
        raise ValueError(f"receipt metadata has more than {MAX_METADATA_MEMBERS} members")
    decision: dict[str, Any] = {
        "decision_id": ids["decision_id"],
        "intent_id": ids["intent_id"],
        "outcome": outcome,
        "reason_code": reason_code,
        "decided_at": decided_at,
        "mode": mode,
        "enforced": block,
        "rule_ids": list(rule_ids),
        "policy_digest": policy_digest,
    }
    if errors:
        decision["errors"] = [redact_text(e)[:500] for e in errors][:10]
    body: dict[str, Any] = {
        "schemaVersion": "1.0.0",
        **ids,
        "execution_status": execution_status,
        "captured_at": completed,
        "occurred_at": requested_at,
        "received_at": decided_at,
        "sealed_at": now_iso(),
        "event_snapshot": snapshot,
        "event_snapshot_hash": event_snapshot_hash(snapshot),
        "correlation_id": correlation_id,
        "intent": {
            "intent_id": ids["intent_id"],
            "actor_id": actor_id,
            "connector": connector,
            "action": action,
            "action_class": action_class,
            "target": scrub_secrets(target),
            "context": scrub_secrets(context or {}),
            "governance_profile": f"transient-trace:{mode}",
            "requested_at": requested_at,
        },
        "decision": decision,
        "metadata": meta,
    }
    if input_hash:
        body["input_hash"] = input_hash
    if output_hash:
        body["output_hash"] = output_hash
    return body
