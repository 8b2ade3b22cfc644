package webhooks

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// h1Client POSTs to one origin over keep-alive HTTP/1.1 connections. The
// goroutine that calls post writes the request and reads the response
// itself: no goroutines per connection, no channels, and one write per
// request. net/http's Transport hands each request to a writer and a
// reader goroutine and builds a Request, two header maps and a dozen other
// objects for it; at ten thousand events a second that was about half of
// the daemon's CPU time. Webhooks need one method, one URL and a handful of
// headers, so they get this small client. readHead (h1head.go) reads the
// part of a response delivery needs. Proxies go through net/http (see
// newSender).
type h1Client struct {
	addr    string      // host:port to dial
	tlsConf *tls.Config // nil for http://
	dialer  net.Dialer
	maxIdle int

	mu     sync.Mutex
	idle   []*h1Conn // most recently used last
	closed bool
}

// h1Conn is one connection with its read buffer and a request buffer that
// is reused from request to request.
type h1Conn struct {
	nc       net.Conn
	br       *bufio.Reader
	req      []byte
	lastUsed time.Time

	// For idleOpen: the TCP connection's raw descriptor (nil if it has
	// none) and what the last check saw.
	rc       syscall.RawConn
	peekFn   func(fd uintptr) bool
	peekOpen bool
}

const (
	// h1IdleTimeout is how long an idle connection is kept.
	h1IdleTimeout = 90 * time.Second
	// h1DialTimeout bounds the TCP connect; the attempt's deadline
	// bounds it and the TLS handshake too.
	h1DialTimeout = 30 * time.Second
	// h1FreshConn is how recently a connection must have carried a
	// response to be reused without idleOpen's check. Anything the
	// receiver sends or does after a response races with the next
	// request anyway; under load, when connections are reused within
	// microseconds, skipping the check saves a system call per request.
	h1FreshConn = time.Millisecond
)

// newH1Client returns a client for u's origin (scheme, host and port).
// tlsConf is used for https:// URLs; the client sets its ServerName.
func newH1Client(u *url.URL, tlsConf *tls.Config, maxIdle int) *h1Client {
	c := &h1Client{
		addr:    net.JoinHostPort(u.Hostname(), portOf(u)),
		dialer:  net.Dialer{Timeout: h1DialTimeout, KeepAlive: 30 * time.Second},
		maxIdle: max(maxIdle, 1),
	}
	if u.Scheme == "https" {
		c.tlsConf = tlsConf.Clone()
		c.tlsConf.ServerName = u.Hostname()
		c.tlsConf.NextProtos = []string{"http/1.1"}
	}
	return c
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// h1Response is what an attempt needs from a response.
type h1Response struct {
	status     int
	retryAfter string // the Retry-After header, "" if none
}

// post sends the request that build appends to its argument (request
// line, headers, blank line and body) and reads the response status and
// Retry-After, all before deadline or ctx's end.
//
// A connection from the idle pool that turns out closed (writing fails, or
// it ends before a byte of the response) was most likely closed by the
// receiver as the request went out: the request is sent again on a new
// connection, once, as net/http does for requests it may replay. If the
// receiver did get the first one, it gets the event twice with the same
// id, which the worker's own retry would have caused too.
func (c *h1Client) post(ctx context.Context, deadline time.Time, build func([]byte) []byte) (h1Response, error) {
	cn, reused, err := c.get(ctx, deadline)
	if err != nil {
		return h1Response{}, err
	}
	resp, closed, err := c.roundTrip(ctx, cn, deadline, build)
	if err != nil && closed && reused && ctx.Err() == nil && time.Now().Before(deadline) {
		if cn, err = c.dial(ctx, deadline); err != nil {
			return h1Response{}, err
		}
		resp, _, err = c.roundTrip(ctx, cn, deadline, build)
	}
	return resp, err
}

// roundTrip makes one exchange on cn and then either returns cn to the
// idle pool or closes it. closed reports that the connection failed or
// ended before a byte of the response arrived.
func (c *h1Client) roundTrip(ctx context.Context, cn *h1Conn, deadline time.Time, build func([]byte) []byte) (resp h1Response, closed bool, err error) {
	keep := false
	defer func() {
		if keep {
			c.put(cn)
		} else {
			cn.nc.Close()
		}
	}()
	cn.nc.SetDeadline(deadline)
	// ctx's end interrupts the exchange; a connection it interrupted, or
	// was about to, is not reused.
	stop := context.AfterFunc(ctx, func() { cn.nc.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		if !stop() {
			keep = false
		}
	}()

	cn.req = build(cn.req[:0])
	if _, err := cn.nc.Write(cn.req); err != nil {
		return resp, connClosed(err), c.fail(ctx, err)
	}
	if cap(cn.req) > 64<<10 {
		cn.req = nil // do not keep a buffer an unusually large body grew
	}
	if _, err := cn.br.Peek(1); err != nil {
		return resp, connClosed(err), c.fail(ctx, err)
	}
	var h h1Head
	for interim := 0; ; interim++ {
		if h, err = readHead(cn.br); err != nil {
			return resp, false, c.fail(ctx, err)
		}
		if h.status >= 200 {
			break
		}
		// Informational responses (103 Early Hints and the like) come
		// before the final one; 101 would switch protocols, which the
		// request never asks for.
		if h.status == 101 || interim == maxInterim {
			return resp, false, fmt.Errorf("%w: unexpected %d response", errMalformed, h.status)
		}
	}
	resp = h1Response{status: h.status, retryAfter: h.retryAfter}
	// Drain a bounded body so the connection can carry the next request;
	// a longer one, or a receiver that closes, costs the connection. So
	// do bytes after the response: the next request must not read them
	// as its answer.
	keep = !h.close && drain(cn.br, &h) == nil && cn.br.Buffered() == 0
	return resp, false, nil
}

// connClosed reports whether err means the peer closed the connection
// (not a timeout or cancellation).
func connClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// maxInterim bounds the informational responses before the final one, as
// net/http does.
const maxInterim = 5

// fail names an I/O error: ctx's end, the attempt's deadline, or the error.
func (c *h1Client) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errDeadline
	}
	return err
}

