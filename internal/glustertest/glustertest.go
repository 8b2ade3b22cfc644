// Package glustertest runs REAL glusterd for tests: a node is a set of Linux
// namespaces on this host (network, mount, UTS) with private bind mounts
// over glusterd's directories, so a test glusterd never touches the host's
// own /var/lib/glusterd, /run, logs or UDP port 55555; a cluster is N such
// nodes whose networks are joined by a bridge. It is a Go port of the
// gluster-cluster.sh recipe (REAL-GLUSTER.md §2).
//
// Every node gets
//
//   - its own network namespace with lo and an eth0 holding the node's
//     address. A single node (StartNode) makes eth0 one end of a veth pair
//     whose other end stays inside the namespace. A cluster's node i
//     (StartCluster) lives in the named namespace <prefix>node<i> at
//     <subnet>.<10+i>/24, its eth0 plugged into the bridge <prefix>br0 in
//     the namespace <prefix>bridge. Nothing is added to the root network
//     namespace.
//   - its own mount and UTS namespaces (hostname = the node's name), held
//     open by a holder process (sleep infinity), in which these are bind
//     mounted from the node's directory on the host (Node.Dir):
//     lib/ over /var/lib/glusterd (seeded with the package's hooks/ and
//     groups/ only: every glusterd makes its own UUID), log/ over
//     /var/log/glusterfs, run/ over all of /run (the CLI socket
//     /run/glusterd.socket lives there), etc-glusterfs/ (a copy of the
//     host's) over /etc/glusterfs, hosts over /etc/hosts (every node of
//     the cluster) and bricks/ over the brick root (the same path on every
//     node). A cluster's nodes also get extra/<dir> over each of NodeDirs
//     (by default /var/lib/gluster-eventing and /etc/gluster-eventing), and
//     the cluster's copy of glusterd's libexec dir (glusterd
//     --print-libexecdir) over it, in which peer_gluster-eventing is a
//     symlink to ClusterConfig.PeerProgram: "gluster system:: execute
//     gluster-eventing ACTION" on any node runs that program on every
//     connected node. Node.HostPath maps a path inside a node to the host.
//   - glusterd -N started in a clean environment, as systemd would.
//
// Everything else is shared with the host, /tmp included: build the
// binaries under test there (BuildEventing, GoBuild; t.TempDir is under
// /tmp), and keep per-node state in the private dirs.
//
// A test talks to a node through Node.Gluster, Node.Run/MustRun (nsenter
// with a clean environment) and Node.Listen, which opens a socket of the
// test process inside the node's network namespace: a webhook receiver on
// node1's Addr is reachable from every node of a cluster over the bridge.
// By default gsyncd is hidden from glusterd, which then starts in about a
// second instead of many (see Config.GeoRep).
//
// There is no PID namespace: everything is stopped by PID, never by name.
// Teardown (a cleanup that StartNode and StartCluster register) finds the
// node's processes (bricks, self-heal daemons and daemons started in the
// node included) by their network namespace, SIGTERMs them, SIGKILLs what
// is left after 5 s and deletes the cluster's named namespaces. When the
// test failed it logs the tails of glusterd's and the started processes'
// logs and keeps the state directory.
//
// A cluster with a daemon on every node, as the cluster tests use it:
//
//	func TestWebhookEverywhere(t *testing.T) {
//		glustertest.Require(t)
//		bin := glustertest.BuildEventing(t, "..")
//		c := glustertest.StartCluster(t, glustertest.ClusterConfig{
//			Prefix:      "gcw", // unique among the module's test packages
//			PeerProgram: bin,
//			EventsDir:   true,
//		})
//		ln, err := c.Node(1).Listen("tcp", c.Node(1).Addr+":0") // webhook receiver
//		...
//		for _, n := range c.Nodes {
//			n.StartDaemon() // <bin> daemon, node config in the node's /etc/gluster-eventing
//		}
//		out := c.Node(2).MustRun(nil, bin, "webhook-add", "http://"+ln.Addr().String()+"/hook")
//		c.Node(3).StopGlusterd() // returns when node1 and node2 see it disconnected
//		...
//		c.Node(3).StartGlusterd() // returns when the pool is whole again
//	}
//
// ClusterConfig.Join starts only some nodes in the pool; Cluster.Probe adds
// one later ("a node probed after the change"). A cluster's helpers fail
// the test that started it (its t) on an error, so call them from that
// test's goroutine, not from subtests or other goroutines. Timings on 2
// CPUs: a 3-node cluster is up with its pool formed in about 1 s; a
// glusterd restart takes about 3 s until the pool is whole again (the
// peers' reconnect timer); teardown takes well under a second.
//
// Prefixes: go test runs packages in parallel; two packages must give
// their clusters different ClusterConfig.Prefix values. Clusters of one
// prefix take turns (a lock file), and a stale cluster of the prefix (a
// test killed by -timeout) is removed when the next one starts.
//
// Only tests import this package. The tests need root, util-linux
// (unshare, nsenter), iproute2 (ip netns, veth, bridge) and
// glusterfs-server; see Require.
package glustertest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// cleanPath is the PATH of every command run inside a node: what systemd
// gives a system service, without the test's language-manager shims.
const cleanPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Require stops the test unless it can run real glusterd: root, the tools
// on PATH (glusterd, gluster, ip, unshare, nsenter and any extra ones) and
// permission to create namespaces. A missing one skips the test, or fails
// it when CI=true (see internal/testenv), so that a CI job meant to run
// these tests cannot go green by skipping them. -short skips, but not
// under CI=true: CI runs them whatever the flags.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	if testing.Short() && !testenv.CI() {
		t.Skip("real-Gluster test skipped in -short mode (not with CI=true)")
	}
	testenv.Require(t, os.Geteuid() == 0, "root (real-Gluster test)")
	for _, tool := range append([]string{"glusterd", "gluster", "ip", "unshare", "nsenter"}, tools...) {
		_, err := exec.LookPath(tool)
		testenv.Require(t, err == nil, tool+" on PATH (real-Gluster test; apt-get install glusterfs-server iproute2 util-linux)")
	}
	// A veth pair and a bridge in a throw-away network namespace: what a
	// node and a cluster need.
	out, err := exec.Command("unshare", "--net", "--mount", "--uts", "--propagation", "private", "--",
		"/bin/sh", "-c", "ip link add eth0 type veth peer name eth0-peer && ip link add br0 type bridge").CombinedOutput()
	if err != nil {
		testenv.Require(t, false, fmt.Sprintf(
			"permission to create namespaces, veth links and bridges (real-Gluster test; needs CAP_SYS_ADMIN and CAP_NET_ADMIN; unshare: %v: %s)",
			err, bytes.TrimSpace(out)))
	}
}

// BuildEventing builds the gluster-eventing binary of the module rooted at
// moduleDir into a temporary directory that nodes see too (it is under
// os.TempDir, which is shared with the nodes) and returns its path: a
// cluster's PeerProgram and Daemon.
func BuildEventing(t testing.TB, moduleDir string) string {
	t.Helper()
	return GoBuild(t, moduleDir, "gluster-eventing", "github.com/gluster/gluster-eventing")
}

// GoBuild runs "go build -o <temp dir>/name pkg" in dir and returns the
// binary's path (under os.TempDir, so nodes see it). pkg may be a package
// path or a .go file.
func GoBuild(t testing.TB, dir, name, pkg string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		if root := os.Getenv("GOROOT"); root != "" {
			goTool = filepath.Join(root, "bin", "go")
		} else {
			t.Fatalf("go tool not found: %v", err)
		}
	}
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command(goTool, "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) <= n {
		return s
	}
	return "[... " + strconv.Itoa(len(lines)-n) + " lines left out ...]\n" + strings.Join(lines[len(lines)-n:], "")
}
