package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/internal/config"
)

// checkContiguous fails unless got is first..last exactly once, in order.
func checkContiguous(t *testing.T, name string, got []uint64, first, last uint64) {
	t.Helper()
	if diff := cmp.Diff(seqRange(first, last), got); diff != "" {
		t.Errorf("%s: delivered (-want %d..%d +got):\n%s", name, first, last, diff)
	}
}

// Apply while events flow: the unchanged webhook is untouched, the changed
// one restarts at its cursor, the removed one stops, the new one starts
// with new events; nothing is lost or sent twice.
func TestApplyWhileEventsFlow(t *testing.T) {
	j := openTestJournal(t)
	slow := func(http.ResponseWriter, *http.Request, int, uint64) int {
		time.Sleep(200 * time.Microsecond)
		return http.StatusOK
	}
	rvA, rvB, rvC, rvD := newReceiver(t, false, slow), newReceiver(t, false, slow), newReceiver(t, false, slow), newReceiver(t, false, slow)
	hookA, hookB, hookC, hookD := testHook(rvA.url()), testHook(rvB.url()), testHook(rvC.url()), testHook(rvD.url())
	m := newTestManager(t, j)
	apply(t, m, hookA, hookB, hookC)
	workerA := workerOf(t, m, hookA)

	produce := func(batches int) {
		for range batches {
			appendEvents(t, j, 10)
			time.Sleep(time.Millisecond)
		}
	}
	produce(30)
	// The changed and the removed webhook are mid-stream when Apply runs.
	waitFor(t, 10*time.Second, "deliveries before Apply", func() bool {
		return len(rvB.delivered()) > 0 && len(rvC.delivered()) > 0
	})
	hookB.Timeout = config.Duration(7 * time.Second)
	hookB.Events = []string{"VOLUME_*"} // still matches everything appended
	applied := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		applied <- m.Apply(ctx, []config.Webhook{hookD, hookB, hookA})
	}()
	produce(30)
	if err := <-applied; err != nil {
		t.Fatal(err)
	}
	cAtApply := len(rvC.requests())
	produce(30)
	last := j.LastSeq()

	waitFor(t, 30*time.Second, "all delivered", func() bool {
		return len(rvA.delivered()) >= int(last) && len(rvB.delivered()) >= int(last) &&
			healthOf(t, m, rvD.url()).Cursor == last
	})
	if workerOf(t, m, hookA) != workerA {
		t.Error("the unchanged webhook's worker was replaced")
	}
	checkContiguous(t, "unchanged", rvA.delivered(), 1, last)
	checkContiguous(t, "changed", rvB.delivered(), 1, last)
	c := rvC.delivered()
	if len(c) == 0 {
		t.Fatal("removed webhook got nothing before its removal")
	}
	checkContiguous(t, "removed", c, 1, c[len(c)-1])
	if n := len(rvC.requests()); n != cAtApply {
		t.Errorf("removed webhook got %d requests after Apply returned", n-cAtApply)
	}
	d := rvD.delivered()
	if len(d) == 0 || d[0] <= 300 {
		t.Fatalf("new webhook got %v..., want only events journaled after Apply", d[:min(len(d), 3)])
	}
	checkContiguous(t, "added", d, d[0], last)
	if _, ok, _ := j.Cursor(ConsumerName(config.IDFromURL(hookC.URL))); ok {
		t.Error("removed webhook's cursor kept")
	}
	if got := len(m.Health()); got != 3 {
		t.Errorf("%d webhooks in Health, want 3", got)
	}
}

