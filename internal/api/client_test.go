package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// listen opens a unix socket in a fresh directory and closes it at the end
// of the test.
func listen(t *testing.T) (*net.UnixListener, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, path
}

// serve answers on a unix socket with h.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ln, path := listen(t)
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return path
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// classes reports which error classes err belongs to, for messages.
func classes(err error) string {
	var ae *Error
	var out []string
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"unreachable", errors.Is(err, ErrUnreachable)},
		{"permission", errors.Is(err, ErrPermission)},
		{"timeout", errors.Is(err, ErrTimeout)},
		{"answer", errors.As(err, &ae)},
	} {
		if c.ok {
			out = append(out, c.name)
		}
	}
	return strings.Join(out, ",")
}

func TestStatusOK(t *testing.T) {
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v1/status" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(Status{NodeID: "n1", PID: 42, Webhooks: []Webhook{{URL: "http://h/x", State: "ok"}}})
	})
	st, err := NewClient(path).Status(ctxTimeout(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.NodeID != "n1" || st.PID != 42 || len(st.Webhooks) != 1 || st.Webhooks[0].URL != "http://h/x" {
		t.Errorf("status = %+v", st)
	}
}

// Only a dial that finds nothing listening means "not running".
func TestUnreachable(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nosuch.sock")
		_, err := NewClient(path).Reload(ctxTimeout(t, 10*time.Second))
		if got := classes(err); got != "unreachable" {
			t.Fatalf("error %v is %q, want unreachable", err, got)
		}
		if !strings.Contains(err.Error(), "no API socket at "+path) {
			t.Errorf("error %q does not name the missing socket", err)
		}
	})
	t.Run("missing-dir", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := NewClient(filepath.Join(f, "api.sock")).Status(ctxTimeout(t, 10*time.Second))
		if got := classes(err); got != "unreachable" {
			t.Fatalf("error %v is %q, want unreachable", err, got)
		}
	})
	t.Run("refused", func(t *testing.T) {
		// A socket file left by a daemon that died: connect is refused.
		ln, path := listen(t)
		ln.SetUnlinkOnClose(false)
		ln.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("the socket file should stay: %v", err)
		}
		_, err := NewClient(path).Reload(ctxTimeout(t, 10*time.Second))
		if got := classes(err); got != "unreachable" {
			t.Fatalf("error %v is %q, want unreachable", err, got)
		}
		if !strings.Contains(err.Error(), "nothing accepts connections on "+path) {
			t.Errorf("error %q does not say the connection was refused", err)
		}
	})
}

// permissionSocketEnv carries the socket to the unprivileged copy of the
// test that TestPermission starts when it runs as root.
const permissionSocketEnv = "GE_API_PERMISSION_SOCKET"

// A socket this user may not connect to is ErrPermission, not "not
// running". Root connects to any socket, so as root the test runs itself
// again as nobody (setpriv) against a root-owned 0600 socket.
func TestPermission(t *testing.T) {
	if path := os.Getenv(permissionSocketEnv); path != "" {
		_, err := NewClient(path).Status(ctxTimeout(t, 10*time.Second))
		if got := classes(err); got != "permission" {
			t.Fatalf("error %v is %q, want permission", err, got)
		}
		return
	}
	_, path := listen(t)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		_, err := NewClient(path).Status(ctxTimeout(t, 10*time.Second))
		if got := classes(err); got != "permission" {
			t.Fatalf("error %v is %q, want permission", err, got)
		}
		return
	}
	setpriv, err := exec.LookPath("setpriv")
	testenv.Require(t, err == nil, "setpriv (Debian package util-linux)")
	// nobody must reach the socket's directory and run a copy of this
	// test binary (go test's own directory is 0700).
	for _, d := range []string{filepath.Dir(path), filepath.Dir(filepath.Dir(path))} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(filepath.Dir(path), "api.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", bin,
		"-test.run=^TestPermission$", "-test.count=1")
	cmd.Env = append(os.Environ(), permissionSocketEnv+"="+path)
	cmd.Dir = filepath.Dir(path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the test as nobody: %v\n%s", err, out)
	}
}

// A daemon that takes the connection and never answers is running: the
// error is a timeout, not "unreachable".
func TestTimeout(t *testing.T) {
	t.Run("no-answer", func(t *testing.T) {
		ln, path := listen(t)
		done := make(chan struct{})
		t.Cleanup(func() { close(done) })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { <-done; c.Close() }()
			}
		}()
		c := NewClient(path)
		c.Timeout = 150 * time.Millisecond
		_, err := c.Reload(ctxTimeout(t, 10*time.Second))
		if got := classes(err); got != "timeout" {
			t.Fatalf("error %v is %q, want timeout", err, got)
		}
		if want := "the daemon did not answer POST /v1/reload within 150ms (API socket " + path + ")"; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	})
	t.Run("body-stalls", func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		path := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(`{"ok":`))
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		_, err := NewClient(path).Reload(ctxTimeout(t, 150*time.Millisecond))
		if got := classes(err); got != "timeout" {
			t.Fatalf("error %v is %q, want timeout", err, got)
		}
	})
}

// An error answer is reported as what it is: the status and the daemon's
// message.
func TestErrorAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		ctype   string
		body    string
		message string
	}{
		{"refused-reload", http.StatusUnprocessableEntity, "application/json",
			`{"ok": false, "error": "cluster.toml:3: unknown key bogus", "generation": 1}`, "cluster.toml:3: unknown key bogus"},
		{"internal", http.StatusInternalServerError, "application/json", `{"error": "journal closed"}`, "journal closed"},
		{"not-json", http.StatusNotFound, "text/plain; charset=utf-8", "404 page not found\n", "404 page not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			_, err := NewClient(path).Reload(ctxTimeout(t, 10*time.Second))
			if got := classes(err); got != "answer" {
				t.Fatalf("error %v is %q, want an *Error", err, got)
			}
			var ae *Error
			errors.As(err, &ae)
			if ae.StatusCode != tc.status || ae.Message != tc.message || ae.Method != http.MethodPost || ae.Path != "/v1/reload" {
				t.Errorf("error %+v, want status %d message %q", ae, tc.status, tc.message)
			}
		})
	}
}

// An interrupted call (Ctrl-C) is neither "not running" nor a timeout.
func TestCanceledIsNotUnreachable(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewClient(filepath.Join(t.TempDir(), "api.sock")).Status(ctx)
	if !errors.Is(err, context.Canceled) || classes(err) != "" {
		t.Errorf("error %v, want context.Canceled", err)
	}
}
