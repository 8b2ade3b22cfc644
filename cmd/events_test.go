package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
)

// fakeLog is an event log of several origins behind a fake GET
// /v1/events: cursors node.epoch.seq, a first seq kept per origin (410
// below it), a type filter, limit, and next advanced past what was read.
type fakeLog struct {
	origins []string
	first   map[string]uint64
	events  map[string][]api.Event // by origin, ascending seq from 1
	gets    int
}

func newFakeLog(t0 time.Time) *fakeLog {
	l := &fakeLog{origins: []string{"aaaaaaaa", "bbbbbbbb"}, first: map[string]uint64{"aaaaaaaa": 20, "bbbbbbbb": 1},
		events: map[string][]api.Event{}}
	for i := 1; i <= 50; i++ { // node a: one every 2 s, a brick event every 10th
		name := "VOLUME_START"
		if i%10 == 0 {
			name = "BRICK_DISCONNECTED"
		}
		l.events["aaaaaaaa"] = append(l.events["aaaaaaaa"], api.Event{Node: "aaaaaaaa", Epoch: "11111111", Seq: uint64(i),
			Event: name, Received: t0.Add(time.Duration(i) * 2 * time.Second)})
	}
	for j := 1; j <= 5; j++ { // node b: one every 15 s
		l.events["bbbbbbbb"] = append(l.events["bbbbbbbb"], api.Event{Node: "bbbbbbbb", Epoch: "22222222", Seq: uint64(j),
			Event: "PEER_CONNECT", Received: t0.Add(time.Duration(j) * 15 * time.Second)})
	}
	return l
}

func (l *fakeLog) epoch(o string) string { return l.events[o][0].Epoch }

func (l *fakeLog) cursor(pos map[string]uint64) string {
	var parts []string
	for _, o := range l.origins {
		parts = append(parts, fmt.Sprintf("%s.%s.%d", o, l.epoch(o), pos[o]))
	}
	return strings.Join(parts, ",")
}

func (l *fakeLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.gets++
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/json")
	pos := map[string]uint64{}
	switch since := q.Get("since"); since {
	case "":
		for _, o := range l.origins {
			pos[o] = uint64(len(l.events[o]))
		}
	case "0":
		for _, o := range l.origins {
			pos[o] = l.first[o] - 1
		}
	default:
		ps, ok := positionsOf(since)
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":"bad cursor %q"}`, since)
			return
		}
		for _, p := range ps {
			pos[p.node] = p.seq
		}
		for _, o := range l.origins {
			if p, ok := pos[o]; ok && p+1 < l.first[o] {
				oldest := map[string]uint64{}
				for _, o := range l.origins {
					oldest[o] = l.first[o] - 1
				}
				w.WriteHeader(http.StatusGone)
				json.NewEncoder(w).Encode(api.Gone{Error: "fell out of retention", Oldest: l.cursor(oldest)})
				return
			}
		}
	}
	limit := 1000
	fmt.Sscan(q.Get("limit"), &limit)
	out := api.Events{Events: []api.Event{}}
	for _, o := range l.origins {
		for _, ev := range l.events[o][pos[o]:] {
			if len(out.Events) == limit {
				break
			}
			pos[o] = ev.Seq
			if types := q["type"]; len(types) > 0 && !slices.Contains(types, ev.Event) {
				continue
			}
			ev.Cursor = l.cursor(pos)
			out.Events = append(out.Events, ev)
		}
	}
	out.Next = l.cursor(pos)
	json.NewEncoder(w).Encode(out)
}

func serveFake(t *testing.T, h http.Handler) *api.Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return api.NewClient(path)
}

// tail returns the last n events by time received of every origin,
// reading back only as far as it must, through a trimmed origin's 410.
func TestEventsTail(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	l := newFakeLog(t0)
	var all []api.Event
	for _, o := range l.origins {
		all = append(all, l.events[o][l.first[o]-1:]...)
	}
	slices.SortStableFunc(all, func(a, b api.Event) int { return a.Received.Compare(b.Received) })
	last := func(n int, match func(api.Event) bool) []string {
		var got []string
		for _, ev := range all {
			if match == nil || match(ev) {
				got = append(got, fmt.Sprintf("%s/%d", ev.Node, ev.Seq))
			}
		}
		return got[max(0, len(got)-n):]
	}
	for _, tc := range []struct {
		name  string
		n     int
		types []string
		match func(api.Event) bool
	}{
		{"few", 3, nil, nil},
		{"across both origins", 20, nil, nil},
		{"more than are kept", 500, nil, nil},
		{"filtered", 2, []string{"BRICK_DISCONNECTED"}, func(ev api.Event) bool { return ev.Event == "BRICK_DISCONNECTED" }},
		{"filtered, more than match", 10, []string{"PEER_CONNECT"}, func(ev api.Event) bool { return ev.Event == "PEER_CONNECT" }},
		{"filtered, none match", 10, []string{"VOLUME_STOP"}, func(api.Event) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := serveFake(t, l)
			r := &eventReader{client: client, q: api.EventQuery{Types: tc.types, Limit: 7}}
			var got []string
			next, err := r.tail(context.Background(), tc.n, func(ev *api.Event) error {
				got = append(got, fmt.Sprintf("%s/%d", ev.Node, ev.Seq))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := last(tc.n, tc.match); !slices.Equal(got, want) {
				t.Errorf("tail %d = %v\nwant %v", tc.n, got, want)
			}
			if want := "aaaaaaaa.11111111.50,bbbbbbbb.22222222.5"; next != want {
				t.Errorf("next = %s, want %s", next, want)
			}
		})
	}
}

// all reads every page after since; with a limit it keeps the last ones.
func TestEventsAll(t *testing.T) {
	l := newFakeLog(time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC))
	r := &eventReader{client: serveFake(t, l), q: api.EventQuery{Limit: 4}}
	var got []uint64
	next, err := r.all(context.Background(), "aaaaaaaa.11111111.45,bbbbbbbb.22222222.3", -1, func(ev *api.Event) error {
		got = append(got, ev.Seq)
		return nil
	})
	if err != nil || !slices.Equal(got, []uint64{46, 47, 48, 49, 50, 4, 5}) || next != "aaaaaaaa.11111111.50,bbbbbbbb.22222222.5" {
		t.Errorf("all = %v, next %s, %v", got, next, err)
	}
	got = nil
	if _, err := r.all(context.Background(), "aaaaaaaa.11111111.45,bbbbbbbb.22222222.3", 2, func(ev *api.Event) error {
		got = append(got, ev.Seq)
		return nil
	}); err != nil || !slices.Equal(got, []uint64{4, 5}) {
		t.Errorf("all, last 2 = %v, %v", got, err)
	}
	_, err = r.all(context.Background(), "aaaaaaaa.11111111.3", -1, func(*api.Event) error { return nil })
	e, ok := eventsError(err, "api.sock").(*Error)
	if !ok || e.Code != ExitError || len(e.Hints) != 1 || !strings.Contains(e.Hints[0], "--since aaaaaaaa.11111111.19,bbbbbbbb.22222222.0") {
		t.Errorf("a position out of retention: %v (%+v)", err, e)
	}
}

