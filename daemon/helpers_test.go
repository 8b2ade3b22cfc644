package daemon_test

// Helpers for the tests that run the real gluster-eventing binary as a
// subprocess (reliability_test.go, lifecycle_test.go): building the binary
// once per package run, a temp "node" (node config, cluster config, state
// dir, API socket, pid file, a free UDP port on 127.0.0.1 and [::1]), the
// daemon process, webhook receivers that record what they get, a UDP load
// generator, and deadline-bounded waits (never sleep-and-assert).
//
// Names start with "rt" so that they do not collide with the helpers of
// other test files of package daemon_test.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
)

// Generous deadlines: the machine is noisy and the binary may be built with
// the race detector. They bound waits, they are not assertions on speed.
const (
	rtStartTimeout   = 30 * time.Second
	rtDeliverTimeout = 60 * time.Second
	rtStopTimeout    = 30 * time.Second
)

// ---------------------------------------------------------------- binary

var (
	rtBuildOnce sync.Once
	rtBin       string
	rtBuildErr  error
	rtRace      bool
)

// rtBinary returns the path of the gluster-eventing binary, built once per
// package run (with -race when this test binary has it, so that data races
// in the daemon fail the tests too). The build goes to a directory named
// after this process; directories of earlier runs whose process is gone are
// removed, since a package without TestMain cannot clean up at exit.
func rtBinary(t testing.TB) string {
	t.Helper()
	rtBuildOnce.Do(func() {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "-race" && s.Value == "true" {
					rtRace = true
				}
			}
		}
		base := os.TempDir()
		old, _ := filepath.Glob(filepath.Join(base, "gluster-eventing-rt-*"))
		for _, d := range old {
			pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "gluster-eventing-rt-"))
			if err == nil && syscall.Kill(pid, 0) == syscall.ESRCH {
				os.RemoveAll(d)
			}
		}
		dir := filepath.Join(base, fmt.Sprintf("gluster-eventing-rt-%d", os.Getpid()))
		if rtBuildErr = os.MkdirAll(dir, 0o755); rtBuildErr != nil {
			return
		}
		bin := filepath.Join(dir, "gluster-eventing")
		args := []string{"build", "-o", bin}
		if rtRace {
			args = append(args, "-race")
		}
		args = append(args, "github.com/gluster/gluster-eventing")
		cmd := exec.Command("go", args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			rtBuildErr = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			return
		}
		rtBin = bin
	})
	if rtBuildErr != nil {
		t.Fatalf("building gluster-eventing: %v", rtBuildErr)
	}
	return rtBin
}

// rtEnviron is the test's environment without anything that would make the
// daemon talk to a real systemd or read another config.
func rtEnviron(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID",
			"JOURNAL_STREAM", "GLUSTER_EVENTING_CONFIG":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// ---------------------------------------------------------------- waiting

// rtEventually polls cond until it reports true or timeout passes; then the
// test fails with what and the last detail cond gave.
func rtEventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %s", timeout, what, detail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ---------------------------------------------------------------- ports

// rtFreeUDPPort returns a UDP port that is free on both 127.0.0.1 and [::1]
// (it was bound on the dual-stack wildcard).
func rtFreeUDPPort(t testing.TB) int {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "[::]:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		pc.Close()
		if c, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return port
		}
	}
	t.Fatal("no free UDP port")
	return 0
}

// rtFreeTCPAddr returns a 127.0.0.1 TCP address nothing listens on.
func rtFreeTCPAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// ---------------------------------------------------------------- node

// rtNode is one daemon's files: node config, cluster config, state dir,
// API socket and pid file, in a temp dir, and its UDP port.
type rtNode struct {
	Dir         string
	NodePath    string
	ClusterPath string
	APISocket   string
	StateDir    string
	PIDFile     string
	EventsLog   string
	Port        int
	Listen      []string
	// Extra is appended to the node config verbatim (top-level keys).
	Extra string
	// HTTPListen is [http] listen: "127.0.0.1:0" unless a test says
	// otherwise (never the default port: tests run in parallel); HTTPExtra
	// is appended to the [http] table verbatim.
	HTTPListen string
	HTTPExtra  string
}

