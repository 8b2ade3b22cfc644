package glustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
)

// NodeConfig is the node config the cluster wrote to the node's
// /etc/gluster-eventing/gluster-eventing.toml (config.DefaultNodePath), nil
// if none (a single node, or NodeDirs without /etc/gluster-eventing). Paths
// in it are paths inside the node: see HostPath.
func (n *Node) NodeConfig() *config.Node { return n.nodeCfg }

// API returns a client of the node's daemon API socket (the node config's
// api_socket, reached through its host path).
func (n *Node) API() *api.Client {
	n.t.Helper()
	n.needNodeConfig()
	return api.NewClient(n.HostPath(n.nodeCfg.APISocket))
}

// StartDaemon starts "<Daemon> daemon args..." inside the node (clean
// environment; it finds the node config at its default path) and waits up
// to 30 s until its API answers GET /v1/status. The daemon's output goes to
// Dir/daemon.log, shown when the test fails.
func (n *Node) StartDaemon(args ...string) *Proc {
	n.t.Helper()
	n.needNodeConfig()
	if n.program == "" {
		n.t.Fatalf("glustertest: %s: no daemon binary (ClusterConfig.Daemon or PeerProgram)", n.Name)
	}
	if pid := n.DaemonPID(); pid != 0 {
		n.t.Fatalf("glustertest: %s: a daemon runs already (pid %d)", n.Name, pid)
	}
	p := n.Start("daemon", nil, append([]string{n.program, "daemon"}, args...)...)
	n.daemon = p
	client := n.API()
	var last error
	err := waitUntil(30*time.Second, p, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, last = client.Status(ctx)
		return last == nil
	})
	if err != nil {
		n.t.Fatalf("glustertest: %s: daemon not answering on %s: %v (last: %v)\n%s", n.Name, client.Socket, err, last, tail(readFile(p.Log), 80))
	}
	return p
}

// DaemonPID is the PID of the node's running daemon: the one StartDaemon
// started, else the one in the node config's pid_file (a daemon started
// in the node otherwise, e.g. by "gluster-eventing start"), if it is alive
// and in the node; 0 if none runs.
func (n *Node) DaemonPID() int {
	if n.daemon != nil && !n.daemon.Exited() {
		return n.daemon.PID()
	}
	if n.nodeCfg == nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(n.HostPath(n.nodeCfg.PIDFile))))
	if err != nil || pid <= 1 || !alive(pid) {
		return 0
	}
	if ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); ns != n.netns {
		return 0
	}
	return pid
}

// StopDaemon stops the node's daemon (see DaemonPID) with SIGTERM and
// waits until it has exited; after 15 s it SIGKILLs it and returns an
// error. It returns the exit error of a daemon StartDaemon started (nil for
// a clean exit), and nil if no daemon runs.
func (n *Node) StopDaemon() error {
	n.t.Helper()
	if n.daemon != nil && !n.daemon.Exited() {
		return n.daemon.Stop(15 * time.Second)
	}
	pid := n.DaemonPID()
	if pid == 0 {
		return nil
	}
	syscall.Kill(pid, syscall.SIGTERM)
	if err := waitUntil(15*time.Second, nil, func() bool { return !alive(pid) }); err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		return fmt.Errorf("%s: daemon (pid %d) did not exit within 15 s of SIGTERM; killed", n.Name, pid)
	}
	return nil
}

// KillDaemon SIGKILLs the node's daemon (a crash) and waits until it is
// gone. It does nothing if no daemon runs.
func (n *Node) KillDaemon() {
	n.t.Helper()
	if n.daemon != nil && !n.daemon.Exited() {
		_ = n.daemon.Signal(syscall.SIGKILL)
		<-n.daemon.Done()
		return
	}
	pid := n.DaemonPID()
	if pid == 0 {
		return
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if err := waitUntil(15*time.Second, nil, func() bool { return !alive(pid) }); err != nil {
		n.t.Fatalf("glustertest: %s: killed daemon %d still there: %v", n.Name, pid, err)
	}
}

func (n *Node) needNodeConfig() {
	n.t.Helper()
	if n.nodeCfg == nil {
		n.t.Fatalf("glustertest: %s has no node config (a cluster node with /etc/gluster-eventing in NodeDirs has one)", n.Name)
	}
}

// Index is the node's number in its cluster (node<i>), 0 for a single node.
func (n *Node) Index() int { return n.index }

// EventsDir is the host path of the node's /var/lib/glusterd/events.
func (n *Node) EventsDir() string { return filepath.Join(n.Dir, "lib", "events") }
