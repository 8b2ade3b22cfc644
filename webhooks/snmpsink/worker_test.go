package snmpsink

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/internal/testenv"
	"github.com/gluster/gluster-eventing/webhooks"
	"github.com/gluster/gluster-eventing/webhooks/sinktest"
)

// runNotifier runs n in the daemon's delivery machinery with this
// package's sink and returns the journal.
func runNotifier(t *testing.T, n config.Notifier) (*journal.Journal, *webhooks.Manager) {
	t.Helper()
	return sinktest.Run(t, n, webhooks.Options{NodeID: testNode, Sinks: map[string]webhooks.SinkFactory{config.KindSNMP: Factory}})
}

// appendEvents journals n events, cycling through types; each has its
// journal seq in its "seq" field.
func appendEvents(t *testing.T, j *journal.Journal, n int, types ...gfevent.Type) {
	t.Helper()
	sinktest.AppendEvents(t, j, n, func(_ int, seq uint64) []gfevent.Field {
		return []gfevent.Field{{Key: "seq", Value: strconv.FormatUint(seq, 10)}}
	}, types...)
}

// Test10000Informs runs 10,000 events through the worker to a real
// snmptrapd as acknowledged SNMPv3 informs, filtered to brick events, and
// checks that every selected event arrived exactly once, in order.
func Test10000Informs(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 informs")
	}
	d := startTrapd(t, "createUser gluster SHA-256 auth-passphrase AES priv-passphrase", "authUser log gluster priv")
	n := config.DefaultNotifier()
	n.ID, n.Kind, n.Filter = "nms", config.KindSNMP, "category:brick"
	n.SNMP = &config.SNMPNotifier{Addr: d.Addr, Version: config.SNMPv3, Inform: true, User: "gluster",
		AuthProtocol: "SHA-256", AuthPassphraseFile: writeSecret(t, "auth-passphrase", 0o600),
		PrivProtocol: "AES", PrivPassphraseFile: writeSecret(t, "priv-passphrase", 0o600),
		MaxRate: config.MaxSNMPMaxRate} // informs wait for their acknowledgment anyway
	j, m := runNotifier(t, n)

	const total = 10000
	// Half are brick events (selected), half volume events (filtered out).
	appendEvents(t, j, total, gfevent.BrickDisconnected, gfevent.VolumeStart)
	h := sinktest.WaitCaughtUp(t, j, m, 3*time.Minute)
	if h.Delivered != total/2 || h.DeadLettered != 0 {
		t.Errorf("health: delivered %d, dead-lettered %d; want %d, 0", h.Delivered, h.DeadLettered, total/2)
	}
	traps := d.wait(t, total/2, 30*time.Second)
	if len(traps) != total/2 {
		t.Fatalf("snmptrapd logged %d informs, want %d", len(traps), total/2)
	}
	for i, tr := range traps {
		want := strconv.Itoa(2*i + 1) // seqs 1, 3, 5, ...
		if got, _ := tr.value("GLUSTER-EVENTING-MIB::glusterEventSeq.0"); got != "Counter64: "+want {
			t.Fatalf("inform %d has seq %q, want %s (lost, duplicated or out of order)", i, got, want)
		}
		if got, _ := tr.value("GLUSTER-EVENTING-MIB::glusterEventMessage.0"); !strings.HasSuffix(got, "seq="+want) {
			t.Fatalf("inform %d message %q", i, got)
		}
	}
}

// TestTrapsThroughWorker: v2c traps of a notifier with a severity filter
// reach snmptrapd, and a notifier-test's synthetic event does too.
func TestTrapsThroughWorker(t *testing.T) {
	d := startTrapd(t, "authCommunity log public")
	n := config.DefaultNotifier()
	n.ID, n.Kind, n.Filter = "nms", config.KindSNMP, "severity:critical"
	n.SNMP = &config.SNMPNotifier{Addr: d.Addr, Version: config.SNMPv2c}
	j, m := runNotifier(t, n)
	appendEvents(t, j, 300, gfevent.BrickDisconnected, gfevent.VolumeStart, gfevent.QuorumLost)
	sinktest.WaitCaughtUp(t, j, m, time.Minute)
	traps := d.wait(t, 200, 30*time.Second)
	if len(traps) != 200 {
		t.Fatalf("%d traps, want 200", len(traps))
	}
	names := map[string]int{}
	for _, tr := range traps {
		v, _ := tr.value("GLUSTER-EVENTING-MIB::glusterEventName.0")
		names[v]++
	}
	if names["STRING: BRICK_DISCONNECTED"] != 100 || names["STRING: QUORUM_LOST"] != 100 {
		t.Errorf("trap names %v, want 100 BRICK_DISCONNECTED and 100 QUORUM_LOST", names)
	}

	r := webhooks.SendTest(context.Background(), n, map[string]webhooks.SinkFactory{config.KindSNMP: Factory},
		webhooks.SinkEnv{NodeID: testNode})
	if r.Verdict != webhooks.Delivered {
		t.Fatalf("SendTest = %v %v", r.Verdict, r.Err)
	}
	tr := d.wait(t, 201, 10*time.Second)[200]
	if v, _ := tr.value("GLUSTER-EVENTING-MIB::glusterEventName.0"); v != "STRING: TEST" {
		t.Errorf("test trap's name = %q, want TEST", v)
	}
}

// Test10000Traps runs 10,000 events through the worker to a real
// snmptrapd as SNMPv2c traps, paced at max_rate 2000/s: unacknowledged,
// they all arrive, in order, because the pacing keeps the manager's
// socket buffer from overflowing (unpaced, snmptrapd on this machine logs
// fewer than half of them).
func Test10000Traps(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 traps")
	}
	// snmptrapd sets its 8 MiB receive buffer with SO_RCVBUFFORCE as root;
	// as another user the kernel caps it at net.core.rmem_max.
	testenv.Require(t, os.Geteuid() == 0, "root (for snmptrapd's receive buffer)")
	d := startTrapd(t, "authCommunity log public")
	n := config.DefaultNotifier()
	n.ID, n.Kind = "nms", config.KindSNMP
	n.SNMP = &config.SNMPNotifier{Addr: d.Addr, Version: config.SNMPv2c, MaxRate: 2000}
	j, m := runNotifier(t, n)
	const total = 10000
	start := time.Now()
	appendEvents(t, j, total, gfevent.BrickDisconnected)
	h := sinktest.WaitCaughtUp(t, j, m, 2*time.Minute)
	if elapsed := time.Since(start); elapsed < (total-100)*time.Second/2000 {
		t.Errorf("%d traps sent in %s: faster than max_rate 2000/s", total, elapsed)
	}
	if h.Delivered != total {
		t.Errorf("delivered %d, want %d", h.Delivered, total)
	}
	traps := d.wait(t, total, 30*time.Second)
	for i, tr := range traps {
		want := strconv.Itoa(i + 1)
		if got, _ := tr.value("GLUSTER-EVENTING-MIB::glusterEventSeq.0"); got != "Counter64: "+want {
			t.Fatalf("trap %d has seq %q, want %s (lost, duplicated or out of order)", i, got, want)
		}
	}
}
