package trusera

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	cedar "github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	xast "github.com/cedar-policy/cedar-go/x/exp/ast"
	"github.com/cedar-policy/cedar-go/x/exp/schema"
	"github.com/cedar-policy/cedar-go/x/exp/schema/validate"
)

// DefaultAllowPolicyID is the id of the permit-all that the "allow" default decision adds.
const DefaultAllowPolicyID = "trusera.default-allow"

// Decision is the engine's answer to one Request.
type Decision struct {
	// Decision is "allow" or "deny".
	Decision string
	// PolicyIDs are the policies that decided: the matching forbids of a deny, the permits of an allow.
	PolicyIDs []string
	// Errors are the policies that failed to evaluate (they are skipped), as "<id>: <message>".
	Errors []string
}

// EvaluatorOption configures NewCedarEvaluator.
type EvaluatorOption func(*CedarEvaluator)

// WithDefaultDecision sets what a request no policy decides gets: "allow" (the default, a
// deny-list: an implicit permit-all that every matching forbid overrides) or "deny" (Cedar's own
// rule, an allow-list). Anything else is ignored.
func WithDefaultDecision(d string) EvaluatorOption {
	return func(e *CedarEvaluator) {
		if d == "allow" || d == "deny" {
			e.defaultDecision = d
		}
	}
}

// WithSchema validates policies against this Cedar schema instead of the request model's; "" turns
// validation off.
func WithSchema(cedarSchema string) EvaluatorOption {
	return func(e *CedarEvaluator) { e.schemaText = cedarSchema }
}

// CedarEvaluator decides requests with the official Go Cedar engine. A policy set is parsed and
// validated once, in Load; Evaluate only evaluates. Safe for concurrent use: a new set replaces the
// active one atomically, and a set that fails to load leaves the active one in place.
type CedarEvaluator struct {
	defaultDecision string
	schemaText      string
	validator       *validate.Validator
	set             atomic.Pointer[compiledSet]
	generation      atomic.Uint64

	mu       sync.Mutex // serializes loads
	source   string     // the text last loaded (without standing policies)
	standing string     // policies compiled from BlockPatterns, added to every load
}

type compiledSet struct {
	policies        *cedar.PolicySet
	ids             []string
	defaultDecision string
}

var requestModelValidator = func() func() (*validate.Validator, error) {
	var v atomic.Pointer[validate.Validator]
	return func() (*validate.Validator, error) {
		if got := v.Load(); got != nil {
			return got, nil
		}
		made, err := newValidator(RequestModelSchema)
		if err == nil {
			v.Store(made)
		}
		return made, err
	}
}()

func newValidator(text string) (*validate.Validator, error) {
	var s schema.Schema
	if err := s.UnmarshalCedar([]byte(text)); err != nil {
		return nil, fmt.Errorf("the schema does not parse: %w", err)
	}
	resolved, err := s.Resolve()
	if err != nil {
		return nil, fmt.Errorf("the schema does not resolve: %w", err)
	}
	return validate.New(resolved), nil
}

