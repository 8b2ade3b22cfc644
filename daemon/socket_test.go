package daemon_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
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
// sent ones in the order sent.
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
	addr := n.Addr4()
	la, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	held, err := net.ListenUDP("udp4", la)
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
	if st := n.Status(t); len(st.Listen) != 1 || st.Listen[0] != addr {
		t.Fatalf("listening on %q, want only the passed socket %s", st.Listen, addr)
	}
	load := rtStartLoad(t, addr, "sock", 2*time.Millisecond, 1)
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
	down := load.sent.Load()
	p = start()
	if got := load.sent.Load(); got-down < 20 {
		// The restart was too quick for the load to land in the gap; the
		// test would prove nothing.
		t.Logf("only %d datagrams sent while no daemon ran", got-down)
	}
	waitJournaled("events after the restart", uint64(load.sent.Load())+50)
	sent := load.Stop()
	if errs := load.errs.Load(); errs != 0 {
		t.Errorf("%d sends failed (the socket was not there to take them)", errs)
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
	for i, l := range lines {
		if l.Seq != uint64(i+1) {
			t.Errorf("events log line %d has seq %d, want %d (contiguous)", i, l.Seq, i+1)
			break
		}
		if want := load.Marker(i); l.Marker() != want {
			t.Errorf("seq %d is %q, want %q (every datagram once, in the order sent)", l.Seq, l.Marker(), want)
			break
		}
	}
	p.Stop()
}
