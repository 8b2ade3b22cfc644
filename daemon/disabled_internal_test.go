package daemon

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

func testJournal(t *testing.T) *journal.Journal {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func testDisabled(t *testing.T, patterns ...string) *disabledEvents {
	t.Helper()
	c := config.DefaultCluster()
	c.Disabled = patterns
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	var d disabledEvents
	d.apply(c, slog.New(slog.NewTextHandler(t.Output(), nil)))
	return &d
}

// journaledTypes are the event types of every record in j.
func journaledTypes(t *testing.T, j *journal.Journal) []string {
	t.Helper()
	recs, err := j.Read(1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		rec, err := evrec.Unmarshal(r.Seq, r.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Event.Type.String())
	}
	return out
}

// TestIntakeDropsDisabled: the intake journals what is not disabled, in
// order, drops and counts what is, and a disabled PEER_CONNECT still
// tells the config sync that a peer came.
func TestIntakeDropsDisabled(t *testing.T) {
	j := testJournal(t)
	dis := testDisabled(t, "Volume.*", "!VOLUME_STOP", "PEER_CONNECT")
	peers := 0
	var c intakeCounters
	in := &intake{journal: j, log: slog.New(slog.NewTextHandler(t.Output(), nil)), c: &c, now: time.Now,
		disabled: dis, peerChange: func() { peers++ }}
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
	for _, dg := range []string{
		"1 3 name=gv0;force=0",            // VOLUME_START: dropped
		"1 77 peer=n;volume=gv0;brick=b0", // BRICK_CONNECTED
		"1 4 name=gv0;force=0",            // VOLUME_STOP: the exception
		"1 70 host=n2;uuid=u2",            // PEER_CONNECT: dropped, still a peer change
		"1 2 name=gv1;bricks= n:/b",       // VOLUME_CREATE: dropped
		"1 3 name=gv1;force=1",            // VOLUME_START: dropped
		"x 3 name=gv0",                    // rejected before the check
		"1 71 peer=n2;uuid=u2;state=x",    // PEER_DISCONNECT
	} {
		in.handle([]byte(dg), from, time.Now())
	}
	if err := j.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.Journaled.Load() < 3 && time.Now().Before(deadline) {
		if err := j.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"BRICK_CONNECTED", "VOLUME_STOP", "PEER_DISCONNECT"}, journaledTypes(t, j)); diff != "" {
		t.Errorf("journaled (-want +got):\n%s", diff)
	}
	if got, want := c.Received.Load(), uint64(8); got != want {
		t.Errorf("received %d, want %d", got, want)
	}
	if got, want := c.Accepted.Load(), uint64(3); got != want {
		t.Errorf("accepted %d, want %d (disabled events are not accepted)", got, want)
	}
	snap := dis.snapshot()
	for name, want := range map[string]uint64{"VOLUME_START": 2, "VOLUME_CREATE": 1, "PEER_CONNECT": 1, "VOLUME_DELETE": 0} {
		if n, ok := snap[name]; !ok || n != want {
			t.Errorf("disabled[%s] = %d (listed %v), want %d", name, n, ok, want)
		}
	}
	for _, name := range []string{"VOLUME_STOP", "BRICK_CONNECTED", "PEER_DISCONNECT"} {
		if _, ok := snap[name]; ok {
			t.Errorf("disabled lists %s, which is not disabled", name)
		}
	}
	if peers != 1 {
		t.Errorf("peer changes %d, want 1 (the disabled PEER_CONNECT)", peers)
	}

	// Enabled again: counts stay, names no longer disabled with no count go.
	dis.apply(config.DefaultCluster(), slog.New(slog.NewTextHandler(t.Output(), nil)))
	in.handle([]byte("1 3 name=gv2;force=0"), from, time.Now())
	snap = dis.snapshot()
	if diff := cmp.Diff(map[string]uint64{"VOLUME_START": 2, "VOLUME_CREATE": 1, "PEER_CONNECT": 1}, snap); diff != "" {
		t.Errorf("after enabling (-want +got):\n%s", diff)
	}
	deadline = time.Now().Add(10 * time.Second)
	for c.Journaled.Load() < 4 && time.Now().Before(deadline) {
		if err := j.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := journaledTypes(t, j); len(got) != 4 || got[3] != "VOLUME_START" {
		t.Errorf("after enabling, journaled %v, want VOLUME_START last", got)
	}
}

// TestDisabledJournal: the events the state table synthesizes are dropped
// like the intake's when disabled.
func TestDisabledJournal(t *testing.T) {
	j := testJournal(t)
	dis := testDisabled(t, "BRICK_DISCONNECTED")
	sj := &disabledJournal{Journal: j, disabled: dis}
	rec := func(ty gfevent.Type) []byte {
		b, err := (&evrec.Record{Received: time.Now(), Event: gfevent.Event{Time: 1, Type: ty}}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ctx := context.Background()
	if first, err := sj.Append(ctx, rec(gfevent.BrickDisconnected), rec(gfevent.BrickConnected), rec(gfevent.BrickDisconnected)); err != nil || first != 1 {
		t.Fatalf("Append = %d, %v; want 1, nil", first, err)
	}
	if first, err := sj.Append(ctx, rec(gfevent.BrickDisconnected)); err != nil || first != 0 {
		t.Fatalf("Append of only disabled = %d, %v; want 0, nil", first, err)
	}
	if diff := cmp.Diff([]string{"BRICK_CONNECTED"}, journaledTypes(t, j)); diff != "" {
		t.Errorf("journaled (-want +got):\n%s", diff)
	}
	if n := dis.snapshot()["BRICK_DISCONNECTED"]; n != 3 {
		t.Errorf("disabled BRICK_DISCONNECTED %d, want 3", n)
	}
	// Nothing disabled: everything through.
	dis.set.Store(nil)
	if _, err := sj.Append(ctx, rec(gfevent.BrickDisconnected)); err != nil {
		t.Fatal(err)
	}
	if got := journaledTypes(t, j); len(got) != 2 {
		t.Errorf("journaled %v, want 2 records", got)
	}
}

// BenchmarkDisabledCheck is the intake's cost of the disabled check, with
// nothing disabled (the common case: one atomic load) and with a set.
func BenchmarkDisabledCheck(b *testing.B) {
	ev := &gfevent.Event{Type: gfevent.BrickConnected}
	for _, bc := range []struct {
		name     string
		patterns []string
	}{{"none", nil}, {"Volume.*", []string{"Volume.*"}}} {
		b.Run(bc.name, func(b *testing.B) {
			c := config.DefaultCluster()
			c.Disabled = bc.patterns
			var d disabledEvents
			d.apply(c, slog.New(slog.DiscardHandler))
			in := &intake{disabled: &d}
			b.ReportAllocs()
			for b.Loop() {
				if in.dropDisabled(ev) {
					b.Fatal("dropped")
				}
			}
		})
	}
}