func TestSinceArg(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"start", "0"},
		{"0", "0"},
		{"4812", "4812"},
		{"9b1c0d2e-4812", "9b1c0d2e-4812"},
		{"3f2a9c1e.9b1c0d2e.4812,7d00aa12.11aa22bb.77", "3f2a9c1e.9b1c0d2e.4812,7d00aa12.11aa22bb.77"},
		{"2026-12-02T01:00:00Z", "2026-12-02T01:00:00Z"},
		{"2026-12-02T01:00:00.5+01:00", "2026-12-02T01:00:00.5+01:00"},
		{"10m", "10m"},
		{"1h30m", "1h30m"},
		{"-10m", "error"},
		{"yesterday", "error"},
		{"2026-12-02", "error"},
	} {
		got, err := sinceArg(tc.in)
		if err != nil {
			got = "error"
			if e, ok := err.(*Error); !ok || e.Code != ExitUsage {
				t.Errorf("sinceArg(%q): %v, want a usage error", tc.in, err)
			}
		}
		if got != tc.want {
			t.Errorf("sinceArg(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPositionsOf(t *testing.T) {
	ps, ok := positionsOf("3f2a9c1e.9b1c0d2e.4812,7d00aa12.11aa22bb.77")
	if !ok || len(ps) != 2 || ps[0] != (position{"3f2a9c1e", "9b1c0d2e", 4812}) || ps[1] != (position{"7d00aa12", "11aa22bb", 77}) {
		t.Errorf("positionsOf = %v, %v", ps, ok)
	}
	for _, bad := range []string{"", "4812", "e-12", "a.b", "a.b.x", "a.b.1,"} {
		if _, ok := positionsOf(bad); ok {
			t.Errorf("positionsOf(%q) succeeded", bad)
		}
	}
}

func TestViewNote(t *testing.T) {
	self := api.Peer{UUID: "aaaaaaaa-1", Hostname: "localhost", Self: true}
	peer := api.Peer{UUID: "bbbbbbbb-2", Hostname: "node2"}
	for _, tc := range []struct {
		name string
		st   api.Status
		want string
	}{
		{"alone", api.Status{State: &api.State{Peers: []api.Peer{self}}}, ""},
		{"no state", api.Status{}, ""},
		{"forwarding off", api.Status{State: &api.State{Peers: []api.Peer{self, peer}},
			Forwarding: &api.ForwardStatus{State: "off", Reason: "no peer key in the cluster config"}},
			"gluster-eventing: note: this node does not receive its peers' events (forwarding off: no peer key in the cluster config): only its own are shown\n"},
		{"an old daemon", api.Status{State: &api.State{Peers: []api.Peer{self, peer}}},
			"gluster-eventing: note: this node does not receive its peers' events (forwarding off): only its own are shown\n"},
		{"a peer not connected", api.Status{State: &api.State{Peers: []api.Peer{self, peer}},
			Forwarding: &api.ForwardStatus{State: "on", Peers: []api.ForwardPeer{{Node: "bbbbbbbb-2", Error: "connection refused"}}}},
			"gluster-eventing: note: node2's events may be missing or late: pulling them is failing (connection refused)\n"},
		{"all connected", api.Status{State: &api.State{Peers: []api.Peer{self, peer}},
			Forwarding: &api.ForwardStatus{State: "on", Peers: []api.ForwardPeer{{Node: "bbbbbbbb-2", Connected: true}}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := serveFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(tc.st)
			}))
			var stderr strings.Builder
			viewNote(&Env{Ctx: context.Background(), Prog: ProgMain, Stderr: &stderr}, client)
			if stderr.String() != tc.want {
				t.Errorf("note %q, want %q", stderr.String(), tc.want)
			}
		})
	}
}
