package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// waitLog polls a process log until re matches, for at most timeout.
func waitLog(t *testing.T, p *glustertest.Proc, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(p.Log)
		if m := re.FindStringSubmatch(string(b)); m != nil {
			return m
		}
		if time.Now().After(deadline) || p.Exited() {
			t.Fatalf("%s: no %q after %s:\n%s", p.Name, re, timeout, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clusterWebhooks returns the URLs of the webhooks in node n's copy of
// the cluster config.
func clusterWebhooks(t *testing.T, n *glustertest.Node) []string {
	t.Helper()
	cl, err := config.LoadCluster(n.HostPath(config.ClusterPath(config.DefaultGlusterdWorkdir)))
	if err != nil {
		t.Fatalf("%s: %v", n.Name, err)
	}
	var urls []string
	for _, w := range cl.Webhooks {
		urls = append(urls, w.URL)
	}
	return urls
}

// TestListenAndEvents: 'listen --register' typed on node1 of a real
// 2-node cluster adds itself to every node's config through glusterd,
// receives the signed deliveries of both nodes (verified with the secret
// it generated, each event printed once with its node), and on SIGINT
// deletes itself from every node's config. 'events' on node1 shows both
// nodes' events (node2's forwarded), node2 by its hostname; --local only
// node1's; a cursor printed on node1 resumes on node2 with no gap and no
// duplicate.
func TestListenAndEvents(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: prefix, Nodes: 2, PeerProgram: bin, ProbeByName: true})
	n1, n2 := c.Node(1), c.Node(2)
	for _, n := range []*glustertest.Node{n1, n2} {
		n.StartDaemon()
	}

	l := n1.Start("listen", nil, bin, "listen", n1.Addr+":0", "--register", "--json")
	m := waitLog(t, l, regexp.MustCompile(`registered as webhook ([0-9a-f]{16}) \((http://[^ ,]+)`), time.Minute)
	id, url := m[1], m[2]
	if !strings.HasPrefix(url, "http://"+n1.Addr+":") {
		t.Errorf("registered URL %s, want node1's address %s and the bound port", url, n1.Addr)
	}
	for _, n := range []*glustertest.Node{n1, n2} {
		if got := clusterWebhooks(t, n); len(got) != 1 || got[0] != url {
			t.Fatalf("%s: webhooks %v after listen --register, want [%s]", n.Name, got, url)
		}
	}

	for _, n := range []*glustertest.Node{n1, n2} {
		if o, err := n.Run(nil, bin, "emit", "VOLUME_START", "name=gv0", "force=0"); err != nil {
			t.Fatalf("emit on %s: %v: %s", n.Name, err, o)
		}
	}
	waitLog(t, l, regexp.MustCompile(`(?s)"node":"`+n1.UUID()+`".*"node":"`+n2.UUID()+`"|"node":"`+n2.UUID()+`".*"node":"`+n1.UUID()+`"`), time.Minute)
	testEvents(t, bin, n1, n2) // emits a VOLUME_STOP on node1, delivered too
	waitLog(t, l, regexp.MustCompile(`"event":"VOLUME_STOP"`), time.Minute)
	if err := l.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Done():
	case <-time.After(time.Minute):
		t.Fatal("listen did not exit within a minute of SIGINT")
	}
	b, _ := os.ReadFile(l.Log)
	if err := l.Err(); err != nil {
		t.Fatalf("listen: %v\n%s", err, b)
	}
	seen := map[string]int{}
	for line := range strings.Lines(string(b)) {
		var d struct {
			Node     string   `json:"node"`
			Event    string   `json:"event"`
			Format   string   `json:"format"`
			Verified []string `json:"verified"`
		}
		if !strings.HasPrefix(line, "{") {
			continue
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("listen --json line %q: %v", line, err)
		}
		if d.Format != "standard" || strings.Join(d.Verified, ",") != "signature" {
			t.Errorf("delivery %s", line)
		}
		seen[shortID(d.Node)+" "+d.Event]++
	}
	want := map[string]int{shortID(n1.UUID()) + " VOLUME_START": 1, shortID(n2.UUID()) + " VOLUME_START": 1, shortID(n1.UUID()) + " VOLUME_STOP": 1}
	if !maps.Equal(seen, want) {
		t.Errorf("deliveries %v, want %v\n%s", seen, want, b)
	}
	if !strings.Contains(string(b), "deleted webhook "+id) {
		t.Errorf("listen did not say it deleted webhook %s:\n%s", id, b)
	}
	for _, n := range []*glustertest.Node{n1, n2} {
		if got := clusterWebhooks(t, n); len(got) != 0 {
			t.Errorf("%s: webhooks %v after listen exited, want none", n.Name, got)
		}
	}
}