// rtNewNode makes a node listening on 127.0.0.1:P and [::1]:P with a free
// P, and writes its node config (no cluster config: no webhooks).
func rtNewNode(t testing.TB) *rtNode {
	t.Helper()
	dir := t.TempDir()
	n := &rtNode{
		Dir:         dir,
		NodePath:    filepath.Join(dir, "etc", "gluster-eventing.toml"),
		ClusterPath: filepath.Join(dir, "glusterd", "events", "gluster-eventing.toml"),
		APISocket:   filepath.Join(dir, "run", "api.sock"),
		StateDir:    filepath.Join(dir, "state"),
		PIDFile:     filepath.Join(dir, "run", "gluster-eventing.pid"),
		EventsLog:   filepath.Join(dir, "events.log"),
		Port:        rtFreeUDPPort(t),
		HTTPListen:  "127.0.0.1:0",
	}
	if len(n.APISocket) > 100 {
		t.Fatalf("API socket path too long for a unix socket: %s", n.APISocket)
	}
	n.Listen = []string{n.Addr4(), n.Addr6()}
	n.WriteNodeConfig(t)
	return n
}

// Addr4 and Addr6 are the node's intake addresses.
func (n *rtNode) Addr4() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.Port)) }
func (n *rtNode) Addr6() string { return net.JoinHostPort("::1", strconv.Itoa(n.Port)) }

func tomlStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// NodeConfig returns the node config text.
func (n *rtNode) NodeConfig() string {
	return fmt.Sprintf(`version = 1
listen = %s
api_socket = %q
state_dir = %q
pid_file = %q
glusterd_workdir = %q
cluster_config = %q
log_level = "info"
bus = "none"
events_log = %q
%s
[http]
listen = %q
%s`, tomlStrings(n.Listen), n.APISocket, n.StateDir, n.PIDFile, filepath.Join(n.Dir, "glusterd"), n.ClusterPath,
		n.EventsLog, n.Extra, n.HTTPListen, n.HTTPExtra)
}

// WriteNodeConfig (re)writes the node config atomically.
func (n *rtNode) WriteNodeConfig(t testing.TB) {
	t.Helper()
	rtWriteFileAtomic(t, n.NodePath, n.NodeConfig())
}

// rtHook is one [[webhook]] table.
type rtHook struct {
	URL         string
	Format      string // "standard" or "legacy"
	Timeout     string // Go duration; empty means the default
	MaxInFlight int    // 0 means the default
}

// ClusterConfig returns a cluster config text with hooks.
func rtClusterConfig(hooks ...rtHook) string {
	var b strings.Builder
	b.WriteString("version = 1\n")
	for _, h := range hooks {
		fmt.Fprintf(&b, "\n[[webhook]]\nurl = %q\nformat = %q\n", h.URL, h.Format)
		if h.Timeout != "" {
			fmt.Fprintf(&b, "timeout = %q\n", h.Timeout)
		}
		if h.MaxInFlight > 0 {
			fmt.Fprintf(&b, "max_in_flight = %d\n", h.MaxInFlight)
		}
	}
	return b.String()
}

// WriteCluster writes the cluster config atomically (the daemon watches the
// directory and may reload as soon as the file changes).
func (n *rtNode) WriteCluster(t testing.TB, hooks ...rtHook) {
	t.Helper()
	rtWriteFileAtomic(t, n.ClusterPath, rtClusterConfig(hooks...))
}

func rtWriteFileAtomic(t testing.TB, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := path + ".rt-tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// Client returns an API client for the node's socket.
func (n *rtNode) Client() *api.Client { return api.NewClient(n.APISocket) }

// Status fetches the daemon's status, failing the test if it cannot.
func (n *rtNode) Status(t testing.TB) *api.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := n.Client().Status(ctx)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	return st
}

// WaitCaughtUp waits until every webhook's cursor is at the journal's last
// seq (everything journaled is delivered; with max_in_flight > 1 the newest
// event can arrive before older ones) and returns that status.
func (n *rtNode) WaitCaughtUp(t testing.TB) *api.Status {
	t.Helper()
	var st *api.Status
	rtEventually(t, rtDeliverTimeout, "every webhook to catch up with the journal", func() (bool, string) {
		st = n.Status(t)
		for _, h := range st.Webhooks {
			if h.Cursor != st.Journal.LastSeq {
				return false, fmt.Sprintf("last seq %d, webhook %s at %d", st.Journal.LastSeq, h.URL, h.Cursor)
			}
		}
		return true, ""
	})
	return st
}

