package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
)

// fakeAPI is a stand-in for the daemon's HTTP API with the dashboard
// mounted at "/", for the browser tests of the page's own logic
// (reconnects, 410, 401, filters) that a real daemon cannot be made to
// show on cue. It follows the contract of the real one: v1/state and
// v1/status as api.State and api.Status, v1/events/stream as server-sent
// events with "id: <cursor>", "event: <NAME>", "data: <api.Event>",
// Last-Event-ID resume and 410 with an api.Gone body. The real-daemon
// tests check the same page against the real API.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	node      string
	epoch     string
	state     api.State
	status    api.Status
	events    []api.Event // seq i+1 at index i
	oldest    uint64      // lowest seq still held
	changed   chan struct{}
	conns     map[*fakeConn]bool
	streams   []streamReq // every stream request, in order
	token     string      // when set, the API wants the cookie a POST v1/login with it sets
	refusing  bool        // streams answer 503 (a daemon that is down)
	statusErr string      // when set, v1/status answers 500 with it
	stateGot  int         // v1/state requests
	statusGot int         // v1/status requests
}

type fakeConn struct{ done chan struct{} }

// streamReq is what one stream request asked for.
type streamReq struct {
	LastEventID string
	Query       string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, node: "3f2a9c1e-0000-4000-8000-000000000001", epoch: "9b1c0d2e77", oldest: 1,
		changed: make(chan struct{}), conns: map[*fakeConn]bool{}}
	f.state = api.State{
		Glusterd: "running",
		Peers: []api.Peer{
			{UUID: f.node, Hostname: "localhost", Hostnames: []string{"node1"}, Connected: true, Self: true},
			{UUID: "7d00aa12-0000-4000-8000-000000000002", Hostname: "10.0.0.2", Hostnames: []string{"10.0.0.2"}, State: "Peer in Cluster", Connected: true},
		},
		Volumes: []api.Volume{{Name: "gv0", Type: "Replicate", Status: "Started", Health: "ok", ReplicaCount: 2, BrickCount: 2, OnlineBrickCount: 2,
			Bricks: []string{f.node + ":/bricks/gv0/b1", "7d00aa12-0000-4000-8000-000000000002:/bricks/gv0/b2"}}},
		Bricks: []api.Brick{
			{ID: f.node + ":/bricks/gv0/b1", Volume: "gv0", HostUUID: f.node, Hostname: "node1", Path: "/bricks/gv0/b1", Online: true, Local: true},
			{ID: "7d00aa12-0000-4000-8000-000000000002:/bricks/gv0/b2", Volume: "gv0", HostUUID: "7d00aa12-0000-4000-8000-000000000002", Hostname: "node2", Path: "/bricks/gv0/b2", Online: true},
		},
	}
	f.status = api.Status{Version: "test", NodeID: f.node,
		Forwarding: &api.ForwardStatus{State: "on", Peers: []api.ForwardPeer{{Node: "7d00aa12-0000-4000-8000-000000000002", Address: "node2:55557", Connected: true}}},
		Webhooks:   []api.Webhook{{ID: "wh1", Name: "alerts", URL: "http://127.0.0.1:9000/listen", Format: "legacy", State: "ok", Delivered: 3}},
		Notifiers: []api.Notifier{{ID: "nt1", Name: "pager", Kind: "exec", Target: "/usr/local/bin/page-oncall", State: "retrying",
			Failed: 2, ConsecutiveFailures: 2, LastStatus: 1, LastError: "no route to the pager", NextAttempt: time.Now().Add(10 * time.Minute)}}}
	mux := http.NewServeMux()
	mux.Handle("/", Handler())
	mux.HandleFunc("GET /v1/state", f.auth(f.serveState))
	mux.HandleFunc("GET /v1/status", f.auth(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		st := f.status
		st.Journal.LastSeq = uint64(len(f.events))
		fail := f.statusErr
		f.statusGot++
		f.mu.Unlock()
		if fail != "" {
			writeTestJSON(w, 500, map[string]string{"error": fail, "hint": "look at the daemon's log"})
			return
		}
		writeTestJSON(w, 200, st)
	}))
	mux.HandleFunc("GET /v1/events/stream", f.auth(f.serveStream))
	mux.HandleFunc("POST /v1/login", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("token") != f.getToken() {
			writeTestJSON(w, 401, map[string]string{"error": "wrong token"})
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "fake-session", Value: "ok", Path: "/", HttpOnly: true})
		writeTestJSON(w, 200, api.Login{OK: true, Auth: "token"})
	})
	mux.HandleFunc("POST /v1/logout", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "fake-session", Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
		writeTestJSON(w, 200, api.Login{OK: true, Auth: "none"})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.dropStreams()
		f.srv.Close()
	})
	return f
}

func (f *fakeAPI) URL() string { return f.srv.URL + "/" }

func (f *fakeAPI) getToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.token
}

func (f *fakeAPI) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if f.getToken() != "" {
			if c, err := r.Cookie("fake-session"); err != nil || c.Value != "ok" {
				writeTestJSON(w, 401, map[string]string{"error": "a token is required"})
				return
			}
		}
		h(w, r)
	}
}

