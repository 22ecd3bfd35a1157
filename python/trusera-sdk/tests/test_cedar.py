"""CedarEvaluator beyond the shared vectors: where an error is (line and column), a bad set keeping
the last good one, default decisions, and the request model's own examples (docs/policy-model.md)."""

from __future__ import annotations

import pytest

from trusera_sdk import CedarEvaluator, ConfigurationError, PolicyLoadError
from trusera_sdk.cedar import REQUEST_MODEL_SCHEMA, file_write_request, http_request, tool_request


def _error(text: str, **kw):
    with pytest.raises(PolicyLoadError) as err:
        CedarEvaluator(**kw).load_policy(text)
    assert err.value.code == "TRUSERA_POLICY_INVALID"
    return err.value.diagnostics


def test_a_schema_error_is_placed_at_the_name_it_is_about():
    text = '@id("ok") permit (principal, action, resource);\n\n@id("typo")\nforbid (principal, action == Action::"api_call", resource)\n  when { resource.hostnme == "x" };'
    (d,) = _error(text)
    assert (d.policy_id, d.line, d.column) == ("typo", 5, 19)
    assert "hostnme" in d.message


def test_a_syntax_error_is_placed_at_the_bad_token():
    text = 'permit (principal, action, resource);\n@id("b")\npermit (principal, action, resource)\n  when { context.x == 1 + };'
    (d,) = _error(text, schema=None)
    assert (d.policy_id, d.line, d.column) == ("b", 4, 27)
    assert d.message == "unexpected token `}`"


def test_an_unterminated_policy_and_string_are_placed():
    (d,) = _error('permit (principal, action, resource)', schema=None)
    assert (d.line, d.column, d.message) == (1, 37, "unexpected end of input")
    (d,) = _error('forbid (principal, action, resource)\nwhen { context.url like "https://* };', schema=None)
    assert (d.line, d.column, d.message) == (2, 25, "invalid token")


def test_duplicate_ids_and_templates_are_refused_with_positions():
    (d,) = _error('@id("a") permit (principal, action, resource);\n@id("a") forbid (principal, action, resource);')
    assert (d.policy_id, d.line, d.column) == ("a", 2, 1) and "duplicate" in d.message
    (d,) = _error("permit (principal == ?principal, action, resource);")
    assert (d.line, d.column) == (1, 22) and "templates" in d.message


def test_a_bad_set_keeps_the_last_good_one():
    e = CedarEvaluator()
    e.load_policy('@id("no-pem") forbid (principal, action == Action::"file_write", resource) when { resource.extension == "pem" };')
    generation = e.generation
    with pytest.raises(PolicyLoadError):
        e.load_policy("forbid (principal, action, resource) when { resource.nope };")
    assert e.generation == generation and e.policy_ids == ("no-pem",)
    d = e.evaluate(file_write_request("a", "/home/me/.ssh/id.PEM"))
    assert (d.decision, d.policy_ids) == ("deny", ("no-pem",))


def test_default_decisions():
    allow = CedarEvaluator()
    assert allow.evaluate(tool_request("a", "x")).errors == ("no policy loaded",)
    allow.load_policy("")
    assert allow.evaluate(tool_request("a", "x")).policy_ids == ("trusera.default-allow",)
    deny = CedarEvaluator(default_decision="deny")
    deny.load_policy('@id("search") permit (principal, action == Action::"tool_call", resource == Tool::"search");')
    assert deny.evaluate(tool_request("a", "search")).decision == "allow"
    d = deny.evaluate(tool_request("a", "delete"))
    assert (d.decision, d.policy_ids) == ("deny", ())
    assert deny.load_policy("", default_decision="allow").policy_ids == ()
    assert deny.evaluate(tool_request("a", "delete")).decision == "allow"
    with pytest.raises(ConfigurationError):
        CedarEvaluator(default_decision="maybe")
    with pytest.raises(ConfigurationError):
        CedarEvaluator().load_policy(None)  # type: ignore[arg-type]


def test_the_documented_examples_decide_as_documented():
    e = CedarEvaluator()
    e.load_policy(
        """
        @id("no-credentials-to-unknown-hosts")
        forbid (principal, action == Action::"api_call", resource)
        when { context.headers.contains("authorization") && !(resource.hostname like "*.openai.com") };
        @id("no-plain-http")
        forbid (principal, action == Action::"api_call", resource) when { context.scheme == "http" };
        @id("read-only-github")
        forbid (principal, action == Action::"api_call", resource == Host::"api.github.com")
        when { context.method != "GET" };
        @id("no-etc")
        forbid (principal, action == Action::"tool_call", resource == Tool::"read_file")
        when { resource.hasTag("path") && resource.getTag("path") like "/etc/*" };
        """
    )
    ids = lambda r: e.evaluate(r).policy_ids  # noqa: E731
    assert ids(http_request("a", "https://api.openai.com/v1", "POST", {"Authorization": "x"})) == ("trusera.default-allow",)
    assert ids(http_request("a", "https://evil.example/", "GET", {"Authorization": "x"})) == ("no-credentials-to-unknown-hosts",)
    assert ids(http_request("a", "http://example.com/")) == ("no-plain-http",)
    assert ids(http_request("a", "https://api.github.com/repos", "DELETE")) == ("read-only-github",)
    assert ids(tool_request("a", "read_file", {"path": "/etc/passwd", "limit": 10})) == ("no-etc",)
    assert ids(tool_request("a", "read_file", {"path": "/home/x"})) == ("trusera.default-allow",)


def test_the_schema_is_the_request_model():
    assert 'action "api_call" appliesTo' in REQUEST_MODEL_SCHEMA
