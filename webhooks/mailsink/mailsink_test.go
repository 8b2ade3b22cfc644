package mailsink

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/webhooks"
)

const (
	testNode  = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
	testEpoch = "9b1c0d2e77aa"
)

var t0 = time.Date(2026, 12, 2, 1, 2, 3, 0, time.UTC)

func record(seq uint64, typ gfevent.Type, at time.Time, fields ...string) *evrec.Record {
	r := &evrec.Record{Seq: seq, Received: at, Source: "127.0.0.1", Event: gfevent.Event{Time: at.Unix(), Type: typ}}
	for i := 0; i+1 < len(fields); i += 2 {
		r.Event.Fields = append(r.Event.Fields, gfevent.Field{Key: fields[i], Value: fields[i+1]})
	}
	return r
}

// storm is a brick going down and its volume's quorum lost: three events
// of two severities.
func storm() *webhooks.Message {
	recs := []*evrec.Record{
		record(4812, gfevent.BrickDisconnected, t0, "peer", "node2", "volume", "gv0", "brick", "/bricks/b1"),
		record(4813, gfevent.BrickDisconnected, t0.Add(time.Second), "peer", "node3", "volume", "gv0", "brick", "/bricks/b2"),
		record(4815, gfevent.VolumeStop, t0.Add(2*time.Second), "name", "gv1", "force", "0"),
	}
	return &webhooks.Message{Node: testNode, Epoch: testEpoch, Records: recs, First: 4812, Last: 4815}
}

