package trusera

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Micro-benchmarks for profiling (go test -bench . -run ^$); the figures users see come from
// bench/go (npm run bench), measured beside their baselines.

type instantRT struct{}

func (instantRT) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r, Header: http.Header{}}, nil
}

func benchClient() *Client {
	return NewClient("tsk_"+strings.Repeat("b", 32), WithBaseURL("http://127.0.0.1:9"), WithFlushInterval(time.Hour),
		WithMaxRetries(0), WithAgentID("bench"), WithLogger(&recordingLogger{}), WithoutSpool())
}

func BenchmarkTrack(b *testing.B) {
	c := benchClient()
	defer c.Close()
	e := NewEvent(EventToolCall, "web_search").WithPayload("query", "latest AI news").WithPayload("results", 10)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Track(e)
	}
}

func BenchmarkSerializeOne(b *testing.B) {
	c := benchClient()
	defer c.Close()
	e := NewEvent(EventToolCall, "web_search").WithPayload("query", "latest AI news").WithPayload("results", 10).WithMetadata("duration_ms", 250)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p := pendingEvent{ev: e, at: time.Now()}
		c.serializeOne(&p)
	}
}

func BenchmarkInterceptorOwnWork(b *testing.B) {
	c := benchClient()
	defer c.Close()
	i := NewInterceptor(instantRT{}, c, InterceptorOptions{})
	req, _ := http.NewRequest("GET", "https://api.openai.com/v1/models?limit=10", nil)
	req.Header.Set("Authorization", "Bearer x")
	b.ReportAllocs()
	for k := 0; k < b.N; k++ {
		res, _ := i.RoundTrip(req)
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
}

func benchLoopback(b *testing.B, wrap bool) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer srv.Close()
	c := benchClient()
	defer c.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	if wrap {
		hc = WrapHTTPClient(hc, c, InterceptorOptions{})
	}
	url := srv.URL + "/v1/models?limit=10"
	b.ReportAllocs()
	for k := 0; k < b.N; k++ {
		res, err := hc.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
}

func BenchmarkLoopbackBare(b *testing.B)    { benchLoopback(b, false) }
func BenchmarkLoopbackWrapped(b *testing.B) { benchLoopback(b, true) }
