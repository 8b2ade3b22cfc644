package glustertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// Config describes one node. The zero value is a node "node1" at
// 10.251.0.11/24 under a fresh temporary root.
type Config struct {
	// Root is the directory for the node's state (Root/<Name>/) and the
	// brick root (Root/bricks). Empty means a new directory under
	// os.TempDir() that is removed when the test passes and kept (its path
	// logged) when it fails.
	Root string
	// Name is the node's hostname, default "node1".
	Name string
	// Addr is the node's IPv4 address on its eth0, default "10.251.0.11".
	// The address is private to the node's network namespace.
	Addr string
	// PrefixLen is the eth0 prefix length, default 24.
	PrefixLen int
	// Hosts are extra /etc/hosts lines ("10.251.0.12 node2").
	Hosts []string
	// GeoRep keeps geo-replication available. By default the node hides
	// gsyncd from glusterd (a stub whose interpreter does not exist is bound
	// over it, so exec fails with ENOENT as if geo-replication were not
	// installed): glusterd then skips configure_syncdaemon, about 15 Python
	// runs that make up most of its start-up time (1.5 s idle, over 15 s on
	// a loaded 2-CPU machine). Events are not affected.
	GeoRep bool
}

// Node is one running glusterd in its own namespaces.
type Node struct {
	t testing.TB
	// Name is the node's hostname; /etc/hosts maps it to Addr.
	Name string
	// Addr is the node's address (brick hosts, webhook receivers).
	Addr string
	// Dir is the host-side directory of the node's private dirs: lib/
	// (/var/lib/glusterd), log/ (/var/log/glusterfs), run/ (/run),
	// etc-glusterfs/, bricks/, hosts and the logs of Start'ed processes.
	// Everything else under os.TempDir() is shared with the node, so a
	// path under Dir means the same file inside and outside.
	Dir string
	// BrickRoot is where bricks go inside the node (Root/bricks); its
	// content is Dir/bricks.
	BrickRoot string

	holder   *Proc
	netns    string // "net:[inode]" of the node
	glusterd *Proc
	procs    []*Proc
	own      *sync.Map // PIDs of exec.Cmd children (holder, procs, Run): the reaper leaves them alone
	reaper   *reaper   // nil for a cluster's nodes: the cluster has one for all
	binds    []bind    // private dirs: host path -> path inside the node
	stopped  bool

	// Set for a cluster's nodes (cluster.go).
	cluster  *Cluster
	index    int          // 1-based
	program  string       // the PeerProgram
	nodeCfg  *config.Node // the node config written for the node, nil if none
	daemon   *Proc        // the last StartDaemon
	extraLog []string     // host paths of further logs to show on failure
}

// bind is one private bind mount of a node: host path src over dst.
type bind struct{ src, dst string }

// Proc is a process started inside a node.
type Proc struct {
	Name string
	// Log is the host path of its combined stdout and stderr.
	Log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// PID is the process id (nsenter execs the command, so it is the
// command's own PID).
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is the exit error once Done is closed (nil for exit status 0).
func (p *Proc) Err() error { <-p.done; return p.err }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the process unless it has exited.
func (p *Proc) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return os.ErrProcessDone
	}
	return p.cmd.Process.Signal(sig)
}

// Stop sends SIGTERM and waits up to timeout for the exit, then SIGKILLs.
// It returns the exit error of the process (nil for a clean exit).
func (p *Proc) Stop(timeout time.Duration) error {
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
	}
	_ = p.Signal(syscall.SIGKILL)
	<-p.done
	return fmt.Errorf("%s (pid %d) did not exit within %s of SIGTERM; killed: %v", p.Name, p.PID(), timeout, p.err)
}

