package webhooks

import (
	"net/http"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		attempt    int
		retryAfter time.Duration
		rnd        float64
		want       time.Duration
	}{
		// Full jitter: uniform in [0, ceiling).
		{1, 0, 0, 0},
		{1, 0, 0.5, 250 * ms},
		{1, 0, 0.999, 499500 * time.Microsecond},
		{2, 0, 0.5, 500 * ms},
		{3, 0, 0.5, time.Second},
		{7, 0, 0.5, 16 * time.Second},    // ceiling 32s
		{8, 0, 0.5, 30 * time.Second},    // ceiling capped at 1m
		{1000, 0, 0.5, 30 * time.Second}, // no overflow
		{0, 0, 0.5, 250 * ms},            // treated as the first
		{-3, 0, 0.5, 250 * ms},
		// A broken random source cannot make it negative or huge.
		{1, 0, 1, 0},
		{1, 0, -0.5, 0},
		// Retry-After wins when longer, capped at an hour.
		{1, 10 * time.Second, 0.5, 10 * time.Second},
		{20, 10 * time.Second, 0.5, 30 * time.Second},
		{1, 2 * time.Hour, 0, time.Hour},
		{1, 100 * ms, 0.5, 250 * ms},
	} {
		got := Delay(tc.attempt, tc.retryAfter, func() float64 { return tc.rnd })
		if got != tc.want {
			t.Errorf("Delay(%d, %v, rnd=%v) = %v, want %v", tc.attempt, tc.retryAfter, tc.rnd, got, tc.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-1", 0},
		{"9999999999999", MaxRetryAfter},
		{"soon", 0},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"Fri, 02 Jan 2026 03:05:05 GMT", time.Minute},
		{"Friday, 02-Jan-26 03:05:05 GMT", time.Minute}, // RFC 850
	} {
		if got := ParseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   verdict
	}{
		{200, delivered}, {201, delivered}, {204, delivered}, {299, delivered},
		{410, gone},
		{408, transient}, {425, transient}, {429, transient}, {500, transient}, {502, transient}, {503, transient}, {504, transient},
		{400, rejected}, {401, rejected}, {403, rejected}, {404, rejected}, {413, rejected},
		{301, rejected}, {302, rejected}, {100, rejected},
	} {
		if got := classify(tc.status, nil); got != tc.want {
			t.Errorf("classify(%d) = %v, want %v", tc.status, got, tc.want)
		}
	}
	if got := classify(0, http.ErrHandlerTimeout); got != transient {
		t.Errorf("classify(network error) = %v, want transient", got)
	}
}
