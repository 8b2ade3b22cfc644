package daemon_test

// Lifecycle tests against the real binary: invalid configs, sd_notify,
// socket activation, the pid file and the legacy glustereventsd alias,
// IPv4/IPv6 intake, and status and watchdog during a slow reload. Helpers
// are in helpers_test.go.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// TestInvalidConfigKeepsRunning: a cluster config with an unknown key is
// refused by "gluster-eventing reload" with exit code 7 and an error naming
// file and line, and the daemon keeps delivering with its old config. A
// daemon started with an invalid node config exits with 7 and a clear
// error.
func TestInvalidConfigKeepsRunning(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	// The legacy body's nodeid is glusterd's UUID.
	const uuid = "3f1c6f0e-6a2b-4b8e-9c41-0d5e2a7b9c10"
	rtWriteFileAtomic(t, filepath.Join(n.Dir, "glusterd", "glusterd.info"), "UUID="+uuid+"\noperating-version=100000\n")
	oldRC := rtNewReceiver(t)
	newRC := rtNewReceiver(t)
	n.WriteCluster(t, rtHook{URL: oldRC.URL, Format: "legacy"})
	p := n.Start(t)
	p.WaitReady(n)
	s := rtNewSender(t)
	s.SendMarker(t, n.Addr4(), "before")
	oldRC.WaitMarker("before")
	// glustereventsd's body, byte for byte: json.dumps(sort_keys=True)
	// with "force" made a boolean; no Standard Webhooks headers.
	want := fmt.Sprintf(`{"event": "VOLUME_START", "message": {"force": false, "name": "before"}, "nodeid": "%s", "ts": %d}`, uuid, rtEventTS)
	if d := oldRC.Got()[0]; string(d.Raw) != want || d.HeaderID != "" {
		t.Errorf("legacy body %s (webhook-id %q), want %s and no webhook-id", d.Raw, d.HeaderID, want)
	}

	// Line 3 has the unknown key; the webhook would move to newRC.
	bad := "version = 1\nlog-level = \"INFO\"\nbogus_key = 1\n" +
		strings.TrimPrefix(rtClusterConfig(rtHook{URL: newRC.URL, Format: "legacy"}), "version = 1\n")
	rtWriteFileAtomic(t, n.ClusterPath, bad)
	out, errOut, code := rtCLI(t, "--config", n.NodePath, "reload")
	if code != 7 {
		t.Errorf("reload of an invalid cluster config: exit %d, want 7\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	wantLoc := n.ClusterPath + ":3:"
	if !strings.Contains(errOut, wantLoc) || !strings.Contains(errOut, "bogus_key") {
		t.Errorf("reload error does not name %s and the key:\n%s", wantLoc, errOut)
	}
	st := n.Status(t)
	if !strings.Contains(st.Config.LastReloadError, wantLoc) {
		t.Errorf("status last_reload_error = %q, want it to name %s", st.Config.LastReloadError, wantLoc)
	}
	if len(st.Webhooks) != 1 || st.Webhooks[0].URL != oldRC.URL {
		t.Errorf("webhooks after the failed reload: %+v, want only %s", st.Webhooks, oldRC.URL)
	}
	s.SendMarker(t, n.Addr4(), "after")
	oldRC.WaitMarker("after")
	if p.Exited() {
		t.Fatal("daemon exited after the failed reload")
	}

	// A daemon with an invalid node config does not start. Line 2 has
	// the unknown key.
	n2 := rtNewNode(t)
	rtWriteFileAtomic(t, n2.NodePath, "version = 1\nlisten_on = [\"127.0.0.1:1\"]\n")
	p2 := n2.Start(t)
	if code := p2.ExitCode(rtStartTimeout); code != 7 {
		t.Errorf("daemon with an invalid node config: exit %d, want 7\n%s", code, p2.Stderr.String())
	}
	if e := p2.Stderr.String(); !strings.Contains(e, n2.NodePath+":2:") || !strings.Contains(e, "listen_on") {
		t.Errorf("daemon with an invalid node config: the error does not name %s:2 and the key:\n%s", n2.NodePath, e)
	}
	// An invalid value too.
	n3 := rtNewNode(t)
	n3.Extra = "receive_buffer = \"lots\"\n"
	n3.WriteNodeConfig(t)
	p3 := n3.Start(t)
	if code := p3.ExitCode(rtStartTimeout); code != 7 {
		t.Errorf("daemon with receive_buffer = \"lots\": exit %d, want 7\n%s", code, p3.Stderr.String())
	}
	if e := p3.Stderr.String(); !strings.Contains(e, n3.NodePath) || !strings.Contains(e, "receive_buffer") {
		t.Errorf("daemon with an invalid value: the error does not name the file and key:\n%s", e)
	}

	// Fixed, the new config applies.
	n.WriteCluster(t, rtHook{URL: newRC.URL, Format: "legacy"})
	if out, errOut, code := rtCLI(t, "--config", n.NodePath, "reload"); code != 0 {
		t.Fatalf("reload of the fixed config: exit %d\n%s%s", code, out, errOut)
	}
	s.SendMarker(t, n.Addr4(), "fixed")
	newRC.WaitMarker("fixed")
	if len(newRC.Got()) != 1 {
		t.Errorf("new webhook got %d events, want only the one sent after it was added", len(newRC.Got()))
	}
	for _, d := range oldRC.Got() {
		if d.Marker() == "fixed" {
			t.Errorf("the removed webhook got an event sent after the reload")
		}
	}
	if st := n.Status(t); st.Config.LastReloadError != "" {
		t.Errorf("last_reload_error after a good reload: %q", st.Config.LastReloadError)
	}
	p.Stop()
}

// rtNotifyListener is a NOTIFY_SOCKET: it collects sd_notify datagrams.
type rtNotifyListener struct {
	Path string
	conn *net.UnixConn
	mu   sync.Mutex
	msgs []string
}

func rtListenNotify(t *testing.T) *rtNotifyListener {
	t.Helper()
	l := &rtNotifyListener{Path: filepath.Join(t.TempDir(), "notify.sock")}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: l.Path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	l.conn = c
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			l.mu.Lock()
			l.msgs = append(l.msgs, string(buf[:n]))
			l.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close() })
	return l
}

