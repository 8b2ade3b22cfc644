package gfevent

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"
)

// Emitter sends events as legacy datagrams, as Gluster's gf_event() does.
// The zero value sends to localhost on [Port] with the current time.
type Emitter struct {
	// Addr is the daemon's UDP address, "host:port". Empty means
	// "localhost:55555", which reaches a daemon listening on [::1] or
	// 127.0.0.1 (gluster-eventing listens on both).
	Addr string
	// Now returns the event time; nil means time.Now.
	Now func() time.Time
}

// Emit sends one event of type t with fields in the given order. Like
// gf_event() it does not wait for an acknowledgement: a nil error means the
// datagram left this host's network stack, not that a daemon received it.
func (e *Emitter) Emit(ctx context.Context, t Type, fields ...Field) error {
	b, err := e.Datagram(t, fields...)
	if err != nil {
		return err
	}
	return e.Send(ctx, b)
}

// Send sends one raw datagram to the daemon; Emit uses it after formatting.
// Tests use it to send the malformed datagrams real Gluster produces.
func (e *Emitter) Send(ctx context.Context, b []byte) error {
	addr := e.Addr
	if addr == "" {
		addr = net.JoinHostPort("localhost", strconv.Itoa(Port))
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return fmt.Errorf("gfevent: send: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write(b); err != nil {
		return fmt.Errorf("gfevent: send to %s: %w", addr, err)
	}
	return nil
}

// Datagram returns the bytes Emit would send, after checking that t is known
// and every field can be carried by the wire format.
func (e *Emitter) Datagram(t Type, fields ...Field) ([]byte, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("gfevent: unknown event type %d", int(t))
	}
	for _, f := range fields {
		if err := CheckField(f); err != nil {
			return nil, fmt.Errorf("gfevent: %s: %w", t, err)
		}
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	ev := Event{Time: now().Unix(), Type: t, Fields: fields}
	return ev.AppendWire(make([]byte, 0, 64)), nil
}
