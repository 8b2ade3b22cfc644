package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

const (
	node1 = "3f2a9c1e-0000-4000-8000-000000000001"
	node2 = "7d00aa12-0000-4000-8000-000000000002"
)

// memSource is a Source of several origins held in memory, with
// retention (trim) and journal replacement (reset).
type memSource struct {
	mu      sync.Mutex
	order   []string
	epoch   map[string]string
	evs     map[string][]eventlog.Event
	first   map[string]uint64
	changed chan struct{}
}

func newMemSource(origins ...string) *memSource {
	m := &memSource{epoch: map[string]string{}, evs: map[string][]eventlog.Event{}, first: map[string]uint64{},
		changed: make(chan struct{})}
	for _, o := range origins {
		m.addOrigin(o)
	}
	return m
}

func (m *memSource) addOrigin(o string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.order = append(m.order, o)
	m.epoch[o] = "e" + o[:7] + "aaaaaaaa"
	m.first[o] = 1
}

func (m *memSource) Origins() []eventlog.Origin {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []eventlog.Origin
	for _, o := range m.order {
		evs := m.evs[o]
		or := eventlog.Origin{Node: o, Epoch: m.epoch[o]}
		if len(evs) > 0 {
			or.First, or.Last = evs[0].Seq, evs[len(evs)-1].Seq
		} else {
			or.First, or.Last = m.first[o], m.first[o]-1
		}
		out = append(out, or)
	}
	return out
}

