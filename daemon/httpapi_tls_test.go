package daemon

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate named cn and its key.
func writeCert(t *testing.T, certPath, keyPath, cn string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A renewed certificate is served from the next check on; one that does
// not load leaves the previous one in place.
func TestCertLoaderReloads(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	writeCert(t, certPath, keyPath, "first")
	l, err := newCertLoader(certPath, keyPath, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	l.now = func() time.Time { return now }
	cn := func() string {
		t.Helper()
		c, err := l.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		x, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return x.Subject.CommonName
	}
	if got := cn(); got != "first" {
		t.Fatalf("serving %q", got)
	}
	writeCert(t, certPath, keyPath, "second")
	if got := cn(); got != "first" {
		t.Fatalf("before the next check: serving %q, want first", got)
	}
	now = now.Add(certCheckEvery)
	if got := cn(); got != "second" {
		t.Fatalf("after a renewal: serving %q, want second", got)
	}
	if err := os.WriteFile(keyPath, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	now = now.Add(certCheckEvery)
	if got := cn(); got != "second" {
		t.Fatalf("after a broken renewal: serving %q, want second", got)
	}
	if _, err := newCertLoader(certPath, keyPath, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("a broken pair loaded at start")
	}
}

// A new token in the token file takes effect without a restart and ends
// the sessions of the old one; a file that fails the checks keeps the
// token in force.
func TestTokenFileReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "http.token")
	write := func(tok string, mode os.FileMode) {
		t.Helper()
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(tok+"\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(tmp, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write("first-token-0123456789", 0o600)
	now := time.Now()
	a := &httpAuth{token: "first-token-0123456789", tokenFile: path, log: slog.New(slog.DiscardHandler),
		now: func() time.Time { return now }}
	a.stamp, a.checked = fileStamp(path), now
	oldSession := a.session()
	write("second-token-0123456789", 0o600)
	if got := a.current(); got != "first-token-0123456789" {
		t.Fatalf("before the next check: %q", got)
	}
	now = now.Add(certCheckEvery)
	if got := a.current(); got != "second-token-0123456789" {
		t.Fatalf("after the change: %q", got)
	}
	if a.session() == oldSession {
		t.Fatal("the session of the old token is still valid")
	}
	write("third-token-0123456789", 0o644) // readable by others: refused
	now = now.Add(certCheckEvery)
	if got := a.current(); got != "second-token-0123456789" {
		t.Fatalf("after an unsafe file: %q, want the previous token", got)
	}
	if !a.required() {
		t.Fatal("a token file no longer requires a token")
	}
}