func startProc(name, logPath string, cmd *exec.Cmd) (*Proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Proc{Name: name, Log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// holderScript runs as the node's holder: it is already in the node's
// network namespace and in new mount and UTS namespaces (unshare), sets
// them up and then becomes "sleep infinity". Mounts are private, so
// nothing propagates to the host; they vanish with the namespace's last
// process. GT_OWN_LINK: the node makes its own eth0 (a veth pair whose
// other end stays in the namespace too); a cluster's nodes get theirs from
// the cluster, plugged into its bridge. GT_BINDS: further "src<TAB>dst"
// lines, dst created if missing.
const holderScript = `set -e
hostname "$GT_NAME"
ip link set lo up
if [ -n "$GT_OWN_LINK" ]; then
	ip link add eth0 type veth peer name eth0-peer
	ip link set eth0-peer up
	ip addr add "$GT_ADDR/$GT_PLEN" dev eth0
	ip link set eth0 up
fi
mount --bind "$GT_DIR/lib"           /var/lib/glusterd
mount --bind "$GT_DIR/log"           /var/log/glusterfs
mount --bind "$GT_DIR/run"           /run
mount --bind "$GT_DIR/etc-glusterfs" /etc/glusterfs
mount --bind "$GT_DIR/hosts"         /etc/hosts
mount --bind "$GT_DIR/bricks"        "$GT_BRICKS"
printf '%s\n' "$GT_BINDS" | while IFS='	' read -r src dst; do
	[ -n "$src" ] || continue
	[ -e "$dst" ] || mkdir -p "$dst"
	mount --bind "$src" "$dst"
done
if [ -n "$GT_GSYNCD" ]; then mount --bind "$GT_DIR/gsyncd-stub" "$GT_GSYNCD"; fi
echo $$ > "$GT_DIR/holder.ready.tmp"
mv "$GT_DIR/holder.ready.tmp" "$GT_DIR/holder.ready"
exec sleep infinity
`

// StartNode starts a node and its glusterd and waits until the CLI
// answers. It registers a cleanup that stops every process of the node by
// PID and, if the test failed, logs the glusterd and Start'ed processes'
// logs.
func StartNode(t testing.TB, cfg Config) *Node {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "node1"
	}
	if cfg.Addr == "" {
		cfg.Addr = "10.251.0.11"
	}
	if cfg.PrefixLen == 0 {
		cfg.PrefixLen = 24
	}
	reapOrphans(t)
	root := cfg.Root
	if root == "" {
		root = tempRoot(t, rootPrefix+"*")
	}
	n := newNode(t, cfg.Name, cfg.Addr, root, &sync.Map{})
	if err := n.prepareDirs(cfg.Hosts); err != nil {
		t.Fatalf("preparing %s: %v", n.Name, err)
	}
	acquireSubreaper()
	t.Cleanup(func() {
		n.Stop()
		releaseSubreaper()
		if t.Failed() {
			n.logLogs()
		}
	})
	holder := exec.Command("unshare", "--net", "--mount", "--uts", "--propagation", "private", "--",
		"/bin/sh", "-c", holderScript)
	if err := n.startHolder(holder, cfg.PrefixLen, cfg.GeoRep, true); err != nil {
		t.Fatal(err)
	}
	n.reaper = startReaper(func(pid int) bool { _, ok := n.own.Load(pid); return ok })
	n.StartGlusterd()
	return n
}

// tempRoot makes a new directory under os.TempDir() for nodes' state,
// removed when the test passes and kept (its path logged) when it fails.
func tempRoot(t testing.TB, pattern string) string {
	t.Helper()
	root, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeOwner(root); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("real-Gluster state kept in %s", root)
			return
		}
		os.RemoveAll(root)
	})
	return root
}

// newNode returns a node (not started) named name at addr, with its
// directory under root and the standard private dirs.
func newNode(t testing.TB, name, addr, root string, own *sync.Map) *Node {
	n := &Node{t: t, Name: name, Addr: addr, Dir: filepath.Join(root, name), BrickRoot: filepath.Join(root, "bricks"), own: own}
	n.binds = []bind{
		{filepath.Join(n.Dir, "lib"), "/var/lib/glusterd"},
		{filepath.Join(n.Dir, "log"), "/var/log/glusterfs"},
		{filepath.Join(n.Dir, "run"), "/run"},
		{filepath.Join(n.Dir, "etc-glusterfs"), "/etc/glusterfs"},
		{filepath.Join(n.Dir, "hosts"), "/etc/hosts"},
		{filepath.Join(n.Dir, "bricks"), n.BrickRoot},
	}
	return n
}