// eventsOf runs 'events args... --json' in node n and returns the events.
func eventsOf(t *testing.T, bin string, n *glustertest.Node, args ...string) []api.Event {
	t.Helper()
	out, errOut, code := cli(t, n, bin, append([]string{"events", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("%s: events %v: exit %d\n%s%s", n.Name, args, code, out, errOut)
	}
	var evs []api.Event
	for line := range strings.Lines(out) {
		var ev api.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%s: events --json line %q: %v", n.Name, line, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

func describe(evs []api.Event) []string {
	var d []string
	for _, ev := range evs {
		d = append(d, fmt.Sprintf("%s/%d %s", shortID(ev.Node), ev.Seq, ev.Event))
	}
	return d
}

func shortID(id string) string { return id[:min(8, len(id))] }

// waitEvents polls 'events args...' in node n until want says yes, for at
// most a minute (forwarding brings a peer's events within a second or
// two).
func waitEvents(t *testing.T, bin string, n *glustertest.Node, what string, want func([]api.Event) bool, args ...string) []api.Event {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		evs := eventsOf(t, bin, n, args...)
		if want(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			st, err := n.API().Status(context.Background())
			if err == nil && st.Forwarding != nil {
				b, _ := json.Marshal(st.Forwarding)
				t.Logf("%s: forwarding %s", n.Name, b)
			}
			t.Fatalf("%s: events %v after a minute: %v; want %s", n.Name, args, describe(evs), what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func count(evs []api.Event, node, event string) int {
	n := 0
	for _, ev := range evs {
		if ev.Node == node && ev.Event == event {
			n++
		}
	}
	return n
}

// testEvents checks the cluster view of 'events' once each node has
// journaled a VOLUME_START.
func testEvents(t *testing.T, bin string, n1, n2 *glustertest.Node) {
	both := func(evs []api.Event) bool {
		return count(evs, n1.UUID(), "VOLUME_START") == 1 && count(evs, n2.UUID(), "VOLUME_START") == 1
	}
	evs := waitEvents(t, bin, n1, "node1's and node2's VOLUME_START, once each", both)
	if len(evs) != 2 {
		t.Errorf("node1: events = %v, want the two VOLUME_START only", describe(evs))
	}
	local := eventsOf(t, bin, n1, "--local")
	if len(local) != 1 || local[0].Node != n1.UUID() {
		t.Errorf("node1: events --local = %v, want node1's VOLUME_START only", describe(local))
	}
	if only2 := eventsOf(t, bin, n1, "--node", "node2"); len(only2) != 1 || only2[0].Node != n2.UUID() {
		t.Errorf("node1: events --node node2 = %v, want node2's VOLUME_START only", describe(only2))
	}
	// Readable lines name node2 by the hostname glusterd knows it by.
	out, errOut, code := cli(t, n1, bin, "events", "--type", "VOLUME_START", "--color", "never")
	if strings.Contains(errOut, "note:") {
		t.Errorf("node1: events with forwarding on says: %s", errOut)
	}
	if code != 0 || !regexp.MustCompile(`(?m)^\S+ node2 VOLUME_START +info +volume +force=0 name=gv0$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^\S+ node1 VOLUME_START `).MatchString(out) {
		t.Errorf("node1: events: exit %d\n%s%s", code, out, errOut)
	}

	// The cursor of the last event node1 printed resumes on node2: nothing
	// before it again, and the next event (journaled on node1, forwarded)
	// once.
	cursor := evs[len(evs)-1].Cursor
	if again := eventsOf(t, bin, n2, "--since", cursor); len(again) != 0 {
		t.Errorf("node2: events --since %s (node1's last) = %v, want none", cursor, describe(again))
	}
	if o, err := n1.Run(nil, bin, "emit", "VOLUME_STOP", "name=gv0", "force=0"); err != nil {
		t.Fatalf("emit on node1: %v: %s", err, o)
	}
	after := waitEvents(t, bin, n2, "node1's VOLUME_STOP", func(evs []api.Event) bool { return len(evs) > 0 }, "--since", cursor)
	if len(after) != 1 || after[0].Node != n1.UUID() || after[0].Event != "VOLUME_STOP" {
		t.Errorf("node2: events --since %s = %v, want node1's VOLUME_STOP only", cursor, describe(after))
	}
	// ...and the last two, read back on node2.
	last := eventsOf(t, bin, n2, "-n", "2")
	if len(last) != 2 || last[1].Event != "VOLUME_STOP" {
		t.Errorf("node2: events -n 2 = %v, want a VOLUME_START and node1's VOLUME_STOP", describe(last))
	}
}

// TestListenRealGlustereventsd: GlusterFS's own glustereventsd (Python),
// with a webhook and bearer token in its events/webhooks.json, POSTs to
// 'listen --bearer-token-file', which verifies the token and prints the
// legacy body as an event of that node; a wrong token is refused 401.
func TestListenRealGlustereventsd(t *testing.T) {
	glustertest.Require(t)
	for _, f := range []string{"/usr/sbin/glustereventsd", "/usr/bin/python3"} {
		_, err := os.Stat(f)
		testenv.Require(t, err == nil, f+" (apt-get install glusterfs-server)")
	}
	testenv.Require(t, exec.Command("/usr/bin/python3", "-c", "import requests").Run() == nil, "python3-requests")
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: prefix, Nodes: 1, PeerProgram: bin, EventsDir: true})
	n := c.Node(1)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.txt"), filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(good, []byte("tok3n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("other\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Two receivers in the node: the right token and a wrong one.
	hooks := map[string]map[string]string{
		"http://127.0.0.1:9000/listen": {"token": "tok3n", "secret": ""},
		"http://127.0.0.1:9001/listen": {"token": "tok3n", "secret": ""},
	}
	b, _ := json.Marshal(hooks)
	if err := os.WriteFile(filepath.Join(n.EventsDir(), "webhooks.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	l := n.Start("listen", nil, bin, "listen", "127.0.0.1:9000", "--bearer-token-file", good, "--json", "--count", "1")
	lbad := n.Start("listen-bad", nil, bin, "listen", "127.0.0.1:9001", "--bearer-token-file", bad)
	waitLog(t, l, regexp.MustCompile(`receiving webhook deliveries`), time.Minute)
	waitLog(t, lbad, regexp.MustCompile(`receiving webhook deliveries`), time.Minute)
	n.Start("glustereventsd", nil, "/usr/sbin/glustereventsd")
	// glustereventsd has no readiness signal: send until the receiver
	// has the event (each datagram it missed is simply not delivered).
	deadline := time.Now().Add(time.Minute)
	for !l.Exited() {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(l.Log)
			t.Fatalf("no delivery from glustereventsd after a minute:\n%s\n%s", b, readLog(n, "log/events.log"))
		}
		if o, err := n.Run(nil, bin, "emit", "VOLUME_START", "name=gv0", "force=0"); err != nil {
			t.Fatalf("emit: %v: %s", err, o)
		}
		select {
		case <-l.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	out, _ := os.ReadFile(l.Log)
	if err := l.Err(); err != nil {
		t.Fatalf("listen: %v\n%s", err, out)
	}
	var d struct {
		Node     string         `json:"node"`
		Event    string         `json:"event"`
		Format   string         `json:"format"`
		Verified []string       `json:"verified"`
		Message  map[string]any `json:"message"`
		Category string         `json:"category"`
	}
	var line string
	for l := range strings.Lines(string(out)) {
		if strings.HasPrefix(l, "{") {
			line = l
		}
	}
	if err := json.Unmarshal([]byte(line), &d); err != nil {
		t.Fatalf("listen --json: %v\n%s", err, out)
	}
	if d.Node != n.UUID() || d.Event != "VOLUME_START" || d.Format != "legacy" || strings.Join(d.Verified, ",") != "bearer" ||
		d.Category != "volume" || d.Message["name"] != "gv0" || d.Message["force"] != false {
		t.Errorf("glustereventsd's delivery as listen printed it: %s", line)
	}
	waitLog(t, lbad, regexp.MustCompile(`rejected POST /listen from 127\.0\.0\.1:\d+: the bearer token does not match \(401\)`), time.Minute)
}

func readLog(n *glustertest.Node, rel string) string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, rel))
	return string(b)
}
