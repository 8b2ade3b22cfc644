package glustertest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Listen opens a listener inside the node's network namespace, from the
// test process: a thread of the test enters the namespace just long enough
// to create the socket (a socket stays in the namespace it was made in).
// A webhook receiver in the test listens this way on Addr, and the daemon
// in the node reaches it without any link to the host.
func (n *Node) Listen(network, address string) (net.Listener, error) {
	var ln net.Listener
	err := n.inNetns(func() error {
		var err error
		ln, err = net.Listen(network, address)
		return err
	})
	return ln, err
}

// ListenPacket is Listen for packet sockets (a UDP sink inside the node).
func (n *Node) ListenPacket(network, address string) (net.PacketConn, error) {
	var pc net.PacketConn
	err := n.inNetns(func() error {
		var err error
		pc, err = net.ListenPacket(network, address)
		return err
	})
	return pc, err
}

// inNetns runs f on a locked OS thread switched into the node's network
// namespace. Only the network namespace is entered: the mount namespace
// cannot be entered by a multi-threaded process.
func (n *Node) inNetns(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", n.holder.PID()))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns into %s: %w", n.Name, err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: the runtime ends it with this
			// goroutine instead of reusing it in the wrong namespace.
			errc <- fmt.Errorf("setns back from %s: %w", n.Name, err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// pidsInNetns lists live processes whose network namespace is ns
// ("net:[inode]"), never the test process itself.
func pidsInNetns(ns string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self || pid <= 1 {
			continue
		}
		if link, err := os.Readlink("/proc/" + e.Name() + "/ns/net"); err == nil && link == ns && alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// alive reports whether pid exists and is not a zombie. Daemonized bricks
// are reparented to init and may stay zombies for a while; they count as
// gone.
func alive(pid int) bool {
	st := procStat(pid)
	if st == nil {
		return false
	}
	return st[0] != "Z" && st[0] != "X"
}

// procStat returns the fields of /proc/<pid>/stat after the command name
// (field 3, the state, is index 0), or nil.
func procStat(pid int) []string {
	_, st := procCommStat(pid)
	return st
}

// startTime is field 22 of /proc/<pid>/stat, "" if pid does not exist.
func startTime(pid int) string {
	st := procStat(pid)
	if len(st) < 20 {
		return ""
	}
	return st[19]
}

func livePIDs(pids []int) []int {
	var out []int
	for _, pid := range pids {
		if alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// rootPrefix names the temporary roots StartNode creates.
const rootPrefix = "ge-real-"

// writeOwner records the test process in root/owner, so that a later run
// can tell a root whose test died (go test -timeout, a kill) from one in use.
func writeOwner(root string) error {
	pid := os.Getpid()
	return os.WriteFile(filepath.Join(root, "owner"), []byte(fmt.Sprintf("%d %s\n", pid, startTime(pid))), 0o644)
}

// reapOrphans stops the processes of nodes whose test process is gone
// (cleanups do not run when go test times out). A node is only touched when
// its holder is still alive in the namespace recorded for it, so a reused
// PID or namespace inode is never mistaken for it. Directories are kept
// for post-mortem.
func reapOrphans(t testing.TB) {
	owners, _ := filepath.Glob(filepath.Join(os.TempDir(), rootPrefix+"*", "owner"))
	for _, owner := range owners {
		var pid int
		var start string
		if _, err := fmt.Sscan(readFile(owner), &pid, &start); err != nil {
			continue
		}
		if pid > 0 && startTime(pid) == start {
			continue // its test is still running
		}
		root := filepath.Dir(owner)
		holders, _ := filepath.Glob(filepath.Join(root, "*", "holder.pid"))
		for _, hf := range holders {
			hpid, err := strconv.Atoi(strings.TrimSpace(readFile(hf)))
			ns := strings.TrimSpace(readFile(filepath.Join(filepath.Dir(hf), "netns")))
			if err != nil || ns == "" || !alive(hpid) {
				continue
			}
			if link, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", hpid)); link != ns {
				continue
			}
			pids := pidsInNetns(ns)
			t.Logf("stopping orphaned real-Gluster node %s: pids %v", filepath.Dir(hf), pids)
			for _, p := range pids {
				syscall.Kill(p, syscall.SIGKILL)
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(livePIDs(pids)) > 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
}
