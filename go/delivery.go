package trusera

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// run is the client's one background goroutine: every send happens here, so one flush is in
// flight at a time.
func (c *Client) run() {
	defer close(c.done)
	ticker := time.NewTicker(c.cfg.flushInterval)
	defer ticker.Stop()
	if c.spool != nil {
		if files, _ := c.spool.usage(); files > 0 {
			c.drain(time.Time{}) // what an earlier client left in the spool
		}
	}
	for {
		select {
		case <-ticker.C:
			c.drain(time.Time{})
		case <-c.kick:
			c.drain(time.Time{})
		case req := <-c.flushReq:
			req.done <- c.drain(req.deadline)
		case <-c.closeCh:
			c.finish()
			return
		}
	}
}

func (c *Client) closing() bool {
	select {
	case <-c.closeCh:
		return true
	default:
		return false
	}
}

// effectiveDeadline: the earlier of the caller's and, once closing, Close's.
func (c *Client) effectiveDeadline(d time.Time) time.Time {
	if c.closing() && (d.IsZero() || c.deadline.Before(d)) {
		return c.deadline
	}
	return d
}

// drain sends batches until the queue is empty, then what waits in the spool (nil); or until a
// batch fails after its retries or the deadline comes (an error): the batch and everything queued
// behind it then go to the spool (or, without one, back to the head of the queue).
func (c *Client) drain(deadline time.Time) error {
	if c.unusable != "" {
		return &Error{Code: CodeConfig, Message: "[Trusera] " + c.unusable}
	}
	c.serializePending()
	for {
		c.mu.Lock()
		batch := c.queue.take(c.cfg.batchSize, c.cfg.maxBatchBytes)
		reported := min(c.unreported, MaxDroppedPerBatch) // the rest goes with the next batch
		c.mu.Unlock()
		if len(batch) == 0 {
			return c.drainSpool(deadline)
		}
		key := newIdempotencyKey()
		outcome, err := c.sendBatch(batch, reported, key, deadline)
		c.mu.Lock()
		switch outcome {
		case sent:
			c.stats.Sent += len(batch)
			c.unreported -= reported
			c.quietUntil = time.Time{}
		case rejected:
			c.stats.Rejected += len(batch)
			c.unreported -= reported
		default:
			// Reaching the batch size again does not retry at once: the timer (or a Flush) does.
			c.quietUntil = time.Now().Add(c.cfg.flushInterval)
			if c.spool == nil {
				c.addDropsLocked(c.queue.unshift(batch))
			}
		}
		left := c.queue.len()
		c.mu.Unlock()
		if outcome == failed {
			if c.spool != nil {
				left = c.spoolRest(batch, reported, key)
			}
			return &Error{Code: CodeUndelivered, Message: fmt.Sprintf("[Trusera] %d events not delivered yet: %v", left, err)}
		}
		c.serializePending()
	}
}

// spoolRest writes a batch that failed (with its key and the drops it reported) and everything
// queued behind it to the spool; what cannot be written is dropped and counted. It gives how many
// events were kept.
func (c *Client) spoolRest(batch [][]byte, reported int, key string) int {
	kept, lost := 0, 0
	var why error
	for len(batch) > 0 {
		err := c.spool.write(batch, key, reported)
		c.mu.Lock()
		if err != nil {
			lost, why = lost+len(batch), err
			c.addDropsLocked(len(batch)) // its drops stay unreported: they go with a later batch
		} else {
			kept += len(batch)
			c.stats.Spooled += len(batch)
			c.unreported -= reported // the file carries them
		}
		batch = c.queue.take(c.cfg.batchSize, c.cfg.maxBatchBytes)
		reported = min(c.unreported, MaxDroppedPerBatch)
		c.mu.Unlock()
		key = newIdempotencyKey()
	}
	if lost > 0 {
		c.log.Warn(fmt.Sprintf("%d undelivered events could not be kept in the spool (%v): dropped", lost, why))
	}
	if kept > 0 {
		c.debugf("%d undelivered events kept in the spool %s for a later client", kept, c.spool.dir)
	}
	return kept
}

// drainSpool delivers what waits in the spool, oldest first, each batch with its own key; it
// stops at the first batch that fails (given back for later).
func (c *Client) drainSpool(deadline time.Time) error {
	if c.spool == nil {
		return nil
	}
	for {
		b := c.spool.take()
		if b == nil {
			return nil
		}
		outcome, err := c.sendBatch(b.events, b.file.Dropped, b.file.IdempotencyKey, deadline)
		c.mu.Lock()
		switch outcome {
		case sent:
			c.stats.Recovered += len(b.events)
		case rejected:
			c.stats.Rejected += len(b.events)
		default:
			c.quietUntil = time.Now().Add(c.cfg.flushInterval)
		}
		c.mu.Unlock()
		if outcome == failed {
			b.release()
			return &Error{Code: CodeUndelivered, Message: fmt.Sprintf("[Trusera] the spool's batches are not delivered yet: %v", err)}
		}
		b.done()
	}
}

