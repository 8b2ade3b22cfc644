package state

import (
	"context"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
)

func remoteRec(received time.Time, typ gfevent.Type, kv ...string) *evrec.Record {
	r := &evrec.Record{Received: received, Source: "10.0.0.2", Event: gfevent.Event{Time: received.Unix(), Type: typ}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Event.Fields = append(r.Event.Fields, gfevent.Field{Key: kv[i], Value: kv[i+1]})
	}
	return r
}

// Events of another node change the table as its own do, except the
// origin's view of its peer links and events older than the last
// reconciliation; nothing is journaled and the table's Seq stays.
func TestApplyRemote(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	tb := startTable(t, replica3(), j)
	_, ch, cancel := tb.Subscribe(16)
	defer cancel()
	reconciled := tb.Snapshot().Reconciled // the ask started before it
	ctx := context.Background()
	const origin = "22222222-2222-2222-2222-222222222222"

	for _, tc := range []struct {
		name  string
		rec   *evrec.Record
		brick string // the brick that must change, "" for none
	}{
		{"older than the reconciliation", remoteRec(reconciled.Add(-time.Second), gfevent.BrickDisconnected,
			"peer", "node1", "volume", "rv", "brick", "/b/1"), ""},
		{"the origin's peer link", remoteRec(time.Now(), gfevent.PeerDisconnect, "peer", "node1", "uuid", selfUUID), ""},
		{"an event that only asks for a reconciliation", remoteRec(time.Now(), gfevent.VolumeSet, "name", "rv", "options", "a=b"), ""},
		{"a brick goes down", remoteRec(time.Now(), gfevent.BrickDisconnected, "peer", "node1", "volume", "rv", "brick", "/b/2"), "/b/2"},
		{"repeated", remoteRec(time.Now(), gfevent.BrickDisconnected, "peer", "node1", "volume", "rv", "brick", "/b/2"), ""},
		{"another brick, synthesized by the origin's reconciliation", remoteRec(time.Now(), gfevent.BrickDisconnected,
			"peer", "node1", "volume", "rv", "brick", "/b/3", SynthesizedKey, SynthesizedReconcile), "/b/3"},
	} {
		if err := tb.ApplyRemote(ctx, origin, []*evrec.Record{tc.rec}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.brick == "" {
			continue
		}
		set := next(t, ch)
		if len(set) != 2 || set[1].Key != brickID(tc.brick) {
			t.Fatalf("%s: change set %+v, want brick %s (an earlier case changed something?)", tc.name, set, tc.brick)
		}
	}
	// A brick back: BRICK_CONNECTED would have the table ask glusterd for
	// its port and pid; a remote one does not.
	if err := tb.ApplyRemote(ctx, origin, []*evrec.Record{remoteRec(time.Now(), gfevent.BrickConnected,
		"peer", "node1", "volume", "rv", "brick", "/b/3")}); err != nil {
		t.Fatal(err)
	}
	if set := next(t, ch); len(set) != 2 || set[1].Key != brickID("/b/3") {
		t.Fatalf("brick back: change set %+v", set)
	}
	if b, _ := tb.Brick(brickID("/b/1")); !b.Online {
		t.Error("brick 1 went offline from an event older than the reconciliation")
	}
	if p, _ := tb.Peer(selfUUID); !p.Connected {
		t.Error("a remote PEER_DISCONNECT changed this node's peer link")
	}
	if v, _ := tb.Volume("rv"); v.OnlineBrickCount != 2 || v.Health != HealthDegraded {
		t.Errorf("volume %+v, want 2 bricks online", v)
	}
	tb.mu.Lock()
	followAt := tb.followAt
	tb.mu.Unlock()
	if !followAt.IsZero() {
		t.Errorf("remote events made the table plan a reconciliation at %v", followAt)
	}
	if s := tb.Snapshot(); s.Seq != 0 || j.LastSeq() != 0 {
		t.Errorf("table seq %d, journal last %d: remote events must not be journaled", s.Seq, j.LastSeq())
	}
	tb.Stop()
	if err := tb.ApplyRemote(ctx, origin, nil); err != ErrNotRunning {
		t.Errorf("ApplyRemote on a stopped table = %v, want ErrNotRunning", err)
	}
}
