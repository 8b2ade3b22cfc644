package glustertest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gluster/gluster-eventing/internal/config"
)

// ClusterConfig describes a cluster for StartCluster.
type ClusterConfig struct {
	// Prefix names everything the cluster creates on the host: the network
	// namespaces <Prefix>node<i> and <Prefix>bridge, the links <Prefix>br0
	// and <Prefix>v<i>, the lock file and the state directory. 1-8
	// lowercase letters and digits, starting with a letter. Two test
	// packages (which go test runs in parallel) must use different
	// prefixes; clusters of one prefix run one at a time (StartCluster
	// waits for the previous one's teardown), and a cluster left behind by
	// a killed test of the same prefix is removed first.
	Prefix string
	// Nodes is the number of nodes, default 3.
	Nodes int
	// Join is how many nodes are in the pool at start: node2..Join are
	// probed from node1. 0 means all; 1 means none is probed. The others
	// run glusterd with no peers until Cluster.Probe.
	Join int
	// Subnet is the first three octets of the node addresses (node i is
	// <Subnet>.<10+i>/24); default derived from Prefix. The network has no
	// link to the host's, so subnets of different clusters may overlap.
	Subnet string
	// PeerProgram is the program "gluster system:: execute gluster-eventing"
	// runs on every node: peer_gluster-eventing in the nodes' libexec dir
	// is a symlink to it (so glusterd runs it with argv[0] = the full
	// libexec path). It must be a path every node sees: under /tmp (such
	// as a t.TempDir) or anywhere else outside the nodes' private dirs.
	PeerProgram string
	// Daemon is the gluster-eventing binary Node.StartDaemon runs; default
	// PeerProgram.
	Daemon string
	// EventsDir creates /var/lib/glusterd/events on every node. Debian's
	// package does not ship it, so by default it is missing, as on a real
	// fresh node.
	EventsDir bool
	// NodeDirs are further directories private to each node (bound from
	// the node's dir; a missing one is created, empty, on the host first).
	// nil means DefaultNodeDirs(); use an empty, non-nil slice for none.
	NodeDirs []string
	// NodeConfig adjusts node i's config (1-based) before it is written to
	// the node's /etc/gluster-eventing/gluster-eventing.toml. The harness
	// sets listen = ["[::]:55555"], state_dir = /var/lib/gluster-eventing,
	// bus = "none" and log_level = "debug". No file is written when
	// /etc/gluster-eventing is not in NodeDirs.
	NodeConfig func(i int, c *config.Node)
	// ProbeByName probes by hostname (node<i>) instead of address, so that
	// every pool list names the peers node<i>.
	ProbeByName bool
	// GeoRep keeps gsyncd visible to glusterd (see Config.GeoRep).
	GeoRep bool
}

// DefaultNodeDirs returns the per-node private dirs of a cluster by
// default: the state and config dirs of gluster-eventing.
func DefaultNodeDirs() []string {
	return []string{"/var/lib/gluster-eventing", "/etc/gluster-eventing"}
}

