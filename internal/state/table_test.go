package state

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/gluster"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// fakeGluster stands in for glusterd in unit tests of the table's logic
// and error paths; the real one is in the daemon's tests.
type fakeGluster struct {
	mu     sync.Mutex
	pool   []gluster.PoolPeer
	vols   []gluster.Volume
	status []gluster.BrickStatus
	err    error
	asked  int
}

const selfUUID = "11111111-1111-1111-1111-111111111111"

// replica3 is a started replica 3 volume "rv" of this node, all online.
func replica3() *fakeGluster {
	g := &fakeGluster{pool: []gluster.PoolPeer{{UUID: selfUUID, Hostname: "localhost", Connected: true}}}
	v := gluster.Volume{Name: "rv", UUID: "vol-uuid", Status: "Started", Type: "Replicate", Transport: "tcp",
		BrickCount: 3, DistCount: 1, ReplicaCount: 3, Options: map[string]string{"nfs.disable": "on"}}
	for i, p := range []string{"/b/1", "/b/2", "/b/3"} {
		v.Bricks = append(v.Bricks, gluster.VolumeBrick{Name: "node1:" + p, HostUUID: selfUUID})
		g.status = append(g.status, gluster.BrickStatus{Volume: "rv", Hostname: "node1", Path: p, PeerID: selfUUID,
			Online: true, Port: 49152 + i, PID: 100 + i})
	}
	g.vols = []gluster.Volume{v}
	return g
}

func (g *fakeGluster) set(f func(g *fakeGluster)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(g)
}

func (g *fakeGluster) Pool(context.Context) ([]gluster.PoolPeer, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.asked++
	return slices.Clone(g.pool), g.err
}

func (g *fakeGluster) VolumeInfo(context.Context) ([]gluster.Volume, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.vols), g.err
}

func (g *fakeGluster) VolumeStatus(context.Context) ([]gluster.BrickStatus, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.status), g.err
}

