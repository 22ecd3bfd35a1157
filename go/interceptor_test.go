package trusera

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// target is a loopback HTTP server standing for the outside world; it counts what reaches it.
type target struct {
	*httptest.Server
	hits atomic.Int32
}

func newTarget(t *testing.T) *target {
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("hello from " + r.URL.Path))
	}))
	t.Cleanup(tg.Close)
	return tg
}

// reporting is a client of the real server under a fresh agent name.
func reporting(t *testing.T) (*testServer, *Client, string, *recordingLogger) {
	s := realServer(t)
	agent := uniqueAgent(t)
	logs := &recordingLogger{}
	c := NewClient(s.apiKey, WithBaseURL(s.url), WithAgentID(agent), WithFlushInterval(time.Hour), WithLogger(logs))
	t.Cleanup(func() { _ = c.Close() })
	return s, c, agent, logs
}

func byType(events []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, e := range events {
		if e["type"] == typ {
			out = append(out, e)
		}
	}
	return out
}

func TestLogModeRecordsEveryCall(t *testing.T) {
	s, c, agent, logs := reporting(t)
	tg := newTarget(t)
	hc := WrapHTTPClient(&http.Client{}, c, InterceptorOptions{Enforcement: ModeLog})
	req, _ := http.NewRequest("POST", tg.URL+"/v1/chat?api_key=abc123&q=1#frag", strings.NewReader(`{"model":"x"}`))
	req.Header.Set("Authorization", "Bearer sk-"+strings.Repeat("q", 24))
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if string(body) != "hello from /v1/chat" {
		t.Fatalf("body %q", body)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	events := s.events(t, agent)
	if len(events) != 1 {
		t.Fatalf("%d events: %v", len(events), events)
	}
	e := events[0]
	p := e["payload"].(map[string]any)
	m := e["metadata"].(map[string]any)
	wantURL := tg.URL + "/v1/chat?api_key=[REDACTED]&q=1"
	if e["type"] != "api_call" || e["name"] != "POST "+wantURL || p["url"] != wantURL || p["method"] != "POST" {
		t.Fatalf("event: %v", e)
	}
	if p["status_code"] != float64(200) || p["request_size_bytes"] != float64(13) || p["response_size_bytes"] != float64(len(body)) {
		t.Fatalf("payload: %v", p)
	}
	h := p["request_headers"].(map[string]any)
	if h["authorization"] != "[REDACTED]" || h["content-type"] != "application/json" {
		t.Fatalf("headers: %v", h)
	}
	if m["decision"] != "allow" || m["enforcement"] != "log" || m["blocked"] != false || m["library"] != Library {
		t.Fatalf("metadata: %v", m)
	}
	if d, _ := p["duration_ms"].(float64); d <= 0 {
		t.Fatalf("duration_ms %v", p["duration_ms"])
	}
	if logs.all() != "" {
		t.Fatalf("warnings: %s", logs.all())
	}
}

func TestBlockModeSendsNothingAndFailsWithPolicyViolationError(t *testing.T) {
	s, c, agent, logs := reporting(t)
	tg := newTarget(t)
	host := strings.TrimPrefix(tg.URL, "http://")
	hc := WrapHTTPClient(&http.Client{}, c, InterceptorOptions{
		Enforcement:   ModeBlock,
		BlockPatterns: []string{host + "/exfil"},
	})
	res, err := hc.Post(tg.URL+"/exfil/upload", "text/plain", strings.NewReader("secret data"))
	if res != nil || err == nil {
		t.Fatalf("want an error, got %v %v", res, err)
	}
	var v *PolicyViolationError
	if !errors.As(err, &v) || v.Method != "POST" || v.PolicyIDs[0] != "block-pattern-0" || v.Library != Library {
		t.Fatalf("error: %#v", err)
	}
	var root *Error
	if !errors.As(err, &root) || root.Code != CodePolicyViolation || !IsPolicyViolation(err) {
		t.Fatalf("root: %v", err)
	}
	if !strings.Contains(err.Error(), "[Trusera] Policy violation: POST "+tg.URL+"/exfil/upload denied (forbidden by policy block-pattern-0)") {
		t.Fatalf("message: %v", err)
	}
	if tg.hits.Load() != 0 {
		t.Fatal("a blocked request reached the server")
	}
	// Other calls go through.
	res, err = hc.Get(tg.URL + "/fine")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	_ = c.Flush()
	events := s.events(t, agent)
	calls, violations := byType(events, "api_call"), byType(events, "policy_violation")
	if len(calls) != 2 || len(violations) != 1 {
		t.Fatalf("events: %v", events)
	}
	vp := violations[0]["payload"].(map[string]any)
	vm := violations[0]["metadata"].(map[string]any)
	if vp["status_code"] != nil || !strings.HasPrefix(vp["error"].(string), "PolicyViolationError: ") || vm["blocked"] != true || vm["decision"] != "deny" {
		t.Fatalf("violation: %v", violations[0])
	}
	if reasons := vp["reasons"].([]any); reasons[0] != "forbidden by policy block-pattern-0" {
		t.Fatalf("reasons: %v", reasons)
	}
	if !strings.Contains(logs.all(), "Policy violation (blocked): POST") {
		t.Fatalf("logs: %s", logs.all())
	}
}

func TestWarnModeLetsTheCallThroughAndSaysSo(t *testing.T) {
	s, c, agent, logs := reporting(t)
	tg := newTarget(t)
	ev, err := NewCedarEvaluator(`@id("read-only") forbid (principal, action == Action::"api_call", resource) when { context.method != "GET" };`)
	if err != nil {
		t.Fatal(err)
	}
	hc := WrapHTTPClient(nil, c, InterceptorOptions{Enforcement: ModeWarn, Evaluator: ev})
	res, err := hc.Post(tg.URL+"/write", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if tg.hits.Load() != 1 {
		t.Fatal("warn mode must let the call through")
	}
	_ = c.Flush()
	if len(byType(s.events(t, agent), "policy_violation")) != 1 {
		t.Fatal("no policy_violation recorded")
	}
	if strings.Count(logs.all(), "Policy violation (allowed): POST "+tg.URL+"/write (forbidden by policy read-only)") != 1 {
		t.Fatalf("logs: %s", logs.all())
	}
}

func TestBlockedResponseIsTheSeedsSynthetic403(t *testing.T) {
	_, c, _, _ := reporting(t)
	tg := newTarget(t)
	hc := WrapHTTPClient(nil, c, InterceptorOptions{Enforcement: ModeBlock, BlockPatterns: []string{"/admin"}, BlockedResponse: true})
	res, err := hc.Get(tg.URL + "/admin/delete")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 403 || res.Header.Get("X-Trusera-Blocked") != "true" || !strings.Contains(string(body), CodePolicyViolation) || tg.hits.Load() != 0 {
		t.Fatalf("%d %v %s hits=%d", res.StatusCode, res.Header, body, tg.hits.Load())
	}
}

func TestCedarPoliciesSeeTheRequestModel(t *testing.T) {
	_, c, agent, _ := reporting(t)
	tg := newTarget(t)
	ev, err := NewCedarEvaluator(fmt.Sprintf(`
@id("creds-only-to-openai") forbid (principal, action == Action::"api_call", resource)
when { context.headers.contains("authorization") && !(resource.hostname like "*.openai.com") };
@id("only-this-agent") forbid (principal, action == Action::"api_call", resource)
when { principal != Agent::%q && context.path like "/agent-only*" };
@id("port") forbid (principal, action == Action::"api_call", resource) when { context.port == 1 && context.query == "x=1" };
`, agent))
	if err != nil {
		t.Fatal(err)
	}
	hc := WrapHTTPClient(nil, c, InterceptorOptions{Enforcement: ModeBlock, Evaluator: ev})
	req, _ := http.NewRequest("GET", tg.URL+"/x", nil)
	req.Header.Set("Authorization", "Bearer abc")
	if _, err := hc.Do(req); !IsPolicyViolation(err) {
		t.Fatalf("credentials to a loopback host: %v", err)
	}
	res, err := hc.Get(tg.URL + "/agent-only/data")
	if err != nil {
		t.Fatalf("the named agent is the principal: %v", err)
	}
	_ = res.Body.Close()
	other := WrapHTTPClient(nil, NewClient(c.apiKey, WithBaseURL(c.base.String()), WithAgentID("someone-else"), WithLogger(&recordingLogger{})), InterceptorOptions{Enforcement: ModeBlock, Evaluator: ev})
	if _, err := other.Get(tg.URL + "/agent-only/data"); !IsPolicyViolation(err) {
		t.Fatalf("another agent: %v", err)
	}
}

func TestExcludePatternsAreNeitherDecidedNorRecorded(t *testing.T) {
	s, c, agent, _ := reporting(t)
	tg := newTarget(t)
	hc := WrapHTTPClient(nil, c, InterceptorOptions{Enforcement: ModeBlock, BlockPatterns: []string{"/health"}, ExcludePatterns: []string{"/health"}})
	res, err := hc.Get(tg.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	_ = c.Flush()
	if n := len(s.events(t, agent)); n != 0 || tg.hits.Load() != 1 {
		t.Fatalf("events %d hits %d", n, tg.hits.Load())
	}
}

func TestPolicyBundleFromTheServer(t *testing.T) {
	s, c, agent, _ := reporting(t)
	tg := newTarget(t)
	host := strings.TrimPrefix(strings.Split(tg.URL, ":")[1], "//")
	policy := fmt.Sprintf(`@id("no-loopback-writes") forbid (principal, action == Action::"api_call", resource == Host::%q) when { context.method == "DELETE" };`, host)
	if status, body := s.api(t, "POST", "/api/v1/policies", map[string]any{"policies": policy, "activate": true}); status != 201 && status != 200 {
		t.Fatalf("store policy: %d %v", status, body)
	}
	t.Cleanup(func() { s.api(t, "POST", "/api/v1/policies/rollback", map[string]any{}) })
	i := NewInterceptor(nil, c, InterceptorOptions{Enforcement: ModeBlock, PolicyURL: "/api/v1/policies/bundle", FailClosed: true})
	defer i.Close()
	hc := &http.Client{Transport: i}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !i.Ready(ctx) {
		t.Fatal("bundle not fetched")
	}
	if st := i.Status(); st.State != "active" || !strings.HasPrefix(st.Digest, "sha256:") {
		t.Fatalf("status: %+v", st)
	}
	req, _ := http.NewRequest("DELETE", tg.URL+"/thing", nil)
	if _, err := hc.Do(req); !IsPolicyViolation(err) {
		t.Fatalf("DELETE: %v", err)
	}
	res, err := hc.Get(tg.URL + "/thing")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	i.RefreshPolicy() // a 304 now
	if st := i.Status(); st.State != "active" || st.LastError != "" {
		t.Fatalf("after 304: %+v", st)
	}
	_ = c.Flush()
	// The bundle fetch and the client's own sends went over the private transport: not recorded.
	for _, e := range s.events(t, agent) {
		if strings.Contains(e["name"].(string), s.url) {
			t.Fatalf("the client's own request was intercepted: %v", e["name"])
		}
	}
}

// A bundle server under the test's control, to serve a good bundle and then bad ones.
func TestBadBundleKeepsTheLastGoodPolicy(t *testing.T) {
	_, c, _, logs := reporting(t)
	tg := newTarget(t)
	var mu sync.Mutex
	body := `{"version":"v1","digest":"sha256:1","policies":"@id(\"no-x\") forbid (principal, action == Action::\"api_call\", resource) when { context.path == \"/x\" };","default_decision":"allow"}`
	status := 200
	var notModified atomic.Int32
	bundles := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+c.apiKey {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf("%q", fmt.Sprint(len(body))))
		if r.Header.Get("If-None-Match") == fmt.Sprintf("%q", fmt.Sprint(len(body))) {
			notModified.Add(1)
			w.WriteHeader(304)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	defer bundles.Close()
	i := NewInterceptor(nil, c, InterceptorOptions{Enforcement: ModeBlock, PolicyURL: bundles.URL + "/bundle", PolicyRefreshInterval: time.Hour})
	defer i.Close()
	hc := &http.Client{Transport: i}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	i.Ready(ctx)
	blocked := func() bool { _, err := hc.Get(tg.URL + "/x"); return IsPolicyViolation(err) }
	if !blocked() {
		t.Fatalf("good bundle not applied: %+v", i.Status())
	}
	i.RefreshPolicy() // unchanged: the ETag comes back and the answer is a 304
	if notModified.Load() != 1 || i.Status().State != "active" {
		t.Fatalf("304s: %d, status %+v", notModified.Load(), i.Status())
	}
	for _, bad := range []struct {
		status int
		body   string
	}{
		{200, `{"version":"v2","digest":"sha256:2","policies":"forbid (principal, action, resource) when { x == };","default_decision":"allow"}`},
		{200, `{"version":"v3"}`},
		{500, `{}`},
		{200, `not json`},
	} {
		mu.Lock()
		status, body = bad.status, bad.body
		mu.Unlock()
		i.RefreshPolicy()
		if st := i.Status(); st.State != "active" || st.Version != "v1" || st.LastError == "" {
			t.Fatalf("after %q: %+v", bad.body, st)
		}
		if !blocked() {
			t.Fatalf("last good policy lost after %q", bad.body)
		}
	}
	if !strings.Contains(logs.all(), "keeping the last good policy") {
		t.Fatalf("logs: %s", logs.all())
	}
	// "No active policy" is a valid state: nothing is evaluated.
	mu.Lock()
	status, body = 200, `{"version":null,"digest":"sha256:e","policies":"","default_decision":"allow"}`
	mu.Unlock()
	i.RefreshPolicy()
	if st := i.Status(); st.State != "none" || blocked() {
		t.Fatalf("none: %+v", st)
	}
}

func TestFailClosedWithoutAPolicyDeniesEverything(t *testing.T) {
	_, c, _, _ := reporting(t)
	tg := newTarget(t)
	i := NewInterceptor(nil, c, InterceptorOptions{Enforcement: ModeBlock, PolicyURL: closedPort(t) + "/bundle", FailClosed: true})
	defer i.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	i.Ready(ctx)
	_, err := (&http.Client{Transport: i}).Get(tg.URL + "/any")
	var v *PolicyViolationError
	if !errors.As(err, &v) || v.Reasons[0] != "no policy is available and failClosed is on" || tg.hits.Load() != 0 {
		t.Fatalf("%v (state %+v)", err, i.Status())
	}
	// Without FailClosed the same situation allows.
	j := NewInterceptor(nil, c, InterceptorOptions{Enforcement: ModeBlock, PolicyURL: closedPort(t) + "/bundle"})
	defer j.Close()
	j.Ready(ctx)
	res, err := (&http.Client{Transport: j}).Get(tg.URL + "/any")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
}

func TestInterceptDefaultNeverSeesTheClientsOwnRequests(t *testing.T) {
	s, c, agent, _ := reporting(t)
	tg := newTarget(t)
	restore := InterceptDefault(c, InterceptorOptions{Enforcement: ModeLog})
	res, err := http.Get(tg.URL + "/through-default")
	if err != nil {
		restore()
		t.Fatal(err)
	}
	_ = res.Body.Close()
	// Installing again replaces rather than stacks.
	restore2 := InterceptDefault(c, InterceptorOptions{Enforcement: ModeLog})
	res, err = http.Get(tg.URL + "/second")
	if err == nil {
		_ = res.Body.Close()
	}
	c.Track(NewEvent(EventDecision, "manual"))
	flushErr := c.Flush()
	restore2()
	restore()
	if _, still := http.DefaultTransport.(*Interceptor); still {
		t.Fatal("restore left an interceptor installed")
	}
	if flushErr != nil {
		t.Fatal(flushErr)
	}
	events := s.events(t, agent)
	calls := byType(events, "api_call")
	if len(calls) != 2 || len(events) != 3 {
		t.Fatalf("want 2 api_call and 1 decision, got %v", events)
	}
	for _, e := range calls {
		if strings.Contains(e["name"].(string), s.url) {
			t.Fatalf("the client's own request was intercepted: %v", e["name"])
		}
	}
}

func TestTransportErrorsAreRecordedAndReturned(t *testing.T) {
	s, c, agent, _ := reporting(t)
	hc := WrapHTTPClient(nil, c, InterceptorOptions{})
	dead := closedPort(t)
	if _, err := hc.Get(dead + "/x"); err == nil {
		t.Fatal("want a connection error")
	}
	var nilInterceptor *Interceptor
	if _, err := nilInterceptor.RoundTrip(&http.Request{}); err == nil {
		t.Fatal("a request without URL must fail, not panic")
	}
	_ = c.Flush()
	calls := byType(s.events(t, agent), "api_call")
	if len(calls) != 1 {
		t.Fatalf("%v", calls)
	}
	p := calls[0]["payload"].(map[string]any)
	if p["status_code"] != nil || !strings.Contains(p["error"].(string), "connect") {
		t.Fatalf("%v", p)
	}
}

func TestInterceptorWithANilOrClosedClientNeverPanics(t *testing.T) {
	tg := newTarget(t)
	hc := WrapHTTPClient(nil, nil, InterceptorOptions{Enforcement: ModeBlock, BlockPatterns: []string{"/no"}})
	res, err := hc.Get(tg.URL + "/yes")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if _, err := hc.Get(tg.URL + "/no"); !IsPolicyViolation(err) {
		t.Fatalf("a nil client still enforces: %v", err)
	}
	c := NewClient("tsk_"+strings.Repeat("z", 32), WithBaseURL(closedPort(t)), WithLogger(&recordingLogger{}), WithCloseTimeout(50*time.Millisecond))
	hc = WrapHTTPClient(nil, c, InterceptorOptions{})
	_ = c.Close()
	res, err = hc.Get(tg.URL + "/after-close")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if st := c.Stats(); st.AfterClose != 1 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestStreamedRequestBodiesAreCounted(t *testing.T) {
	s, c, agent, _ := reporting(t)
	tg := newTarget(t)
	hc := WrapHTTPClient(nil, c, InterceptorOptions{})
	pr, pw := io.Pipe()
	go func() {
		for k := 0; k < 3; k++ {
			_, _ = pw.Write([]byte(strings.Repeat("x", 1000)))
		}
		_ = pw.Close()
	}()
	req, _ := http.NewRequest("POST", tg.URL+"/upload", pr) // no length: sent chunked
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if req.Body != pr {
		t.Fatal("the caller's request was changed")
	}
	_ = c.Flush()
	calls := byType(s.events(t, agent), "api_call")
	if len(calls) != 1 || calls[0]["payload"].(map[string]any)["request_size_bytes"] != float64(3000) {
		t.Fatalf("%v", calls)
	}
}