// startHolder starts the holder (a command ending in sh -c holderScript)
// and waits until it has set the node up. extra are the binds after the
// standard ones (n.binds[6:]).
func (n *Node) startHolder(cmd *exec.Cmd, prefixLen int, geoRep, ownLink bool) error {
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=" + cleanPath, "LANG=C.UTF-8", "GT_NAME=" + n.Name, "GT_ADDR=" + n.Addr,
		"GT_PLEN=" + strconv.Itoa(prefixLen), "GT_DIR=" + n.Dir, "GT_BRICKS=" + n.BrickRoot}
	if ownLink {
		cmd.Env = append(cmd.Env, "GT_OWN_LINK=1")
	}
	var binds strings.Builder
	for _, b := range n.binds[6:] {
		binds.WriteString(b.src + "\t" + b.dst + "\n")
	}
	cmd.Env = append(cmd.Env, "GT_BINDS="+binds.String())
	if !geoRep {
		if gsyncd := gsyncdPath(); gsyncd != "" {
			cmd.Env = append(cmd.Env, "GT_GSYNCD="+gsyncd)
		}
	}
	var err error
	if n.holder, err = startProc("holder", filepath.Join(n.Dir, "holder.log"), cmd); err != nil {
		return err
	}
	n.own.Store(n.holder.PID(), true)
	if err := waitUntil(10*time.Second, n.holder, func() bool {
		_, err := os.Stat(filepath.Join(n.Dir, "holder.ready"))
		return err == nil
	}); err != nil {
		return fmt.Errorf("%s: holder not ready: %v\n%s", n.Name, err, readFile(n.holder.Log))
	}
	if n.netns, err = os.Readlink(fmt.Sprintf("/proc/%d/ns/net", n.holder.PID())); err != nil {
		return fmt.Errorf("%s: holder's netns: %w", n.Name, err)
	}
	if self, _ := os.Readlink("/proc/self/ns/net"); self == n.netns {
		return fmt.Errorf("%s: holder is in the test's own network namespace", n.Name)
	}
	os.WriteFile(filepath.Join(n.Dir, "holder.pid"), []byte(strconv.Itoa(n.holder.PID())+"\n"), 0o644)
	os.WriteFile(filepath.Join(n.Dir, "netns"), []byte(n.netns+"\n"), 0o644)
	return nil
}

// HostPath returns the path on the host (in the test process) of path
// inside the node: a file under a private dir of the node (/var/lib/glusterd,
// /run, /var/log/glusterfs, /etc/glusterfs, the brick root, a cluster's
// NodeDirs, ...) lives under Dir; any other path is shared and returned
// as is.
func (n *Node) HostPath(path string) string {
	path = filepath.Clean(path)
	best := -1
	for i, b := range n.binds {
		if (path == b.dst || strings.HasPrefix(path, b.dst+"/")) && (best < 0 || len(b.dst) > len(n.binds[best].dst)) {
			best = i
		}
	}
	if best < 0 {
		return path
	}
	return n.binds[best].src + strings.TrimPrefix(path, n.binds[best].dst)
}