type sendOutcome int

const (
	sent sendOutcome = iota
	rejected
	failed
)

func (c *Client) sendBatch(batch [][]byte, dropped int, idempotencyKey string, deadline time.Time) (sendOutcome, error) {
	var body bytes.Buffer
	body.WriteString(`{"events":[`)
	for i, e := range batch {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(e)
	}
	body.WriteByte(']')
	if dropped > 0 {
		body.WriteString(`,"dropped":` + strconv.Itoa(dropped))
	}
	body.WriteByte('}')
	url := c.base.JoinPath("v1/events").String()
	var lastErr error
	for attempt := 0; ; attempt++ {
		limit := c.effectiveDeadline(deadline)
		if !limit.IsZero() && !time.Now().Before(limit) {
			return failed, fmt.Errorf("out of time (%v)", lastErr)
		}
		status, header, text, err := c.post(url, body.Bytes(), idempotencyKey, limit)
		var wait time.Duration
		var asked bool
		switch {
		case err != nil:
			lastErr = err
		case status >= 200 && status < 300:
			return sent, nil
		case !retryableStatus(status):
			c.reportRejection(status, text, len(batch))
			return rejected, nil
		default:
			lastErr = fmt.Errorf("server answered %d", status)
			wait, asked = parseRetryAfter(header.Get("Retry-After"), time.Now())
		}
		c.debugf("batch of %d: %v, will retry", len(batch), lastErr)
		if attempt >= c.cfg.maxRetries {
			return failed, lastErr
		}
		if !asked {
			wait = backoffDelay(c.cfg.baseDelay, c.cfg.maxDelay, attempt)
		}
		wait = min(wait, c.cfg.maxDelay)
		limit = c.effectiveDeadline(deadline)
		if !limit.IsZero() && time.Now().Add(wait).After(limit) {
			return failed, fmt.Errorf("%v (the next retry would pass the deadline)", lastErr)
		}
		c.mu.Lock()
		c.stats.Retries++
		c.mu.Unlock()
		if !c.sleep(wait) && !c.effectiveDeadline(deadline).IsZero() && time.Now().After(c.effectiveDeadline(deadline)) {
			return failed, lastErr
		}
	}
}

// sleep waits d, or less when Close is called (which brings its own deadline); false when woken.
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	if c.closing() {
		<-t.C
		return true
	}
	select {
	case <-t.C:
		return true
	case <-c.closeCh:
		return false
	}
}

func (c *Client) reportRejection(status int, body string, count int) {
	if status == 401 || status == 403 {
		c.mu.Lock()
		warned := c.authWarned
		c.authWarned = true
		c.mu.Unlock()
		if warned {
			return
		}
	}
	c.log.Warn(fmt.Sprintf("server refused a batch of %d events (%d): %s", count, status, truncate(body, 300)))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// post sends one batch over the private transport, bounded by the request timeout, the deadline
// and Close's deadline.
func (c *Client) post(url string, body []byte, idempotencyKey string, deadline time.Time) (int, http.Header, string, error) {
	ctx := c.stopCtx
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	header := http.Header{"Content-Type": {"application/json"}}
	if idempotencyKey != "" {
		header.Set("Idempotency-Key", idempotencyKey)
	}
	return c.request(ctx, http.MethodPost, url, body, header)
}

// request sends one request to the server over the private transport, authenticated, bounded by
// ctx and the request timeout; it reads up to 1 MiB of the answer.
func (c *Client) request(ctx context.Context, method, url string, body []byte, header http.Header) (int, http.Header, string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.requestTimeout)
	defer cancel()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		return 0, nil, "", err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("User-Agent", userAgent)
	return c.do(req)
}

func (c *Client) do(req *http.Request) (int, http.Header, string, error) {
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, res.Header, string(text), nil
}

// Flush sends everything queued and returns nil once the queue is empty, or an error (code
// TRUSERA_UNDELIVERED) when the server could not be reached within the retry budget; what was not
// delivered stays queued for later. It waits for a flush already in flight.
func (c *Client) Flush() error {
	return c.FlushContext(context.Background())
}

