package trusera

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryableStatus: network errors, 5xx, 408 and 429 are worth another try; every other status is an answer.
func retryableStatus(status int) bool {
	return status == 408 || status == 429 || status >= 500
}

// backoffDelay is exponential backoff with full jitter: a random wait in [0, min(max, base*2^attempt)].
func backoffDelay(base, max time.Duration, attempt int) time.Duration {
	ceiling := max
	if attempt < 30 {
		if c := base << attempt; c > 0 && c < max {
			ceiling = c
		}
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// parseRetryAfter reads a Retry-After header (delta-seconds or an HTTP date); ok is false without one.
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(value, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if at, err := http.ParseTime(value); err == nil {
		if d := at.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}
