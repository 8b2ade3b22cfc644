package webhooks

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// maxDeadRanges bounds the dead-letter ranges kept in a worker's state.
// Events a webhook gives up on in a row share one range, so this many
// ranges hold any number of events; past it the oldest range is dropped
// (and counted in Health.DeadLettersDropped).
const maxDeadRanges = 1000

// ConsumerName is the name of the journal cursor and state blob of the
// webhook with this id ([config.Webhook.Key]).
func ConsumerName(id string) string { return "webhook:" + id }

// persisted is a worker's state blob in the journal. It holds no secrets.
type persisted struct {
	// Disabled is set when the receiver answered 410 Gone; the worker
	// stays stopped until the webhook's config changes.
	Disabled   bool      `json:"disabled,omitempty"`
	DisabledAt time.Time `json:"disabled_at,omitzero"`
	// FailingSince is when the current run of failed attempts began; zero
	// while deliveries succeed.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// Retries are the records being retried: one with MaxInFlight 1, up to
	// MaxInFlight otherwise.
	Retries []retryState `json:"retries,omitempty"`
	// Dead are the records the webhook gave up on, oldest first. Their
	// events stay in the journal (until retention) and can be replayed.
	Dead []DeadLetter `json:"dead,omitempty"`
	// DeadDropped counts dead letters dropped from Dead to bound it.
	DeadDropped uint64 `json:"dead_dropped,omitempty"`
	// Replay are ranges of records sent again on request (dead letters
	// replayed), delivered before new records; each range's From moves as
	// its records finish.
	Replay []seqSpan `json:"replay,omitempty"`
	// ReplayedAt is when the last replay was asked for: MaxAge counts
	// from it for records journaled before it.
	ReplayedAt time.Time `json:"replayed_at,omitzero"`
}

// retryState is the retry schedule of one record.
type retryState struct {
	Seq        uint64    `json:"seq"`
	Attempts   int       `json:"attempts"`
	NextAt     time.Time `json:"next_at"`
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
}

// seqSpan is the journal records From..To, inclusive.
type seqSpan struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

func (r seqSpan) count() uint64 { return r.To - r.From + 1 }

