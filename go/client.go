package trusera

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"time"
)

const userAgent = "trusera-sdk-go/0.1.0"

// Stats counts what happened to tracked events since the client was made.
type Stats struct {
	Tracked     int // events accepted into the buffer
	Queued      int // events waiting now
	QueuedBytes int // serialized bytes waiting now
	Sent        int // events the server acknowledged
	Dropped     int // dropped: buffer full, Close out of time, or no usable API key; reported to the server
	Invalid     int // dropped: not a valid event, too large, or not serializable
	AfterClose  int // tracked after Close, dropped
	Rejected    int // refused by the server with a 4xx other than 408 and 429, dropped
	Retries     int // requests repeated after a network error, 5xx, 408 or 429
	Spooled     int // written to the disk spool for a later client (docs/spool.md)
	Recovered   int // delivered from the disk spool
}

// pendingEvent is a tracked event not serialized yet. An event built by this package's interceptor
// carries its own serializer (values already redacted, shape known valid): it skips the generic path.
type pendingEvent struct {
	ev        Event
	at        time.Time   // when it was tracked: the timestamp unless the event has one
	call      *callRecord // an intercepted call: ev holds only its agent id
	violation bool        // the call's policy_violation rather than its api_call
}

// Client is the authenticated connection to a Trusera server: it buffers events and sends them in
// batches from one background goroutine. Safe for concurrent use; a nil *Client is a no-op.
type Client struct {
	cfg      config
	log      Logger
	apiKey   string
	base     *url.URL
	unusable string // why the client sends nothing, or ""
	http     *http.Client
	spool    *spool // nil when off

	mu         sync.Mutex
	pending    []pendingEvent
	head       int            // pending[:head] were dropped (oldest first)
	spare      []pendingEvent // the other pending slice, emptied, waiting to be used again
	quietUntil time.Time      // after a failed send, kicks wait for the timer (no retry storm)
	queue      queue
	agentID    string
	agentName  string
	closed     bool
	stats      Stats
	unreported int // drops not yet reported to the server
	authWarned bool

	serializeMu sync.Mutex // one serializer at a time, so the queue keeps the tracking order

	kick      chan struct{}
	flushReq  chan flushRequest
	closeCh   chan struct{}
	closeOnce sync.Once
	stopCtx   context.Context // cancelled at the close deadline: bounds in-flight requests
	stop      context.CancelFunc
	deadline  time.Time // of Close, set before closeCh is closed
	done      chan struct{}
	closeErr  error
}

type flushRequest struct {
	deadline time.Time
	done     chan error
}

// NewClient makes a client for the server at WithBaseURL (else TRUSERA_API_URL, else the local
// server) authenticated with apiKey (else TRUSERA_API_KEY). It never fails: a client without a
// usable key logs why once, sends nothing and counts what it is given as dropped.
func NewClient(apiKey string, opts ...Option) *Client {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	c := &Client{cfg: cfg, log: cfg.logger}
	if c.log == nil {
		c.log = stdLogger{debug: cfg.debug}
	}
	c.log = safeLogger{c.log}
	for _, p := range cfg.problems {
		c.log.Warn("NewClient: " + p + " (default kept)")
	}
	c.agentID, c.agentName = cfg.agentID, cfg.agentID
	c.queue = queue{maxItems: cfg.maxQueueSize, maxBytes: cfg.maxQueueBytes}
	key, why := resolveKey(apiKey)
	base, whyURL := resolveBaseURL(cfg.baseURL)
	if why == "" {
		why = whyURL
	}
	if why != "" {
		c.unusable = why
		c.log.Warn("NewClient: " + why + "; events are dropped (counted in Stats().Dropped)")
	}
	c.apiKey, c.base = key, base
	c.http = &http.Client{Transport: newPrivateTransport()}
	if root := cfg.spoolDir; c.unusable == "" && !cfg.spoolOff {
		if root == "" {
			root = defaultSpoolRoot()
		}
		if root != "" {
			c.spool = &spool{dir: filepath.Join(root, spoolPartition(base.String(), key)), maxBytes: int64(cfg.spoolMaxBytes), maxFiles: cfg.spoolMaxFiles}
		}
	}
	c.kick = make(chan struct{}, 1)
	c.flushReq = make(chan flushRequest)
	c.closeCh = make(chan struct{})
	c.done = make(chan struct{})
	c.stopCtx, c.stop = context.WithCancel(context.Background())
	go c.run()
	return c
}

// newPrivateTransport is the client's own connection pool, built here rather than taken from
// http.DefaultTransport, so that no interceptor installed there (InterceptDefault) ever sees the
// client's requests. The published seed SDK re-intercepted its own flushes.
func newPrivateTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// AgentID is the agent id stamped on events that carry none ("" when there is none).
func (c *Client) AgentID() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.agentID
}

// principal is the agent's name as policies name it (Agent::"my-agent"), even once registered under an id.
func (c *Client) principal() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.agentName != "" {
		return c.agentName
	}
	return c.agentID
}

// Stats gives the counters and the queue's size.
func (c *Client) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	c.serializePending()
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Queued, s.QueuedBytes = c.queue.len()+len(c.pending)-c.head, c.queue.bytes
	return s
}

// Closed reports whether Close has been called.
func (c *Client) Closed() bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Track queues one event. It never blocks and never panics: an invalid event, or one tracked after
// Close, is dropped and counted (see Stats). The id, timestamp and agent id are filled in when
// empty; secrets in the name, payload and metadata are redacted when the event is serialized, off
// the caller's goroutine, so its maps must not be changed after Track.
func (c *Client) Track(e Event) {
	if c == nil {
		return
	}
	c.enqueue(pendingEvent{ev: e, at: time.Now()})
}

