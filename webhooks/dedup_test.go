package webhooks

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// appendTyped journals the events as they are (a counter field would make
// every one different), one second apart.
func appendTyped(t *testing.T, j *journal.Journal, evs ...gfevent.Event) {
	t.Helper()
	data := make([][]byte, len(evs))
	for i, ev := range evs {
		ev.Time = 1700000000 + int64(i)
		rec := evrec.Record{Received: time.Now(), Source: "127.0.0.1", Event: ev}
		b, err := rec.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		data[i] = b
	}
	if _, err := j.Append(context.Background(), data...); err != nil {
		t.Fatal(err)
	}
}

func brick(typ gfevent.Type, brickPath string) gfevent.Event {
	return gfevent.Event{Type: typ, Fields: []gfevent.Field{{Key: "peer", Value: "10.0.0.2"}, {Key: "volume", Value: "gv0"}, {Key: "brick", Value: brickPath}}}
}

// With dedup, a repeated event that says nothing new about its brick is
// not delivered; a change (connected again, another brick, a different
// volume option) is. Without it, the webhook gets every event.
func TestDedupDropsRepeats(t *testing.T) {
	j := openTestJournal(t)
	events := func(rv *receiver) []string {
		var out []string
		for _, r := range rv.requests() {
			out = append(out, string(r.body))
		}
		return out
	}
	plain := newReceiver(t, false, nil)
	dedup := newReceiver(t, false, nil)
	m := newTestManager(t, j)
	apply(t, m, testHook(plain.url(), func(h *config.Webhook) { h.Format = config.FormatLegacy; h.SigningSecret = "" }),
		testHook(dedup.url(), func(h *config.Webhook) { h.Format = config.FormatLegacy; h.SigningSecret = ""; h.Dedup = true }))
	set := func(v string) gfevent.Event {
		return gfevent.Event{Type: gfevent.VolumeSet, Fields: []gfevent.Field{{Key: "name", Value: "gv0"}, {Key: "options", Value: v}}}
	}
	appendTyped(t, j,
		brick(gfevent.BrickDisconnected, "/b1"), // new
		brick(gfevent.BrickDisconnected, "/b1"), // repeat
		brick(gfevent.BrickDisconnected, "/b1"), // repeat
		brick(gfevent.BrickDisconnected, "/b2"), // another brick
		brick(gfevent.BrickConnected, "/b1"),    // a change
		brick(gfevent.BrickDisconnected, "/b1"), // down again: a change
		set(" a.b=1"), set(" a.b=1"), set(" a.b=2"),
	)
	waitFor(t, 10*time.Second, "every event at the plain webhook", func() bool { return plain.count() == 9 })
	// The dedup webhook's cursor reaches the end: what it did not send, it
	// skipped on purpose.
	waitFor(t, 10*time.Second, "the dedup webhook done", func() bool { return healthOf(t, m, dedup.url()).Cursor == j.LastSeq() })
	got := events(dedup)
	want := []int{0, 3, 4, 5, 6, 8} // indexes into the plain webhook's deliveries
	all := events(plain)
	var wantBodies []string
	for _, i := range want {
		wantBodies = append(wantBodies, all[i])
	}
	if diff := cmp.Diff(wantBodies, got); diff != "" {
		t.Errorf("dedup webhook got (-want +got):\n%s", diff)
	}
	if h := healthOf(t, m, dedup.url()); h.Delivered != uint64(len(want)) || h.Failed != 0 {
		t.Errorf("dedup health %+v", h)
	}
}

func TestSubjectOf(t *testing.T) {
	for _, tt := range []struct {
		ev   gfevent.Event
		want string
	}{
		{brick(gfevent.BrickDisconnected, "/b"), "brick\x00gv0\x0010.0.0.2\x00/b"},
		{gfevent.Event{Type: gfevent.VolumeStart, Fields: []gfevent.Field{{Key: "name", Value: "gv0"}}}, "volume\x00gv0"},
		{gfevent.Event{Type: gfevent.PeerConnect, Fields: []gfevent.Field{{Key: "host", Value: "n2"}}}, "peer\x00n2"},
		{gfevent.Event{Type: gfevent.PeerConnect}, ""},
		{gfevent.Event{Type: gfevent.QuotaCrossedSoftLimit, Fields: []gfevent.Field{{Key: "volume", Value: "gv0"}}}, ""},
	} {
		if got := subjectOf(&tt.ev); got != tt.want {
			t.Errorf("subjectOf(%s %v) = %q, want %q", tt.ev.Type, tt.ev.Fields, got, tt.want)
		}
	}
}
