package trusera

import (
	"errors"
	"fmt"
	"strings"
)

// Stable codes of every error this package returns; match them with errors.As and (*Error).Code.
const (
	// CodePolicyViolation: a call denied by policy in block mode (see PolicyViolationError).
	CodePolicyViolation = "TRUSERA_POLICY_VIOLATION"
	// CodePolicyInvalid: a policy set that does not parse or does not fit the request model.
	CodePolicyInvalid = "TRUSERA_POLICY_INVALID"
	// CodeConfig: an option out of range, or a client without a usable API key.
	CodeConfig = "TRUSERA_CONFIG"
	// CodeUndelivered: Flush or Close could not deliver every queued event.
	CodeUndelivered = "TRUSERA_UNDELIVERED"
	// CodeClosed: the client was closed.
	CodeClosed = "TRUSERA_CLOSED"
)

// Error is the root of every error of this package. The richer errors (PolicyViolationError,
// PolicyLoadError) unwrap to one, so `var e *trusera.Error; errors.As(err, &e)` finds the code of any.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// ErrClosed is returned by Flush on a closed client.
var ErrClosed = &Error{Code: CodeClosed, Message: "[Trusera] the client is closed"}

// PolicyViolationError is a call denied by policy in block mode: it never left the process.
// A wrapped client's Do returns an error that wraps it (a *url.Error, as net/http wraps every
// transport error); errors.As finds it.
type PolicyViolationError struct {
	// Action is "api_call" for HTTP, else "tool_call", "llm_invoke" or "decision".
	Action string
	// Resource is what was denied: the redacted URL of an HTTP call, or the tool, model or step name.
	Resource string
	// Method is the HTTP method (upper case); "" for other actions.
	Method string
	// URL is the redacted, normalized URL; "" for other actions.
	URL string
	// PolicyIDs are the policies that decided (empty for a default deny or failClosed).
	PolicyIDs []string
	// Reasons say why, in words.
	Reasons []string
	// Library is "net/http" for the interceptor.
	Library string
}

// Decision is always "deny".
func (e *PolicyViolationError) Decision() string { return "deny" }

func (e *PolicyViolationError) Error() string {
	reasons := strings.Join(e.Reasons, "; ")
	if e.Action == "api_call" || e.Action == "" {
		return fmt.Sprintf("[Trusera] Policy violation: %s %s denied (%s)", e.Method, e.URL, reasons)
	}
	noun := map[string]string{"tool_call": "tool", "llm_invoke": "model", "decision": "step"}[e.Action]
	if noun == "" {
		noun = e.Action
	}
	return fmt.Sprintf("[Trusera] Policy violation: %s %s denied - %s", noun, e.Resource, reasons)
}

// Unwrap gives the root error with code TRUSERA_POLICY_VIOLATION.
func (e *PolicyViolationError) Unwrap() error {
	return &Error{Code: CodePolicyViolation, Message: e.Error()}
}

// Diagnostic is one problem of a policy set, placed in its text.
type Diagnostic struct {
	// PolicyID is the policy's @id, or policy<N> by position; "" when the text did not parse.
	PolicyID string
	Message  string
	// Line and Column are 1-based, in the whole policy text: where the policy (or the parse error) starts.
	Line   int
	Column int
}

func (d Diagnostic) String() string {
	if d.PolicyID != "" {
		return fmt.Sprintf("%s at %d:%d: %s", d.PolicyID, d.Line, d.Column, d.Message)
	}
	return fmt.Sprintf("at %d:%d: %s", d.Line, d.Column, d.Message)
}

// PolicyLoadError is a policy set that was refused; the previously loaded set stays active.
type PolicyLoadError struct {
	Diagnostics []Diagnostic
}

func (e *PolicyLoadError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return "[Trusera] Invalid Cedar policy set: " + strings.Join(lines, "; ")
}

// Unwrap gives the root error with code TRUSERA_POLICY_INVALID.
func (e *PolicyLoadError) Unwrap() error {
	return &Error{Code: CodePolicyInvalid, Message: e.Error()}
}

// IsPolicyViolation reports whether err is, or wraps, a *PolicyViolationError.
func IsPolicyViolation(err error) bool {
	var v *PolicyViolationError
	return errors.As(err, &v)
}