// Cluster is a running N-node Gluster cluster: N Nodes whose eth0 are
// plugged into one bridge.
type Cluster struct {
	t testing.TB
	// Prefix and Subnet are ClusterConfig's (Subnet with its default).
	Prefix, Subnet string
	// Root is the host directory of the nodes' dirs (Root/node<i>), the
	// brick root and the libexec copy.
	Root string
	// Nodes are the nodes, node1 first. Node(i) is Nodes[i-1].
	Nodes []*Node
	// Libexec is glusterd's libexec dir (glusterd --print-libexecdir), as
	// every node sees it; LibexecCopy is the host directory bound over it
	// in every node (a copy of the host's, plus peer_gluster-eventing). A
	// file added to LibexecCopy shows in every node at once.
	Libexec, LibexecCopy string
	// PeerProgram is ClusterConfig's.
	PeerProgram string

	cfg         ClusterConfig
	own         *sync.Map
	reaper      *reaper
	subreaper   bool
	netns       []string // named network namespaces created, bridge first
	joined      []bool   // per node (0-based): in the pool
	closed      bool
	probeTarget func(n *Node) string
}

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,7}$`)

// StartCluster starts a cluster: it creates the network (a bridge in a
// network namespace of its own, one namespace per node with its eth0 on the
// bridge; nothing in the host's), starts every node's holder and glusterd,
// probes node2..Join from node1 and waits until every node of the pool
// lists every other one Connected. A cleanup (Close) stops everything by
// PID and deletes the namespaces, logging the nodes' logs if the test
// failed.
func StartCluster(t testing.TB, cfg ClusterConfig) *Cluster {
	t.Helper()
	start := time.Now()
	if !prefixRE.MatchString(cfg.Prefix) {
		t.Fatalf("glustertest: cluster prefix %q: want 1-8 lowercase letters and digits, starting with a letter", cfg.Prefix)
	}
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	if cfg.Nodes < 1 || cfg.Nodes > 50 {
		t.Fatalf("glustertest: %d nodes: want 1-50", cfg.Nodes)
	}
	if cfg.Join == 0 {
		cfg.Join = cfg.Nodes
	}
	if cfg.Join < 1 || cfg.Join > cfg.Nodes {
		t.Fatalf("glustertest: Join %d: want 1-%d", cfg.Join, cfg.Nodes)
	}
	if cfg.Subnet == "" {
		h := fnv.New32a()
		h.Write([]byte(cfg.Prefix))
		s := h.Sum32()
		cfg.Subnet = fmt.Sprintf("10.%d.%d", 200+s%50, (s/50)%256)
	}
	if cfg.NodeDirs == nil {
		cfg.NodeDirs = DefaultNodeDirs()
	}
	for _, d := range cfg.NodeDirs {
		if !filepath.IsAbs(d) || filepath.Clean(d) != d || d == "/" {
			t.Fatalf("glustertest: NodeDirs: %q is not a clean absolute path", d)
		}
	}
	if cfg.Daemon == "" {
		cfg.Daemon = cfg.PeerProgram
	}
	for _, p := range []*string{&cfg.PeerProgram, &cfg.Daemon} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(abs); err != nil {
			t.Fatalf("glustertest: %v", err)
		}
		*p = abs
	}
	libexec, err := glusterdLibexec()
	if err != nil {
		t.Fatalf("glustertest: %v", err)
	}

	reapOrphans(t)
	c := &Cluster{t: t, Prefix: cfg.Prefix, Subnet: cfg.Subnet, PeerProgram: cfg.PeerProgram, Libexec: libexec,
		cfg: cfg, own: &sync.Map{}, joined: make([]bool, cfg.Nodes)}
	lockPrefix(t, cfg.Prefix)
	removeStale(t, cfg.Prefix)
	c.Root = tempRoot(t, rootPrefix+cfg.Prefix+"-*")
	acquireSubreaper()
	c.subreaper = true
	t.Cleanup(c.Close)

	// The libexec copy, with the peer program.
	c.LibexecCopy = filepath.Join(c.Root, "libexec")
	if err := os.MkdirAll(c.LibexecCopy, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", libexec+"/.", c.LibexecCopy+"/").CombinedOutput(); err != nil {
		t.Fatalf("glustertest: copying %s: %v: %s", libexec, err, out)
	}
	if cfg.PeerProgram != "" {
		link := filepath.Join(c.LibexecCopy, "peer_gluster-eventing")
		os.Remove(link)
		if err := os.Symlink(cfg.PeerProgram, link); err != nil {
			t.Fatal(err)
		}
	}

	if err := c.netUp(); err != nil {
		t.Fatalf("glustertest: cluster network: %v", err)
	}
	var hosts []string
	for i := 1; i <= cfg.Nodes; i++ {
		hosts = append(hosts, c.addr(i)+" node"+strconv.Itoa(i))
	}
	for i := 1; i <= cfg.Nodes; i++ {
		n := newNode(t, "node"+strconv.Itoa(i), c.addr(i), c.Root, c.own)
		n.cluster, n.index, n.program = c, i, cfg.Daemon
		c.Nodes = append(c.Nodes, n)
		if err := c.prepareNode(n, hosts); err != nil {
			t.Fatalf("glustertest: preparing %s: %v", n.Name, err)
		}
		holder := exec.Command("ip", "netns", "exec", c.nsName(i), "unshare", "--mount", "--uts", "--propagation", "private", "--",
			"/bin/sh", "-c", holderScript)
		if err := n.startHolder(holder, 24, cfg.GeoRep, false); err != nil {
			t.Fatalf("glustertest: %v", err)
		}
	}
	c.reaper = startReaper(func(pid int) bool { _, ok := c.own.Load(pid); return ok })
	for _, n := range c.Nodes {
		n.spawnGlusterd()
	}
	for _, n := range c.Nodes {
		if err := n.waitGlusterd(); err != nil {
			t.Fatalf("glustertest: %v", err)
		}
	}
	tUp := time.Since(start)
	c.joined[0] = true
	c.probeTarget = func(n *Node) string {
		if cfg.ProbeByName {
			return n.Name
		}
		return n.Addr
	}
	for i := 2; i <= cfg.Join; i++ {
		c.Nodes[0].Gluster("peer", "probe", c.probeTarget(c.Node(i)))
		c.joined[i-1] = true
	}
	c.WaitConnected()
	t.Logf("glustertest: cluster %s: %d nodes (%d in the pool) up in %s (glusterd %s), subnet %s.0/24, state in %s",
		cfg.Prefix, cfg.Nodes, cfg.Join, time.Since(start).Round(time.Millisecond), tUp.Round(time.Millisecond), cfg.Subnet, c.Root)
	return c
}

// Node returns node i, 1-based.
func (c *Cluster) Node(i int) *Node {
	c.t.Helper()
	if i < 1 || i > len(c.Nodes) {
		c.t.Fatalf("glustertest: no node %d (cluster of %d)", i, len(c.Nodes))
	}
	return c.Nodes[i-1]
}

// Joined reports whether node i is in the pool.
func (c *Cluster) Joined(i int) bool { return c.joined[c.Node(i).index-1] }

// Probe adds node i to the pool: "peer probe" from node1, then
// WaitConnected.
func (c *Cluster) Probe(i int) {
	c.t.Helper()
	n := c.Node(i)
	if c.joined[i-1] {
		c.t.Fatalf("glustertest: %s is in the pool already", n.Name)
	}
	c.Nodes[0].Gluster("peer", "probe", c.probeTarget(n))
	c.joined[i-1] = true
	c.WaitConnected()
}

// Detach removes node i from the pool: "peer detach" from node1, then
// WaitConnected (which also waits until node i lists no peer).
func (c *Cluster) Detach(i int) {
	c.t.Helper()
	n := c.Node(i)
	if i == 1 || !c.joined[i-1] {
		c.t.Fatalf("glustertest: cannot detach %s (node1 is the pool's anchor; others must be in the pool)", n.Name)
	}
	c.Nodes[0].Gluster("peer", "detach", c.probeTarget(n))
	c.joined[i-1] = false
	c.WaitConnected()
}

// WaitConnected waits (up to a minute) until the pool is what the harness
// expects: every node of the pool whose glusterd runs lists exactly the
// pool's nodes, those whose glusterd runs Connected and the others not,
// and every node outside the pool whose glusterd runs lists only itself.
// StartGlusterd, StopGlusterd, KillGlusterd, Probe and Detach call it.
func (c *Cluster) WaitConnected() {
	c.t.Helper()
	var last error
	err := waitUntil(time.Minute, nil, func() bool {
		last = c.poolAsExpected()
		return last == nil
	})
	if err != nil {
		c.t.Fatalf("glustertest: pool not as expected after a minute: %v", last)
	}
}

func (c *Cluster) poolAsExpected() error {
	var errs []error
	for i, n := range c.Nodes {
		if !n.GlusterdRunning() {
			continue
		}
		peers, err := n.poolList()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got := map[string]bool{}
		for _, p := range peers {
			got[p.UUID] = p.Connected
		}
		want := map[string]bool{n.uuid(): true}
		if c.joined[i] {
			for j, m := range c.Nodes {
				if c.joined[j] {
					want[m.uuid()] = m.GlusterdRunning()
				}
			}
		}
		if len(got) != len(want) {
			errs = append(errs, fmt.Errorf("%s lists %d nodes, want %d: %v", n.Name, len(got), len(want), peers))
			continue
		}
		for uuid, conn := range want {
			if g, ok := got[uuid]; !ok || g != conn {
				errs = append(errs, fmt.Errorf("%s: %s: listed %v, connected %v; want connected %v (%v)", n.Name, uuid, ok, g, conn, peers))
			}
		}
	}
	return errors.Join(errs...)
}

// Peer is one entry of a node's "gluster pool list" (the node itself is
// "localhost").
type Peer struct {
	UUID      string
	Hostname  string
	Connected bool
}

// PoolList returns the node's "gluster pool list --xml", failing the test
// on an error.
func (n *Node) PoolList() []Peer {
	n.t.Helper()
	peers, err := n.poolList()
	if err != nil {
		n.t.Fatal(err)
	}
	return peers
}

func (n *Node) poolList() ([]Peer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := n.Command(ctx, nil, "gluster", "--mode=script", "--xml", "--timeout=10", "pool", "list").Output()
	if err != nil {
		return nil, fmt.Errorf("%s: gluster pool list: %w", n.Name, err)
	}
	var o struct {
		OpRet    int    `xml:"opRet"`
		OpErrstr string `xml:"opErrstr"`
		Peers    []struct {
			UUID      string `xml:"uuid"`
			Hostname  string `xml:"hostname"`
			Connected int    `xml:"connected"`
		} `xml:"peerStatus>peer"`
	}
	if err := xml.Unmarshal(out, &o); err != nil {
		return nil, fmt.Errorf("%s: gluster pool list: %w: %q", n.Name, err, out)
	}
	if o.OpRet != 0 {
		return nil, fmt.Errorf("%s: gluster pool list: opRet %d: %s", n.Name, o.OpRet, o.OpErrstr)
	}
	var peers []Peer
	for _, p := range o.Peers {
		peers = append(peers, Peer{UUID: p.UUID, Hostname: p.Hostname, Connected: p.Connected == 1})
	}
	return peers, nil
}

// uuid is UUID without failing: "" before glusterd's first start.
func (n *Node) uuid() string {
	for line := range strings.Lines(readFile(filepath.Join(n.Dir, "lib", "glusterd.info"))) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "UUID="); ok {
			return v
		}
	}
	return ""
}

// Close stops every process of every node by PID (SIGTERM, SIGKILL after
// 5 s), deletes the cluster's network namespaces (the bridge and veths go
// with them) and, if the test failed, logs the nodes' logs. It is
// idempotent; StartCluster registers it as a cleanup.
func (c *Cluster) Close() {
	if c.closed {
		return
	}
	c.closed = true
	stopNodes(c.t, c.Nodes)
	if c.reaper != nil {
		c.reaper.close()
	}
	for i := len(c.netns) - 1; i >= 0; i-- {
		if out, err := exec.Command("ip", "netns", "del", c.netns[i]).CombinedOutput(); err != nil {
			c.t.Errorf("glustertest: ip netns del %s: %v: %s", c.netns[i], err, out)
		}
	}
	c.netns = nil
	if c.subreaper {
		releaseSubreaper()
		c.subreaper = false
	}
	if c.t.Failed() {
		for _, n := range c.Nodes {
			n.logLogs()
		}
	}
}

// NetnsNames are the cluster's named network namespaces ("ip netns list"):
// the bridge's, then node1's, node2's, ...
func (c *Cluster) NetnsNames() []string {
	return slices.Clone(c.netns)
}

func (c *Cluster) nsName(i int) string { return c.Prefix + "node" + strconv.Itoa(i) }
func (c *Cluster) addr(i int) string   { return c.Subnet + "." + strconv.Itoa(10+i) }

// netUp creates the bridge's namespace and bridge, and each node's
// namespace with lo and eth0 (a veth whose peer is a bridge port).
func (c *Cluster) netUp() error {
	br, brNS := c.Prefix+"br0", c.Prefix+"bridge"
	ipCmd := func(args ...string) error {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if err := ipCmd("netns", "add", brNS); err != nil {
		return err
	}
	c.netns = append(c.netns, brNS)
	for _, args := range [][]string{
		{"-n", brNS, "link", "set", "lo", "up"},
		{"-n", brNS, "link", "add", br, "type", "bridge"},
		{"-n", brNS, "link", "set", br, "up"},
	} {
		if err := ipCmd(args...); err != nil {
			return err
		}
	}
	for i := 1; i <= c.cfg.Nodes; i++ {
		ns, port := c.nsName(i), c.Prefix+"v"+strconv.Itoa(i)
		if err := ipCmd("netns", "add", ns); err != nil {
			return err
		}
		c.netns = append(c.netns, ns)
		for _, args := range [][]string{
			{"-n", ns, "link", "set", "lo", "up"},
			{"-n", brNS, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns},
			{"-n", brNS, "link", "set", port, "master", br, "up"},
			{"-n", ns, "addr", "add", c.addr(i) + "/24", "dev", "eth0"},
			{"-n", ns, "link", "set", "eth0", "up"},
		} {
			if err := ipCmd(args...); err != nil {
				return err
			}
		}
	}
	return os.WriteFile(filepath.Join(c.Root, "netns"), []byte(strings.Join(c.netns, "\n")+"\n"), 0o644)
}

// prepareNode makes n's dirs (the standard ones, NodeDirs, the events
// dir), its binds (libexec copy, NodeDirs) and its node config.
func (c *Cluster) prepareNode(n *Node, hosts []string) error {
	var others []string
	for _, h := range hosts {
		if !strings.HasSuffix(h, " "+n.Name) {
			others = append(others, h)
		}
	}
	if err := n.prepareDirs(others); err != nil {
		return err
	}
	n.binds = append(n.binds, bind{c.LibexecCopy, c.Libexec})
	for _, d := range c.cfg.NodeDirs {
		src := filepath.Join(n.Dir, "extra", d)
		if err := os.MkdirAll(src, 0o755); err != nil {
			return err
		}
		n.binds = append(n.binds, bind{src, d})
	}
	if c.cfg.EventsDir {
		if err := os.MkdirAll(filepath.Join(n.Dir, "lib", "events"), 0o755); err != nil {
			return err
		}
	}
	if !slices.Contains(c.cfg.NodeDirs, filepath.Dir(config.DefaultNodePath)) {
		return nil
	}
	nc := config.DefaultNode()
	nc.Listen = []string{"[::]:55555"}
	nc.Bus = "none"
	nc.LogLevel = "debug"
	if !slices.Contains(c.cfg.NodeDirs, nc.StateDir) {
		nc.StateDir = "/run/gluster-eventing/state" // /run is private
	}
	if c.cfg.NodeConfig != nil {
		c.cfg.NodeConfig(n.index, nc)
	}
	if err := config.WriteNode(n.HostPath(config.DefaultNodePath), nc); err != nil {
		return err
	}
	n.nodeCfg = nc
	n.extraLog = append(n.extraLog, n.HostPath(filepath.Join(nc.StateDir, "daemon.log")))
	return nil
}

// glusterdLibexec is glusterd's libexec dir (where "system:: execute NAME"
// finds peer_NAME).
func glusterdLibexec() (string, error) {
	out, err := exec.Command("glusterd", "--print-libexecdir").Output()
	if err != nil {
		return "", fmt.Errorf("glusterd --print-libexecdir: %w", err)
	}
	dir := filepath.Clean(strings.TrimSpace(string(out)))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("glusterd's libexec dir %q: not a directory (%v)", dir, err)
	}
	return dir, nil
}

// lockPrefix takes the prefix's lock (waiting up to 10 minutes for another
// cluster of the prefix, in this process or another, to go) until the end
// of the test (or of the process).
func lockPrefix(t testing.TB, prefix string) {
	t.Helper()
	path := filepath.Join(os.TempDir(), "ge-cluster-"+prefix+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Minute)
	logged := false
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			t.Cleanup(func() { f.Close() }) // runs last: after Close and the state dir's removal
			return
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			t.Fatalf("glustertest: lock %s: %v", path, err)
		}
		if !logged {
			t.Logf("glustertest: waiting for another cluster with prefix %q to go (%s)", prefix, path)
			logged = true
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// removeStale removes the network namespaces of prefix that a killed test
// left behind (the caller holds the prefix's lock, so none is in use):
// their processes are killed by PID, then the namespaces deleted.
func removeStale(t testing.TB, prefix string) {
	t.Helper()
	entries, _ := os.ReadDir("/run/netns")
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `(node[0-9]+|bridge)$`)
	for _, e := range entries {
		name := e.Name()
		if !re.MatchString(name) {
			continue
		}
		out, _ := exec.Command("ip", "netns", "pids", name).Output()
		var pids []int
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
				pids = append(pids, pid)
			}
		}
		t.Logf("glustertest: removing stale network namespace %s (pids %v)", name, pids)
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if err := waitUntil(5*time.Second, nil, func() bool { return len(livePIDs(pids)) == 0 }); err != nil {
			t.Fatalf("glustertest: processes %v of stale %s: %v", livePIDs(pids), name, err)
		}
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Fatalf("glustertest: ip netns del %s: %v: %s", name, err, out)
		}
	}
}
