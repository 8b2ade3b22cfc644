package mailsink

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/webhooks"
	"github.com/gluster/gluster-eventing/webhooks/sinktest"
)

// runNotifier runs n in the daemon's delivery machinery with this
// package's sink. Backoff has no jitter and so its shortest delay.
func runNotifier(t *testing.T, n config.Notifier) (*journal.Journal, *webhooks.Manager) {
	t.Helper()
	return sinktest.Run(t, n, webhooks.Options{NodeID: testNode, Rand: func() float64 { return 0 },
		Sinks: map[string]webhooks.SinkFactory{config.KindEmail: Factory}})
}

// appendEvents journals n events, cycling through types, each of another
// brick.
func appendEvents(t *testing.T, j *journal.Journal, n int, types ...gfevent.Type) {
	t.Helper()
	sinktest.AppendEvents(t, j, n, func(i int, _ uint64) []gfevent.Field {
		return []gfevent.Field{{Key: "brick", Value: "/bricks/b" + strconv.Itoa(i)}}
	}, types...)
}

func emailNotifier(d *smtpd, filter string, interval time.Duration, maxEvents int) config.Notifier {
	n := config.DefaultNotifier()
	n.ID, n.Name, n.Kind, n.Filter = "ops-mail", "ops", config.KindEmail, filter
	n.Email = &config.EmailNotifier{SMTP: d.Addr, TLS: config.SMTPNoTLS, From: "gluster@example.com",
		To: []string{"ops@example.com"}, Interval: config.Duration(interval), MaxEvents: maxEvents}
	return n
}

// eventLine is a per-event line of a mail's body: "#SEQ  TIME UTC  NAME".
var eventLine = regexp.MustCompile(`(?m)^#(\d+)  \S+ \S+ UTC  (\S+)  `)

// seqsOf returns the seqs of the events in mails, in order, and their names.
func seqsOf(mails []received) (seqs []uint64, names map[string]int) {
	names = map[string]int{}
	for _, m := range mails {
		for _, sm := range eventLine.FindAllStringSubmatch(m.Body, -1) {
			seq, _ := strconv.ParseUint(sm[1], 10, 64)
			seqs = append(seqs, seq)
			names[sm[2]]++
		}
	}
	return seqs, names
}

// TestStormIsOneMail is "mail me critical events, at most one mail a
// minute" with a 2s interval: a storm is one mail with only the critical
// events, and the next events wait out the interval.
func TestStormIsOneMail(t *testing.T) {
	d := startSMTPD(t, smtpdOptions{TLS: "none"})
	j, m := runNotifier(t, emailNotifier(d, "severity:critical", 2*time.Second, 0))

	appendEvents(t, j, 60, gfevent.BrickDisconnected, gfevent.VolumeStart, gfevent.QuorumLost)
	mails := d.waitMails(t, 1, 30*time.Second)
	first := time.Now()
	h := sinktest.WaitCaughtUp(t, j, m, 30*time.Second)
	if len(mails) != 1 {
		t.Fatalf("%d mails for a storm, want 1", len(mails))
	}
	seqs, names := seqsOf(mails)
	if len(seqs) != 40 || names["BRICK_DISCONNECTED"] != 20 || names["QUORUM_LOST"] != 20 {
		t.Fatalf("the mail holds %d events %v, want the 40 critical ones", len(seqs), names)
	}
	if mails[0].Subject != "[gluster critical] 40 events on "+hostname(t)+": BRICK_DISCONNECTED, QUORUM_LOST" {
		t.Errorf("Subject = %q", mails[0].Subject)
	}
	if !strings.Contains(mails[0].Body, "Notifier ops, filter severity:critical.") {
		t.Errorf("the body does not name the notifier and filter:\n%s", mails[0].Body)
	}
	if h.Delivered != 40 {
		t.Errorf("delivered %d, want 40 (every event of the mail)", h.Delivered)
	}

	appendEvents(t, j, 3, gfevent.BrickDisconnected)
	mails = d.waitMails(t, 2, 30*time.Second)
	if gap := time.Since(first); gap < 1900*time.Millisecond {
		t.Errorf("the second mail came %s after the first, within the 2s interval", gap)
	}
	if seqs, _ := seqsOf(mails[1:]); len(seqs) != 3 || seqs[0] != 61 {
		t.Errorf("the second mail holds seqs %v, want 61-63", seqs)
	}
	if len(d.mails(t)) != 2 {
		t.Errorf("%d mails, want 2", len(d.mails(t)))
	}
}

