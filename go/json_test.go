package trusera

import (
	"math/rand/v2"
	"testing"
)

// The hand-written JSON string writer (interceptor events) must write what encoding/json writes.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{"", "plain", `q"uote\back`, "tab\tnl\ncr\r\b\f\x00\x1f\x7f", "<>&", "café ☕ 検索 😀",
		"bad \xff\xfe utf8", "line\u2028para\u2029", "\xed\xa0\x80 surrogate"}
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 2000; k++ {
		b := make([]byte, rng.IntN(24))
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := string(appendJSONString(nil, s)), string(marshalJSON(s)); got != want {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}
