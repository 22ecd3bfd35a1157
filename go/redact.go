package trusera

import (
	"regexp"
	"strings"
	"sync"
)

// Redacted is the text that stands where a secret was.
const Redacted = "[REDACTED]"

// The rules below mirror packages/core/src/redact/patterns.ts; spec/vectors/ keeps the two in step.

var sensitiveHeaderNames = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true,
	"x-api-key": true, "api-key": true, "x-goog-api-key": true,
}

var sensitiveNamePattern = regexp.MustCompile(`(?i)token|secret|key|passw|pwd|credential|signature|session|auth|cookie`)

// Names that match the pattern above but carry no secret; listed so that useful data is not hidden.
var harmlessNames = map[string]bool{
	"keep-alive": true, "max_tokens": true, "max-tokens": true, "maxtokens": true,
	"max_completion_tokens": true, "prompt_tokens": true, "completion_tokens": true,
	"total_tokens": true, "input_tokens": true, "output_tokens": true, "tokens": true,
	"token_count": true, "primary_key": true, "sort_key": true, "keys": true, "key_count": true,
	"author": true, "authors": true, "session_id": true, "sessionid": true,
}

// Answers for names seen before: payloads and headers repeat the same few names. Bounded, as names
// are input. Each entry also keeps the lower-case form, which header snapshots need.
const nameCacheLimit = 4096

type nameInfo struct {
	lower     string
	sensitive bool
}

var nameCache = struct {
	sync.RWMutex
	m map[string]nameInfo
}{m: make(map[string]nameInfo)}

// IsSensitiveName reports whether a header, query parameter or object key with this name holds a secret.
func IsSensitiveName(name string) bool { return lookupName(name).sensitive }

func lookupName(name string) nameInfo {
	nameCache.RLock()
	info, ok := nameCache.m[name]
	nameCache.RUnlock()
	if ok {
		return info
	}
	lower := strings.ToLower(name)
	info.lower = lower
	switch {
	case sensitiveHeaderNames[lower]:
		info.sensitive = true
	case harmlessNames[lower]:
		info.sensitive = false
	default:
		info.sensitive = sensitiveNamePattern.MatchString(lower)
	}
	if len(name) <= 64 {
		nameCache.Lock()
		if len(nameCache.m) >= nameCacheLimit {
			nameCache.m = make(map[string]nameInfo)
		}
		nameCache.m[name] = info
		nameCache.Unlock()
	}
	return info
}

// Values that are secrets whatever they are called: provider API keys, bearer tokens, JWTs, cloud
// access keys, private key blocks.
var secretValuePattern = regexp.MustCompile(strings.Join([]string{
	`\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}`, // OpenAI, Anthropic
	`\btsk_[A-Za-z0-9_-]{16,}`,               // Trusera
	`\bAKIA[0-9A-Z]{16}\b`,                   // AWS access key id
	`\bgh[pousr]_[A-Za-z0-9]{30,}`,           // GitHub
	`\bgithub_pat_[A-Za-z0-9_]{30,}`,
	`\bxox[abprs]-[A-Za-z0-9-]{10,}`,                               // Slack
	`\bAIza[0-9A-Za-z_-]{35}`,                                      // Google
	`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`, // JWT
	`\b[Bb]earer\s+[A-Za-z0-9._~+/=-]{8,}`,
	`\b[Bb]asic\s+[A-Za-z0-9+/=]{8,}`,
	`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`,
}, "|"))

// Every secret shape starts with one of these; text without any of them skips the regular
// expression, which is most text.
var secretPrefixes = []string{"sk-", "tsk_", "AKIA", "gh", "github_pat_", "xox", "AIza", "eyJ", "earer", "asic", "-----BEGIN"}

func mayHoldShape(text string) bool {
	for _, p := range secretPrefixes {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}

// urlUserinfo is the user info of a URL with a password: group 1 is "://user:", group 2 the password.
var urlUserinfo = regexp.MustCompile(`(://[^\s/?#@:]*:)([^\s/?#@\[]+)@`)

// ContainsSecret reports whether free text contains a secret RedactText would replace.
func ContainsSecret(text string) bool { return RedactText(text) != text }

// RedactText replaces every secret in free text (a command line, a body, an error message, a URL),
// the rules of packages/core redactText:
//   - secret-shaped runs: provider API keys, bearer tokens, JWTs, cloud keys, private key blocks;
//   - the password of a URL's user info (https://user:[REDACTED]@host);
//   - the value after a sensitive name (password=..., "api_key": "...", ?token=...,
//     export OPENAI_API_KEY=..., Authorization: token ...): see redactAssignments;
//   - a 40-character AWS secret access key when it is the whole text, or when the text names one
//     ("aws" or "secret", any case) or holds another secret shape.
//
// It returns text itself when there is nothing to replace; redacting twice changes nothing more.
func RedactText(text string) string {
	if len(text) == 40 && isAwsSecretShape(text) {
		return Redacted
	}
	out := text
	awsOrSecret := false
	if mayHoldShape(out) && secretValuePattern.MatchString(out) {
		out = secretValuePattern.ReplaceAllStringFunc(out, replaceShape)
		awsOrSecret = true
	}
	if strings.Contains(out, "://") && strings.Contains(out, "@") {
		out = urlUserinfo.ReplaceAllString(out, "${1}"+Redacted+"@")
	}
	// A name and its value are apart by "=", ":" or spaces: texts without any (ids, names) skip the scan.
	if strings.ContainsAny(out, " =:\t") {
		out = redactAssignments(out, &awsOrSecret)
	}
	if awsOrSecret && len(out) > 40 {
		out = redactAwsSecrets(out)
	}
	return out
}

func replaceShape(match string) string {
	// Keep the scheme word so that a reader still sees what kind of credential was there.
	for _, scheme := range []string{"Bearer", "bearer", "Basic", "basic"} {
		if strings.HasPrefix(match, scheme) && len(match) > len(scheme) && isSpace(match[len(scheme)]) {
			return scheme + " " + Redacted
		}
	}
	return Redacted
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v'
}
