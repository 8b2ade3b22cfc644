package dbusiface

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gluster/gluster-eventing/internal/dbustest"
)

func requireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	return dbustest.RequireTool(t, name, pkg)
}

// privateBus starts a private system-type bus with the packaged policy (see
// internal/dbustest) and returns its address.
func privateBus(t testing.TB) string {
	t.Helper()
	addr, _ := privateBusCmd(t)
	return addr
}

// privateBusCmd is privateBus, with the dbus-daemon's process.
func privateBusCmd(t testing.TB) (string, *exec.Cmd) {
	t.Helper()
	return dbustest.StartSystemBus(t, "../packaging/org.gluster.Eventing1.conf")
}

func connect(t testing.TB, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to the private bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// client runs a bus client (busctl, gdbus) and returns its stdout. asUser
// "nobody" runs it as that user through setpriv.
func client(t testing.TB, asUser string, name string, args ...string) (string, error) {
	t.Helper()
	if asUser != "" {
		setpriv := requireTool(t, "setpriv", "util-linux")
		args = append([]string{"--reuid=" + asUser, "--regid=nogroup", "--clear-groups", name}, args...)
		name = setpriv
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

func busctl(t testing.TB, addr string, args ...string) string {
	t.Helper()
	requireTool(t, "busctl", "systemd")
	out, err := client(t, "", "busctl", append([]string{"--address=" + addr}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signal is one signal dbus-monitor printed.
type signal struct {
	path, member string
	body         string
	complete     bool // its whole body has been read
}

// monitor is a dbus-monitor watching the export's signals.
type monitor struct {
	mu      sync.Mutex
	signals []*signal
	changed chan struct{} // pinged on every line read
	// conn emits the Ready signals that end the body of the signal
	// before them (dbus-monitor has no end-of-message marker).
	conn *dbus.Conn
}

// startMonitor runs dbus-monitor on the signals of sender (a unique or
// well-known name), and returns once it is watching.
func startMonitor(t testing.TB, addr string, conn *dbus.Conn) *monitor {
	t.Helper()
	bin := requireTool(t, "dbus-monitor", "dbus-bin")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--address", addr,
		"type='signal'",
		"type='signal',interface='org.gluster.Test',member='Ready'")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	m := &monitor{changed: make(chan struct{}, 1), conn: conn}
	go m.read(stdout)
	// dbus-monitor watches once it prints a signal it asked for: ping
	// until it does.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if err := conn.Emit("/org/gluster/Test", "org.gluster.Test.Ready"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-deadline:
			t.Fatal("dbus-monitor did not start watching within 10s")
		case <-tick.C:
		}
		m.mu.Lock()
		ready := len(m.signals) > 0 && slices.ContainsFunc(m.signals, func(s *signal) bool { return s.member == "Ready" })
		m.mu.Unlock()
		if ready {
			return m
		}
	}
}

func (m *monitor) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<20)
	var cur *signal
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		m.mu.Lock()
		switch {
		case strings.HasPrefix(line, "signal "):
			if cur != nil {
				cur.complete = true
			}
			cur = &signal{path: field(line, "path="), member: field(line, "member=")}
			m.signals = append(m.signals, cur)
		case strings.HasPrefix(line, " ") && cur != nil:
			cur.body += line + "\n"
		default: // a method call, reply or error: not watched
			if cur != nil {
				cur.complete = true
			}
			cur = nil
		}
		m.mu.Unlock()
		select {
		case m.changed <- struct{}{}:
		default:
		}
	}
}

// field reads key's value from a dbus-monitor header line.
func field(line, key string) string {
	_, rest, ok := strings.Cut(line, key)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, ";")
	v, _, _ = strings.Cut(v, " ")
	return v
}

// find returns the signals of member on path ("" for any path).
func (m *monitor) find(path dbus.ObjectPath, member string) []signal {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []signal
	for _, s := range m.signals {
		if s.complete && s.member == member && (path == "" || s.path == string(path)) {
			out = append(out, *s)
		}
	}
	return out
}

// wait returns once cond holds of the signals seen, or fails the test
// after 10s.
func (m *monitor) wait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-m.changed:
		case <-tick.C:
			if err := m.conn.Emit("/org/gluster/Test", "org.gluster.Test.Ready"); err != nil {
				t.Fatal(err)
			}
		case <-deadline:
			m.mu.Lock()
			var seen strings.Builder
			for _, s := range m.signals {
				fmt.Fprintf(&seen, "%s %s\n", s.path, s.member)
			}
			t.Fatalf("timed out waiting for %s; signals seen:\n%s", what, seen.String())
		}
	}
}

// count waits for n signals of member on path, and returns them.
func (m *monitor) count(t testing.TB, path dbus.ObjectPath, member string, n int) []signal {
	t.Helper()
	m.wait(t, strconv.Itoa(n)+" "+member+" on "+string(path), func() bool { return len(m.find(path, member)) >= n })
	return m.find(path, member)
}
