// Measures what the Go SDK adds, each figure beside its baseline measured in the same run, in
// alternating blocks (ABBA...), as medians: a request through WrapHTTPClient in log mode (no policy,
// and 50 policies) against the same bare request on loopback; the interceptor's own work without a
// socket; Client.Track per call. Besides wall-clock time it reports the CPU time of the calling
// thread (CLOCK_THREAD_CPUTIME_ID), which other processes on a shared machine do not inflate.
// Prints one JSON object (nanoseconds) for bench/suites/go-sdk.mjs.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
	"unsafe"

	trusera "github.com/Trusera/ai-bom/trusera-sdk-go"
)

type quietLogger struct{}

func (quietLogger) Warn(string)  {}
func (quietLogger) Debug(string) {}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// threadCPU is the CPU time of the calling OS thread, in nanoseconds.
func threadCPU() int64 {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

type side struct {
	wall []float64 // ns per call, one sample per call
	cpu  []float64 // thread CPU ns per call, one sample per block
}

// compare runs a and b on one locked thread: first call by call, each b beside an a (ab, then ba),
// keeping b's time minus a's for each pair; then in alternating blocks of n calls for the thread's
// CPU time. Adjacent calls share the machine's state, so the median of the pairs' differences is
// steadier than the difference of two medians.
func compare(blocks, n int, a, b func()) (side, side, []float64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for k := 0; k < n; k++ {
		a()
		b()
	}
	var sa, sb side
	var diffs []float64
	timed := func(fn func()) float64 {
		t := time.Now()
		fn()
		return float64(time.Since(t).Nanoseconds())
	}
	for k := 0; k < blocks*n; k++ {
		var ta, tb float64
		if k%2 == 0 {
			ta, tb = timed(a), timed(b)
		} else {
			tb, ta = timed(b), timed(a)
		}
		sa.wall, sb.wall, diffs = append(sa.wall, ta), append(sb.wall, tb), append(diffs, tb-ta)
	}
	run := func(s *side, fn func()) {
		c0 := threadCPU()
		for k := 0; k < n; k++ {
			fn()
		}
		s.cpu = append(s.cpu, float64(threadCPU()-c0)/float64(n))
	}
	for blk := 0; blk < blocks; blk++ {
		if blk%2 == 0 {
			run(&sa, a)
			run(&sb, b)
		} else {
			run(&sb, b)
			run(&sa, a)
		}
	}
	return sa, sb, diffs
}

// perCall times a function in blocks of n calls (wall per call is the block's mean).
func perCall(blocks, n int, fn func()) (float64, float64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for k := 0; k < n; k++ {
		fn()
	}
	var wall, cpu []float64
	for blk := 0; blk < blocks; blk++ {
		c0, t := threadCPU(), time.Now()
		for k := 0; k < n; k++ {
			fn()
		}
		wall = append(wall, float64(time.Since(t).Nanoseconds())/float64(n))
		cpu = append(cpu, float64(threadCPU()-c0)/float64(n))
	}
	return median(wall), median(cpu)
}

// instant answers at once, without a socket: the interceptor's own work is all that is left.
type instant struct{}

func (instant) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r, Header: http.Header{}}, nil
}

// policySet is the TypeScript bench's set (bench/suites/interceptor.mjs): n forbids on distinct
// hosts and paths, none of which matches the benchmark's own requests.
func policySet(n int) string {
	var b strings.Builder
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "@id(\"p%d\")\nforbid (principal, action == Action::\"api_call\", resource)\nwhen { resource.hostname == \"blocked-%d.example\" && context.path like \"/admin/%d/*\" };\n\n", k, k, k)
	}
	return b.String()
}

