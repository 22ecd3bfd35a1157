package trusera

import (
	"fmt"
	"regexp"
	"unicode/utf16"
)

var (
	eventIDPattern = regexp.MustCompile(`^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$`)
	isoPattern     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:?\d{2})$`)
)

// jsLength counts a string as JavaScript (and the server) does: in UTF-16 code units.
func jsLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Validate lists every problem of the event, in words; an empty list means it is valid.
func (e *Event) Validate() []string {
	var problems []string
	if !eventIDPattern.MatchString(e.ID) {
		problems = append(problems, "id must be a UUID or 32 hex characters")
	}
	if !e.Type.valid() {
		problems = append(problems, fmt.Sprintf("type %q is not a known event type", string(e.Type)))
	}
	if e.Name == "" {
		problems = append(problems, "name must be a non-empty string")
	} else if jsLength(e.Name) > MaxNameLength {
		problems = append(problems, fmt.Sprintf("name is longer than %d characters", MaxNameLength))
	}
	if !isoPattern.MatchString(e.Timestamp) {
		problems = append(problems, "timestamp must be an ISO-8601 date-time with a time zone")
	}
	if jsLength(e.AgentID) > MaxAgentIDLength {
		problems = append(problems, fmt.Sprintf("agent_id is longer than %d characters", MaxAgentIDLength))
	}
	return problems
}

// ValidateEventJSON checks a candidate event as decoded from JSON (a map[string]any from
// encoding/json) with the rules and words of the TypeScript validateEvent, for any producer.
func ValidateEventJSON(value any) []string {
	e, ok := value.(map[string]any)
	if !ok {
		return []string{"event must be a JSON object"}
	}
	var problems []string
	if id, ok := e["id"].(string); !ok || !eventIDPattern.MatchString(id) {
		problems = append(problems, "id must be a UUID or 32 hex characters")
	}
	if t, ok := e["type"].(string); !ok || !EventType(t).valid() {
		raw, present := e["type"]
		text := "undefined"
		if present {
			text = string(marshalJSON(raw))
		}
		problems = append(problems, fmt.Sprintf("type %s is not a known event type", text))
	}
	if name, ok := e["name"].(string); !ok || name == "" {
		problems = append(problems, "name must be a non-empty string")
	} else if jsLength(name) > MaxNameLength {
		problems = append(problems, fmt.Sprintf("name is longer than %d characters", MaxNameLength))
	}
	if _, ok := e["payload"].(map[string]any); !ok {
		problems = append(problems, "payload must be a JSON object")
	}
	if _, ok := e["metadata"].(map[string]any); !ok {
		problems = append(problems, "metadata must be a JSON object")
	}
	if ts, ok := e["timestamp"].(string); !ok || !isoPattern.MatchString(ts) {
		problems = append(problems, "timestamp must be an ISO-8601 date-time with a time zone")
	}
	if agent, present := e["agent_id"]; present {
		if s, ok := agent.(string); !ok || s == "" {
			problems = append(problems, "agent_id must be a non-empty string")
		} else if jsLength(s) > MaxAgentIDLength {
			problems = append(problems, fmt.Sprintf("agent_id is longer than %d characters", MaxAgentIDLength))
		}
	}
	return problems
}
