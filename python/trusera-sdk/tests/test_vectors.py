"""Every shared vector of spec/vectors/ that applies to this SDK (README there): the same contract as
the TypeScript implementation, case by case. Files and sections this SDK has no part in
(json-policy.json, receipts.json: transient_trace's) are run by that project's suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trusera_sdk.cedar import (
    REQUEST_MODEL_SCHEMA,
    CedarEvaluator,
    agent_action_request,
    command_request,
    data_request,
    decision_request,
    event_to_cedar_request,
    file_write_request,
    http_request,
    model_request,
    tool_request,
)
from trusera_sdk.cedar.evaluator import DEFAULT_ALLOW_POLICY_ID
from trusera_sdk.errors import PolicyLoadError
from trusera_sdk.events import EVENT_TYPES, MAX_AGENT_ID_LENGTH, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_NAME_LENGTH, validate_event
from trusera_sdk.events.limits import MAX_DROPPED_PER_BATCH
from trusera_sdk.redact import REDACTED, contains_secret, header_names, is_sensitive_name, redact_headers, redact_text, redact_url, scrub_secrets

VECTORS = Path(__file__).resolve().parents[3] / "spec" / "vectors"


def load(name: str) -> dict[str, Any]:
    data = json.loads((VECTORS / name).read_text())
    assert data["format"] == 1, f"{name}: format {data['format']} is not one this suite knows"
    return data


def cases(name: str, section: str, key: str = "name") -> list[Any]:
    items = load(name)[section]
    assert items, f"{name} has no {section}"
    return [pytest.param(c, id=str(c.get(key, c.get("input", i)) if isinstance(c, dict) else i)[:80]) for i, c in enumerate(items)]


# -- events.json ------------------------------------------------------------------------------


def test_event_limits_and_types_match():
    data = load("events.json")
    ours = {
        "maxNameLength": MAX_NAME_LENGTH,
        "maxAgentIdLength": MAX_AGENT_ID_LENGTH,
        "maxEventBytes": MAX_EVENT_BYTES,
        "maxBatchEvents": MAX_BATCH_EVENTS,
        "maxDroppedPerBatch": MAX_DROPPED_PER_BATCH,
    }
    # The file may gain limits this SDK does not enforce; every one it does must match.
    assert {k: data["limits"].get(k) for k in ours} == ours
    assert set(data["event_types"]) == EVENT_TYPES


@pytest.mark.parametrize("case", cases("events.json", "cases"))
def test_event_validation(case):
    problems = validate_event(case["event"])
    assert (not problems) == case["valid"]
    assert [p.split(" ", 1)[0] for p in problems] == case["fields"]
    assert problems == case["problems"]


# -- redaction.json ---------------------------------------------------------------------------


def test_redaction_marker():
    assert load("redaction.json")["marker"] == REDACTED


@pytest.mark.parametrize("case", cases("redaction.json", "names"))
def test_sensitive_names(case):
    assert is_sensitive_name(case["name"]) is case["sensitive"]


@pytest.mark.parametrize("case", cases("redaction.json", "text", "input"))
def test_redact_text(case):
    assert redact_text(case["input"]) == case["expected"]
    assert contains_secret(case["input"]) is case["contains_secret"]


@pytest.mark.parametrize("case", cases("redaction.json", "objects"))
def test_scrub_secrets(case):
    assert scrub_secrets(case["input"]) == case["expected"]


@pytest.mark.parametrize("case", cases("redaction.json", "urls", "input"))
def test_redact_url(case):
    assert redact_url(case["input"]) == case["expected"]


@pytest.mark.parametrize("case", cases("redaction.json", "headers"))
def test_redact_headers(case):
    assert redact_headers(case["input"]) == case["expected"]
    assert header_names(case["input"]) == case["names"]


# -- request-model.json -----------------------------------------------------------------------


def test_request_model_schema_is_the_same_text():
    assert load("request-model.json")["schema"].strip() == REQUEST_MODEL_SCHEMA.strip()


def build(builder: str, a: dict[str, Any]) -> Any:
    if builder == "http":
        return http_request(a["agent_id"], a["url"], a.get("method", "GET"), a.get("headers"))
    if builder == "tool":
        return tool_request(a["agent_id"], a["tool"], a["args"]) if "args" in a else tool_request(a["agent_id"], a["tool"])
    if builder == "model":
        return model_request(a["agent_id"], a["model"], a.get("provider", "unknown"))
    if builder == "data":
        return data_request(a["agent_id"], a["source"], a.get("operation", "read"))
    if builder == "file_write":
        return file_write_request(a["agent_id"], a["path"], a.get("operation", "write"))
    if builder == "decision":
        return decision_request(a["agent_id"], a["name"])
    if builder == "command":
        return command_request(
            a["agent_id"], a["binary"], a["args"], a["action_class"], a["cwd"], a.get("hosts", ()), a.get("host", ""), a.get("path", "")
        )
    if builder == "agent_action":
        return agent_action_request(a["agent_id"], a["action"], a["target"], a["action_class"], a.get("host", ""), a.get("path", ""))
    if builder == "event":
        return event_to_cedar_request(a["event"])
    raise AssertionError(f"unknown builder {builder}")


@pytest.mark.parametrize("case", cases("request-model.json", "cases"))
def test_request_model(case):
    assert build(case["builder"], case["args"]) == case["expected"]


# -- decisions.json ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("decisions.json", "cases"))
def test_decisions(case):
    schema = load("decisions.json")["schema"] if case["schema"] else None
    evaluator = CedarEvaluator(default_decision=case["default_decision"], schema=schema)
    if case.get("load_error"):
        with pytest.raises(PolicyLoadError) as err:
            evaluator.load_policy(case["policies"])
        assert all(d.line >= 1 and d.column >= 1 for d in err.value.diagnostics)
        assert not evaluator.loaded
        return
    evaluator.load_policy(case["policies"])
    for r in case["requests"]:
        got = evaluator.evaluate(r["request"])
        expected = r["expected"]
        ids = sorted(i for i in got.policy_ids if i != DEFAULT_ALLOW_POLICY_ID)
        assert (got.decision, ids, bool(got.errors)) == (expected["decision"], expected["policy_ids"], expected["errors"]), r["request"]