func (m *memSource) Read(origin string, after uint64, limit int) ([]eventlog.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if after+1 < m.first[origin] {
		return nil, &journal.TrimmedError{Requested: after + 1, Oldest: m.first[origin]}
	}
	var out []eventlog.Event
	for _, ev := range m.evs[origin] {
		if ev.Seq > after && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

func (m *memSource) Changed() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

// add appends n events (VOLUME_START name=vN) to origin.
func (m *memSource) add(origin string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	last := m.first[origin] - 1
	if evs := m.evs[origin]; len(evs) > 0 {
		last = evs[len(evs)-1].Seq
	}
	for i := range n {
		seq := last + uint64(i) + 1
		rec := &evrec.Record{Seq: seq, Received: time.Unix(1700000000+int64(seq), 0).UTC(), Source: "127.0.0.1",
			Event: gfevent.Event{Time: int64(seq), Type: gfevent.VolumeStart,
				Fields: []gfevent.Field{{Key: "name", Value: fmt.Sprintf("v%d", seq)}}}}
		m.evs[origin] = append(m.evs[origin], eventlog.Event{Origin: origin, Epoch: m.epoch[origin], Seq: seq, Rec: rec})
	}
	close(m.changed)
	m.changed = make(chan struct{})
}

// trim drops origin's events before seq.
func (m *memSource) trim(origin string, seq uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evs[origin] = slices.DeleteFunc(m.evs[origin], func(e eventlog.Event) bool { return e.Seq < seq })
	m.first[origin] = seq
}

// startHub runs a hub over src until the test ends.
func startHub(t *testing.T, src eventlog.Source, ring int) *Hub {
	t.Helper()
	h := New(src, Options{Ring: ring, Batch: 7})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// collect reads from sub until it has want events or 20 s pass.
func collect(t *testing.T, sub *Sub, want int) []api.Event {
	t.Helper()
	var got []api.Event
	deadline := time.Now().Add(20 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, err := sub.Next(ctx, 5, func(f *Frame) error {
			var ev api.Event
			if err := json.Unmarshal(f.JSON(), &ev); err != nil {
				return fmt.Errorf("frame JSON %s: %w", f.JSON(), err)
			}
			if ev.Cursor != f.Cursor || ev.Event != f.Name {
				return fmt.Errorf("frame %q/%q carries cursor %q, event %q", f.Cursor, f.Name, ev.Cursor, ev.Event)
			}
			got = append(got, ev)
			return nil
		})
		cancel()
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
	}
	if len(got) != want {
		t.Fatalf("got %d events, want %d", len(got), want)
	}
	return got
}

// seqs returns the seqs of origin's events in evs, in order.
func seqs(evs []api.Event, origin string) []uint64 {
	var out []uint64
	for _, e := range evs {
		if e.Node == origin {
			out = append(out, e.Seq)
		}
	}
	return out
}

func span(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func mustCursor(t *testing.T, s string) eventlog.Cursor {
	t.Helper()
	c, err := eventlog.ParseCursor(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLiveClientsGetEveryEventOnce(t *testing.T) {
	src := newMemSource(node1, node2)
	src.add(node1, 3) // before the hub: not "new"
	h := startHub(t, src, 64)
	var subs []*Sub
	for range 5 {
		sub, err := h.Subscribe(eventlog.Now(src), SubOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		subs = append(subs, sub)
	}
	if got := h.Stats().Clients; got != 5 {
		t.Fatalf("Clients = %d, want 5", got)
	}
	for range 10 {
		src.add(node1, 4)
		src.add(node2, 3)
	}
	for i, sub := range subs {
		got := collect(t, sub, 70)
		if s := seqs(got, node1); !slices.Equal(s, span(4, 43)) {
			t.Fatalf("client %d: node1 seqs %v", i, s)
		}
		if s := seqs(got, node2); !slices.Equal(s, span(1, 30)) {
			t.Fatalf("client %d: node2 seqs %v", i, s)
		}
		last := got[len(got)-1]
		if last.Cursor != sub.Cursor().String() {
			t.Fatalf("last event's cursor %q, Sub at %q", last.Cursor, sub.Cursor())
		}
		if last.Message["name"] == "" || last.Category == "" || last.Epoch == "" {
			t.Fatalf("event lacks fields: %+v", last)
		}
	}
	for _, s := range subs {
		s.Close()
	}
	if st := h.Stats(); st.Clients != 0 || st.Sent != 5*70 {
		t.Fatalf("Stats = %+v, want 0 clients, %d sent", st, 5*70)
	}
}

// A client resumes with the cursor of any event it got: the events after
// it, none twice, also when the resume point is older than the ring.
func TestResumeFromCursor(t *testing.T) {
	src := newMemSource(node1, node2)
	h := startHub(t, src, 16)
	sub, err := h.Subscribe(eventlog.Now(src), SubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for range 20 {
		src.add(node1, 2)
		src.add(node2, 1)
	}
	got := collect(t, sub, 60)
	for _, cut := range []int{0, 10, 45, 59} {
		sub2, err := h.Subscribe(mustCursor(t, got[cut].Cursor), SubOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rest := collect(t, sub2, 59-cut)
		sub2.Close()
		want := got[cut+1:]
		for _, o := range []string{node1, node2} {
			if !slices.Equal(seqs(rest, o), seqs(want, o)) {
				t.Fatalf("resume after event %d: %s seqs %v, want %v", cut, o[:8], seqs(rest, o), seqs(want, o))
			}
		}
	}
}

// A client that does not read while the ring wraps many times still gets
// every event, from the Source, and is counted as lagged.
func TestSlowClientFallsBackToSource(t *testing.T) {
	src := newMemSource(node1)
	h := startHub(t, src, 8)
	sub, err := h.Subscribe(eventlog.Now(src), SubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if n, err := sub.Next(ctx, 1, nil); n != 0 || err != nil { // joins the ring
		t.Fatalf("Next = %d, %v", n, err)
	}
	src.add(node1, 2)
	got := collect(t, sub, 2)
	if !sub.live {
		t.Fatal("the client is not reading the ring")
	}
	src.add(node1, 200)
	waitFor(t, "the hub to read 202 events", func() bool {
		h.mu.RLock()
		defer h.mu.RUnlock()
		return h.next == 202
	})
	got = append(got, collect(t, sub, 200)...)
	if s := seqs(got, node1); !slices.Equal(s, span(1, 202)) {
		t.Fatalf("seqs %v", s)
	}
	if h.Stats().Lagged == 0 {
		t.Fatal("Lagged = 0 after the ring wrapped past the client")
	}
	src.add(node1, 3)
	if s := seqs(collect(t, sub, 3), node1); !slices.Equal(s, span(203, 205)) {
		t.Fatalf("after catching up: seqs %v", s)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, 20*time.Second, what, cond)
}

func TestFromStartAndNewOrigins(t *testing.T) {
	src := newMemSource(node1)
	src.add(node1, 5)
	src.trim(node1, 3)
	h := startHub(t, src, 32)
	sub, err := h.Subscribe(eventlog.Start(src), SubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if s := seqs(collect(t, sub, 3), node1); !slices.Equal(s, span(3, 5)) {
		t.Fatalf("from the start: %v", s)
	}
	// A node the cursor does not know yet: all of its events.
	src.addOrigin(node2)
	src.add(node2, 4)
	src.add(node1, 1)
	got := collect(t, sub, 5)
	if !slices.Equal(seqs(got, node2), span(1, 4)) || !slices.Equal(seqs(got, node1), []uint64{6}) {
		t.Fatalf("after a new origin: %+v", got)
	}
}

func TestGone(t *testing.T) {
	src := newMemSource(node1, node2)
	src.add(node1, 10)
	src.add(node2, 10)
	h := startHub(t, src, 32)
	c := eventlog.Now(src)
	c.Set(node1, src.epoch[node1], 4)
	sub, err := h.Subscribe(c, SubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	src.trim(node1, 8) // 5..7 fall out before the client reads them
	_, err = sub.Next(context.Background(), 10, func(*Frame) error { return nil })
	var gone *eventlog.GoneError
	if !errors.As(err, &gone) {
		t.Fatalf("Next after retention = %v, want a GoneError", err)
	}
	if e, s, _ := gone.Oldest.Get(node1); s != 7 || e == "" {
		t.Fatalf("oldest = %s, want node1 at 7", gone.Oldest)
	}
	if _, err := h.Subscribe(c, SubOptions{}); !errors.As(err, &gone) {
		t.Fatalf("Subscribe with a trimmed cursor = %v, want a GoneError", err)
	}
	other := eventlog.Now(src)
	other.Set(node2, "ffffffff", 3)
	if _, err := h.Subscribe(other, SubOptions{}); !errors.As(err, &gone) {
		t.Fatalf("Subscribe with another epoch = %v, want a GoneError", err)
	}
	if st := h.Stats(); st.Gone != 3 {
		t.Fatalf("Gone = %d, want 3", st.Gone)
	}
}

type volumeIs string

func (v volumeIs) Match(ev *gfevent.Event, node string) bool {
	for _, f := range ev.Fields {
		if f.Key == "name" && f.Value == string(v) {
			return true
		}
	}
	return false
}

// Filtered-out events advance the cursor (a resume does not see them
// again) and a wait with nothing matching ends with ctx, not an error.
func TestFilterAndOrigin(t *testing.T) {
	src := newMemSource(node1, node2)
	h := startHub(t, src, 32)
	sub, err := h.Subscribe(eventlog.Now(src), SubOptions{Match: volumeIs("v7")})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	local, err := h.Subscribe(eventlog.Now(src), SubOptions{Origin: node2})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	src.add(node1, 10)
	src.add(node2, 10)
	got := collect(t, sub, 2)
	if got[0].Message["name"] != "v7" || got[1].Message["name"] != "v7" {
		t.Fatalf("filtered: %+v", got)
	}
	if s := seqs(collect(t, local, 10), node2); !slices.Equal(s, span(1, 10)) {
		t.Fatalf("origin node2 only: %v", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if n, err := sub.Next(ctx, 10, func(*Frame) error { return errors.New("no more expected") }); n != 0 || err != nil {
		t.Fatalf("Next with nothing matching = %d, %v", n, err)
	}
	if _, s, _ := sub.Cursor().Get(node2); s != 10 {
		t.Fatalf("cursor at node2 %d after filtered events, want 10", s)
	}
}

// The hub over a real journal (eventlog.Local): a client from the start
// and a live one agree.
func TestLocalJournal(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	src := eventlog.Local(j, node1)
	h := startHub(t, src, 16)
	live, err := h.Subscribe(eventlog.Now(src), SubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	for i := range 50 {
		rec := evrec.Record{Received: time.Now(), Event: gfevent.Event{Time: int64(i), Type: gfevent.VolumeStop,
			Fields: []gfevent.Field{{Key: "name", Value: "gv0"}}}}
		b, _ := rec.Marshal()
		if _, err := j.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	all, err := h.Subscribe(eventlog.Start(src), SubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	a, b := collect(t, live, 50), collect(t, all, 50)
	if !slices.Equal(seqs(a, node1), span(1, 50)) || !slices.Equal(seqs(b, node1), span(1, 50)) {
		t.Fatalf("live %v, from start %v", seqs(a, node1), seqs(b, node1))
	}
	if a[49].Cursor != b[49].Cursor || a[49].Event != "VOLUME_STOP" {
		t.Fatalf("cursors %q and %q", a[49].Cursor, b[49].Cursor)
	}
}

func TestCursorAt(t *testing.T) {
	src := newMemSource(node1, node2)
	src.add(node1, 10) // received 1700000000+seq
	src.add(node2, 3)
	src.trim(node1, 4)
	for _, tc := range []struct {
		at           int64
		want1, want2 uint64
	}{
		{at: 0, want1: 3, want2: 0},
		{at: 1700000005, want1: 4, want2: 3},
		{at: 1700000010, want1: 9, want2: 3},
		{at: 1800000000, want1: 10, want2: 3},
	} {
		c, err := CursorAt(src, time.Unix(tc.at, 0))
		if err != nil {
			t.Fatal(err)
		}
		_, s1, _ := c.Get(node1)
		_, s2, _ := c.Get(node2)
		if s1 != tc.want1 || s2 != tc.want2 {
			t.Errorf("CursorAt(%d) = %s, want node1 at %d, node2 at %d", tc.at, c, tc.want1, tc.want2)
		}
	}
}

func TestMaxClients(t *testing.T) {
	src := newMemSource(node1)
	h := New(src, Options{MaxClients: 2})
	a, err := h.Subscribe(eventlog.Now(src), SubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(eventlog.Now(src), SubOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(eventlog.Now(src), SubOptions{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("third subscription: %v, want ErrBusy", err)
	}
	a.Close()
	a.Close() // twice is once
	c, err := h.Subscribe(eventlog.Now(src), SubOptions{})
	if err != nil {
		t.Fatalf("after a Close: %v", err)
	}
	c.Close()
	if got := h.Stats().Clients; got != 1 {
		t.Fatalf("Clients = %d, want 1", got)
	}
}

// A filter that matches nothing over a long backlog: Next returns when its
// ctx ends, with the cursor moved past what it looked at, instead of
// reading the whole backlog in one call; called again it goes on.
func TestSparseFilterIsBounded(t *testing.T) {
	src := newMemSource(node1)
	src.add(node1, 2000)
	h := startHub(t, src, 16)
	sub, err := h.Subscribe(eventlog.Start(src), SubOptions{Match: volumeIs("v1999")})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	n, err := sub.Next(done, 10, func(*Frame) error { return nil })
	if err != nil || n != 0 {
		t.Fatalf("Next with an expired ctx = %d, %v", n, err)
	}
	_, at, _ := sub.Cursor().Get(node1)
	if at == 0 || at >= 2000 {
		t.Fatalf("cursor at %d after one bounded call, want past 0 and before 2000", at)
	}
	got := collect(t, sub, 1)
	if got[0].Seq != 1999 {
		t.Fatalf("got seq %d, want 1999", got[0].Seq)
	}
}