// Apply with a short deadline cancels a changed webhook's hung attempt;
// that record is sent again by the new worker and the cursor never moved
// past it.
func TestApplyCancelsAttemptInFlight(t *testing.T) {
	j := openTestJournal(t)
	var hung atomic.Bool
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		if seq == 3 && hung.CompareAndSwap(false, true) {
			<-r.Context().Done()
			return 0
		}
		return http.StatusOK
	})
	hook := testHook(rv.url(), func(h *config.Webhook) { h.Timeout = config.Duration(time.Minute) })
	m := newTestManager(t, j)
	apply(t, m, hook)
	appendEvents(t, j, 5)
	waitFor(t, 5*time.Second, "the hung attempt", func() bool { return hung.Load() })
	hook.Token = "new"
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := m.Apply(ctx, []config.Webhook{hook})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Apply = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Apply took %v", d)
	}
	waitFor(t, 5*time.Second, "deliveries", func() bool { return len(rv.delivered()) == 5 })
	checkContiguous(t, "delivered", rv.delivered(), 1, 5)
	var attempts []uint64
	for _, r := range rv.requests() {
		attempts = append(attempts, r.seq)
	}
	if diff := cmp.Diff([]uint64{1, 2, 3, 3, 4, 5}, attempts); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	// The receiver records an answer before the worker reads it: wait
	// for the worker to be done with the last record.
	waitFor(t, 5*time.Second, "cursor", func() bool { return healthOf(t, m, rv.url()).Cursor == 5 })
	if h := healthOf(t, m, rv.url()); h.Failed != 0 || h.Delivered != 3 {
		t.Errorf("the cancelled attempt counted as a failure: %+v", h)
	}
}

// Stop lets the attempt in flight finish and starts no other: the handler
// holds the first request until Stop has told the worker to stop.
func TestStopFinishesAttemptInFlight(t *testing.T) {
	j := openTestJournal(t)
	started, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		if n == 0 {
			close(started)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return http.StatusOK
	})
	t.Cleanup(unblock) // runs before the receiver's Close, which waits for handlers
	hook := testHook(rv.url())
	m := newTestManager(t, j)
	apply(t, m, hook)
	w := workerOf(t, m, hook)
	appendEvents(t, j, 10)
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("no attempt")
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stopped <- m.Stop(ctx)
	}()
	waitFor(t, 5*time.Second, "Stop to stop the worker's reading", func() bool { return w.soft.Err() != nil })
	unblock()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return")
	}
	// Stop returns once the worker has exited; after that nothing can be
	// sent, so the count is final.
	select {
	case <-w.done:
	default:
		t.Fatal("Stop returned while the worker was running")
	}
	if n := rv.count(); n != 1 {
		t.Errorf("%d requests; want only the one in flight when Stop began", n)
	}
	if c, _, _ := j.Cursor(ConsumerName(config.IDFromURL(rv.url()))); c != 1 {
		t.Errorf("cursor %d after the attempt in flight finished, want 1", c)
	}
	if h := m.Health()[0]; h.State != StateStopped || h.Delivered != 1 {
		t.Errorf("after Stop: state %s, delivered %d; want stopped, 1", h.State, h.Delivered)
	}
	if err := m.Apply(context.Background(), nil); err == nil {
		t.Error("Apply after Stop succeeded")
	}
}

func TestStopCancelsAfterDeadline(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		<-r.Context().Done()
		return 0
	})
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url(), func(h *config.Webhook) { h.Timeout = config.Duration(time.Minute) }))
	appendEvents(t, j, 2)
	waitFor(t, 5*time.Second, "an attempt", func() bool { return rv.count() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := m.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop = %v, want a deadline error", err)
	}
	if c, _, _ := j.Cursor(ConsumerName(config.IDFromURL(rv.url()))); c != 0 {
		t.Errorf("cursor moved to %d past a cancelled attempt", c)
	}
	if st := readState(t, j, rv.url()); len(st.Retries) != 0 {
		t.Errorf("a cancelled attempt was recorded as failed: %+v", st)
	}
}