func openJournal(t *testing.T, dir string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(filepath.Join(dir, "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func startTable(t *testing.T, g Gluster, j Journal) *Table {
	t.Helper()
	tb, err := New(Options{Gluster: g, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	tb.Start(context.Background())
	t.Cleanup(tb.Stop)
	return tb
}

func appendEvent(t *testing.T, j *journal.Journal, typ gfevent.Type, kv ...string) uint64 {
	t.Helper()
	r := evrec.Record{Received: time.Now(), Source: "127.0.0.1", Event: gfevent.Event{Time: time.Now().Unix(), Type: typ}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Event.Fields = append(r.Event.Fields, gfevent.Field{Key: kv[i], Value: kv[i+1]})
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	seq, err := j.Append(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func next(t *testing.T, ch <-chan []Change) []Change {
	t.Helper()
	select {
	case set, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return set
	case <-time.After(10 * time.Second):
		t.Fatal("no change set within 10s")
	}
	return nil
}

func brickID(p string) string { return selfUUID + ":" + p }

func TestBuiltFromGlusterd(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	tb := startTable(t, replica3(), j)
	s := tb.Snapshot()
	if s.Glusterd != GlusterdRunning || s.Status != "" || s.Reconciled.IsZero() {
		t.Errorf("glusterd %q, status %q, reconciled %v", s.Glusterd, s.Status, s.Reconciled)
	}
	if len(s.Peers) != 1 || !s.Peers[0].Self || !s.Peers[0].Connected {
		t.Errorf("peers %+v", s.Peers)
	}
	if len(s.Volumes) != 1 {
		t.Fatalf("volumes %+v", s.Volumes)
	}
	v := s.Volumes[0]
	want := []string{brickID("/b/1"), brickID("/b/2"), brickID("/b/3")}
	if v.Health != HealthOK || v.OnlineBrickCount != 3 || v.BrickCount != 3 || !slices.Equal(v.Bricks, want) || v.Options["nfs.disable"] != "on" {
		t.Errorf("volume %+v", v)
	}
	b := s.Bricks[1]
	if b != (Brick{ID: brickID("/b/2"), Volume: "rv", HostUUID: selfUUID, Hostname: "node1", Path: "/b/2", Local: true, Online: true, Port: 49153, PID: 101}) {
		t.Errorf("brick %+v", b)
	}
}

// A brick that goes down is one change set (the brick and its volume); the
// same event repeated changes nothing.
func TestBrickEventsAndDedup(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	tb := startTable(t, replica3(), j)
	_, ch, cancel := tb.Subscribe(16)
	defer cancel()

	seq := appendEvent(t, j, gfevent.BrickDisconnected, "peer", "node1", "volume", "rv", "brick", "/b/2")
	set := next(t, ch)
	want := []Change{
		{Kind: Changed, Object: ObjectVolume, Key: "rv", Props: []string{"Health", "OnlineBrickCount", "LastChange"}, Seq: seq},
		{Kind: Changed, Object: ObjectBrick, Key: brickID("/b/2"), Props: []string{"Online", "Port", "PID"}, Seq: seq},
	}
	if diff := cmp.Diff(want, set); diff != "" {
		t.Fatalf("change set (-want +got)\n%s", diff)
	}
	if v, _ := tb.Volume("rv"); v.Health != HealthDegraded || v.OnlineBrickCount != 2 {
		t.Errorf("volume after the kill: %+v", v)
	}
	for range 1000 {
		appendEvent(t, j, gfevent.BrickDisconnected, "peer", "node1", "volume", "rv", "brick", "/b/2")
	}
	// The next set must be the one of this event, not of the repeats.
	seq = appendEvent(t, j, gfevent.BrickDisconnected, "peer", "node1", "volume", "rv", "brick", "/b/3")
	set = next(t, ch)
	if len(set) != 2 || set[1].Key != brickID("/b/3") || set[0].Seq != seq {
		t.Fatalf("after 1000 repeats the next set is %+v, want b3's at seq %d", set, seq)
	}
	if v, _ := tb.Volume("rv"); v.Health != HealthDegraded || v.OnlineBrickCount != 1 {
		t.Errorf("volume: %+v", v)
	}
	if got := tb.Snapshot().Seq; got != seq {
		t.Errorf("Seq %d, want %d", got, seq)
	}
}

func TestVolumeEvents(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	g := replica3()
	tb := startTable(t, g, j)
	_, ch, cancel := tb.Subscribe(16)
	defer cancel()

	appendEvent(t, j, gfevent.VolumeStop, "name", "rv", "force", "0")
	set := next(t, ch)
	if len(set) != 4 || set[0].Object != ObjectVolume || !slices.Contains(set[0].Props, "Status") || !slices.Contains(set[0].Props, "Health") {
		t.Fatalf("stop: %+v", set)
	}
	if v, _ := tb.Volume("rv"); v.Status != "Stopped" || v.Health != HealthUnknown || v.OnlineBrickCount != 0 {
		t.Errorf("stopped volume %+v", v)
	}
	// glusterd agrees by now: the follow-up reconciliation changes nothing.
	g.set(func(g *fakeGluster) { g.vols[0].Status, g.status = "Stopped", nil })

	appendEvent(t, j, gfevent.VolumeDelete, "name", "rv")
	set = next(t, ch)
	var kinds []string
	for _, c := range set {
		kinds = append(kinds, c.Kind+" "+c.Object)
	}
	// Bricks go before their volume.
	if diff := cmp.Diff([]string{"removed brick", "removed brick", "removed brick", "removed volume"}, kinds); diff != "" {
		t.Errorf("delete (-want +got)\n%s", diff)
	}
	if s := tb.Snapshot(); len(s.Volumes) != 0 || len(s.Bricks) != 0 {
		t.Errorf("after delete: %+v", s)
	}
	// VOLUME_CREATE says only the name: the table asks glusterd.
	fresh := replica3()
	g.set(func(g *fakeGluster) {
		g.vols, g.status = fresh.vols, nil
		g.vols[0].Status = "Created"
	})
	appendEvent(t, j, gfevent.VolumeCreate, "name", "rv", "bricks", " node1:/b/1 node1:/b/2 node1:/b/3")
	set = next(t, ch)
	if len(set) != 4 || set[0].Kind != Added || set[0].Object != ObjectVolume {
		t.Errorf("create: %+v", set)
	}
	// Nothing of that was synthesized: VOLUME_CREATE said it.
	assertNoSynthesized(t, j)
}

func synthesized(t *testing.T, j *journal.Journal) []*evrec.Record {
	t.Helper()
	recs, err := j.Read(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []*evrec.Record
	for _, jr := range recs {
		r, err := evrec.Unmarshal(jr.Seq, jr.Data)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := r.Event.Get(SynthesizedKey); v == SynthesizedReconcile {
			out = append(out, r)
		}
	}
	return out
}

func assertNoSynthesized(t *testing.T, j *journal.Journal) {
	t.Helper()
	if s := synthesized(t, j); len(s) != 0 {
		t.Errorf("synthesized events: %+v", s)
	}
}

// A brick that died while the daemon was stopped is journaled as a
// synthesized BRICK_DISCONNECTED at the next start.
func TestMissedWhileStopped(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir)
	g := replica3()
	tb, err := New(Options{Gluster: g, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	tb.Start(context.Background())
	tb.Stop()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openJournal(t, dir)
	assertNoSynthesized(t, j) // the first start ever has nothing to compare with
	j.Close()

	g.set(func(g *fakeGluster) { g.status[1].Online, g.status[1].Port, g.status[1].PID = false, 0, 0 })
	j = openJournal(t, dir)
	defer j.Close()
	tb = startTable(t, g, j)
	if b, _ := tb.Brick(brickID("/b/2")); b.Online {
		t.Errorf("b2 online after the restart")
	}
	s := synthesized(t, j)
	if len(s) != 1 {
		t.Fatalf("synthesized %d events, want 1: %+v", len(s), s)
	}
	want := []gfevent.Field{{Key: "peer", Value: "node1"}, {Key: "volume", Value: "rv"}, {Key: "brick", Value: "/b/2"}, {Key: SynthesizedKey, Value: SynthesizedReconcile}}
	if s[0].Event.Type != gfevent.BrickDisconnected || s[0].Source != SynthesizedSource || !cmp.Equal(want, s[0].Event.Fields) {
		t.Errorf("synthesized %v from %q: %+v", s[0].Event.Type, s[0].Source, s[0].Event.Fields)
	}
	// Read back by the table itself, it changes nothing; a Refresh finds
	// nothing new to synthesize.
	if err := tb.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(synthesized(t, j)); n != 1 {
		t.Errorf("%d synthesized events after a refresh, want 1", n)
	}
}

func TestWithoutGlusterd(t *testing.T) {
	for _, tc := range []struct {
		name, glusterd, status string
		err                    error
	}{
		{"not running", GlusterdStopped, "glusterd is not running: ", &gluster.RunError{Args: []string{"pool", "list"},
			Output: "Connection failed. Please check if gluster daemon is operational.", Err: errors.New("exit status 1")}},
		{"no CLI", GlusterdUnknown, "no gluster command: ", &gluster.RunError{Args: []string{"pool", "list"}, Err: exec.ErrNotFound}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := openJournal(t, t.TempDir())
			defer j.Close()
			g := &fakeGluster{err: tc.err}
			tb := startTable(t, g, j)
			s := tb.Snapshot()
			if s.Glusterd != tc.glusterd || !strings.HasPrefix(s.Status, tc.status) || len(s.Volumes)+len(s.Peers)+len(s.Bricks) != 0 {
				t.Errorf("snapshot %+v", s)
			}
			if err := tb.Refresh(context.Background()); !errors.Is(err, tc.err) && !errors.As(err, new(*gluster.RunError)) {
				t.Errorf("Refresh: %v", err)
			}
			// glusterd comes back.
			ok := replica3()
			g.set(func(g *fakeGluster) { g.pool, g.vols, g.status, g.err = ok.pool, ok.vols, ok.status, nil })
			if err := tb.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			s = tb.Snapshot()
			if s.Glusterd != GlusterdRunning || s.Status != "" || len(s.Volumes) != 1 || s.Volumes[0].Health != HealthOK {
				t.Errorf("after glusterd came back: %+v", s)
			}
		})
	}
}

// glusterd stopping makes Health unknown (the table is stale, and says
// so), its return makes it known again.
func TestGlusterdStopsAndReturns(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	g := replica3()
	tb := startTable(t, g, j)
	_, ch, cancel := tb.Subscribe(16)
	defer cancel()
	g.set(func(g *fakeGluster) {
		g.err = &gluster.RunError{Err: errors.New("exit status 1"), Output: "Connection failed."}
	})
	if err := tb.Refresh(context.Background()); err == nil {
		t.Fatal("no error")
	}
	set := next(t, ch)
	if len(set) != 1 || !slices.Equal(set[0].Props, []string{"Health", "LastChange"}) {
		t.Errorf("set %+v", set)
	}
	s := tb.Snapshot()
	if s.Glusterd != GlusterdStopped || !strings.Contains(s.Status, "the table is as of") || s.Volumes[0].Health != HealthUnknown || len(s.Bricks) != 3 {
		t.Errorf("stale snapshot %+v", s)
	}
	g.set(func(g *fakeGluster) { g.err = nil })
	// glusterd's return: it reconnects to its peers and sends PEER_CONNECT.
	appendEvent(t, j, gfevent.PeerConnect, "host", "node2", "uuid", "22222222-2222-2222-2222-222222222222")
	set = next(t, ch)
	if len(set) != 1 || set[0].Key != "rv" || !slices.Contains(set[0].Props, "Health") {
		t.Errorf("set %+v", set)
	}
	if v, _ := tb.Volume("rv"); v.Health != HealthOK {
		t.Errorf("health %q", v.Health)
	}
}

// A subscriber that does not read gets the sets that fit, then nil (resync),
// then the sets that follow.
func TestSubscribeOverflow(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	tb := startTable(t, replica3(), j)
	_, slow, cancel := tb.Subscribe(1)
	defer cancel()
	_, fast, cancelFast := tb.Subscribe(16)
	defer cancelFast()
	for _, b := range []string{"/b/1", "/b/2", "/b/3"} {
		appendEvent(t, j, gfevent.BrickDisconnected, "peer", "node1", "volume", "rv", "brick", b)
		next(t, fast)
	}
	if set := next(t, slow); set == nil || set[1].Key != brickID("/b/1") {
		t.Fatalf("first set %+v", set)
	}
	seq := appendEvent(t, j, gfevent.BrickConnected, "peer", "node1", "volume", "rv", "brick", "/b/1")
	next(t, fast)
	if set := next(t, slow); set != nil {
		t.Fatalf("got %+v, want nil (resync)", set)
	}
	if set := next(t, slow); set == nil || set[0].Seq != seq {
		t.Fatalf("got %+v, want the set of seq %d", set, seq)
	}
}

// The periodic check notices glusterd's return by itself.
func TestPeriodicReconcile(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	g := replica3()
	g.err = &gluster.RunError{Err: errors.New("exit status 1"), Output: "Connection failed."}
	tb, err := New(Options{Gluster: g, Journal: j, Interval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tb.Start(context.Background())
	defer tb.Stop()
	snap, ch, cancel := tb.Subscribe(16)
	defer cancel()
	if snap.Glusterd != GlusterdStopped {
		t.Fatalf("glusterd %q", snap.Glusterd)
	}
	g.set(func(g *fakeGluster) { g.err = nil })
	set := next(t, ch)
	if len(set) != 5 || set[0].Kind != Added || tb.Snapshot().Glusterd != GlusterdRunning {
		t.Errorf("set %+v", set)
	}
	// A brick that dies meanwhile is found by the next period, and
	// journaled.
	g.set(func(g *fakeGluster) { g.status[0].Online = false })
	set = next(t, ch)
	if len(set) != 2 || set[1].Key != brickID("/b/1") {
		t.Errorf("set %+v", set)
	}
	if s := synthesized(t, j); len(s) != 1 || s[0].Event.Type != gfevent.BrickDisconnected {
		t.Errorf("synthesized %+v", s)
	}
}

// glusterd stopping is noticed through its PID within seconds, not at the
// next period.
func TestGlusterdPIDChange(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	g := replica3()
	var pid atomic.Int64
	pid.Store(4242)
	tb, err := New(Options{Gluster: g, Journal: j, Interval: time.Hour, GlusterdPID: func() int { return int(pid.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	tb.Start(context.Background())
	defer tb.Stop()
	_, ch, cancel := tb.Subscribe(16)
	defer cancel()
	g.set(func(g *fakeGluster) {
		g.err = &gluster.RunError{Err: errors.New("exit status 1"), Output: "Connection failed."}
	})
	pid.Store(0)
	set := next(t, ch)
	if len(set) != 1 || !slices.Contains(set[0].Props, "Health") || tb.Snapshot().Glusterd != GlusterdStopped {
		t.Errorf("set %+v, glusterd %q", set, tb.Snapshot().Glusterd)
	}
}

const peerUUID = "22222222-2222-2222-2222-222222222222"

// replica2x2Nodes is a started replica 2 volume with a brick on this node
// and one on node2.
func replica2x2Nodes() *fakeGluster {
	g := &fakeGluster{pool: []gluster.PoolPeer{
		{UUID: selfUUID, Hostname: "localhost", Connected: true},
		{UUID: peerUUID, Hostname: "node2", Connected: true, State: "Peer in Cluster"},
	}}
	g.vols = []gluster.Volume{{Name: "rv", UUID: "vol-uuid", Status: "Started", Type: "Replicate", BrickCount: 2, ReplicaCount: 2,
		Bricks: []gluster.VolumeBrick{{Name: "node1:/b/1", HostUUID: selfUUID}, {Name: "node2:/b/1", HostUUID: peerUUID}}}}
	g.status = []gluster.BrickStatus{
		{Volume: "rv", Hostname: "node1", Path: "/b/1", PeerID: selfUUID, Online: true, Port: 1, PID: 1},
		{Volume: "rv", Hostname: "node2", Path: "/b/1", PeerID: peerUUID, Online: true, Port: 2, PID: 2},
	}
	return g
}

// node2's brick dies: node2's glusterd tells only node2. This node's
// self-heal daemon's AFR event makes the table ask, and the death is
// journaled as a synthesized event.
func TestRemoteBrickByHint(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	g := replica2x2Nodes()
	tb := startTable(t, g, j)
	_, ch, cancel := tb.Subscribe(16)
	defer cancel()
	g.set(func(g *fakeGluster) { g.status = g.status[:1] })
	appendEvent(t, j, gfevent.AfrQuorumFail, "client-pid", "-6", " subvol", "rv-replicate-0")
	set := next(t, ch)
	if len(set) != 2 || set[1].Key != peerUUID+":/b/1" || !slices.Contains(set[1].Props, "Online") {
		t.Fatalf("set %+v", set)
	}
	s := synthesized(t, j)
	if len(s) != 1 || s[0].Event.Type != gfevent.BrickDisconnected {
		t.Fatalf("synthesized %+v", s)
	}
	if v, _ := s[0].Event.Get("peer"); v != "node2" {
		t.Errorf("peer %q", v)
	}
}

// node2's glusterd goes away: its bricks are offline in the table (nobody
// can tell), and only the peer's disconnection is synthesized.
func TestPeerAwayNoBrickEvents(t *testing.T) {
	j := openJournal(t, t.TempDir())
	defer j.Close()
	g := replica2x2Nodes()
	tb := startTable(t, g, j)
	g.set(func(g *fakeGluster) { g.pool[1].Connected, g.status = false, g.status[:1] })
	if err := tb.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := tb.Brick(peerUUID + ":/b/1"); b.Online {
		t.Errorf("node2's brick online")
	}
	s := synthesized(t, j)
	if len(s) != 1 || s[0].Event.Type != gfevent.PeerDisconnect {
		t.Fatalf("synthesized %+v", s)
	}
}
