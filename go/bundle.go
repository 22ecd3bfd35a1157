package trusera

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// BundleStatus says where the policy bundle stands.
type BundleStatus struct {
	// State is "pending" (no answer yet), "active" (a policy set is loaded), "none" (the server has
	// no active policy: nothing is evaluated) or "unavailable" (not fetched or not loadable, and no
	// earlier good one).
	State     string
	Version   string // "" for none
	Digest    string
	CheckedAt time.Time // when the server last answered 200 or 304
	LastError string    // the last failure, "" after a success
}

// policyBundle is the wire format of GET {PolicyURL} (docs/policy-model.md).
type policyBundle struct {
	Version         *string `json:"version"`
	Digest          *string `json:"digest"`
	Policies        *string `json:"policies"`
	DefaultDecision string  `json:"default_decision"`
}

// bundleSource keeps an evaluator loaded with the server's bundle, fetched in the background over
// the client's private transport (never intercepted) with If-None-Match.
type bundleSource struct {
	client    *Client
	url       string
	evaluator *CedarEvaluator
	interval  time.Duration
	log       Logger

	mu        sync.Mutex
	st        BundleStatus
	etag      string
	warned    map[string]bool
	inFlight  chan struct{}
	firstDone chan struct{}
	firstOnce sync.Once
	stopCh    chan struct{}
	stopOnce  sync.Once
}

func newBundleSource(client *Client, policyURL string, ev *CedarEvaluator, interval time.Duration, log Logger) *bundleSource {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	b := &bundleSource{
		client: client, evaluator: ev, interval: interval, log: log,
		st: BundleStatus{State: "pending"}, warned: map[string]bool{},
		firstDone: make(chan struct{}), stopCh: make(chan struct{}),
	}
	resolved, err := resolvePolicyURL(policyURL, client)
	if err != "" {
		b.st = BundleStatus{State: "unavailable", LastError: err}
		log.Warn("PolicyURL: " + err)
		b.firstOnce.Do(func() { close(b.firstDone) })
		return b
	}
	b.url = resolved
	go b.loop()
	return b
}

// resolvePolicyURL: absolute, or relative to the client's base URL including its path.
func resolvePolicyURL(raw string, client *Client) (string, string) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Sprintf("not a URL: %q", raw)
	}
	if !u.IsAbs() {
		if client == nil || client.base == nil {
			return "", fmt.Sprintf("%q is relative and the client has no usable base URL", raw)
		}
		u = client.base.ResolveReference(&url.URL{Path: strings.TrimLeft(u.Path, "/"), RawQuery: u.RawQuery})
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Sprintf("must be http or https, got %q", raw)
	}
	return u.String(), ""
}

func (b *bundleSource) loop() {
	var closed <-chan struct{}
	if b.client != nil {
		closed = b.client.closeCh
	}
	for {
		b.refresh()
		b.firstOnce.Do(func() { close(b.firstDone) })
		t := time.NewTimer(b.interval)
		select {
		case <-t.C:
		case <-b.stopCh:
			t.Stop()
			return
		case <-closed:
			t.Stop()
			return
		}
	}
}

func (b *bundleSource) stop() { b.stopOnce.Do(func() { close(b.stopCh) }) }

func (b *bundleSource) status() BundleStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st
}

// refresh does one conditional fetch, joined with one already in flight, and waits for it.
func (b *bundleSource) refresh() {
	if b.url == "" {
		return
	}
	b.mu.Lock()
	if ch := b.inFlight; ch != nil {
		b.mu.Unlock()
		<-ch
		return
	}
	ch := make(chan struct{})
	b.inFlight = ch
	etag := b.etag
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.inFlight = nil
		b.mu.Unlock()
		close(ch)
	}()
	b.fetchOnce(etag)
}

func (b *bundleSource) fetchOnce(etag string) {
	if b.client == nil || b.client.unusable != "" {
		b.fail("the client has no usable API key or base URL", "client")
		return
	}
	header := http.Header{"Accept": {"application/json"}}
	if etag != "" {
		header.Set("If-None-Match", etag)
	}
	status, resHeader, body, err := b.client.request(context.Background(), http.MethodGet, b.url, nil, header)
	if err != nil {
		b.fail(fmt.Sprintf("cannot reach %s: %v", b.url, err), "network")
		return
	}
	if status == http.StatusNotModified {
		b.mu.Lock()
		b.st.CheckedAt, b.st.LastError = time.Now(), ""
		b.mu.Unlock()
		return
	}
	if status != http.StatusOK {
		b.fail(fmt.Sprintf("%s answered %d", b.url, status), fmt.Sprintf("status-%d", status))
		return
	}
	var bundle policyBundle
	problem := ""
	switch {
	case json.Unmarshal([]byte(body), &bundle) != nil:
		problem = "the body is not a JSON object"
	case bundle.Digest == nil:
		problem = "digest must be a string"
	case bundle.Policies == nil:
		problem = "policies must be a string"
	case bundle.DefaultDecision != "allow" && bundle.DefaultDecision != "deny":
		problem = `default_decision must be "allow" or "deny"`
	}
	if problem != "" {
		b.fail("invalid policy bundle: "+problem, "invalid")
		return
	}
	newTag := resHeader.Get("ETag")
	version := ""
	if bundle.Version != nil {
		version = *bundle.Version
	}
	if bundle.Version == nil && strings.TrimSpace(*bundle.Policies) == "" {
		b.evaluator.Clear()
		b.accept(version, *bundle.Digest, newTag, "none")
		return
	}
	if err := b.evaluator.LoadWithDefault(*bundle.Policies, bundle.DefaultDecision); err != nil {
		// Remember the ETag of the bad bundle, so the next poll is a cheap 304 until it changes.
		b.mu.Lock()
		b.etag = newTag
		b.mu.Unlock()
		b.fail(fmt.Sprintf("policy bundle %s (%s) did not load: %v", version, *bundle.Digest, err), *bundle.Digest)
		return
	}
	b.accept(version, *bundle.Digest, newTag, "active")
}

func (b *bundleSource) accept(version, digest, etag, state string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.etag = etag
	b.st = BundleStatus{State: state, Version: version, Digest: digest, CheckedAt: time.Now()}
	b.warned = map[string]bool{}
}

// fail keeps the last good policy; one warning per kind of failure until the next success.
func (b *bundleSource) fail(message, kind string) {
	b.mu.Lock()
	b.st.LastError = message
	if b.st.State == "pending" {
		b.st.State = "unavailable"
	}
	if b.st.State == "active" {
		message += fmt.Sprintf(" (keeping the last good policy, %s)", b.st.Digest)
	}
	warned := b.warned[kind]
	b.warned[kind] = true
	b.mu.Unlock()
	if warned {
		b.log.Debug(message)
	} else {
		b.log.Warn(message)
	}
}
