package webhooks

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry schedule: capped exponential backoff with full jitter, so that
// many nodes retrying one receiver do not hit it in lockstep.
const (
	// BaseDelay is the backoff ceiling after the first failed attempt.
	BaseDelay = 500 * time.Millisecond
	// MaxDelay caps the exponential backoff. Delivery is in order, so the
	// cap is also how long a receiver that came back may wait for the next
	// attempt; a minute keeps that short without hammering a dead one.
	MaxDelay = time.Minute
	// MaxRetryAfter caps how long a receiver's Retry-After can make us wait.
	MaxRetryAfter = time.Hour
)

// Delay returns how long to wait before the next attempt after attempt
// failed attempts (attempt >= 1): a uniformly random duration in
// [0, min(MaxDelay, BaseDelay*2^(attempt-1))), drawn with rnd (which returns
// a value in [0, 1), like math/rand/v2.Float64). If the receiver asked for
// a longer pause with Retry-After, that pause wins, capped at MaxRetryAfter.
// Delay is pure: the same arguments always give the same result.
func Delay(attempt int, retryAfter time.Duration, rnd func() float64) time.Duration {
	ceiling := MaxDelay
	if attempt < 1 {
		attempt = 1
	}
	// BaseDelay<<10 already exceeds MaxDelay; stop shifting before overflow.
	if shift := attempt - 1; shift < 20 {
		ceiling = min(BaseDelay<<shift, MaxDelay)
	}
	r := rnd()
	if r < 0 || r >= 1 {
		r = 0
	}
	d := time.Duration(r * float64(ceiling))
	if retryAfter > d {
		d = min(retryAfter, MaxRetryAfter)
	}
	return d
}

// ParseRetryAfter interprets a Retry-After header value, either delay
// seconds or an HTTP-date, relative to now. It returns 0 for an empty,
// malformed or past value.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
}
