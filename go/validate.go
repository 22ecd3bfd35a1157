package trusera

import (
	"fmt"
	"unicode/utf16"
)

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isEventID: a UUID (any version, any case) or 32 hex characters (the Python SDK's uuid4().hex).
func isEventID(s string) bool {
	switch len(s) {
	case 32:
		for i := 0; i < 32; i++ {
			if !isHex(s[i]) {
				return false
			}
		}
		return true
	case 36:
		for i := 0; i < 36; i++ {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if s[i] != '-' {
					return false
				}
			} else if !isHex(s[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// digits reports whether s[from:from+n] are n digits.
func digits(s string, from, n int) bool {
	if from+n > len(s) {
		return false
	}
	for i := from; i < from+n; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isISOTimestamp: YYYY-MM-DD, T/t/space, hh:mm:ss, an optional fraction of 1 to 9 digits, then Z/z
// or +hh:mm / +hhmm (the server's rule).
func isISOTimestamp(s string) bool {
	if len(s) < 20 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2) ||
		(s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2) ||
		s[16] != ':' || !digits(s, 17, 2) {
		return false
	}
	i := 19
	if s[i] == '.' {
		n := 0
		for i+1+n < len(s) && isDigit(s[i+1+n]) {
			n++
		}
		if n < 1 || n > 9 {
			return false
		}
		i += 1 + n
	}
	zone := s[i:]
	switch {
	case zone == "Z" || zone == "z":
		return true
	case len(zone) == 6 && (zone[0] == '+' || zone[0] == '-') && digits(zone, 1, 2) && zone[3] == ':' && digits(zone, 4, 2):
		return true
	case len(zone) == 5 && (zone[0] == '+' || zone[0] == '-') && digits(zone, 1, 4):
		return true
	}
	return false
}

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
	if !isEventID(e.ID) {
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
	if !isISOTimestamp(e.Timestamp) {
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
	if id, ok := e["id"].(string); !ok || !isEventID(id) {
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
	if ts, ok := e["timestamp"].(string); !ok || !isISOTimestamp(ts) {
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