func (c *Client) enqueue(p pendingEvent) {
	c.mu.Lock()
	if c.closed {
		c.stats.AfterClose++
		c.mu.Unlock()
		return
	}
	if c.unusable != "" {
		c.stats.Dropped++
		c.mu.Unlock()
		return
	}
	if p.ev.AgentID == "" {
		p.ev.AgentID = c.agentID
	}
	c.stats.Tracked++
	c.pending = append(c.pending, p)
	// The count bound holds at once; the byte bound when events are serialized.
	if len(c.pending)-c.head+c.queue.len() > c.cfg.maxQueueSize {
		if c.queue.len() > 0 {
			c.queue.take(1, 1<<62)
		} else {
			c.pending[c.head] = pendingEvent{}
			c.head++
			if c.head > 1024 && c.head*2 > len(c.pending) {
				n := copy(c.pending, c.pending[c.head:])
				clear(c.pending[n:])
				c.pending, c.head = c.pending[:n], 0
			}
		}
		c.addDropsLocked(1)
	}
	full := len(c.pending)-c.head+c.queue.len() >= c.cfg.batchSize && !c.quietUntil.After(p.at)
	c.mu.Unlock()
	if full {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// enqueueCall queues an intercepted call's api_call event, and its policy_violation when denied.
func (c *Client) enqueueCall(r *callRecord, at time.Time) {
	c.enqueue(pendingEvent{call: r, at: at})
	if r.verdict.decision == "deny" {
		c.enqueue(pendingEvent{call: r, at: at, violation: true})
	}
}

func (c *Client) addDropsLocked(n int) {
	if n == 0 {
		return
	}
	// Counted, and reported to the server with the next batch; not logged here: the lock is held,
	// and a logger must never run under it (it could call back into the client).
	c.stats.Dropped += n
	c.unreported += n
}

// serializePending redacts, validates and serializes what was tracked, into the queue. Never panics.
func (c *Client) serializePending() {
	c.serializeMu.Lock()
	defer c.serializeMu.Unlock()
	c.mu.Lock()
	whole := c.pending
	pending := whole[c.head:]
	if len(pending) == 0 {
		c.mu.Unlock()
		return
	}
	c.pending, c.spare, c.head = c.spare[:0], nil, 0
	c.mu.Unlock()
	out := make([][]byte, 0, len(pending))
	invalid := 0
	for i := range pending {
		if b := c.serializeOne(&pending[i]); b != nil {
			out = append(out, b)
		} else {
			invalid++
		}
	}
	c.mu.Lock()
	c.stats.Tracked -= invalid
	c.stats.Invalid += invalid
	for _, b := range out {
		c.addDropsLocked(c.queue.push(b))
	}
	// The slice goes back for the next round of Track calls (two used in turn): no growth per call.
	if c.spare == nil && cap(whole) <= 2*c.cfg.maxQueueSize+2 {
		clear(whole)
		c.spare = whole[:0]
	}
	c.mu.Unlock()
}

func (c *Client) serializeOne(p *pendingEvent) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			c.debugf("dropped an event: not serializable (%v)", r)
			out = nil
		}
	}()
	e := &p.ev
	if e.ID == "" {
		e.ID = newUUIDv7(p.at)
	}
	if e.Timestamp == "" {
		e.Timestamp = isoTime(p.at)
	}
	if p.call != nil {
		out = p.call.appendEvent(make([]byte, 0, 512), p.violation, e.ID, e.Timestamp, e.AgentID)
	} else {
		if problems := e.Validate(); len(problems) > 0 {
			c.debugf("dropped an event: %v", problems)
			return nil
		}
		out = appendUserEvent(make([]byte, 0, 256), e)
	}
	if out == nil {
		c.debugf("dropped an event: not serializable")
		return nil
	}
	if len(out) > MaxEventBytes {
		c.debugf("dropped an event: larger than %d bytes", MaxEventBytes)
		return nil
	}
	return out
}

// appendUserEvent writes a tracked event as JSON with its name, payload and metadata redacted;
// nil when a value has no JSON form.
func appendUserEvent(dst []byte, e *Event) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, e.ID)
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, string(e.Type))
	dst = append(dst, `,"name":`...)
	dst = appendJSONString(dst, RedactText(e.Name))
	dst = append(dst, `,"payload":`...)
	dst, ok := appendJSONValue(dst, scrubbedObject(e.Payload))
	if !ok {
		return nil
	}
	dst = append(dst, `,"metadata":`...)
	if dst, ok = appendJSONValue(dst, scrubbedObject(e.Metadata)); !ok {
		return nil
	}
	dst = append(dst, `,"timestamp":`...)
	dst = appendJSONString(dst, e.Timestamp)
	if e.AgentID != "" {
		dst = append(dst, `,"agent_id":`...)
		dst = appendJSONString(dst, e.AgentID)
	}
	return append(dst, '}')
}

func scrubbedObject(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return scrubMap(m, 0, nil).(map[string]any)
}

func (c *Client) debugf(format string, args ...any) {
	if c.cfg.debug {
		c.log.Debug(fmt.Sprintf(format, args...))
	}
}

// safeLogger keeps a logger that panics from reaching the application.
type safeLogger struct{ l Logger }

func (s safeLogger) Warn(msg string) {
	defer func() { _ = recover() }()
	s.l.Warn(msg)
}

func (s safeLogger) Debug(msg string) {
	defer func() { _ = recover() }()
	s.l.Debug(msg)
}
