package daemon_test

import (
	"context"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// forwardPrefix names this file's real clusters (unique in the module).
const forwardPrefix = "gfw"

// fwEmit has node n's daemon journal count VOLUME_SET events tagged
// name=tag, options=0..count-1, in that order.
func fwEmit(t *testing.T, n *glustertest.Node, bin, tag string, count int) {
	t.Helper()
	script := fmt.Sprintf(`for i in $(seq 0 %d); do %s emit VOLUME_SET name=%s options=$i || exit 1; done`, count-1, bin, tag)
	if out, err := n.Run(nil, "sh", "-c", script); err != nil {
		t.Fatalf("%s: emit: %v\n%s", n.Name, err, out)
	}
}

// fwEvents reads every event node n's daemon serves after since
// (cluster-wide), following Next until the end, and returns the tagged
// ones (name starting with "fw") by tag, and the cursor after the last.
// It fails on a duplicate or an out-of-order event of one origin.
func fwEvents(t *testing.T, n *glustertest.Node, since string) (map[string][]api.Event, string) {
	t.Helper()
	out := map[string][]api.Event{}
	last := map[string]uint64{}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		page, err := n.API().Events(ctx, api.EventQuery{Since: since, Limit: 1000})
		cancel()
		if err != nil {
			t.Fatalf("%s: GET /v1/events since %q: %v", n.Name, since, err)
		}
		for _, e := range page.Events {
			if e.Seq <= last[e.Node] {
				t.Fatalf("%s: origin %s: seq %d after %d: a duplicate or out of order", n.Name, e.Node, e.Seq, last[e.Node])
			}
			last[e.Node] = e.Seq
			if tag := e.Message["name"]; e.Event == "VOLUME_SET" && strings.HasPrefix(tag, "fw") {
				out[tag] = append(out[tag], e)
			}
		}
		since = page.Next
		if len(page.Events) == 0 {
			return out, since
		}
	}
}