func (f *fakeAPI) cursor(seq uint64) string {
	return fmt.Sprintf("%s.%s.%d", strings.ReplaceAll(f.node, "-", "")[:8], f.epoch[:8], seq)
}

func (f *fakeAPI) serveState(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	s := f.state
	s.Seq = uint64(len(f.events))
	cur := f.cursor(s.Seq)
	f.stateGot++
	f.mu.Unlock()
	w.Header().Set("X-Gluster-Eventing-Cursor", cur)
	writeTestJSON(w, 200, s)
}

// emit appends an event (and applies it to the state with apply, under
// the lock) and wakes the streams.
func (f *fakeAPI) emit(name string, msg map[string]string, apply func(*api.State)) api.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := uint64(len(f.events) + 1)
	cat, _, _ := strings.Cut(strings.ToLower(name), "_")
	ev := api.Event{Cursor: f.cursor(seq), Node: f.node, Epoch: f.epoch, Seq: seq, Event: name, Category: cat, Severity: "info",
		TS: time.Now().Unix(), Received: time.Now(), Source: "127.0.0.1:24007", Message: msg}
	if strings.HasSuffix(name, "DISCONNECTED") {
		ev.Severity = "warning"
	}
	f.events = append(f.events, ev)
	if apply != nil {
		apply(&f.state)
	}
	close(f.changed)
	f.changed = make(chan struct{})
	return ev
}

// trim makes seqs below oldest unavailable: a cursor before them is 410.
func (f *fakeAPI) trim(oldest uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.oldest = oldest
}

// setForwarding changes what v1/status says of the pull from node2.
func (f *fakeAPI) setForwarding(connected bool, errText string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// New values, not writes through the old ones: handlers encode
	// copies of status outside the lock, and a copy shares the pointer.
	fw := *f.status.Forwarding
	fw.Peers = slices.Clone(fw.Peers)
	fw.Peers[0].Connected, fw.Peers[0].Error = connected, errText
	f.status.Forwarding = &fw
}

// failStatus makes v1/status answer 500 with msg ("" stops it).
func (f *fakeAPI) failStatus(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statusErr = msg
}

// refuse makes stream requests fail (503) while on.
func (f *fakeAPI) refuse(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refusing = on
}

// dropStreams ends every open stream (a daemon restart, a network cut).
func (f *fakeAPI) dropStreams() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		close(c.done)
		delete(f.conns, c)
	}
}

func (f *fakeAPI) openStreams() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}

func (f *fakeAPI) streamRequests() []streamReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]streamReq(nil), f.streams...)
}

func (f *fakeAPI) statusRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.statusGot
}

func (f *fakeAPI) stateRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stateGot
}

func (f *fakeAPI) serveStream(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from := r.Header.Get("Last-Event-ID")
	if from == "" {
		from = q.Get("since")
	}
	f.mu.Lock()
	f.streams = append(f.streams, streamReq{LastEventID: r.Header.Get("Last-Event-ID"), Query: r.URL.RawQuery})
	if f.refusing {
		f.mu.Unlock()
		writeTestJSON(w, 503, map[string]string{"error": "down for the test"})
		return
	}
	after := uint64(len(f.events)) // no cursor: from now
	if from != "" {
		i := strings.LastIndexByte(from, '.')
		n, err := strconv.ParseUint(from[i+1:], 10, 64)
		if err != nil {
			f.mu.Unlock()
			writeTestJSON(w, 400, map[string]string{"error": "bad cursor " + from})
			return
		}
		if n+1 < f.oldest {
			oldest := f.cursor(f.oldest - 1)
			f.mu.Unlock()
			writeTestJSON(w, 410, api.Gone{Error: "cursor " + from + " is older than the journal's retention", Oldest: oldest})
			return
		}
		after = n
	}
	if t := q.Get("type"); t != "" && !strings.HasSuffix(t, "*") && !strings.Contains(t, "_") {
		f.mu.Unlock()
		writeTestJSON(w, 400, map[string]string{"error": "unknown event name " + t, "hint": "names look like VOLUME_STOP or Volume.*"})
		return
	}
	c := &fakeConn{done: make(chan struct{})}
	f.conns[c] = true
	f.mu.Unlock()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
	rc := http.NewResponseController(w)
	fmt.Fprint(w, "retry: 300\n\n")
	rc.Flush()
	match := func(ev api.Event) bool {
		if t := q.Get("type"); t != "" {
			if ok, _ := path.Match(t, ev.Event); !ok {
				return false
			}
		}
		if v := q.Get("volume"); v != "" && ev.Message["volume"] != v && ev.Message["name"] != v {
			return false
		}
		return true
	}
	for {
		f.mu.Lock()
		pending := append([]api.Event(nil), f.events[after:]...)
		changed := f.changed
		f.mu.Unlock()
		for _, ev := range pending {
			after = ev.Seq
			if !match(ev) {
				continue
			}
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", ev.Cursor, ev.Event, b)
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-changed:
		case <-c.done:
			return
		case <-r.Context().Done():
			f.mu.Lock()
			delete(f.conns, c)
			f.mu.Unlock()
			return
		}
	}
}

func writeTestJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
