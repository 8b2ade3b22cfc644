package daemon_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSocketUnitRestartLosesNothing is what packaging/gluster-eventing.socket
// promises: systemd holds the UDP socket, the daemon takes it (LISTEN_FDS,
// name "events") and, when the service restarts, datagrams sent meanwhile
// wait in the socket's receive queue for the next daemon. The test process
// plays systemd: it holds the socket and passes it to two daemons in turn
// (a stop, then a start on the same socket and state dir) while a sender
// sends without pause. Every datagram sent must be in the journal once, in
// order: the journal seqs are 1..sent with no gap, and the markers are the
// sent ones in the order sent, from an IPv4 and an IPv6 sender.
//
// Without the held socket (a daemon binding its own port) the datagrams
// sent while it is down are refused by the kernel and the count falls
// short; without a clean drain on SIGTERM the ones read but not journaled
// are missing.
func TestSocketUnitRestartLosesNothing(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	configured := n.Port
	n.Port = rtFreeUDPPort(t) // the socket the "socket unit" holds
	if n.Port == configured {
		t.Fatal("same port twice")
	}
	// One dual-stack socket, as ListenDatagram=55555 with
	// BindIPv6Only=both makes: IPv4 and IPv6 senders reach it.
	held, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv6unspecified, Port: n.Port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	// ReceiveBuffer=4M in the socket unit: room for everything sent while
	// no daemon reads (systemd sets it with SO_RCVBUFFORCE as root).
	rc, err := held.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rc.Control(func(fd uintptr) {
		if syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, 4<<20) != nil {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<20)
		}
	})
	f, err := held.File() // a dup: held stays open in this process
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })

	start := func() *rtProc {
		t.Helper()
		// LISTEN_PID must be the daemon's own pid: the shell sets it to
		// its pid and execs the daemon in its place.
		cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`, rtBinary(t), "--config", n.NodePath, "daemon")
		cmd.ExtraFiles = []*os.File{f} // fd 3
		p := rtStart(t, cmd, "LISTEN_FDS=1", "LISTEN_FDNAMES=events")
		p.WaitReady(n)
		return p
	}

	p := start()
	if st := n.Status(t); len(st.Listen) != 1 || st.Listen[0] != held.LocalAddr().String() {
		t.Fatalf("listening on %q, want only the passed socket %s", st.Listen, held.LocalAddr())
	}
	// The configured port stays free.
	if c, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(configured))); err != nil {
		t.Fatalf("the configured port %d is bound although a socket was passed: %v", configured, err)
	} else {
		c.Close()
	}
	loads := []*rtLoad{
		rtStartLoad(t, n.Addr4(), "v4", 2*time.Millisecond, 1),
		rtStartLoad(t, n.Addr6(), "v6", 4*time.Millisecond, 1),
	}
	sentNow := func() int {
		total := 0
		for _, l := range loads {
			total += int(l.sent.Load())
		}
		return total
	}
	waitJournaled := func(what string, min uint64) {
		t.Helper()
		rtEventually(t, rtDeliverTimeout, what, func() (bool, string) {
			st := n.Status(t)
			return st.Journal.LastSeq >= min, fmt.Sprintf("journal last seq %d", st.Journal.LastSeq)
		})
	}
	waitJournaled("events before the restart", 50)
	p.Stop()
	// The daemon is gone; the sender goes on. Datagrams queue in the held
	// socket until the next daemon reads them.
	down := sentNow()
	p = start()
	gap := sentNow() - down
	t.Logf("%d datagrams sent while no daemon ran", gap)
	if gap == 0 {
		t.Fatal("no datagram was sent while no daemon ran: the test proves nothing")
	}
	waitJournaled("events after the restart", uint64(sentNow())+50)
	sent := 0
	for _, l := range loads {
		sent += l.Stop()
		if errs := l.errs.Load(); errs != 0 {
			t.Errorf("%s: %d sends failed (the socket was not there to take them)", l.prefix, errs)
		}
	}
	waitJournaled("every event sent", uint64(sent))

	st := n.Status(t)
	if st.Journal.LastSeq != uint64(sent) {
		t.Errorf("journal last seq %d, sent %d datagrams", st.Journal.LastSeq, sent)
	}
	var lines []rtBody
	rtEventually(t, rtDeliverTimeout, "the events log to hold every journaled event", func() (bool, string) {
		lines = n.EventsLogLines(t)
		return len(lines) >= sent, fmt.Sprintf("%d of %d lines", len(lines), sent)
	})
	if len(lines) != sent {
		t.Errorf("events log has %d lines, sent %d", len(lines), sent)
	}
	// Seqs are contiguous; each sender's datagrams are there once each,
	// in the order it sent them (the two senders interleave freely).
	next := map[string]int{}
	for i, l := range lines {
		if l.Seq != uint64(i+1) {
			t.Errorf("events log line %d has seq %d, want %d (contiguous)", i, l.Seq, i+1)
			break
		}
		prefix, num, _ := strings.Cut(l.Marker(), "-")
		if want := strconv.Itoa(next[prefix]); num != want {
			t.Errorf("seq %d is %q, want %s-%s (every datagram once, in the order sent)", l.Seq, l.Marker(), prefix, want)
			break
		}
		next[prefix]++
	}
	for _, l := range loads {
		if got, want := next[l.prefix], int(l.sent.Load()); got != want {
			t.Errorf("%s: %d datagrams journaled, %d sent", l.prefix, got, want)
		}
	}
	p.Stop()
}
