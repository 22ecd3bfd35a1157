package trusera

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Library is what metadata.library says for calls recorded by this interceptor.
const Library = "net/http"

// Interceptor is an http.RoundTripper that records every request as an api_call event and decides
// it in-process with Cedar before it leaves. Made by NewInterceptor, WrapHTTPClient or
// InterceptDefault. Safe for concurrent use; it never panics into the caller.
type Interceptor struct {
	base      http.RoundTripper
	client    *Client
	opts      InterceptorOptions
	mode      Mode
	evaluator *CedarEvaluator // nil: nothing to decide with
	bundle    *bundleSource   // nil without PolicyURL
	cache     *decisionCache
	urls      urlMemo
}

// NewInterceptor wraps base (http.DefaultTransport when nil). Bad options are logged through the
// client and the interceptor falls back to safe defaults (log mode), so that it never stops an
// application that would otherwise run: a bad BlockPatterns entry is reported, not fatal.
func NewInterceptor(base http.RoundTripper, client *Client, opts InterceptorOptions) *Interceptor {
	if base == nil {
		base = http.DefaultTransport
	}
	if inner, ok := base.(*Interceptor); ok {
		base = inner.base // one interceptor per chain: never record a call twice
	}
	i := &Interceptor{base: base, client: client, opts: opts, mode: opts.Enforcement}
	log := i.logger()
	if i.mode == "" {
		i.mode = ModeLog
	}
	if !i.mode.valid() {
		log.Warn(fmt.Sprintf("InterceptorOptions.Enforcement must be %q, %q or %q, got %q: using %q", ModeLog, ModeWarn, ModeBlock, opts.Enforcement, ModeLog))
		i.mode = ModeLog
	}
	i.cache = newDecisionCache(opts.DecisionCacheSize)
	i.evaluator = opts.Evaluator
	if opts.PolicyURL != "" && i.evaluator == nil {
		// The server validated the policies when the version was stored (against the request model,
		// or the version's own schema): a bundle is only parsed here.
		i.evaluator, _ = NewCedarEvaluator("", WithSchema(""))
	}
	if text := BlockPatternPolicies(opts.BlockPatterns); text != "" {
		if i.evaluator == nil {
			i.evaluator, _ = NewCedarEvaluator("", WithSchema(""))
		}
		if err := i.evaluator.addStanding(text); err != nil {
			log.Warn("BlockPatterns could not be compiled to Cedar: " + err.Error())
		}
	}
	if opts.FailClosed && i.evaluator == nil {
		log.Warn("InterceptorOptions.FailClosed needs a policy source (Evaluator, PolicyURL or BlockPatterns): every call is denied")
	}
	if opts.PolicyURL != "" {
		i.bundle = newBundleSource(client, opts.PolicyURL, i.evaluator, opts.PolicyRefreshInterval, log)
	}
	return i
}

func (i *Interceptor) logger() Logger {
	if i.client != nil {
		return i.client.log
	}
	return safeLogger{stdLogger{}}
}

// WrapHTTPClient returns a copy of c (a new client when nil) whose every request goes through an
// Interceptor reporting to client. The original c is not changed.
//
//	httpClient := trusera.WrapHTTPClient(&http.Client{}, client, trusera.InterceptorOptions{Enforcement: trusera.ModeBlock})
func WrapHTTPClient(c *http.Client, client *Client, opts InterceptorOptions) *http.Client {
	wrapped := &http.Client{}
	if c != nil {
		*wrapped = *c
	}
	wrapped.Transport = NewInterceptor(wrapped.Transport, client, opts)
	return wrapped
}

// Ready waits until the first policy bundle fetch has finished (at once without PolicyURL), or ctx ends.
func (i *Interceptor) Ready(ctx context.Context) bool {
	if i == nil || i.bundle == nil {
		return true
	}
	select {
	case <-i.bundle.firstDone:
		return true
	case <-ctx.Done():
		return false
	}
}

// Status says where the policy bundle stands (State "" without PolicyURL).
func (i *Interceptor) Status() BundleStatus {
	if i == nil || i.bundle == nil {
		return BundleStatus{}
	}
	return i.bundle.status()
}

// RefreshPolicy fetches the bundle now (joined with a fetch in flight) and waits for it.
func (i *Interceptor) RefreshPolicy() {
	if i != nil && i.bundle != nil {
		i.bundle.refresh()
	}
}

