package daemon_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// TestRealGlusterEndToEnd runs the daemon next to a REAL glusterd (one node
// in its own namespaces, see internal/glustertest) and drives a volume's
// life cycle with the real gluster CLI: every datagram Gluster sends for it
// (from the CLI, glusterd, the bricks and the self-heal daemon) must come
// out of the legacy webhook, byte-compatible with glustereventsd, carrying
// glusterd's node UUID.
//
// It needs root and glusterfs-server; without them it skips, or fails when
// CI=true.
func TestRealGlusterEndToEnd(t *testing.T) {
	glustertest.Require(t)
	t0 := time.Now()
	bin := glustertest.BuildEventing(t, "..")
	tBuild := time.Since(t0)

	n := glustertest.StartNode(t, glustertest.Config{})
	tNode := time.Since(t0) - tBuild
	uuid := n.UUID()
	t.Logf("node %s (%s), glusterd uuid %s, up in %s (build %s)", n.Name, n.Addr, uuid,
		tNode.Round(time.Millisecond), tBuild.Round(time.Millisecond))

	rcv := startRGReceiver(t, n)

	// The daemon, as a node would run it: default listen [::]:55555, node
	// id from glusterd's workdir, one legacy webhook.
	state := filepath.Join(n.Dir, "gluster-eventing")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	nodeCfg := filepath.Join(state, "node.toml")
	clusterCfg := filepath.Join(state, "cluster.toml")
	rgWriteFile(t, nodeCfg, fmt.Sprintf(`version = 1
api_socket = %q
state_dir = %q
pid_file = %q
glusterd_workdir = "/var/lib/glusterd"
cluster_config = %q
log_level = "debug"
bus = "none"
`, filepath.Join(state, "api.sock"), filepath.Join(state, "state"), filepath.Join(state, "gluster-eventing.pid"), clusterCfg))
	rgWriteFile(t, clusterCfg, fmt.Sprintf(`version = 1

[[webhook]]
url = %q
format = "legacy"
`, rcv.url))
	env := []string{"GLUSTER_EVENTING_CONFIG=" + nodeCfg}
	d := n.Start("gluster-eventing", env, bin, "daemon")
	status := func() (*api.Status, error) {
		out, err := n.Run(env, bin, "status", "--local", "--json")
		if err != nil {
			return nil, fmt.Errorf("%v: %s", err, out)
		}
		var st api.Status
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			return nil, fmt.Errorf("status --json: %v: %s", err, out)
		}
		return &st, nil
	}
	var st *api.Status
	rgWaitFor(t, 15*time.Second, "daemon status", func() error {
		if d.Exited() {
			t.Fatalf("daemon exited: %v", d.Err())
		}
		var err error
		st, err = status()
		return err
	})
	if st.NodeID != uuid {
		t.Errorf("daemon node_id %q, glusterd's UUID is %q", st.NodeID, uuid)
	}
	if len(st.Listen) != 1 || st.Listen[0] != "[::]:55555" {
		t.Errorf("daemon listens on %q, want the default [::]:55555", st.Listen)
	}

	// The scenario, each step waiting (with a deadline) for the events it
	// must cause. Sets are matched: order within a second is not stable.
	brickDir := n.BrickDir("rv")
	b := func(i int) string { return fmt.Sprintf("%s/b%d", brickDir, i) }
	brick := func(ev string, i int) rgWant {
		return rgWant{event: ev, msg: map[string]any{"peer": n.Name, "volume": "rv", "brick": b(i)}}
	}
	afr := func(ev string) rgWant {
		return rgWant{event: ev, subset: true, msg: map[string]any{" subvol": "rv-replicate-0"}}
	}
	const step = 30 * time.Second
	var wants []rgWant

	n.Gluster("volume", "create", "rv", "replica", "3", n.Name+":"+b(1), n.Name+":"+b(2), n.Name+":"+b(3), "force")
	// The datagram's bricks value has a leading and a trailing space;
	// glustereventsd strips the datagram, so only the leading one stays.
	wants = append(wants, rgWant{event: "VOLUME_CREATE", msg: map[string]any{
		"name": "rv", "bricks": fmt.Sprintf(" %s:%s %s:%s %s:%s", n.Name, b(1), n.Name, b(2), n.Name, b(3))}})
	rcv.wait(t, step, "volume create", wants)

	n.Gluster("volume", "start", "rv")
	wants = append(wants,
		rgWant{event: "VOLUME_START", msg: map[string]any{"name": "rv", "force": false}},
		brick("BRICK_CONNECTED", 1), brick("BRICK_CONNECTED", 2), brick("BRICK_CONNECTED", 3),
		// From the bricks, sent to the brick host's address (not loopback)
		// when the self-heal daemon connects to them.
		rgWant{event: "CLIENT_CONNECT", subset: true, msg: map[string]any{"brick_path": b(1)}},
		rgWant{event: "CLIENT_CONNECT", subset: true, msg: map[string]any{"brick_path": b(2)}},
		rgWant{event: "CLIENT_CONNECT", subset: true, msg: map[string]any{"brick_path": b(3)}},
		// From the self-heal daemon, whose AFR events carry the key
		// " subvol" (with Gluster's leading space), kept as it is.
		afr("AFR_SUBVOL_UP"), afr("AFR_QUORUM_MET"),
	)
	rcv.wait(t, step, "volume start", wants)

	n.Gluster("volume", "set", "rv", "performance.readdir-ahead", "off")
	wants = append(wants, rgWant{event: "VOLUME_SET", msg: map[string]any{
		"name": "rv", "options": []any{[]any{"performance.readdir-ahead", "off"}}}})
	rcv.wait(t, step, "volume set", wants)

	// A crash of one brick: SIGKILL (SIGTERM would be a clean sign-out
	// without any event).
	n.KillBrick("rv", b(2))
	wants = append(wants, brick("BRICK_DISCONNECTED", 2))
	rcv.wait(t, step, "brick kill -9", wants)

	n.Gluster("volume", "start", "rv", "force")
	wants = append(wants,
		rgWant{event: "VOLUME_START", msg: map[string]any{"name": "rv", "force": true}},
		brick("BRICK_CONNECTED", 2))
	rcv.wait(t, step, "volume start force", wants)

	n.Gluster("volume", "stop", "rv")
	wants = append(wants, rgWant{event: "VOLUME_STOP", msg: map[string]any{"name": "rv", "force": false}},
		afr("AFR_QUORUM_FAIL"), afr("AFR_SUBVOLS_DOWN"))
	rcv.wait(t, step, "volume stop", wants)

	n.Gluster("volume", "delete", "rv")
	wants = append(wants, rgWant{event: "VOLUME_DELETE", msg: map[string]any{"name": "rv"}})
	rcv.wait(t, step, "volume delete", wants)

	// Every body, whatever its event, is glustereventsd's legacy JSON with
	// glusterd's UUID.
	got := rcv.events()
	for _, e := range got {
		if e.NodeID != uuid || !strings.Contains(e.Raw, `"nodeid": "`+uuid+`"`) {
			t.Errorf("body without glusterd's nodeid %s: %s", uuid, e.Raw)
		}
		if !strings.HasPrefix(e.Raw, `{"event": "`+e.Event+`", "message": {`) {
			t.Errorf("body is not in the legacy layout: %s", e.Raw)
		}
		if e.TS < t0.Unix()-5 || e.TS > time.Now().Unix()+5 {
			t.Errorf("ts %d is not about now: %s", e.TS, e.Raw)
		}
		if bricks, _ := e.Message["bricks"].(string); e.Event == "VOLUME_CREATE" && !strings.HasPrefix(bricks, " ") {
			t.Errorf("VOLUME_CREATE bricks lost its leading space: %s", e.Raw)
		}
	}
	for _, raw := range []string{
		`"options": [["performance.readdir-ahead", "off"]]`,
		`"event": "VOLUME_START", "message": {"force": false, "name": "rv"}`,
		`"event": "VOLUME_START", "message": {"force": true, "name": "rv"}`,
	} {
		if !rcv.hasRaw(raw) {
			t.Errorf("no body contains %s", raw)
		}
	}

	// Every AFR event, the four awaited above and any other, kept the key
	// " subvol".
	var afrEvents []string
	for _, e := range got {
		if !strings.HasPrefix(e.Event, "AFR_") {
			continue
		}
		afrEvents = append(afrEvents, e.Event)
		if v, ok := e.Message[" subvol"]; !ok || v != "rv-replicate-0" {
			t.Errorf(`%s without " subvol": "rv-replicate-0": %s`, e.Event, e.Raw)
		}
	}
	t.Logf(`AFR events with " subvol": %v`, afrEvents)

	// The daemon journaled and delivered every datagram exactly once:
	// received = journaled = delivered = bodies the receiver got; nothing
	// rejected, nothing pending. The journal may also hold events the
	// state table synthesized (a brick its reconciliation found offline
	// before glusterd's event said so): those are delivered too, marked.
	rgWaitFor(t, 15*time.Second, "webhook queue drained", func() error {
		var err error
		if st, err = status(); err != nil {
			return err
		}
		if len(st.Webhooks) != 1 {
			return fmt.Errorf("%d webhooks in status", len(st.Webhooks))
		}
		h := st.Webhooks[0]
		if h.QueueDepth != 0 || h.Delivered != st.Journal.LastSeq || int(h.Delivered) != len(rcv.events()) {
			return fmt.Errorf("queue %d, delivered %d, journal last seq %d, received %d",
				h.QueueDepth, h.Delivered, st.Journal.LastSeq, len(rcv.events()))
		}
		return nil
	})
	synthesized := 0
	for _, e := range rcv.events() {
		if e.Message["synthesized"] == "reconcile" {
			synthesized++
		}
	}
	if want := int(st.Journal.LastSeq - st.Intake.Journaled); synthesized != want {
		t.Errorf("%d synthesized bodies received, but the journal holds %d records beyond the %d datagrams journaled",
			synthesized, want, st.Intake.Journaled)
	}
	in := st.Intake
	t.Logf("intake: received %d, accepted %d, journaled %d, journal_errors %d, denied %d, repaired %d, rejected %v; webhook %+v",
		in.Received, in.Accepted, in.Journaled, in.JournalErrors, in.Denied, in.Repaired, in.Rejected, st.Webhooks[0])
	if in.JournalErrors != 0 || st.Journal.CommitErrors != 0 {
		t.Errorf("journal errors: intake %d, commits %d", in.JournalErrors, st.Journal.CommitErrors)
	}
	for reason, c := range in.Rejected {
		if c != 0 {
			t.Errorf("%d real Gluster datagrams rejected as %s", c, reason)
		}
	}
	if in.Denied != 0 || in.Truncated != 0 {
		t.Errorf("denied %d, truncated %d", in.Denied, in.Truncated)
	}
	if in.Received != in.Journaled {
		t.Errorf("received %d datagrams, journaled %d", in.Received, in.Journaled)
	}
	if h := st.Webhooks[0]; h.Failed != 0 || h.DeadLettered != 0 || h.State != "ok" {
		t.Errorf("webhook: state %s, failed %d, dead-lettered %d, last error %q", h.State, h.Failed, h.DeadLettered, h.LastError)
	}
	rcv.mu.Lock()
	for _, bad := range rcv.bad {
		t.Errorf("bad webhook request: %s", bad)
	}
	rcv.mu.Unlock()

	// A clean stop.
	if err := d.Stop(15 * time.Second); err != nil {
		t.Errorf("daemon stop: %v", err)
	}
	t.Logf("%d webhook bodies; %s in all", len(got), time.Since(t0).Round(time.Millisecond))
}

