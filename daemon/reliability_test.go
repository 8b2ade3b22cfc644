package daemon_test

// Reliability tests against the real binary: nothing accepted is lost on
// kill -9, receiver outage, reload under load or graceful stop (in-flight
// attempts and datagrams queued in the socket included), and bad datagrams
// are counted, never fatal. Helpers are in helpers_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/corpus"
)

// TestKill9DuringLoad: a steady stream of events, the daemon is killed
// with SIGKILL mid-stream and restarted on the same state dir while the
// stream goes on. Every journaled event (seq 1..LastSeq) reaches both
// webhooks; an event is delivered twice only if it was in flight around
// the kill, and then with the same id (body and webhook-id header).
func TestKill9DuringLoad(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	one := rtNewReceiver(t)  // max_in_flight 1
	four := rtNewReceiver(t) // max_in_flight 4
	n.WriteCluster(t,
		rtHook{URL: one.URL, Format: "standard", Timeout: "30s"},
		rtHook{URL: four.URL, Format: "standard", Timeout: "30s", MaxInFlight: 4})

	p1 := n.Start(t)
	p1.WaitReady(n)
	// ~150/s: a steady stream the race-instrumented daemon keeps up with.
	load := rtStartLoad(t, n.Addr4(), "k9", 20*time.Millisecond, 3)
	one.WaitCount(150)
	four.WaitCount(150)

	// Make sure there is a backlog to lose: the receivers hold requests
	// (until the sender goes away) while the journal grows, so at the kill
	// there are attempts in flight and journaled events not yet delivered.
	hold := func(_ http.ResponseWriter, r *http.Request, _ int) int {
		<-r.Context().Done()
		return http.StatusServiceUnavailable
	}
	one.Respond(hold)
	four.Respond(hold)
	rtEventually(t, rtDeliverTimeout, "a backlog of 100 events on both webhooks", func() (bool, string) {
		st := n.Status(t)
		ok := len(st.Webhooks) == 2
		for _, h := range st.Webhooks {
			ok = ok && h.QueueDepth >= 100
		}
		return ok, fmt.Sprintf("%+v", st.Webhooks)
	})

	p1.Kill9()
	maxSeqAtKill := map[*rtReceiver]uint64{}
	for _, rc := range []*rtReceiver{one, four} {
		for _, d := range rc.Got() {
			maxSeqAtKill[rc] = max(maxSeqAtKill[rc], d.Seq)
		}
		rc.Phase.Store(2)
		rc.Respond(nil)
	}

	p2 := n.Start(t)
	p2.WaitReady(n)
	journaledByFirst := n.Status(t).Journal.LastSeq
	if journaledByFirst < 150 {
		t.Fatalf("after restart the journal's last seq is %d, but 150 events were delivered before the kill", journaledByFirst)
	}
	// Let the second daemon take part of the stream too.
	rtEventually(t, rtDeliverTimeout, "the restarted daemon to journal new events", func() (bool, string) {
		st := n.Status(t)
		return st.Intake.Journaled >= 150, fmt.Sprintf("journaled %d", st.Intake.Journaled)
	})
	sent := load.Stop()
	// Datagrams from one socket to one address are journaled in order: once
	// the sentinel is delivered, everything sent before it is.
	sentinel := "k9-sentinel"
	rtNewSender(t).SendMarker(t, n.Addr4(), sentinel)
	one.WaitMarker(sentinel)
	four.WaitMarker(sentinel)
	st := n.WaitCaughtUp(t) // max_in_flight 4 may deliver the sentinel before earlier events
	last := st.Journal.LastSeq
	t.Logf("sent %d events (%d send errors while down); first daemon journaled %d; last seq %d", sent, load.errs.Load(), journaledByFirst, last)
	p2.Stop()

	sentMarkers := map[string]bool{sentinel: true}
	for i := range sent {
		sentMarkers[load.Marker(i)] = true
	}
	const window = 512 // generous bound of the in-flight window (cursor commits lag deliveries)
	for _, rc := range []*rtReceiver{one, four} {
		name := "max_in_flight=1"
		if rc == four {
			name = "max_in_flight=4"
		}
		bySeq := map[uint64][]rtDelivery{}
		epochs := map[string]bool{}
		for _, d := range rc.Got() {
			bySeq[d.Seq] = append(bySeq[d.Seq], d)
			epochs[d.Epoch] = true
		}
		if len(epochs) != 1 {
			t.Errorf("%s: deliveries carry %d journal epochs, want 1 (same journal across the restart)", name, len(epochs))
		}
		markerSeq := map[string]uint64{}
		var dups []uint64
		for seq := uint64(1); seq <= last; seq++ {
			ds := bySeq[seq]
			if len(ds) == 0 {
				t.Errorf("%s: seq %d (journaled, last seq %d) was never delivered", name, seq, last)
				continue
			}
			m := ds[0].Marker()
			if !sentMarkers[m] {
				t.Errorf("%s: seq %d carries marker %q that was never sent", name, seq, m)
			}
			if other, ok := markerSeq[m]; ok {
				t.Errorf("%s: marker %q journaled twice, as seq %d and %d", name, m, other, seq)
			}
			markerSeq[m] = seq
			for _, d := range ds {
				if d.ID == "" || d.ID != ds[0].ID || d.HeaderID != d.ID || d.Marker() != m {
					t.Errorf("%s: seq %d delivered as id %q / webhook-id %q / marker %q, first as id %q marker %q",
						name, seq, d.ID, d.HeaderID, d.Marker(), ds[0].ID, m)
				}
			}
			if len(ds) > 1 {
				dups = append(dups, seq)
				if len(ds) > 2 {
					t.Errorf("%s: seq %d delivered %d times", name, seq, len(ds))
				}
				if k := maxSeqAtKill[rc]; seq+window <= k || seq > k+window {
					t.Errorf("%s: seq %d delivered twice but far from the in-flight window at the kill (max delivered seq then %d)", name, seq, k)
				}
			}
		}
		for seq := range bySeq {
			if seq < 1 || seq > last {
				t.Errorf("%s: delivery of seq %d beyond the journal (last seq %d)", name, seq, last)
			}
		}
		t.Logf("%s: %d seqs redelivered after the kill (max seq delivered before it: %d)", name, len(dups), maxSeqAtKill[rc])
	}
}

