// Package hub fans the cluster's events out to many stream clients (SSE,
// WebSocket, long polls) cheaply. One follower reads each new event from
// the eventlog.Source once, encodes its JSON once and keeps it in a
// bounded ring; every live client walks that ring with its own cursor and
// filter, so a thousand events a second to a hundred clients cost a
// hundred cheap filter checks per event, not a hundred journal reads and
// JSON encodings.
//
// A client that starts from an old cursor, or that falls behind the ring
// (it is slower than the event rate for longer than the ring lasts), reads
// from the Source directly until it has caught up and then joins the ring
// again: memory never grows with a slow client. A client whose connection
// does not take what it is sent is the front-end's to drop (a write
// deadline); the hub counts it. Every position is an eventlog.Cursor, so a
// client resumes without gap or duplicate, on this node or on another.
//
// The package imports eventlog and api only; the daemon wires it to its
// Source and its HTTP handlers. It has no package-level mutable state.
package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// Defaults for Options fields left at zero.
const (
	DefaultRing       = 8192
	DefaultBatch      = 512
	DefaultMaxClients = 1024
)

// ErrBusy is returned by Subscribe when MaxClients subscriptions are open.
var ErrBusy = errors.New("too many stream clients")

// Options configure a Hub. The zero value is usable.
type Options struct {
	// Ring is how many recent events the hub keeps encoded for its live
	// clients; 0 means DefaultRing.
	Ring int
	// Batch is how many events one Source read returns at most; 0 means
	// DefaultBatch.
	Batch int
	// MaxClients bounds the subscriptions open at once (each holds a
	// connection and a goroutine of the front-end); 0 means
	// DefaultMaxClients.
	MaxClients int
	// Logger receives read failures; nil discards.
	Logger *slog.Logger
}

// Matcher selects events; *filter.Filter is one (a nil *filter.Filter
// matches everything). A nil Matcher matches everything too.
type Matcher interface {
	Match(ev *gfevent.Event, node string) bool
}

// Stats are the hub's counters.
type Stats struct {
	// Clients are the subscriptions open now.
	Clients int64 `json:"clients"`
	// Sent counts events handed to clients.
	Sent uint64 `json:"sent"`
	// Lagged counts the times a live client fell behind the ring and went
	// back to reading the Source.
	Lagged uint64 `json:"lagged"`
	// Dropped counts clients the front-ends disconnected because they did
	// not take what they were sent in time.
	Dropped uint64 `json:"dropped"`
	// Gone counts subscriptions refused or ended because their cursor fell
	// out of retention or named a replaced journal.
	Gone uint64 `json:"gone"`
}

// Hub is the fan-out. Create it with New and run its follower with Run.
type Hub struct {
	src        eventlog.Source
	batch      int
	maxClients int64
	log        *slog.Logger

	mu     sync.RWMutex
	ring   []entry
	next   uint64        // ring index the next entry gets; ring[i%len] holds index i
	notify chan struct{} // closed and replaced when entries are added
	head   map[string]originHead

	clients                     atomic.Int64
	sent, lagged, dropped, gone atomic.Uint64
}

// originHead is how far the follower has read one origin.
type originHead struct {
	epoch string
	seq   uint64
}

// entry is one event in the ring.
type entry struct {
	ev     eventlog.Event
	epoch8 string // the cursor's form of ev.Epoch
	// prev is the seq the follower read this event after: the origin's
	// previous event in the ring (or where the follower started). A
	// client positioned at or after prev misses nothing by taking this
	// entry; one before it would skip events, and reads the Source.
	prev uint64
	tail []byte // the api.Event JSON after its cursor field
}