// errDeadline is an attempt that ran out of time.
var errDeadline = errors.New("deadline exceeded")

// get returns an idle connection that is still open and has not sat for
// too long, or a new one.
func (c *h1Client) get(ctx context.Context, deadline time.Time) (cn *h1Conn, reused bool, err error) {
	for {
		c.mu.Lock()
		if len(c.idle) == 0 {
			c.mu.Unlock()
			break
		}
		cn = c.idle[len(c.idle)-1]
		c.idle = c.idle[:len(c.idle)-1]
		c.mu.Unlock()
		idle := time.Since(cn.lastUsed)
		if idle < h1IdleTimeout && (idle < h1FreshConn || cn.idleOpen()) {
			return cn, true, nil
		}
		cn.nc.Close()
	}
	cn, err = c.dial(ctx, deadline)
	return cn, false, err
}

// idleOpen reports whether an idle connection can carry a request: the
// receiver has neither closed it nor sent anything unasked (such as a 408
// before closing, or a second response). net/http learns this from a
// reader goroutine per connection; here it costs one non-blocking peek. (Bytes a TLS connection has already
// decrypted into its own buffer cannot be peeked at.)
func (cn *h1Conn) idleOpen() bool {
	if cn.rc == nil {
		return true
	}
	return cn.rc.Read(cn.peekFn) == nil && cn.peekOpen
}

// peek is idleOpen's look at the socket: nothing to read yet means open.
func (cn *h1Conn) peek(fd uintptr) bool {
	var b [1]byte
	_, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	cn.peekOpen = err == unix.EAGAIN
	return true
}

func (c *h1Client) dial(ctx context.Context, deadline time.Time) (*h1Conn, error) {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	nc, err := c.dialer.DialContext(dctx, "tcp", c.addr)
	if err != nil {
		return nil, c.fail(ctx, dialError(dctx, err))
	}
	if c.tlsConf != nil {
		tc := tls.Client(nc, c.tlsConf)
		if err := tc.HandshakeContext(dctx); err != nil {
			nc.Close()
			return nil, c.fail(ctx, dialError(dctx, err))
		}
		nc = tc
	}
	cn := &h1Conn{nc: nc, br: bufio.NewReaderSize(nc, 4096)}
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	if sc, ok := nc.(syscall.Conn); ok {
		if cn.rc, err = sc.SyscallConn(); err != nil {
			cn.nc.Close()
			return nil, err
		}
		cn.peekFn = cn.peek // bound once: no allocation per check
	}
	return cn, nil
}

// dialError turns the dial context's deadline into errDeadline.
func dialError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errDeadline
	}
	return err
}

// put returns cn to the idle pool, or closes it if the pool is full or
// the client closed.
func (c *h1Client) put(cn *h1Conn) {
	cn.lastUsed = time.Now()
	cn.nc.SetDeadline(time.Time{})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || len(c.idle) >= c.maxIdle {
		cn.nc.Close()
		return
	}
	c.idle = append(c.idle, cn)
}

// close closes the idle connections; connections in use are closed when
// their request ends.
func (c *h1Client) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, cn := range c.idle {
		cn.nc.Close()
	}
	c.idle = nil
}

// checkHeaderValue rejects a value that would break the request framing.
func checkHeaderValue(name, v string) error {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b == '\r' || b == '\n' || b == 0 {
			return fmt.Errorf("%s: invalid character %q", name, b)
		}
	}
	return nil
}