// Messages returns the datagrams received so far, without the periodic
// "STATUS=..." and "WATCHDOG=1\nSTATUS=..." refreshes.
func (l *rtNotifyListener) Messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.msgs {
		if strings.HasPrefix(m, "STATUS=") || strings.HasPrefix(m, "WATCHDOG=1") {
			continue
		}
		out = append(out, m)
	}
	return out
}

func (l *rtNotifyListener) All() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.msgs)
}

func rtMonotonicUsec() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano() / 1000
}

// TestSdNotify: with NOTIFY_SOCKET set the daemon sends READY=1 with a
// STATUS=, RELOADING=1 with MONOTONIC_USEC= then READY=1 around every
// reload (config file change, SIGHUP, SIGUSR2), STOPPING=1 on SIGTERM, and
// WATCHDOG=1 when WATCHDOG_USEC is set and WATCHDOG_PID is its pid.
func TestSdNotify(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	rc := rtNewReceiver(t)
	l := rtListenNotify(t)
	start := rtMonotonicUsec()
	// WATCHDOG_PID must be the daemon's own pid (go-systemd's
	// SdWatchdogEnabled ignores WATCHDOG_USEC otherwise): sh execs the
	// daemon, so $$ is its pid.
	cmd := exec.Command("/bin/sh", "-c", `WATCHDOG_PID=$$ exec "$0" "$@"`, rtBinary(t), "--config", n.NodePath, "daemon")
	p := rtStart(t, cmd, "NOTIFY_SOCKET="+l.Path, "WATCHDOG_USEC=1000000")
	p.WaitReady(n)

	// expect waits until the messages (without STATUS refreshes) are want,
	// each given as a prefix; checks RELOADING's MONOTONIC_USEC.
	var want []string
	expect := func(what string, more ...string) {
		t.Helper()
		want = append(want, more...)
		rtEventually(t, rtDeliverTimeout, what, func() (bool, string) {
			got := l.Messages()
			if len(got) < len(want) {
				return false, fmt.Sprintf("got %q", got)
			}
			return true, ""
		})
		got := l.Messages()
		if len(got) != len(want) {
			t.Fatalf("%s: got %q, want %d messages starting %q", what, got, len(want), want)
		}
		for i := range want {
			if !strings.HasPrefix(got[i], want[i]) {
				t.Fatalf("%s: message %d is %q, want it to start with %q (all: %q)", what, i, got[i], want[i], got)
			}
			if strings.HasPrefix(got[i], "RELOADING=1") {
				checkMonotonic(t, got[i], start)
			}
			if strings.HasPrefix(got[i], "READY=1") && !strings.Contains(got[i], "\nSTATUS=") {
				t.Errorf("message %d %q has no STATUS=", i, got[i])
			}
		}
	}
	expect("READY=1 at start", "READY=1\nSTATUS=")
	rtEventually(t, rtDeliverTimeout, "WATCHDOG=1", func() (bool, string) {
		return slices.ContainsFunc(l.All(), func(m string) bool { return strings.HasPrefix(m, "WATCHDOG=1") }),
			fmt.Sprintf("got %q", l.All())
	})

	// A config file change reloads by itself; READY=1 reports the new
	// webhook count.
	n.WriteCluster(t, rtHook{URL: rc.URL, Format: "standard"})
	expect("reload on config change", "RELOADING=1\nMONOTONIC_USEC=", "READY=1\nSTATUS=")
	if m := l.Messages(); !strings.Contains(m[len(m)-1], "1 webhooks") {
		t.Errorf("READY=1 after a reload that added a webhook: %q, want the new count (1 webhooks)", m[len(m)-1])
	}
	p.Signal(syscall.SIGHUP)
	expect("reload on SIGHUP", "RELOADING=1\nMONOTONIC_USEC=", "READY=1\nSTATUS=")
	p.Signal(syscall.SIGUSR2)
	expect("reload on SIGUSR2", "RELOADING=1\nMONOTONIC_USEC=", "READY=1\nSTATUS=")
	if out, errOut, code := rtCLI(t, "--config", n.NodePath, "reload"); code != 0 {
		t.Fatalf("reload: exit %d\n%s%s", code, out, errOut)
	}
	expect("reload through the CLI", "RELOADING=1\nMONOTONIC_USEC=", "READY=1\nSTATUS=")
	p.Stop()
	expect("STOPPING=1 on SIGTERM", "STOPPING=1")
}

