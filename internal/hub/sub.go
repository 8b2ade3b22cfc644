package hub

import (
	"context"
	"errors"
	"fmt"

	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// Sub is one client's subscription: a cursor, a filter and, while it keeps
// up, a place in the ring. It is not safe for concurrent use.
type Sub struct {
	h     *Hub
	cur   eventlog.Cursor
	match Matcher
	only  string // the one origin it reads ("" all)
	live  bool   // reading the ring at pos
	pos   uint64
	buf   []entry
	done  bool
}

// SubOptions narrow a subscription.
type SubOptions struct {
	// Match selects the events sent; nil sends every event.
	Match Matcher
	// Origin, when set, restricts the subscription to that origin node
	// (the local scope).
	Origin string
}

// Subscribe starts a subscription after cursor c (eventlog.Now or
// eventlog.Start of the Source for "from now" and "from the oldest"). A
// cursor that names a position no longer retained, or a replaced journal,
// is refused with an *eventlog.GoneError, a subscription beyond
// MaxClients with ErrBusy. Close the Sub when done.
func (h *Hub) Subscribe(c eventlog.Cursor, opts SubOptions) (*Sub, error) {
	c, err := eventlog.Check(h.src, c)
	if err != nil {
		h.gone.Add(1)
		return nil, err
	}
	if h.clients.Add(1) > h.maxClients {
		h.clients.Add(-1)
		return nil, ErrBusy
	}
	return &Sub{h: h, cur: c, match: opts.Match, only: opts.Origin}, nil
}

// Close ends the subscription.
func (s *Sub) Close() {
	if !s.done {
		s.done = true
		s.h.clients.Add(-1)
	}
}

// Cursor is the position after the last event the Sub went past (sent or
// filtered out).
func (s *Sub) Cursor() eventlog.Cursor { return s.cur }

// Next calls emit for up to limit events after the cursor that match, in
// order per origin, and advances the cursor past them (and past the events
// that do not match). It waits for events until at least one matches or
// ctx is done; then it returns 0 and nil: an expired ctx is the caller's
// keep-alive tick, not an error. A position that fell out of retention
// meanwhile is an *eventlog.GoneError; an error of emit is returned as is,
// with the cursor at the frame emit refused.
func (s *Sub) Next(ctx context.Context, limit int, emit func(*Frame) error) (int, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	for {
		var n int
		var more bool
		var err error
		if s.live {
			n, more, err = s.fromRing(limit, emit)
		} else {
			n, more, err = s.fromSource(limit, emit)
		}
		if err != nil || n > 0 {
			return n, err
		}
		if more {
			if ctx.Err() != nil {
				// Past events that did not match, with more to look at:
				// the cursor moved, the caller's time is up.
				return 0, nil
			}
			continue
		}
		// Nothing new anywhere: wait for the ring to grow.
		s.h.mu.RLock()
		notify := s.h.notify
		grown := s.h.next > s.pos
		s.h.mu.RUnlock()
		if grown && s.live {
			continue
		}
		select {
		case <-ctx.Done():
			return 0, nil
		case <-notify:
		}
	}
}

// fromRing takes what the ring holds after pos. more reports that the
// Sub should be asked again at once (it left the ring, or passed events
// that did not match).
func (s *Sub) fromRing(limit int, emit func(*Frame) error) (n int, more bool, err error) {
	h := s.h
	h.mu.RLock()
	size := uint64(len(h.ring))
	oldest := h.next - min(h.next, size)
	if s.pos < oldest {
		h.mu.RUnlock()
		// Overwritten before this client got to it: read the Source.
		h.lagged.Add(1)
		s.live = false
		return 0, true, nil
	}
	end := min(h.next, s.pos+uint64(4*limit))
	s.buf = s.buf[:0]
	for i := s.pos; i < end; i++ {
		s.buf = append(s.buf, h.ring[i%size])
	}
	h.mu.RUnlock()
	for i := range s.buf {
		e := &s.buf[i]
		if s.only != "" && e.ev.Origin != s.only {
			s.pos++
			continue
		}
		epoch, seq, ok := s.cur.Get(e.ev.Origin)
		switch {
		case ok && epoch != e.epoch8, ok && e.prev > seq, !ok && e.prev > 0:
			// This client is behind the ring for this origin (or the
			// origin's journal was replaced): the Source has what it
			// misses, and says so if it has not.
			s.live = false
			return n, true, nil
		case ok && e.ev.Seq <= seq:
			s.pos++ // already had it
			continue
		}
		if n == limit {
			return n, false, nil
		}
		if err := s.deliver(e.ev, e.epoch8, e.tail, emit, &n); err != nil {
			return n, false, err
		}
		s.pos++
	}
	return n, len(s.buf) > 0 && n == 0, nil
}

// deliver moves the cursor past ev and emits it if it matches. After an
// error of emit the cursor is past the refused event: the client is gone
// and the Sub is to be closed.
func (s *Sub) deliver(ev eventlog.Event, epoch8 string, tail []byte, emit func(*Frame) error, n *int) error {
	s.cur.Set(ev.Origin, epoch8, ev.Seq)
	if s.match != nil && !s.match.Match(&ev.Rec.Event, ev.Origin) {
		return nil
	}
	if tail == nil {
		tail = encodeTail(ev)
	}
	f := &Frame{Name: ev.Rec.Event.Type.String(), Cursor: s.cur.String(), Event: &ev, tail: tail}
	if err := emit(f); err != nil {
		return err
	}
	*n++
	s.h.sent.Add(1)
	return nil
}

// fromSource reads the Source after the cursor, origin by origin. When
// every origin is read to its end the Sub joins the ring.
func (s *Sub) fromSource(limit int, emit func(*Frame) error) (n int, more bool, err error) {
	h := s.h
	// Where the ring is now: once the Source has nothing more, every
	// later event is in the ring at or after this index.
	h.mu.RLock()
	join := h.next - min(h.next, uint64(len(h.ring)))
	h.mu.RUnlock()
	c, err := eventlog.Check(h.src, s.cur)
	if err != nil {
		h.gone.Add(1)
		return 0, false, err
	}
	s.cur = c
	passed := false
	// A filter that matches little must not make one call read the
	// whole journal: past this many events, the caller gets a say.
	budget, scanned := 4*max(limit, h.batch), 0
	for _, o := range h.src.Origins() {
		if s.only != "" && o.Node != s.only {
			continue
		}
		_, after, ok := s.cur.Get(o.Node)
		if !ok {
			// An origin the cursor does not name: everything it has.
			after = max(o.First, 1) - 1
		}
		for n < limit && scanned < budget {
			evs, err := h.src.Read(o.Node, after, min(limit-n, h.batch))
			if te, isTrim := errors.AsType[*journal.TrimmedError](err); isTrim {
				if ok {
					// Trimmed between the check and the read.
					h.gone.Add(1)
					if _, cerr := eventlog.Check(h.src, s.cur); cerr != nil {
						return n, false, cerr
					}
					return n, false, te
				}
				after = te.Oldest - 1
				continue
			}
			if err != nil {
				return n, false, fmt.Errorf("reading events of node %s: %w", o.Node, err)
			}
			if len(evs) == 0 {
				break
			}
			scanned += len(evs)
			for _, ev := range evs {
				passed = true
				if err := s.deliver(ev, shortEpoch(ev.Origin, ev.Epoch), nil, emit, &n); err != nil {
					return n, false, err
				}
				after = ev.Seq
			}
			ok = true
		}
		if n >= limit || scanned >= budget {
			return n, true, nil
		}
	}
	if n > 0 || passed {
		return n, passed, nil
	}
	s.live, s.pos = true, join
	return 0, true, nil
}
