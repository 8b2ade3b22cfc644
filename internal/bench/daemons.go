package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	eventPort = 55555
	// hookPort is the first webhook receiver's port; fan-out uses the
	// following ones.
	hookPort    = 9001
	ceilingPort = 9000
	nodeUUID    = "b3c5e2a0-5b1e-4c57-9d3e-6a1f0c0ffee5"
	stockDaemon = "/usr/sbin/glustereventsd"
	stockPython = "/usr/bin/python3"
	stockPyPath = "/usr/lib/python3/dist-packages"
)

// sandbox is the private file system view of one scenario run: temp dirs
// bind-mounted over /var/lib/glusterd, /var/log/glusterfs and /run, and a
// state dir for gluster-eventing. The mounts live in the child's private
// mount namespace and disappear with it.
type sandbox struct {
	dir     string
	mounted []string
}

// enterSandbox checks that this process is in its own network namespace,
// brings lo up and bind-mounts the private dirs.
// parentNetNS is the parent's network namespace (from the spec).
func enterSandbox(parentNetNS string) (*sandbox, error) {
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil || parentNetNS == "" || self == parentNetNS {
		return nil, fmt.Errorf("not in a private network namespace (run through unshare --net --mount)")
	}
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip link set lo up: %v: %s", err, out)
	}
	// /var/tmp is on disk (fsync costs what it costs in production).
	dir, err := os.MkdirTemp("/var/tmp", "ge-bench-")
	if err != nil {
		return nil, err
	}
	sb := &sandbox{dir: dir}
	for _, d := range []string{"glusterd/events", "log", "run", "state"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			sb.close()
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "glusterd/glusterd.info"),
		[]byte("UUID="+nodeUUID+"\noperating-version=100000\n"), 0o600); err != nil {
		sb.close()
		return nil, err
	}
	for _, m := range [][2]string{{"glusterd", "/var/lib/glusterd"}, {"log", "/var/log/glusterfs"}, {"run", "/run"}} {
		if err := os.MkdirAll(m[1], 0o755); err != nil {
			sb.close()
			return nil, err
		}
		if err := unix.Mount(filepath.Join(dir, m[0]), m[1], "", unix.MS_BIND, ""); err != nil {
			sb.close()
			return nil, fmt.Errorf("bind-mount %s: %w", m[1], err)
		}
		sb.mounted = append(sb.mounted, m[1])
	}
	return sb, nil
}

func (sb *sandbox) path(p string) string { return filepath.Join(sb.dir, p) }

func (sb *sandbox) close() {
	for i := len(sb.mounted) - 1; i >= 0; i-- {
		_ = unix.Unmount(sb.mounted[i], unix.MNT_DETACH)
	}
	_ = os.RemoveAll(sb.dir)
}

// daemonProc is a running daemon.
type daemonProc struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	log    string
}

func hookURLs(n int) []string {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("http://127.0.0.1:%d/hook", hookPort+i)
	}
	return urls
}

// startOurs runs "gluster-eventing daemon" with a node config in the
// sandbox and a cluster config holding the webhooks; filters, if not nil,
// are their filter expressions.
func startOurs(sb *sandbox, bin string, urls []string, maxInFlight int, bus *privateBus, filters []string) (*daemonProc, error) {
	var cluster strings.Builder
	cluster.WriteString("version = 1\n")
	for i, u := range urls {
		fmt.Fprintf(&cluster, "\n[[webhook]]\nurl = %q\nformat = \"legacy\"\nmax_in_flight = %d\n", u, maxInFlight)
		if i < len(filters) {
			fmt.Fprintf(&cluster, "filter = %q\n", filters[i])
		}
	}
	clusterPath := sb.path("cluster.toml")
	if err := os.WriteFile(clusterPath, []byte(cluster.String()), 0o600); err != nil {
		return nil, err
	}
	node := fmt.Sprintf(`version = 1
listen = ["[::]:%d"]
api_socket = %q
state_dir = %q
pid_file = %q
glusterd_workdir = "/var/lib/glusterd"
cluster_config = %q
bus = %q
`, eventPort, sb.path("run/api.sock"), sb.path("state"), sb.path("run/gluster-eventing.pid"), clusterPath, busName(bus))
	nodePath := sb.path("node.toml")
	if err := os.WriteFile(nodePath, []byte(node), 0o644); err != nil {
		return nil, err
	}
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	if bus != nil {
		env = append(env, "DBUS_SYSTEM_BUS_ADDRESS="+bus.addr)
	}
	return startProc("gluster-eventing", sb.path("daemon.log"), env, bin, "daemon", "--config", nodePath)
}

func busName(bus *privateBus) string {
	if bus == nil {
		return "none"
	}
	return "system"
}

// startStock runs Gluster's glustereventsd the way its systemd unit does,
// with webhooks.json in the sandboxed /var/lib/glusterd/events.
func startStock(sb *sandbox, urls []string) (*daemonProc, error) {
	hooks := map[string]map[string]string{}
	for _, u := range urls {
		hooks[u] = map[string]string{"token": "", "secret": ""}
	}
	b, _ := json.Marshal(hooks)
	if err := os.WriteFile(sb.path("glusterd/events/webhooks.json"), b, 0o644); err != nil {
		return nil, err
	}
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH=" + stockPyPath, "LANG=C.UTF-8"}
	return startProc("glustereventsd", sb.path("daemon.log"), env, stockPython, stockDaemon, "--pid-file", sb.path("run/glustereventsd.pid"))
}

func startProc(name, logPath string, env []string, argv0 string, args ...string) (*daemonProc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(argv0, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	d := &daemonProc{name: name, cmd: cmd, exited: make(chan struct{}), log: logPath}
	go func() {
		_ = cmd.Wait()
		close(d.exited)
	}()
	return d, nil
}

func (d *daemonProc) pid() int { return d.cmd.Process.Pid }

func (d *daemonProc) alive() bool {
	select {
	case <-d.exited:
		return false
	default:
		return true
	}
}

// logTail is the end of the daemon's output, for error messages.
func (d *daemonProc) logTail() string {
	b, _ := os.ReadFile(d.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// stop sends SIGTERM to the daemon and its children (by PID), and SIGKILL
// to whatever is left after a few seconds.
func (d *daemonProc) stop() {
	pids := descendants(d.pid())
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGTERM)
	}
	select {
	case <-d.exited:
	case <-time.After(5 * time.Second):
	}
	time.Sleep(100 * time.Millisecond)
	for _, p := range pids {
		if p == d.pid() {
			if d.alive() {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			continue
		}
		// A child that is gone may have been reaped by now; only signal a
		// PID that still has the daemon's command line.
		if _, _, ok := procStat(p); ok {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
	<-d.exited
	logf("%s stopped", d.name)
}
