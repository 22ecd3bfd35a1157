package trusera

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// EntityRef names an entity, e.g. {Type: "Host", ID: "api.openai.com"}.
type EntityRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Entity is an entity with attributes (and tags) passed with a request, so that policies can read
// resource.hostname or resource.getTag("path").
type Entity struct {
	UID     EntityRef      `json:"uid"`
	Attrs   map[string]any `json:"attrs"`
	Parents []EntityRef    `json:"parents"`
	// Tags is Cedar's typed open map of the entity (a tool's arguments); nil when it has none.
	Tags map[string]string `json:"tags,omitempty"`
}

// MarshalJSON writes "tags" whenever the entity has a tag map, even an empty one (a tool without
// arguments), as the request model's JSON form does.
func (e Entity) MarshalJSON() ([]byte, error) {
	type plain Entity
	if e.Tags == nil || len(e.Tags) > 0 {
		return json.Marshal(plain(e))
	}
	return json.Marshal(struct {
		plain
		Tags map[string]string `json:"tags"`
	}{plain(e), e.Tags})
}

// Request is one authorization question in the request model of docs/policy-model.md. Context
// values are string, int64 (Cedar Long) or []string (Cedar Set<String>).
type Request struct {
	Principal EntityRef      `json:"principal"`
	Action    EntityRef      `json:"action"`
	Resource  EntityRef      `json:"resource"`
	Context   map[string]any `json:"context"`
	Entities  []Entity       `json:"entities"`
}

func agentRef(agentID string) EntityRef {
	if agentID == "" {
		agentID = "unknown"
	}
	return EntityRef{Type: "Agent", ID: agentID}
}

func actionRef(name string) EntityRef { return EntityRef{Type: "Action", ID: name} }

// HTTPRequest is the api_call request of an outbound HTTP call. Only header names reach the
// context (values may be secrets). The URL is taken as given: the interceptor passes the
// normalized, redacted URL it also records. It fails only for a URL that does not parse.
func HTTPRequest(agentID, rawURL, method string, header http.Header) (Request, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return Request{}, err
	}
	return httpRequestFrom(agentID, u, u.href(), method, HeaderNames(header)), nil
}

func httpRequestFrom(agentID string, u *parsedURL, href, method string, headerNames []string) Request {
	hostname := u.hostname()
	port := int64(u.portNumber())
	if method == "" {
		method = "GET"
	}
	if headerNames == nil {
		headerNames = []string{}
	}
	host := EntityRef{Type: "Host", ID: hostname}
	return Request{
		Principal: agentRef(agentID),
		Action:    actionRef("api_call"),
		Resource:  host,
		Context: map[string]any{
			"url": href, "method": strings.ToUpper(method), "hostname": hostname, "path": u.path,
			"query": u.query, "scheme": u.scheme, "port": port, "headers": headerNames,
		},
		Entities: []Entity{{UID: host, Attrs: map[string]any{"hostname": hostname, "scheme": u.scheme, "port": port}, Parents: []EntityRef{}}},
	}
}

// tagValue: strings as they are, other values as JSON, secrets redacted.
func tagValue(v any) string {
	if s, ok := v.(string); ok {
		return RedactText(s)
	}
	if raw, ok := v.(json.RawMessage); ok {
		var s string
		if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
			return RedactText(s)
		}
		var compact bytes.Buffer
		if json.Compact(&compact, raw) == nil {
			return RedactText(compact.String())
		}
	}
	b := marshalJSON(v)
	if b == nil {
		return ""
	}
	return RedactText(string(b))
}

// ToolRequest is a tool_call: each top-level argument of an object input becomes a tag of the Tool
// entity; context.input is the whole input as JSON (a string input as it is). Pass nil for none.
// A Go map's JSON lists its keys sorted (as encoding/json writes it); pass a json.RawMessage to keep
// the arguments' text and order as they are.
func ToolRequest(agentID, tool string, args any) Request {
	tags := map[string]string{}
	if raw, ok := args.(json.RawMessage); ok {
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) == nil {
			for k, v := range members {
				tags[k] = tagValue(v)
			}
		}
	} else if m := asObject(args); m != nil {
		for k, v := range m {
			tags[k] = tagValue(v)
		}
	}
	input := ""
	if args != nil {
		input = tagValue(args)
	}
	ref := EntityRef{Type: "Tool", ID: tool}
	return Request{
		Principal: agentRef(agentID), Action: actionRef("tool_call"), Resource: ref,
		Context:  map[string]any{"input": input},
		Entities: []Entity{{UID: ref, Attrs: map[string]any{"name": tool}, Parents: []EntityRef{}, Tags: tags}},
	}
}

// asObject gives a JSON object input as a map (structs through their JSON form), else nil.
func asObject(v any) map[string]any {
	switch m := v.(type) {
	case nil:
		return nil
	case map[string]any:
		return m
	case map[string]string:
		out := make(map[string]any, len(m))
		for k, s := range m {
			out[k] = s
		}
		return out
	}
	b := marshalJSON(v)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// ModelRequest is an llm_invoke (provider "unknown" when empty).
func ModelRequest(agentID, model, provider string) Request {
	if provider == "" {
		provider = "unknown"
	}
	ref := EntityRef{Type: "Model", ID: model}
	return Request{
		Principal: agentRef(agentID), Action: actionRef("llm_invoke"), Resource: ref,
		Context:  map[string]any{"provider": provider},
		Entities: []Entity{{UID: ref, Attrs: map[string]any{"name": model, "provider": provider}, Parents: []EntityRef{}}},
	}
}

// DataRequest is a data_access (operation "read" when empty).
func DataRequest(agentID, source, operation string) Request {
	if operation == "" {
		operation = "read"
	}
	ref := EntityRef{Type: "DataSource", ID: source}
	return Request{
		Principal: agentRef(agentID), Action: actionRef("data_access"), Resource: ref,
		Context:  map[string]any{"operation": operation},
		Entities: []Entity{{UID: ref, Attrs: map[string]any{"name": source}, Parents: []EntityRef{}}},
	}
}

// FileWriteRequest is a file_write (operation "write" when empty).
func FileWriteRequest(agentID, path, operation string) Request {
	if operation == "" {
		operation = "write"
	}
	slash := strings.LastIndexByte(path, '/')
	base := path[slash+1:]
	dir := ""
	if slash > 0 {
		dir = path[:slash]
	} else if slash == 0 {
		dir = "/"
	}
	ext := ""
	if dot := strings.LastIndexByte(base, '.'); dot > 0 {
		ext = strings.ToLower(base[dot+1:])
	}
	ref := EntityRef{Type: "File", ID: path}
	return Request{
		Principal: agentRef(agentID), Action: actionRef("file_write"), Resource: ref,
		Context:  map[string]any{"operation": operation},
		Entities: []Entity{{UID: ref, Attrs: map[string]any{"path": path, "directory": dir, "extension": ext}, Parents: []EntityRef{}}},
	}
}

// DecisionRequest is a decision (a step of the agent).
func DecisionRequest(agentID, name string) Request {
	ref := EntityRef{Type: "Step", ID: name}
	return Request{
		Principal: agentRef(agentID), Action: actionRef("decision"), Resource: ref,
		Context:  map[string]any{},
		Entities: []Entity{{UID: ref, Attrs: map[string]any{"name": name}, Parents: []EntityRef{}}},
	}
}
