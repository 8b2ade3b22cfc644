// Package glustertest runs REAL glusterd for tests: a node is a set of Linux
// namespaces on this host (network, mount, UTS) with private bind mounts
// over glusterd's directories, so a test glusterd never touches the host's
// own /var/lib/glusterd, /run, logs or UDP port 55555.
//
// It is a Go port of the node setup of the gluster-cluster.sh recipe
// (one node of its namespace cluster): every node gets
//
//   - its own network namespace with lo and an "eth0" (one end of a veth
//     pair whose other end also stays inside the namespace) holding the
//     node's address, so nothing is added to the root network namespace;
//   - its own mount and UTS namespaces (hostname = the node's name), held
//     open by a holder process (sleep infinity), in which these are bind
//     mounted from the node's directory on the host:
//     lib/ over /var/lib/glusterd (seeded with the package's hooks/ and
//     groups/ only), log/ over /var/log/glusterfs, run/ over /run,
//     etc-glusterfs/ (a copy of the host's) over /etc/glusterfs, hosts over
//     /etc/hosts and bricks/ over the brick root;
//   - glusterd -N started in a clean environment, as systemd would.
//
// The node has no link to the host. A test talks to it through
// Node.Command/Run (nsenter) and Node.Listen, which opens a socket of the
// test process inside the node's network namespace (e.g. a webhook
// receiver at Node.Addr). By default gsyncd is hidden from glusterd, which
// then starts in about a second instead of many (see Config.GeoRep).
//
// There is no PID namespace: everything is stopped by PID, never by name.
// Stop finds the node's processes (bricks and self-heal daemons included) by
// their network namespace.
//
// Only tests import this package. The tests need root, util-linux
// (unshare, nsenter), iproute2 and glusterfs-server; see Require.
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
	out, err := exec.Command("unshare", "--net", "--mount", "--uts", "--propagation", "private", "--",
		"ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer").CombinedOutput()
	if err != nil {
		testenv.Require(t, false, fmt.Sprintf(
			"permission to create namespaces and veth links (real-Gluster test; needs CAP_SYS_ADMIN and CAP_NET_ADMIN; unshare: %v: %s)",
			err, bytes.TrimSpace(out)))
	}
}

// BuildEventing builds the gluster-eventing binary of the module rooted at
// moduleDir into a temporary directory that nodes see too (it is under
// os.TempDir, which is shared with the host) and returns its path.
func BuildEventing(t testing.TB, moduleDir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		if root := os.Getenv("GOROOT"); root != "" {
			goTool = filepath.Join(root, "bin", "go")
		} else {
			t.Fatalf("go tool not found: %v", err)
		}
	}
	out := filepath.Join(t.TempDir(), "gluster-eventing")
	cmd := exec.Command(goTool, "build", "-o", out, "github.com/gluster/gluster-eventing")
	cmd.Dir = moduleDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build gluster-eventing: %v\n%s", err, b)
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
