package webhooks

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// rawServer is a TCP server that reads each HTTP request off a connection
// and writes whatever respond returns for it, so tests can answer with
// bytes net/http's server would never produce. It counts connections and
// keeps every request as received.
type rawServer struct {
	ln    net.Listener
	conns atomic.Int64
	mu    sync.Mutex
	reqs  []string
}

// respond gets the connection's request number (from 0) and the request;
// it returns the bytes to write and whether to close the connection after.
func newRawServer(t *testing.T, respond func(n int, req *http.Request) (string, bool)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for n := 0; ; n++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					body, _ := io.ReadAll(req.Body)
					var sb strings.Builder
					req.Body = io.NopCloser(strings.NewReader(string(body)))
					req.Write(&sb)
					s.mu.Lock()
					s.reqs = append(s.reqs, sb.String())
					s.mu.Unlock()
					out, closeAfter := respond(n, req)
					// A NUL in the answer is a 20ms pause between writes.
					for i, part := range strings.Split(out, "\x00") {
						if i > 0 {
							time.Sleep(20 * time.Millisecond)
						}
						if _, err := io.WriteString(c, part); err != nil {
							return
						}
					}
					if closeAfter {
						return
					}
				}
			}()
		}
	}()
	return s
}

func (s *rawServer) url() string { return "http://" + s.ln.Addr().String() + "/hook?k=v" }

func (s *rawServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}

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

func postOnce(t *testing.T, s *sender, body string) (int, time.Duration, error) {
	t.Helper()
	now := time.Now()
	return s.post(context.Background(), &message{id: "evt_1", event: "VOLUME_START", ts: 1, body: []byte(body)}, now)
}

// The request on the wire: request line with path and query, Host, the
// headers, Content-Length and the body, in one keep-alive connection.
func TestH1RequestBytesAndKeepAlive(t *testing.T) {
	srv := newRawServer(t, func(int, *http.Request) (string, bool) {
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false
	})
	s := testSender(t, srv.url(), func(h *config.Webhook) { h.Format = config.FormatLegacy; h.SigningSecret = ""; h.Token = "tok" })
	for range 20 {
		if status, _, err := postOnce(t, s, `{"a": 1}`); status != 200 || err != nil {
			t.Fatalf("post = %d, %v", status, err)
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("%d connections for 20 sequential posts, want 1", n)
	}
	want := "POST /hook?k=v HTTP/1.1\r\nHost: " + srv.ln.Addr().String() + "\r\nUser-Agent: gluster-eventing/test\r\n" +
		"Content-Length: 8\r\nAuthorization: Bearer tok\r\nContent-Type: application/json\r\n\r\n{\"a\": 1}"
	if got := srv.requests()[0]; got != want {
		t.Errorf("request as the server read it:\n%q\nwant\n%q", got, want)
	}
}

func TestH1BasicAuthFromURL(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		got.Store(u + ":" + p)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("gluster", "s3cret")
	s := testSender(t, u.String()+"/hook", func(h *config.Webhook) { h.Token = "" })
	if status, _, err := postOnce(t, s, "{}"); status != 200 || err != nil {
		t.Fatalf("post = %d, %v", status, err)
	}
	if got.Load() != "gluster:s3cret" {
		t.Errorf("basic auth = %v", got.Load())
	}
}

// Responses that end the connection, or that must be read past, still
// give their status, and the next request works.
func TestH1ResponseShapes(t *testing.T) {
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, func(int, *http.Request) (string, bool) { return tt.resp, tt.closeConn })
			s := testSender(t, srv.url())
			for range 3 {
				status, retryAfter, err := postOnce(t, s, "{}")
				if status != tt.status || err != nil {
					t.Fatalf("post = %d, %v; want %d", status, err, tt.status)
				}
				if tt.status == 429 && retryAfter != 3*time.Second {
					t.Errorf("Retry-After = %s", retryAfter)
				}
			}
			if n := srv.conns.Load(); n != tt.conns {
				t.Errorf("%d connections, want %d", n, tt.conns)
			}
		})
	}
}

