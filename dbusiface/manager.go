package dbusiface

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/filter"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// Bounds of GetEvents: the events one call returns by default and at
// most, and the journal records it reads looking for filter matches.
const (
	defaultGetEvents = 100
	maxGetEvents     = 1000
	maxScanEvents    = 10000
)

// methodTimeout bounds Reload and Refresh.
const methodTimeout = 60 * time.Second

// manager is org.gluster.Eventing1.Manager's methods on ManagerPath.
type manager struct{ e *Export }

func failed(err error) *dbus.Error {
	return dbus.NewError(ErrorFailed, []any{err.Error()})
}

func invalidArgs(format string, a ...any) *dbus.Error {
	return dbus.NewError(ErrorInvalidArgs, []any{fmt.Sprintf(format, a...)})
}

func (m *manager) authorize(sender dbus.Sender, method string) *dbus.Error {
	if m.e.callerAllowed(sender) {
		return nil
	}
	return dbus.NewError(ErrorNotAuthorized, []any{method + " is for root only"})
}

// Reload re-reads the configuration; it returns once it is applied.
func (m *manager) Reload(sender dbus.Sender, _ map[string]dbus.Variant) *dbus.Error {
	if derr := m.authorize(sender, "Reload"); derr != nil {
		return derr
	}
	if m.e.opts.Daemon == nil {
		return failed(errors.New("reload is not available"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), methodTimeout)
	defer cancel()
	if err := m.e.opts.Daemon.Reload(ctx); err != nil {
		return failed(err)
	}
	return nil
}

// Refresh reconciles the state table with glusterd now.
func (m *manager) Refresh(sender dbus.Sender, _ map[string]dbus.Variant) *dbus.Error {
	if derr := m.authorize(sender, "Refresh"); derr != nil {
		return derr
	}
	ctx, cancel := context.WithTimeout(context.Background(), methodTimeout)
	defer cancel()
	if err := m.e.opts.State.Refresh(ctx); err != nil {
		return failed(err)
	}
	return nil
}

// GetState returns the state table and the last journal seq applied to it.
func (m *manager) GetState(_ map[string]dbus.Variant) (map[string]dbus.Variant, uint64, *dbus.Error) {
	snap := m.e.opts.State.Snapshot()
	return snapshotDict(snap), snap.Seq, nil
}

// parseFilter turns GetEvents' options into one filter: "types" (as, the
// event names to keep) and "filter" (s, an expression of the filter
// language, see internal/filter) must both select an event. Channels
// resolve through Options.Channels.
func (m *manager) parseFilter(opts map[string]dbus.Variant) (*filter.Filter, *dbus.Error) {
	var byType, byExpr *filter.Filter
	for k, v := range opts {
		switch k {
		case "types":
			names, ok := v.Value().([]string)
			if !ok {
				return nil, invalidArgs("filter types: want as, got %s", v.Signature())
			}
			types := make([]gfevent.Type, 0, len(names))
			for _, n := range names {
				t, ok := gfevent.Lookup(n)
				if !ok {
					return nil, invalidArgs("filter types: unknown event type %q", n)
				}
				types = append(types, t)
			}
			byType = filter.OfTypes(types)
		case "filter":
			expr, ok := v.Value().(string)
			if !ok {
				return nil, invalidArgs("filter filter: want s, got %s", v.Signature())
			}
			f, err := filter.Parse(expr, m.e.opts.Channels)
			if err != nil {
				return nil, invalidArgs("%v", err)
			}
			byExpr = f
		default:
			return nil, invalidArgs("unknown filter key %q (known: types, filter)", k)
		}
	}
	return filter.All(byType, byExpr), nil
}

// GetEvents returns the journaled events after since (at most max, 100
// when 0), the seq to pass as since next time, and whether more events
// follow. since 0 starts at the oldest event retained; a since whose
// successors retention already removed is Error.NotFound (the client
// missed events and must resync from GetState).
func (m *manager) GetEvents(since uint64, maxEvents uint32, opts map[string]dbus.Variant) ([]map[string]dbus.Variant, uint64, bool, *dbus.Error) {
	f, derr := m.parseFilter(opts)
	if derr != nil {
		return nil, 0, false, derr
	}
	want := int(maxEvents)
	if want == 0 {
		want = defaultGetEvents
	}
	want = min(want, maxGetEvents)
	j := m.e.opts.Journal
	if first := j.FirstSeq(); since == 0 && first > 1 {
		since = first - 1 // 0 is "from the oldest retained"
	}
	out := []map[string]dbus.Variant{}
	next, scanned := since, 0
	for len(out) < want && scanned < maxScanEvents {
		recs, err := j.Read(next+1, want-len(out))
		var te *journal.TrimmedError
		if errors.As(err, &te) {
			return nil, 0, false, dbus.NewError(ErrorNotFound, []any{fmt.Sprintf(
				"events after %d are no longer in the journal: the oldest is %d", since, te.Oldest)})
		}
		if err != nil {
			return nil, 0, false, failed(err)
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			next, scanned = r.Seq, scanned+1
			rec, err := evrec.Unmarshal(r.Seq, r.Data)
			if err != nil {
				m.e.log.Warn("skipping undecodable journal record", "seq", r.Seq, "err", err)
				continue
			}
			if !f.Match(&rec.Event, m.e.opts.NodeUUID) {
				continue
			}
			out = append(out, m.e.eventDict(rec))
		}
	}
	return out, next, next < j.LastSeq(), nil
}

func (e *Export) eventDict(rec *evrec.Record) map[string]dbus.Variant {
	return map[string]dbus.Variant{
		"seq":           dbus.MakeVariant(rec.Seq),
		"type":          dbus.MakeVariant(rec.Event.Type.String()),
		"ts_usec":       dbus.MakeVariant(rec.Event.Time * 1e6),
		"origin_node":   dbus.MakeVariant(e.opts.NodeUUID),
		"received_usec": dbus.MakeVariant(usec(rec.Received)),
		"source":        dbus.MakeVariant(rec.Source),
		"data":          dbus.MakeVariant(eventData(rec.Event)),
	}
}

func eventData(ev gfevent.Event) map[string]dbus.Variant {
	data := make(map[string]dbus.Variant, len(ev.Fields))
	for _, f := range ev.Fields {
		data[f.Key] = dbus.MakeVariant(f.Value) // the last of a repeated key wins, as in Event.Get
	}
	return data
}

// events emits an Event signal per journaled event from next on, until
// ctx ends. It is a journal reader like any consumer (without a durable
// cursor: the signals only notify). When it falls more than MaxEventLag
// behind, or the journal trimmed what it had not sent, it emits
// EventsLost(from, to) and goes on after to.
func (e *Export) events(ctx context.Context, next uint64) {
	j := e.opts.Journal
	for ctx.Err() == nil && e.conn.Context().Err() == nil {
		if last := j.LastSeq(); last >= next && last-next >= e.opts.MaxEventLag {
			e.emit(ManagerPath, eventsLostSignal, next, last-1)
			next = last
		}
		recs, err := j.Read(next, 256)
		var te *journal.TrimmedError
		if errors.As(err, &te) {
			e.emit(ManagerPath, eventsLostSignal, next, te.Oldest-1)
			next = te.Oldest
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				e.log.Error("reading the journal for Event signals", "err", err)
			}
			return
		}
		if len(recs) == 0 {
			if err := j.Wait(ctx, next-1); err != nil {
				return
			}
			continue
		}
		for _, r := range recs {
			next = r.Seq + 1
			rec, err := evrec.Unmarshal(r.Seq, r.Data)
			if err != nil {
				continue
			}
			e.emit(ManagerPath, eventSignal, rec.Seq, rec.Event.Type.String(), rec.Event.Time*1e6,
				e.opts.NodeUUID, eventData(rec.Event))
		}
	}
}