// Close stops the bundle's background fetches. The client's Close stops them too.
func (i *Interceptor) Close() {
	if i != nil && i.bundle != nil {
		i.bundle.stop()
	}
}

// RoundTrip implements http.RoundTripper: decide, then send (or block), then record.
func (i *Interceptor) RoundTrip(req *http.Request) (res *http.Response, err error) {
	if i == nil || req == nil || req.URL == nil {
		if i == nil || i.base == nil {
			return http.DefaultTransport.RoundTrip(req)
		}
		return i.base.RoundTrip(req)
	}
	var rec *callRecord
	blocked := false
	func() {
		defer func() {
			if r := recover(); r != nil { // our bug must not become the application's crash
				i.logger().Warn(fmt.Sprintf("interceptor failed on a call and let it through: %v", r))
				rec, blocked = nil, false
			}
		}()
		rec, blocked = i.begin(req)
	}()
	if blocked {
		return i.block(req, rec)
	}
	if rec != nil && req.ContentLength <= 0 && req.Body != nil && req.Body != http.NoBody {
		// A body of unknown length (streamed, chunked; net/http reads 0 with a body as unknown too):
		// counted as the transport reads it, on a copy of the request (a RoundTripper must not change
		// the caller's).
		counted := &countingRequestBody{ReadCloser: req.Body}
		req = req.Clone(req.Context())
		req.Body = counted
		rec.reqCounter = counted
	}
	start := time.Now()
	res, err = i.base.RoundTrip(req)
	if rec == nil {
		return res, err
	}
	rec.start = start
	if err != nil {
		rec.finish(0, err)
		return res, err
	}
	rec.status = res.StatusCode
	if res.Body == nil || res.Body == http.NoBody {
		rec.finish(0, nil)
		return res, nil
	}
	counted := &countingBody{ReadCloser: res.Body, rec: rec}
	if w, ok := res.Body.(io.Writer); ok {
		// A 101 Switching Protocols body is read and written (WebSocket clients rely on it).
		res.Body = &countingReadWriteBody{countingBody: counted, w: w}
	} else {
		res.Body = counted
	}
	return res, nil
}

// begin describes and decides a call; rec is nil for an excluded call.
func (i *Interceptor) begin(req *http.Request) (*callRecord, bool) {
	raw := req.URL.String()
	for _, p := range i.opts.ExcludePatterns {
		if p != "" && strings.Contains(raw, p) {
			return nil, false
		}
	}
	safe := i.urls.safe(raw)
	method := recordedMethod(req.Method)
	rec := &callRecord{
		i:        i,
		method:   method,
		url:      safe.href,
		headers:  headerSnapshot(req.Header),
		reqBytes: req.ContentLength,
	}
	rec.verdict = i.decide(safe, method, rec.headers)
	blocked := rec.verdict.decision == "deny" && i.mode == ModeBlock
	if rec.verdict.decision == "deny" {
		what := "allowed"
		if blocked {
			what = "blocked"
		}
		if i.mode != ModeLog {
			i.logger().Warn(fmt.Sprintf("Policy violation (%s): %s %s (%s)", what, method, safe.href, strings.Join(rec.verdict.reasons, "; ")))
		}
	}
	rec.blocked = blocked
	return rec, blocked
}

var (
	allowUnevaluated = &verdict{decision: "allow", policyIDs: []string{}, reasons: []string{}}
	failClosedDeny   = &verdict{decision: "deny", policyIDs: []string{}, reasons: []string{"no policy is available and failClosed is on"}}
)

func (i *Interceptor) decide(u *safeURL, method string, headers []string) *verdict {
	ev := i.evaluator
	if ev == nil || !ev.Loaded() {
		if i.opts.FailClosed {
			return failClosedDeny
		}
		return allowUnevaluated
	}
	principal := i.client.principal()
	generation := ev.Generation()
	var kb strings.Builder
	kb.Grow(len(principal) + len(method) + len(u.href) + 16*len(headers)/2 + 4)
	kb.WriteString(principal)
	kb.WriteByte(0)
	kb.WriteString(method)
	kb.WriteByte(0)
	kb.WriteString(u.href)
	names := make([]string, len(headers)/2)
	for k := range names {
		names[k] = headers[2*k]
		kb.WriteByte(0)
		kb.WriteString(names[k])
	}
	key := kb.String()
	if v := i.cache.get(generation, key); v != nil {
		return v
	}
	answer := ev.Evaluate(httpRequestFrom(principal, u.parsed, u.href, method, names))
	v := &verdict{decision: answer.Decision, policyIDs: answer.PolicyIDs, reasons: []string{}}
	if answer.Decision == "deny" {
		v.reasons = denyReasons(answer.PolicyIDs, answer.Errors)
	}
	i.cache.set(generation, key, v)
	return v
}