// rgWant is an expected webhook body: the event name and its message, all of
// it or (subset) only the keys given.
type rgWant struct {
	event  string
	msg    map[string]any
	subset bool
}

func (w rgWant) String() string {
	b, _ := json.Marshal(w.msg)
	s := w.event + " " + string(b)
	if w.subset {
		s += " (subset)"
	}
	return s
}

func (w rgWant) matches(e rgEvent) bool {
	if e.Event != w.event {
		return false
	}
	if !w.subset {
		return reflect.DeepEqual(e.Message, w.msg)
	}
	for k, v := range w.msg {
		if !reflect.DeepEqual(e.Message[k], v) {
			return false
		}
	}
	return true
}

// missing matches wants to distinct events (a multiset match) and returns
// the wants left over.
func rgMissing(got []rgEvent, wants []rgWant) []rgWant {
	used := make([]bool, len(got))
	var out []rgWant
	for _, w := range wants {
		found := false
		for i, e := range got {
			if !used[i] && w.matches(e) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
}

// rgEvent is one legacy webhook body.
type rgEvent struct {
	Raw     string         `json:"-"`
	Event   string         `json:"event"`
	Message map[string]any `json:"message"`
	NodeID  string         `json:"nodeid"`
	TS      int64          `json:"ts"`
}

// rgReceiver is the webhook endpoint, an HTTP server in the test process
// listening inside the node's network namespace.
type rgReceiver struct {
	url     string
	mu      sync.Mutex
	got     []rgEvent
	bad     []string
	changed chan struct{}
}

func startRGReceiver(t *testing.T, n *glustertest.Node) *rgReceiver {
	ln, err := n.Listen("tcp", n.Addr+":0")
	if err != nil {
		t.Fatalf("webhook rgReceiver: %v", err)
	}
	r := &rgReceiver{url: "http://" + ln.Addr().String() + "/hook", changed: make(chan struct{})}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e := rgEvent{Raw: string(body)}
		err = json.Unmarshal(body, &e)
		r.mu.Lock()
		if err != nil || req.Method != http.MethodPost || req.URL.Path != "/hook" ||
			req.Header.Get("Content-Type") != "application/json" {
			r.bad = append(r.bad, fmt.Sprintf("%s %s (%s): %v: %q", req.Method, req.URL.Path, req.Header.Get("Content-Type"), err, body))
		}
		r.got = append(r.got, e)
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		if t.Failed() {
			var b strings.Builder
			for _, e := range r.events() {
				b.WriteString(e.Raw + "\n")
			}
			t.Logf("==== webhook bodies received ====\n%s", b.String())
		}
	})
	return r
}

func (r *rgReceiver) events() []rgEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rgEvent(nil), r.got...)
}

func (r *rgReceiver) hasRaw(sub string) bool {
	for _, e := range r.events() {
		if strings.Contains(e.Raw, sub) {
			return true
		}
	}
	return false
}

// wait waits until every want has arrived (as a set) or fails the test.
func (r *rgReceiver) wait(t *testing.T, timeout time.Duration, stepName string, wants []rgWant) {
	t.Helper()
	start := time.Now()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		left := rgMissing(r.got, wants)
		changed := r.changed
		r.mu.Unlock()
		if len(left) == 0 {
			t.Logf("%s: events in %s", stepName, time.Since(start).Round(time.Millisecond))
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			var b strings.Builder
			for _, e := range r.events() {
				m, _ := json.Marshal(e.Message)
				fmt.Fprintf(&b, "  %s %s\n", e.Event, m)
			}
			t.Fatalf("%s: after %s still missing %q\nreceived:\n%s", stepName, timeout, left, b.String())
		}
	}
}

// waitFor polls f every 100 ms until it returns nil or the timeout passes.
func rgWaitFor(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func rgWriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
