package state

import (
	"context"

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
// Skipped: PEER_CONNECT and PEER_DISCONNECT (they say how the origin sees
// its links, not how this node does), events the table made itself
// (synthesized), and events received before the table's last
// reconciliation (glusterd's answer is newer than they are: a replica
// that caught up with hours of events must not replay them over it).
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
		case gfevent.PeerConnect, gfevent.PeerDisconnect:
			continue
		}
		t.mu.Lock()
		if !t.reconciled.IsZero() && r.Received.Before(t.reconciled) {
			t.mu.Unlock()
			continue
		}
		set := t.applyLocked(&r.Event)
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
