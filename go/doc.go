// Package trusera reports what a Go AI agent does to a Trusera server and decides its outbound
// HTTP calls in-process with the official Go Cedar engine (github.com/cedar-policy/cedar-go).
//
//	client := trusera.NewClient("tsk_...", trusera.WithAgentID("go-agent"))
//	defer client.Close()
//	client.RegisterAgent("go-agent", "custom")
//	httpClient := trusera.WrapHTTPClient(&http.Client{}, client, trusera.InterceptorOptions{
//		Enforcement: trusera.ModeBlock,
//		BlockPatterns: []string{"malicious.com"},
//	})
//
// Guarantees, ported from the TypeScript SDK: Track never blocks and never panics; the queue is
// bounded and what it drops is counted and reported to the server; one flush is in flight at a
// time; batches are retried with backoff, jitter and Retry-After under one Idempotency-Key; Close
// delivers within its context's deadline; a nil or closed *Client is safe to call. The client's own
// requests use a private transport and never pass through an interceptor.
//
// Policies see exactly the request model of docs/policy-model.md, and are validated against its
// schema when loaded.
package trusera
