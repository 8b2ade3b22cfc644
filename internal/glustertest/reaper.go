package glustertest

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Gluster daemonizes bricks and self-heal daemons: they are orphaned at
// start and reparented to the nearest "child subreaper" ancestor, else to
// PID 1. glusterd considers a brick running while /proc/<pid> exists, so a
// killed brick that nobody reaps (PID 1 of a container that does not reap
// orphans, e.g. "go test" itself) can never be restarted. While nodes run,
// the test process is therefore a child subreaper and reaps the orphans of
// its nodes itself.

var subreaper struct {
	sync.Mutex
	users   int
	enabled bool // we set it (it was not set before)
}

func acquireSubreaper() {
	subreaper.Lock()
	defer subreaper.Unlock()
	subreaper.users++
	if subreaper.users > 1 {
		return
	}
	var cur int32
	// PR_GET_CHILD_SUBREAPER stores an int at the address in arg2.
	if err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&cur)), 0, 0, 0); err == nil && cur != 0 {
		return
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err == nil {
		subreaper.enabled = true
	}
}

func releaseSubreaper() {
	subreaper.Lock()
	defer subreaper.Unlock()
	subreaper.users--
	if subreaper.users == 0 && subreaper.enabled {
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
		subreaper.enabled = false
	}
}

// reaper reaps zombie glusterfsd and glusterfs processes (bricks,
// self-heal daemons, clients) whose parent is the test process: daemonized
// orphans of a node. A zombie has no namespace any more, so it is told by
// its name. It never waits for the node's own exec.Cmd children (own), whose
// exit status belongs to their Wait.
type reaper struct {
	own  func(pid int) bool
	stop chan struct{}
	done chan struct{}
}

func startReaper(own func(int) bool) *reaper {
	r := &reaper{own: own, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			r.pass()
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// pass scans /proc once.
func (r *reaper) pass() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, st := procCommStat(pid)
		if len(st) < 2 || st[0] != "Z" || st[1] != self || (comm != "glusterfsd" && comm != "glusterfs") || r.own(pid) {
			continue
		}
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	}
}

// close stops the reaper after a last pass.
func (r *reaper) close() {
	close(r.stop)
	<-r.done
	r.pass()
}

// procCommStat returns the command name of /proc/<pid>/stat and the fields
// after it (state first, then ppid).
func procCommStat(pid int) (string, []string) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", nil
	}
	s := string(b)
	i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return "", nil
	}
	return s[i+1 : j], strings.Fields(s[j+1:])
}