// fwWait waits until every node of nodes serves exactly want[tag] events
// of each tag since since, each from origin[tag], options 0..n-1 in order.
func fwWait(t *testing.T, nodes []*glustertest.Node, since string, want map[string]int, origin map[string]string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		bad := ""
		for _, n := range nodes {
			got, _ := fwEvents(t, n, since)
			for _, tag := range slices.Sorted(maps.Keys(want)) {
				evs := got[tag]
				if len(evs) != want[tag] {
					bad += fmt.Sprintf("%s has %d of %s's %d events; ", n.Name, len(evs), tag, want[tag])
					continue
				}
				for i, e := range evs {
					if e.Message["options"] != fmt.Sprint(i) || e.Node != origin[tag] {
						t.Fatalf("%s: event %d of %s is %+v, want options=%d from %s", n.Name, i, tag, e, i, origin[tag])
					}
				}
			}
			for tag := range got {
				if _, ok := want[tag]; !ok && since != "0" {
					bad += fmt.Sprintf("%s has %d events of %s, which it should not (since %s); ", n.Name, len(got[tag]), tag, since)
				}
			}
		}
		if bad == "" {
			return
		}
		if time.Now().After(deadline) {
			for _, n := range nodes {
				st, _ := n.API().Status(context.Background())
				if st != nil {
					t.Logf("%s forwarding: %+v", n.Name, st.Forwarding)
				}
			}
			t.Fatalf("timed out after %v: %s", timeout, bad)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// fwGluster runs a gluster command on n, again while glusterd says another
// transaction is in progress (the daemons' state tables and config checks
// take glusterd's cluster lock too).
func fwGluster(t *testing.T, n *glustertest.Node, args ...string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; {
		out, err := n.Run(nil, append([]string{"gluster", "--mode=script"}, args...)...)
		if err == nil {
			t.Logf("%s: gluster %s: %s", n.Name, strings.Join(args, " "), strings.TrimSpace(out))
			return
		}
		if !strings.Contains(out, "Another transaction is in progress") || time.Now().After(deadline) {
			t.Fatalf("%s: gluster %s: %v\n%s", n.Name, strings.Join(args, " "), err, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// fwStatus polls node n's forwarding status until cond holds.
func fwStatus(t *testing.T, n *glustertest.Node, timeout time.Duration, what string, cond func(*api.ForwardStatus) bool) *api.ForwardStatus {
	t.Helper()
	st := waitStatus(t, n, timeout, what, func(st *api.Status) bool {
		return st.Forwarding != nil && cond(st.Forwarding)
	})
	return st.Forwarding
}

func allConnected(peers int) func(*api.ForwardStatus) bool {
	return func(f *api.ForwardStatus) bool {
		if f.State != "on" || len(f.Peers) != peers {
			return false
		}
		for _, p := range f.Peers {
			if !p.Connected {
				return false
			}
		}
		return true
	}
}

// The cluster-wide view on three real Gluster nodes: without a key a
// daemon does not forward and says why; the first cluster change (sync)
// makes the key and every node then serves every node's events, each
// once, in order per origin; a cursor taken on node 1 resumes on node 2,
// and so does an SSE stream with its Last-Event-ID;
// node 3 cut off the network while node 1 and 2 go on, and node 1's
// daemon stopped meanwhile, catches up with both when it returns (node
// 1's events from node 2); a request with another key is refused (401)
// and counted; a brick killed on node 2 shows offline in node 1's state
// table from node 2's forwarded event.
func TestForwardOnRealCluster(t *testing.T) {
	glustertest.Require(t, "curl")
	bin := glustertest.BuildEventing(t, "..")
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: forwardPrefix, Nodes: 3, PeerProgram: bin, EventsDir: true})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	for _, n := range c.Nodes {
		n.StartDaemon()
	}
	st := fwStatus(t, n1, 10*time.Second, "forwarding off", func(f *api.ForwardStatus) bool { return f.State == "off" })
	if !strings.Contains(st.Reason, "no peer key") {
		t.Errorf("forwarding off without a key, reason %q", st.Reason)
	}

	// The first cluster change makes the key; every daemon reloads.
	out := n1.MustRun(nil, bin, "sync")
	t.Logf("sync:\n%s", out)
	var keyID string
	for _, n := range c.Nodes {
		f := fwStatus(t, n, 60*time.Second, "forwarding on, both peers connected", allConnected(2))
		if keyID == "" {
			keyID = f.KeyID
		} else if f.KeyID != keyID || keyID == "" {
			t.Fatalf("%s uses key %q, node1 %q", n.Name, f.KeyID, keyID)
		}
	}
	if listed := n1.MustRun(nil, bin, "webhook-list", "--json"); strings.Contains(listed, "gepk1_") {
		t.Fatalf("webhook-list shows the peer key:\n%s", listed)
	}

	origin := map[string]string{"fw1": n1.UUID(), "fw2": n2.UUID(), "fw3": n3.UUID(),
		"fw1b": n1.UUID(), "fw3b": n3.UUID(), "fw1c": n1.UUID(), "fw2c": n2.UUID(), "fw3c": n3.UUID(), "fw1d": n1.UUID()}
	fwEmit(t, n1, bin, "fw1", 10)
	fwEmit(t, n2, bin, "fw2", 7)
	fwEmit(t, n3, bin, "fw3", 5)
	fwWait(t, c.Nodes, "0", map[string]int{"fw1": 10, "fw2": 7, "fw3": 5}, origin, 30*time.Second)

	// A cursor taken on node 1 resumes on node 2: no gap, no duplicate.
	_, cur := fwEvents(t, n1, "0")
	t.Logf("node1's cursor: %s", cur)
	fwEmit(t, n1, bin, "fw1b", 4)
	fwEmit(t, n3, bin, "fw3b", 3)
	fwWait(t, []*glustertest.Node{n2}, cur, map[string]int{"fw1b": 4, "fw3b": 3}, origin, 30*time.Second)

	// SSE: a stream from node 1, cut after half the events, resumes on
	// node 2 with its Last-Event-ID: the rest, then new ones, each once.
	type key struct {
		node string
		seq  uint64
	}
	q := api.EventQuery{Since: "0", Types: []string{"VOLUME_SET"}}
	next := func(s *api.EventStream, seen map[key]bool) *api.StreamEvent {
		t.Helper()
		ev, err := s.Next()
		if err != nil {
			t.Fatalf("SSE: %v", err)
		}
		k := key{ev.Event.Node, ev.Event.Seq}
		if seen[k] {
			t.Fatalf("SSE: %s seq %d twice", k.node, k.seq)
		}
		seen[k] = true
		return ev
	}
	seen := map[key]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s1, err := n1.API().Stream(ctx, q, "")
	if err != nil {
		t.Fatal(err)
	}
	const total = 10 + 7 + 5 + 4 + 3
	var lastID string
	for range total / 2 {
		lastID = next(s1, seen).ID
	}
	s1.Close()
	s2, err := n2.API().Stream(ctx, q, lastID)
	if err != nil {
		t.Fatal(err)
	}
	for range total - total/2 {
		next(s2, seen)
	}
	fwEmit(t, n3, bin, "fw3s", 2)
	for i := range 2 {
		if ev := next(s2, seen); ev.Event.Message["name"] != "fw3s" || ev.Event.Message["options"] != fmt.Sprint(i) {
			t.Fatalf("SSE on node2 after the resume: %+v, want fw3s %d", ev.Event, i)
		}
	}
	s2.Close()
	cancel()
	origin["fw3s"] = n3.UUID()

	// Node 3 is cut off (its bridge port down); node 1 and 2 go on, so
	// does node 3 on its own.
	link := func(state string) {
		port := c.Prefix + "v3"
		if out, err := exec.Command("ip", "-n", c.Prefix+"bridge", "link", "set", port, state).CombinedOutput(); err != nil {
			t.Fatalf("ip link set %s %s: %v: %s", port, state, err, out)
		}
	}
	_, before := fwEvents(t, n2, "0")
	link("down")
	t.Cleanup(func() { exec.Command("ip", "-n", c.Prefix+"bridge", "link", "set", c.Prefix+"v3", "up").Run() })
	fwEmit(t, n1, bin, "fw1c", 6)
	fwEmit(t, n2, bin, "fw2c", 5)
	fwEmit(t, n3, bin, "fw3c", 4)
	fwWait(t, []*glustertest.Node{n2}, before, map[string]int{"fw1c": 6, "fw2c": 5}, origin, 30*time.Second)
	fwStatus(t, n2, 60*time.Second, "node3 shown disconnected", func(f *api.ForwardStatus) bool {
		for _, p := range f.Peers {
			if p.Node == n3.UUID() {
				return !p.Connected && p.Error != ""
			}
		}
		return false
	})
	// Node 1's daemon stops too: node 3 can get node 1's events only from
	// node 2 when it returns.
	if err := n1.StopDaemon(); err != nil {
		t.Fatal(err)
	}
	link("up")
	fwWait(t, []*glustertest.Node{n3}, before, map[string]int{"fw1c": 6, "fw2c": 5, "fw3c": 4}, origin, 60*time.Second)
	fwWait(t, []*glustertest.Node{n2}, before, map[string]int{"fw1c": 6, "fw2c": 5, "fw3c": 4}, origin, 60*time.Second)

	// Node 1 returns and catches up with node 3's events of the cut.
	n1.StartDaemon()
	fwEmit(t, n1, bin, "fw1d", 2)
	fwWait(t, c.Nodes, before, map[string]int{"fw1c": 6, "fw2c": 5, "fw3c": 4, "fw1d": 2}, origin, 60*time.Second)
	// And everything from the start, each once, on every node.
	fwWait(t, c.Nodes, "0", map[string]int{"fw1": 10, "fw2": 7, "fw3": 5, "fw1b": 4, "fw3b": 3, "fw3s": 2,
		"fw1c": 6, "fw2c": 5, "fw3c": 4, "fw1d": 2}, origin, 30*time.Second)
	for _, n := range c.Nodes {
		fwStatus(t, n, 60*time.Second, "no lag", func(f *api.ForwardStatus) bool {
			if !allConnected(2)(f) {
				return false
			}
			for _, p := range f.Peers {
				for _, o := range p.Origins {
					if o.Lag != 0 {
						return false
					}
				}
			}
			return true
		})
	}

	// Forwarded events are not journaled as local ones (webhooks deliver
	// each node's own): node 1's local scope holds only its own.
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	page, err := n1.API().Events(ctx, api.EventQuery{Since: "0", Local: true, Limit: 10000})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Events {
		if e.Node != n1.UUID() {
			t.Fatalf("node1's own events include one of %s: %+v", e.Node, e)
		}
	}
	if st, err := n1.API().Status(context.Background()); err != nil || st.Journal.Records != uint64(len(page.Events)) {
		t.Fatalf("node1's journal holds %d records, its local scope %d events (%v)", st.Journal.Records, len(page.Events), err)
	}

	// A request with a bad signature, and one signed with a key node 2
	// does not have, are refused with 401 and counted.
	forged := func(keyID string) {
		t.Helper()
		code, err := n1.Run(nil, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
			"-H", "X-Gluster-Eventing-Key: "+keyID, "-H", "X-Gluster-Eventing-Time: "+fmt.Sprint(time.Now().Unix()),
			"-H", "X-Gluster-Eventing-Nonce: "+fmt.Sprintf("%032x", time.Now().UnixNano()), "-H", "X-Gluster-Eventing-Node: "+n1.UUID(),
			"-H", "X-Gluster-Eventing-Signature: 00", "--data", `{"node":"x","want":[]}`,
			"http://"+n2.Addr+":55557/v1/peer/pull")
		if err != nil || code != "401" {
			t.Fatalf("a forged pull (key %s): HTTP %q, %v; want 401", keyID, code, err)
		}
	}
	for _, tc := range []struct{ keyID, reason string }{
		{keyID, "bad signature"},
		{"0badc0de", "which this node does not have"},
	} {
		refused := fwStatus(t, n2, 5*time.Second, "status", func(*api.ForwardStatus) bool { return true }).Refused
		forged(tc.keyID)
		f := fwStatus(t, n2, 10*time.Second, "the refusal counted", func(f *api.ForwardStatus) bool { return f.Refused > refused })
		if !strings.Contains(f.LastRefusal, tc.reason) || !strings.HasPrefix(f.LastRefusalFrom, n1.Addr+":") {
			t.Errorf("last refusal %q from %q, want %q from node1", f.LastRefusal, f.LastRefusalFrom, tc.reason)
		}
	}

	// A brick of node 2 dies: node 1's table learns it from node 2's
	// forwarded BRICK_DISCONNECTED (a distribute volume: no self-heal
	// daemon or client on node 1 hints at it, and the reconciliation is
	// a minute away).
	b1, b2 := n1.BrickDir("fwv")+"/b", n2.BrickDir("fwv")+"/b"
	fwGluster(t, n1, "volume", "create", "fwv", n1.Addr+":"+b1, n2.Addr+":"+b2, "force")
	fwGluster(t, n1, "volume", "start", "fwv")
	brick := n2.UUID() + ":" + b2
	online := func(want bool) func(*api.Status) bool {
		return func(st *api.Status) bool {
			if st.State == nil {
				return false
			}
			for _, b := range st.State.Bricks {
				if b.ID == brick {
					return b.Online == want
				}
			}
			return false
		}
	}
	// (The table asks glusterd after VOLUME_START, again while glusterd
	// is busy.)
	waitStatus(t, n1, 60*time.Second, "node2's brick online in node1's table", online(true))
	start := time.Now()
	n2.KillBrick("fwv", b2)
	// Node 2 journals glusterd's BRICK_DISCONNECTED (or its table's, made
	// by a reconciliation that saw it first).
	var local time.Duration
	for deadline := time.Now().Add(20 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		page, err := n2.API().Events(ctx, api.EventQuery{Since: "0", Types: []string{"BRICK_DISCONNECTED"}, Local: true, Limit: 100})
		cancel()
		if err == nil && len(page.Events) > 0 {
			local = time.Since(start)
			t.Logf("node2 journaled %+v", page.Events[0])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node2 journaled no BRICK_DISCONNECTED within 20s of the kill (%v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitStatus(t, n1, 10*time.Second, "node2's killed brick offline in node1's table", online(false))
	t.Logf("node2 journaled the brick's death %s after the kill, node1's table showed it %s after", local.Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond))
}
