"""intercept(): every hooked library decided and recorded, block before anything is sent, uninstall
restoring everything. Real loopback HTTP servers; events read back from a real trusera-server."""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.request

import aiohttp
import httpx
import pytest
import requests
import urllib3
from support import Origin

from trusera_sdk import CedarEvaluator, ConfigurationError, PolicyViolationError, intercept

FORBID_SECRET_PATH = """
@id("no-secret-path")
forbid (principal, action == Action::"api_call", resource)
when { context.path like "/secret*" };
"""


@pytest.fixture
def origin():
    o = Origin()
    yield o
    o.close()


def _calls(origin: Origin, path: str) -> dict[str, object]:
    """One call of ``path`` through each hooked library; what each answered (or raised)."""
    url = origin.url + path
    out: dict[str, object] = {}

    def attempt(name, fn):
        try:
            out[name] = fn()
        except Exception as err:  # noqa: BLE001
            out[name] = err

    attempt("requests", lambda: requests.get(url, timeout=5).status_code)
    attempt("httpx", lambda: httpx.get(url, timeout=5).status_code)

    async def httpx_async():
        async with httpx.AsyncClient(timeout=5) as c:
            return (await c.get(url)).status_code

    attempt("httpx-async", lambda: asyncio.run(httpx_async()))
    attempt("urllib3", lambda: urllib3.PoolManager().request("GET", url, timeout=5).status)

    async def aio():
        async with aiohttp.ClientSession() as s:
            async with s.get(url) as r:
                await r.read()
                return r.status

    attempt("aiohttp", lambda: asyncio.run(aio()))
    attempt("urllib", lambda: urllib.request.urlopen(url, timeout=5).status)
    return out


def _by_library(events):
    return {e["metadata"]["library"]: e for e in events if e["type"] == "api_call"}


def test_log_mode_records_one_event_per_call_of_every_library(trusera_server, client, agent, origin):
    with intercept(client) as interceptor:
        assert set(interceptor.status.hooks) == {"requests", "httpx", "urllib3", "aiohttp", "urllib"}
        answers = _calls(origin, "/ok?api_key=abc123&q=1")
    assert set(answers.values()) == {200}, answers
    assert client.flush(10)
    events = trusera_server.events(agent=agent, wait_for=6)
    by_lib = _by_library(events)
    assert sorted(by_lib) == ["aiohttp", "httpx", "requests", "urllib", "urllib3"]  # httpx sync + async: one key
    assert len([e for e in events if e["type"] == "api_call"]) == 6  # requests' urllib3 underneath not twice
    e = by_lib["requests"]
    redacted = f"{origin.url}/ok?api_key=[REDACTED]&q=1"
    assert e["name"] == f"GET {redacted}"
    assert e["payload"]["url"] == redacted and e["payload"]["status_code"] == 200
    assert e["payload"]["response_size_bytes"] == 11
    assert e["metadata"] == {"decision": "allow", "enforcement": "log", "policy_ids": [], "blocked": False, "library": "requests"}
    assert len(origin.hits) == 6


def test_uninstall_puts_every_original_back(client):
    originals = (
        requests.sessions.Session.send,
        httpx.Client._send_single_request,
        httpx.AsyncClient._send_single_request,
        urllib3.connectionpool.HTTPConnectionPool.urlopen,
        aiohttp.ClientSession._request,
        urllib.request.OpenerDirector.open,
    )
    interceptor = intercept(client)
    assert requests.sessions.Session.send is not originals[0]
    with pytest.raises(ConfigurationError, match="another TruseraInterceptor"):
        intercept(client)
    interceptor.uninstall()
    interceptor.uninstall()  # twice is fine
    assert (
        requests.sessions.Session.send,
        httpx.Client._send_single_request,
        httpx.AsyncClient._send_single_request,
        urllib3.connectionpool.HTTPConnectionPool.urlopen,
        aiohttp.ClientSession._request,
        urllib.request.OpenerDirector.open,
    ) == originals


def test_block_mode_stops_every_library_before_anything_is_sent(trusera_server, client, agent, origin, caplog):
    evaluator = CedarEvaluator()
    evaluator.load_policy(FORBID_SECRET_PATH)
    with caplog.at_level(logging.WARNING, logger="trusera_sdk"):
        with intercept(client, enforcement="block", cedar_evaluator=evaluator):
            blocked = _calls(origin, "/secret/data?token=t0ps3cret")
            allowed = _calls(origin, "/public")
    assert all(isinstance(v, PolicyViolationError) for v in blocked.values()), blocked
    assert set(allowed.values()) == {200}
    assert [h[1] for h in origin.hits] == ["/public"] * 6  # nothing of the blocked calls left the process
    err = blocked["httpx"]
    assert isinstance(err, PolicyViolationError)
    assert err.code == "TRUSERA_POLICY_VIOLATION" and err.policy_ids == ("no-secret-path",)
    assert err.url == f"{origin.url}/secret/data?token=[REDACTED]" and err.method == "GET" and err.library == "httpx"
    assert str(err) == f"[Trusera] Policy violation: GET {origin.url}/secret/data?token=[REDACTED] denied (forbidden by policy no-secret-path)"
    assert sum("Policy violation (blocked)" in r.getMessage() for r in caplog.records) == 6
    assert client.flush(10)
    events = trusera_server.events(agent=agent, wait_for=18)
    violations = [e for e in events if e["type"] == "policy_violation"]
    assert len(violations) == 6
    assert violations[0]["payload"]["reasons"] == ["forbidden by policy no-secret-path"]
    blocked_calls = [e for e in events if e["type"] == "api_call" and e["metadata"]["blocked"]]
    assert len(blocked_calls) == 6
    assert all(e["payload"]["status_code"] is None and e["payload"]["error"].startswith("PolicyViolationError") for e in blocked_calls)


