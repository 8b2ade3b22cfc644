package eventlog

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

func TestParseCursor(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		err     bool
	}{
		{in: "", out: ""},
		{in: "3f2a9c1e.9b1c0d2e.4812", out: "3f2a9c1e.9b1c0d2e.4812"},
		{in: "7d00aa12.11aa22bb.77,3f2a9c1e.9b1c0d2e.4812", out: "3f2a9c1e.9b1c0d2e.4812,7d00aa12.11aa22bb.77"},
		{in: "3f2a9c1e.9b1c0d2e.1,3f2a9c1e.9b1c0d2e.2", out: "3f2a9c1e.9b1c0d2e.2"},
		{in: "42", out: "local..42"},
		{in: "9b1c0d2e55aa66bb-42", out: "local.9b1c0d2e.42"},
		{in: "a.b", err: true},
		{in: "a.b.c", err: true},
		{in: "..1", err: true},
		{in: "-4", err: true},
		{in: "e-x", err: true},
	} {
		c, err := ParseCursor(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseCursor(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && c.String() != tc.out {
			t.Errorf("ParseCursor(%q) = %q, want %q", tc.in, c.String(), tc.out)
		}
	}
}

func TestCursorSetGet(t *testing.T) {
	var c Cursor
	c.Set("3f2a9c1e-0000-4000-8000-000000000001", "9b1c0d2e55aa66bb", 10)
	c.Set("11111111-0000-4000-8000-000000000002", "aaaaaaaabbbbbbbb", 3)
	d := c.Clone()
	d.Set("3f2a9c1e-0000-4000-8000-000000000001", "9b1c0d2e55aa66bb", 11)
	if e, s, ok := c.Get("3f2a9c1e-0000-4000-8000-000000000001"); !ok || s != 10 || e != "9b1c0d2e" {
		t.Fatalf("Get = %q %d %v, want 9b1c0d2e 10 true (Clone must not share)", e, s, ok)
	}
	if got, want := d.String(), "11111111.aaaaaaaa.3,3f2a9c1e.9b1c0d2e.11"; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
	if _, _, ok := c.Get("22222222-0000-4000-8000-000000000002"); ok {
		t.Fatal("Get of an unknown origin = ok")
	}
}

func appendEvents(t *testing.T, j *journal.Journal, n int) {
	t.Helper()
	for i := range n {
		r := evrec.Record{Received: time.Now(), Source: "127.0.0.1",
			Event: gfevent.Event{Time: int64(i), Type: gfevent.VolumeStart, Fields: []gfevent.Field{{Key: "name", Value: "gv0"}}}}
		b, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLocalSource(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	const node = "3f2a9c1e-0000-4000-8000-000000000001"
	src := Local(j, node)
	if got := Now(src).String(); got != "3f2a9c1e."+j.Epoch()[:8]+".0" {
		t.Fatalf("Now of an empty journal = %q", got)
	}
	changed := src.Changed()
	appendEvents(t, j, 5)
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("Changed did not fire after an append")
	}
	c, err := ParseCursor("2")
	if err != nil {
		t.Fatal(err)
	}
	c, err = Check(src, c)
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := c.Get(node)
	evs, err := src.Read(node, after, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].Seq != 3 || evs[2].Seq != 5 || evs[0].Origin != node || evs[0].Epoch != j.Epoch() {
		t.Fatalf("Read after 2 = %+v", evs)
	}
	a := evs[0].API("x")
	if a.Event != "VOLUME_START" || a.Message["name"] != "gv0" || a.Node != node || a.Seq != 3 || a.Cursor != "x" {
		t.Fatalf("API = %+v", a)
	}
	if evs, _ := src.Read("other", 0, 10); len(evs) != 0 {
		t.Fatalf("Read of an unknown origin = %d events", len(evs))
	}

	var other Cursor
	other.Set(node, "ffffffff", 1)
	if _, err := Check(src, other); !IsGone(err) {
		t.Fatalf("Check with another epoch = %v, want gone", err)
	}
}

func TestCheckTrimmed(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{MaxAge: time.Minute, Now: func() time.Time { return clock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	const node = "3f2a9c1e-0000-4000-8000-000000000001"
	src := Local(j, node)
	appendEvents(t, j, 3)
	now = now.Add(time.Hour)
	appendEvents(t, j, 1) // retention runs with this commit
	if err := j.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if j.FirstSeq() != 4 {
		t.Fatalf("FirstSeq = %d after retention, want 4", j.FirstSeq())
	}
	c, _ := ParseCursor("1")
	_, err = Check(src, c)
	var g *GoneError
	if !errors.As(err, &g) {
		t.Fatalf("Check of a trimmed position = %v, want *GoneError", err)
	}
	if _, seq, _ := g.Oldest.Get(node); seq != 3 {
		t.Fatalf("Oldest = %s, want seq 3", g.Oldest)
	}
	c, _ = ParseCursor("3")
	if _, err := Check(src, c); err != nil {
		t.Fatalf("Check at the oldest position = %v", err)
	}
	if _, err := src.Read(node, 1, 10); !IsGone(err) {
		t.Fatalf("Read of a trimmed position = %v, want gone", err)
	}
}
