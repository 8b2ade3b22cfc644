package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// consumerDelay is how long cursor and state writes wait for a group
// commit when no append is pending. It bounds how many already delivered
// events a consumer redoes after a crash (at-least-once).
const consumerDelay = 20 * time.Millisecond

// consumerWrites are queued cursor and state writes, applied in the next
// group transaction. A map entry with del set (cursor) or a nil value
// (state) is a deletion.
type consumerWrites struct {
	cursors map[string]cursorWrite
	states  map[string][]byte
}

type cursorWrite struct {
	seq uint64
	del bool
}

func (w *consumerWrites) empty() bool { return len(w.cursors) == 0 && len(w.states) == 0 }
func applyWrites(tx *bbolt.Tx, w consumerWrites) error {
	cursors := tx.Bucket(bucketCursors)
	for name, cw := range w.cursors {
		var err error
		if cw.del {
			err = cursors.Delete([]byte(name))
		} else {
			err = cursors.Put([]byte(name), u64(cw.seq))
		}
		if err != nil {
			return fmt.Errorf("cursor %q: %w", name, err)
		}
	}
	states := tx.Bucket(bucketStates)
	for name, b := range w.states {
		var err error
		if b == nil {
			err = states.Delete([]byte(name))
		} else {
			err = states.Put([]byte(name), b)
		}
		if err != nil {
			return fmt.Errorf("state %q: %w", name, err)
		}
	}
	return nil
}

// requeueLocked puts the writes of a failed commit back in the queue, unless
// a newer write for the same name was queued meanwhile. They are retried by
// the next commit.
func (j *Journal) requeueLocked(w consumerWrites) {
	for name, cw := range w.cursors {
		if _, newer := j.pending.cursors[name]; !newer {
			if j.pending.cursors == nil {
				j.pending.cursors = make(map[string]cursorWrite)
			}
			j.pending.cursors[name] = cw
		}
	}
	for name, b := range w.states {
		if _, newer := j.pending.states[name]; !newer {
			if j.pending.states == nil {
				j.pending.states = make(map[string][]byte)
			}
			j.pending.states[name] = b
		}
	}
}

// SetCursor records that consumer name has processed everything up to and
// including seq. The write is queued and rides on the next group commit, so
// SetCursor returns before it is durable: cursors are at-least-once, and
// after a crash a consumer may redo the last few events. Cursor sees the
// new value at once; Flush waits until it is on disk.
func (j *Journal) SetCursor(name string, seq uint64) error {
	return j.queue(name, func(w *consumerWrites) {
		if w.cursors == nil {
			w.cursors = make(map[string]cursorWrite)
		}
		w.cursors[name] = cursorWrite{seq: seq}
	})
}

// DeleteCursor removes consumer name's cursor (not its state blob), with
// the same queued semantics as SetCursor.
func (j *Journal) DeleteCursor(name string) error {
	return j.queue(name, func(w *consumerWrites) {
		if w.cursors == nil {
			w.cursors = make(map[string]cursorWrite)
		}
		w.cursors[name] = cursorWrite{del: true}
	})
}

// PutState stores an opaque state blob for consumer name (a webhook
// worker's attempts and next-attempt time, say), with the same queued
// semantics as SetCursor. b is copied. A nil or empty b deletes the state.
func (j *Journal) PutState(name string, b []byte) error {
	var c []byte
	if len(b) > 0 {
		c = append([]byte(nil), b...)
	}
	return j.queue(name, func(w *consumerWrites) {
		if w.states == nil {
			w.states = make(map[string][]byte)
		}
		w.states[name] = c
	})
}

// queue adds a consumer write to the pending set and makes sure the
// committer will run.
func (j *Journal) queue(name string, add func(*consumerWrites)) error {
	if name == "" {
		return errors.New("journal: empty consumer name")
	}
	j.mu.Lock()
	if j.closing {
		j.mu.Unlock()
		return ErrClosed
	}
	wasEmpty := j.pending.empty()
	add(&j.pending)
	j.mu.Unlock()
	if wasEmpty {
		select {
		case j.kick <- struct{}{}:
		default: // a kick is already pending
		}
	}
	return nil
}

// Cursor returns consumer name's cursor, including a write not yet
// committed. ok is false if it has none.
func (j *Journal) Cursor(name string) (seq uint64, ok bool, err error) {
	j.mu.Lock()
	cw, found := j.pending.cursors[name]
	if !found {
		cw, found = j.inflight.cursors[name]
	}
	j.mu.Unlock()
	if found {
		return cw.seq, !cw.del, nil
	}
	err = j.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketCursors).Get([]byte(name)); len(v) == 8 {
			seq, ok = binary.BigEndian.Uint64(v), true
		}
		return nil
	})
	if err != nil {
		return 0, false, j.readErr("read cursor", err)
	}
	return seq, ok, nil
}

// State returns consumer name's state blob (a copy, including a write not
// yet committed), or nil if it has none.
func (j *Journal) State(name string) ([]byte, error) {
	j.mu.Lock()
	b, found := j.pending.states[name]
	if !found {
		b, found = j.inflight.states[name]
	}
	j.mu.Unlock()
	if found {
		return append([]byte(nil), b...), nil
	}
	err := j.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketStates).Get([]byte(name)); v != nil {
			b = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil {
		return nil, j.readErr("read state", err)
	}
	return b, nil
}
