package trusera

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// callRecord is one intercepted call, from its decision to the end of its response body.
type callRecord struct {
	i        *Interceptor
	method   string
	url      string
	headers  map[string]string // lower-case names, credentials redacted
	reqBytes int64             // -1 when unknown
	verdict  *verdict
	blocked  bool
	start    time.Time
	status   int // 0: no response
	done     atomic.Bool
}

// The api_call event's wire form (docs/policy-model.md, "The event contract").
type apiCallPayload struct {
	URL            string            `json:"url"`
	Method         string            `json:"method"`
	StatusCode     *int              `json:"status_code"`
	DurationMs     float64           `json:"duration_ms"`
	RequestBytes   *int64            `json:"request_size_bytes"`
	ResponseBytes  int64             `json:"response_size_bytes"`
	RequestHeaders map[string]string `json:"request_headers"`
	Error          string            `json:"error,omitempty"`
	Reasons        []string          `json:"reasons,omitempty"`
}

type apiCallMetadata struct {
	Decision    string   `json:"decision"`
	Enforcement Mode     `json:"enforcement"`
	PolicyIDs   []string `json:"policy_ids"`
	Blocked     bool     `json:"blocked"`
	Library     string   `json:"library"`
}

type apiCallEvent struct {
	ID        string          `json:"id"`
	Type      EventType       `json:"type"`
	Name      string          `json:"name"`
	Payload   apiCallPayload  `json:"payload"`
	Metadata  apiCallMetadata `json:"metadata"`
	Timestamp string          `json:"timestamp"`
	AgentID   string          `json:"agent_id,omitempty"`
}

// finish records the call once: its api_call event, and a policy_violation when it was denied.
// The events are serialized later, off the caller's goroutine, from values already redacted.
func (r *callRecord) finish(respBytes int64, _ int, failure error) {
	if r.done.Swap(true) {
		return
	}
	client := r.i.client
	if client == nil {
		return
	}
	duration := float64(time.Since(r.start).Microseconds()) / 1000
	payload := apiCallPayload{
		URL: r.url, Method: r.method, DurationMs: duration, ResponseBytes: respBytes, RequestHeaders: r.headers,
	}
	if r.status != 0 {
		status := r.status
		payload.StatusCode = &status
	}
	if r.reqBytes >= 0 {
		n := r.reqBytes
		payload.RequestBytes = &n
	}
	if failure != nil {
		payload.Error = errorText(failure)
	}
	meta := apiCallMetadata{
		Decision: r.verdict.decision, Enforcement: r.i.mode, PolicyIDs: r.verdict.policyIDs, Blocked: r.blocked, Library: Library,
	}
	name := r.method + " " + r.url
	if jsLength(name) > MaxNameLength {
		name = cutUTF16(name, MaxNameLength)
	}
	at := time.Now()
	client.enqueue(pendingEvent{at: at, raw: rawAPICall(EventAPICall, name, payload, meta)})
	if r.verdict.decision == "deny" {
		payload.Reasons = r.verdict.reasons
		client.enqueue(pendingEvent{at: at, raw: rawAPICall(EventPolicyViolation, name, payload, meta)})
	}
}

func rawAPICall(t EventType, name string, p apiCallPayload, m apiCallMetadata) func(id, ts, agent string) []byte {
	return func(id, ts, agent string) []byte {
		return marshalJSON(&apiCallEvent{ID: id, Type: t, Name: name, Payload: p, Metadata: m, Timestamp: ts, AgentID: agent})
	}
}

// errorText is an error as one line for an event, with anything secret-shaped in it redacted.
func errorText(err error) string {
	var v *PolicyViolationError
	if errors.As(err, &v) {
		return RedactText("PolicyViolationError: " + v.Error())
	}
	return RedactText(err.Error())
}

// cutUTF16 keeps the first n UTF-16 code units of s, never splitting a character.
func cutUTF16(s string, n int) string {
	count := 0
	for k, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if count+w > n {
			return s[:k]
		}
		count += w
	}
	return s
}

// countingBody counts the response bytes and records the call at EOF, on a read error, or at Close.
type countingBody struct {
	io.ReadCloser
	rec   *callRecord
	n     int64
	once  sync.Once
	final error
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		b.record(nil)
	} else if err != nil {
		b.record(err)
	}
	return n, err
}

func (b *countingBody) Close() error {
	err := b.ReadCloser.Close()
	b.record(nil)
	return err
}

func (b *countingBody) record(err error) {
	b.once.Do(func() { b.rec.finish(b.n, 0, err) })
}