// TestWebhookDownThenBack: the receiver's port is closed for a while, then
// it answers 503 twice, then recovers. Everything is delivered, in order,
// with no gap and no duplicate.
func TestWebhookDownThenBack(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	addr := rtFreeTCPAddr(t) // nothing listens there yet
	url := "http://" + addr + "/hook"
	n.WriteCluster(t, rtHook{URL: url, Format: "standard", Timeout: "30s"})
	p := n.Start(t)
	p.WaitReady(n)

	s := rtNewSender(t)
	var markers []string
	send := func(k int) {
		for range k {
			m := fmt.Sprintf("down-%d", len(markers))
			markers = append(markers, m)
			s.SendMarker(t, n.Addr4(), m)
		}
	}
	send(20)
	rtEventually(t, rtDeliverTimeout, "two failed attempts on the closed port", func() (bool, string) {
		st := n.Status(t)
		if len(st.Webhooks) != 1 {
			return false, fmt.Sprintf("%d webhooks", len(st.Webhooks))
		}
		h := st.Webhooks[0]
		return h.Failed >= 2 && strings.Contains(h.LastError, "refused"), fmt.Sprintf("%+v", h)
	})
	if st := n.Status(t); st.Webhooks[0].Delivered != 0 || st.Webhooks[0].State != "retrying" {
		t.Errorf("while the receiver is down: %+v", st.Webhooks[0])
	}

	rc := rtNewReceiverOn(t, addr)
	rc.Respond(func(_ http.ResponseWriter, _ *http.Request, attempt int) int {
		if attempt <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	send(20)
	rc.WaitCount(len(markers))

	got := rc.Got()
	bySeq := rtCheckExactlyOnceInOrder(t, "receiver", got, uint64(len(markers)))
	for i, m := range markers {
		if bySeq[uint64(i+1)] != m {
			t.Errorf("seq %d carries %q, want %q (send order)", i+1, bySeq[uint64(i+1)], m)
		}
	}
	if a := rc.Attempts(); a != len(markers)+2 {
		t.Errorf("receiver saw %d requests, want %d (two 503s, then one per event)", a, len(markers)+2)
	}
	rtEventually(t, rtDeliverTimeout, "the webhook to report ok", func() (bool, string) {
		h := n.Status(t).Webhooks[0]
		return h.State == "ok" && h.QueueDepth == 0 && h.Delivered == uint64(len(markers)) && h.ConsecutiveFailures == 0,
			fmt.Sprintf("%+v", h)
	})
	if h := n.Status(t).Webhooks[0]; h.Failed < 4 || h.Retried < 4 {
		t.Errorf("health after recovery: failed %d retried %d, want at least 4 each (2 refused, 2 x 503)", h.Failed, h.Retried)
	}
	p.Stop()
}

// TestReload50TimesUnderLoad: while events flow to two webhooks, the daemon
// is reloaded 50 times (SIGHUP, SIGUSR2 and "gluster-eventing reload"
// in turn), every tenth time after changing one webhook's timeout while a
// retry of it is pending and a backlog waits (the reload restarts that
// worker). Each webhook gets every event exactly once.
func TestReload50TimesUnderLoad(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	a := rtNewReceiver(t)
	b := rtNewReceiver(t)
	hookA := rtHook{URL: a.URL, Format: "standard", Timeout: "30s"}
	hookB := rtHook{URL: b.URL, Format: "standard", Timeout: "30s", MaxInFlight: 2}
	n.WriteCluster(t, hookA, hookB)
	p := n.Start(t)
	p.WaitReady(n)
	load := rtStartLoad(t, n.Addr4(), "rl", 10*time.Millisecond, 2) // ~200/s
	a.WaitCount(50)

	for i := range 50 {
		changeA := i%10 == 9
		if changeA {
			// Change webhook A's timeout while a retry of it is pending
			// and a backlog waits: its receiver answers the next request
			// with 503 and Retry-After: 1 (then 200 again), so the reload
			// restarts the worker during that pause. The new worker must
			// resume at the cursor with the retry state.
			failed := make(chan struct{})
			var once sync.Once
			a.Respond(func(w http.ResponseWriter, _ *http.Request, _ int) int {
				status := http.StatusOK
				once.Do(func() {
					w.Header().Set("Retry-After", "1")
					status = http.StatusServiceUnavailable
					close(failed)
				})
				return status
			})
			select {
			case <-failed:
			case <-time.After(rtDeliverTimeout):
				t.Fatalf("reload %d: webhook A got no request", i)
			}
			hookA.Timeout = fmt.Sprintf("%ds", 30+i)
			n.WriteCluster(t, hookA, hookB)
		}
		before := n.Status(t).Config.Reloads
		switch i % 3 {
		case 0:
			p.Signal(syscall.SIGHUP)
		case 1:
			p.Signal(syscall.SIGUSR2)
		case 2:
			out, errOut, code := rtCLI(t, "--config", n.NodePath, "reload")
			if code != 0 {
				t.Fatalf("reload %d: exit %d\n%s%s", i, code, out, errOut)
			}
		}
		rtEventually(t, rtDeliverTimeout, fmt.Sprintf("reload %d to be applied", i), func() (bool, string) {
			st := n.Status(t)
			return st.Config.Reloads > before, fmt.Sprintf("reloads %d", st.Config.Reloads)
		})
	}
	sent := load.Stop()
	sentinel := "rl-sentinel"
	rtNewSender(t).SendMarker(t, n.Addr4(), sentinel)
	a.WaitMarker(sentinel)
	b.WaitMarker(sentinel)
	st := n.WaitCaughtUp(t) // max_in_flight 2 may deliver the sentinel before earlier events
	t.Logf("sent %d events, %d reloads, last seq %d", sent, st.Config.Reloads, st.Journal.LastSeq)
	if st.Config.LastReloadError != "" {
		t.Errorf("last reload error: %s", st.Config.LastReloadError)
	}
	if st.Intake.Received != uint64(sent+1) || st.Journal.LastSeq != uint64(sent+1) {
		t.Errorf("received %d, journal last seq %d; sent %d", st.Intake.Received, st.Journal.LastSeq, sent+1)
	}
	want := map[string]bool{sentinel: true}
	for i := range sent {
		want[load.Marker(i)] = true
	}
	for name, rc := range map[string]*rtReceiver{"webhook A (reconfigured)": a, "webhook B (max_in_flight 2)": b} {
		seen := map[uint64]bool{}
		got := map[string]int{}
		for _, d := range rc.Got() {
			if seen[d.Seq] {
				t.Errorf("%s: seq %d delivered twice", name, d.Seq)
			}
			seen[d.Seq] = true
			got[d.Marker()]++
			if d.HeaderID != d.ID {
				t.Errorf("%s: seq %d: webhook-id %q != id %q", name, d.Seq, d.HeaderID, d.ID)
			}
		}
		for m := range want {
			if got[m] != 1 {
				t.Errorf("%s: %q delivered %d times, want once", name, m, got[m])
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d distinct events delivered, %d sent", name, len(got), len(want))
		}
	}
	if got := rtSeqs(a.Got()); !slices.IsSorted(got) {
		t.Errorf("webhook A (max_in_flight 1) delivered out of order")
	}
	p.Stop()
}

func rtSeqs(ds []rtDelivery) []uint64 {
	out := make([]uint64, len(ds))
	for i, d := range ds {
		out[i] = d.Seq
	}
	return out
}

// rtMalformed are datagrams with the outcome the daemon must give them:
// a reject reason, or "" for accepted (possibly repaired).
var rtMalformed = []struct {
	name   string
	raw    string
	reason string
}{
	{"empty", "", "empty"},
	{"whitespace", " \t\r\n", "empty"},
	{"timestamp only", "1", "no_type"},
	{"bad timestamp", "x 3 a=b", "bad_timestamp"},
	{"bad id", "1 abc", "bad_type"},
	{"negative id", "1 -1 v=x", "unknown_type"},
	{"unknown id", "1 999 v", "unknown_type"},
	{"semicolons only", ";;", "no_type"},
	{"null body", "1 19 (null)", ""},
	{"no body", "1 5", ""},
	{"double semicolon", "1 5 name=a;;force=1", ""},
	{"trailing semicolon", "1 5 name=a;", ""},
	{"invalid utf-8", "1 5 name=r\xffv", ""},
	{"60 kB", "1 3 name=" + strings.Repeat("v", 60*1024), ""},
	{"value with equals", "1 5 name=a=b", ""},
	{"bare key", "1 5 rv", ""},
}

// TestMalformedCorpus sends every datagram of internal/corpus and a local
// list of malformed ones. The daemon keeps running, the status (through
// "gluster-eventing status --json") counts the rejects by reason exactly,
// and every accepted datagram is journaled, in order.
func TestMalformedCorpus(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	p := n.Start(t)
	p.WaitReady(n)

	type item struct {
		name string
		raw  []byte
	}
	var items []item
	for _, d := range corpus.Datagrams() {
		items = append(items, item{d.Name, d.Raw})
	}
	for _, m := range rtMalformed {
		// The local list states the outcome; check the parser agrees, so
		// that the expectations computed below for the corpus are the
		// ones the list asserts.
		ev, err := gfevent.Parse([]byte(m.raw))
		got := ""
		if pe, ok := err.(*gfevent.ParseError); ok {
			got = pe.Reason.String()
		} else if err != nil || ev == nil {
			t.Fatalf("%s: Parse: %v", m.name, err)
		}
		if got != m.reason {
			t.Errorf("%s (%q): parser says %q, want %q", m.name, m.raw, got, m.reason)
		}
		items = append(items, item{"local/" + m.name, []byte(m.raw)})
	}

	wantRejected := map[string]uint64{}
	for _, r := range gfevent.Reasons() {
		wantRejected[r.String()] = 0
	}
	var wantEvents []*gfevent.Event
	var repaired uint64
	em := &gfevent.Emitter{Addr: n.Addr6()}
	ctx := context.Background()
	for _, it := range items {
		ev, err := gfevent.Parse(it.raw)
		if err != nil {
			wantRejected[err.(*gfevent.ParseError).Reason.String()]++
		} else {
			wantEvents = append(wantEvents, ev)
			if ev.Flags&gfevent.Repairs != 0 {
				repaired++
			}
		}
		if err := em.Send(ctx, it.raw); err != nil {
			t.Fatalf("%s: %v", it.name, err)
		}
	}
	sentinel := "corpus-sentinel"
	if err := em.Send(ctx, rtDatagram(sentinel)); err != nil {
		t.Fatal(err)
	}
	total := uint64(len(items) + 1)
	accepted := uint64(len(wantEvents) + 1)

	rtEventually(t, rtDeliverTimeout, "every datagram to be read and journaled", func() (bool, string) {
		st := n.Status(t)
		return st.Intake.Received >= total && st.Intake.Journaled >= accepted,
			fmt.Sprintf("received %d/%d, journaled %d/%d", st.Intake.Received, total, st.Intake.Journaled, accepted)
	})
	out, errOut, code := rtCLI(t, "--config", n.NodePath, "status", "--json")
	if code != 0 {
		t.Fatalf("status --json: exit %d: %s", code, errOut)
	}
	var st api.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if st.PID != p.Pid() {
		t.Errorf("status answered by pid %d, daemon is %d", st.PID, p.Pid())
	}
	if !maps.Equal(st.Intake.Rejected, wantRejected) {
		t.Errorf("rejected by reason: got %v, want %v", st.Intake.Rejected, wantRejected)
	}
	in := st.Intake
	if in.Received != total || in.Accepted != accepted || in.Journaled != accepted || in.JournalErrors != 0 ||
		in.Denied != 0 || in.Truncated != 0 || in.Repaired != repaired {
		t.Errorf("intake %+v; want received %d, accepted = journaled %d, repaired %d, no errors", in, total, accepted, repaired)
	}
	if st.Journal.LastSeq != accepted {
		t.Errorf("journal last seq %d, want %d", st.Journal.LastSeq, accepted)
	}

	// The events log is a journal consumer: it shows what was journaled.
	var lines []rtBody
	rtEventually(t, rtDeliverTimeout, "the events log to show every journaled event", func() (bool, string) {
		lines = n.EventsLogLines(t)
		return len(lines) >= int(accepted), fmt.Sprintf("%d lines", len(lines))
	})
	if len(lines) != int(accepted) {
		t.Fatalf("events log has %d lines, want %d", len(lines), accepted)
	}
	for i, ev := range wantEvents {
		l := lines[i]
		if l.Seq != uint64(i+1) || l.Event != ev.Type.String() || l.TS != ev.Time {
			t.Errorf("journaled #%d: seq %d %s ts %d; want seq %d %s ts %d", i+1, l.Seq, l.Event, l.TS, i+1, ev.Type, ev.Time)
		}
	}
	if l := lines[len(lines)-1]; l.Marker() != sentinel {
		t.Errorf("last journaled event is %q, want the sentinel", l.Marker())
	}
	if p.Exited() {
		t.Fatalf("daemon exited")
	}
	p.Stop()
}

// TestGracefulStopDrains: SIGTERM while a slow receiver has events queued.
// The attempt in flight completes (it is not cut off), the daemon exits
// cleanly within its drain bound, and after a restart the rest is
// delivered: every event exactly once, in order.
func TestGracefulStopDrains(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	rc := rtNewReceiver(t)
	var mu sync.Mutex
	var started, completed, aborted int
	slow := func(_ http.ResponseWriter, r *http.Request, _ int) int {
		mu.Lock()
		started++
		mu.Unlock()
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
		mu.Lock()
		defer mu.Unlock()
		if r.Context().Err() != nil {
			aborted++
			return http.StatusServiceUnavailable
		}
		completed++
		return http.StatusOK
	}
	rc.Respond(slow)
	n.WriteCluster(t, rtHook{URL: rc.URL, Format: "standard", Timeout: "20s"})
	p := n.Start(t)
	p.WaitReady(n)

	s := rtNewSender(t)
	const total = 10
	for i := range total {
		s.SendMarker(t, n.Addr4(), fmt.Sprintf("drain-%d", i))
	}
	rtEventually(t, rtDeliverTimeout, "the second attempt to be in flight", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return started >= 2 && completed >= 1, fmt.Sprintf("started %d completed %d", started, completed)
	})
	stopAt := time.Now()
	p.Stop() // requires exit code 0 within rtStopTimeout
	t.Logf("stopped in %s", time.Since(stopAt).Round(time.Millisecond))
	mu.Lock()
	if aborted != 0 || started != completed {
		t.Errorf("at stop: %d attempts started, %d completed, %d cut off; the one in flight must complete", started, completed, aborted)
	}
	deliveredBefore := completed
	mu.Unlock()
	if deliveredBefore >= total {
		t.Fatalf("all %d events were delivered before the stop; nothing left to drain", total)
	}

	rc.Respond(nil)
	rc.Phase.Store(2)
	p2 := n.Start(t)
	p2.WaitReady(n)
	rc.WaitCount(total)
	got := rc.Got()
	bySeq := rtCheckExactlyOnceInOrder(t, "receiver", got, total)
	for i := range total {
		if want := fmt.Sprintf("drain-%d", i); bySeq[uint64(i+1)] != want {
			t.Errorf("seq %d carries %q, want %q", i+1, bySeq[uint64(i+1)], want)
		}
	}
	for _, d := range got[:deliveredBefore] {
		if d.Phase != 1 {
			t.Errorf("seq %d delivered after the restart, want before", d.Seq)
		}
	}
	for _, d := range got[deliveredBefore:] {
		if d.Phase != 2 {
			t.Errorf("seq %d delivered before the restart (phase %d)", d.Seq, d.Phase)
		}
	}
	if st := n.Status(t); st.Journal.LastSeq != total {
		t.Errorf("journal last seq %d, want %d", st.Journal.LastSeq, total)
	}
	p2.Stop()
}

// TestGracefulStopReadsQueuedDatagrams: datagrams the kernel already
// queued for the daemon when SIGTERM arrives are read and journaled before
// it exits, not dropped with the socket (a restart or upgrade during a
// burst of events would lose them). The daemon is stopped (SIGSTOP) while
// the burst is sent, so that the whole burst waits in its socket.
func TestGracefulStopReadsQueuedDatagrams(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	n.Listen = []string{n.Addr4()}
	n.WriteNodeConfig(t)
	p := n.Start(t)
	p.WaitReady(n)

	// The burst must fit in the socket's receive buffer: 64 MiB as root
	// (SO_RCVBUFFORCE), else twice net.core.rmem_max; a small datagram
	// takes about 1 KiB of it.
	burst := 3000
	if os.Geteuid() != 0 {
		if b, err := os.ReadFile("/proc/sys/net/core/rmem_max"); err == nil {
			if m, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				burst = min(burst, 2*m/2048)
			}
		}
	}
	s := rtNewSender(t)
	p.Signal(syscall.SIGSTOP)
	for i := range burst {
		s.SendMarker(t, n.Addr4(), fmt.Sprintf("burst-%d", i))
	}
	p.Signal(syscall.SIGTERM)
	p.Signal(syscall.SIGCONT)
	if code := p.ExitCode(rtStopTimeout); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	p2 := n.Start(t)
	p2.WaitReady(n)
	if last := n.Status(t).Journal.LastSeq; last != uint64(burst) {
		t.Errorf("journaled %d of the %d datagrams queued in the socket at SIGTERM", last, burst)
	}
	p2.Stop()
}