func checkMonotonic(t *testing.T, msg string, start int64) {
	t.Helper()
	for line := range strings.SplitSeq(msg, "\n") {
		if v, ok := strings.CutPrefix(line, "MONOTONIC_USEC="); ok {
			us, err := strconv.ParseInt(v, 10, 64)
			if err != nil || us < start || us > rtMonotonicUsec() {
				t.Errorf("%q: MONOTONIC_USEC is not CLOCK_MONOTONIC now (test started at %d)", msg, start)
			}
			return
		}
	}
	t.Errorf("%q has no MONOTONIC_USEC=", msg)
}

// TestSocketActivation runs the daemon under systemd-socket-activate with a
// datagram socket: the first datagram (which makes systemd-socket-activate
// exec the daemon) and one sent after readiness are both journaled, and the
// daemon does not bind its configured address.
func TestSocketActivation(t *testing.T) {
	t.Parallel()
	sa, err := exec.LookPath("systemd-socket-activate")
	testenv.Require(t, err == nil, "systemd-socket-activate (Debian package systemd)")
	n := rtNewNode(t)
	configured := n.Port
	n.Port = rtFreeUDPPort(t) // the activated socket
	if n.Port == configured {
		t.Fatal("same port twice")
	}
	addr := n.Addr4()
	cmd := exec.Command(sa, "-d", "-l", addr, "--fdname=events", rtBinary(t), "--config", n.NodePath, "daemon")
	p := rtStart(t, cmd)
	rtEventually(t, rtStartTimeout, "systemd-socket-activate to listen", func() (bool, string) {
		if p.Exited() {
			t.Fatalf("systemd-socket-activate exited:\n%s", p.Stderr.String())
		}
		return strings.Contains(p.Stderr.String(), "Listening on"), p.Stderr.String()
	})
	s := rtNewSender(t)
	s.SendMarker(t, addr, "activating")
	p.WaitReady(n)
	s.SendMarker(t, addr, "after-ready")
	rtEventually(t, rtDeliverTimeout, "both datagrams to be journaled", func() (bool, string) {
		var ms []string
		for _, l := range n.EventsLogLines(t) {
			ms = append(ms, l.Marker())
		}
		return slices.Equal(ms, []string{"activating", "after-ready"}), fmt.Sprintf("events log: %q", ms)
	})
	st := n.Status(t)
	if !slices.Equal(st.Listen, []string{addr}) {
		t.Errorf("listening on %q, want only the activated socket %s", st.Listen, addr)
	}
	if !strings.Contains(p.Stderr.String(), "socket-activated") {
		t.Errorf("the daemon did not log that it uses socket-activated sockets")
	}
	// The configured address stays free.
	if c, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(configured))); err != nil {
		t.Errorf("the configured port %d is bound although the socket was passed: %v", configured, err)
	} else {
		c.Close()
	}
	p.Stop()
}

