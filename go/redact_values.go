package trusera

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strings"
)

// RedactHeaders gives headers as a map with lower-case names and every credential replaced by
// [REDACTED]; several values of one name are joined with ", ".
func RedactHeaders(h http.Header) map[string]string {
	pairs := headerSnapshot(h)
	out := make(map[string]string, len(pairs)/2)
	for k := 0; k < len(pairs); k += 2 {
		out[pairs[k]] = pairs[k+1]
	}
	return out
}

// HeaderNames gives the lower-case header names, sorted: what a Cedar request's context holds.
func HeaderNames(h http.Header) []string {
	pairs := headerSnapshot(h)
	names := make([]string, len(pairs)/2)
	for k := range names {
		names[k] = pairs[2*k]
	}
	return names
}

// headerSnapshot is the headers as [name, value, name, value, ...]: lower-case names, sorted,
// unique (values of names that differ only in case are joined), credentials redacted. One
// allocation for the common case; what the interceptor decides on and records.
func headerSnapshot(h http.Header) []string {
	pairs := make([]string, 0, 2*len(h))
	for name, values := range h {
		info := lookupName(name)
		value := Redacted
		if !info.sensitive {
			if len(values) == 1 {
				value = values[0]
			} else {
				value = strings.Join(values, ", ")
			}
		}
		pairs = append(pairs, info.lower, value)
	}
	if len(pairs) > 2 {
		sort.Sort(pairSorter(pairs))
		out := pairs[:2]
		for k := 2; k < len(pairs); k += 2 {
			if pairs[k] == out[len(out)-2] {
				if out[len(out)-1] != Redacted {
					out[len(out)-1] += ", " + pairs[k+1]
				}
				continue
			}
			out = append(out, pairs[k], pairs[k+1])
		}
		pairs = out
	}
	return pairs
}

type pairSorter []string

func (p pairSorter) Len() int           { return len(p) / 2 }
func (p pairSorter) Less(i, j int) bool { return p[2*i] < p[2*j] }
func (p pairSorter) Swap(i, j int) {
	p[2*i], p[2*j] = p[2*j], p[2*i]
	p[2*i+1], p[2*j+1] = p[2*j+1], p[2*i+1]
}

const maxScrubDepth = 32

// ScrubSecrets gives a copy of a JSON-like value with every secret replaced: values under a
// sensitive key (password, api_key, authorization, ...) and secret-shaped strings anywhere. Maps,
// slices and strings are walked as they are; any other composite value (a struct) is first turned
// into its JSON form, so that what is scrubbed is what would be sent. Nesting deeper than 32 levels
// becomes "[TRUNCATED]" and a map or slice that contains itself "[Circular]". Mirrors scrubSecrets.
func ScrubSecrets(value any) any {
	return scrub(value, 0, nil)
}

func scrub(value any, depth int, ancestors []uintptr) any {
	switch v := value.(type) {
	case nil, bool, float64, float32, int, int64, int32, int16, int8, uint, uint64, uint32, uint16, uint8, json.Number:
		return v
	case string:
		return RedactText(v)
	case json.Marshaler:
		return v // as the TypeScript side keeps objects with toJSON (dates)
	case map[string]any:
		return scrubMap(v, depth, ancestors)
	case []any:
		return scrubSlice(v, depth, ancestors)
	case map[string]string:
		out := make(map[string]any, len(v))
		for k, s := range v {
			out[k] = s
		}
		return scrubMap(out, depth, ancestors)
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return scrubSlice(out, depth, ancestors)
	}
	// Anything else (structs, typed maps and slices): its JSON form.
	raw, err := json.Marshal(value)
	if err != nil {
		return "[unserializable " + reflect.TypeOf(value).String() + "]"
	}
	var generic any
	if json.Unmarshal(raw, &generic) != nil {
		return nil
	}
	return scrub(generic, depth, ancestors)
}

func identity(v any) uintptr {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice {
		return rv.Pointer()
	}
	return 0
}

func isAncestor(p uintptr, ancestors []uintptr) bool {
	if p == 0 {
		return false
	}
	for _, a := range ancestors {
		if a == p {
			return true
		}
	}
	return false
}

func scrubMap(m map[string]any, depth int, ancestors []uintptr) any {
	p := identity(m)
	if isAncestor(p, ancestors) {
		return "[Circular]"
	}
	if depth >= maxScrubDepth {
		return "[TRUNCATED]"
	}
	ancestors = append(ancestors, p)
	out := make(map[string]any, len(m))
	for k, current := range m {
		if IsSensitiveName(k) && holdsSomething(current) {
			out[k] = Redacted
		} else {
			out[k] = scrub(current, depth+1, ancestors)
		}
	}
	return out
}

func scrubSlice(s []any, depth int, ancestors []uintptr) any {
	p := identity(s)
	if len(s) > 0 && isAncestor(p, ancestors) {
		return "[Circular]"
	}
	if depth >= maxScrubDepth {
		return "[TRUNCATED]"
	}
	ancestors = append(ancestors, p)
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = scrub(v, depth+1, ancestors)
	}
	return out
}

// holdsSomething: whether a value under a sensitive key has anything to hide: any scalar but nil
// and "", and any non-empty list or map, which is replaced whole.
func holdsSomething(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	case map[string]string:
		return len(x) > 0
	case []string:
		return len(x) > 0
	}
	if isScalar(v) {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array:
		return rv.Len() > 0
	case reflect.Pointer:
		return !rv.IsNil()
	}
	return true // a struct: has fields
}

// isScalar: not nil and not an object or array, as the TypeScript rule reads it.
func isScalar(v any) bool {
	switch v.(type) {
	case nil, map[string]any, []any, map[string]string, []string:
		return false
	case string, bool, float64, float32, int, int64, int32, int16, int8, uint, uint64, uint32, uint16, uint8, json.Number:
		return true
	}
	k := reflect.ValueOf(v).Kind()
	return k != reflect.Map && k != reflect.Slice && k != reflect.Struct && k != reflect.Array && k != reflect.Pointer
}