func (n *Node) prepareDirs(hostLines []string) error {
	if err := os.RemoveAll(n.Dir); err != nil {
		return err
	}
	for _, d := range []string{"lib", "log", "run/gluster", "run/lock", "bricks", "etc-glusterfs"} {
		if err := os.MkdirAll(filepath.Join(n.Dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(n.BrickRoot, 0o755); err != nil {
		return err
	}
	// Only the package's content of /var/lib/glusterd: never the host's
	// glusterd.info (node UUID), peers/ or vols/. glusterd generates a fresh
	// UUID on first start.
	for _, sub := range []string{"hooks", "groups"} {
		src := filepath.Join("/var/lib/glusterd", sub)
		if _, err := os.Stat(src); err != nil {
			continue
		}
		if out, err := exec.Command("cp", "-a", src, filepath.Join(n.Dir, "lib")+"/").CombinedOutput(); err != nil {
			return fmt.Errorf("cp %s: %v: %s", src, err, out)
		}
	}
	if out, err := exec.Command("cp", "-a", "/etc/glusterfs/.", filepath.Join(n.Dir, "etc-glusterfs")+"/").CombinedOutput(); err != nil {
		return fmt.Errorf("cp /etc/glusterfs: %v: %s", err, out)
	}
	if err := os.WriteFile(filepath.Join(n.Dir, "gsyncd-stub"), []byte("#!/nonexistent/gsyncd-hidden-by-glustertest\n"), 0o755); err != nil {
		return err
	}
	hosts := "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n" + n.Addr + " " + n.Name + "\n"
	for _, h := range hostLines {
		hosts += h + "\n"
	}
	return os.WriteFile(filepath.Join(n.Dir, "hosts"), []byte(hosts), 0o644)
}

// StartGlusterd starts glusterd -N in the node and waits until its CLI
// answers; in a cluster, also until the pool has reconnected (see
// Cluster.WaitConnected). It does nothing if glusterd runs.
func (n *Node) StartGlusterd() {
	n.t.Helper()
	if n.GlusterdRunning() {
		return
	}
	start := time.Now()
	n.spawnGlusterd()
	if err := n.waitGlusterd(); err != nil {
		n.t.Fatal(err)
	}
	if n.cluster != nil {
		up := time.Since(start)
		n.cluster.WaitConnected()
		n.t.Logf("%s: glusterd started: CLI up in %s, pool whole in %s", n.Name, up.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}
}

func (n *Node) spawnGlusterd() {
	n.t.Helper()
	os.Remove(filepath.Join(n.Dir, "run", "glusterd.socket"))
	n.glusterd = n.Start("glusterd-stdout", nil, "glusterd", "-N", "-p", "/run/glusterd.pid", "--log-level", "INFO")
}

// waitGlusterd waits until the CLI of the glusterd spawnGlusterd started
// answers.
func (n *Node) waitGlusterd() error {
	ready := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return n.Command(ctx, nil, "gluster", "--mode=script", "--timeout=5", "pool", "list").Run() == nil
	}
	if err := waitUntil(60*time.Second, n.glusterd, ready); err != nil {
		return fmt.Errorf("%s: glusterd not ready: %v\n%s", n.Name, err, tail(readFile(filepath.Join(n.Dir, "log", "glusterd.log")), 60))
	}
	return nil
}

// GlusterdRunning reports whether the node's glusterd runs.
func (n *Node) GlusterdRunning() bool { return n.glusterd != nil && !n.glusterd.Exited() }

// StopGlusterd stops the node's glusterd with SIGTERM (SIGKILL after 15 s)
// and waits until it has exited; its bricks and self-heal daemon keep
// running, as with "systemctl stop glusterd". In a cluster it then waits
// until the other nodes' pool lists show the node disconnected.
func (n *Node) StopGlusterd() {
	n.t.Helper()
	if !n.GlusterdRunning() {
		return
	}
	// glusterd exits with status 15 on SIGTERM.
	var ee *exec.ExitError
	if err := n.glusterd.Stop(15 * time.Second); err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 15) {
		n.t.Logf("%s: glusterd: %v", n.Name, err)
	}
	if n.cluster != nil {
		n.cluster.WaitConnected()
		n.t.Logf("%s: glusterd stopped; the pool shows it disconnected", n.Name)
	}
}

// KillGlusterd is StopGlusterd with SIGKILL (a crash).
func (n *Node) KillGlusterd() {
	n.t.Helper()
	if !n.GlusterdRunning() {
		return
	}
	_ = n.glusterd.Signal(syscall.SIGKILL)
	<-n.glusterd.Done()
	if n.cluster != nil {
		n.cluster.WaitConnected()
		n.t.Logf("%s: glusterd killed; the pool shows it disconnected", n.Name)
	}
}

// Glusterd is the running glusterd process.
func (n *Node) Glusterd() *Proc { return n.glusterd }

// UUID is glusterd's node UUID, from the node's glusterd.info.
func (n *Node) UUID() string {
	n.t.Helper()
	for line := range strings.Lines(readFile(filepath.Join(n.Dir, "lib", "glusterd.info"))) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "UUID="); ok && v != "" {
			return v
		}
	}
	n.t.Fatalf("%s: no UUID in glusterd.info", n.Name)
	return ""
}

// Command returns a command that runs argv inside the node in a clean
// environment (PATH, LANG and env only), like a system service. Prefer Run
// and Start: a glusterfs or glusterfsd run in the foreground through a bare
// Command could be reaped by the node's reaper before its Wait.
func (n *Node) Command(ctx context.Context, env []string, argv ...string) *exec.Cmd {
	args := []string{"-t", strconv.Itoa(n.holder.PID()), "-m", "-n", "-u", "--",
		"env", "-i", "PATH=" + cleanPath, "LANG=C.UTF-8"}
	args = append(args, env...)
	args = append(args, argv...)
	cmd := exec.CommandContext(ctx, "nsenter", args...)
	cmd.Dir = "/"
	return cmd
}

// Run runs argv in the node with a one-minute bound and returns its
// combined output.
func (n *Node) Run(env []string, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := n.Command(ctx, env, argv...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Start()
	if err == nil {
		n.own.Store(cmd.Process.Pid, true)
		err = cmd.Wait()
		n.own.Delete(cmd.Process.Pid)
	}
	if err != nil {
		err = fmt.Errorf("%s: %q: %w", n.Name, argv, err)
	}
	return out.String(), err
}

// Output runs argv in the node like Run, with stdout and stderr apart
// (a command's --json on stdout, its notes on stderr).
func (n *Node) Output(env []string, argv ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var o, e bytes.Buffer
	cmd := n.Command(ctx, env, argv...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Start()
	if err == nil {
		n.own.Store(cmd.Process.Pid, true)
		err = cmd.Wait()
		n.own.Delete(cmd.Process.Pid)
	}
	if err != nil {
		err = fmt.Errorf("%s: %q: %w", n.Name, argv, err)
	}
	return o.String(), e.String(), err
}

// ExitCode is the exit status in an error of Run, Output or MustRun's
// underlying command: 0 for nil, -1 if the command did not exit normally
// (it was not started, or was killed by a signal).
func ExitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		return -1
	}
}

