package webhooks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gluster/gluster-eventing/internal/journal"
)

// ErrNoWebhook is returned, wrapped, for an id that no running webhook has;
// ErrNoNotifier for one that no running notifier has.
var (
	ErrNoWebhook  = errors.New("no such webhook")
	ErrNoNotifier = errors.New("no such notifier")
)

// Replayed says what a replay will send again.
type Replayed struct {
	ID string `json:"id"`
	// From and To bound the journal records to be sent again (before the
	// webhook's filter); Records is how many there are. For a replay of
	// dead letters the records are those of the dead letters only.
	From    uint64 `json:"from"`
	To      uint64 `json:"to"`
	Records uint64 `json:"records"`
}

// ReplayFrom sends the events journaled from seq on to the webhook with
// this id again, in order, with the ids they had (a receiver that saw them
// deduplicates on the Standard Webhooks id): the webhook's cursor goes back
// to seq-1. Its dead letters from seq on are sent again too, so they are
// no longer kept as dead. A seq that retention has removed is refused with
// a *journal.TrimmedError naming the oldest seq available.
func (m *Manager) ReplayFrom(ctx context.Context, id string, seq uint64) (Replayed, error) {
	return m.replayFrom(ctx, false, id, seq)
}

// ReplayNotifierFrom is ReplayFrom for the notifier with this id.
func (m *Manager) ReplayNotifierFrom(ctx context.Context, id string, seq uint64) (Replayed, error) {
	return m.replayFrom(ctx, true, id, seq)
}

func (m *Manager) replayFrom(ctx context.Context, notifier bool, id string, seq uint64) (Replayed, error) {
	seq = max(seq, 1)
	j := m.opts.Journal
	last := j.LastSeq()
	if _, err := j.Read(seq, 1); err != nil {
		return Replayed{}, fmt.Errorf("webhooks: replay: %w", err)
	}
	res := Replayed{ID: id, From: seq, To: last}
	if last >= seq {
		res.Records = last - seq + 1
	}
	err := m.restart(ctx, notifier, id, func(name string, st *persisted, now time.Time) error {
		st.Retries = nil
		st.dropDeadFrom(seq)
		st.Replay = slices.DeleteFunc(st.Replay, func(r seqSpan) bool { return r.From >= seq })
		for i := range st.Replay {
			st.Replay[i].To = min(st.Replay[i].To, seq-1)
		}
		st.ReplayedAt = now
		return j.SetCursor(name, seq-1)
	})
	return res, err
}

// ReplayDeadLetters sends the events the webhook with this id gave up on
// again, with the ids they had, before the events that arrive meanwhile.
// MaxAge counts again from now for them.
func (m *Manager) ReplayDeadLetters(ctx context.Context, id string) (Replayed, error) {
	return m.replayDeadLetters(ctx, false, id)
}

// ReplayNotifierDeadLetters is ReplayDeadLetters for the notifier with
// this id.
func (m *Manager) ReplayNotifierDeadLetters(ctx context.Context, id string) (Replayed, error) {
	return m.replayDeadLetters(ctx, true, id)
}

func (m *Manager) replayDeadLetters(ctx context.Context, notifier bool, id string) (Replayed, error) {
	res := Replayed{ID: id}
	err := m.restart(ctx, notifier, id, func(_ string, st *persisted, now time.Time) error {
		for _, d := range st.Dead {
			if res.From == 0 || d.Seq < res.From {
				res.From = d.Seq
			}
			res.To = max(res.To, d.LastSeq)
		}
		res.Records = st.replayDead(now)
		return nil
	})
	return res, err
}

// SeqAt returns the seq of the first journal record written at or after t,
// or the journal's last seq + 1 if there is none.
func (m *Manager) SeqAt(t time.Time) (uint64, error) {
	j := m.opts.Journal
	lo, hi := uint64(1), j.LastSeq()+1 // the answer is in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		recs, err := j.Read(mid, 1)
		if te, ok := errors.AsType[*journal.TrimmedError](err); ok {
			lo = max(lo, te.Oldest)
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("webhooks: find seq at %s: %w", t.Format(time.RFC3339), err)
		}
		if len(recs) == 0 || !recs[0].Time.Before(t) {
			hi = mid
		} else {
			lo = recs[0].Seq + 1
		}
	}
	return lo, nil
}

// restart stops the worker of id (a notifier's if notifier is set, else a
// webhook's), lets fn change its persisted state (and cursor, by name) and
// starts it again.
func (m *Manager) restart(ctx context.Context, notifier bool, id string, fn func(name string, st *persisted, now time.Time) error) error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	workers, missing := m.workers, ErrNoWebhook
	if notifier {
		workers, missing = m.notifiers, ErrNoNotifier
	}
	m.mu.Lock()
	w := workers[id]
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return errors.New("webhooks: replay: manager is stopped")
	}
	if w == nil {
		return fmt.Errorf("webhooks: replay: %w: %s", missing, id)
	}
	stopErr := w.stop(ctx)
	editErr := m.editState(w.name, func(st *persisted) {
		if err := fn(w.name, st, time.Now()); err != nil {
			stopErr = errors.Join(stopErr, err)
		}
	})
	nw := newWorker(w.t, &m.opts)
	m.mu.Lock()
	workers[id] = nw
	m.mu.Unlock()
	nw.start()
	if err := errors.Join(stopErr, editErr); err != nil {
		return fmt.Errorf("webhooks: replay %s: %w", w.display, err)
	}
	return nil
}
