package evrec

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/gfevent"
)

func TestRoundTrip(t *testing.T) {
	for _, r := range []Record{
		{Received: time.Unix(1700000000, 123456789).UTC(), Source: "::1",
			Event: gfevent.Event{Time: 1700000000, Type: gfevent.VolumeSet, Flags: gfevent.FlagSpaceInKey,
				Fields: []gfevent.Field{{Key: "name", Value: "gv0"}, {Key: " subvol", Value: ""}, {Key: "é", Value: "\x00;="}}}},
		{Received: time.Unix(0, 0).UTC(), Event: gfevent.Event{Time: -5, Type: gfevent.BitrotEnable, Flags: gfevent.FlagNullBody}},
	} {
		b, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Unmarshal(42, b)
		if err != nil {
			t.Fatal(err)
		}
		r.Seq = 42
		if diff := cmp.Diff(&r, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if typ, ok := PeekType(b); !ok || typ != r.Event.Type {
			t.Errorf("PeekType = %v, %v; want %v, true", typ, ok, r.Event.Type)
		}
		// Every truncation is an error, never a panic or a wrong record.
		for i := range b {
			if typ, ok := PeekType(b[:i]); ok && typ != r.Event.Type {
				t.Errorf("PeekType of %d of %d bytes = %v, want %v or not ok", i, len(b), typ, r.Event.Type)
			}
			if _, err := Unmarshal(1, b[:i]); err == nil {
				t.Errorf("truncated to %d of %d bytes: no error", i, len(b))
			}
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	r := Record{Received: time.Unix(1, 2), Source: "127.0.0.1", Event: gfevent.Event{Type: 3, Fields: []gfevent.Field{{Key: "a", Value: "b"}}}}
	b, _ := r.Marshal()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Unmarshal(1, b)
		if err != nil {
			return
		}
		if typ, ok := PeekType(b); !ok || typ != r.Event.Type {
			t.Fatalf("PeekType = %v, %v; Unmarshal says %v", typ, ok, r.Event.Type)
		}
		again, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Unmarshal(1, again); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
	})
}

func TestID(t *testing.T) {
	if got := ID("ea301ba8-4257-4b63-8881-8e868866d038", "9fcf9f2716e070a1", 7); got != "evt_ea301ba8_9fcf9f2716e070a1_7" {
		t.Errorf("ID = %q", got)
	}
}
