package trusera

import "time"

// EventType is what kind of action an event records.
type EventType string

// The six event types every Trusera SDK shares, plus EventPolicyViolation, which an interceptor
// tracks whenever a policy denies an action.
const (
	EventToolCall        EventType = "tool_call"
	EventLLMInvoke       EventType = "llm_invoke"
	EventDataAccess      EventType = "data_access"
	EventAPICall         EventType = "api_call"
	EventFileWrite       EventType = "file_write"
	EventDecision        EventType = "decision"
	EventPolicyViolation EventType = "policy_violation"
)

func (t EventType) valid() bool {
	switch t {
	case EventToolCall, EventLLMInvoke, EventDataAccess, EventAPICall, EventFileWrite, EventDecision, EventPolicyViolation:
		return true
	}
	return false
}

// Limits an event must respect; the server enforces the same numbers.
const (
	MaxNameLength    = 512        // characters (UTF-16 code units, as the server counts) in Name
	MaxAgentIDLength = 256        // characters in AgentID
	MaxEventBytes    = 256 * 1024 // bytes of one event serialized as JSON
	MaxBatchEvents   = 1000       // events in one batch request
	// MaxDroppedPerBatch bounds the drop count one batch reports; the server refuses more.
	MaxDroppedPerBatch = 1_000_000_000
)

// Event is one structured record of a single agent action; its JSON form is the wire format.
//
// An event is handed over by Track: its maps must not be changed afterwards (the client reads them
// when it serializes the event, off the caller's goroutine).
type Event struct {
	// ID is a UUID (or 32 hex characters). Unique per project: a second copy is a duplicate.
	ID   string    `json:"id"`
	Type EventType `json:"type"`
	// Name is what was acted on, e.g. "web_search", "gpt-4", "POST https://api.example.com/v1".
	Name     string         `json:"name"`
	Payload  map[string]any `json:"payload"`
	Metadata map[string]any `json:"metadata"`
	// Timestamp is ISO-8601 with a time zone.
	Timestamp string `json:"timestamp"`
	// AgentID is set by Track from the client's agent unless already set.
	AgentID string `json:"agent_id,omitempty"`
}

// NewEvent builds an event with a fresh time-ordered id (UUID version 7) and the current time.
//
//	trusera.NewEvent(trusera.EventDecision, "route_selection").WithPayload("selected_route", "api_v2")
func NewEvent(eventType EventType, name string) Event {
	now := time.Now()
	return Event{ID: newUUIDv7(now), Type: eventType, Name: name, Timestamp: isoTime(now)}
}

// WithPayload sets one payload field and returns the event (the map is shared by the copies).
func (e Event) WithPayload(key string, value any) Event {
	if e.Payload == nil {
		e.Payload = make(map[string]any, 4)
	}
	e.Payload[key] = value
	return e
}

// WithMetadata sets one metadata field and returns the event (the map is shared by the copies).
func (e Event) WithMetadata(key string, value any) Event {
	if e.Metadata == nil {
		e.Metadata = make(map[string]any, 2)
	}
	e.Metadata[key] = value
	return e
}

// isoTime formats like JavaScript's toISOString: UTC, milliseconds, "Z".
func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
