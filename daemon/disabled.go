package daemon

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// disabledEvents drops the events the cluster config disables (its
// "disabled" list) before they reach the journal, and counts them by
// name. The set is swapped atomically on reload; with nothing disabled it
// is nil, and the intake's check costs one atomic load.
type disabledEvents struct {
	set    atomic.Pointer[config.DisabledSet]
	counts [gfevent.NumTypes]atomic.Uint64
}

// apply takes the disabled list of c. c is valid (loaded), so its list
// resolves; if it did not, nothing is disabled and the reason is logged.
func (d *disabledEvents) apply(c *config.Cluster, log *slog.Logger) {
	s, err := c.DisabledSet()
	if err != nil {
		log.Error("cluster config: disabled list: nothing is disabled", "err", err)
		s = nil
	}
	d.set.Store(s)
}

// drop reports whether events of type t are disabled, counting one.
func (d *disabledEvents) drop(t gfevent.Type) bool {
	s := d.set.Load()
	if s == nil || !t.Valid() || !s[t] {
		return false
	}
	d.counts[t].Add(1)
	return true
}

// snapshot returns the count of every event name that is disabled now or
// was dropped since the daemon started (it may have been enabled since).
func (d *disabledEvents) snapshot() map[string]uint64 {
	out := map[string]uint64{}
	s := d.set.Load()
	for t := range gfevent.NumTypes {
		n := d.counts[t].Load()
		if n > 0 || (s != nil && s[t]) {
			out[t.String()] = n
		}
	}
	return out
}

// dropDisabled reports whether the intake must drop ev, the cluster config
// disabling its type, and counts it. A disabled PEER_CONNECT or
// PEER_ATTACH still tells the config sync that a peer came: catching up
// with a peer's config does not depend on the event being journaled.
func (in *intake) dropDisabled(ev *gfevent.Event) bool {
	if in.disabled == nil || !in.disabled.drop(ev.Type) {
		return false
	}
	if (ev.Type == gfevent.PeerConnect || ev.Type == gfevent.PeerAttach) && in.peerChange != nil {
		in.peerChange()
	}
	return true
}

// disabledJournal is the journal as the state table sees it: the events
// it synthesizes for changes only reconciliation saw are dropped when
// their type is disabled, like every other disabled event, so that a
// disabled BRICK_DISCONNECTED never reaches a webhook by that way either.
type disabledJournal struct {
	*journal.Journal
	disabled *disabledEvents
}

// Append appends the records whose event type is not disabled. first is
// the seq of the first one appended, 0 when every record was dropped.
func (j *disabledJournal) Append(ctx context.Context, data ...[]byte) (first uint64, err error) {
	if j.disabled.set.Load() == nil {
		return j.Journal.Append(ctx, data...)
	}
	kept := make([][]byte, 0, len(data))
	for _, b := range data {
		if rec, err := evrec.Unmarshal(0, b); err == nil && j.disabled.drop(rec.Event.Type) {
			continue
		}
		kept = append(kept, b)
	}
	if len(kept) == 0 {
		return 0, nil
	}
	return j.Journal.Append(ctx, kept...)
}
