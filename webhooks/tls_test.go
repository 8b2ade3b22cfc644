package webhooks

import (
	"context"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// writeCA writes the test server's certificate as a PEM CA bundle.
func writeCA(t *testing.T, rv *receiver) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rv.srv.Certificate().Raw})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// An untrusted certificate fails every attempt, forever: no fallback to
// unverified TLS, no trust on first use.
func TestTLSUntrustedNeverDelivers(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, true, nil)
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url()))
	appendEvents(t, j, 2)
	waitFor(t, 10*time.Second, "several failed attempts", func() bool { return healthOf(t, m, rv.url()).Failed >= 5 })
	h := healthOf(t, m, rv.url())
	if h.Delivered != 0 || h.State != StateRetrying || h.DeadLettered != 0 || !strings.Contains(h.LastError, "certificate") {
		t.Errorf("health = %+v", h)
	}
	if n := rv.count(); n != 0 {
		t.Errorf("the untrusted server got %d requests", n)
	}
	if _, err := SendTestEvent(context.Background(), testHook(rv.url()), testNodeID, ""); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Test against an untrusted server: %v", err)
	}
}

func TestTLSWithCAFile(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, true, nil)
	ca := writeCA(t, rv)
	hook := testHook(rv.url(), func(h *config.Webhook) { h.CAFile = ca; h.MaxInFlight = 2 })
	m := newTestManager(t, j)
	apply(t, m, hook)
	seqs := appendEvents(t, j, 20)
	waitFor(t, 10*time.Second, "deliveries", func() bool { return healthOf(t, m, rv.url()).Cursor == seqs[len(seqs)-1] })
	if n := len(rv.delivered()); n != 20 {
		t.Errorf("%d delivered, want 20", n)
	}
	if status, err := SendTestEvent(context.Background(), hook, testNodeID, ""); err != nil || status != 200 {
		t.Errorf("Test with ca_file = %d, %v", status, err)
	}
	// The CA file adds a root; host names are still checked: the test
	// certificate covers 127.0.0.1, ::1 and example.com, not localhost.
	bad := hook
	bad.URL = strings.Replace(rv.url(), "127.0.0.1", "localhost", 1)
	if _, err := SendTestEvent(context.Background(), bad, testNodeID, ""); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Test to a host name the certificate does not cover: %v", err)
	}
}

func TestTLSBadCAFile(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, true, nil)
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600)
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url(), func(h *config.Webhook) { h.CAFile = notPEM }))
	appendEvents(t, j, 1)
	// The failure is counted before its error is noted: wait for both.
	waitFor(t, 5*time.Second, "a failure", func() bool {
		h := healthOf(t, m, rv.url())
		return h.Failed > 0 && h.LastError != ""
	})
	if h := healthOf(t, m, rv.url()); h.State != StateRetrying || !strings.Contains(h.LastError, "no PEM certificates") || rv.count() != 0 {
		t.Errorf("health = %+v, %d requests", h, rv.count())
	}
	if _, err := SendTestEvent(context.Background(), testHook(rv.url(), func(h *config.Webhook) { h.CAFile = notPEM }), testNodeID, ""); err == nil {
		t.Error("Test with a bad ca_file succeeded")
	}
}