// EventsLogLines returns the JSON lines (standard bodies) of the node's
// events log; a missing file is no lines.
func (n *rtNode) EventsLogLines(t testing.TB) []rtBody {
	t.Helper()
	b, err := os.ReadFile(n.EventsLog)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []rtBody
	for line := range strings.SplitSeq(string(b), "\n") {
		if line == "" {
			continue
		}
		var body rtBody
		if err := json.Unmarshal([]byte(line), &body); err != nil {
			// A line being written right now; the caller polls again.
			break
		}
		out = append(out, body)
	}
	return out
}

// ---------------------------------------------------------------- process

// rtProc is a running daemon (or any command started by rtStart).
type rtProc struct {
	t      testing.TB
	Cmd    *exec.Cmd
	Stderr *rtBuffer
	Stdout *rtBuffer
	done   chan struct{}
	state  *os.ProcessState
	err    error
}

// rtBuffer is a concurrency-safe bytes.Buffer.
type rtBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *rtBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *rtBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Start runs "gluster-eventing --config NODE daemon" with the given extra
// environment.
func (n *rtNode) Start(t testing.TB, env ...string) *rtProc {
	t.Helper()
	return rtStart(t, exec.Command(rtBinary(t), "--config", n.NodePath, "daemon"), env...)
}

// rtStart starts cmd with the test environment plus env; the process is
// killed at the end of the test if it still runs, and its stderr is logged
// if the test failed.
func rtStart(t testing.TB, cmd *exec.Cmd, env ...string) *rtProc {
	t.Helper()
	p := &rtProc{t: t, Cmd: cmd, Stderr: &rtBuffer{}, Stdout: &rtBuffer{}, done: make(chan struct{})}
	cmd.Env = rtEnviron(env...)
	cmd.Stderr = p.Stderr
	cmd.Stdout = p.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", cmd.Args, err)
	}
	go func() {
		p.err = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.Exited() {
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("stderr of %s (pid %d):\n%s", filepath.Base(cmd.Args[0]), cmd.Process.Pid, rtTail(p.Stderr.String(), 60))
		}
		if strings.Contains(p.Stderr.String(), "WARNING: DATA RACE") {
			t.Errorf("data race in %v:\n%s", cmd.Args, p.Stderr.String())
		}
	})
	return p
}

func rtTail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > lines {
		ls = append([]string{fmt.Sprintf("... (%d lines cut)", len(ls)-lines)}, ls[len(ls)-lines:]...)
	}
	return strings.Join(ls, "\n")
}

// Pid is the process id.
func (p *rtProc) Pid() int { return p.Cmd.Process.Pid }

// Exited reports whether the process has exited.
func (p *rtProc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitCode waits (within timeout) for the process to exit and returns its
// exit code (-1 if killed by a signal).
func (p *rtProc) ExitCode(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("%v did not exit within %s", p.Cmd.Args, timeout)
	}
	return p.state.ExitCode()
}