// A receiver that closes connections without saying so (no Connection:
// close), right after answering or after they sat idle, costs no failed
// attempt: an idle connection is checked before it is used again, and one
// that ends before the answer is replaced once.
func TestH1ConnectionClosedByReceiver(t *testing.T) {
	srv := newRawServer(t, func(int, *http.Request) (string, bool) {
		return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true
	})
	s := testSender(t, srv.url())
	for i := range 23 {
		if status, _, err := postOnce(t, s, "{}"); status != 200 || err != nil {
			t.Fatalf("post %d = %d, %v", i, status, err)
		}
		if i >= 20 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if n := len(srv.requests()); n != 23 {
		t.Errorf("the receiver read %d requests, want 23", n)
	}
}

// A reused connection that the receiver closes after reading the request,
// without an answer, is replaced and the request sent again, once.
func TestH1ResendOnceOnReusedConnection(t *testing.T) {
	srv := newRawServer(t, func(n int, _ *http.Request) (string, bool) {
		if n == 1 {
			return "", true // the second request on a connection: hang up
		}
		return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false
	})
	s := testSender(t, srv.url())
	for i := range 2 {
		if status, _, err := postOnce(t, s, "{}"); status != 200 || err != nil {
			t.Fatalf("post %d = %d, %v", i, status, err)
		}
	}
	if n, c := len(srv.requests()), srv.conns.Load(); n != 3 || c != 2 {
		t.Errorf("%d requests on %d connections, want 3 on 2", n, c)
	}
	// On a new connection the same hang-up is the attempt's failure.
	hangup := newRawServer(t, func(int, *http.Request) (string, bool) { return "", true })
	s = testSender(t, hangup.url())
	if _, _, err := postOnce(t, s, "{}"); err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Errorf("post to a receiver that hangs up = %v", err)
	}
	if n := len(hangup.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// Bytes after a response (a second response, a body a 204 must not have)
// are never read as the answer to the next request.
func TestH1NoStaleResponse(t *testing.T) {
	for name, first := range map[string]string{
		"two responses": "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"204 with body": "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		// Arrives after the first was read: found by the idle check.
		"late second response": "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n\x00HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			var posts atomic.Int64
			srv := newRawServer(t, func(int, *http.Request) (string, bool) {
				if posts.Add(1) == 1 {
					return first, false
				}
				return "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", false
			})
			s := testSender(t, srv.url())
			postOnce(t, s, "{}")
			time.Sleep(50 * time.Millisecond)
			if status, _, err := postOnce(t, s, "{}"); status != 500 || err != nil {
				t.Errorf("second post = %d, %v; want the receiver's 500", status, err)
			}
		})
	}
}

func TestH1InterimResponses(t *testing.T) {
	for name, tt := range map[string]struct {
		resp string
		err  string
	}{
		"101 is not skipped": {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "unexpected 101"},
		"at most 5 interim":  {strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", 6) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "unexpected 103"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newRawServer(t, func(int, *http.Request) (string, bool) { return tt.resp, false })
			s := testSender(t, srv.url())
			if status, _, err := postOnce(t, s, "{}"); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("post = %d, %v; want an error with %q", status, err, tt.err)
			}
		})
	}
}

func TestH1Errors(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		srv := newRawServer(t, func(int, *http.Request) (string, bool) {
			time.Sleep(2 * time.Second)
			return "", true
		})
		s := testSender(t, srv.url(), func(h *config.Webhook) { h.Timeout = config.Duration(200 * time.Millisecond) })
		// Without the deadline the attempt would end after 2s with EOF.
		_, _, err := postOnce(t, s, "{}")
		if err == nil || err.Error() != "post: no response within 200ms" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("TLS handshake timeout", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close() // accepts, never answers the ClientHello
			}
		}()
		s := testSender(t, "https://"+ln.Addr().String()+"/hook", func(h *config.Webhook) { h.Timeout = config.Duration(200 * time.Millisecond) })
		if _, _, err := postOnce(t, s, "{}"); err == nil || err.Error() != "post: no response within 200ms" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		srv := newRawServer(t, func(int, *http.Request) (string, bool) {
			time.Sleep(2 * time.Second)
			return "", true
		})
		s := testSender(t, srv.url())
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, _, err := s.post(ctx, &message{body: []byte("{}")}, time.Now())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		s := testSender(t, "http://u:secretpw@"+addr+"/hook?token=secretq")
		_, _, err := postOnce(t, s, "{}")
		if err == nil || !strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "secret") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		srv := newRawServer(t, func(int, *http.Request) (string, bool) { return "SSH-2.0-OpenSSH\r\n", true })
		s := testSender(t, srv.url())
		if _, _, err := postOnce(t, s, "{}"); err == nil || !strings.Contains(err.Error(), "malformed HTTP response") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("header injection", func(t *testing.T) {
		for _, mod := range []func(*config.Webhook){
			func(h *config.Webhook) { h.Token = "tok\r\nX-Evil: 1" },
		} {
			hook := testHook("http://127.0.0.1:1/hook", mod)
			if _, err := newSender(&hook, "ua", nil); err == nil {
				t.Error("newSender accepted a token with CR LF")
			}
		}
		hook := testHook("http://127.0.0.1:1/hook")
		if _, err := newSender(&hook, "ua\n", nil); err == nil {
			t.Error("newSender accepted a user agent with LF")
		}
	})
}

// With a proxy configured the request goes to the proxy, in absolute form.
func TestH1Proxy(t *testing.T) {
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
	if status, _, err := postOnce(t, s, "{}"); status != 202 || err != nil {
		t.Fatalf("post = %d, %v", status, err)
	}
	if got := target.Load(); got != "http://hooks.example.com:8080/in evt_1" {
		t.Errorf("proxy got %v", got)
	}
}

func TestRemoveZone(t *testing.T) {
	for in, want := range map[string]string{
		"[fe80::1%eth0]:80": "[fe80::1]:80",
		"[fe80::1%eth0]":    "[fe80::1]",
		"[::1]:8080":        "[::1]:8080",
		"example.com:80":    "example.com:80",
	} {
		if got := removeZone(in); got != want {
			t.Errorf("removeZone(%q) = %q, want %q", in, got, want)
		}
	}
}
