package trusera

import (
	"net/http"
	"strings"
	"testing"
)

// Redaction runs on whatever an application hands over: it must never panic, and redacting twice
// changes nothing more. `go test -fuzz FuzzRedaction` explores further; the seeds run every time.
func FuzzRedaction(f *testing.F) {
	for _, seed := range []string{
		"", "password=hunter2", "https://u:p@h/x?token=a#access_token=b", "Authorization: Bearer abcdefgh1234",
		"sk-" + strings.Repeat("a", 30), "\"api_key\": \"x\\\"y\"", "key='unterminated", "aws wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"http://[::1", "ftp://x:99999/", "?a=%zz&token=%", "-----BEGIN PRIVATE KEY-----\nabc", "\xff\xfe token \u2028 = x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := RedactText(s)
		if twice := RedactText(once); twice != once {
			t.Fatalf("RedactText not idempotent on %q: %q then %q", s, once, twice)
		}
		_ = ContainsSecret(s)
		_ = RedactURL(s)
		_ = ScrubSecrets(map[string]any{s: s, "password": s, "list": []any{s}})
		_, _ = HTTPRequest("a", s, s, http.Header{s: {s}})
		_ = makeSafeURL(s)
		_ = checkCedarText(s)
	})
}