// WaitReady waits until the daemon answers on its API socket, failing the
// test if it exits first.
func (p *rtProc) WaitReady(n *rtNode) {
	p.t.Helper()
	rtEventually(p.t, rtStartTimeout, "the daemon's API socket", func() (bool, string) {
		if p.Exited() {
			p.t.Fatalf("daemon exited during start (%v):\n%s", p.err, p.Stderr.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := n.Client().Status(ctx)
		if err != nil {
			return false, err.Error()
		}
		if st.PID != p.Pid() {
			return false, fmt.Sprintf("the socket is answered by pid %d, not %d", st.PID, p.Pid())
		}
		return true, ""
	})
}

// Signal sends sig.
func (p *rtProc) Signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// Stop sends SIGTERM and requires a clean exit within rtStopTimeout.
func (p *rtProc) Stop() {
	p.t.Helper()
	p.Signal(syscall.SIGTERM)
	if code := p.ExitCode(rtStopTimeout); code != 0 {
		p.t.Fatalf("daemon exited with %d after SIGTERM (%v):\n%s", code, p.err, rtTail(p.Stderr.String(), 40))
	}
}

// Kill9 kills the process with SIGKILL and waits for it.
func (p *rtProc) Kill9() {
	p.t.Helper()
	p.Signal(syscall.SIGKILL)
	p.ExitCode(rtStopTimeout)
}

// rtCLI runs the binary (argv[0] = the binary) with args and returns
// stdout, stderr and the exit code.
func rtCLI(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return rtRun(t, rtBinary(t), args...)
}

func rtRun(t testing.TB, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	// A -race binary sleeps 1 s at exit (GORACE atexit_sleep_ms) to catch
	// late races; short CLI runs do not need it.
	cmd.Env = rtEnviron("GORACE=atexit_sleep_ms=0 " + os.Getenv("GORACE"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running %s %v: %v", bin, args, err)
	}
	if strings.Contains(errb.String(), "WARNING: DATA RACE") {
		t.Errorf("data race in %s %v:\n%s", bin, args, errb.String())
	}
	return out.String(), errb.String(), code
}

// ---------------------------------------------------------------- receivers

// rtBody is the union of the standard and legacy webhook bodies.
type rtBody struct {
	// standard
	ID    string            `json:"id"`
	Type  string            `json:"type"`
	Seq   uint64            `json:"seq"`
	Epoch string            `json:"epoch"`
	Node  string            `json:"node"`
	Data  map[string]string `json:"data"`
	// both
	Event string `json:"event"`
	TS    int64  `json:"ts"`
	// legacy
	Message map[string]any `json:"message"`
	NodeID  string         `json:"nodeid"`
}

// Marker is the "name" field of the event (both formats).
func (b *rtBody) Marker() string {
	if v, ok := b.Data["name"]; ok {
		return v
	}
	if v, ok := b.Message["name"].(string); ok {
		return v
	}
	return ""
}

// rtDelivery is one request a receiver answered with 2xx.
type rtDelivery struct {
	rtBody
	HeaderID string // webhook-id
	Raw      []byte
	Phase    int32
}

// rtReceiver is a webhook receiver that records the bodies it accepts.
type rtReceiver struct {
	t   testing.TB
	srv *httptest.Server
	URL string

	// Phase is stamped on each delivery, for tests with several daemons.
	Phase atomic.Int32
	// respond decides the status of each request (default 200); it may
	// block (a slow receiver).
	respond atomic.Pointer[func(w http.ResponseWriter, r *http.Request, attempt int) int]

	mu       sync.Mutex
	got      []rtDelivery
	attempts int
	bad      []string
}

// rtNewReceiver starts a receiver on a free 127.0.0.1 port.
func rtNewReceiver(t testing.TB) *rtReceiver {
	t.Helper()
	return rtNewReceiverOn(t, "127.0.0.1:0")
}

// rtNewReceiverOn starts a receiver listening on addr.
func rtNewReceiverOn(t testing.TB, addr string) *rtReceiver {
	t.Helper()
	rc := &rtReceiver{t: t}
	rc.Phase.Store(1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("receiver listen %s: %v", addr, err)
	}
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	rc.srv = srv
	rc.URL = srv.URL + "/hook"
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, b := range rc.bad {
			t.Errorf("receiver %s: %s", rc.URL, b)
		}
	})
	return rc
}

// Respond sets how the receiver answers: f gets the response writer (to
// set headers), the request and the 1-based number of the request; it
// returns the status. nil answers 200.
func (rc *rtReceiver) Respond(f func(w http.ResponseWriter, r *http.Request, attempt int) int) {
	if f == nil {
		rc.respond.Store(nil)
		return
	}
	rc.respond.Store(&f)
}

func (rc *rtReceiver) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return // the sender went away mid-body
	}
	rc.mu.Lock()
	rc.attempts++
	attempt := rc.attempts
	rc.mu.Unlock()
	status := http.StatusOK
	if f := rc.respond.Load(); f != nil {
		status = (*f)(w, r, attempt)
	}
	if status >= 200 && status < 300 {
		d := rtDelivery{HeaderID: r.Header.Get("webhook-id"), Raw: raw, Phase: rc.Phase.Load()}
		if err := json.Unmarshal(raw, &d.rtBody); err != nil {
			rc.mu.Lock()
			rc.bad = append(rc.bad, fmt.Sprintf("undecodable body %q: %v", raw, err))
			rc.mu.Unlock()
		}
		rc.mu.Lock()
		rc.got = append(rc.got, d)
		rc.mu.Unlock()
	}
	w.WriteHeader(status)
}

// Got returns a copy of the accepted deliveries, in arrival order.
func (rc *rtReceiver) Got() []rtDelivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// Attempts is the number of requests, accepted or not.
func (rc *rtReceiver) Attempts() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.attempts
}

// HasMarker reports whether a delivery carried marker.
func (rc *rtReceiver) HasMarker(marker string) bool {
	for _, d := range rc.Got() {
		if d.Marker() == marker {
			return true
		}
	}
	return false
}

