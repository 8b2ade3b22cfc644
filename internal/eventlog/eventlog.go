// Package eventlog is the view of events that streams read: the events of
// one or more origin nodes, each in its own journal order, and a cursor that
// names a position per origin. The event API, the SSE and WebSocket streams,
// the events command and the dashboard read a Source and never a journal
// directly, so that a node's own events and the events forwarded from its
// peers are served the same way, and a client that resumes with a cursor
// from one node resumes on any other.
package eventlog

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// Event is one event as stream consumers see it.
type Event struct {
	// Origin is the glusterd UUID of the node that received the event.
	Origin string
	// Epoch and Seq are the event's place in the origin's journal.
	Epoch string
	Seq   uint64
	Rec   *evrec.Record
}

// Origin describes the events of one origin node that a Source holds.
type Origin struct {
	Node  string
	Epoch string
	// First is the oldest seq held and Last the newest; an origin holding
	// nothing has First == Last+1.
	First, Last uint64
}

// Source is a set of origins' events.
type Source interface {
	// Origins lists the origins held: the local node first, then the others
	// sorted by Node.
	Origins() []Origin
	// Read returns up to max events of origin with seq > after, ascending.
	// It returns a *journal.TrimmedError when events after..First-1 are no
	// longer held, and nothing for an origin it does not know.
	Read(origin string, after uint64, max int) ([]Event, error)
	// Changed returns a channel closed by the next append to any origin;
	// call it again after it fires.
	Changed() <-chan struct{}
}

// Local is the Source of one node's own journal.
func Local(j *journal.Journal, nodeID string) Source {
	return &local{j: j, node: nodeID}
}

type local struct {
	j    *journal.Journal
	node string
}

func (l *local) Origins() []Origin {
	st := l.j.Stats()
	return []Origin{{Node: l.node, Epoch: l.j.Epoch(), First: st.FirstSeq, Last: st.LastSeq}}
}

func (l *local) Read(origin string, after uint64, max int) ([]Event, error) {
	if origin != l.node {
		return nil, nil
	}
	recs, err := l.j.Read(after+1, max)
	if err != nil {
		return nil, err
	}
	return Decode(l.node, l.j.Epoch(), recs), nil
}

func (l *local) Changed() <-chan struct{} { return l.j.Changed() }

// Decode turns journal records of origin into events. A record that does
// not decode (written by a newer version, or damaged) is skipped: the
// webhook workers dead-letter it; a stream has nothing to show of it.
func Decode(origin, epoch string, recs []journal.Record) []Event {
	evs := make([]Event, 0, len(recs))
	for i := range recs {
		r, err := evrec.Unmarshal(recs[i].Seq, recs[i].Data)
		if err != nil {
			continue
		}
		evs = append(evs, Event{Origin: origin, Epoch: epoch, Seq: recs[i].Seq, Rec: r})
	}
	return evs
}

// API is e as the event API shows it, at cursor (the position after e).
func (e Event) API(cursor string) api.Event {
	ev := &e.Rec.Event
	msg := make(map[string]string, len(ev.Fields))
	for _, f := range ev.Fields {
		msg[strings.TrimSpace(f.Key)] = f.Value
	}
	category, severity := "unknown", "unknown"
	if ev.Type.Valid() {
		info := ev.Type.Info()
		category, severity = info.Category.String(), info.Severity.String()
	}
	return api.Event{
		Cursor: cursor, Node: e.Origin, Epoch: e.Epoch, Seq: e.Seq,
		Event: ev.Type.String(), Category: category, Severity: severity,
		TS: ev.Time, Received: e.Rec.Received, Source: e.Rec.Source, Message: msg,
	}
}

// GoneError reports that a cursor names events no longer held: they fell
// out of retention, or the origin's journal was replaced (a new epoch).
// Oldest is the oldest position available now; the event API answers it
// with 410 Gone.
type GoneError struct {
	Origin string
	Oldest Cursor
	reason string
}

func (e *GoneError) Error() string {
	return fmt.Sprintf("cursor position of node %s is no longer available (%s); the oldest available is %s",
		short(e.Origin), e.reason, e.Oldest)
}

// Check binds c to src (a "N" or "E-N" cursor names the local origin, the
// first of src.Origins) and returns it, or a *GoneError when a position of c
// is older than what src holds of that origin, or names another epoch of
// it. Positions of origins src does not hold (yet) are kept: events of that
// origin after them are read when they arrive.
func Check(src Source, c Cursor) (Cursor, error) {
	origins := src.Origins()
	if len(origins) > 0 {
		c = c.bind(origins[0])
	}
	for _, o := range origins {
		epoch, seq, ok := c.Get(o.Node)
		if !ok {
			continue
		}
		switch {
		case epoch != short(o.Epoch):
			return c, &GoneError{Origin: o.Node, Oldest: Start(src), reason: "its journal was replaced"}
		case seq+1 < o.First:
			return c, &GoneError{Origin: o.Node, Oldest: Start(src), reason: "it fell out of retention"}
		}
	}
	return c, nil
}

// IsGone reports whether err is a *GoneError or a *journal.TrimmedError
// (a Read that found its position trimmed meanwhile).
func IsGone(err error) bool {
	var g *GoneError
	var t *journal.TrimmedError
	return errors.As(err, &g) || errors.As(err, &t)
}

// Start is the cursor before the oldest event of every origin src holds.
func Start(src Source) Cursor {
	var c Cursor
	for _, o := range src.Origins() {
		c.Set(o.Node, o.Epoch, max(o.First, 1)-1)
	}
	return c
}

// Now is the cursor after the newest event of every origin src holds: a
// stream from Now shows only what arrives after it.
func Now(src Source) Cursor {
	var c Cursor
	for _, o := range src.Origins() {
		c.Set(o.Node, o.Epoch, o.Last)
	}
	return c
}