// FlushContext is Flush bounded by ctx: retries stop at its deadline, and it returns ctx's error
// when ctx ends first.
func (c *Client) FlushContext(ctx context.Context) error {
	if c == nil {
		return nil
	}
	if c.Closed() {
		return ErrClosed
	}
	deadline, _ := ctx.Deadline()
	req := flushRequest{deadline: deadline, done: make(chan error, 1)}
	select {
	case c.flushReq <- req:
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close delivers what is queued within the close timeout (WithCloseTimeout, default 10s), then
// releases the connections. Events tracked afterwards are dropped (counted). Safe to call more than
// once and from several goroutines; `defer client.Close()` works.
func (c *Client) Close() error {
	return c.CloseContext(context.Background())
}

// CloseContext is Close bounded by ctx's deadline (or the close timeout when ctx has none).
func (c *Client) CloseContext(ctx context.Context) error {
	if c == nil {
		return nil
	}
	c.closeOnce.Do(func() {
		deadline, ok := ctx.Deadline()
		if !ok {
			deadline = time.Now().Add(c.cfg.closeTimeout)
		}
		c.mu.Lock()
		c.closed = true
		c.deadline = deadline
		c.mu.Unlock()
		time.AfterFunc(time.Until(deadline), c.stop)
		close(c.closeCh)
	})
	select {
	case <-c.done:
		return c.closeErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// finish runs once, on the background goroutine, when Close is called.
func (c *Client) finish() {
	defer c.http.CloseIdleConnections()
	defer c.stop()
	if c.unusable != "" {
		return
	}
	spooledBefore := c.Stats().Spooled
	err := c.drain(c.deadline)
	c.serializePending()
	if c.spool != nil {
		c.mu.Lock()
		batch := c.queue.take(c.cfg.batchSize, c.cfg.maxBatchBytes)
		reported := min(c.unreported, MaxDroppedPerBatch)
		c.mu.Unlock()
		if len(batch) > 0 {
			c.spoolRest(batch, reported, newIdempotencyKey())
		}
		if kept := c.Stats().Spooled - spooledBefore; kept > 0 {
			c.log.Warn(fmt.Sprintf("Close: %d events could not be delivered in time; kept in the spool %s for the next client", kept, c.spool.dir))
		}
	}
	c.mu.Lock()
	lost := c.queue.clear()
	c.stats.Dropped += lost
	c.mu.Unlock()
	if lost > 0 {
		c.log.Warn(fmt.Sprintf("Close: %d events could not be delivered in time: %v", lost, err))
		c.closeErr = &Error{Code: CodeUndelivered, Message: fmt.Sprintf("[Trusera] Close: %d events could not be delivered in time", lost)}
	}
}

// RegisterAgent registers (or finds) the agent name in the key's project and stamps its id on later
// events; policies keep naming the principal by name (Agent::"name"). On a network or server
// failure it logs a warning, goes on with the name as the agent id (the server resolves it to the
// same agent when events arrive), and returns the name with the error.
func (c *Client) RegisterAgent(name, framework string) (string, error) {
	return c.RegisterAgentContext(context.Background(), name, framework)
}

// RegisterAgentContext is RegisterAgent bounded by ctx.
func (c *Client) RegisterAgentContext(ctx context.Context, name, framework string) (string, error) {
	if c == nil {
		return name, nil
	}
	if name == "" || jsLength(name) > MaxAgentIDLength {
		err := &Error{Code: CodeConfig, Message: fmt.Sprintf("[Trusera] RegisterAgent needs a name of 1 to %d characters", MaxAgentIDLength)}
		c.log.Warn(err.Message)
		return c.AgentID(), err
	}
	if framework == "" {
		framework = "custom"
	}
	c.mu.Lock()
	if c.agentID == "" {
		c.agentID = name
	}
	c.agentName = name
	c.mu.Unlock()
	if c.unusable != "" {
		return name, &Error{Code: CodeConfig, Message: "[Trusera] " + c.unusable}
	}
	body := marshalJSON(map[string]string{"name": name, "framework": framework})
	url := c.base.JoinPath("v1/agents").String()
	var lastErr error
	for attempt := 0; ; attempt++ {
		status, header, text, err := c.request(ctx, http.MethodPost, url, body, http.Header{"Content-Type": {"application/json"}})
		var wait time.Duration
		var asked bool
		if err == nil && status >= 200 && status < 300 {
			var answer struct {
				AgentID string `json:"agent_id"`
			}
			if json.Unmarshal([]byte(text), &answer) == nil && answer.AgentID != "" {
				c.mu.Lock()
				c.agentID = answer.AgentID
				c.mu.Unlock()
				return answer.AgentID, nil
			}
			lastErr = fmt.Errorf("unexpected answer %q", truncate(text, 200))
			break
		}
		if err != nil {
			lastErr = err
		} else {
			lastErr = fmt.Errorf("server answered %d: %s", status, truncate(text, 200))
			if !retryableStatus(status) {
				break
			}
			wait, asked = parseRetryAfter(header.Get("Retry-After"), time.Now())
		}
		// Few retries: the application waits for this at start-up, and the name works as an id anyway.
		if attempt >= min(c.cfg.maxRetries, 2) || ctx.Err() != nil {
			break
		}
		if !asked {
			wait = backoffDelay(c.cfg.baseDelay, c.cfg.maxDelay, attempt)
		}
		select {
		case <-time.After(min(wait, c.cfg.maxDelay)):
		case <-ctx.Done():
		case <-c.closeCh:
		}
	}
	c.log.Warn(fmt.Sprintf("RegisterAgent: %v; events carry the name %q", lastErr, name))
	c.mu.Lock()
	c.agentID = name
	c.mu.Unlock()
	return name, &Error{Code: CodeUndelivered, Message: "[Trusera] RegisterAgent: " + lastErr.Error()}
}