// New returns a hub over src.
func New(src eventlog.Source, opts Options) *Hub {
	if opts.Ring <= 0 {
		opts.Ring = DefaultRing
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.MaxClients <= 0 {
		opts.MaxClients = DefaultMaxClients
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Hub{src: src, batch: opts.Batch, maxClients: int64(opts.MaxClients), log: opts.Logger, ring: make([]entry, opts.Ring),
		notify: make(chan struct{}), head: map[string]originHead{}}
	for _, o := range src.Origins() {
		h.head[o.Node] = originHead{epoch: o.Epoch, seq: o.Last}
	}
	return h
}

// Source is the Source the hub reads.
func (h *Hub) Source() eventlog.Source { return h.src }

// Stats returns the counters.
func (h *Hub) Stats() Stats {
	return Stats{Clients: h.clients.Load(), Sent: h.sent.Load(), Lagged: h.lagged.Load(),
		Dropped: h.dropped.Load(), Gone: h.gone.Load()}
}

// Dropped counts a client the front-end disconnected because it was too
// slow.
func (h *Hub) Dropped() { h.dropped.Add(1) }

// Run follows the Source into the ring until ctx is done.
func (h *Hub) Run(ctx context.Context) {
	for ctx.Err() == nil {
		changed := h.src.Changed() // before reading: an append meanwhile closes it
		if err := h.poll(); err != nil {
			h.log.Warn("stream hub: reading events", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// poll reads every origin up to its end into the ring.
func (h *Hub) poll() error {
	var errs []error
	for _, o := range h.src.Origins() {
		if err := h.pollOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("origin %s: %w", o.Node, err))
		}
	}
	return errors.Join(errs...)
}

func (h *Hub) pollOrigin(o eventlog.Origin) error {
	h.mu.RLock()
	hd, ok := h.head[o.Node]
	h.mu.RUnlock()
	if !ok || hd.epoch != o.Epoch {
		// A new origin, or its journal was replaced: the ring starts at
		// its end; clients that want older events read the Source.
		hd = originHead{epoch: o.Epoch, seq: o.Last}
		h.mu.Lock()
		h.head[o.Node] = hd
		h.mu.Unlock()
		return nil
	}
	for {
		evs, err := h.src.Read(o.Node, hd.seq, h.batch)
		if te, ok := errors.AsType[*journal.TrimmedError](err); ok {
			// The follower itself fell behind retention (a stalled
			// process): resume at the oldest; clients in between are
			// told by their own reads.
			hd.seq = te.Oldest - 1
			continue
		}
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		entries := make([]entry, 0, len(evs))
		prev := hd.seq
		for _, ev := range evs {
			entries = append(entries, entry{ev: ev, epoch8: shortEpoch(ev.Origin, ev.Epoch), prev: prev, tail: encodeTail(ev)})
			prev = ev.Seq
		}
		hd.seq = prev
		h.mu.Lock()
		for _, e := range entries {
			h.ring[h.next%uint64(len(h.ring))] = e
			h.next++
		}
		h.head[o.Node] = hd
		close(h.notify)
		h.notify = make(chan struct{})
		h.mu.Unlock()
		if len(evs) < h.batch {
			return nil
		}
	}
}

// shortEpoch is the form of epoch a Cursor keeps.
func shortEpoch(origin, epoch string) string {
	var c eventlog.Cursor
	c.Set(origin, epoch, 0)
	e, _, _ := c.Get(origin)
	return e
}

var cursorPrefix = []byte(`{"cursor":""`)

// encodeTail encodes ev as its api.Event JSON without the cursor: what
// follows `{"cursor":"..."` in every client's copy.
func encodeTail(ev eventlog.Event) []byte {
	b, err := json.Marshal(ev.API(""))
	if err != nil || !bytes.HasPrefix(b, cursorPrefix) {
		// Cannot happen with api.Event's fields; keep the event visible.
		b = fmt.Appendf(nil, `{"cursor":"","error":%q}`, fmt.Sprint(err))
	}
	return b[len(cursorPrefix):]
}

// Frame is one event for one client.
type Frame struct {
	// Name is the event's name (the SSE event field).
	Name string
	// Cursor is the client's position after this event (the SSE id).
	Cursor string
	// Event is the event itself.
	Event *eventlog.Event
	tail  []byte
}

// AppendJSON appends the event's api.Event JSON, cursor included.
func (f *Frame) AppendJSON(b []byte) []byte {
	b = append(b, `{"cursor":`...)
	b = appendJSONString(b, f.Cursor)
	return append(b, f.tail...)
}

// JSON returns the event's api.Event JSON.
func (f *Frame) JSON() []byte { return f.AppendJSON(nil) }

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// CursorAt returns the cursor just before the first event of every origin
// that its node received at or after t (found by binary search over
// Source.Read; receive times follow the journal order but for clock
// steps). An origin with nothing that recent is at its end.
func CursorAt(src eventlog.Source, t time.Time) (eventlog.Cursor, error) {
	var c eventlog.Cursor
	for _, o := range src.Origins() {
		lo, hi := max(o.First, 1), o.Last+1 // the first seq at or after t is in [lo, hi]
		for lo < hi {
			mid := lo + (hi-lo)/2
			evs, err := src.Read(o.Node, mid-1, 1)
			if te, ok := errors.AsType[*journal.TrimmedError](err); ok {
				lo = max(lo, te.Oldest)
				continue
			}
			if err != nil {
				return c, fmt.Errorf("finding the events of node %s at %s: %w", o.Node, t.Format(time.RFC3339), err)
			}
			if len(evs) == 0 || !evs[0].Rec.Received.Before(t) {
				hi = mid
			} else {
				lo = evs[0].Seq + 1
			}
		}
		c.Set(o.Node, o.Epoch, lo-1)
	}
	return c, nil
}