def test_policies_see_exactly_the_request_model(client, origin):
    evaluator = CedarEvaluator()
    evaluator.load_policy(
        """
        @id("no-credentials-in-post")
        forbid (principal, action == Action::"api_call", resource)
        when { context.method == "POST" && context.headers.contains("authorization")
               && context.scheme == "http" && context.port == %d && resource.hostname == "127.0.0.1"
               && context.query == "a=1" && context.url like "http://127.0.0.1:*/submit?a=1" };
        """
        % origin.port
    )
    with intercept(client, enforcement="block", cedar_evaluator=evaluator):
        with pytest.raises(PolicyViolationError):
            requests.post(origin.url + "/submit?a=1", headers={"Authorization": "Bearer sk-abcdefghijklmnopqrstuvwxyz"}, data=b"x", timeout=5)
        assert requests.post(origin.url + "/submit?a=1", data=b"x", timeout=5).status_code == 200  # no credential
        assert httpx.get(origin.url + "/submit?a=1", headers={"Authorization": "x"}, timeout=5).status_code == 200  # a GET


def test_warn_mode_lets_the_call_through_with_one_warning(trusera_server, client, agent, origin, caplog):
    evaluator = CedarEvaluator()
    evaluator.load_policy(FORBID_SECRET_PATH)
    with caplog.at_level(logging.WARNING, logger="trusera_sdk"):
        with intercept(client, enforcement="warn", cedar_evaluator=evaluator):
            assert httpx.get(origin.url + "/secret", timeout=5).status_code == 200
    warnings = [r.getMessage() for r in caplog.records if "Policy violation" in r.getMessage()]
    assert warnings == [f"[Trusera] Policy violation (allowed): GET {origin.url}/secret denied (forbidden by policy no-secret-path)"]
    assert client.flush(10)
    types = sorted(e["type"] for e in trusera_server.events(agent=agent, wait_for=2))
    assert types == ["api_call", "policy_violation"]


def test_a_redirect_to_a_forbidden_path_is_blocked_at_its_hop(client, origin):
    evaluator = CedarEvaluator()
    evaluator.load_policy(FORBID_SECRET_PATH)
    with intercept(client, enforcement="block", cedar_evaluator=evaluator):
        for call in (
            lambda: requests.get(origin.url + "/redirect?to=/secret", timeout=5),
            lambda: httpx.get(origin.url + "/redirect?to=/secret", timeout=5, follow_redirects=True),
            lambda: urllib.request.urlopen(origin.url + "/redirect?to=/secret", timeout=5),
        ):
            with pytest.raises(PolicyViolationError):
                call()
    assert [h[1] for h in origin.hits] == ["/redirect?to=/secret"] * 3


def test_exclude_patterns_leave_calls_alone(trusera_server, client, agent, origin):
    evaluator = CedarEvaluator()
    evaluator.load_policy(FORBID_SECRET_PATH)
    with intercept(client, enforcement="block", cedar_evaluator=evaluator, exclude_patterns=[r"/secret/health$"]):
        assert requests.get(origin.url + "/secret/health", timeout=5).status_code == 200
        with pytest.raises(PolicyViolationError):
            requests.get(origin.url + "/secret/other", timeout=5)
    assert client.flush(10)
    names = [e["name"] for e in trusera_server.events(agent=agent, wait_for=2) if e["type"] == "api_call"]
    assert names == [f"GET {origin.url}/secret/other"]
    with pytest.raises(ConfigurationError, match="not a regular expression"):
        intercept(client, exclude_patterns=["("])


def test_fail_closed_denies_while_no_policy_is_available(client, origin):
    with pytest.raises(ConfigurationError, match="fail_closed needs a policy source"):
        intercept(client, fail_closed=True)
    with pytest.raises(ConfigurationError, match="enforcement"):
        intercept(client, enforcement="deny")
    evaluator = CedarEvaluator()  # nothing loaded yet
    with intercept(client, enforcement="block", cedar_evaluator=evaluator, fail_closed=True):
        with pytest.raises(PolicyViolationError, match="no policy is available"):
            httpx.get(origin.url + "/x", timeout=5)
        evaluator.load_policy(FORBID_SECRET_PATH)
        assert httpx.get(origin.url + "/x", timeout=5).status_code == 200
    assert [h[1] for h in origin.hits] == ["/x"]


def test_decisions_are_cached_per_policy_set(client, origin):
    evaluator = CedarEvaluator()
    evaluator.load_policy(FORBID_SECRET_PATH)
    with intercept(client, enforcement="block", cedar_evaluator=evaluator) as interceptor:
        for _ in range(3):
            assert requests.get(origin.url + "/a", timeout=5).status_code == 200
        core = interceptor._core
        assert core is not None and len(core.cache) == 1  # one entry for three identical calls
        # A new set is never answered from the old set's cache.
        evaluator.load_policy('@id("no-a") forbid (principal, action == Action::"api_call", resource) when { context.path == "/a" };')
        with pytest.raises(PolicyViolationError, match="no-a"):
            requests.get(origin.url + "/a", timeout=5)
    assert [h[1] for h in origin.hits] == ["/a"] * 3
