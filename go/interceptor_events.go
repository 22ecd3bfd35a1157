package trusera

import (
	"errors"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// callRecord is one intercepted call, from its decision to the end of its response body. Once
// finished it is read only, by the client's serializer, which writes its events.
type callRecord struct {
	i        *Interceptor
	method   string
	url      string
	headers  []string // headerSnapshot: lower-case names and redacted values, sorted
	reqBytes int64    // -1 when unknown
	// reqCounter counts a body of unknown length as it is sent; nil otherwise.
	reqCounter *countingRequestBody
	verdict    *verdict
	blocked    bool
	start      time.Time
	status     int // 0: no response
	respBytes  int64
	duration   time.Duration
	failure    string // the error, redacted; "" for none
	done       atomic.Bool
}

// finish records the call once: its api_call event, and a policy_violation when it was denied.
// The events are serialized later, off the caller's goroutine, from values already redacted.
func (r *callRecord) finish(respBytes int64, failure error) {
	if r.done.Swap(true) {
		return
	}
	client := r.i.client
	if client == nil {
		return
	}
	r.duration = time.Since(r.start)
	r.respBytes = respBytes
	if r.reqCounter != nil {
		r.reqBytes = r.reqCounter.n.Load()
	}
	if failure != nil {
		r.failure = errorText(failure)
	}
	at := time.Now()
	client.enqueueCall(r, at)
}

// appendEvent writes the call's api_call event (or its policy_violation) as JSON, in the shape of
// docs/policy-model.md "The event contract", with the id, timestamp and agent id given.
func (r *callRecord) appendEvent(dst []byte, violation bool, id, timestamp, agent string) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, id)
	if violation {
		dst = append(dst, `,"type":"policy_violation","name":`...)
	} else {
		dst = append(dst, `,"type":"api_call","name":`...)
	}
	name := r.method + " " + r.url
	if jsLength(name) > MaxNameLength {
		name = cutUTF16(name, MaxNameLength)
	}
	dst = appendJSONString(dst, name)
	dst = append(dst, `,"payload":{"url":`...)
	dst = appendJSONString(dst, r.url)
	dst = append(dst, `,"method":`...)
	dst = appendJSONString(dst, r.method)
	dst = append(dst, `,"status_code":`...)
	if r.status != 0 {
		dst = strconv.AppendInt(dst, int64(r.status), 10)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"duration_ms":`...)
	dst = strconv.AppendFloat(dst, float64(r.duration.Microseconds())/1000, 'f', -1, 64)
	dst = append(dst, `,"request_size_bytes":`...)
	if r.reqBytes >= 0 {
		dst = strconv.AppendInt(dst, r.reqBytes, 10)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"response_size_bytes":`...)
	dst = strconv.AppendInt(dst, r.respBytes, 10)
	dst = append(dst, `,"request_headers":{`...)
	for k := 0; k < len(r.headers); k += 2 {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, r.headers[k])
		dst = append(dst, ':')
		dst = appendJSONString(dst, r.headers[k+1])
	}
	dst = append(dst, '}')
	if r.failure != "" {
		dst = append(dst, `,"error":`...)
		dst = appendJSONString(dst, r.failure)
	}
	if violation {
		dst = append(dst, `,"reasons":`...)
		dst = appendJSONStrings(dst, r.verdict.reasons)
	}
	dst = append(dst, `},"metadata":{"decision":`...)
	dst = appendJSONString(dst, r.verdict.decision)
	dst = append(dst, `,"enforcement":`...)
	dst = appendJSONString(dst, string(r.i.mode))
	dst = append(dst, `,"policy_ids":`...)
	dst = appendJSONStrings(dst, r.verdict.policyIDs)
	if r.blocked {
		dst = append(dst, `,"blocked":true`...)
	} else {
		dst = append(dst, `,"blocked":false`...)
	}
	dst = append(dst, `,"library":"`+Library+`"},"timestamp":`...)
	dst = appendJSONString(dst, timestamp)
	if agent != "" {
		dst = append(dst, `,"agent_id":`...)
		dst = appendJSONString(dst, agent)
	}
	return append(dst, '}')
}

// errorText is an error as one line for an event, with anything secret-shaped in it redacted.
func errorText(err error) string {
	var v *PolicyViolationError
	if errors.As(err, &v) {
		return RedactText("PolicyViolationError: " + v.Error())
	}
	return RedactText(err.Error())
}

// cutUTF16 keeps the first n UTF-16 code units of s, never splitting a character.
func cutUTF16(s string, n int) string {
	count := 0
	for k, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if count+w > n {
			return s[:k]
		}
		count += w
	}
	return s
}

// countingBody counts the response bytes and records the call at EOF, on a read error, or at Close.
type countingBody struct {
	io.ReadCloser
	rec  *callRecord
	n    int64
	once sync.Once
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		b.record(nil)
	} else if err != nil {
		b.record(err)
	}
	return n, err
}

func (b *countingBody) Close() error {
	err := b.ReadCloser.Close()
	b.record(nil)
	return err
}

func (b *countingBody) record(err error) {
	b.once.Do(func() { b.rec.finish(b.n, err) })
}

// countingReadWriteBody keeps the Write of a body that has one.
type countingReadWriteBody struct {
	*countingBody
	w io.Writer
}

func (b *countingReadWriteBody) Write(p []byte) (int, error) { return b.w.Write(p) }

// countingRequestBody counts the bytes of a request body of unknown length as the transport reads
// them (on its own goroutine, hence the atomic).
type countingRequestBody struct {
	io.ReadCloser
	n atomic.Int64
}

func (b *countingRequestBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}
