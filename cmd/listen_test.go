package cmd

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/testcert"
	"github.com/gluster/gluster-eventing/webhooks"
)

// syncBuffer is a bytes.Buffer for a writer and a poller.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitMatch polls s until re matches, for at most 10 seconds.
func waitMatch(t *testing.T, s *syncBuffer, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(s.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in:\n%s", re, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startListen runs 'gluster-eventing listen args...' in the background
// and returns its output, the address it serves and its exit code.
func startListen(t *testing.T, args ...string) (stdout, stderr *syncBuffer, addr string, done <-chan int) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	env := &Env{Ctx: ctx, Prog: ProgMain, Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr,
		Getenv: func(string) string { return "" }}
	ch := make(chan int, 1)
	go func() {
		ch <- env.run(append([]string{"--config", filepath.Join(t.TempDir(), "none.toml"), "listen"}, args...))
	}()
	m := waitMatch(t, stderr, regexp.MustCompile(`receiving webhook deliveries on https?://([^/]+)/`))
	return stdout, stderr, m[1], ch
}

// The daemon's own sender (what webhook-test uses) delivers over TLS to
// listen --tls-cert, verifying the certificate with ca_file, and listen
// verifies its signature.
func TestListenTLS(t *testing.T) {
	certFile, keyFile := testcert.New(t, "listen test", "127.0.0.1").Files(t, t.TempDir())
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	stdout, _, addr, done := startListen(t, "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--signing-secret", secret, "--count", "1", "--json")
	hook := config.DefaultWebhook()
	hook.URL, hook.Format, hook.SigningSecret, hook.CAFile = "https://"+addr+"/listen", config.FormatStandard, secret, certFile
	status, err := webhooks.SendTestEvent(context.Background(), hook, "3f2a9c1e-0000-4000-8000-000000000001", "test")
	if err != nil || status != http.StatusOK {
		t.Fatalf("delivery over TLS: %d, %v", status, err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("listen exited %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("listen did not exit after --count 1")
	}
	if out := stdout.String(); !strings.Contains(out, `"event":"TEST"`) || !strings.Contains(out, `"verified":["signature"]`) {
		t.Errorf("stdout = %s", out)
	}

	// Without the CA the sender refuses the certificate: TLS is verified.
	_, _, addr, _ = startListen(t, "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	hook.URL, hook.CAFile = "https://"+addr+"/listen", ""
	if _, err := webhooks.SendTestEvent(context.Background(), hook, "n", "test"); err == nil {
		t.Error("a delivery to a self-signed certificate without its CA succeeded")
	}
}

func TestListenUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", "x.pem"}, "--tls-cert and --tls-key go together"},
		{[]string{"--path", "listen"}, "want a path starting with /"},
		{[]string{"127.0.0.1:0", "--http", "127.0.0.1:1"}, "--http 127.0.0.1:1 and ADDR 127.0.0.1:0 disagree: give one"},
		{[]string{"127.0.0.1:0", "--addr", "127.0.0.1:1"}, "--addr 127.0.0.1:1 and ADDR 127.0.0.1:0 disagree: give one"},
		{[]string{"--udp", "--register"}, "--udp receives datagrams"},
		{[]string{"--signing-secret", "whsec_!!"}, "--signing-secret: signing secret: not whsec_ followed by base64"},
		{[]string{"--bearer-token", "a", "--bearer-token-file", "f"}, "both set"},
		{[]string{"--register", "--format", "standard", "--jwt-secret", "s"}, "standard webhooks are signed"},
		{[]string{"--register", "--format", "legacy", "--signing-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "legacy webhooks carry a JWT"},
		{[]string{"--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"}, "--tls-cert/--tls-key: open /nonexistent.pem"},
	} {
		var stdout, stderr bytes.Buffer
		env := &Env{Ctx: context.Background(), Prog: ProgMain, Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
			Getenv: func(string) string { return "" }}
		code := env.run(append([]string{"listen"}, tc.args...))
		if code != int(ExitUsage) || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("listen %v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), ExitUsage, tc.want)
		}
	}
}

func TestVerifierCheck(t *testing.T) {
	now := time.Unix(1800000000, 0)
	key := []byte("0123456789abcdef0123456789abcdef")
	jwtFor := func(event string) string {
		tok, err := webhooks.GlusterJWT("jwt-s", event, 1, now)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	body := []byte(`{"event":"VOLUME_START"}`)
	signed := func(h http.Header) http.Header {
		h.Set("Webhook-Id", "e1")
		h.Set("Webhook-Timestamp", "1800000000")
		h.Set("Webhook-Signature", webhooks.StandardSignature(key, "e1", now, body))
		return h
	}
	for _, tc := range []struct {
		name  string
		v     verifier
		auth  string
		sign  bool
		event string
		want  string // verified, comma-separated, or "error: <substring>"
	}{
		{"nothing asked", verifier{}, "", false, "VOLUME_START", ""},
		{"token", verifier{token: "t0k"}, "Bearer t0k", false, "VOLUME_START", "bearer"},
		{"token wrong", verifier{token: "t0k"}, "Bearer nope", false, "VOLUME_START", "error: does not match"},
		{"jwt", verifier{jwtSecret: "jwt-s"}, jwtFor("VOLUME_START"), false, "VOLUME_START", "jwt"},
		{"jwt for another event", verifier{jwtSecret: "jwt-s"}, jwtFor("VOLUME_STOP"), false, "VOLUME_START", "error: the JWT is for a VOLUME_STOP event, the body is a VOLUME_START event"},
		{"token or jwt: the token", verifier{token: "t0k", jwtSecret: "jwt-s"}, "Bearer t0k", false, "VOLUME_START", "bearer"},
		{"token or jwt: the jwt", verifier{token: "t0k", jwtSecret: "jwt-s"}, jwtFor("VOLUME_START"), false, "VOLUME_START", "jwt"},
		{"token or jwt: neither", verifier{token: "t0k", jwtSecret: "jwt-s"}, "Bearer x", false, "VOLUME_START", "error: the bearer token does not match\nthe bearer token is not a JWT"},
		{"signature", verifier{keys: [][]byte{key}}, "", true, "VOLUME_START", "signature"},
		{"signature missing", verifier{keys: [][]byte{key}}, "", false, "VOLUME_START", "error: no Standard Webhooks headers"},
		{"token and signature", verifier{token: "t0k", keys: [][]byte{key}}, "Bearer t0k", true, "VOLUME_START", "bearer,signature"},
		{"token and signature: no token", verifier{token: "t0k", keys: [][]byte{key}}, "", true, "VOLUME_START", "error: no bearer token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			v.now = func() time.Time { return now }
			h := http.Header{}
			if tc.auth != "" {
				h.Set("Authorization", tc.auth)
			}
			if tc.sign {
				signed(h)
			}
			got, err := v.check(h, body, tc.event)
			if want, ok := strings.CutPrefix(tc.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("check = %v, %v; want an error with %q", got, err, want)
				}
				return
			}
			if err != nil || strings.Join(got, ",") != tc.want {
				t.Fatalf("check = %v, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestRegisterURL(t *testing.T) {
	host, _ := os.Hostname()
	bound := &net.TCPAddr{IP: net.IPv4zero, Port: 9123}
	for _, tc := range []struct{ scheme, addr, want string }{
		{"http", ":9000", "http://" + host + ":9123/listen"},
		{"http", "0.0.0.0:0", "http://" + host + ":9123/listen"},
		{"https", "[::]:9000", "https://" + host + ":9123/listen"},
		{"http", "127.0.0.1:0", "http://127.0.0.1:9123/listen"},
		{"http", "[fd00::1]:9000", "http://[fd00::1]:9123/listen"},
		{"http", "node1.example.com:9000", "http://node1.example.com:9123/listen"},
	} {
		if got := registerURL(tc.scheme, tc.addr, bound, "/listen"); got != tc.want {
			t.Errorf("registerURL(%s, %s) = %s, want %s", tc.scheme, tc.addr, got, tc.want)
		}
	}
}

func TestRegistrationRemoveError(t *testing.T) {
	// The removal of a registration that cannot be removed names the
	// webhook and the command that deletes it.
	dir := t.TempDir()
	nodeFile := filepath.Join(dir, "node.toml")
	clusterFile := filepath.Join(dir, "cluster.toml")
	if err := os.WriteFile(nodeFile, []byte("version = 1\nstate_dir = \""+dir+"/state\"\nglusterd_workdir = \""+dir+
		"/glusterd\"\ncluster_config = \""+clusterFile+"\"\napi_socket = \""+dir+"/api.sock\"\nbus = \"none\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(clusterFile, []byte("this is not toml ["), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	env := &Env{Ctx: context.Background(), Prog: ProgMain, Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: func(string) string { return "" }}
	r := &registration{id: "0123456789abcdef", url: "http://node1:9000/listen"}
	err := r.remove(env, &Globals{Config: nodeFile})
	var e *Error
	if !errors.As(err, &e) || e.Code == ExitOK || !strings.Contains(err.Error(), "could not delete the webhook 0123456789abcdef") ||
		len(e.Hints) == 0 || !strings.Contains(e.Hints[0], "gluster-eventing webhook-del 0123456789abcdef") {
		t.Fatalf("remove = %v (%+v)", err, e)
	}
}

func TestRecentIDs(t *testing.T) {
	var r recentIDs
	for i := range maxRecentIDs + 10 {
		r.add(strconv.Itoa(i))
	}
	r.add("4000") // already there: no effect
	for _, tc := range []struct {
		id   string
		want bool
	}{{"0", false}, {"9", false}, {"10", true}, {strconv.Itoa(maxRecentIDs + 9), true}, {"x", false}} {
		if got := r.has(tc.id); got != tc.want {
			t.Errorf("has(%s) = %v, want %v", tc.id, got, tc.want)
		}
	}
	if len(r.set) != maxRecentIDs || len(r.ring) != maxRecentIDs {
		t.Errorf("holds %d ids (ring %d), want %d", len(r.set), len(r.ring), maxRecentIDs)
	}
}

// A redelivery (same webhook-id) is answered 200 and printed once.
func TestListenRedelivery(t *testing.T) {
	stdout, stderr, addr, _ := startListen(t, "127.0.0.1:0", "--json")
	body := `{"id":"evt_a_b_1","type":"gluster.volume_start","event":"VOLUME_START","data":{}}`
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/listen", strings.NewReader(body))
		req.Header.Set("Webhook-Id", "evt_a_b_1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	waitMatch(t, stderr, regexp.MustCompile(`evt_a_b_1 again \(the sender retried a delivery that arrived\): printed once`))
	if n := strings.Count(stdout.String(), "\n"); n != 1 {
		t.Errorf("printed %d lines, want 1:\n%s", n, stdout)
	}
}
