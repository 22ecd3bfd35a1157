package trusera

import (
	"bytes"
	"encoding/json"
)

// marshalJSON is encoding/json without HTML escaping (the other SDKs send "<" as it is), and
// without the trailing newline of an Encoder. Nil on failure.
func marshalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return nil
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
