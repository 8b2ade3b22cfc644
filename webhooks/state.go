package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// maxDeadLetters bounds the dead-letter list kept in a worker's state: the
// newest entries are kept, the count of all of them is in Health.
const maxDeadLetters = 100

// ConsumerName is the name of a webhook's journal cursor and state blob:
// "webhook:" and the first 16 hex digits of the SHA-256 of its URL (the URL
// itself may hold a password).
func ConsumerName(url string) string {
	sum := sha256.Sum256([]byte(url))
	return "webhook:" + hex.EncodeToString(sum[:])[:16]
}

// persisted is a worker's state blob in the journal. It holds no secrets.
type persisted struct {
	// Disabled is set when the receiver answered 410 Gone; the worker
	// stays stopped until the webhook's config changes.
	Disabled   bool      `json:"disabled,omitempty"`
	DisabledAt time.Time `json:"disabled_at,omitzero"`
	// Retries are the records being retried: one with MaxInFlight 1, up to
	// MaxInFlight otherwise.
	Retries []retryState `json:"retries,omitempty"`
	// DeadLetters are the newest dead-lettered records, oldest first.
	DeadLetters []DeadLetter `json:"dead_letters,omitempty"`
}

// retryState is the retry schedule of one record.
type retryState struct {
	Seq        uint64    `json:"seq"`
	Attempts   int       `json:"attempts"`
	NextAt     time.Time `json:"next_at"`
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
}

// DeadLetter is a record a webhook gave up on.
type DeadLetter struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	Attempts int       `json:"attempts"`
	Status   int       `json:"status,omitempty"`
	Error    string    `json:"error,omitempty"`
}

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

// clearRetry removes seq's schedule and reports whether there was one.
func (p *persisted) clearRetry(seq uint64) bool {
	n := len(p.Retries)
	p.Retries = slices.DeleteFunc(p.Retries, func(r retryState) bool { return r.Seq == seq })
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

func (p *persisted) addDeadLetter(d DeadLetter) {
	p.DeadLetters = append(p.DeadLetters, d)
	if n := len(p.DeadLetters) - maxDeadLetters; n > 0 {
		p.DeadLetters = slices.Delete(p.DeadLetters, 0, n)
	}
}

func encodeState(p *persisted) ([]byte, error) {
	if !p.Disabled && len(p.Retries) == 0 && len(p.DeadLetters) == 0 {
		return nil, nil // nothing to keep: PutState(nil) deletes the blob
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode webhook state: %w", err)
	}
	return b, nil
}
