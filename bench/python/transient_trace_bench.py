"""
The Python transient_trace's side of bench/suites/transient-trace-python.mjs: prints one JSON object
of medians in nanoseconds (and a verify rate), measured the way bench/lib.mjs measures (blocks of
calls, the median of the blocks). Run by the suite in its own virtualenv.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time

from transient_trace import Client_init, verify_state_dir
from transient_trace.policy.governor import AgentAction
from transient_trace.receipts.build import build_action_receipt
from transient_trace.receipts.canonical import canonical_json
from transient_trace.state.writer import ReceiptWriter


def sample(fn, blocks: int, per_block: int, warmup: int) -> float:
    for i in range(warmup):
        fn(i)
    out = []
    for _ in range(blocks):
        t = time.perf_counter_ns()
        for i in range(per_block):
            fn(i)
        out.append((time.perf_counter_ns() - t) / per_block)
    return statistics.median(out)


def body(n: int) -> dict:
    return build_action_receipt(
        actor_id="bench-agent", connector="transient-trace/python-sdk", action="execute", action_class="read",
        target={"id": f"resource-{n}"}, context={}, outcome="allow", block=False, mode="strict",
        reason_code="rule:reads", rule_ids=["reads"], errors=[], policy_digest="0" * 64, execution_status="executed",
        requested_at="2026-12-07T00:00:00.000000Z", decided_at="2026-12-07T00:00:00.000000Z", correlation_id=f"bench:{n}",
    )


def main() -> None:
    root = tempfile.mkdtemp(prefix="tt-py-bench-")
    os.environ["TRANSIENT_TRACE_TRUST_FILE"] = os.path.join(root, "trust.json")
    try:
        opts = {"blocks": int(sys.argv[1]) if len(sys.argv) > 1 else 20, "per_block": 100, "warmup": 200}
        writer = ReceiptWriter(os.path.join(root, "w"))
        key = writer.keys.signing_key()
        one = body(0)
        data = canonical_json(one).encode()
        raw_sign = sample(lambda i: key.private_key.sign(data), **opts)
        jcs = sample(lambda i: canonical_json(one), **opts)
        append = sample(lambda i: writer.record(one), **opts)
        writer.close()
        policy = {"version": 1, "defaultAction": "deny", "rules": [{"id": "reads", "action": "allow", "actionClasses": ["read", "write_low"]}]}
        client = Client_init({"agentId": "bench-agent", "policy": policy, "stateDir": os.path.join(root, "c")})
        act = AgentAction("execute", "resource-1", "read")
        decide = sample(lambda i: client.governor.decide("bench-agent", act), **opts)
        execute = sample(lambda i: client.executeActionWithReceipt(lambda: i, {"target": "resource-1", "action_class": "read"}), **opts)
        client.close()
        t = time.perf_counter_ns()
        result = verify_state_dir(os.path.join(root, "w"))
        verify_ns = time.perf_counter_ns() - t
        if not result.report.ok:
            raise SystemExit(f"bench log did not verify: {result.report.problems[0].message}")
        signature = key.private_key.sign(data)
        raw_verify = sample(lambda i: key.public_key.verify(signature, data), **opts)
        print(json.dumps({
            "raw_sign": raw_sign, "jcs": jcs, "append": append, "decide": decide, "execute": execute,
            "raw_verify": raw_verify, "verify_receipts": result.report.receipts, "verify_ns": verify_ns,
            "python": sys.version.split()[0],
        }))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
