package glustertest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// peerLine is what testdata/peerecho prints on each node.
type peerLine struct {
	Argv0 string   `json:"argv0"`
	Args  []string `json:"args"`
	Host  string   `json:"host"`
	UUID  string   `json:"uuid"`
	Home  string   `json:"home"`
}

// execute runs "gluster system:: execute gluster-eventing args..." on n and
// decodes every line.
func execute(t *testing.T, n *Node, args ...string) []peerLine {
	t.Helper()
	out := n.Gluster(append([]string{"system::", "execute", "gluster-eventing"}, args...)...)
	var lines []peerLine
	for line := range strings.Lines(out) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var l peerLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("execute on %s: line %q: %v", n.Name, line, err)
		}
		lines = append(lines, l)
	}
	return lines
}

func uuidsOf(lines []peerLine) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.UUID)
	}
	slices.Sort(out)
	return out
}

func sortedUUIDs(nodes ...*Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.UUID())
	}
	slices.Sort(out)
	return out
}

// poolOf is n's pool list as uuid -> connected.
func poolOf(n *Node) map[string]bool {
	m := map[string]bool{}
	for _, p := range n.PoolList() {
		m[p.UUID] = p.Connected
	}
	return m
}

// TestCluster checks the cluster harness with a stand-in peer program: the
// pool forms (a node outside it joins with Probe and leaves with Detach),
// "system:: execute" runs the peer program on every connected node and
// silently skips a node whose glusterd is down, NodeDirs are private per
// node, the nodes reach a listener in node1 over the bridge, and Close
// leaves no process and no namespace behind.
func TestCluster(t *testing.T) {
	Require(t)
	echo := GoBuild(t, ".", "peerecho", "./testdata/peerecho/main.go")
	c := StartCluster(t, ClusterConfig{Prefix: "gtc", Nodes: 3, Join: 2, PeerProgram: echo})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	all := sortedUUIDs(n1, n2, n3)
	if len(slices.Compact(slices.Clone(all))) != 3 || slices.Contains(all, "") {
		t.Fatalf("node UUIDs %q: want 3 distinct", all)
	}
	for _, n := range c.Nodes {
		if got := strings.TrimSpace(n.MustRun(nil, "hostname")); got != n.Name {
			t.Errorf("hostname in %s: %q", n.Name, got)
		}
	}

	// Join: 2 - node3 runs, outside the pool, until Probe.
	if p := poolOf(n1); len(p) != 2 || !p[n1.UUID()] || !p[n2.UUID()] {
		t.Errorf("node1's pool before the probe: %v", n1.PoolList())
	}
	if p := poolOf(n3); len(p) != 1 || !p[n3.UUID()] {
		t.Errorf("node3's pool before the probe: %v", n3.PoolList())
	}
	c.Probe(3)
	for _, n := range c.Nodes {
		p := poolOf(n)
		if len(p) != 3 {
			t.Errorf("%s's pool: %v", n.Name, n.PoolList())
		}
		for _, m := range c.Nodes {
			if !p[m.UUID()] {
				t.Errorf("%s's pool does not list %s Connected: %v", n.Name, m.Name, n.PoolList())
			}
		}
	}

	// The peer program on every node, local first, with its arguments
	// whole and argv[0] the full libexec path.
	lines := execute(t, n2, "node-status", "a b", "c")
	if len(lines) != 3 {
		t.Fatalf("execute on node2: %d lines, want 3: %+v", len(lines), lines)
	}
	if got := uuidsOf(lines); !slices.Equal(got, all) {
		t.Errorf("execute on node2 ran on %q, want %q", got, all)
	}
	if lines[0].Host != "node2" || lines[0].UUID != n2.UUID() {
		t.Errorf("execute on node2: first line from %s (%s), want node2's own", lines[0].Host, lines[0].UUID)
	}
	for _, l := range lines {
		if want := c.Libexec + "/peer_gluster-eventing"; l.Argv0 != want {
			t.Errorf("argv[0] on %s: %q, want %q", l.Host, l.Argv0, want)
		}
		if !slices.Equal(l.Args, []string{"node-status", "a b", "c"}) {
			t.Errorf("args on %s: %q", l.Host, l.Args)
		}
		if l.Home != "" {
			t.Errorf("HOME on %s: %q; glusterd (and so the peer program) should have a clean environment", l.Host, l.Home)
		}
	}
	if _, err := os.Lstat(c.Libexec + "/peer_gluster-eventing"); err == nil {
		t.Errorf("the host's libexec dir got peer_gluster-eventing")
	}

	// NodeDirs are private per node; the node config is there; the events
	// dir is missing, as on a fresh Debian node.
	n1.MustRun(nil, "sh", "-c", "echo one > /var/lib/gluster-eventing/mine")
	if got := readFile(n1.HostPath("/var/lib/gluster-eventing/mine")); got != "one\n" {
		t.Errorf("node1's file at its host path: %q", got)
	}
	if out, err := n2.Run(nil, "test", "-e", "/var/lib/gluster-eventing/mine"); err == nil {
		t.Errorf("node1's /var/lib/gluster-eventing/mine is visible on node2 (%s)", out)
	}
	if _, err := os.Stat("/var/lib/gluster-eventing/mine"); err == nil {
		t.Errorf("node1's /var/lib/gluster-eventing/mine is visible on the host")
	}
	if out := n3.MustRun(nil, "cat", "/etc/gluster-eventing/gluster-eventing.toml"); !strings.Contains(out, `"[::]:55555"`) ||
		!strings.Contains(out, `"/var/lib/gluster-eventing"`) || !strings.Contains(out, `bus = "none"`) {
		t.Errorf("node3's node config:\n%s", out)
	}
	if out, err := n1.Run(nil, "test", "-e", "/var/lib/glusterd/events"); err == nil {
		t.Errorf("/var/lib/glusterd/events exists on node1 without EventsDir (%s)", out)
	}

	// A host-side wrapper runs gluster in node3; exit codes come through.
	if out, err := exec.Command(n3.WrapCommand("gluster"), "--mode=script", "pool", "list").CombinedOutput(); err != nil ||
		!strings.Contains(string(out), n3.UUID()+"\tlocalhost") {
		t.Errorf("gluster pool list through node3's wrapper: %v: %s", err, out)
	}
	if _, err := n2.Run(nil, "sh", "-c", "exit 7"); ExitCode(err) != 7 {
		t.Errorf("ExitCode of exit 7: %d (%v)", ExitCode(err), err)
	}

	// A listener of the test in node1's namespace, reached from node3.
	ln, err := n1.Listen("tcp", n1.Addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer conn.Close()
		line, _ := bufio.NewReader(conn).ReadString('\n')
		got <- line
	}()
	n3.MustRun(nil, "bash", "-c", "echo from-node3 >/dev/tcp/"+n1.Addr+"/"+portOf(ln.Addr().String()))
	select {
	case s := <-got:
		if s != "from-node3\n" {
			t.Errorf("listener in node1 got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("listener in node1 got nothing from node3")
	}

	// node3's glusterd down: execute skips it silently, pool list says so.
	n3.StopGlusterd()
	if p := poolOf(n1); len(p) != 3 || p[n3.UUID()] || !p[n2.UUID()] {
		t.Errorf("node1's pool with node3's glusterd down: %v", n1.PoolList())
	}
	if got, want := uuidsOf(execute(t, n1, "node-status")), sortedUUIDs(n1, n2); !slices.Equal(got, want) {
		t.Errorf("execute with node3 down ran on %q, want %q", got, want)
	}
	n3.StartGlusterd()
	if p := poolOf(n1); len(p) != 3 || !p[n3.UUID()] {
		t.Errorf("node1's pool with node3's glusterd back: %v", n1.PoolList())
	}
	if got := uuidsOf(execute(t, n1, "node-status")); !slices.Equal(got, all) {
		t.Errorf("execute with node3 back ran on %q, want %q", got, all)
	}

	c.Detach(3)
	if p := poolOf(n1); len(p) != 2 || p[n3.UUID()] {
		t.Errorf("node1's pool after detaching node3: %v", n1.PoolList())
	}

	// Teardown: no process in the nodes' namespaces, no namespace left.
	names := c.NetnsNames()
	if len(names) != 4 {
		t.Errorf("cluster namespaces %q, want the bridge's and 3 nodes'", names)
	}
	c.Close()
	for _, n := range c.Nodes {
		if left := pidsInNetns(n.netns); len(left) > 0 {
			t.Errorf("processes left in %s after Close: %v", n.Name, left)
		}
	}
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns list: %v: %s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		if strings.HasPrefix(line, c.Prefix) {
			t.Errorf("namespace left after Close: %s", line)
		}
	}
}

// TestClusterDaemon runs the real gluster-eventing daemon in a one-node
// cluster through StartDaemon: its API answers with the node's glusterd
// UUID, its state is in the node's private state dir, and StopDaemon and
// KillDaemon stop it.
func TestClusterDaemon(t *testing.T) {
	Require(t)
	bin := BuildEventing(t, "../..")
	c := StartCluster(t, ClusterConfig{Prefix: "gtd", Nodes: 1, PeerProgram: bin})
	n := c.Node(1)
	d := n.StartDaemon()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := n.API().Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.NodeID != n.UUID() {
		t.Errorf("daemon node_id %q, glusterd's UUID %q", st.NodeID, n.UUID())
	}
	if n.DaemonPID() != d.PID() {
		t.Errorf("DaemonPID %d, started %d", n.DaemonPID(), d.PID())
	}
	if entries, err := os.ReadDir(n.HostPath("/var/lib/gluster-eventing")); err != nil || len(entries) == 0 {
		t.Errorf("node's state dir at %s: %v, %d entries", n.HostPath("/var/lib/gluster-eventing"), err, len(entries))
	}
	if err := n.StopDaemon(); err != nil {
		t.Errorf("StopDaemon: %v", err)
	}
	if pid := n.DaemonPID(); pid != 0 || !d.Exited() {
		t.Errorf("after StopDaemon: DaemonPID %d, exited %v", pid, d.Exited())
	}
	d = n.StartDaemon()
	n.KillDaemon()
	var ee *exec.ExitError
	if err := d.Err(); !errors.As(err, &ee) || ee.Success() {
		t.Errorf("killed daemon's exit: %v", err)
	}
	if _, err := n.API().Status(ctx); err == nil {
		t.Errorf("the API answers after KillDaemon")
	}
}