// NewCedarEvaluator makes an evaluator and, unless policyText is empty, loads it. Policies are
// validated against the request model's schema (RequestModelSchema) unless WithSchema says
// otherwise. The error is a *PolicyLoadError with the policy id, line and column of each problem.
func NewCedarEvaluator(policyText string, opts ...EvaluatorOption) (*CedarEvaluator, error) {
	e := &CedarEvaluator{defaultDecision: "allow", schemaText: RequestModelSchema}
	for _, opt := range opts {
		if opt != nil {
			opt(e)
		}
	}
	var err error
	if e.schemaText == RequestModelSchema {
		e.validator, err = requestModelValidator()
	} else if e.schemaText != "" {
		e.validator, err = newValidator(e.schemaText)
	}
	if err != nil {
		return nil, &PolicyLoadError{Diagnostics: []Diagnostic{{Message: err.Error(), Line: 1, Column: 1}}}
	}
	if strings.TrimSpace(policyText) != "" {
		if err := e.Load(policyText); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Load parses and validates a policy set and makes it the active one, with the evaluator's default
// decision. On failure the previous set stays active and the error is a *PolicyLoadError.
func (e *CedarEvaluator) Load(policyText string) error {
	return e.LoadWithDefault(policyText, e.defaultDecision)
}

// LoadWithDefault is Load with a default decision for this set ("allow" or "deny").
func (e *CedarEvaluator) LoadWithDefault(policyText, defaultDecision string) error {
	if e == nil {
		return &Error{Code: CodeConfig, Message: "[Trusera] Load on a nil *CedarEvaluator"}
	}
	if defaultDecision != "allow" && defaultDecision != "deny" {
		return &Error{Code: CodeConfig, Message: fmt.Sprintf("[Trusera] the default decision must be \"allow\" or \"deny\", got %q", defaultDecision)}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.loadLocked(policyText, defaultDecision)
}

func (e *CedarEvaluator) loadLocked(policyText, defaultDecision string) error {
	text := policyText
	if e.standing != "" {
		text = strings.TrimRight(policyText, " \t\r\n") + "\n" + e.standing
	}
	set, diags := compilePolicySet(text, defaultDecision, e.validator)
	if len(diags) > 0 {
		return &PolicyLoadError{Diagnostics: diags}
	}
	e.source = policyText
	e.set.Store(set)
	e.generation.Add(1)
	return nil
}

// addStanding makes policies (compiled BlockPatterns) part of every set this evaluator loads, and
// of the active one now; with none active they become the active set.
func (e *CedarEvaluator) addStanding(policies string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if strings.Contains(e.standing, policies) {
		return nil
	}
	e.standing += policies
	current := e.set.Load()
	if current == nil {
		return e.loadLocked("", e.defaultDecision)
	}
	return e.loadLocked(e.source, current.defaultDecision)
}

// Clear unloads the active set: Loaded becomes false (unless BlockPatterns were added to this
// evaluator: they stay, alone).
func (e *CedarEvaluator) Clear() {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.standing != "" {
		_ = e.loadLocked("", e.defaultDecision)
		return
	}
	e.source = ""
	if e.set.Swap(nil) != nil {
		e.generation.Add(1)
	}
}

// Loaded reports whether a policy set is active.
func (e *CedarEvaluator) Loaded() bool { return e != nil && e.set.Load() != nil }

// PolicyIDs are the ids of the active set's policies, in text order.
func (e *CedarEvaluator) PolicyIDs() []string {
	if e == nil {
		return nil
	}
	if s := e.set.Load(); s != nil {
		return append([]string(nil), s.ids...)
	}
	return nil
}

// Generation changes each time the active set changes.
func (e *CedarEvaluator) Generation() uint64 {
	if e == nil {
		return 0
	}
	return e.generation.Load()
}

// Evaluate decides one request. It never panics: with no set loaded it answers the default decision
// and says so in Errors; an engine failure is a deny with the reason in Errors.
func (e *CedarEvaluator) Evaluate(req Request) (d Decision) {
	if e == nil {
		return Decision{Decision: "allow", PolicyIDs: []string{}, Errors: []string{"no policy loaded"}}
	}
	set := e.set.Load()
	if set == nil {
		return Decision{Decision: e.defaultDecision, PolicyIDs: []string{}, Errors: []string{"no policy loaded"}}
	}
	return set.evaluate(req)
}

func (s *compiledSet) evaluate(req Request) (d Decision) {
	defer func() {
		if r := recover(); r != nil {
			d = Decision{Decision: "deny", PolicyIDs: []string{}, Errors: []string{fmt.Sprintf("cedar: %v", r)}}
		}
	}()
	entities, err := toEntities(req.Entities)
	if err != nil {
		return Decision{Decision: "deny", PolicyIDs: []string{}, Errors: []string{err.Error()}}
	}
	ctx, err := toValue(req.Context)
	if err != nil {
		return Decision{Decision: "deny", PolicyIDs: []string{}, Errors: []string{"context: " + err.Error()}}
	}
	record, _ := ctx.(types.Record)
	decision, diag := cedar.Authorize(s.policies, entities, cedar.Request{
		Principal: uid(req.Principal), Action: uid(req.Action), Resource: uid(req.Resource), Context: record,
	})
	d = Decision{Decision: "deny", PolicyIDs: make([]string, 0, len(diag.Reasons))}
	if decision == cedar.Allow {
		d.Decision = "allow"
	}
	for _, r := range diag.Reasons {
		d.PolicyIDs = append(d.PolicyIDs, string(r.PolicyID))
	}
	d.Errors = make([]string, 0, len(diag.Errors))
	for _, e := range diag.Errors {
		d.Errors = append(d.Errors, fmt.Sprintf("%s: %s", e.PolicyID, e.Message))
	}
	return d
}

// compilePolicySet parses, names (@id, else policy<N>), validates and adds the default permit.
func compilePolicySet(text, defaultDecision string, v *validate.Validator) (*compiledSet, []Diagnostic) {
	if d := checkCedarText(text); d != nil {
		return nil, []Diagnostic{*d}
	}
	list, err := cedar.NewPolicyListFromBytes("policies.cedar", []byte(text))
	if err != nil {
		d := parseDiagnostic(text, err)
		if templateSlot.MatchString(text) {
			d.Message = "policy templates are not supported; link them first (" + d.Message + ")"
		}
		return nil, []Diagnostic{d}
	}
	set := cedar.NewPolicySet()
	ids := make([]string, 0, len(list))
	var diags []Diagnostic
	seen := map[string]bool{}
	for i, p := range list {
		id := fmt.Sprintf("policy%d", i)
		if given, ok := p.Annotations()["id"]; ok {
			id = string(given)
		}
		pos := p.Position()
		line, col := pos.Line, pos.Column
		if id == DefaultAllowPolicyID || seen[id] {
			diags = append(diags, Diagnostic{PolicyID: id, Message: fmt.Sprintf("the policy id %q is used more than once (or reserved)", id), Line: line, Column: col})
			continue
		}
		seen[id] = true
		if v != nil {
			if err := v.Policy(id, (*xast.Policy)(p.AST())); err != nil {
				end := len(text)
				if i+1 < len(list) {
					end = list[i+1].Position().Offset
				}
				for _, msg := range strings.Split(err.Error(), "\n") {
					msg = strings.TrimPrefix(strings.TrimSpace(msg), "for policy `"+id+"`, ")
					if msg != "" {
						l, c := placeProblem(text, pos.Offset, end, msg, line, col)
						diags = append(diags, Diagnostic{PolicyID: id, Message: msg, Line: l, Column: c})
					}
				}
				continue
			}
		}
		set.Add(cedar.PolicyID(id), p)
		ids = append(ids, id)
	}
	if len(diags) > 0 {
		return nil, diags
	}
	if defaultDecision == "allow" {
		var permit cedar.Policy
		if err := permit.UnmarshalCedar([]byte(`permit (principal, action, resource);`)); err != nil {
			return nil, []Diagnostic{{Message: err.Error(), Line: 1, Column: 1}}
		}
		set.Add(DefaultAllowPolicyID, &permit)
	}
	return &compiledSet{policies: set, ids: ids, defaultDecision: defaultDecision}, nil
}

var (
	parsePosition = regexp.MustCompile(`:(\d+):(\d+)`)
	templateSlot  = regexp.MustCompile(`==\s*\?(?:principal|resource)\b|\bin\s*\?(?:principal|resource)\b`)
)

// parseDiagnostic places a parse error ("parse error at <input>:3:14 ...") in the text.
func parseDiagnostic(text string, err error) Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "parser error: ")
	msg = strings.Replace(msg, " at <input>", " at", 1)
	d := Diagnostic{Message: msg, Line: 1, Column: 1}
	if m := parsePosition.FindStringSubmatch(msg); m != nil {
		fmt.Sscanf(m[1], "%d", &d.Line)
		fmt.Sscanf(m[2], "%d", &d.Column)
	}
	return d
}

var (
	quoted        = regexp.MustCompile("`([^`]+)`")
	effectKeyword = regexp.MustCompile(`\b(?:permit|forbid)\s*\(`)
)

// placeProblem finds where in its policy a validator message points: the first name it quotes
// (`hostnme`) that occurs in the policy's text after its annotations. The validator gives the
// policy only; without a match the policy's own position stands.
func placeProblem(text string, start, end int, msg string, line, col int) (int, int) {
	if start < 0 || end > len(text) || start >= end {
		return line, col
	}
	body := text[start:end]
	// Past the annotations (an @id holds the policy's name, which messages quote too).
	skip := effectKeyword.FindStringIndex(body)
	from := 0
	if skip != nil {
		from = skip[0]
	}
	for _, m := range quoted.FindAllStringSubmatch(msg, -1) {
		name := strings.Trim(m[1], "\"")
		if name == "" {
			continue
		}
		if k := strings.Index(body[from:], name); k >= 0 {
			return positionAt(text, start+from+k)
		}
	}
	return line, col
}
