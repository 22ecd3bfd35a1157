package trusera

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The shared vectors of spec/vectors/ (generated from the TypeScript implementation): every case
// that applies to this SDK runs here. Sections and builders this SDK has no counterpart for
// (shell commands, agent actions, replay of recorded events, the JSON policy format, receipts) are
// named in skippedBuilders.
var skippedBuilders = map[string]string{
	"command":      "shell_exec requests are built by transient-trace, not by the Go SDK",
	"agent_action": "agent_action requests are built by the governance SDK, not by the Go SDK",
	"event":        "replaying recorded events is the server's work (eventToCedarRequest)",
}

func readVectors(t *testing.T, name string, into any) {
	t.Helper()
	path := filepath.Join("..", "spec", "vectors", name)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (the shared vectors are part of the repository)", path, err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// normalize turns a value into its generic JSON form, so that two values compare by content.
func normalize(t *testing.T, v any) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(marshalJSON(v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVectorsEvents(t *testing.T) {
	var file struct {
		Limits map[string]int `json:"limits"`
		Types  []string       `json:"event_types"`
		Cases  []struct {
			Name   string          `json:"name"`
			Event  json.RawMessage `json:"event"`
			Valid  bool            `json:"valid"`
			Fields []string        `json:"fields"`
		} `json:"cases"`
	}
	readVectors(t, "events.json", &file)
	if file.Limits["maxNameLength"] != MaxNameLength || file.Limits["maxAgentIdLength"] != MaxAgentIDLength ||
		file.Limits["maxEventBytes"] != MaxEventBytes || file.Limits["maxBatchEvents"] != MaxBatchEvents {
		t.Errorf("limits differ: %v", file.Limits)
	}
	if n, ok := file.Limits["maxDroppedPerBatch"]; ok && n != MaxDroppedPerBatch {
		t.Errorf("maxDroppedPerBatch is %d, here %d", n, MaxDroppedPerBatch)
	}
	for _, typ := range file.Types {
		if !EventType(typ).valid() {
			t.Errorf("event type %q unknown here", typ)
		}
	}
	for _, c := range file.Cases {
		var value any
		if err := json.Unmarshal(c.Event, &value); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		problems := ValidateEventJSON(value)
		fields := []string{}
		for _, p := range problems {
			fields = append(fields, strings.SplitN(p, " ", 2)[0])
		}
		if (len(problems) == 0) != c.Valid || !reflect.DeepEqual(fields, append([]string{}, c.Fields...)) {
			t.Errorf("%s: valid=%v fields=%v, want valid=%v fields=%v", c.Name, len(problems) == 0, fields, c.Valid, c.Fields)
		}
		// The typed path (what Track checks) agrees for objects that decode into an Event.
		if obj, ok := value.(map[string]any); ok && c.Valid {
			var e Event
			if err := json.Unmarshal(c.Event, &e); err != nil || len(e.Validate()) != 0 {
				t.Errorf("%s: the typed validator refuses a valid event: %v %v", c.Name, err, e.Validate())
			}
			_ = obj
		}
	}
}

func TestVectorsRedaction(t *testing.T) {
	var file struct {
		Marker string `json:"marker"`
		Names  []struct {
			Name      string `json:"name"`
			Sensitive bool   `json:"sensitive"`
		} `json:"names"`
		Text []struct {
			Input          string `json:"input"`
			Expected       string `json:"expected"`
			ContainsSecret bool   `json:"contains_secret"`
		} `json:"text"`
		Objects []struct {
			Name     string `json:"name"`
			Input    any    `json:"input"`
			Expected any    `json:"expected"`
		} `json:"objects"`
		URLs []struct {
			Input    string `json:"input"`
			Expected string `json:"expected"`
		} `json:"urls"`
		Headers []struct {
			Name     string            `json:"name"`
			Input    map[string]any    `json:"input"`
			Expected map[string]string `json:"expected"`
			Names    []string          `json:"names"`
		} `json:"headers"`
	}
	readVectors(t, "redaction.json", &file)
	if file.Marker != Redacted {
		t.Errorf("marker %q", file.Marker)
	}
	for _, c := range file.Names {
		if got := IsSensitiveName(c.Name); got != c.Sensitive {
			t.Errorf("name %q: sensitive=%v, want %v", c.Name, got, c.Sensitive)
		}
	}
	for _, c := range file.Text {
		if got := RedactText(c.Input); got != c.Expected {
			t.Errorf("text %q:\n got %q\nwant %q", c.Input, got, c.Expected)
		}
		if got := ContainsSecret(c.Input); got != c.ContainsSecret {
			t.Errorf("text %q: contains secret %v, want %v", c.Input, got, c.ContainsSecret)
		}
	}
	for _, c := range file.Objects {
		if got := normalize(t, ScrubSecrets(c.Input)); !reflect.DeepEqual(got, c.Expected) {
			t.Errorf("object %s:\n got %v\nwant %v", c.Name, got, c.Expected)
		}
	}
	for _, c := range file.URLs {
		if got := RedactURL(c.Input); got != c.Expected {
			t.Errorf("url %q:\n got %q\nwant %q", c.Input, got, c.Expected)
		}
	}
	for _, c := range file.Headers {
		h := headerFromJSON(c.Input)
		if got := RedactHeaders(h); !reflect.DeepEqual(got, c.Expected) {
			t.Errorf("headers %s:\n got %v\nwant %v", c.Name, got, c.Expected)
		}
		if got := HeaderNames(h); !reflect.DeepEqual(got, append([]string{}, c.Names...)) {
			t.Errorf("header names %s: got %v, want %v", c.Name, got, c.Names)
		}
	}
}

// headerFromJSON reads the vectors' header objects: a string, a number (as text), a list of values
// (several values of one header), or null (left out).
func headerFromJSON(in map[string]any) http.Header {
	h := http.Header{}
	for name, v := range in {
		switch x := v.(type) {
		case string:
			h[name] = []string{x}
		case float64:
			h[name] = []string{strconv.FormatFloat(x, 'f', -1, 64)}
		case []any:
			for _, s := range x {
				h[name] = append(h[name], s.(string))
			}
		}
	}
	return h
}

func TestVectorsRequestModel(t *testing.T) {
	var file struct {
		Schema string `json:"schema"`
		Cases  []struct {
			Name     string                     `json:"name"`
			Builder  string                     `json:"builder"`
			Args     map[string]json.RawMessage `json:"args"`
			Expected any                        `json:"expected"`
		} `json:"cases"`
	}
	readVectors(t, "request-model.json", &file)
	if strings.TrimSpace(file.Schema) != strings.TrimSpace(RequestModelSchema) {
		t.Errorf("RequestModelSchema differs from the shared schema:\n%s", file.Schema)
	}
	ran, skipped := 0, map[string]int{}
	for _, c := range file.Cases {
		str := func(key string) string {
			var s string
			if raw, ok := c.Args[key]; ok {
				_ = json.Unmarshal(raw, &s)
			}
			return s
		}
		var got any
		switch c.Builder {
		case "http":
			var headers map[string]any
			if raw, ok := c.Args["headers"]; ok {
				_ = json.Unmarshal(raw, &headers)
			}
			req, err := HTTPRequest(str("agent_id"), str("url"), str("method"), headerFromJSON(headers))
			if err != nil {
				t.Errorf("%s: %v", c.Name, err)
				continue
			}
			got = req
		case "tool":
			var args any
			if raw, ok := c.Args["args"]; ok {
				args = raw
			}
			got = ToolRequest(str("agent_id"), str("tool"), args)
		case "model":
			got = ModelRequest(str("agent_id"), str("model"), str("provider"))
		case "data":
			got = DataRequest(str("agent_id"), str("source"), str("operation"))
		case "file_write":
			got = FileWriteRequest(str("agent_id"), str("path"), str("operation"))
		case "decision":
			got = DecisionRequest(str("agent_id"), str("name"))
		default:
			if _, known := skippedBuilders[c.Builder]; !known {
				t.Errorf("%s: builder %q is neither run nor listed as not applying", c.Name, c.Builder)
			}
			skipped[c.Builder]++
			continue
		}
		ran++
		if g := normalize(t, got); !reflect.DeepEqual(g, c.Expected) {
			t.Errorf("%s:\n got %s\nwant %s", c.Name, marshalJSON(g), marshalJSON(c.Expected))
		}
	}
	if ran == 0 {
		t.Fatal("no request-model case ran")
	}
	t.Logf("request model: %d cases ran; not applying to the Go SDK: %v", ran, skipped)
}

func TestVectorsDecisions(t *testing.T) {
	var file struct {
		Schema string `json:"schema"`
		Cases  []struct {
			Name            string `json:"name"`
			Policies        string `json:"policies"`
			Schema          bool   `json:"schema"`
			DefaultDecision string `json:"default_decision"`
			LoadError       bool   `json:"load_error"`
			Requests        []struct {
				Request  Request `json:"request"`
				Expected struct {
					Decision  string   `json:"decision"`
					PolicyIDs []string `json:"policy_ids"`
					Errors    bool     `json:"errors"`
				} `json:"expected"`
			} `json:"requests"`
		} `json:"cases"`
	}
	readVectors(t, "decisions.json", &file)
	if len(file.Cases) == 0 {
		t.Fatal("no decision case")
	}
	for _, c := range file.Cases {
		schemaText := ""
		if c.Schema {
			schemaText = file.Schema
		}
		ev, err := NewCedarEvaluator("", WithSchema(schemaText), WithDefaultDecision(c.DefaultDecision))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		err = ev.Load(c.Policies)
		if c.LoadError {
			if err == nil {
				t.Errorf("%s: loaded, want a load error", c.Name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		for k, r := range c.Requests {
			d := ev.Evaluate(r.Request)
			ids := []string{}
			for _, id := range d.PolicyIDs {
				if id != DefaultAllowPolicyID {
					ids = append(ids, id)
				}
			}
			sort.Strings(ids)
			want := append([]string{}, r.Expected.PolicyIDs...)
			if d.Decision != r.Expected.Decision || !reflect.DeepEqual(ids, want) || (len(d.Errors) > 0) != r.Expected.Errors {
				t.Errorf("%s, request %d: got %s %v errors=%v, want %s %v errors=%v", c.Name, k,
					d.Decision, ids, d.Errors, r.Expected.Decision, want, r.Expected.Errors)
			}
		}
	}
}

// Every vector file is either run above or named here with why it does not apply to the Go SDK.
func TestVectorsFilesAreAccountedFor(t *testing.T) {
	run := map[string]bool{"events.json": true, "redaction.json": true, "request-model.json": true, "decisions.json": true}
	notApplying := map[string]string{
		"json-policy.json": "the transient-trace JSON policy format and command classification (the CLI's, not this SDK's)",
		"receipts.json":    "ATP receipts (transient-trace)",
	}
	files, _ := filepath.Glob(filepath.Join("..", "spec", "vectors", "*.json"))
	if len(files) == 0 {
		t.Fatal("no spec/vectors/*.json")
	}
	for _, f := range files {
		name := filepath.Base(f)
		if !run[name] && notApplying[name] == "" {
			t.Errorf("%s is a new vector file: run it here or say why it does not apply", name)
		}
	}
}
