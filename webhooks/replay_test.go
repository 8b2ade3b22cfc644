package webhooks

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// A mistyped credential (401) is retried with the backoff until it is
// fixed, not dead-lettered after a few attempts: fixing the token delivers
// every event, in order, and nothing is lost.
func TestTypoInSecretIsRetriedUntilFixed(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, false, func(_ http.ResponseWriter, r *http.Request, _ int, _ uint64) int {
		if r.Header.Get("Authorization") != "Bearer right" {
			return http.StatusUnauthorized
		}
		return http.StatusOK
	})
	m := newTestManager(t, j)
	hook := testHook(rv.url(), func(h *config.Webhook) { h.Token = "wrnog" })
	apply(t, m, hook)
	seqs := appendEvents(t, j, 5)
	// Far more attempts than any small dead-letter count would allow.
	waitFor(t, 10*time.Second, "20 refused attempts", func() bool { return rv.count() >= 20 })
	h := healthOf(t, m, rv.url())
	if h.DeadLettered != 0 || h.DeadLetters != 0 || h.State != StateRetrying || h.LastStatus != http.StatusUnauthorized || h.FailingSince.IsZero() {
		t.Fatalf("health while refused = %+v", h)
	}
	if d := h.FailingSince.Sub(rv.requests()[0].at); d < -time.Second || d > time.Second {
		t.Errorf("failing since %v, first refusal at %v", h.FailingSince, rv.requests()[0].at)
	}
	for _, r := range rv.requests() {
		if r.seq != seqs[0] {
			t.Fatalf("seq %d attempted while seq %d was refused", r.seq, seqs[0])
		}
	}

	hook.Token = "right"
	apply(t, m, hook)
	waitFor(t, 10*time.Second, "all delivered", func() bool { return len(rv.delivered()) == len(seqs) })
	if diff := cmp.Diff(seqs, rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	waitFor(t, 5*time.Second, "cursor", func() bool { return healthOf(t, m, rv.url()).Cursor == seqs[len(seqs)-1] })
	if h := healthOf(t, m, rv.url()); h.State != StateOK || !h.FailingSince.IsZero() || h.DeadLettered != 0 {
		t.Errorf("health after the fix = %+v", h)
	}
}

// Rotating a credential carried in the URL keeps the webhook (same id):
// the backlog built up while the old credential was refused is delivered
// to the new URL, none lost and none twice.
func TestBacklogSurvivesCredentialRotation(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, false, func(_ http.ResponseWriter, r *http.Request, _ int, _ uint64) int {
		if r.URL.Query().Get("token") != "new" {
			return http.StatusForbidden
		}
		return http.StatusOK
	})
	m := newTestManager(t, j)
	hook := testHook(rv.url()+"?token=old", func(h *config.Webhook) { h.ID = "ops-pager" })
	apply(t, m, hook)
	seqs := appendEvents(t, j, 50)
	waitFor(t, 10*time.Second, "refusals", func() bool { return rv.count() >= 5 })

	hook.URL = rv.url() + "?token=new"
	apply(t, m, hook)
	seqs = append(seqs, appendEvents(t, j, 10)...)
	waitFor(t, 10*time.Second, "the backlog delivered", func() bool { return len(rv.delivered()) >= len(seqs) })
	if diff := cmp.Diff(seqs, rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	hs := m.Health()
	if len(hs) != 1 || hs[0].ID != "ops-pager" || hs[0].DeadLettered != 0 {
		t.Errorf("health = %+v", hs)
	}
}

func TestReplayFromSeqAndTime(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, false, nil)
	m := newTestManager(t, j)
	hook := testHook(rv.url())
	apply(t, m, hook)
	first := appendEvents(t, j, 5)
	mid := time.Now()
	second := appendEvents(t, j, 5)
	waitFor(t, 10*time.Second, "deliveries", func() bool { return len(rv.delivered()) == 10 })
	ids := map[uint64]string{}
	for _, r := range rv.requests() {
		ids[r.seq] = r.header.Get("webhook-id")
	}

	at, err := m.SeqAt(mid)
	if err != nil || at != second[0] {
		t.Fatalf("SeqAt(between the batches) = %d, %v; want %d", at, err, second[0])
	}
	if at, _ := m.SeqAt(time.Now().Add(time.Hour)); at != second[4]+1 {
		t.Errorf("SeqAt(future) = %d, want %d", at, second[4]+1)
	}
	if at, _ := m.SeqAt(time.Time{}); at != first[0] {
		t.Errorf("SeqAt(zero) = %d, want %d", at, first[0])
	}

	ctx := context.Background()
	res, err := m.ReplayFrom(ctx, hook.Key(), first[3])
	if err != nil {
		t.Fatal(err)
	}
	if want := (Replayed{ID: hook.Key(), From: first[3], To: second[4], Records: 7}); res != want {
		t.Errorf("ReplayFrom = %+v, want %+v", res, want)
	}
	waitFor(t, 10*time.Second, "replayed deliveries", func() bool { return len(rv.delivered()) == 17 })
	want := append(append(append([]uint64{}, first...), second...), first[3], first[4])
	want = append(want, second...)
	if diff := cmp.Diff(want, rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	for _, r := range rv.requests()[10:] {
		if got := r.header.Get("webhook-id"); got != ids[r.seq] || got == "" {
			t.Errorf("replayed seq %d has id %q, first sent as %q", r.seq, got, ids[r.seq])
		}
	}
	if _, err := m.ReplayFrom(ctx, "nope", 1); !errors.Is(err, ErrNoWebhook) {
		t.Errorf("ReplayFrom(unknown id) = %v, want ErrNoWebhook", err)
	}
}