func main() {
	client := trusera.NewClient("tsk_"+strings.Repeat("b", 32),
		trusera.WithBaseURL("http://127.0.0.1:9"), // nothing listens: flushes fail fast and requeue
		trusera.WithFlushInterval(time.Hour), trusera.WithMaxQueueSize(10_000), trusera.WithMaxRetries(0), trusera.WithoutSpool(),
		trusera.WithAgentID("bench-agent"), trusera.WithLogger(quietLogger{}))
	defer client.Close()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	get := func(c *http.Client) func() {
		return func() {
			res, err := c.Get(srv.URL + "/v1/models?limit=10")
			if err != nil {
				panic(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
		}
	}
	newTransport := func() *http.Transport { return &http.Transport{MaxIdleConnsPerHost: 4} }
	bare := &http.Client{Transport: newTransport()}
	logged := trusera.WrapHTTPClient(&http.Client{Transport: newTransport()}, client, trusera.InterceptorOptions{Enforcement: trusera.ModeLog})
	ev, err := trusera.NewCedarEvaluator(policySet(50))
	if err != nil {
		panic(err)
	}
	with50 := trusera.WrapHTTPClient(&http.Client{Transport: newTransport()}, client, trusera.InterceptorOptions{Enforcement: trusera.ModeLog, Evaluator: ev})

	out := map[string]float64{"cpus": float64(runtime.NumCPU())}
	a, b, d := compare(300, 20, get(bare), get(logged))
	out["bare_ns"], out["log_ns"] = median(a.wall), median(b.wall)
	out["log_added_ns"], out["log_added_cpu_ns"] = median(d), median(b.cpu)-median(a.cpu)
	a, b, d = compare(300, 20, get(bare), get(with50))
	out["bare50_ns"], out["policies50_ns"] = median(a.wall), median(b.wall)
	out["policies50_added_ns"], out["policies50_added_cpu_ns"] = median(d), median(b.cpu)-median(a.cpu)

	// The interceptor's own work per call, no socket: a RoundTripper that answers at once, bare and wrapped.
	req, _ := http.NewRequest("GET", "https://api.openai.com/v1/models?limit=10", nil)
	req.Header.Set("Authorization", "Bearer x")
	call := func(rt http.RoundTripper) func() {
		return func() {
			res, _ := rt.RoundTrip(req)
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
		}
	}
	own := trusera.NewInterceptor(instant{}, client, trusera.InterceptorOptions{Enforcement: trusera.ModeLog})
	own50 := trusera.NewInterceptor(instant{}, client, trusera.InterceptorOptions{Enforcement: trusera.ModeLog, Evaluator: ev})
	own50NoCache := trusera.NewInterceptor(instant{}, client, trusera.InterceptorOptions{Enforcement: trusera.ModeLog, Evaluator: ev, DecisionCacheSize: -1})
	a, b, d = compare(30, 2000, call(instant{}), call(own))
	out["own_added_ns"], out["own_added_cpu_ns"] = median(d), median(b.cpu)-median(a.cpu)
	a, b, d = compare(30, 2000, call(instant{}), call(own50))
	out["own50_added_ns"], out["own50_added_cpu_ns"] = median(d), median(b.cpu)-median(a.cpu)
	a, b, d = compare(20, 500, call(instant{}), call(own50NoCache))
	out["own50_nocache_added_ns"], out["own50_nocache_added_cpu_ns"] = median(d), median(b.cpu)-median(a.cpu)

	// Track per call, beside copying the event (the least any hand-over does).
	event := trusera.NewEvent(trusera.EventToolCall, "web_search").WithPayload("query", "latest AI news").WithPayload("results", 10).WithMetadata("duration_ms", 250)
	var sink trusera.Event
	out["copy_ns"], _ = perCall(40, 10_000, func() { sink = event })
	_ = sink
	out["track_ns"], out["track_cpu_ns"] = perCall(40, 10_000, func() { client.Track(event) })
	out["track_fresh_ns"], out["track_fresh_cpu_ns"] = perCall(40, 10_000, func() {
		client.Track(trusera.NewEvent(trusera.EventToolCall, "web_search").WithPayload("query", "latest AI news"))
	})
	// All the client's work per event: Track, then redaction and serialization (forced by Stats).
	out["track_serialized_ns"], _ = perCall(20, 1000, func() {
		client.Track(event)
		_ = client.Stats()
	})
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
