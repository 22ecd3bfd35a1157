package trusera

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func mustHTTP(t *testing.T, agent, url, method string, h http.Header) Request {
	t.Helper()
	r, err := HTTPRequest(agent, url, method, h)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEvaluatorDecidesWithTheRequestModel(t *testing.T) {
	ev, err := NewCedarEvaluator(`
@id("no-pastebin")
forbid (principal, action == Action::"api_call", resource)
when { resource.hostname like "*pastebin.com" };
@id("creds") forbid (principal, action == Action::"api_call", resource)
when { context.headers.contains("authorization") && !(resource.hostname like "*.openai.com") };
@id("no-etc") forbid (principal, action == Action::"tool_call", resource == Tool::"read_file")
when { resource.hasTag("path") && resource.getTag("path") like "/etc/*" };
`)
	if err != nil {
		t.Fatal(err)
	}
	d := ev.Evaluate(mustHTTP(t, "my-agent", "https://pastebin.com/raw/x", "GET", nil))
	if d.Decision != "deny" || strings.Join(d.PolicyIDs, ",") != "no-pastebin" {
		t.Fatalf("pastebin: %+v", d)
	}
	d = ev.Evaluate(mustHTTP(t, "my-agent", "https://api.openai.com/v1", "POST", http.Header{"Authorization": {"Bearer x"}}))
	if d.Decision != "allow" || strings.Join(d.PolicyIDs, ",") != DefaultAllowPolicyID {
		t.Fatalf("openai: %+v", d)
	}
	d = ev.Evaluate(mustHTTP(t, "my-agent", "https://example.com/", "POST", http.Header{"Authorization": {"Bearer x"}}))
	if d.Decision != "deny" || strings.Join(d.PolicyIDs, ",") != "creds" {
		t.Fatalf("creds: %+v", d)
	}
	d = ev.Evaluate(ToolRequest("a", "read_file", map[string]any{"path": "/etc/passwd", "limit": 10}))
	if d.Decision != "deny" {
		t.Fatalf("tool: %+v", d)
	}
	d = ev.Evaluate(ToolRequest("a", "read_file", map[string]any{"limit": 10}))
	if d.Decision != "allow" {
		t.Fatalf("tool without path: %+v", d)
	}
}

func TestEvaluatorRefusesWhatDoesNotFitAndKeepsTheLastGoodSet(t *testing.T) {
	ev, err := NewCedarEvaluator(`@id("a") forbid (principal, action == Action::"api_call", resource) when { resource.hostname == "x.test" };`)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		`@id("typo") forbid (principal, action == Action::"api_call", resource) when { resource.hostnme == "x" };`,
		`@id("path") forbid (principal, action, resource) when { context.path == "/x" };`,
		`forbid (principal, action, resource) when { x == };`,
		`@id("d") forbid (principal, action, resource); @id("d") forbid (principal, action, resource);`,
		`permit (principal == ?principal, action, resource);`,
	} {
		err := ev.Load(bad)
		var le *PolicyLoadError
		if !errors.As(err, &le) || len(le.Diagnostics) == 0 {
			t.Fatalf("%s: want a PolicyLoadError, got %v", bad, err)
		}
		var root *Error
		if !errors.As(err, &root) || root.Code != CodePolicyInvalid {
			t.Fatalf("code: %v", err)
		}
		if d := ev.Evaluate(mustHTTP(t, "a", "https://x.test/", "GET", nil)); d.Decision != "deny" {
			t.Fatalf("last good set lost after %q: %+v", bad, d)
		}
	}
	err = ev.Load("@id(\"typo\")\nforbid (principal, action == Action::\"api_call\", resource)\nwhen { resource.hostnme == \"x\" };")
	var le *PolicyLoadError
	errors.As(err, &le)
	if d := le.Diagnostics[0]; d.PolicyID != "typo" || d.Line != 3 || d.Column != 17 || !strings.Contains(d.Message, "hostnme") {
		t.Fatalf("diagnostic: %+v", d)
	}
}

func TestDefaultDenyIsAnAllowList(t *testing.T) {
	ev, err := NewCedarEvaluator(`@id("gh") permit (principal, action == Action::"api_call", resource == Host::"api.github.com");`, WithDefaultDecision("deny"))
	if err != nil {
		t.Fatal(err)
	}
	if d := ev.Evaluate(mustHTTP(t, "a", "https://api.github.com/x", "GET", nil)); d.Decision != "allow" || d.PolicyIDs[0] != "gh" {
		t.Fatalf("%+v", d)
	}
	if d := ev.Evaluate(mustHTTP(t, "a", "https://example.com/", "GET", nil)); d.Decision != "deny" || len(d.PolicyIDs) != 0 {
		t.Fatalf("%+v", d)
	}
}

func TestTemplatesAreRefusedWithAClearMessage(t *testing.T) {
	_, err := NewCedarEvaluator(`permit (principal == ?principal, action, resource);`)
	if err == nil || !strings.Contains(err.Error(), "policy templates are not supported") {
		t.Fatalf("%v", err)
	}
}