// TestRefusedBatchRetried: a batch the server refuses (451, then 550) is
// retried as a whole and delivered once: the cursor moves only then.
func TestRefusedBatchRetried(t *testing.T) {
	d := startSMTPD(t, smtpdOptions{TLS: "none", Fail: "451:1"})
	j, m := runNotifier(t, emailNotifier(d, "", 0, 0))
	appendEvents(t, j, 10, gfevent.BrickDisconnected)
	h := sinktest.WaitCaughtUp(t, j, m, 30*time.Second)
	mails := d.mails(t)
	seqs, _ := seqsOf(mails)
	if len(mails) != 1 || len(seqs) != 10 {
		t.Fatalf("%d mails with %d events, want 1 with 10", len(mails), len(seqs))
	}
	if h.Failed != 1 || h.Retried != 1 || h.Delivered != 10 || h.LastStatus != 250 {
		t.Errorf("health: failed %d, retried %d, delivered %d, last status %d; want 1, 1, 10, 250", h.Failed, h.Retried, h.Delivered, h.LastStatus)
	}
}

// Test10000Events mails 10,000 events through the worker to a real SMTP
// server, at most 2,500 a mail and one mail a second, and finds every one
// in the mails exactly once, in order.
func Test10000Events(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 events")
	}
	d := startSMTPD(t, smtpdOptions{TLS: "none"})
	j, m := runNotifier(t, emailNotifier(d, "", time.Second, 2500))
	const total = 10000
	appendEvents(t, j, total, gfevent.BrickDisconnected, gfevent.VolumeStop, gfevent.PeerAttach)
	h := sinktest.WaitCaughtUp(t, j, m, 2*time.Minute)
	mails := d.mails(t)
	if len(mails) < total/2500 || len(mails) > total/2500+2 {
		t.Errorf("%d mails for %d events at most 2500 a mail", len(mails), total)
	}
	seqs, _ := seqsOf(mails)
	if len(seqs) != total {
		t.Fatalf("%d events in the mails, want %d", len(seqs), total)
	}
	for i, seq := range seqs {
		if seq != uint64(i+1) {
			t.Fatalf("event %d of the mails is seq %d (lost, duplicated or out of order)", i, seq)
		}
	}
	if h.Delivered != total || h.DeadLettered != 0 {
		t.Errorf("delivered %d, dead-lettered %d", h.Delivered, h.DeadLettered)
	}
}

// TestSendTest is notifier-test's delivery: one TEST mail.
func TestSendTest(t *testing.T) {
	d := startSMTPD(t, smtpdOptions{TLS: "none"})
	n := emailNotifier(d, "", 0, 0)
	r := webhooks.SendTest(context.Background(), n, map[string]webhooks.SinkFactory{config.KindEmail: Factory}, webhooks.SinkEnv{NodeID: testNode})
	if r.Verdict != webhooks.Delivered {
		t.Fatalf("SendTest = %v %v", r.Verdict, r.Err)
	}
	mails := d.mails(t)
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "1 event") || !strings.Contains(mails[0].Body, "A test mail from gluster-eventing") {
		t.Fatalf("mails = %v", mails)
	}
}

func hostname(t *testing.T) string {
	t.Helper()
	s, err := New(&config.EmailNotifier{SMTP: "x", To: []string{"a@b"}}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return s.hostname
}
