package trusera

import (
	"math"
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

// The hand-written value writer (tracked events) must write what encoding/json writes.
func TestAppendJSONValueMatchesEncodingJSON(t *testing.T) {
	values := []any{nil, true, 0.0, math.Copysign(0, -1), 1.5, 0.92, 1e21, 1e-7, 123456789.0, 1e20, float32(0.1), 42, int64(-7), uint64(9),
		"s", map[string]any{"b": 1.0, "a": []any{"x", nil, map[string]any{}}, "c": map[string]any{"z": false}}, []any{}, []any(nil),
		struct {
			A int `json:"a"`
		}{3}, map[string]int{"k": 1}}
	rng := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 500; k++ {
		values = append(values, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(50)-25)))
	}
	for _, v := range values {
		got, ok := appendJSONValue(nil, v)
		if want := marshalJSON(v); !ok || string(got) != string(want) {
			t.Fatalf("%#v: got %s (%v), want %s", v, got, ok, want)
		}
	}
	if _, ok := appendJSONValue(nil, math.NaN()); ok {
		t.Fatal("NaN has no JSON form")
	}
	if _, ok := appendJSONValue(nil, map[string]any{"c": make(chan int)}); ok {
		t.Fatal("a channel has no JSON form")
	}
}
