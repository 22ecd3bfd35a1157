"""Policies from the server's bundle (policy_url): ETag and 304, last good bundle kept, garbage never
turning into a silent fail-open. A server of this module's own, so that its active policy is not
another test's."""

from __future__ import annotations

import logging

import httpx
import pytest
from conftest import _start_server
from support import Front, Origin

from trusera_sdk import PolicyViolationError, TruseraClient, intercept

POLICY = '@id("no-secret") forbid (principal, action == Action::"api_call", resource) when { context.path like "/secret*" };'


@pytest.fixture(scope="module")
def server():
    s = _start_server()
    status, body = s.api("POST", "/api/v1/policies", {"policies": POLICY, "activate": True})
    assert status == 201, body
    yield s
    s.proc.terminate()
    s.proc.wait(10)


@pytest.fixture
def origin():
    o = Origin()
    yield o
    o.close()


def test_the_bundle_is_fetched_with_etag_and_enforced(server, origin):
    front = Front(server.url)
    client = TruseraClient(api_key=server.api_key, base_url=front.url, agent_id="bundle-agent")
    try:
        with intercept(client, enforcement="block", policy_url="/api/v1/policies/bundle") as interceptor:
            assert interceptor.ready(10)
            st = interceptor.status.policy
            assert st is not None and st.state == "active" and st.digest.startswith("sha256:")
            with pytest.raises(PolicyViolationError, match="no-secret"):
                httpx.get(origin.url + "/secret", timeout=5)
            assert httpx.get(origin.url + "/open", timeout=5).status_code == 200
            interceptor.refresh_policy()
        gets = [s for s in front.seen if s.path == "/api/v1/policies/bundle"]
        assert len(gets) == 2 and "if-none-match" not in gets[0].headers
        assert gets[1].headers["if-none-match"].startswith('"sha256:')
    finally:
        client.close(5)
        front.close()
    assert [h[1] for h in origin.hits] == ["/open"]


def test_garbage_keeps_the_last_good_policy_and_says_so(server, origin, caplog):
    answers = {"mode": "forward"}

    def plan(n, seen):
        if seen.path != "/api/v1/policies/bundle" or answers["mode"] == "forward":
            return None
        return (200, {"content-type": "application/json"}) if answers["mode"] == "garbage" else (500, {})

    front = Front(server.url, plan)
    client = TruseraClient(api_key=server.api_key, base_url=front.url, agent_id="bundle-agent")
    try:
        with caplog.at_level(logging.WARNING, logger="trusera_sdk"):
            with intercept(client, enforcement="block", policy_url="/api/v1/policies/bundle") as interceptor:
                assert interceptor.ready(10)
                for mode in ("garbage", "error"):
                    answers["mode"] = mode
                    interceptor.refresh_policy()
                    st = interceptor.status.policy
                    assert st is not None and st.state == "active" and st.last_error
                    with pytest.raises(PolicyViolationError):
                        httpx.get(origin.url + "/secret", timeout=5)
        messages = [r.getMessage() for r in caplog.records]
        assert any("invalid policy bundle: version must be a string or null" in m and "keeping the last good policy" in m for m in messages)
        assert any("answered 500" in m for m in messages)
    finally:
        client.close(5)
        front.close()


def test_an_unreachable_bundle_denies_with_fail_closed_and_allows_without(server, origin, caplog):
    client = TruseraClient(api_key=server.api_key, base_url="http://127.0.0.1:9", agent_id="bundle-agent", timeout=1)
    try:
        with caplog.at_level(logging.WARNING, logger="trusera_sdk"):
            with intercept(client, enforcement="block", policy_url="/api/v1/policies/bundle", fail_closed=True) as i:
                assert i.ready(10) and i.status.policy.state == "unavailable"
                with pytest.raises(PolicyViolationError, match="no policy is available"):
                    httpx.get(origin.url + "/open", timeout=5)
            with intercept(client, enforcement="block", policy_url="/api/v1/policies/bundle") as i:
                assert i.ready(10)
                assert httpx.get(origin.url + "/open", timeout=5).status_code == 200
        assert any("cannot reach" in r.getMessage() for r in caplog.records)  # never silent
    finally:
        client.close(0.5)


def test_no_active_policy_allows_even_with_fail_closed(server, origin):
    none = b'{"version":null,"digest":"sha256:00","policies":"","default_decision":"allow"}'
    front = Front(server.url, lambda n, seen: (200, {"content-type": "application/json"}, none))
    client = TruseraClient(api_key=server.api_key, base_url=front.url, agent_id="bundle-agent")
    try:
        with intercept(client, enforcement="block", policy_url="/api/v1/policies/bundle", fail_closed=True) as i:
            assert i.ready(10) and i.status.policy.state == "none"
            assert httpx.get(origin.url + "/open", timeout=5).status_code == 200
    finally:
        client.close(5)
        front.close()