// WaitMarker waits until a delivery carries marker.
func (rc *rtReceiver) WaitMarker(marker string) {
	rc.t.Helper()
	rtEventually(rc.t, rtDeliverTimeout, fmt.Sprintf("%s to reach %s", marker, rc.URL), func() (bool, string) {
		return rc.HasMarker(marker), fmt.Sprintf("%d deliveries so far", len(rc.Got()))
	})
}

// WaitCount waits until at least n deliveries arrived.
func (rc *rtReceiver) WaitCount(n int) {
	rc.t.Helper()
	rtEventually(rc.t, rtDeliverTimeout, fmt.Sprintf("%d deliveries at %s", n, rc.URL), func() (bool, string) {
		got := len(rc.Got())
		return got >= n, fmt.Sprintf("%d so far", got)
	})
}

// ---------------------------------------------------------------- sending

// rtEventTS is the timestamp of the datagrams the tests send.
var rtEventTS = time.Now().Unix()

// rtDatagram is a VOLUME_START (id 3) whose name is marker.
func rtDatagram(marker string) []byte {
	return fmt.Appendf(nil, "%d 3 name=%s;force=0", rtEventTS, marker)
}

// rtSender sends datagrams from one unconnected UDP socket (so that an ICMP
// port unreachable while a daemon restarts does not fail later writes).
type rtSender struct {
	conn net.PacketConn
}

func rtNewSender(t testing.TB) *rtSender {
	t.Helper()
	c, err := net.ListenPacket("udp", "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rtSender{conn: c}
}

// Send sends b to addr ("host:port").
func (s *rtSender) Send(t testing.TB, addr string, b []byte) {
	t.Helper()
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.conn.WriteTo(b, ua); err != nil {
		t.Fatalf("send to %s: %v", addr, err)
	}
}

// SendMarker sends rtDatagram(marker) to addr.
func (s *rtSender) SendMarker(t testing.TB, addr, marker string) {
	t.Helper()
	s.Send(t, addr, rtDatagram(marker))
}

// rtLoad is a steady stream of marked events to one address.
type rtLoad struct {
	prefix string
	stop   chan struct{}
	done   chan struct{}
	sent   atomic.Int64
	errs   atomic.Int64
}

// rtStartLoad sends perTick events every tick to addr, markers
// "<prefix>-<n>" from 0 up, until Stop.
func rtStartLoad(t testing.TB, addr, prefix string, tick time.Duration, perTick int) *rtLoad {
	t.Helper()
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenPacket("udp", "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &rtLoad{prefix: prefix, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		defer c.Close()
		tk := time.NewTicker(tick)
		defer tk.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tk.C:
			}
			for range perTick {
				n := l.sent.Load()
				if _, err := c.WriteTo(rtDatagram(l.Marker(int(n))), ua); err != nil {
					l.errs.Add(1) // e.g. ECONNREFUSED while the daemon is down
				}
				l.sent.Add(1)
			}
		}
	}()
	t.Cleanup(func() { l.Stop() })
	return l
}

// Marker is the marker of the n-th event.
func (l *rtLoad) Marker(n int) string { return fmt.Sprintf("%s-%d", l.prefix, n) }

// Stop stops the stream and returns how many events were sent.
func (l *rtLoad) Stop() int {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	return int(l.sent.Load())
}

// ---------------------------------------------------------------- checks

// rtCheckExactlyOnceInOrder checks that got holds seqs 1..last exactly
// once each, in increasing order, every body's id equal to its webhook-id
// header, and returns the marker of each seq.
func rtCheckExactlyOnceInOrder(t testing.TB, name string, got []rtDelivery, last uint64) map[uint64]string {
	t.Helper()
	markers := make(map[uint64]string, len(got))
	var prev uint64
	for i, d := range got {
		if d.Seq != prev+1 {
			t.Errorf("%s: delivery %d has seq %d after seq %d (want %d: no gap, no duplicate, in order)", name, i, d.Seq, prev, prev+1)
		}
		if d.HeaderID == "" || d.HeaderID != d.ID {
			t.Errorf("%s: seq %d: webhook-id %q != body id %q", name, d.Seq, d.HeaderID, d.ID)
		}
		prev = d.Seq
		markers[d.Seq] = d.Marker()
	}
	if prev != last {
		t.Errorf("%s: last delivered seq %d, journal's last seq %d", name, prev, last)
	}
	return markers
}