// HolderPID is the PID of the node's holder process, whose namespaces are
// the node's (nsenter -t PID -m -n -u).
func (n *Node) HolderPID() int { return n.holder.PID() }

// WrapCommand writes an executable script on the host that runs program
// inside the node (clean environment, its arguments passed on) and returns
// its path: host-side code that runs a command by path, such as a gluster
// CLI client (WrapCommand("gluster")), then acts on the node.
func (n *Node) WrapCommand(program string) string {
	n.t.Helper()
	dir := filepath.Join(n.Dir, "wrappers")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		n.t.Fatal(err)
	}
	path := filepath.Join(dir, filepath.Base(program))
	script := fmt.Sprintf("#!/bin/sh\nexec nsenter -t %d -m -n -u -- env -i PATH=%s LANG=C.UTF-8 %s \"$@\"\n",
		n.holder.PID(), cleanPath, shellQuote(program))
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		n.t.Fatal(err)
	}
	return path
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// MustRun is Run that fails the test on an error.
func (n *Node) MustRun(env []string, argv ...string) string {
	n.t.Helper()
	out, err := n.Run(env, argv...)
	if err != nil {
		n.t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// Gluster runs "gluster --mode=script args..." in the node and fails the
// test unless it succeeds.
func (n *Node) Gluster(args ...string) string {
	n.t.Helper()
	start := time.Now()
	out := n.MustRun(nil, append([]string{"gluster", "--mode=script"}, args...)...)
	n.t.Logf("%s: gluster %s (%s): %s", n.Name, strings.Join(args, " "), time.Since(start).Round(time.Millisecond), strings.TrimSpace(out))
	return out
}

// Start starts argv in the background inside the node (own session, clean
// environment plus env), logging to Dir/<name>.log. Stop stops it with
// everything else; stop it earlier with Proc.Stop.
func (n *Node) Start(name string, env []string, argv ...string) *Proc {
	n.t.Helper()
	p, err := startProc(name, filepath.Join(n.Dir, name+".log"), n.Command(context.Background(), env, argv...))
	if err != nil {
		n.t.Fatalf("%s: %v", n.Name, err)
	}
	n.own.Store(p.PID(), true)
	n.procs = append(n.procs, p)
	return p
}

// BrickDir creates the directory BrickRoot/name in the node and returns
// its path: glusterd creates only the last component of a brick path, so
// bricks go into such a directory ("<host>:" + n.BrickDir("rv") + "/b1").
func (n *Node) BrickDir(name string) string {
	n.t.Helper()
	if err := os.MkdirAll(filepath.Join(n.Dir, "bricks", name), 0o755); err != nil {
		n.t.Fatal(err)
	}
	return filepath.Join(n.BrickRoot, name)
}

// BrickPID returns the PID of the brick process serving brickPath of vol,
// from the pid file glusterd keeps in the node's /run/gluster/vols/<vol>/.
// It checks that the process is alive and in this node.
func (n *Node) BrickPID(vol, brickPath string) int {
	n.t.Helper()
	// <brick host>-<brick path with / as ->.pid
	dir := filepath.Join(n.Dir, "run", "gluster", "vols", vol)
	files, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
	var path string
	for _, f := range files {
		if strings.HasSuffix(filepath.Base(f), strings.ReplaceAll(brickPath, "/", "-")+".pid") {
			path = f
		}
	}
	if path == "" {
		n.t.Fatalf("%s: no pid file for brick %s in %s (have %q)", n.Name, brickPath, dir, files)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		n.t.Fatalf("%s: brick pid file: %v", n.Name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		n.t.Fatalf("%s: bad brick pid file %s: %q", n.Name, path, b)
	}
	if ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); ns != n.netns || !alive(pid) {
		n.t.Fatalf("%s: brick pid %d from %s is not a live process of this node", n.Name, pid, path)
	}
	return pid
}

// KillBrick simulates a crash of the brick serving brickPath of vol: it
// SIGKILLs the brick process (SIGTERM would be a clean sign-out that
// glusterd reports with no event) and waits until the process is reaped.
// The wait matters: glusterd considers a brick running while /proc/<pid>
// exists, zombies included, and "volume start force" would then skip it
// ("discovered already-running brick"). The node's reaper (or PID 1, for
// bricks started before the test process became a subreaper) reaps it.
// It returns the brick's PID.
func (n *Node) KillBrick(vol, brickPath string) int {
	n.t.Helper()
	pid := n.BrickPID(vol, brickPath)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		n.t.Fatalf("%s: kill -9 brick %d: %v", n.Name, pid, err)
	}
	start := time.Now()
	if err := waitUntil(15*time.Second, nil, func() bool {
		_, err := os.Stat("/proc/" + strconv.Itoa(pid))
		return err != nil
	}); err != nil {
		n.t.Fatalf("%s: killed brick %d not reaped: %v", n.Name, pid, err)
	}
	n.t.Logf("%s: killed brick %s (pid %d), reaped after %s", n.Name, brickPath, pid, time.Since(start).Round(time.Millisecond))
	return pid
}

// PIDs lists the live processes in the node's network namespace (holder,
// glusterd, bricks, self-heal daemon, Start'ed processes).
func (n *Node) PIDs() []int {
	if n.netns == "" {
		return nil
	}
	return pidsInNetns(n.netns)
}

// Stop stops every process of the node by PID: SIGTERM, up to 5 s, then
// SIGKILL. The namespaces and mounts vanish with the last process (a
// cluster's named network namespaces go with the cluster). Stop is
// idempotent; StartNode registers it as a cleanup.
func (n *Node) Stop() {
	stopNodes(n.t, []*Node{n})
}

// stopNodes stops the nodes at once (see Stop).
func stopNodes(t testing.TB, nodes []*Node) {
	var pids []int
	var procs []*Proc
	var live []*Node
	for _, n := range nodes {
		if n.stopped || n.holder == nil {
			n.stopped = true
			continue
		}
		n.stopped = true
		live = append(live, n)
		pids = append(pids, n.PIDs()...)
		for _, p := range append([]*Proc{n.holder}, n.procs...) {
			if p != nil {
				procs = append(procs, p)
				if !p.Exited() {
					pids = append(pids, p.PID())
				}
			}
		}
	}
	pids = uniq(pids)
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := livePIDs(pids)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Logf("SIGKILL to %v after 5 s", left)
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Anything that got into a namespace meanwhile (a brick being
	// started) goes too.
	for _, n := range live {
		for _, pid := range n.PIDs() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s (pid %d) not reaped", p.Name, p.PID())
		}
	}
	for _, n := range live {
		if n.reaper != nil {
			n.reaper.close()
		}
	}
}

// logLogs logs glusterd's logs and those of every Start'ed process.
func (n *Node) logLogs() {
	logs := []struct {
		path  string
		lines int
	}{
		{filepath.Join(n.Dir, "holder.log"), 50},
		{filepath.Join(n.Dir, "log", "glusterd.log"), 150},
		{filepath.Join(n.Dir, "log", "cmd_history.log"), 50},
		{filepath.Join(n.Dir, "log", "glustershd.log"), 40},
	}
	for _, path := range n.extraLog {
		logs = append(logs, struct {
			path  string
			lines int
		}{path, 200})
	}
	for _, p := range n.procs {
		logs = append(logs, struct {
			path  string
			lines int
		}{p.Log, 300})
	}
	for _, l := range logs {
		s := readFile(l.path)
		if strings.TrimSpace(s) == "" {
			continue
		}
		n.t.Logf("==== %s: %s ====\n%s", n.Name, strings.TrimPrefix(l.path, n.Dir+"/"), tail(s, l.lines))
	}
}

// waitUntil polls cond every 50 ms until it holds, the timeout passes or p
// exits.
func waitUntil(timeout time.Duration, p *Proc, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return nil
		}
		if p != nil && p.Exited() {
			return fmt.Errorf("%s exited: %v", p.Name, p.err)
		}
		if time.Now().After(deadline) {
			return errors.New("timed out after " + timeout.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

func uniq(xs []int) []int {
	sort.Ints(xs)
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// gsyncdPath is glusterd's gsyncd (<libexecdir>/gsyncd), "" if there is none.
func gsyncdPath() string {
	out, err := exec.Command("glusterd", "--print-libexecdir").Output()
	if err != nil {
		return ""
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "gsyncd")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}
