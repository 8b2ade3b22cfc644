// Package clustertest runs the cluster commands of the real binary on a
// real 3-node Gluster cluster (internal/glustertest): the command typed on
// one node, glusterd carrying it to the others, the product's peer program
// and daemon on every node. It has test files only.
package clustertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// prefix names this package's clusters (unique among the packages that
// start one).
const prefix = "clcmd"

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// cli runs the gluster-eventing command line in node n and returns its
// stdout, stderr and exit code.
func cli(t *testing.T, n *glustertest.Node, bin string, args ...string) (string, string, int) {
	t.Helper()
	out, errOut, err := n.Output(nil, append([]string{bin}, args...)...)
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out, errOut, ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", n.Name, err)
	}
	return out, errOut, 0
}

// serveReceiver serves a receiver on node n, on a port of its own, for
// the test; url is its webhook URL.
func serveReceiver(t *testing.T, n *glustertest.Node) (rec *receiver, url string) {
	t.Helper()
	rec = &receiver{nodes: map[string]int{}, got: make(chan struct{}, 1)}
	ln, err := n.Listen("tcp", n.Addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rec}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return rec, "http://" + ln.Addr().String() + "/hook"
}

// receiver records the nodeid of every legacy body it gets.
type receiver struct {
	mu    sync.Mutex
	nodes map[string]int
	got   chan struct{}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	var body struct {
		NodeID string `json:"nodeid"`
		Event  string `json:"event"`
	}
	if json.Unmarshal(b, &body) == nil && body.NodeID != "" {
		r.mu.Lock()
		r.nodes[body.NodeID+" "+body.Event]++
		r.mu.Unlock()
		select {
		case r.got <- struct{}{}:
		default:
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) has(nodeID, event string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nodes[nodeID+" "+event] > 0
}

// TestClusterCommands: a webhook added on node1 is in every node's config
// and a receiver gets events from all three nodes; webhook-test from node2
// reports per node; status --json with node2's daemon killed shows it
// down and exits 4; config-set with node3's glusterd down reports node3
// DOWN, exits 4 and changes the other two nodes.
func TestClusterCommands(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: prefix, Nodes: 3, PeerProgram: bin})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	nodes := []*glustertest.Node{n1, n2, n3}
	for _, n := range nodes {
		n.StartDaemon()
	}

	rec, url := serveReceiver(t, n1)

	// webhook-add on node1 reaches every node: each node's config file has
	// it, each daemon applied it.
	out, errOut, code := cli(t, n1, bin, "webhook-add", "--format", "legacy", url, "--json")
	if code != 0 {
		t.Fatalf("webhook-add: exit %d\n%s\n%s", code, out, errOut)
	}
	var added struct {
		OK         bool   `json:"ok"`
		ID         string `json:"id"`
		Generation int64  `json:"generation"`
		Nodes      []struct {
			Node, NodeID, Status string
			OK                   bool
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatalf("webhook-add --json: %v\n%s", err, out)
	}
	if !added.OK || len(added.Nodes) != 3 {
		t.Fatalf("webhook-add --json: %s", out)
	}
	for _, n := range nodes {
		cl, err := config.LoadCluster(n.HostPath(config.ClusterPath(config.DefaultGlusterdWorkdir)))
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		if cl.Generation != added.Generation || cl.Origin != n1.UUID() || cl.Find(added.ID) == nil {
			t.Errorf("%s: config generation %d origin %s, webhook %s present: %v; want generation %d from node1",
				n.Name, cl.Generation, cl.Origin, added.ID, cl.Find(added.ID) != nil, added.Generation)
		}
	}

	// An event on every node reaches the receiver from that node.
	for _, n := range nodes {
		if o, err := n.Run(nil, bin, "emit", "VOLUME_START", "name=gv0"); err != nil {
			t.Fatalf("emit on %s: %v: %s", n.Name, err, o)
		}
	}
	deadline := time.After(30 * time.Second)
	for !(rec.has(n1.UUID(), "VOLUME_START") && rec.has(n2.UUID(), "VOLUME_START") && rec.has(n3.UUID(), "VOLUME_START")) {
		select {
		case <-rec.got:
		case <-deadline:
			rec.mu.Lock()
			t.Fatalf("after 30s the receiver has %v; want VOLUME_START from %s, %s and %s", rec.nodes, n1.UUID(), n2.UUID(), n3.UUID())
		}
	}

	// webhook-test from node2, by id: every node sends its test event.
	out, errOut, code = cli(t, n2, bin, "webhook-test", added.ID, "--json")
	if code != 0 {
		t.Fatalf("webhook-test: exit %d\n%s\n%s", code, out, errOut)
	}
	var tested struct {
		Nodes []struct {
			NodeID string `json:"nodeid"`
			OK     bool   `json:"ok"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &tested); err != nil || len(tested.Nodes) != 3 {
		t.Fatalf("webhook-test --json: %v\n%s", err, out)
	}
	for i, node := range tested.Nodes {
		if !node.OK {
			t.Errorf("webhook-test: node %d not ok:\n%s", i+1, out)
		}
	}
	for _, n := range nodes {
		if !rec.has(n.UUID(), "TEST") {
			t.Errorf("webhook-test: no test event from %s; the receiver has %v", n.Name, rec.nodes)
		}
	}
	// gluster-eventsapi's shape, from node3, for a URL.
	alias := filepath.Join(t.TempDir(), "gluster-eventsapi")
	if err := os.Symlink(bin, alias); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = cli(t, n3, alias, "webhook-test", url, "--json")
	var legacy struct {
		Output []map[string]string `json:"output"`
	}
	if err := json.Unmarshal([]byte(out), &legacy); code != 0 || err != nil || len(legacy.Output) != 3 {
		t.Errorf("gluster-eventsapi webhook-test --json: exit %d, %v\n%s\n%s", code, err, out, errOut)
	}
	for _, row := range legacy.Output {
		if row["webhook_status"] != "OK" || row["node_status"] != "UP" {
			t.Errorf("gluster-eventsapi webhook-test --json: row %v", row)
		}
	}

	// status with node2's daemon killed: DOWN, exit 4.
	n2.KillDaemon()
	out, errOut, code = cli(t, n1, bin, "status")
	t.Logf("status with node2's daemon killed, exit %d:\n%s%s", code, out, errOut)
	// After the node table, the cluster's volumes as node1's daemon sees them.
	if !strings.Contains(out, "\nVolumes: none") {
		t.Errorf("status shows no Volumes line:\n%s", out)
	}
	out, errOut, code = cli(t, n1, bin, "status", "--json")
	if code != 4 {
		t.Fatalf("status with node2's daemon down: exit %d, want 4\n%s\n%s", code, out, errOut)
	}
	var st struct {
		OK    bool       `json:"ok"`
		State *api.State `json:"state"`
		Nodes []struct {
			NodeID     string `json:"nodeid"`
			NodeStatus string `json:"node_status"`
			Daemon     string `json:"daemon"`
			Generation int64  `json:"generation"`
			Running    int64  `json:"running_generation"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Nodes) != 3 {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if st.State == nil || st.State.Glusterd != "running" || len(st.State.Peers) != 3 {
		t.Errorf("status --json: state %+v, want glusterd running and 3 peers", st.State)
	}
	for _, node := range st.Nodes {
		want := "UP"
		if node.NodeID == n2.UUID() {
			want = "DOWN"
		}
		if want == "UP" && node.Running != added.Generation {
			t.Errorf("status of %s: the daemon runs generation %d, want %d (the webhook-add's)", node.NodeID, node.Running, added.Generation)
		}
		if node.Daemon != want || node.NodeStatus != "UP" || node.Generation != added.Generation {
			t.Errorf("status of %s: daemon %s, node %s, generation %d; want daemon %s, node UP, generation %d",
				node.NodeID, node.Daemon, node.NodeStatus, node.Generation, want, added.Generation)
		}
	}
	n2.StartDaemon()

	// config-set with node3's glusterd down: node3 DOWN, exit 4, the
	// others changed.
	n3.StopGlusterd()
	out, errOut, code = cli(t, n1, bin, "config-set", "log-level", "DEBUG")
	t.Logf("config-set with node3's glusterd down, exit %d:\n%s%s", code, out, errOut)
	if code != 4 {
		t.Fatalf("config-set with node3 down: exit %d, want 4", code)
	}
	var node3Row string
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); len(f) > 1 && (f[0] == n3.Name || f[0] == n3.Addr) {
			node3Row = line
		}
	}
	if !strings.Contains(node3Row, "DOWN") {
		t.Errorf("config-set: no DOWN row for node3 in\n%s", out)
	}
	for _, n := range []*glustertest.Node{n1, n2} {
		cl, err := config.LoadCluster(n.HostPath(config.ClusterPath(config.DefaultGlusterdWorkdir)))
		if err != nil || cl.LogLevel != "DEBUG" {
			t.Errorf("%s: log-level after config-set: %v, %v", n.Name, cl, err)
		}
	}
	cl3, err := config.LoadCluster(n3.HostPath(config.ClusterPath(config.DefaultGlusterdWorkdir)))
	if err != nil || cl3.LogLevel == "DEBUG" {
		t.Errorf("node3 (glusterd down) got the change anyway: %v, %v", cl3, err)
	}
	// On node3 itself, with its glusterd down, a change is refused rather
	// than made on node3 alone.
	out, errOut, code = cli(t, n3, bin, "config-set", "log-level", "ERROR")
	if code != 9 || !strings.Contains(errOut, "belongs to a Gluster cluster") {
		t.Errorf("config-set on node3 with its glusterd down: exit %d, want 9\n%s%s", code, out, errOut)
	}
	if cl, err := config.LoadCluster(n3.HostPath(config.ClusterPath(config.DefaultGlusterdWorkdir))); err != nil || cl.LogLevel == "ERROR" {
		t.Errorf("node3 changed its config alone: %v, %v", cl, err)
	}
}

// TestClusterLifecycle: stop, start and restart from any node act on every
// node's daemon (directly, through the pid file: there is no systemd in the
// nodes); status exits 3 when no daemon runs; reload runs everywhere; sync
// from node1 makes every node hold node1's config, above a newer
// generation node3 had.
func TestClusterLifecycle(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: prefix, Nodes: 3, PeerProgram: bin, EventsDir: true})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	nodes := []*glustertest.Node{n1, n2, n3}
	for _, n := range nodes {
		n.StartDaemon()
	}

	if out, errOut, code := cli(t, n1, bin, "stop"); code != 0 {
		t.Fatalf("stop: exit %d\n%s%s", code, out, errOut)
	}
	for _, n := range nodes {
		if pid := n.DaemonPID(); pid != 0 {
			t.Errorf("after stop, %s's daemon runs (pid %d)", n.Name, pid)
		}
	}
	if out, errOut, code := cli(t, n1, bin, "status"); code != 3 {
		t.Errorf("status with every daemon stopped: exit %d, want 3\n%s%s", code, out, errOut)
	}

	out, errOut, code := cli(t, n2, bin, "start")
	t.Logf("start from node2, exit %d:\n%s%s", code, out, errOut)
	if code != 0 {
		t.Fatalf("start: exit %d", code)
	}
	pids := map[string]int{}
	for _, n := range nodes {
		if pids[n.Name] = n.DaemonPID(); pids[n.Name] == 0 {
			t.Errorf("after start, %s has no daemon", n.Name)
		}
	}
	if out, errOut, code := cli(t, n3, bin, "status"); code != 0 {
		t.Errorf("status after start: exit %d\n%s%s", code, out, errOut)
	}

	out, errOut, code = cli(t, n3, bin, "restart", "--json")
	if code != 0 {
		t.Fatalf("restart: exit %d\n%s%s", code, out, errOut)
	}
	for _, n := range nodes {
		if pid := n.DaemonPID(); pid == 0 || pid == pids[n.Name] {
			t.Errorf("after restart, %s's daemon is pid %d (was %d)", n.Name, pid, pids[n.Name])
		}
	}

	out, errOut, code = cli(t, n1, bin, "reload")
	t.Logf("reload from node1, exit %d:\n%s%s", code, out, errOut)
	if code != 0 || strings.Count(out, " OK\n") != 3 {
		t.Errorf("reload: exit %d, want 0 and three OK rows", code)
	}

	// node3 holds a config of a higher generation than node1's; sync from
	// node1 wins over it, everywhere.
	path := config.ClusterPath(config.DefaultGlusterdWorkdir)
	if _, errOut, code := cli(t, n1, bin, "config-set", "log-level", "WARNING"); code != 0 {
		t.Fatalf("config-set: exit %d\n%s", code, errOut)
	}
	other := config.DefaultCluster()
	other.Generation, other.Origin, other.LogLevel = 40, n3.UUID(), "ERROR"
	if err := config.WriteCluster(n3.HostPath(path), other); err != nil {
		t.Fatal(err)
	}
	alias := filepath.Join(t.TempDir(), "gluster-eventsapi")
	if err := os.Symlink(bin, alias); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = cli(t, n1, alias, "sync", "--json")
	if code != 0 {
		t.Fatalf("gluster-eventsapi sync --json: exit %d\n%s%s", code, out, errOut)
	}
	var synced struct {
		Output []map[string]string `json:"output"`
		Error  string              `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &synced); err != nil || len(synced.Output) != 3 {
		t.Fatalf("sync --json (TrueNAS reads json.loads(stdout)[\"output\"]): %v\n%s", err, out)
	}
	var digest string
	for i, n := range nodes {
		if synced.Output[i]["sync_status"] != "OK" {
			t.Errorf("sync --json row %d: %v", i, synced.Output[i])
		}
		cl, err := config.LoadCluster(n.HostPath(path))
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		if cl.Generation <= 40 || cl.Origin != n1.UUID() {
			t.Errorf("%s after sync: generation %d from %s; want above 40, from node1", n.Name, cl.Generation, cl.Origin)
		}
		if i == 0 {
			digest = cl.Digest()
		} else if cl.Digest() != digest {
			t.Errorf("%s after sync holds another config than node1", n.Name)
		}
	}
}

// TestConcurrentChanges: webhook-add on node1 and config-set on node2 at
// the same moment. Whatever the interleaving, a command that exits 0 has
// its change in the config every node ends up with, and one whose change
// was not applied says so (exit 1, "another change won"): never a change
// reported done and silently dropped. (Without PushOver's check, one round
// in a few reports both done and keeps one.)
func TestConcurrentChanges(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: prefix, Nodes: 3, PeerProgram: bin, EventsDir: true})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	path := config.ClusterPath(config.DefaultGlusterdWorkdir)
	lost := 0
	for round := range 6 {
		url := fmt.Sprintf("http://127.0.0.1:9/round%d", round)
		port := 56000 + round
		type res struct {
			out, errOut string
			code        int
		}
		var wg sync.WaitGroup
		var r1, r2 res
		wg.Go(func() { r1.out, r1.errOut, r1.code = cli(t, n1, bin, "webhook-add", "--format", "legacy", url) })
		wg.Go(func() { r2.out, r2.errOut, r2.code = cli(t, n2, bin, "config-set", "port", strconv.Itoa(port)) })
		wg.Wait()
		t.Logf("round %d: node1 webhook-add: exit %d\n%s%s", round, r1.code, r1.out, r1.errOut)
		t.Logf("round %d: node2 config-set port %d: exit %d\n%s%s", round, port, r2.code, r2.out, r2.errOut)
		for _, r := range []res{r1, r2} {
			switch {
			case r.code == 1 && strings.Contains(r.errOut, "another change won"):
				lost++
			case r.code != 0:
				t.Fatalf("round %d: exit %d, want 0 or 1 (another change won)", round, r.code)
			}
		}
		// Node3 typed neither: it holds what the pushes left.
		cl, err := config.LoadCluster(n3.HostPath(path))
		if err != nil {
			t.Fatal(err)
		}
		if r1.code == 0 && cl.Webhook(url) == nil {
			t.Errorf("round %d: node1's webhook-add exited 0, but node3 has no webhook %s", round, url)
		}
		if r2.code == 0 && cl.Port != port {
			t.Errorf("round %d: node2's config-set port %d exited 0, but node3 holds port %d", round, port, cl.Port)
		}
		// Every node holds node3's config (no daemons run, so nothing
		// catches up: the pushes alone decide).
		for _, n := range []*glustertest.Node{n1, n2} {
			other, err := config.LoadCluster(n.HostPath(path))
			if err != nil || other.Digest() != cl.Digest() {
				t.Errorf("round %d: %s holds another config than node3 (%v)", round, n.Name, err)
			}
		}
	}
	t.Logf("%d of 12 changes lost to a concurrent one, and said so", lost)
}

// TestLegacyAutomation runs, through the gluster-eventsapi alias on
// different nodes, what oVirt vdsm and TrueNAS run: webhook-add with a
// bearer token (and a JWT secret), webhook-mod of the token, webhook-del,
// sync --json; and config-set/config-reset/config-get and webhook-list from
// nodes other than the one that made the change. Every node's config and
// its events/webhooks.json (which TrueNAS reads) follow each step.
func TestLegacyAutomation(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: prefix, Nodes: 3, PeerProgram: bin})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	nodes := []*glustertest.Node{n1, n2, n3}
	api := filepath.Join(t.TempDir(), "gluster-eventsapi")
	if err := os.Symlink(bin, api); err != nil {
		t.Fatal(err)
	}
	path := config.ClusterPath(config.DefaultGlusterdWorkdir)
	mirror := func(n *glustertest.Node) map[string]map[string]string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(n.EventsDir(), "webhooks.json"))
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		var m map[string]map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: webhooks.json: %v: %s", n.Name, err, b)
		}
		return m
	}
	run := func(n *glustertest.Node, want int, args ...string) string {
		t.Helper()
		out, errOut, code := cli(t, n, api, args...)
		if code != want {
			t.Fatalf("%s: gluster-eventsapi %s: exit %d, want %d\n%s%s", n.Name, strings.Join(args, " "), code, want, out, errOut)
		}
		return out
	}
	url := "http://10.0.0.1:8080/vdsm"

	// vdsm: webhook-add URL --bearer_token=TOKEN, webhook-mod, webhook-del.
	run(n1, 0, "webhook-add", url, "--bearer_token=tok1")
	run(n2, 5, "webhook-add", url, "--bearer_token=tok1") // exists, seen from node2
	run(n2, 0, "webhook-mod", url, "--bearer_token=tok2")
	for _, n := range nodes {
		if m := mirror(n); m[url]["token"] != "tok2" {
			t.Errorf("%s: webhooks.json after webhook-mod: %v", n.Name, m)
		}
	}
	out := run(n3, 0, "webhook-list", "--json")
	if !strings.Contains(out, url) || strings.Contains(out, "tok2") {
		t.Errorf("webhook-list --json from node3 (secrets redacted):\n%s", out)
	}
	run(n3, 0, "webhook-del", url)
	run(n1, 6, "webhook-del", url) // gone, seen from node1
	for _, n := range nodes {
		if m := mirror(n); len(m) != 0 {
			t.Errorf("%s: webhooks.json after webhook-del: %v", n.Name, m)
		}
	}

	// TrueNAS: webhook-add URL -t TOKEN -s SECRET, then sync --json.
	run(n2, 0, "webhook-add", url, "-t", "tok3", "-s", "sec3")
	out = run(n2, 0, "sync", "--json")
	var synced struct {
		Output []map[string]string `json:"output"`
	}
	if err := json.Unmarshal([]byte(out), &synced); err != nil || len(synced.Output) != 3 {
		t.Fatalf("sync --json: %v\n%s", err, out)
	}
	for _, n := range nodes {
		if m := mirror(n); m[url]["token"] != "tok3" || m[url]["secret"] != "sec3" {
			t.Errorf("%s: webhooks.json after webhook-add -t -s: %v", n.Name, m)
		}
	}

	// config-set on node1, config-get on node3, config-reset on node2.
	run(n1, 0, "config-set", "log-level", "DEBUG")
	out = run(n3, 0, "config-get", "--name", "log-level", "--json")
	if !strings.Contains(out, `"log-level": "DEBUG"`) {
		t.Errorf("config-get from node3 after config-set on node1:\n%s", out)
	}
	run(n3, 2, "config-set", "log-level", "DEBUG") // same value, seen from node3
	run(n2, 0, "config-reset", "all")
	for _, n := range nodes {
		cl, err := config.LoadCluster(n.HostPath(path))
		if err != nil || cl.LogLevel != "INFO" || cl.Webhook(url) == nil {
			t.Errorf("%s after config-reset all: %+v, %v", n.Name, cl, err)
		}
	}
}
