package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/ipv6"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// intakeCounters are the intake's monotonic counters, exported as metrics
// and in the status.
type intakeCounters struct {
	Received    atomic.Uint64                     // datagrams read
	Accepted    atomic.Uint64                     // parsed and handed to the journal
	Journaled   atomic.Uint64                     // committed to the journal
	JournalErrs atomic.Uint64                     // failed journal appends (events lost)
	Denied      atomic.Uint64                     // sources not on the allow-list
	Truncated   atomic.Uint64                     // datagrams larger than the read buffer
	Rejected    [gfevent.NumReasons]atomic.Uint64 // by gfevent.Reason
	Flagged     atomic.Uint64                     // accepted after repairs (gfevent.Repairs)
}

// intake reads datagrams from its sockets, parses them and appends every
// accepted event to the journal. It never blocks on fsync: appends are
// asynchronous and group-committed by the journal.
type intake struct {
	conns   []net.PacketConn
	journal *journal.Journal
	allow   atomic.Pointer[allowList]
	log     *slog.Logger
	c       *intakeCounters
	now     func() time.Time
	// disabled drops the events the cluster config disables (nil: none).
	disabled *disabledEvents
	// peerChange, if set, is called for every PEER_CONNECT and
	// PEER_ATTACH accepted: a peer came (back), and may hold a newer
	// config or need ours. It must not block.
	peerChange func()
	// stopping makes a reader woken by stop read what is queued and return.
	stopping atomic.Bool
	// running counts the readers in run; the watchdog wants all of them.
	running atomic.Int32
}

const batchSize = 32

// maxDrain bounds how long a stopping reader keeps reading its queue, in
// case senders never pause.
const maxDrain = 5 * time.Second

// stop makes every reader read the datagrams already queued in its socket
// (the kernel accepted them for us; closing the socket would drop them) and
// then return. The caller waits for the readers before closing the sockets.
func (in *intake) stop() {
	in.stopping.Store(true)
	for _, c := range in.conns {
		c.SetReadDeadline(time.Now()) // wakes a blocked read
	}
}

// run reads conn until it is closed.
func (in *intake) run(conn net.PacketConn) error {
	in.running.Add(1)
	defer in.running.Add(-1)
	pc := ipv6.NewPacketConn(conn)
	msgs := make([]ipv6.Message, batchSize)
	for i := range msgs {
		// One byte more than the largest datagram detects truncation.
		msgs[i].Buffers = [][]byte{make([]byte, gfevent.MaxDatagram+1)}
	}
	for {
		n, err := pc.ReadBatch(msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			if errors.Is(err, os.ErrDeadlineExceeded) && in.stopping.Load() {
				in.drain(pc, conn, msgs)
				return nil
			}
			var errno syscall.Errno
			if errors.As(err, &errno) && (errno == syscall.EINTR || errno == syscall.EAGAIN) {
				continue
			}
			return fmt.Errorf("intake: read %s: %w", conn.LocalAddr(), err)
		}
		now := in.now()
		for i := range msgs[:n] {
			in.handle(msgs[i].Buffers[0][:msgs[i].N], msgs[i].Addr, now)
		}
	}
}

// drain reads, without waiting, what is queued in conn until it is empty.
func (in *intake) drain(pc *ipv6.PacketConn, conn net.PacketConn, msgs []ipv6.Message) {
	conn.SetReadDeadline(time.Time{})
	until := time.Now().Add(maxDrain)
	for time.Now().Before(until) {
		n, err := pc.ReadBatch(msgs, syscall.MSG_DONTWAIT)
		if err != nil || n == 0 {
			return
		}
		now := in.now()
		for i := range msgs[:n] {
			in.handle(msgs[i].Buffers[0][:msgs[i].N], msgs[i].Addr, now)
		}
	}
}

func (in *intake) handle(b []byte, from net.Addr, now time.Time) {
	in.c.Received.Add(1)
	var src netip.Addr
	if ua, ok := from.(*net.UDPAddr); ok {
		src = ua.AddrPort().Addr().Unmap()
	}
	if !in.allow.Load().allowed(src) {
		in.c.Denied.Add(1)
		return
	}
	if len(b) > gfevent.MaxDatagram {
		in.c.Truncated.Add(1)
		b = b[:gfevent.MaxDatagram]
	}
	ev, err := gfevent.Parse(b)
	if err != nil {
		var pe *gfevent.ParseError
		if errors.As(err, &pe) && int(pe.Reason) < len(in.c.Rejected) {
			in.c.Rejected[pe.Reason].Add(1)
		}
		in.log.Debug("rejected datagram", "source", src, "reason", err)
		return
	}
	if in.dropDisabled(ev) {
		return
	}
	if ev.Flags&gfevent.Repairs != 0 {
		in.c.Flagged.Add(1)
	}
	rec := evrec.Record{Received: now, Event: *ev}
	if src.IsValid() {
		rec.Source = src.String()
	}
	data, err := rec.Marshal()
	if err != nil {
		in.c.JournalErrs.Add(1)
		in.log.Error("encoding event", "err", err)
		return
	}
	in.c.Accepted.Add(1)
	if err := in.journal.AppendAsync(data, in.appended); err != nil {
		in.appended(0, err)
	}
	if (ev.Type == gfevent.PeerConnect || ev.Type == gfevent.PeerAttach) && in.peerChange != nil {
		in.peerChange()
	}
}

func (in *intake) appended(_ uint64, err error) {
	if err != nil {
		in.c.JournalErrs.Add(1)
		in.log.Error("journal append failed: event lost", "err", err)
		return
	}
	in.c.Journaled.Add(1)
}

// listenUDP binds addr with a large receive buffer. "[::]:P" is dual-stack;
// if the host has no IPv6 it falls back to "0.0.0.0:P".
func listenUDP(addr string, rcvbuf int, log *slog.Logger) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		return setRcvbuf(rc, rcvbuf, log)
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp", addr)
	if err != nil {
		host, port, splitErr := net.SplitHostPort(addr)
		if splitErr == nil && host == "::" && errors.Is(err, syscall.EAFNOSUPPORT) {
			log.Warn("no IPv6 on this host, listening on IPv4 only", "addr", addr)
			return lc.ListenPacket(context.Background(), "udp4", net.JoinHostPort("0.0.0.0", port))
		}
		return nil, fmt.Errorf("intake: listen %s: %w", addr, err)
	}
	return pc, nil
}

func setRcvbuf(rc syscall.RawConn, size int, log *slog.Logger) error {
	if size <= 0 {
		return nil
	}
	var serr error
	err := rc.Control(func(fd uintptr) {
		// SO_RCVBUFFORCE (root/CAP_NET_ADMIN) ignores net.core.rmem_max.
		if serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, size); serr != nil {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
			if serr == nil && os.Geteuid() == 0 {
				log.Warn("SO_RCVBUFFORCE failed, receive buffer capped by net.core.rmem_max")
			}
		}
	})
	if err != nil {
		return err
	}
	if serr != nil {
		log.Warn("could not set the UDP receive buffer", "bytes", size, "err", serr)
	}
	return nil
}
