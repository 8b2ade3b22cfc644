package main

import (
	"net"
	"strconv"
	"time"
)

// sender writes Gluster event datagrams to a connected UDP socket from one
// goroutine: VOLUME_START (id 3) with the marker as the volume name,
// "<ts> 3 name=v<i>;force=0".
type sender struct {
	conn *net.UDPConn
	base time.Time
	buf  []byte
	errs int // failed writes (nothing listening yet, ENOBUFS)
}

func newSender(addr string, base time.Time) (*sender, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	c, err := net.DialUDP("udp", nil, ua)
	if err != nil {
		return nil, err
	}
	return &sender{conn: c, base: base, buf: make([]byte, 0, 64)}, nil
}

func (s *sender) close() { s.conn.Close() }

// send writes one event with marker <prefix><i>.
func (s *sender) send(prefix byte, i int) {
	b := s.buf[:0]
	b = strconv.AppendInt(b, time.Now().Unix(), 10)
	b = append(b, " 3 name="...)
	b = append(b, prefix)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ";force=0"...)
	if _, err := s.conn.Write(b); err != nil {
		s.errs++
	}
}

// burst sends markers 0..n-1 as fast as it can. at, if not nil, is called
// before marker i for every i in marks.
func (s *sender) burst(n int, marks map[int]func()) {
	for i := range n {
		if f := marks[i]; f != nil {
			f()
		}
		s.send('v', i)
	}
}

// paced sends n markers at rate events/s, recording each send time (ns
// since base) in sentAt. A 1 ms ticker releases whatever is due, so the
// average rate is exact and bursts are at most a millisecond's worth.
func (s *sender) paced(n, rate int, sentAt []int64) {
	start := time.Now()
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	sent := 0
	for sent < n {
		due := min(n, int(time.Since(start).Seconds()*float64(rate))+1)
		for ; sent < due; sent++ {
			sentAt[sent] = int64(time.Since(s.base))
			s.send('v', sent)
		}
		<-t.C
	}
}