// DeadLetter is a run of consecutive records a webhook gave up on for the
// same reason: Seq..LastSeq (LastSeq == Seq for one record), the last
// given up on at At.
type DeadLetter struct {
	Seq      uint64    `json:"seq"`
	LastSeq  uint64    `json:"last_seq"`
	At       time.Time `json:"at"`
	Attempts int       `json:"attempts"`
	Status   int       `json:"status,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// Count is the number of records in d.
func (d DeadLetter) Count() uint64 { return d.LastSeq - d.Seq + 1 }

func decodeState(b []byte) (persisted, error) {
	var p persisted
	if len(b) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return persisted{}, fmt.Errorf("decode webhook state: %w", err)
	}
	return p, nil
}

func (p *persisted) retry(seq uint64) (retryState, bool) {
	i := slices.IndexFunc(p.Retries, func(r retryState) bool { return r.Seq == seq })
	if i < 0 {
		return retryState{Seq: seq}, false
	}
	return p.Retries[i], true
}

func (p *persisted) setRetry(r retryState) {
	i := slices.IndexFunc(p.Retries, func(x retryState) bool { return x.Seq == r.Seq })
	if i < 0 {
		p.Retries = append(p.Retries, r)
		return
	}
	p.Retries[i] = r
}

// clearRetries removes the schedules of from..to and reports whether
// there were any.
func (p *persisted) clearRetries(from, to uint64) bool {
	n := len(p.Retries)
	p.Retries = slices.DeleteFunc(p.Retries, func(r retryState) bool { return r.Seq >= from && r.Seq <= to })
	return len(p.Retries) != n
}

// dropRetriesUpTo forgets schedules of records at or below seq (finished
// before a crash whose state write was lost, or trimmed by retention) and
// reports whether there were any.
func (p *persisted) dropRetriesUpTo(seq uint64) bool {
	n := len(p.Retries)
	p.Retries = slices.DeleteFunc(p.Retries, func(r retryState) bool { return r.Seq <= seq })
	return len(p.Retries) != n
}

// addDeadLetter records that the webhook gave up on d.Seq. A record right
// after the newest dead letter, given up on for the same reason, extends
// it.
func (p *persisted) addDeadLetter(d DeadLetter) {
	d.LastSeq = max(d.LastSeq, d.Seq)
	if n := len(p.Dead); n > 0 {
		last := &p.Dead[n-1]
		if last.LastSeq+1 == d.Seq && last.Status == d.Status && last.Error == d.Error {
			last.LastSeq, last.At, last.Attempts = d.LastSeq, d.At, max(last.Attempts, d.Attempts)
			return
		}
	}
	p.Dead = append(p.Dead, d)
	if n := len(p.Dead) - maxDeadRanges; n > 0 {
		for _, x := range p.Dead[:n] {
			p.DeadDropped += x.Count()
		}
		p.Dead = slices.Delete(p.Dead, 0, n)
	}
}

// deadCount is the number of dead-lettered records kept.
func (p *persisted) deadCount() uint64 {
	var n uint64
	for _, d := range p.Dead {
		n += d.Count()
	}
	return n
}

// dropDeadFrom forgets the dead letters at or above seq (a replay from
// seq sends them again) and reports whether there were any.
func (p *persisted) dropDeadFrom(seq uint64) bool {
	n := len(p.Dead)
	p.Dead = slices.DeleteFunc(p.Dead, func(d DeadLetter) bool { return d.Seq >= seq })
	changed := len(p.Dead) != n
	for i := range p.Dead {
		if d := &p.Dead[i]; d.LastSeq >= seq {
			d.LastSeq, changed = seq-1, true
		}
	}
	return changed
}

// dropUpTo forgets dead letters and replay ranges at or below seq: their
// records fell out of the journal. It returns the number of records
// dropped from each.
func (p *persisted) dropUpTo(seq uint64) (dead, replay uint64) {
	p.Dead = slices.DeleteFunc(p.Dead, func(d DeadLetter) bool {
		if d.LastSeq <= seq {
			dead += d.Count()
			return true
		}
		return false
	})
	for i := range p.Dead {
		if d := &p.Dead[i]; d.Seq <= seq {
			dead += seq - d.Seq + 1
			d.Seq = seq + 1
		}
	}
	p.Replay = slices.DeleteFunc(p.Replay, func(r seqSpan) bool {
		if r.To <= seq {
			replay += r.count()
			return true
		}
		return false
	})
	for i := range p.Replay {
		if r := &p.Replay[i]; r.From <= seq {
			replay += seq - r.From + 1
			r.From = seq + 1
		}
	}
	return dead, replay
}

// replayDead moves every dead letter to the replay ranges and returns how
// many records that is.
func (p *persisted) replayDead(now time.Time) uint64 {
	var n uint64
	for _, d := range p.Dead {
		p.Replay = append(p.Replay, seqSpan{From: d.Seq, To: d.LastSeq})
		n += d.Count()
	}
	p.Dead = nil
	if n > 0 {
		p.ReplayedAt = now
	}
	return n
}

// replayDone marks seq, the first record of the first replay range, done.
func (p *persisted) replayDone(seq uint64) {
	if len(p.Replay) == 0 || p.Replay[0].From > seq {
		return
	}
	if seq >= p.Replay[0].To {
		p.Replay = p.Replay[1:]
		return
	}
	p.Replay[0].From = seq + 1
}

// replayCount is the number of records still to be replayed.
func (p *persisted) replayCount() uint64 {
	var n uint64
	for _, r := range p.Replay {
		n += r.count()
	}
	return n
}

func (p *persisted) empty() bool {
	return !p.Disabled && p.FailingSince.IsZero() && len(p.Retries) == 0 && len(p.Dead) == 0 &&
		p.DeadDropped == 0 && len(p.Replay) == 0 && p.ReplayedAt.IsZero()
}

func encodeState(p *persisted) ([]byte, error) {
	if p.empty() {
		return nil, nil // nothing to keep: PutState(nil) deletes the blob
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode webhook state: %w", err)
	}
	return b, nil
}
