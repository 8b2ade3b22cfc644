package webhooks

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/testcert"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// These tests run the sender against real receivers on loopback:
// net/http's server, or rawServer where a test needs bytes net/http's
// server never writes.

// rawServer is a TCP receiver on 127.0.0.1 that hands each connection to
// serve. It counts connections and keeps every request body in the order
// read, over all connections.
type rawServer struct {
	ln    net.Listener
	conns atomic.Int64
	done  chan struct{} // closed when the test ends

	mu     sync.Mutex
	bodies []string
	open   []net.Conn
	wg     sync.WaitGroup
}

// rawConn is one connection of a rawServer.
type rawConn struct {
	net.Conn
	br  *bufio.Reader
	srv *rawServer
	n   int64 // the connection's number, from 1
}

func newRawServer(t *testing.T, serve func(c *rawConn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, done: make(chan struct{})}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := s.conns.Add(1)
			s.mu.Lock()
			s.open = append(s.open, c)
			s.mu.Unlock()
			s.wg.Go(func() {
				defer c.Close()
				serve(&rawConn{Conn: c, br: bufio.NewReader(c), srv: s, n: n})
			})
		}
	})
	t.Cleanup(func() {
		close(s.done)
		ln.Close()
		s.mu.Lock()
		for _, c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) url() string { return "http://" + s.ln.Addr().String() + "/hook?k=v" }

func (s *rawServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

// read reads one whole request and records its body. n is the number of
// requests the server has read, this one included.
func (c *rawConn) read() (req *http.Request, n int, err error) {
	req, err = http.ReadRequest(c.br)
	if err != nil {
		return nil, 0, err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, 0, err
	}
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	c.srv.bodies = append(c.srv.bodies, string(body))
	return req, len(c.srv.bodies), nil
}

// wait waits for ch to close; it returns false if the test ended first.
func (c *rawConn) wait(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-c.srv.done:
		return false
	}
}

// answering serves every request of a connection with respond's bytes,
// closing the connection after them if respond says so. n counts requests
// over all connections, from 1.
func answering(respond func(n int, req *http.Request) (resp string, closeConn bool)) func(*rawConn) {
	return func(c *rawConn) {
		for {
			req, n, err := c.read()
			if err != nil {
				return
			}
			resp, closeConn := respond(n, req)
			if _, err := io.WriteString(c, resp); err != nil || closeConn {
				return
			}
		}
	}
}

// status is a keep-alive response with an empty body.
func status(code int) string {
	return fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", code, http.StatusText(code))
}

// nthStatus answers request n with 200+n (all 2xx): what a post returns
// shows which request it was the answer to.
func nthStatus(n int) string { return status(200 + n) }

func testSender(t *testing.T, rawURL string, mods ...func(*config.Webhook)) *sender {
	t.Helper()
	hook := testHook(rawURL, mods...)
	s, err := newSender(&hook, "gluster-eventing/test", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s
}

// numbered is message n, whose body is {"n": n}.
func numbered(n int) *message {
	return &message{id: "evt_" + strconv.Itoa(n), event: "VOLUME_START", ts: 1, body: []byte(`{"n": ` + strconv.Itoa(n) + `}`)}
}

// postN posts message n.
func postN(t *testing.T, s *sender, n int) (int, time.Duration, error) {
	t.Helper()
	return s.post(t.Context(), numbered(n), time.Now())
}

func bodiesUpTo(n int) []string {
	var b []string
	for i := 1; i <= n; i++ {
		b = append(b, string(numbered(i).body))
	}
	return b
}

// The request as the receiver reads it: method, path and query, Host,
// the headers of the format, the body; HTTP/1.1 on one keep-alive
// connection over plain http.
func TestSenderRequest(t *testing.T) {
	var reqs []*http.Request
	var mu sync.Mutex
	srv := newRawServer(t, answering(func(n int, req *http.Request) (string, bool) {
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		return status(200), false
	}))
	legacy := testSender(t, srv.url(), func(h *config.Webhook) { h.Format = config.FormatLegacy; h.SigningSecret = ""; h.Token = "tok" })
	for i := range 20 {
		if code, _, err := postN(t, legacy, i+1); code != 200 || err != nil {
			t.Fatalf("post = %d, %v", code, err)
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("%d connections for 20 sequential posts, want 1", n)
	}
	now := time.Now()
	standard := testSender(t, srv.url())
	if code, _, err := standard.post(t.Context(), numbered(21), now); code != 200 || err != nil {
		t.Fatalf("post = %d, %v", code, err)
	}

	mu.Lock()
	defer mu.Unlock()
	want := map[string]string{
		"User-Agent":     "gluster-eventing/test",
		"Content-Type":   "application/json",
		"Content-Length": "8",
		"Authorization":  "Bearer tok",
	}
	r := reqs[0]
	if r.Method != "POST" || r.RequestURI != "/hook?k=v" || r.Proto != "HTTP/1.1" || r.Host != srv.ln.Addr().String() {
		t.Errorf("request line and Host: %s %s %s, Host %s", r.Method, r.RequestURI, r.Proto, r.Host)
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("legacy %s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"Webhook-Id", "Accept-Encoding", "Idempotency-Key"} {
		if _, ok := r.Header[k]; ok {
			t.Errorf("legacy request has %s", k)
		}
	}
	if got := srv.requests()[0]; got != `{"n": 1}` {
		t.Errorf("body %q", got)
	}

	r = reqs[20]
	key, _ := ParseSigningSecret(testSigningSecret)
	m := numbered(21)
	want = map[string]string{
		"Webhook-Id":        m.id,
		"Webhook-Timestamp": strconv.FormatInt(now.Unix(), 10),
		"Webhook-Signature": StandardSignature(key, m.id, now, m.body),
		"Authorization":     "",
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("standard %s = %q, want %q", k, got, v)
		}
	}
}

// An unsolicited response on an idle keep-alive connection (a stray 410
// Gone) is not read as the answer to the next request: net/http's read
// loop sees it, retires the connection, and every later answer goes to
// its own request. The old hand-written client skipped its idle check on
// a connection reused within a millisecond, read the 410 as the next
// answer and shifted every later one by one.
//
// Not tested, because net/http does not close it: a stray response in
// the same segment as the answer, with the next request sent at once,
// can still be read as that request's answer (about 1 in 100 such runs
// here) when the caller takes the connection from the idle pool before
// the read loop has peeked at it. Only that one answer is misread; the
// connection is retired when the real answer arrives unasked.
func TestSenderStaleResponse(t *testing.T) {
	stray := make(chan struct{})
	retired := make(chan struct{})
	srv := newRawServer(t, func(c *rawConn) {
		if c.n == 1 {
			if _, _, err := c.read(); err != nil {
				return
			}
			io.WriteString(c, nthStatus(1))
			if !c.wait(stray) {
				return
			}
			io.WriteString(c, status(http.StatusGone))
			// The client closes a connection that spoke unasked.
			if _, err := c.br.ReadByte(); err == io.EOF {
				close(retired)
			}
			return
		}
		answering(func(n int, _ *http.Request) (string, bool) { return nthStatus(n), false })(c)
	})
	s := testSender(t, srv.url())
	if code, _, err := postN(t, s, 1); code != 201 || err != nil {
		t.Fatalf("post 1 = %d, %v", code, err)
	}
	close(stray)
	select {
	case <-retired:
	case <-time.After(10 * time.Second):
		t.Fatal("the client kept the idle connection a stray response arrived on")
	}
	for n := 2; n <= 5; n++ {
		code, _, err := postN(t, s, n)
		if code != 200+n || err != nil || classify(code, err) == gone {
			t.Fatalf("post %d = %d, %v; want %d", n, code, err, 200+n)
		}
	}
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// A receiver that reads a whole POST on a reused connection and hangs up
// without answering gets it once: the attempt fails, and the worker's
// next attempt, counted, sends it again. (net/http sends a request again
// on its own only when none of it was written, or when it is idempotent,
// which a POST without an Idempotency-Key is not; the old client sent it
// again, uncounted.)
func TestSenderNoSilentResend(t *testing.T) {
	hangUpOn := func(k int) func(*rawConn) {
		return answering(func(n int, _ *http.Request) (string, bool) {
			if n == k {
				return "", true
			}
			return nthStatus(n), false
		})
	}
	t.Run("reused connection", func(t *testing.T) {
		srv := newRawServer(t, hangUpOn(2))
		s := testSender(t, srv.url())
		if code, _, err := postN(t, s, 1); code != 201 || err != nil {
			t.Fatalf("post 1 = %d, %v", code, err)
		}
		if code, _, err := postN(t, s, 2); err == nil {
			t.Fatalf("post 2 = %d, want an error", code)
		}
		if code, _, err := postN(t, s, 3); code != 203 || err != nil {
			t.Fatalf("post 3 = %d, %v", code, err)
		}
		if got, want := srv.requests(), bodiesUpTo(3); !slices.Equal(got, want) {
			t.Errorf("the receiver read %q, want %q", got, want)
		}
		if n := srv.conns.Load(); n != 2 {
			t.Errorf("%d connections, want 2", n)
		}
	})
	t.Run("new connection", func(t *testing.T) {
		srv := newRawServer(t, hangUpOn(1))
		s := testSender(t, srv.url())
		if code, _, err := postN(t, s, 1); err == nil || !strings.Contains(err.Error(), "EOF") {
			t.Fatalf("post 1 = %d, %v; want an EOF error", code, err)
		}
		if code, _, err := postN(t, s, 2); code != 202 || err != nil {
			t.Fatalf("post 2 = %d, %v", code, err)
		}
		if got := len(srv.requests()); got != 2 {
			t.Errorf("the receiver read %d requests, want 2", got)
		}
	})
	t.Run("worker", func(t *testing.T) {
		j := openTestJournal(t)
		srv := newRawServer(t, hangUpOn(2))
		m := newTestManager(t, j)
		apply(t, m, testHook(srv.url()))
		seqs := appendEvents(t, j, 3)
		waitFor(t, 10*time.Second, "3 deliveries", func() bool { return healthOf(t, m, srv.url()).Cursor == seqs[2] })
		var got []uint64
		for _, b := range srv.requests() {
			got = append(got, bodySeq([]byte(b)))
		}
		want := []uint64{seqs[0], seqs[1], seqs[1], seqs[2]}
		if !slices.Equal(got, want) {
			t.Errorf("the receiver read seqs %v, want %v", got, want)
		}
		if h := healthOf(t, m, srv.url()); h.Failed != 1 || h.Retried != 1 || h.Delivered != 3 {
			t.Errorf("health = %+v; want 1 failed attempt, 1 retry, 3 delivered", h)
		}
	})
}

// An idle connection the receiver closed is closed on our side too, at
// once, not when the next delivery tries it; that delivery goes out once,
// on a new connection.
func TestSenderReapsClosedIdleConnection(t *testing.T) {
	reaped := make(chan struct{})
	srv := newRawServer(t, func(c *rawConn) {
		if c.n == 1 {
			if _, _, err := c.read(); err != nil {
				return
			}
			io.WriteString(c, nthStatus(1))
			c.Conn.(*net.TCPConn).CloseWrite() // no Connection: close, just a FIN
			if _, err := c.br.ReadByte(); err == io.EOF {
				close(reaped)
			}
			return
		}
		answering(func(n int, _ *http.Request) (string, bool) { return nthStatus(n), false })(c)
	})
	s := testSender(t, srv.url())
	if code, _, err := postN(t, s, 1); code != 201 || err != nil {
		t.Fatalf("post 1 = %d, %v", code, err)
	}
	select {
	case <-reaped:
	case <-time.After(10 * time.Second):
		t.Fatal("the client kept an idle connection the receiver closed")
	}
	if code, _, err := postN(t, s, 2); code != 202 || err != nil {
		t.Fatalf("post 2 = %d, %v", code, err)
	}
	if got, want := srv.requests(), bodiesUpTo(2); !slices.Equal(got, want) {
		t.Errorf("the receiver read %q, want %q", got, want)
	}
}

// idnHost is bücher.localhost in IDNA (punycode) form.
const idnHost = "xn--bcher-kva.localhost"

// dialVia makes s connect to addr whatever host name it asks for, and
// returns the addresses it asked for. Go's resolver does not resolve
// *.localhost names, so the test maps the name itself.
func dialVia(s *sender, addr string) func() []string {
	var mu sync.Mutex
	var asked []string
	s.tr.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		mu.Lock()
		asked = append(asked, a)
		mu.Unlock()
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

// A Unicode host name is dialed, sent in Host and in the TLS server name
// in its IDNA form, and the certificate is checked for that form.
func TestSenderIDNHost(t *testing.T) {
	var host atomic.Value
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { host.Store(r.Host) })

	t.Run("http", func(t *testing.T) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		s := testSender(t, "http://bücher.localhost:"+port+"/hook")
		asked := dialVia(s, srv.Listener.Addr().String())
		if code, _, err := postN(t, s, 1); code != 200 || err != nil {
			t.Fatalf("post = %d, %v", code, err)
		}
		want := idnHost + ":" + port
		if got := asked(); len(got) != 1 || got[0] != want {
			t.Errorf("dialed %q, want %q", got, want)
		}
		if got := host.Load(); got != want {
			t.Errorf("Host = %q, want %q", got, want)
		}
	})
	t.Run("https", func(t *testing.T) {
		cert, caFile := selfSigned(t, idnHost)
		var sni atomic.Value
		srv := httptest.NewUnstartedServer(h)
		srv.TLS = &tls.Config{
			Certificates: []tls.Certificate{cert},
			GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
				sni.Store(hello.ServerName)
				return nil, nil
			},
		}
		srv.StartTLS()
		defer srv.Close()
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		s := testSender(t, "https://bücher.localhost:"+port+"/hook", func(h *config.Webhook) { h.CAFile = caFile })
		asked := dialVia(s, srv.Listener.Addr().String())
		if code, _, err := postN(t, s, 1); code != 200 || err != nil {
			t.Fatalf("post = %d, %v", code, err)
		}
		if got := sni.Load(); got != idnHost {
			t.Errorf("TLS server name = %q, want %q", got, idnHost)
		}
		if got, want := asked(), idnHost+":"+port; len(got) != 1 || got[0] != want {
			t.Errorf("dialed %q, want %q", got, want)
		}
		if got, want := host.Load(), idnHost+":"+port; got != want {
			t.Errorf("Host = %q, want %q", got, want)
		}
	})
}

// selfSigned returns a certificate for name and a CA file that trusts it.
func selfSigned(t *testing.T, name string) (tls.Certificate, string) {
	t.Helper()
	c := testcert.New(t, name, name)
	caFile, _ := c.Files(t, t.TempDir())
	return c.TLS, caFile
}

// Header values with any control character but tab are refused when the
// sender is built, never sent.
func TestSenderRefusesControlCharacters(t *testing.T) {
	for _, c := range []string{"\r", "\n", "\x00", "\x01", "\x1b", "\x7f", "\r\nX-Evil: 1"} {
		hook := testHook("http://127.0.0.1:1/hook", func(h *config.Webhook) { h.Token = "s3cr" + c + "et" })
		if _, err := newSender(&hook, "ua", nil); err == nil {
			t.Errorf("newSender accepted a token with %q", c)
		} else if strings.Contains(err.Error(), "s3cr") {
			t.Errorf("the error quotes the token: %v", err)
		}
		hook = testHook("http://127.0.0.1:1/hook")
		if _, err := newSender(&hook, "ua"+c, nil); err == nil {
			t.Errorf("newSender accepted a user agent with %q", c)
		}
	}
	hook := testHook("http://127.0.0.1:1/hook", func(h *config.Webhook) { h.Token = "a\tb" })
	if _, err := newSender(&hook, "ua", nil); err != nil {
		t.Errorf("a tab in a token: %v", err)
	}
}

// countConns returns an httptest server (not started) that counts the
// connections it accepted, and records the protocol of every request.
func countConns(t *testing.T) (*httptest.Server, *atomic.Int64, *atomic.Value) {
	var conns atomic.Int64
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		proto.Store(r.Proto)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	t.Cleanup(srv.Close)
	return srv, &conns, &proto
}

// postConcurrently makes n posts from inflight goroutines.
func postConcurrently(t *testing.T, s *sender, n, inflight int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range inflight {
		wg.Go(func() {
			for k := int(next.Add(1)); k <= n; k = int(next.Add(1)) {
				if code, _, err := postN(t, s, k); code != 200 || err != nil {
					t.Errorf("post %d = %d, %v", k, code, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Deliveries share keep-alive connections: one for sequential posts, at
// most max_in_flight for concurrent ones; HTTP/2 where the receiver
// offers it over TLS (one connection carries them all), HTTP/1.1 over
// plain http.
func TestSenderConnections(t *testing.T) {
	t.Run("http", func(t *testing.T) {
		srv, conns, proto := countConns(t)
		srv.Start()
		s := testSender(t, srv.URL+"/hook", func(h *config.Webhook) { h.MaxInFlight = 4 })
		postConcurrently(t, s, 20, 1)
		if n := conns.Load(); n != 1 {
			t.Errorf("%d connections for 20 sequential posts, want 1", n)
		}
		postConcurrently(t, s, 200, 4)
		if n := conns.Load(); n > 4 {
			t.Errorf("%d connections for 4 in flight, want at most 4", n)
		}
		if p := proto.Load(); p != "HTTP/1.1" {
			t.Errorf("protocol %v over http", p)
		}
	})
	t.Run("https with HTTP/2", func(t *testing.T) {
		srv, conns, proto := countConns(t)
		srv.EnableHTTP2 = true
		srv.StartTLS()
		ca := filepath.Join(t.TempDir(), "ca.pem")
		os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
		s := testSender(t, srv.URL+"/hook", func(h *config.Webhook) { h.MaxInFlight = 4; h.CAFile = ca })
		postConcurrently(t, s, 1, 1)
		postConcurrently(t, s, 200, 4)
		if p := proto.Load(); p != "HTTP/2.0" {
			t.Errorf("protocol %v, want HTTP/2.0", p)
		}
		if n := conns.Load(); n != 1 {
			t.Errorf("%d connections, want 1", n)
		}
	})
	t.Run("https without HTTP/2", func(t *testing.T) {
		srv, _, proto := countConns(t)
		srv.StartTLS()
		ca := filepath.Join(t.TempDir(), "ca.pem")
		os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
		s := testSender(t, srv.URL+"/hook", func(h *config.Webhook) { h.CAFile = ca })
		postConcurrently(t, s, 3, 1)
		if p := proto.Load(); p != "HTTP/1.1" {
			t.Errorf("protocol %v, want HTTP/1.1", p)
		}
	})
}

// Responses that end the connection, or that must be read past, still
// give their status, and the next request works.
func TestSenderResponseShapes(t *testing.T) {
	tests := []struct {
		name      string
		resp      string
		closeConn bool
		status    int
		conns     int64 // connections for 3 posts
	}{
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n", false, 200, 1},
		{"early hints first", "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", false, 202, 1},
		{"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", true, 200, 3},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", true, 200, 3},
		{"body to the close", "HTTP/1.1 500 Oops\r\n\r\nsomething broke", true, 500, 3},
		{"body too long to drain", "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n" + strings.Repeat("x", 70000), false, 200, 3},
		{"retry-after", "HTTP/1.1 429 Slow Down\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n", false, 429, 1},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\nContent-Length: 0\r\n\r\n", false, 200, 1},
		{"redirect is not followed", "HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n", false, 307, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, answering(func(int, *http.Request) (string, bool) { return tt.resp, tt.closeConn }))
			s := testSender(t, srv.url())
			for n := 1; n <= 3; n++ {
				code, retryAfter, err := postN(t, s, n)
				if code != tt.status || err != nil {
					t.Fatalf("post = %d, %v; want %d", code, err, tt.status)
				}
				if tt.status == 429 && retryAfter != 3*time.Second {
					t.Errorf("Retry-After = %s", retryAfter)
				}
			}
			if got, want := srv.requests(), bodiesUpTo(3); !slices.Equal(got, want) {
				t.Errorf("the receiver read %q, want %q", got, want)
			}
			if n := srv.conns.Load(); n != tt.conns {
				t.Errorf("%d connections, want %d", n, tt.conns)
			}
		})
	}
}

// Malformed responses that net/http refuses are failed attempts.
func TestSenderMalformedResponses(t *testing.T) {
	for name, resp := range map[string]string{
		"not HTTP":                "SSH-2.0-OpenSSH\r\n",
		"signed length":           "HTTP/1.1 200 OK\r\nContent-Length: +0\r\n\r\n",
		"two lengths":             "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 2\r\n\r\nok",
		"gzip, chunked":           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		"header name not a token": "HTTP/1.1 200 OK\r\nBad(Name: x\r\nContent-Length: 0\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			srv := newRawServer(t, answering(func(int, *http.Request) (string, bool) { return resp, true }))
			s := testSender(t, strings.Replace(srv.url(), "/hook", "/secret-path", 1))
			code, _, err := postN(t, s, 1)
			if err == nil {
				t.Fatalf("post = %d, want an error", code)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error quotes the URL: %v", err)
			}
		})
	}
}

func TestSenderErrors(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		srv := newRawServer(t, func(c *rawConn) {
			c.read()
			c.br.ReadByte() // until the client gives up and closes
		})
		s := testSender(t, srv.url(), func(h *config.Webhook) { h.Timeout = config.Duration(200 * time.Millisecond) })
		if _, _, err := postN(t, s, 1); err == nil || err.Error() != "post: no response within 200ms" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("TLS handshake timeout", func(t *testing.T) {
		srv := newRawServer(t, func(c *rawConn) { c.br.ReadByte(); io.Copy(io.Discard, c) })
		s := testSender(t, "https://"+srv.ln.Addr().String()+"/hook", func(h *config.Webhook) { h.Timeout = config.Duration(200 * time.Millisecond) })
		if _, _, err := postN(t, s, 1); err == nil || err.Error() != "post: no response within 200ms" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		arrived := make(chan struct{})
		srv := newRawServer(t, func(c *rawConn) {
			c.read()
			close(arrived)
			c.br.ReadByte()
		})
		s := testSender(t, srv.url())
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			<-arrived
			cancel()
		}()
		if _, _, err := s.post(ctx, numbered(1), time.Now()); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		s := testSender(t, "http://u:secretpw@"+addr+"/hook/secretpath?token=secretq")
		_, _, err = postN(t, s, 1)
		if err == nil || !strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "secret") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bad proxy", func(t *testing.T) {
		hook := testHook("http://127.0.0.1:1/hook")
		_, err := newSender(&hook, "ua", func(*url.URL) (*url.URL, error) {
			return nil, errors.New(`invalid proxy URL "http://user:proxysecret@proxy"`)
		})
		if err == nil || strings.Contains(err.Error(), "proxysecret") {
			t.Errorf("err = %v", err)
		}
	})
}

// User info in the URL becomes Basic auth, unless a token is set; the
// password never reaches the request line.
func TestSenderBasicAuthFromURL(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization") + " " + r.RequestURI)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/hook")
	u.User = url.UserPassword("gluster", "s3cret")
	s := testSender(t, u.String(), func(h *config.Webhook) { h.Token = "" })
	if code, _, err := postN(t, s, 1); code != 200 || err != nil {
		t.Fatalf("post = %d, %v", code, err)
	}
	if want := "Basic Z2x1c3RlcjpzM2NyZXQ= /hook"; got.Load() != want {
		t.Errorf("got %v, want %s", got.Load(), want)
	}
	s = testSender(t, u.String(), func(h *config.Webhook) { h.Token = "tok" })
	if code, _, err := postN(t, s, 1); code != 200 || err != nil {
		t.Fatalf("post = %d, %v", code, err)
	}
	if want := "Bearer tok /hook"; got.Load() != want {
		t.Errorf("got %v, want %s", got.Load(), want)
	}
}

// With a proxy the request goes to the proxy, in absolute form.
func TestSenderProxy(t *testing.T) {
	var target atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target.Store(r.URL.String() + " " + r.Header.Get("Webhook-Id"))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	hook := testHook("http://hooks.example.com:8080/in")
	s, err := newSender(&hook, "ua", func(*url.URL) (*url.URL, error) { return pu, nil })
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if code, _, err := postN(t, s, 1); code != 202 || err != nil {
		t.Fatalf("post = %d, %v", code, err)
	}
	if got := target.Load(); got != "http://hooks.example.com:8080/in evt_1" {
		t.Errorf("proxy got %v", got)
	}
}

// An IPv6 address with a zone is dialed with the zone; the Host header
// has none.
func TestSenderIPv6Zone(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	testenv.Require(t, err == nil, "IPv6 loopback (::1)")
	var host atomic.Value
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host.Store(r.Host)
	})}}
	srv.Start()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s := testSender(t, "http://[::1%25lo]:"+port+"/hook")
	if code, _, err := postN(t, s, 1); code != 200 || err != nil {
		t.Fatalf("post = %d, %v", code, err)
	}
	if got, want := host.Load(), "[::1]:"+port; got != want {
		t.Errorf("Host = %q, want %q", got, want)
	}
}

// countingConn counts its Write calls.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// A request goes out in one write (one segment): net/http flushes the
// headers on their own unless it knows the body is in memory.
func TestSenderOneWritePerRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	var writes atomic.Int64
	for _, format := range []string{config.FormatLegacy, config.FormatStandard} {
		s := testSender(t, srv.URL+"/hook", func(h *config.Webhook) { h.Format = format })
		s.tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			return countingConn{c, &writes}, err
		}
		writes.Store(0)
		for n := 1; n <= 10; n++ {
			if code, _, err := postN(t, s, n); code != 200 || err != nil {
				t.Fatalf("post = %d, %v", code, err)
			}
		}
		if n := writes.Load(); n != 10 {
			t.Errorf("%s: %d writes for 10 requests, want 10", format, n)
		}
	}
}