// TestPidFileLocked: while a daemon runs, a second one with the same pid
// file fails with a clear error and the pid file keeps the first one's
// PID. The first daemon is started through the legacy alias
// "glustereventsd -p PATH".
func TestPidFileLocked(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	pidFile := filepath.Join(n.Dir, "legacy", "glustereventsd.pid")
	alias := filepath.Join(t.TempDir(), "glustereventsd")
	if err := os.Symlink(rtBinary(t), alias); err != nil {
		t.Fatal(err)
	}
	p := rtStart(t, exec.Command(alias, "-p", pidFile), "GLUSTER_EVENTING_CONFIG="+n.NodePath)
	p.WaitReady(n)
	readPID := func() string {
		t.Helper()
		b, err := os.ReadFile(pidFile)
		if err != nil {
			t.Fatalf("pid file: %v", err)
		}
		return strings.TrimSpace(string(b))
	}
	first := strconv.Itoa(p.Pid())
	if got := readPID(); got != first {
		t.Fatalf("pid file holds %q, want %s", got, first)
	}
	if _, err := os.Stat(n.PIDFile); err == nil {
		t.Errorf("the config's pid_file %s was written although -p overrides it", n.PIDFile)
	}

	// Watch the pid file the whole time the second daemons try to start.
	stopWatch := make(chan struct{})
	watchDone := make(chan []string)
	go func() {
		var seen []string
		for {
			b, err := os.ReadFile(pidFile)
			if got := strings.TrimSpace(string(b)); err != nil || got != first {
				seen = append(seen, fmt.Sprintf("%q (err %v)", got, err))
			}
			select {
			case <-stopWatch:
				watchDone <- seen
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	// The second daemon has its own node (port, socket, state) but the
	// same pid file: given with -p, through pid_file, and with the
	// legacy alias's --pid-file.
	n2 := rtNewNode(t)
	n3 := rtNewNode(t)
	n3.PIDFile = pidFile
	n3.WriteNodeConfig(t)
	second := []struct {
		cmd *exec.Cmd
		env []string
	}{
		{exec.Command(rtBinary(t), "--config", n2.NodePath, "daemon", "-p", pidFile), nil},
		{exec.Command(rtBinary(t), "--config", n3.NodePath, "daemon"), nil},
		{exec.Command(alias, "--pid-file", pidFile), []string{"GLUSTER_EVENTING_CONFIG=" + n2.NodePath}},
	}
	for _, sc := range second {
		p2 := rtStart(t, sc.cmd, sc.env...)
		code := p2.ExitCode(rtStartTimeout)
		e := p2.Stderr.String()
		if code == 0 || !strings.Contains(e, pidFile) || !strings.Contains(e, "locked") || !strings.Contains(e, "pid "+first) {
			t.Errorf("%v: exit %d, want non-zero and an error naming %s as locked by pid %s:\n%s", sc.cmd.Args, code, pidFile, first, e)
		}
		if got := readPID(); got != first {
			t.Errorf("after %v the pid file holds %q, want %s", sc.cmd.Args, got, first)
		}
	}
	close(stopWatch)
	if seen := <-watchDone; len(seen) > 0 {
		t.Errorf("while the second daemons tried to start, the pid file held %s; want always %s", strings.Join(seen, ", "), first)
	}
	if st := n.Status(t); st.PID != p.Pid() {
		t.Errorf("the first daemon's status reports pid %d", st.PID)
	}
	p.Stop()
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file still there after a clean stop: %v", err)
	}
}

// TestIPv4AndIPv6Intake: datagrams to 127.0.0.1 and [::1] are journaled
// when the daemon listens on both, and with a dual-stack "[::]:P" too,
// where an allow-list of IPv4 and IPv6 loopback admits both (IPv4 senders
// arrive as ::ffff:127.0.0.1 on that socket).
func TestIPv4AndIPv6Intake(t *testing.T) {
	t.Parallel()
	s := rtNewSender(t)
	for _, tc := range []struct {
		name   string
		listen func(n *rtNode) []string
		extra  string
	}{
		{"separate", func(n *rtNode) []string { return []string{n.Addr4(), n.Addr6()} }, ""},
		{"dual-stack", func(n *rtNode) []string { return []string{net.JoinHostPort("::", strconv.Itoa(n.Port))} },
			"allow_sources = [\"127.0.0.1\", \"::1/128\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := rtNewNode(t)
			n.Listen = tc.listen(n)
			n.Extra = tc.extra
			n.WriteNodeConfig(t)
			p := n.Start(t)
			p.WaitReady(n)
			s.SendMarker(t, n.Addr4(), "via-ipv4")
			rtEventually(t, rtDeliverTimeout, "the IPv4 datagram to be journaled", func() (bool, string) {
				st := n.Status(t)
				if st.Intake.Denied > 0 {
					t.Fatalf("the IPv4 sender was denied: %+v", st.Intake)
				}
				return st.Journal.LastSeq == 1, fmt.Sprintf("%+v", st.Intake)
			})
			s.SendMarker(t, n.Addr6(), "via-ipv6")
			var got []string
			rtEventually(t, rtDeliverTimeout, "both datagrams in the events log", func() (bool, string) {
				got = got[:0]
				for _, l := range n.EventsLogLines(t) {
					got = append(got, l.Marker())
				}
				return len(got) >= 2, fmt.Sprintf("%q", got)
			})
			if !slices.Equal(got, []string{"via-ipv4", "via-ipv6"}) {
				t.Errorf("journaled %q", got)
			}
			st := n.Status(t)
			if !slices.Equal(st.Listen, n.Listen) {
				t.Errorf("listening on %q, want %q", st.Listen, n.Listen)
			}
			if st.Intake.Received != 2 || st.Intake.Journaled != 2 || st.Intake.Denied != 0 {
				t.Errorf("intake %+v", st.Intake)
			}
			p.Stop()
		})
	}
}

// TestStatusAndWatchdogDuringSlowReload: a reload that restarts a webhook
// waits for that webhook's attempt in flight (up to 30 s). Meanwhile the
// status API must answer and WATCHDOG=1 must keep coming, or systemd
// (WatchdogSec=30s in the unit) kills a daemon that is merely reloading.
func TestStatusAndWatchdogDuringSlowReload(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	rc := rtNewReceiver(t)
	release := make(chan struct{})
	held := make(chan struct{})
	var heldOnce sync.Once
	rc.Respond(func(_ http.ResponseWriter, r *http.Request, _ int) int {
		heldOnce.Do(func() { close(held) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return http.StatusOK
	})
	hook := rtHook{URL: rc.URL, Format: "standard", Timeout: "25s"}
	n.WriteCluster(t, hook)
	l := rtListenNotify(t)
	cmd := exec.Command("/bin/sh", "-c", `WATCHDOG_PID=$$ exec "$0" "$@"`, rtBinary(t), "--config", n.NodePath, "daemon")
	p := rtStart(t, cmd, "NOTIFY_SOCKET="+l.Path, "WATCHDOG_USEC=1000000")
	p.WaitReady(n)
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	rtNewSender(t).SendMarker(t, n.Addr4(), "held")
	select {
	case <-held:
	case <-time.After(rtDeliverTimeout):
		t.Fatal("the webhook attempt never arrived")
	}
	// Changing the webhook restarts its worker: the reload now waits for
	// the held attempt, as long as we hold it.
	hook.Timeout = "26s"
	n.WriteCluster(t, hook)
	p.Signal(syscall.SIGHUP)
	var reloading int
	rtEventually(t, rtDeliverTimeout, "RELOADING=1", func() (bool, string) {
		all := l.All()
		reloading = slices.IndexFunc(all, func(m string) bool { return strings.HasPrefix(m, "RELOADING=1") })
		return reloading >= 0, fmt.Sprintf("%q", all)
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := n.Client().Status(ctx); err != nil {
		t.Errorf("status while a reload waits for a webhook attempt: %v", err)
	}
	watchdogs := func() (int, bool) {
		all := l.All()
		k, ready := 0, false
		for _, m := range all[reloading+1:] {
			if strings.HasPrefix(m, "WATCHDOG=1") {
				k++
			}
			ready = ready || strings.HasPrefix(m, "READY=1")
		}
		return k, ready
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		k, ready := watchdogs()
		if ready {
			t.Fatalf("the reload finished although the attempt is still held")
		}
		if k >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d WATCHDOG=1 in 10 s while a reload waits for a webhook attempt (watchdog interval 1 s): %q", k, l.All())
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(release)
	rtEventually(t, rtDeliverTimeout, "READY=1 after the reload", func() (bool, string) {
		_, ready := watchdogs()
		return ready, fmt.Sprintf("%q", l.All())
	})
	rc.WaitMarker("held")
	p.Stop()
}
