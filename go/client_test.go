package trusera

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recordingLogger keeps what the client logged, for assertions, and keeps test output quiet.
type recordingLogger struct {
	mu    sync.Mutex
	warns []string
}

func (l *recordingLogger) Warn(msg string) {
	l.mu.Lock()
	l.warns = append(l.warns, msg)
	l.mu.Unlock()
}
func (l *recordingLogger) Debug(string) {}
func (l *recordingLogger) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.warns, "\n")
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

func TestClientDeliversToARealServer(t *testing.T) {
	s := realServer(t)
	agent := uniqueAgent(t)
	logs := &recordingLogger{}
	c := NewClient(s.apiKey, WithBaseURL(s.url), WithLogger(logs), WithFlushInterval(time.Hour))
	id, err := c.RegisterAgent(agent, "custom")
	if err != nil || !strings.HasPrefix(id, "agt_") {
		t.Fatalf("RegisterAgent: %q %v", id, err)
	}
	secret := "sk-" + strings.Repeat("a", 24)
	c.Track(NewEvent(EventToolCall, "web_search").WithPayload("query", "cats").WithPayload("api_key", "k").WithMetadata("note", "key "+secret))
	c.Track(NewEvent(EventDecision, "route_selection").WithPayload("selected_route", "api_v2").WithPayload("confidence", 0.92))
	c.Track(NewEvent(EventLLMInvoke, "gpt-4 "+secret))
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if st.Sent != 3 || st.Queued != 0 || st.Dropped != 0 || st.Invalid != 0 {
		t.Fatalf("stats: %+v", st)
	}
	events := s.events(t, agent)
	if len(events) != 3 {
		t.Fatalf("stored %d events, want 3", len(events))
	}
	text := string(marshalJSON(events))
	if strings.Contains(text, secret) || !strings.Contains(text, `"api_key":"[REDACTED]"`) || !strings.Contains(text, "gpt-4 [REDACTED]") {
		t.Fatalf("secrets not redacted: %s", text)
	}
	if !strings.Contains(text, `"confidence":0.92`) || !strings.Contains(text, `"selected_route":"api_v2"`) {
		t.Fatalf("payload lost: %s", text)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if logs.all() != "" {
		t.Fatalf("unexpected warnings: %s", logs.all())
	}
}

func TestCloseDeliversWhatWasTrackedWithoutFlush(t *testing.T) {
	s := realServer(t)
	agent := uniqueAgent(t)
	c := NewClient(s.apiKey, WithBaseURL(s.url), WithAgentID(agent), WithFlushInterval(time.Hour))
	for k := 0; k < 250; k++ {
		c.Track(NewEvent(EventDataAccess, fmt.Sprintf("row-%d", k)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.CloseContext(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(s.events(t, agent)); n != 250 {
		t.Fatalf("stored %d, want 250", n)
	}
	// Closed: tracking is counted and dropped, Flush says closed, Close again is fine.
	c.Track(NewEvent(EventDecision, "late"))
	if st := c.Stats(); st.AfterClose != 1 || st.Sent != 250 {
		t.Fatalf("stats after close: %+v", st)
	}
	if err := c.Flush(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Flush after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// A loopback proxy in front of the real server that answers 503 with Retry-After to the first
// `fail` batches, and records the Idempotency-Key and body of every batch it sees.
type flakyProxy struct {
	srv      *httptest.Server
	fail     atomic.Int32
	delay    time.Duration
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	mu       sync.Mutex
	keys     []string
	drops    []string
}

func newFlakyProxy(t *testing.T, target string, fail int32, retryAfter string) *flakyProxy {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &flakyProxy{}
	p.fail.Store(fail)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/events" {
			n := p.inFlight.Add(1)
			defer p.inFlight.Add(-1)
			for old := p.maxSeen.Load(); n > old && !p.maxSeen.CompareAndSwap(old, n); old = p.maxSeen.Load() {
			}
			time.Sleep(p.delay)
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			p.mu.Lock()
			p.keys = append(p.keys, r.Header.Get("Idempotency-Key"))
			if i := strings.Index(string(body), `"dropped":`); i >= 0 {
				p.drops = append(p.drops, string(body[i:]))
			}
			p.mu.Unlock()
			if p.fail.Add(-1) >= 0 {
				w.Header().Set("Retry-After", retryAfter)
				w.WriteHeader(503)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func TestRetriesKeepOneIdempotencyKeyAndHonourRetryAfter(t *testing.T) {
	s := realServer(t)
	agent := uniqueAgent(t)
	proxy := newFlakyProxy(t, s.url, 2, "0.2")
	c := NewClient(s.apiKey, WithBaseURL(proxy.srv.URL), WithAgentID(agent), WithFlushInterval(time.Hour),
		WithRetryDelays(time.Millisecond, 5*time.Second), WithLogger(&recordingLogger{}))
	defer c.Close()
	c.Track(NewEvent(EventToolCall, "search"))
	start := time.Now()
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 350*time.Millisecond {
		t.Fatalf("Retry-After 0.2s twice, but Flush took %v", waited)
	}
	proxy.mu.Lock()
	keys := append([]string(nil), proxy.keys...)
	proxy.mu.Unlock()
	if len(keys) != 3 || keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Fatalf("idempotency keys across retries: %q", keys)
	}
	if st := c.Stats(); st.Retries != 2 || st.Sent != 1 {
		t.Fatalf("stats: %+v", st)
	}
	if n := len(s.events(t, agent)); n != 1 {
		t.Fatalf("stored %d, want 1", n)
	}
}

func TestBoundedQueueDropsOldestAndReportsTheDrops(t *testing.T) {
	s := realServer(t)
	agent := uniqueAgent(t)
	proxy := newFlakyProxy(t, s.url, 0, "0")
	c := NewClient(s.apiKey, WithBaseURL(proxy.srv.URL), WithAgentID(agent), WithFlushInterval(time.Hour),
		WithMaxQueueSize(50), WithBatchSize(1000), WithLogger(&recordingLogger{}))
	defer c.Close()
	for k := 0; k < 80; k++ {
		c.Track(NewEvent(EventDecision, fmt.Sprintf("step-%d", k)))
	}
	st := c.Stats()
	if st.Dropped != 30 || st.Queued != 50 {
		t.Fatalf("stats: %+v", st)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	events := s.events(t, agent)
	if len(events) != 50 || events[len(events)-1]["name"] != "step-30" {
		t.Fatalf("stored %d events, oldest %v (want the newest 50, from step-30)", len(events), events[len(events)-1]["name"])
	}
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	if len(proxy.drops) != 1 || !strings.HasPrefix(proxy.drops[0], `"dropped":30`) {
		t.Fatalf("drops reported: %q", proxy.drops)
	}
}

func TestTrackNeverBlocksAndCloseKeepsItsDeadlineWhenTheServerIsDown(t *testing.T) {
	logs := &recordingLogger{}
	c := NewClient("tsk_"+strings.Repeat("x", 32), WithBaseURL(closedPort(t)), WithMaxQueueSize(1000),
		WithBatchSize(10), WithRetryDelays(50*time.Millisecond, time.Second), WithLogger(logs), WithoutSpool())
	start := time.Now()
	for k := 0; k < 20000; k++ {
		c.Track(NewEvent(EventAPICall, "GET https://example.com/"))
	}
	if spent := time.Since(start); spent > 5*time.Second {
		t.Fatalf("20,000 Track calls took %v", spent)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	err := c.CloseContext(ctx)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Close took %v past its 300ms deadline", took)
	}
	var root *Error
	if !(errors.As(err, &root) && root.Code == CodeUndelivered) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close: %v", err)
	}
	<-c.done
	st := c.Stats()
	if st.Sent != 0 || st.Queued != 0 || st.Dropped != 20000 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestNilAndUnusableClientsNeverPanic(t *testing.T) {
	var nilClient *Client
	nilClient.Track(NewEvent(EventDecision, "x"))
	if nilClient.Flush() != nil || nilClient.Close() != nil || nilClient.Stats() != (Stats{}) || !nilClient.Closed() {
		t.Fatal("nil client")
	}
	if id, _ := nilClient.RegisterAgent("a", "custom"); id != "a" {
		t.Fatal("nil RegisterAgent")
	}
	t.Setenv("TRUSERA_API_KEY", "")
	logs := &recordingLogger{}
	c := NewClient("", WithLogger(logs), WithBatchSize(0))
	c.Track(NewEvent(EventDecision, "x"))
	var root *Error
	if err := c.Flush(); !errors.As(err, &root) || root.Code != CodeConfig {
		t.Fatalf("Flush of a client without a key: %v", err)
	}
	if st := c.Stats(); st.Dropped != 1 {
		t.Fatalf("stats: %+v", st)
	}
	if !strings.Contains(logs.all(), "no API key") || !strings.Contains(logs.all(), "WithBatchSize") {
		t.Fatalf("logs: %s", logs.all())
	}
	if c.Close() != nil {
		t.Fatal("Close")
	}
	// Invalid events are counted, not sent and not fatal.
	c2 := NewClient("tsk_"+strings.Repeat("y", 32), WithBaseURL(closedPort(t)), WithLogger(&recordingLogger{}), WithCloseTimeout(50*time.Millisecond))
	c2.Track(Event{Type: "nope", Name: "x"})
	c2.Track(Event{Type: EventToolCall})
	c2.Track(NewEvent(EventToolCall, "big").WithPayload("blob", strings.Repeat("z", MaxEventBytes)))
	c2.Track(NewEvent(EventToolCall, "chan").WithPayload("c", make(chan int)))
	if st := c2.Stats(); st.Invalid != 3 || st.Tracked != 1 {
		t.Fatalf("stats: %+v", st)
	}
	_ = c2.Close()
}

func TestConcurrentUseDeliversEverything(t *testing.T) {
	s := realServer(t)
	agent := uniqueAgent(t)
	c := NewClient(s.apiKey, WithBaseURL(s.url), WithAgentID(agent), WithBatchSize(50), WithFlushInterval(20*time.Millisecond))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < 50; k++ {
				c.Track(NewEvent(EventToolCall, fmt.Sprintf("g%d-%d", g, k)).WithPayload("k", k))
				if k%10 == 0 {
					_ = c.Flush()
					_ = c.Stats()
				}
			}
		}(g)
	}
	wg.Wait()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Sent != 400 || st.Dropped != 0 {
		t.Fatalf("stats: %+v", st)
	}
	if n := len(s.events(t, agent)); n != 400 {
		t.Fatalf("stored %d, want 400", n)
	}
}

func TestOneFlushInFlight(t *testing.T) {
	s := realServer(t)
	agent := uniqueAgent(t)
	proxy := newFlakyProxy(t, s.url, 0, "0")
	proxy.delay = 20 * time.Millisecond
	c := NewClient(s.apiKey, WithBaseURL(proxy.srv.URL), WithAgentID(agent), WithBatchSize(5), WithFlushInterval(5*time.Millisecond))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 10; k++ {
				c.Track(NewEvent(EventToolCall, "t"))
				_ = c.Flush()
			}
		}()
	}
	wg.Wait()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if proxy.maxSeen.Load() != 1 {
		t.Fatalf("%d batches were in flight at once", proxy.maxSeen.Load())
	}
	if n := len(s.events(t, agent)); n != 40 {
		t.Fatalf("stored %d, want 40", n)
	}
}

func TestSpoolKeepsUndeliveredEventsForTheNextClient(t *testing.T) {
	s := realServer(t)
	agent := uniqueAgent(t)
	dir := t.TempDir()
	proxy := newFlakyProxy(t, s.url, 1_000_000, "0") // the server is "down"
	opts := []Option{WithBaseURL(proxy.srv.URL), WithAgentID(agent), WithFlushInterval(time.Hour), WithMaxRetries(1),
		WithRetryDelays(time.Millisecond, 5*time.Millisecond), WithBatchSize(10), WithSpoolDir(dir), WithLogger(&recordingLogger{})}
	a := NewClient(s.apiKey, opts...)
	for k := 0; k < 25; k++ {
		a.Track(NewEvent(EventToolCall, fmt.Sprintf("spooled-%d", k)))
	}
	var root *Error
	if err := a.Flush(); !errors.As(err, &root) || root.Code != CodeUndelivered {
		t.Fatalf("Flush with the server down: %v", err)
	}
	if err := a.Close(); err != nil { // at rest now: no drain in flight
		t.Fatal(err)
	}
	if st := a.Stats(); st.Spooled != 25 || st.Queued != 0 || st.Dropped != 0 {
		t.Fatalf("stats: %+v", st)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.batch"))
	sort.Strings(files)
	total := 0
	for k, f := range files {
		raw, _ := os.ReadFile(f)
		var batch spoolFile
		if err := json.Unmarshal(raw, &batch); err != nil || batch.Version != 1 || batch.Count != len(batch.Events) || batch.IdempotencyKey == "" {
			t.Fatalf("spool file %s: %v %s", f, err, raw)
		}
		if info, _ := os.Stat(f); info.Mode().Perm() != 0o600 {
			t.Fatalf("spool file mode %v", info.Mode())
		}
		if k == 0 {
			proxy.mu.Lock()
			firstKey := proxy.keys[0]
			proxy.mu.Unlock()
			if batch.IdempotencyKey != firstKey {
				t.Fatalf("the failed batch's key %q is not the one stored %q", firstKey, batch.IdempotencyKey)
			}
		}
		total += batch.Count
	}
	if total != 25 {
		all, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
		t.Fatalf("%d events in the spool files %v", total, all)
	}
	// The server is back: the next client with the same server and key delivers the spool, once.
	proxy.fail.Store(0)
	b := NewClient(s.apiKey, opts...)
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if st := b.Stats(); st.Recovered != 25 {
		t.Fatalf("stats: %+v", st)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(s.events(t, agent)); n != 25 {
		t.Fatalf("stored %d, want 25", n)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*", "*")); len(left) != 0 {
		t.Fatalf("files left: %v", left)
	}
}

func TestAFullSpoolDropsAndSaysSo(t *testing.T) {
	logs := &recordingLogger{}
	c := NewClient("tsk_"+strings.Repeat("f", 32), WithBaseURL(closedPort(t)), WithMaxRetries(0), WithFlushInterval(time.Hour),
		WithSpoolDir(t.TempDir()), WithSpoolLimits(100, 10), WithLogger(logs))
	for k := 0; k < 3; k++ {
		c.Track(NewEvent(EventDecision, "step"))
	}
	if err := c.Flush(); err == nil {
		t.Fatal("want an error with the server down")
	}
	if st := c.Stats(); st.Spooled != 0 || st.Dropped != 3 {
		t.Fatalf("stats: %+v", st)
	}
	if !strings.Contains(logs.all(), "could not be kept in the spool") || !strings.Contains(logs.all(), "is full") {
		t.Fatalf("logs: %s", logs.all())
	}
	_ = c.Close()
}
