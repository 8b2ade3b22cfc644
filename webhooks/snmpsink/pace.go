package snmpsink

import (
	"context"
	"time"
)

// maxBurst is the most notifications a pacer lets out at once: far less
// than what a manager's default socket buffer holds.
const maxBurst = 100

// pacer is a token bucket: rate tokens a second, at most burst of them
// saved up. It is not safe for concurrent use (the sink's mutex guards
// it).
type pacer struct {
	interval time.Duration // between two tokens
	burst    float64
	tokens   float64
	last     time.Time
	now      func() time.Time
}

func newPacer(rate int, now func() time.Time) *pacer {
	burst := float64(min(rate, maxBurst))
	return &pacer{interval: time.Second / time.Duration(rate), burst: burst, tokens: burst, last: now(), now: now}
}

// take waits for a token, or until ctx ends (false).
func (p *pacer) take(ctx context.Context) bool {
	for {
		now := p.now()
		p.tokens = min(p.burst, p.tokens+float64(now.Sub(p.last))/float64(p.interval))
		p.last = now
		if p.tokens >= 1 {
			p.tokens--
			return true
		}
		wait := time.Duration((1 - p.tokens) * float64(p.interval))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
}