func TestRemoveForgetsAndReAddStartsNow(t *testing.T) {
	j := openTestJournal(t)
	var fail atomic.Bool
	fail.Store(true)
	rv := newReceiver(t, false, func(http.ResponseWriter, *http.Request, int, uint64) int {
		if fail.Load() {
			return http.StatusBadRequest
		}
		return http.StatusOK
	})
	hook := testHook(rv.url(), func(h *config.Webhook) { h.MaxAttempts = 1 })
	m := newTestManager(t, j)
	apply(t, m, hook)
	appendEvents(t, j, 3)
	waitFor(t, 5*time.Second, "dead letters", func() bool { return healthOf(t, m, rv.url()).DeadLettered == 3 })
	apply(t, m)
	if len(m.Health()) != 0 {
		t.Error("removed webhook still in Health")
	}
	if st, _ := j.State(ConsumerName(config.IDFromURL(hook.URL))); st != nil {
		t.Errorf("state kept: %s", st)
	}
	appendEvents(t, j, 2) // while removed: never delivered
	fail.Store(false)
	apply(t, m, hook)
	seqs := appendEvents(t, j, 2)
	waitFor(t, 5*time.Second, "deliveries", func() bool { return len(rv.delivered()) == 2 })
	if diff := cmp.Diff(seqs, rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if h := healthOf(t, m, rv.url()); h.DeadLettered != 0 {
		t.Errorf("re-added webhook kept old counters: %+v", h)
	}
}

func TestApplyRejectsDuplicateURLs(t *testing.T) {
	m := newTestManager(t, openTestJournal(t))
	h := testHook("https://user:pw@example.invalid/hook")
	err := m.Apply(context.Background(), []config.Webhook{h, h})
	if err == nil || strings.Contains(err.Error(), "pw") {
		t.Errorf("Apply with duplicate URLs = %v", err)
	}
	if len(m.Health()) != 0 {
		t.Error("a webhook started despite the error")
	}
	if _, err := NewManager(Options{}); err == nil {
		t.Error("NewManager without a journal succeeded")
	}
}

// lockedBuffer is a log destination safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestNoSecretsInLogsOrHealth(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		return []int{500, 400, 410}[min(n, 2)]
	})
	u := strings.Replace(rv.url(), "http://", "http://hookuser:pw-SECRET1@", 1) + "?key=q-SECRET2"
	var logs lockedBuffer
	m := newTestManagerLogging(t, j, &logs)
	apply(t, m,
		testHook(u, func(h *config.Webhook) {
			h.Format, h.SigningSecret, h.Token, h.Secret = config.FormatLegacy, "", "tok-SECRET3", "jwt-SECRET4"
		}),
		testHook(rv.url()+"/bad-ca", func(h *config.Webhook) { h.CAFile = "/nonexistent/ca-SECRET5.pem"; h.Token = "tok-SECRET6" }))
	appendEvents(t, j, 2)
	// The 410 is logged just after the state changes.
	waitFor(t, 5*time.Second, "disabled", func() bool {
		return healthOf(t, m, u).State == StateDisabled && strings.Contains(logs.String(), "410 Gone")
	})
	waitFor(t, 5*time.Second, "ca failure", func() bool { return healthOf(t, m, rv.url()+"/bad-ca").Failed > 0 })
	hs, _ := json.Marshal(m.Health())
	for _, secret := range []string{"SECRET1", "SECRET2", "SECRET3", "SECRET4", "SECRET6", "hookuser"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain %s:\n%s", secret, logs.String())
		}
		if bytes.Contains(hs, []byte(secret)) {
			t.Errorf("health contains %s: %s", secret, hs)
		}
		st, _ := j.State(ConsumerName(config.IDFromURL(u)))
		if bytes.Contains(st, []byte(secret)) {
			t.Errorf("state contains %s: %s", secret, st)
		}
	}
	if !strings.Contains(logs.String(), "410 Gone") || !strings.Contains(logs.String(), "ca_file") {
		t.Errorf("logs lack the 410 and ca_file messages:\n%s", logs.String())
	}
}

