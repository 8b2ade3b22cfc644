package testscripts

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdStopAtEnd: stopatend PIDFILE stops, when the script ends (passed or
// failed), the daemon whose pid file this is, if one still holds it: for
// scripts that start a detached daemon with 'gluster-eventing start', which
// testscript does not know to stop. The daemon holds its pid file locked, so
// a pid in an unlocked file (a daemon that exited, a reused pid) is left
// alone.
func cmdStopAtEnd(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "stopatend")
	if len(args) != 1 {
		ts.Fatalf("usage: stopatend PIDFILE")
	}
	path := ts.MkAbs(args[0])
	ts.Defer(func() {
		pid, ok := lockedPID(path)
		if !ok {
			return
		}
		syscall.Kill(pid, syscall.SIGTERM)
		if !poll(10*time.Second, func() bool { return syscall.Kill(pid, 0) != nil || !stillLocked(path) }) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// lockedPID returns the pid in the pid file at path if a process holds the
// file locked.
func lockedPID(path string) (int, bool) {
	if !stillLocked(path) {
		return 0, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil && pid > 0
}

func stillLocked(path string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	l := flock.New(path)
	locked, err := l.TryLock()
	if err != nil {
		return false
	}
	if locked {
		l.Unlock()
		return false
	}
	return true
}
