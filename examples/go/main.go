// A Go agent governed by Trusera: it reports what it does to a Trusera server and every outbound
// HTTP call is decided in-process by Cedar before it leaves.
//
//	npm start                                  # a local server; prints an API key
//	TRUSERA_API_KEY=tsk_... go run ./examples/go   (from this folder: go run .)
//
// TRUSERA_API_URL defaults to the local server (http://127.0.0.1:7780). The agent calls a small
// "tool API" it starts on a loopback port, so it needs no internet access: one call is allowed, one
// is blocked by a Cedar policy, one by a BlockPatterns entry, and a decision is tracked by hand.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	trusera "github.com/Trusera/ai-bom/trusera-sdk-go"
)

const policy = `
@id("read-only-tools")
forbid (principal, action == Action::"api_call", resource)
when { context.path like "/tools/*" && context.method != "GET" };
`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "go-agent:", err)
		os.Exit(1)
	}
}

func run() error {
	if os.Getenv("TRUSERA_API_KEY") == "" {
		return errors.New("set TRUSERA_API_KEY (a local server prints one on first start: npm start)")
	}
	toolAPI, stop, err := startToolAPI()
	if err != nil {
		return err
	}
	defer stop()

	client := trusera.NewClient("", trusera.WithAgentID("go-agent")) // key and URL from the environment
	defer client.Close()
	if _, err := client.RegisterAgent("go-agent", "custom"); err != nil {
		return fmt.Errorf("register: %w", err)
	}

	evaluator, err := trusera.NewCedarEvaluator(policy)
	if err != nil {
		return err // a *PolicyLoadError names the policy, line and column
	}
	httpClient := trusera.WrapHTTPClient(&http.Client{Timeout: 10 * time.Second}, client, trusera.InterceptorOptions{
		Enforcement:   trusera.ModeBlock,
		Evaluator:     evaluator,
		BlockPatterns: []string{"/tools/exfiltrate"},
	})

	res, err := httpClient.Get(toolAPI + "/tools/search?q=ai+security")
	if err != nil {
		return fmt.Errorf("the allowed call failed: %w", err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	fmt.Printf("allowed: GET /tools/search -> %d %s\n", res.StatusCode, body)

	for _, call := range []struct{ method, path string }{{"DELETE", "/tools/records/7"}, {"GET", "/tools/exfiltrate"}} {
		req, _ := http.NewRequest(call.method, toolAPI+call.path, nil)
		_, err := httpClient.Do(req)
		var violation *trusera.PolicyViolationError
		if !errors.As(err, &violation) {
			return fmt.Errorf("%s %s should have been blocked, got %v", call.method, call.path, err)
		}
		fmt.Printf("blocked: %s %s by %v\n", call.method, call.path, violation.PolicyIDs)
	}

	client.Track(trusera.NewEvent(trusera.EventDecision, "route_selection").
		WithPayload("selected_route", "api_v2").
		WithPayload("confidence", 0.92))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.CloseContext(ctx); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	st := client.Stats()
	fmt.Printf("reported %d events to %s (dropped %d)\n", st.Sent, serverURL(), st.Dropped)
	if st.Sent != 6 { // 3 api_call, 2 policy_violation, 1 decision
		return fmt.Errorf("expected 6 events delivered, stats %+v", st)
	}
	return nil
}

// startToolAPI serves the agent's stand-in tools on a loopback port.
func startToolAPI() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"tool":%q,"results":["owasp llm top 10"]}`, r.URL.Path)
	})}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

func serverURL() string {
	if u := os.Getenv("TRUSERA_API_URL"); u != "" {
		return u
	}
	return trusera.DefaultBaseURL
}
