package trusera

import (
	"strconv"
	"strings"
	"time"
)

// Mode is what the interceptor does with a call a policy denies.
type Mode string

const (
	// ModeLog lets the call proceed and records the deny (api_call with decision "deny", and a policy_violation).
	ModeLog Mode = "log"
	// ModeWarn does the same and logs one "Policy violation (allowed): ..." line.
	ModeWarn Mode = "warn"
	// ModeBlock stops the call before it leaves the process: the RoundTrip fails with a
	// *PolicyViolationError (or, with BlockedResponse, answers a synthetic 403) and nothing is sent.
	ModeBlock Mode = "block"
)

// InterceptorOptions configure WrapHTTPClient, NewInterceptor and InterceptDefault.
type InterceptorOptions struct {
	// Enforcement is ModeLog (the default), ModeWarn or ModeBlock.
	Enforcement Mode
	// Evaluator decides every call (see NewCedarEvaluator). With PolicyURL, the server's bundle is
	// loaded into it.
	Evaluator *CedarEvaluator
	// PolicyURL is the policy bundle to follow, absolute or relative to the client's base URL, e.g.
	// "/api/v1/policies/bundle". Fetched in the background with If-None-Match, never on the path of
	// a request; the last good bundle stays active when a fetch or a load fails.
	PolicyURL string
	// PolicyRefreshInterval is the time between bundle fetches (default 30s).
	PolicyRefreshInterval time.Duration
	// FailClosed denies every call while no policy is available (no bundle fetched yet, or none
	// reachable and none good before). Without it such calls are allowed without asking the engine.
	FailClosed bool
	// BlockPatterns is a compatibility shorthand of the seed SDK: each pattern is compiled to a Cedar
	// forbid on api_call whose URL contains it (`context.url like "*<pattern>*"`), added to the
	// evaluator's policies (one decision path). Patterns match the normalized, redacted URL.
	BlockPatterns []string
	// ExcludePatterns: a call whose URL contains one of these strings is neither decided nor recorded.
	ExcludePatterns []string
	// BlockedResponse makes a blocked call answer a synthetic "403 Forbidden" response (header
	// X-Trusera-Blocked: true, a JSON body with the reasons) instead of failing with a
	// *PolicyViolationError: the published seed SDK's behaviour. Nothing is sent either way.
	BlockedResponse bool
	// DecisionCacheSize bounds the remembered decisions (default 1024; negative turns it off).
	DecisionCacheSize int
}

func (m Mode) valid() bool { return m == ModeLog || m == ModeWarn || m == ModeBlock }

// BlockPatternPolicies compiles BlockPatterns to Cedar: one forbid per pattern, with the id
// "block-pattern-<n>", matching an api_call whose normalized URL contains the pattern literally.
func BlockPatternPolicies(patterns []string) string {
	var b strings.Builder
	for i, p := range patterns {
		if p == "" {
			continue
		}
		b.WriteString(`@id("block-pattern-` + strconv.Itoa(i) + `")` + "\n")
		b.WriteString(`forbid (principal, action == Action::"api_call", resource) when { context.url like "*`)
		b.WriteString(cedarLikeLiteral(p))
		b.WriteString(`*" };` + "\n")
	}
	return b.String()
}

// cedarLikeLiteral escapes text for a Cedar string used as a like pattern: backslash and quote as in
// any Cedar string, and * so that it matches a star rather than anything.
func cedarLikeLiteral(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '*':
			b.WriteString(`\*`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				b.WriteString(`\u{` + strconv.FormatInt(int64(r), 16) + `}`)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}
