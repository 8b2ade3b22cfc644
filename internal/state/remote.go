package state

import (
	"context"
	"slices"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
)

// remoteBatch is events another node journaled, for the loop to apply.
type remoteBatch struct {
	origin string
	recs   []*evrec.Record
}

// ApplyRemote applies events that another node (origin) journaled and
// forwarded to this one, as the table applies this node's own: a brick of
// node 2 that goes down shows in node 1's table as soon as node 2's event
// arrives, instead of at node 1's next reconciliation. They are not
// journaled here (webhooks deliver each node's own events), and the
// table's Seq stays this journal's.
//
// Applied are the events that change the table by themselves:
// BRICK_CONNECTED and BRICK_DISCONNECTED (each glusterd announces only
// its own node's bricks), VOLUME_START, VOLUME_STOP and VOLUME_DELETE
// (announced on the node where the command ran). They never make the
// table ask glusterd (every node would, for every event of every node,
// and each "volume status" takes glusterd's cluster lock); the others
// (PEER_CONNECT says how the origin sees its links, VOLUME_SET asks for a
// reconciliation) are left to this node's own events and reconciliations.
// Skipped too are events received before the start of the table's last
// reconciliation (glusterd's answer is newer than they are: a replica that
// caught up with hours of events must not replay them over it). Events the
// origin's table synthesized are applied: what its reconciliation saw is
// news here.
// ApplyRemote waits until the table's loop takes the batch.
func (t *Table) ApplyRemote(ctx context.Context, origin string, recs []*evrec.Record) error {
	if t.done == nil {
		return ErrNotRunning
	}
	select {
	case t.remote <- remoteBatch{origin: origin, recs: recs}:
		return nil
	case <-t.done:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
}

// applyRemote is ApplyRemote's half on the loop goroutine.
func (t *Table) applyRemote(b remoteBatch) {
	changed := false
	for _, r := range b.recs {
		switch r.Event.Type {
		case gfevent.BrickConnected, gfevent.BrickDisconnected, gfevent.VolumeStart, gfevent.VolumeStop, gfevent.VolumeDelete:
		default:
			continue
		}
		t.mu.Lock()
		// The start of the last reconciliation that answered: what
		// glusterd said then is newer than an event received before.
		cutoff := t.reconciled
		if t.lastAsk.Before(cutoff) {
			cutoff = t.lastAsk
		}
		if !cutoff.IsZero() && r.Received.Before(cutoff) {
			t.mu.Unlock()
			continue
		}
		ev := r.Event
		if v, _ := ev.Get(SynthesizedKey); v != "" {
			// What the origin's reconciliation saw is news here.
			ev.Fields = slices.DeleteFunc(slices.Clone(ev.Fields), func(f gfevent.Field) bool { return f.Key == SynthesizedKey })
		}
		// No follow-up reconciliation: every node would otherwise ask
		// glusterd (whose cluster lock each "volume status" takes) for
		// every event of every node.
		followAt, allPeers := t.followAt, t.allPeers
		set := t.applyLocked(&ev)
		t.followAt, t.allPeers = followAt, allPeers
		if len(set) > 0 {
			t.publishLocked(set)
			changed = true
		}
		t.mu.Unlock()
	}
	if changed {
		t.save()
	}
}
