package daemon_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// stCert writes a self-signed certificate for 127.0.0.1 and its key,
// returning their paths and a pool that trusts it.
func stCert(t testing.TB, dir string) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gluster-eventing test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "http.crt"), filepath.Join(dir, "http.key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return certPath, keyPath, pool
}

// TestHTTPTokenAndTLS: a loopback listener with a token file and a
// certificate speaks TLS only, wants the token (Go client and real curl),
// never shows it (status, logs), and the daemon refuses to start with a
// token file others can read or a non-loopback address without a token.
func TestHTTPTokenAndTLS(t *testing.T) {
	t.Parallel()
	testenv.Require(t, lookPath("curl"), "curl (apt-get install curl)")
	n := rtNewNode(t)
	tokPath, tok := stToken(t, n.Dir, 0o600)
	certPath, keyPath, pool := stCert(t, n.Dir)
	n.HTTPExtra = fmt.Sprintf("token_file = %q\ncert_file = %q\nkey_file = %q\n", tokPath, certPath, keyPath)
	n.WriteNodeConfig(t)
	p := n.Start(t)
	p.WaitReady(n)
	st := n.Status(t)
	base := "https://" + st.HTTP
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(path, auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/v1/status", ""); code != 401 || !strings.Contains(body, "hint") {
		t.Fatalf("without the token: HTTP %d %s", code, body)
	}
	if code, _ := get("/v1/status", "Bearer wrong-token-0123456789"); code != 401 {
		t.Fatalf("with a wrong token: HTTP %d", code)
	}
	code, body := get("/v1/status", "Bearer "+tok)
	if code != 200 || strings.Contains(body, tok) {
		t.Fatalf("with the token: HTTP %d (the token must not be in the status)", code)
	}
	if code, _ := get("/openapi.json", ""); code != 200 {
		t.Fatalf("the OpenAPI document needs no token: HTTP %d", code)
	}
	// Plain HTTP to the TLS port gets no API.
	if resp, err := http.Get("http://" + st.HTTP + "/v1/status"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered 200 on the TLS listener")
		}
	}
	// Real curl: SSE with the token through TLS, then the login cookie.
	out, err := exec.Command("curl", "-sS", "--fail-with-body", "--cacert", certPath, "-H", "Authorization: Bearer "+tok,
		"--max-time", "30", base+"/v1/events?since=start&wait=0").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"events":[]`) {
		t.Fatalf("curl with the token: %v: %s", err, out)
	}
	jar := filepath.Join(n.Dir, "cookies.txt")
	out, err = exec.Command("curl", "-sS", "--fail-with-body", "--cacert", certPath, "-c", jar, "--data-urlencode", "token="+tok,
		base+"/v1/login").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"auth": "token"`) {
		t.Fatalf("curl login: %v: %s", err, out)
	}
	cookies, _ := os.ReadFile(jar)
	if !strings.Contains(string(cookies), "#HttpOnly_127.0.0.1") || !strings.Contains(string(cookies), "gluster_eventing_session") || strings.Contains(string(cookies), tok) {
		t.Fatalf("cookie jar after login:\n%s", cookies)
	}
	out, err = exec.Command("curl", "-sS", "--fail-with-body", "--cacert", certPath, "-b", jar, base+"/v1/state").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"peers"`) {
		t.Fatalf("curl with the session cookie: %v: %s", err, out)
	}
	p.Stop()
	if strings.Contains(p.Stderr.String(), tok) {
		t.Fatal("the token is in the daemon's log")
	}

	// A token file others can read: refused, with the fix.
	if err := os.Chmod(tokPath, 0o644); err != nil {
		t.Fatal(err)
	}
	p = n.Start(t)
	if code := p.ExitCode(rtStartTimeout); code == 0 || !strings.Contains(p.Stderr.String(), "chmod 600") || strings.Contains(p.Stderr.String(), tok) {
		t.Fatalf("with a 0644 token file: exit %d, stderr:\n%s", code, p.Stderr)
	}
	// Not loopback, no token: refused before anything binds.
	n.HTTPListen, n.HTTPExtra = "0.0.0.0:0", ""
	n.WriteNodeConfig(t)
	p = n.Start(t)
	if code := p.ExitCode(rtStartTimeout); code == 0 || !strings.Contains(p.Stderr.String(), "http.token_file: required when http.listen") {
		t.Fatalf("0.0.0.0 without a token: exit %d, stderr:\n%s", code, p.Stderr)
	}
}

func lookPath(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// TestHTTPNonLoopbackInNetns runs the daemon in a network namespace of its
// own with a non-loopback address (a veth pair inside it): with a token it
// listens there and answers only with the token, to a real curl in the
// same namespace.
func TestHTTPNonLoopbackInNetns(t *testing.T) {
	t.Parallel()
	testenv.Require(t, os.Geteuid() == 0, "root (network namespaces)")
	for _, tool := range []string{"unshare", "nsenter", "ip", "curl"} {
		testenv.Require(t, lookPath(tool), tool)
	}
	n := rtNewNode(t)
	n.Listen = []string{n.Addr4()} // the namespace's own loopback
	tokPath, tok := stToken(t, n.Dir, 0o600)
	n.HTTPListen = "10.251.7.1:55556" // the default port: the namespace is ours
	n.HTTPExtra = fmt.Sprintf("token_file = %q\n", tokPath)
	n.WriteNodeConfig(t)
	setup := "ip link set lo up && ip link add v0 type veth peer name v1 && ip addr add 10.251.7.1/24 dev v0 && ip link set v1 up && ip link set v0 up && exec \"$0\" \"$@\""
	p := rtStart(t, exec.Command("unshare", "--net", "sh", "-c", setup, rtBinary(t), "--config", n.NodePath, "daemon"))
	rtEventually(t, rtStartTimeout, "the daemon in its namespace", func() (bool, string) {
		if p.Exited() {
			t.Fatalf("daemon exited: %s", p.Stderr)
		}
		out, err := rtRunQuiet(n)
		return err == nil && strings.Contains(out, "10.251.7.1:55556"), out
	})
	pid := daemonPID(t, n)
	curl := func(args ...string) (string, error) {
		out, err := exec.Command("nsenter", append([]string{"-t", fmt.Sprint(pid), "-n", "curl", "-sS", "--max-time", "30"}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, _ := curl("-o", "/dev/null", "-w", "%{http_code}", "http://10.251.7.1:55556/v1/status"); out != "401" {
		t.Fatalf("without the token: %q, want 401", out)
	}
	if out, err := curl("--fail-with-body", "-H", "Authorization: Bearer "+tok, "http://10.251.7.1:55556/v1/status"); err != nil || !strings.Contains(out, `"http": "10.251.7.1:55556"`) {
		t.Fatalf("with the token: %v: %s", err, out)
	}
	p.Stop()
}

// rtRunQuiet asks the daemon's status over its socket, without failing.
func rtRunQuiet(n *rtNode) (string, error) {
	out, err := exec.Command("curl", "-sS", "--unix-socket", n.APISocket, "http://x/v1/status").CombinedOutput()
	return string(out), err
}

func daemonPID(t testing.TB, n *rtNode) int {
	t.Helper()
	return n.Status(t).PID
}

// TestHTTPSocketActivation: a stream socket systemd passes under the name
// "http" (FileDescriptorName=http) is the API's TCP listener, whatever
// [http] listen says, next to the UDP intake the daemon binds itself.
func TestHTTPSocketActivation(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	n.HTTPListen = "" // off in the config: the passed socket still serves
	n.WriteNodeConfig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`, rtBinary(t), "--config", n.NodePath, "daemon")
	cmd.ExtraFiles = []*os.File{f}
	p := rtStart(t, cmd, "LISTEN_FDS=1", "LISTEN_FDNAMES=http")
	p.WaitReady(n)
	st := n.Status(t)
	if st.HTTP != ln.Addr().String() {
		t.Fatalf("status http %q, want the passed socket %s", st.HTTP, ln.Addr())
	}
	if !slices.Equal(st.Listen, n.Listen) {
		t.Fatalf("UDP intake %v: the daemon must bind its configured addresses", st.Listen)
	}
	resp, err := http.Get("http://" + ln.Addr().String() + "/v1/state")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Gluster-Eventing-Cursor") == "" || resp.Header.Get("X-Gluster-Eventing-Epoch") != st.Journal.Epoch {
		t.Fatalf("GET /v1/state on the passed socket: HTTP %d, headers %v", resp.StatusCode, resp.Header)
	}
	p.Stop()
}