// denyReasons: the forbidding policies, or a default deny; then any evaluation errors.
func denyReasons(policyIDs, errors []string) []string {
	var reasons []string
	if len(policyIDs) > 0 {
		for _, id := range policyIDs {
			reasons = append(reasons, "forbidden by policy "+id)
		}
	} else {
		reasons = append(reasons, "no policy permits it (default deny)")
	}
	for _, e := range errors {
		reasons = append(reasons, "evaluation error: "+e)
	}
	return reasons
}

// block answers a blocked call without sending it; the request body is closed, as a RoundTripper must.
func (i *Interceptor) block(req *http.Request, rec *callRecord) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	violation := &PolicyViolationError{
		Action: "api_call", Resource: rec.url, Method: rec.method, URL: rec.url,
		PolicyIDs: append([]string(nil), rec.verdict.policyIDs...), Reasons: append([]string(nil), rec.verdict.reasons...),
		Library: Library,
	}
	rec.start = time.Now()
	rec.finish(0, violation)
	if !i.opts.BlockedResponse {
		return nil, violation
	}
	body := marshalJSON(map[string]any{"error": map[string]any{
		"code": CodePolicyViolation, "message": violation.Error(), "policy_ids": violation.PolicyIDs, "reasons": violation.Reasons,
	}})
	return &http.Response{
		Status: "403 Forbidden", StatusCode: http.StatusForbidden, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "X-Trusera-Blocked": {"true"}},
		Body:          io.NopCloser(strings.NewReader(string(body))),
		ContentLength: int64(len(body)), Request: req,
	}, nil
}

// An HTTP method is a token; anything else is free text and is redacted like any.
func recordedMethod(m string) string {
	if m == "" || m == "GET" {
		return "GET"
	}
	up := strings.ToUpper(m)
	if len(up) > 32 {
		return RedactText(up)
	}
	for k := 0; k < len(up); k++ {
		c := up[k]
		if !(c >= 'A' && c <= 'Z' || k > 0 && (c >= '0' && c <= '9' || c == '_' || c == '-')) {
			return RedactText(up)
		}
	}
	return up
}

// safeURL is a URL as policies see it and events record it: normalized, fragment dropped, secrets redacted.
type safeURL struct {
	href   string
	parsed *parsedURL
}

// urlMemo remembers safeURL per raw URL: agents call the same few URLs again and again. Bounded:
// URLs up to 1,024 bytes, emptied at 256 entries. Only a pure function of the URL is remembered.
type urlMemo struct {
	mu sync.RWMutex
	m  map[string]*safeURL
}

func (m *urlMemo) safe(raw string) *safeURL {
	m.mu.RLock()
	s, ok := m.m[raw]
	m.mu.RUnlock()
	if ok {
		return s
	}
	s = makeSafeURL(raw)
	if len(raw) <= 1024 {
		m.mu.Lock()
		if m.m == nil || len(m.m) >= 256 {
			m.m = make(map[string]*safeURL, 256)
		}
		m.m[raw] = s
		m.mu.Unlock()
	}
	return s
}

func makeSafeURL(raw string) *safeURL {
	u, err := parseURL(raw)
	if err != nil {
		// Not a URL of a special scheme (a Go request can be anything a Transport takes): recorded
		// redacted, decided with what could be read.
		text := RedactText(RedactURL(raw))
		return &safeURL{href: text, parsed: &parsedURL{path: "/"}}
	}
	u.fragment, u.hasFrag = "", false
	href := RedactText(RedactURL(u.href()))
	if again, err := parseURL(href); err == nil {
		return &safeURL{href: again.href(), parsed: again}
	}
	return &safeURL{href: href, parsed: u}
}