func TestTestDelivery(t *testing.T) {
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		return []int{200, 418}[n%2]
	})
	ctx := context.Background()
	legacy := testHook(rv.url(), func(h *config.Webhook) { h.Format, h.SigningSecret, h.Token = config.FormatLegacy, "", "tok" })
	status, err := SendTestEvent(ctx, legacy, testNodeID, "1.2.3")
	if err != nil || status != 200 {
		t.Fatalf("Test = %d, %v", status, err)
	}
	status, err = SendTestEvent(ctx, testHook(rv.url()), testNodeID, "1.2.3")
	if err != nil || status != 418 {
		t.Fatalf("Test = %d, %v; want 418 and no error", status, err)
	}
	reqs := rv.requests()
	if !regexp.MustCompile(`^\{"event": "TEST", "message": \{\}, "nodeid": "` + testNodeID + `", "ts": \d+\}$`).Match(reqs[0].body) {
		t.Errorf("legacy test body %s", reqs[0].body)
	}
	if reqs[0].header.Get("Authorization") != "Bearer tok" || reqs[0].header.Get("User-Agent") != "gluster-eventing/1.2.3" {
		t.Errorf("legacy test headers %v", reqs[0].header)
	}
	var b StandardBody
	if err := json.Unmarshal(reqs[1].body, &b); err != nil || b.Type != "gluster.test" || b.Event != "TEST" || b.Node != testNodeID || b.ID != reqs[1].header.Get("webhook-id") {
		t.Errorf("standard test body %s (%v)", reqs[1].body, err)
	}
	key, _ := ParseSigningSecret(testSigningSecret)
	ts, _ := strconv.ParseInt(reqs[1].header.Get("webhook-timestamp"), 10, 64)
	if got := reqs[1].header.Get("webhook-signature"); got != StandardSignature(key, b.ID, time.Unix(ts, 0), reqs[1].body) {
		t.Errorf("standard test signature %q does not verify", got)
	}

	rv.srv.Close()
	if status, err := SendTestEvent(ctx, legacy, testNodeID, "1.2.3"); err == nil || status != 0 || strings.Contains(err.Error(), "tok") {
		t.Errorf("Test against a closed server = %d, %v", status, err)
	}
}

func TestSameWebhook(t *testing.T) {
	a := testHook("https://example.com/h")
	b := a
	b.Events = []string{}
	if !sameWebhook(&a, &b) {
		t.Error("nil and empty Events differ")
	}
	for name, mod := range map[string]func(*config.Webhook){
		"events":  func(h *config.Webhook) { h.Events = []string{"VOLUME_*"} },
		"token":   func(h *config.Webhook) { h.Token = "x" },
		"timeout": func(h *config.Webhook) { h.Timeout++ },
		"format":  func(h *config.Webhook) { h.Format = config.FormatLegacy },
	} {
		c := a
		c.Events = slices.Clone(a.Events)
		mod(&c)
		if sameWebhook(&a, &c) {
			t.Errorf("a change of %s is not seen", name)
		}
	}
}

// Changing a webhook's settings restarts its retries at once: someone who
// fixes a broken webhook does not wait out the backoff the old settings
// earned (here an hour of Retry-After).
func TestChangeResetsBackoff(t *testing.T) {
	j := openTestJournal(t)
	var fail atomic.Bool
	fail.Store(true)
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		if fail.Load() {
			w.Header().Set("Retry-After", "3600")
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	m := newTestManager(t, j)
	hook := testHook(rv.url())
	apply(t, m, hook)
	appendEvents(t, j, 3)
	waitFor(t, 10*time.Second, "a failed attempt", func() bool { return healthOf(t, m, rv.url()).Failed == 1 })
	fail.Store(false)
	hook.Timeout = config.Duration(7 * time.Second)
	apply(t, m, hook)
	waitFor(t, 30*time.Second, "all three delivered", func() bool { return healthOf(t, m, rv.url()).Cursor == 3 })
}
