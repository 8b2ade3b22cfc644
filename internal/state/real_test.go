package state_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/gluster"
	"github.com/gluster/gluster-eventing/internal/glustertest"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/internal/state"
)

// TestRealGlusterChangeSets runs the table on a REAL glusterd's answers
// and events (received on the node's port 55555 and journaled, as the
// daemon's intake does): killing a brick gives exactly one change set (the
// brick and its volume) within two seconds, and 10,000 repeats of that
// BRICK_DISCONNECTED give none.
func TestRealGlusterChangeSets(t *testing.T) {
	glustertest.Require(t)
	n := glustertest.StartNode(t, glustertest.Config{})
	dir := n.BrickDir("rv")
	b := func(i int) string { return fmt.Sprintf("%s/b%d", dir, i) }
	n.Gluster("volume", "create", "rv", "replica", "3", n.Name+":"+b(1), n.Name+":"+b(2), n.Name+":"+b(3), "force")
	n.Gluster("volume", "start", "rv")

	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	intake(t, n, j)
	tb, err := state.New(state.Options{Gluster: &gluster.CLI{Path: n.WrapCommand("gluster")}, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	tb.Start(context.Background())
	defer tb.Stop()
	snap, ch, cancel := tb.Subscribe(64)
	defer cancel()
	if snap.Glusterd != state.GlusterdRunning || len(snap.Volumes) != 1 || snap.Volumes[0].Health != state.HealthOK {
		t.Fatalf("table at start: %+v", snap)
	}
	id := func(i int) string { return n.UUID() + ":" + b(i) }

	start := time.Now()
	n.KillBrick("rv", b(2))
	set := nextSet(t, ch, 2*time.Second)
	t.Logf("change set %s after the kill: %+v", time.Since(start).Round(time.Millisecond), set)
	want := []string{"volume rv Health,OnlineBrickCount,LastChange", "brick " + id(2) + " Online,Port,PID"}
	if got := describe(set); !slices.Equal(got, want) {
		t.Fatalf("change set %q, want %q", got, want)
	}

	// The storm: 10,000 more of the same event (journaled directly: this
	// is about the table, the intake has its own tests), then one for b3.
	batch := make([][]byte, 0, 1000)
	for range 10 {
		batch = batch[:0]
		for range 1000 {
			batch = append(batch, record(t, gfevent.BrickDisconnected, "peer", n.Name, "volume", "rv", "brick", b(2)))
		}
		if _, err := j.Append(context.Background(), batch...); err != nil {
			t.Fatal(err)
		}
	}
	marker, err := j.Append(context.Background(), record(t, gfevent.BrickDisconnected, "peer", n.Name, "volume", "rv", "brick", b(3)))
	if err != nil {
		t.Fatal(err)
	}
	set = nextSet(t, ch, 10*time.Second)
	if got := describe(set); len(set) != 2 || set[0].Seq != marker || got[1] != "brick "+id(3)+" Online,Port,PID" {
		t.Fatalf("after the storm the next change set is %q (seq %d), want b3's of seq %d", got, set[0].Seq, marker)
	}

	// b3 is really up: reconciliation says so, and journals nothing (an
	// event named b3 since the last one).
	if err := tb.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if br, _ := tb.Brick(id(3)); !br.Online || br.Port == 0 {
		t.Errorf("b3 after Refresh: %+v", br)
	}
	recs, err := j.Read(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, jr := range recs {
		r, err := evrec.Unmarshal(jr.Seq, jr.Data)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := r.Event.Get(state.SynthesizedKey); v != "" {
			t.Errorf("synthesized %v %+v: every change was announced", r.Event.Type, r.Event.Fields)
		}
	}
}

// intake journals the datagrams that arrive on the node's port 55555.
func intake(t *testing.T, n *glustertest.Node, j *journal.Journal) {
	pc, err := n.ListenPacket("udp", ":55555")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, gfevent.MaxDatagram)
		for {
			m, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			ev, err := gfevent.Parse(buf[:m])
			if err != nil {
				continue
			}
			r := evrec.Record{Received: time.Now(), Event: *ev}
			if ua, ok := from.(*net.UDPAddr); ok {
				r.Source = ua.IP.String()
			}
			data, _ := r.Marshal()
			if err := j.AppendAsync(data, func(uint64, error) {}); errors.Is(err, journal.ErrClosed) {
				return
			}
		}
	}()
}

func record(t *testing.T, typ gfevent.Type, kv ...string) []byte {
	t.Helper()
	r := evrec.Record{Received: time.Now(), Source: "127.0.0.1", Event: gfevent.Event{Time: time.Now().Unix(), Type: typ}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Event.Fields = append(r.Event.Fields, gfevent.Field{Key: kv[i], Value: kv[i+1]})
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func nextSet(t *testing.T, ch <-chan []state.Change, timeout time.Duration) []state.Change {
	t.Helper()
	select {
	case set := <-ch:
		return set
	case <-time.After(timeout):
		t.Fatalf("no change set within %s", timeout)
	}
	return nil
}

func describe(set []state.Change) []string {
	var out []string
	for _, c := range set {
		s := c.Object + " " + c.Key + " "
		for i, p := range c.Props {
			if i > 0 {
				s += ","
			}
			s += p
		}
		out = append(out, s)
	}
	return out
}

// TestRealGlusterTwoNodes runs the table on node1 of a REAL 2-node cluster
// with a replica 2 volume across both: node2's brick dying is seen (at a
// Refresh: node2's glusterd tells only node2) and journaled as a
// synthesized BRICK_DISCONNECTED; node2's glusterd stopping makes its
// peer disconnected and its bricks offline, with a synthesized
// PEER_DISCONNECT and no brick event.
func TestRealGlusterTwoNodes(t *testing.T) {
	glustertest.Require(t)
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: "gst", Nodes: 2, NodeDirs: []string{}})
	n1, n2 := c.Node(1), c.Node(2)
	d1, d2 := n1.BrickDir("rv"), n2.BrickDir("rv")
	n1.Gluster("volume", "create", "rv", "replica", "2", n1.Addr+":"+d1+"/b", n2.Addr+":"+d2+"/b", "force")
	n1.Gluster("volume", "start", "rv")

	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	tb, err := state.New(state.Options{Gluster: &gluster.CLI{Path: n1.WrapCommand("gluster")}, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	tb.Start(context.Background())
	defer tb.Stop()
	s := tb.Snapshot()
	if s.Glusterd != state.GlusterdRunning || len(s.Peers) != 2 || len(s.Bricks) != 2 || len(s.Volumes) != 1 || s.Volumes[0].Health != state.HealthOK {
		t.Fatalf("table at start: %+v", s)
	}
	remote := n2.UUID() + ":" + d2 + "/b"
	if b, _ := tb.Brick(remote); !b.Online || b.Local || b.Hostname != n2.Addr {
		t.Fatalf("node2's brick %+v", b)
	}

	n2.KillBrick("rv", d2+"/b")
	if err := tb.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := tb.Brick(remote); b.Online {
		t.Errorf("node2's killed brick is online: %+v", b)
	}
	if v, _ := tb.Volume("rv"); v.Health != state.HealthDegraded {
		t.Errorf("volume %+v", v)
	}
	if got := synthesizedTypes(t, j); !slices.Equal(got, []string{"BRICK_DISCONNECTED"}) {
		t.Errorf("synthesized %q", got)
	}

	n2.Gluster("volume", "start", "rv", "force")
	if err := tb.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := tb.Brick(remote); !b.Online {
		t.Errorf("node2's restarted brick is offline: %+v", b)
	}
	n2.StopGlusterd()
	if err := tb.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh with node2's glusterd down: %v", err)
	}
	if p, _ := tb.Peer(n2.UUID()); p.Connected {
		t.Errorf("node2 connected: %+v", p)
	}
	if b, _ := tb.Brick(remote); b.Online {
		t.Errorf("node2's brick online while its glusterd is down: %+v", b)
	}
	want := []string{"BRICK_DISCONNECTED", "BRICK_CONNECTED", "PEER_DISCONNECT"}
	if got := synthesizedTypes(t, j); !slices.Equal(got, want) {
		t.Errorf("synthesized %q, want %q", got, want)
	}
}

func synthesizedTypes(t *testing.T, j *journal.Journal) []string {
	t.Helper()
	recs, err := j.Read(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, jr := range recs {
		r, err := evrec.Unmarshal(jr.Seq, jr.Data)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := r.Event.Get(state.SynthesizedKey); v == state.SynthesizedReconcile {
			out = append(out, r.Event.Type.String())
		}
	}
	return out
}
