package trusera

import (
	"fmt"
	"log"
	"math"
	"net/url"
	"os"
	"strings"
	"time"
)

// DefaultBaseURL is the local server started by `trusera-server start`. Never a third party's host.
const DefaultBaseURL = "http://127.0.0.1:7780"

// Logger receives the client's warnings and, with WithDebug, its debug lines.
type Logger interface {
	Warn(msg string)
	Debug(msg string)
}

type stdLogger struct{ debug bool }

func (l stdLogger) Warn(msg string) { log.Print("[Trusera] " + msg) }
func (l stdLogger) Debug(msg string) {
	if l.debug {
		log.Print("[Trusera] " + msg)
	}
}

// Option configures NewClient. An option out of range is logged once and its default kept: NewClient
// has no error result.
type Option func(*config)

type config struct {
	baseURL        string
	agentID        string
	flushInterval  time.Duration
	batchSize      int
	maxQueueSize   int
	maxQueueBytes  int
	maxBatchBytes  int
	maxRetries     int
	baseDelay      time.Duration
	maxDelay       time.Duration
	requestTimeout time.Duration
	closeTimeout   time.Duration
	debug          bool
	logger         Logger
	problems       []string
	spoolOff       bool
	spoolDir       string
	spoolMaxBytes  int
	spoolMaxFiles  int
}

func defaultConfig() config {
	return config{
		flushInterval:  5 * time.Second,
		batchSize:      100,
		maxQueueSize:   10_000,
		maxQueueBytes:  8 << 20,
		maxBatchBytes:  1 << 20,
		maxRetries:     5,
		baseDelay:      250 * time.Millisecond,
		maxDelay:       30 * time.Second,
		requestTimeout: 10 * time.Second,
		closeTimeout:   10 * time.Second,
		spoolMaxBytes:  64 << 20,
		spoolMaxFiles:  10_000,
	}
}

func (c *config) bad(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// WithBaseURL sets the server (default TRUSERA_API_URL, then http://127.0.0.1:7780).
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithAgentID sets the agent id or name stamped on every event and used as the policy principal.
func WithAgentID(id string) Option {
	return func(c *config) {
		if id == "" || jsLength(id) > MaxAgentIDLength {
			c.bad("WithAgentID needs 1 to %d characters", MaxAgentIDLength)
			return
		}
		c.agentID = id
	}
}

// WithFlushInterval sets the time between automatic flushes (default 5s).
func WithFlushInterval(d time.Duration) Option {
	return duration("WithFlushInterval", d, func(c *config) { c.flushInterval = d })
}

// WithBatchSize sets the events per request; reaching it starts a flush (default 100, at most 1000).
func WithBatchSize(n int) Option {
	return count("WithBatchSize", n, 1, MaxBatchEvents, func(c *config) { c.batchSize = n })
}

// WithMaxQueueSize bounds the events waiting to be sent; past it the oldest are dropped and counted (default 10,000).
func WithMaxQueueSize(n int) Option {
	return count("WithMaxQueueSize", n, 1, math.MaxInt, func(c *config) { c.maxQueueSize = n })
}

// WithMaxQueueBytes bounds the serialized bytes waiting to be sent (default 8 MiB).
func WithMaxQueueBytes(n int) Option {
	return count("WithMaxQueueBytes", n, 1, math.MaxInt, func(c *config) { c.maxQueueBytes = n })
}

// WithMaxRetries sets the retries per batch after the first attempt (default 5, at most 20).
func WithMaxRetries(n int) Option {
	return count("WithMaxRetries", n, 0, 20, func(c *config) { c.maxRetries = n })
}

// WithRetryDelays sets the backoff: the first wait is at most base, doubling per retry (full
// jitter), and no wait (Retry-After included) is longer than max. Defaults 250ms and 30s.
func WithRetryDelays(base, max time.Duration) Option {
	return func(c *config) {
		if base < time.Millisecond || max < base {
			c.bad("WithRetryDelays needs 1ms <= base <= max, got %v and %v", base, max)
			return
		}
		c.baseDelay, c.maxDelay = base, max
	}
}

// WithRequestTimeout bounds one request to the server (default 10s).
func WithRequestTimeout(d time.Duration) Option {
	return duration("WithRequestTimeout", d, func(c *config) { c.requestTimeout = d })
}

// WithCloseTimeout bounds Close() when its context has no deadline (default 10s).
func WithCloseTimeout(d time.Duration) Option {
	return duration("WithCloseTimeout", d, func(c *config) { c.closeTimeout = d })
}

// WithSpoolDir sets the directory of the disk spool (docs/spool.md): batches that could not be
// delivered (retries ran out, or Close ran out of time) wait there, one sub-directory per server and
// key, for the next client. Default $TRUSERA_SPOOL_DIR, else ~/.trusera/spool.
func WithSpoolDir(dir string) Option { return func(c *config) { c.spoolDir = dir } }

// WithSpoolLimits bounds the spool of one server and key (default 64 MiB and 10,000 files); a batch
// beyond them is dropped and counted.
func WithSpoolLimits(maxBytes, maxFiles int) Option {
	return func(c *config) {
		if maxBytes < 1 || maxFiles < 1 {
			c.bad("WithSpoolLimits needs at least 1 byte and 1 file, got %d and %d", maxBytes, maxFiles)
			return
		}
		c.spoolMaxBytes, c.spoolMaxFiles = maxBytes, maxFiles
	}
}

// WithoutSpool turns the disk spool off: what cannot be delivered is dropped and counted.
func WithoutSpool() Option { return func(c *config) { c.spoolOff = true } }

// WithLogger sends warnings and debug lines to l (default: the standard log package, prefixed [Trusera]).
func WithLogger(l Logger) Option { return func(c *config) { c.logger = l } }

// WithDebug logs every dropped event and retry.
func WithDebug(on bool) Option { return func(c *config) { c.debug = on } }

// duration is an option that takes a time of at least 1ms.
func duration(name string, d time.Duration, set func(*config)) Option {
	return func(c *config) {
		if d < time.Millisecond {
			c.bad("%s must be at least 1ms, got %v", name, d)
			return
		}
		set(c)
	}
}

// count is an option that takes a whole number from min to max.
func count(name string, n, min, max int, set func(*config)) Option {
	return func(c *config) {
		if n < min || n > max {
			if max == math.MaxInt {
				c.bad("%s must be at least %d, got %d", name, min, n)
			} else {
				c.bad("%s must be from %d to %d, got %d", name, min, max, n)
			}
			return
		}
		set(c)
	}
}

// resolveKey and resolveBaseURL apply the environment fallbacks; an empty key or URL means unusable.
func resolveKey(apiKey string) (string, string) {
	if apiKey == "" {
		apiKey = os.Getenv("TRUSERA_API_KEY")
	}
	if apiKey == "" {
		return "", "no API key: pass one to NewClient or set TRUSERA_API_KEY (a local server writes one to <data-dir>/api-key)"
	}
	if !strings.HasPrefix(apiKey, "tsk_") {
		return "", "the API key must start with tsk_ (create one with `trusera-server keys create`)"
	}
	return apiKey, ""
}

func resolveBaseURL(raw string) (*url.URL, string) {
	if raw == "" {
		raw = os.Getenv("TRUSERA_API_URL")
	}
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Sprintf("the base URL must be an http or https URL, got %q", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, ""
}