func passwordFile(t *testing.T, password string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(p, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newSink(t *testing.T, c config.EmailNotifier) *Sink {
	t.Helper()
	n := config.DefaultNotifier()
	n.Kind, n.Email = config.KindEmail, &c
	if err := n.Validate(); err != nil {
		t.Fatalf("the test's config is invalid: %v", err)
	}
	s, err := New(&c, 10*time.Second)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.hostname = "node1.example.com"
	return s
}

func send(t *testing.T, s *Sink, m *webhooks.Message) webhooks.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Send(ctx, m)
}

func TestBody(t *testing.T) {
	d := digest(storm())
	got := Body(d, BodyInfo{Host: "node1.example.com", Notifier: "ops-mail", Filter: "severity:warning"})
	want := `3 Gluster events on node1.example.com, the worst critical.

TIME (UTC)           SEVERITY  EVENT               VOLUME  CATEGORY  SEQ
2026-12-02 01:02:03  critical  BRICK_DISCONNECTED  gv0     brick     4812
2026-12-02 01:02:04  critical  BRICK_DISCONNECTED  gv0     brick     4813
2026-12-02 01:02:05  info      VOLUME_STOP         gv1     volume    4815

Events

#4812  2026-12-02 01:02:03 UTC  BRICK_DISCONNECTED  (critical, brick)
    peer    node2
    volume  gv0
    brick   /bricks/b1

#4813  2026-12-02 01:02:04 UTC  BRICK_DISCONNECTED  (critical, brick)
    peer    node3
    volume  gv0
    brick   /bricks/b2

#4815  2026-12-02 01:02:05 UTC  VOLUME_STOP  (info, volume)
    name   gv1
    force  0

-- 
Sent by gluster-eventing on node1.example.com (glusterd UUID 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b),
journal epoch 9b1c0d2e77aa, seqs 4812 to 4815.
Notifier ops-mail, filter severity:warning.
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Body (-want +got):\n%s", diff)
	}
	if got := d.names(3); got != "BRICK_DISCONNECTED, VOLUME_STOP" {
		t.Errorf("names = %q", got)
	}
}

func TestSubject(t *testing.T) {
	tests := []struct {
		name, template string
		m              *webhooks.Message
		want           string
	}{
		{"default, a storm", "", storm(), "[gluster critical] 3 events on node1.example.com: BRICK_DISCONNECTED, VOLUME_STOP"},
		{"default, one event", "", &webhooks.Message{Node: testNode, Epoch: testEpoch, First: 7, Last: 7,
			Records: []*evrec.Record{record(7, gfevent.QuorumLost, t0, "volume", "gv0")}},
			"[gluster critical] 1 event on node1.example.com: QUORUM_LOST"},
		{"custom", "{{.Count}} x {{.Severity}} ({{.First}}-{{.Last}})\n", storm(), "3 x critical (4812-4815)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(&config.EmailNotifier{SMTP: "mail.example.com", To: []string{"ops@example.com"}, Subject: tt.template}, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			s.hostname = "node1.example.com"
			msg, err := s.compose(tt.m, t0)
			if err != nil {
				t.Fatal(err)
			}
			if got := msg.GetGenHeader("Subject"); len(got) != 1 || got[0] != tt.want {
				t.Errorf("Subject = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDelivery sends a batch through a real SMTP server in each TLS mode
// and AUTH mechanism, and reads what the server accepted.
func TestDelivery(t *testing.T) {
	cert := newTestCert(t)
	tests := []struct {
		name    string
		server  smtpdOptions
		cfg     config.EmailNotifier
		wantTLS bool
	}{
		{"starttls auth plain", smtpdOptions{TLS: "starttls", Cert: cert, Auth: "ops:s3cret pass"},
			config.EmailNotifier{TLS: config.SMTPStartTLS, Username: "ops", Auth: "plain"}, true},
		{"starttls auth login", smtpdOptions{TLS: "starttls", Cert: cert, Auth: "ops:s3cret pass"},
			config.EmailNotifier{Username: "ops", Auth: "login"}, true},
		{"starttls auth cram-md5", smtpdOptions{TLS: "starttls", Cert: cert, Auth: "ops:s3cret pass"},
			config.EmailNotifier{Username: "ops", Auth: "cram-md5"}, true},
		{"starttls auth auto", smtpdOptions{TLS: "starttls", Cert: cert, Auth: "ops:s3cret pass"},
			config.EmailNotifier{Username: "ops"}, true},
		{"implicit tls auth", smtpdOptions{TLS: "implicit", Cert: cert, Auth: "ops:s3cret pass"},
			config.EmailNotifier{TLS: config.SMTPImplicitTLS, Username: "ops", Auth: "plain"}, true},
		{"opportunistic, server with starttls", smtpdOptions{TLS: "starttls", Cert: cert},
			config.EmailNotifier{TLS: config.SMTPOpportunistic}, true},
		{"opportunistic, server without", smtpdOptions{TLS: "none"},
			config.EmailNotifier{TLS: config.SMTPOpportunistic}, false},
		{"none", smtpdOptions{TLS: "none"}, config.EmailNotifier{TLS: config.SMTPNoTLS}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := startSMTPD(t, tt.server)
			c := tt.cfg
			c.SMTP, c.CAFile = d.Addr, cert.CertFile
			if c.TLS == config.SMTPNoTLS {
				c.CAFile = ""
			}
			c.From, c.To = "gluster@example.com", []string{"ops@example.com", "Storage Team <storage@example.com>"}
			if c.Username != "" {
				c.PasswordFile = passwordFile(t, "s3cret pass")
			}
			s := newSink(t, c)
			r := send(t, s, storm())
			if r.Verdict != webhooks.Delivered || r.Status != 250 {
				t.Fatalf("Send = %v %d %v", r.Verdict, r.Status, r.Err)
			}
			mails := d.mails(t)
			if len(mails) != 1 {
				t.Fatalf("%d mails accepted, want 1", len(mails))
			}
			m := mails[0]
			if m.TLS != tt.wantTLS || m.Auth != (c.Username != "") {
				t.Errorf("the mail came with TLS %v, AUTH %v; want %v, %v", m.TLS, m.Auth, tt.wantTLS, c.Username != "")
			}
			if m.EnvelopeFrom != "gluster@example.com" || m.EnvelopeTo != "ops@example.com, storage@example.com" {
				t.Errorf("envelope from %q to %q", m.EnvelopeFrom, m.EnvelopeTo)
			}
			for key, want := range map[string]string{
				"From":                        "<gluster@example.com>",
				"To":                          `<ops@example.com>, "Storage Team" <storage@example.com>`,
				"Auto-Submitted":              "auto-generated",
				"X-Gluster-Eventing-Severity": "critical",
				"X-Gluster-Eventing-Events":   "3",
				"X-Gluster-Eventing-Seq":      "4812-4815",
				"Message-Id":                  "<gluster-eventing.3f2a9c1e.9b1c0d2e.4812-4815@node1.example.com>",
			} {
				if got := m.Header.Get(key); got != want {
					t.Errorf("%s: %q, want %q", key, got, want)
				}
			}
			if m.Subject != "[gluster critical] 3 events on node1.example.com: BRICK_DISCONNECTED, VOLUME_STOP" {
				t.Errorf("Subject = %q", m.Subject)
			}
			want := Body(digest(storm()), BodyInfo{Host: "node1.example.com"})
			if diff := cmp.Diff(want, m.Body); diff != "" {
				t.Errorf("body as received (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNotDelivered: every way a mail can fail to go out is a retry with
// what went wrong (and the SMTP code), never a mail sent in clear or to an
// unverified server; a fixed password file takes effect at the next try.
func TestNotDelivered(t *testing.T) {
	cert := newTestCert(t)
	other := newTestCert(t)

	t.Run("certificate not verified", func(t *testing.T) {
		d := startSMTPD(t, smtpdOptions{TLS: "starttls", Cert: cert})
		s := newSink(t, config.EmailNotifier{SMTP: d.Addr, To: []string{"ops@example.com"}, CAFile: other.CertFile})
		r := send(t, s, storm())
		if r.Verdict != webhooks.Retry || r.Err == nil || !strings.Contains(r.Err.Error(), "certificate") {
			t.Fatalf("Send = %v %v, want a retry for the certificate", r.Verdict, r.Err)
		}
		if n := len(d.mails(t)); n != 0 {
			t.Fatalf("%d mails accepted over an unverified connection", n)
		}
	})
	t.Run("starttls required, server has none", func(t *testing.T) {
		d := startSMTPD(t, smtpdOptions{TLS: "none"})
		s := newSink(t, config.EmailNotifier{SMTP: d.Addr, To: []string{"ops@example.com"}})
		if r := send(t, s, storm()); r.Verdict != webhooks.Retry || r.Err == nil {
			t.Fatalf("Send = %v %v, want a retry", r.Verdict, r.Err)
		}
		if n := len(d.mails(t)); n != 0 {
			t.Fatalf("%d mails accepted in clear text with tls = starttls", n)
		}
	})
	for _, mech := range []string{"plain", "login", "cram-md5"} {
		t.Run("wrong password, then fixed, "+mech, func(t *testing.T) {
			d := startSMTPD(t, smtpdOptions{TLS: "starttls", Cert: cert, Auth: "ops:right"})
			pw := passwordFile(t, "wrong")
			s := newSink(t, config.EmailNotifier{SMTP: d.Addr, To: []string{"ops@example.com"}, CAFile: cert.CertFile,
				Username: "ops", PasswordFile: pw, Auth: mech})
			r := send(t, s, storm())
			if r.Verdict != webhooks.Retry || r.Status != 535 {
				t.Fatalf("Send = %v %d %v, want a retry with 535", r.Verdict, r.Status, r.Err)
			}
			if strings.Contains(r.Err.Error(), "wrong") {
				t.Errorf("the error shows the password: %v", r.Err)
			}
			if err := os.WriteFile(pw, []byte("right\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if r := send(t, s, storm()); r.Verdict != webhooks.Delivered {
				t.Fatalf("after fixing the password: Send = %v %v", r.Verdict, r.Err)
			}
			if n := len(d.mails(t)); n != 1 {
				t.Fatalf("%d mails accepted, want 1", n)
			}
		})
	}
	for _, code := range []string{"451", "550"} {
		t.Run("server answers "+code, func(t *testing.T) {
			d := startSMTPD(t, smtpdOptions{TLS: "none", Fail: code + ":1"})
			s := newSink(t, config.EmailNotifier{SMTP: d.Addr, TLS: config.SMTPNoTLS, To: []string{"ops@example.com"}})
			r := send(t, s, storm())
			if r.Verdict != webhooks.Retry || r.Err == nil {
				t.Fatalf("Send = %v %d %v, want a retry", r.Verdict, r.Status, r.Err)
			}
			if got := strconv.Itoa(r.Status); got != code {
				t.Errorf("status = %s, want %s", got, code)
			}
			if r := send(t, s, storm()); r.Verdict != webhooks.Delivered {
				t.Fatalf("second attempt: Send = %v %v", r.Verdict, r.Err)
			}
			if n := len(d.mails(t)); n != 1 {
				t.Fatalf("%d mails accepted, want 1", n)
			}
		})
	}
	t.Run("nobody listening", func(t *testing.T) {
		s := newSink(t, config.EmailNotifier{SMTP: "127.0.0.1:1", To: []string{"ops@example.com"}})
		if r := send(t, s, storm()); r.Verdict != webhooks.Retry || r.Err == nil {
			t.Fatalf("Send = %v %v, want a retry", r.Verdict, r.Err)
		}
	})
}

func TestPasswordFile(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open")
	if err := os.WriteFile(open, []byte("pw"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		open:                         "(mode 0644); chmod 600",
		empty:                        "is empty",
		filepath.Join(dir, "absent"): "no such file",
		dir:                          "not a regular file",
	} {
		_, err := New(&config.EmailNotifier{SMTP: "mail.example.com", To: []string{"ops@example.com"}, Username: "ops", PasswordFile: path}, time.Second)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "password_file: ") {
			t.Errorf("New with password_file %s: %v, want %q", path, err, want)
		}
	}
}

// TestSystemRoots: without ca_file the server's certificate is verified
// against the system's roots. Go reads them once per process, from
// SSL_CERT_FILE when set: the test runs itself again with the test CA as
// the system's only root, where the mail goes through, and here (the
// machine's real roots) it is refused.
func TestSystemRoots(t *testing.T) {
	if addr := os.Getenv("MAILSINK_TEST_SYSTEM_ROOTS_SMTP"); addr != "" {
		s := newSink(t, config.EmailNotifier{SMTP: addr, To: []string{"ops@example.com"}})
		if r := send(t, s, storm()); r.Verdict != webhooks.Delivered {
			t.Fatalf("with the test CA as the system's root: Send = %v %v", r.Verdict, r.Err)
		}
		return
	}
	cert := newTestCert(t)
	d := startSMTPD(t, smtpdOptions{TLS: "starttls", Cert: cert})

	s := newSink(t, config.EmailNotifier{SMTP: d.Addr, To: []string{"ops@example.com"}})
	r := send(t, s, storm())
	if r.Verdict != webhooks.Retry || r.Err == nil || !strings.Contains(r.Err.Error(), "certificate") {
		t.Fatalf("a self-signed certificate with the system's roots: Send = %v %v, want a retry", r.Verdict, r.Err)
	}
	if n := len(d.mails(t)); n != 0 {
		t.Fatalf("%d mails accepted over an unverified connection", n)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestSystemRoots$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MAILSINK_TEST_SYSTEM_ROOTS_SMTP="+d.Addr,
		"SSL_CERT_FILE="+cert.CertFile, "SSL_CERT_DIR="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the test with SSL_CERT_FILE: %v\n%s", err, out)
	}
	if n := len(d.mails(t)); n != 1 {
		t.Fatalf("%d mails accepted, want 1", n)
	}
}