func TestReplayFromTrimmedSeq(t *testing.T) {
	tj := &trimmingJournal{Journal: openTestJournal(t)}
	m := newTestManager(t, tj)
	hook := testHook(newReceiver(t, false, nil).url())
	apply(t, m, hook)
	appendEvents(t, tj.Journal, 10)
	tj.oldest.Store(7)
	_, err := m.ReplayFrom(context.Background(), hook.Key(), 3)
	if te, ok := errors.AsType[*journal.TrimmedError](err); !ok || te.Oldest != 7 {
		t.Errorf("ReplayFrom(trimmed) = %v, want a TrimmedError naming seq 7", err)
	}
	if at, err := m.SeqAt(time.Time{}); err != nil || at != 7 {
		t.Errorf("SeqAt(zero) with 1..6 trimmed = %d, %v; want 7", at, err)
	}
}

func TestReplayDeadLetters(t *testing.T) {
	j := openTestJournal(t)
	var refuse atomic.Bool
	refuse.Store(true)
	rv := newReceiver(t, false, func(_ http.ResponseWriter, _ *http.Request, _ int, seq uint64) int {
		if refuse.Load() && (seq == 2 || seq == 3) {
			return http.StatusNotFound
		}
		return http.StatusOK
	})
	m := newTestManager(t, j)
	hook := testHook(rv.url(), func(h *config.Webhook) { h.MaxAttempts = 2 })
	apply(t, m, hook)
	appendEvents(t, j, 5)
	waitFor(t, 10*time.Second, "cursor", func() bool { return healthOf(t, m, rv.url()).Cursor == 5 })
	dl, ok := m.DeadLetters(hook.Key())
	if !ok || len(dl) != 1 || dl[0].Seq != 2 || dl[0].LastSeq != 3 || dl[0].Status != http.StatusNotFound || dl[0].Count() != 2 {
		t.Fatalf("dead letters = %+v", dl)
	}
	if h := healthOf(t, m, rv.url()); h.DeadLetters != 2 || h.DeadLettered != 2 {
		t.Errorf("health = %+v", h)
	}
	ids := map[uint64]string{}
	for _, r := range rv.requests() {
		ids[r.seq] = r.header.Get("webhook-id")
	}

	refuse.Store(false)
	res, err := m.ReplayDeadLetters(context.Background(), hook.Key())
	if err != nil || res != (Replayed{ID: hook.Key(), From: 2, To: 3, Records: 2}) {
		t.Fatalf("ReplayDeadLetters = %+v, %v", res, err)
	}
	waitFor(t, 10*time.Second, "replayed", func() bool { return len(rv.delivered()) == 5 })
	if diff := cmp.Diff([]uint64{1, 4, 5, 2, 3}, rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	for _, r := range rv.requests() {
		if r.header.Get("webhook-id") != ids[r.seq] {
			t.Errorf("seq %d sent with id %q and %q", r.seq, ids[r.seq], r.header.Get("webhook-id"))
		}
	}
	waitFor(t, 5*time.Second, "replay done", func() bool { return healthOf(t, m, rv.url()).Replaying == 0 })
	if dl, _ := m.DeadLetters(hook.Key()); len(dl) != 0 {
		t.Errorf("dead letters after the replay = %+v", dl)
	}
	// The replay is done: nothing is kept for it across a restart.
	st := readState(t, j, rv.url())
	if len(st.Replay) != 0 || len(st.Dead) != 0 {
		t.Errorf("state after the replay = %+v", st)
	}
}

// A single 410 is asked again on a new connection before the webhook is
// disabled: a stray answer read from a reused connection must not turn a
// working webhook off.
func TestSingleGoneIsConfirmedFirst(t *testing.T) {
	j := openTestJournal(t)
	conns := map[string]int{}
	var mu sync.Mutex
	rv := newReceiver(t, false, func(_ http.ResponseWriter, r *http.Request, n int, _ uint64) int {
		mu.Lock()
		conns[r.RemoteAddr]++
		mu.Unlock()
		if n == 1 {
			return http.StatusGone // the second request only
		}
		return http.StatusOK
	})
	m := newTestManager(t, j)
	hook := testHook(rv.url())
	apply(t, m, hook)
	seqs := appendEvents(t, j, 3)
	waitFor(t, 10*time.Second, "deliveries", func() bool { return len(rv.delivered()) == 3 })
	if diff := cmp.Diff(seqs, rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if h := healthOf(t, m, rv.url()); h.State != StateOK {
		t.Errorf("state %s after one 410, want ok", h.State)
	}
	reqs := rv.requests()
	if len(reqs) != 4 || reqs[1].seq != seqs[1] || reqs[2].seq != seqs[1] {
		t.Fatalf("requests: %+v", reqs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) < 2 {
		t.Errorf("the 410 was asked again on the same connection: %v", conns)
	}
}
