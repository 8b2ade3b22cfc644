package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

func TestDeliverInOrder(t *testing.T) {
	j := openTestJournal(t)
	appendEvents(t, j, 5) // before the webhook exists: not delivered
	rv := newReceiver(t, false, nil)
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url()))

	var want []uint64
	for range 10 {
		want = append(want, appendEvents(t, j, 100)...)
	}
	waitFor(t, 30*time.Second, "1000 deliveries", func() bool { return len(rv.delivered()) >= 1000 })
	if diff := cmp.Diff(want, rv.delivered()); diff != "" {
		t.Fatalf("delivered seqs (-want +got):\n%s", diff)
	}
	key, _ := ParseSigningSecret(testSigningSecret)
	epoch := j.Epoch()
	for _, r := range rv.requests() {
		id := r.header.Get("webhook-id")
		if want := evrec.ID(testNodeID, epoch, r.seq); id != want {
			t.Fatalf("seq %d: webhook-id %q, want %q", r.seq, id, want)
		}
		ts, err := strconv.ParseInt(r.header.Get("webhook-timestamp"), 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)) > time.Minute {
			t.Fatalf("seq %d: webhook-timestamp %q", r.seq, r.header.Get("webhook-timestamp"))
		}
		if got, want := r.header.Get("webhook-signature"), StandardSignature(key, id, time.Unix(ts, 0), r.body); got != want {
			t.Fatalf("seq %d: signature %q, want %q", r.seq, got, want)
		}
		var b StandardBody
		if err := json.Unmarshal(r.body, &b); err != nil || b.ID != id || b.Type != "gluster.volume_start" || b.Node != testNodeID || b.Epoch != epoch || b.Data["seq"] != strconv.FormatUint(r.seq, 10) {
			t.Fatalf("seq %d: body %s (%v)", r.seq, r.body, err)
		}
		if ua := r.header.Get("User-Agent"); ua != "gluster-eventing/1.2.3" {
			t.Fatalf("User-Agent %q", ua)
		}
		if r.header.Get("Authorization") != "" {
			t.Fatalf("Authorization sent without token or secret")
		}
	}
	waitFor(t, 5*time.Second, "cursor", func() bool { return healthOf(t, m, rv.url()).Cursor == 1005 })
	h := healthOf(t, m, rv.url())
	want1 := Health{URL: rv.srv.URL + "/hook", ID: config.IDFromURL(rv.url()), Format: "standard", State: StateOK, Cursor: 1005, Delivered: 1000, LastAttempt: h.LastAttempt, LastStatus: 200}
	if diff := cmp.Diff(want1, h); diff != "" {
		t.Errorf("health (-want +got):\n%s", diff)
	}
	if c, ok, _ := j.Cursor(ConsumerName(config.IDFromURL(rv.url()))); !ok || c != 1005 {
		t.Errorf("journal cursor = %d, %v; want 1005", c, ok)
	}
}

func TestLegacyDelivery(t *testing.T) {
	j := openTestJournal(t)
	rvToken := newReceiver(t, false, nil)
	rvJWT := newReceiver(t, false, nil)
	m := newTestManager(t, j)
	apply(t, m,
		testHook(rvToken.url(), func(h *config.Webhook) {
			h.Format, h.SigningSecret, h.Token = config.FormatLegacy, "", "tok3n"
		}),
		testHook(rvJWT.url(), func(h *config.Webhook) {
			h.Format, h.SigningSecret, h.Token, h.Secret = config.FormatLegacy, "", "ignored", "jwt-s3cret"
		}))
	seqs := appendEvents(t, j, 3, gfevent.VolumeSet, gfevent.PeerAttach)
	waitFor(t, 10*time.Second, "deliveries", func() bool {
		return len(rvToken.delivered()) == 3 && len(rvJWT.delivered()) == 3
	})
	recs, err := j.Read(seqs[0], 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rvToken.requests() {
		rec, _ := evrec.Unmarshal(recs[i].Seq, recs[i].Data)
		if want := AppendLegacyBody(nil, testNodeID, &rec.Event); !bytes.Equal(r.body, want) {
			t.Errorf("legacy body\n got %s\nwant %s", r.body, want)
		}
		for k, want := range map[string]string{
			"Content-Type": "application/json", "User-Agent": "gluster-eventing/1.2.3",
			"Authorization": "Bearer tok3n", "Webhook-Signature": "", "Webhook-Id": "",
		} {
			if got := r.header.Get(k); got != want {
				t.Errorf("%s: %q, want %q", k, got, want)
			}
		}
	}
	for i, r := range rvJWT.requests() {
		tok, ok := strings.CutPrefix(r.header.Get("Authorization"), "Bearer ")
		if !ok {
			t.Fatalf("no bearer JWT: %q", r.header.Get("Authorization"))
		}
		parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return []byte("jwt-s3cret"), nil }, jwt.WithValidMethods([]string{"HS256"}))
		if err != nil {
			t.Fatalf("JWT: %v", err)
		}
		c := parsed.Claims.(jwt.MapClaims)
		rec, _ := evrec.Unmarshal(recs[i].Seq, recs[i].Data)
		if c["sub"] != rec.Event.Type.String() || c["iat"] != float64(rec.Event.Time) || c["iss"] != "gluster" {
			t.Errorf("claims %v for %v", c, rec.Event.Type)
		}
	}
}

func TestFilterAdvancesCursor(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, false, nil)
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url(), func(h *config.Webhook) { h.Events = []string{"VOLUME_*"} }))
	seqs := appendEvents(t, j, 30, gfevent.VolumeStart, gfevent.PeerAttach, gfevent.PeerDetach)
	last := seqs[len(seqs)-1]
	waitFor(t, 10*time.Second, "cursor at the end", func() bool { return healthOf(t, m, rv.url()).Cursor == last })
	var want []uint64
	for i, s := range seqs {
		if i%3 == 0 {
			want = append(want, s)
		}
	}
	if diff := cmp.Diff(want, rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestRetryThenDeliver(t *testing.T) {
	j := openTestJournal(t)
	const failures = 6
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		switch {
		case n >= failures:
			return http.StatusOK
		case n%2 == 0:
			// A network error: the connection drops without a response.
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return -1
		}
		// Each attempt on a new connection, so that every kind of failure
		// starts from the same state.
		w.Header().Set("Connection", "close")
		if n == 1 {
			return http.StatusTooManyRequests
		}
		return http.StatusServiceUnavailable
	})
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url()))
	seqs := appendEvents(t, j, 20)
	// The receiver records a request before the worker reads the answer:
	// wait for both.
	waitFor(t, 10*time.Second, "20 deliveries", func() bool {
		return len(rv.delivered()) == 20 && healthOf(t, m, rv.url()).Cursor == seqs[19]
	})
	if diff := cmp.Diff(seqs, rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	// Every failed attempt was for the first record: ordering held.
	for _, r := range rv.requests()[:failures] {
		if r.seq != seqs[0] {
			t.Errorf("attempt for seq %d while seq %d was undelivered", r.seq, seqs[0])
		}
	}
	h := healthOf(t, m, rv.url())
	if h.Delivered != 20 || h.Failed != failures || h.Retried != failures || h.ConsecutiveFailures != 0 || h.State != StateOK || h.LastError != "" {
		t.Errorf("health = %+v", h)
	}
	if st, _ := j.State(ConsumerName(config.IDFromURL(rv.url()))); st != nil {
		t.Errorf("retry state left behind: %s", st)
	}
}

func TestGoneDisables(t *testing.T) {
	j := openTestJournal(t)
	var gone atomic.Bool
	gone.Store(true)
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		if gone.Load() {
			return http.StatusGone
		}
		return http.StatusOK
	})
	hook := testHook(rv.url())
	m := newTestManager(t, j)
	apply(t, m, hook)
	seqs := appendEvents(t, j, 3)
	waitFor(t, 10*time.Second, "disabled", func() bool { return healthOf(t, m, rv.url()).State == StateDisabled })
	// A disabled worker exits: once it has, no request can follow the 410.
	waitExited(t, workerOf(t, m, hook), "after a 410")
	// The 410 is asked again once, on a new connection, then believed.
	if n := rv.count(); n != 2 {
		t.Errorf("%d requests after 410, want 2 (the 410 confirmed once)", n)
	}
	h := healthOf(t, m, rv.url())
	if h.Cursor != 0 || h.QueueDepth != 3 || h.LastStatus != 410 {
		t.Errorf("health = %+v", h)
	}

	// Disabled survives a restart.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	m = newTestManager(t, j)
	apply(t, m, hook)
	w := workerOf(t, m, hook)
	waitExited(t, w, "restarted while disabled")
	if h := healthOf(t, m, rv.url()); h.State != StateDisabled || rv.count() != 2 {
		t.Errorf("after restart: %+v, %d requests", h, rv.count())
	}
	// An unchanged config leaves it alone; a changed one enables it, at
	// the cursor: nothing is lost.
	apply(t, m, hook)
	if workerOf(t, m, hook) != w {
		t.Error("an unchanged config replaced the disabled webhook's worker")
	}
	gone.Store(false)
	hook.Timeout = config.Duration(3 * time.Second)
	apply(t, m, hook)
	waitFor(t, 10*time.Second, "deliveries after enabling", func() bool { return len(rv.delivered()) == 3 })
	if diff := cmp.Diff(seqs, rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if h := healthOf(t, m, rv.url()); h.State != StateOK {
		t.Errorf("state %s after enabling", h.State)
	}
}

// A 4xx other than 410 counts like any failure: retried until
// max_attempts (here) or max_age, then dead-lettered.
func TestRejectedIsDeadLetteredAfterMaxAttempts(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		if seq == 2 {
			return http.StatusBadRequest
		}
		return http.StatusNoContent
	})
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url(), func(h *config.Webhook) { h.MaxAttempts = 3 }))
	appendEvents(t, j, 4)
	waitFor(t, 10*time.Second, "the rest delivered", func() bool { return len(rv.delivered()) == 3 })
	var attempts []uint64
	for _, r := range rv.requests() {
		attempts = append(attempts, r.seq)
	}
	if diff := cmp.Diff([]uint64{1, 2, 2, 2, 3, 4}, attempts); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	waitFor(t, 5*time.Second, "cursor", func() bool { return healthOf(t, m, rv.url()).Cursor == 4 })
	h := healthOf(t, m, rv.url())
	if h.DeadLettered != 1 || h.Failed != 3 || h.Delivered != 3 || h.State != StateOK {
		t.Errorf("health = %+v", h)
	}
	if dl, _ := m.DeadLetters(config.IDFromURL(rv.url())); len(dl) != 1 || dl[0].Seq != 2 || dl[0].LastSeq != 2 {
		t.Errorf("DeadLetters = %+v", dl)
	}
	st := readState(t, j, rv.url())
	if len(st.Dead) != 1 || st.Dead[0].Seq != 2 || st.Dead[0].Status != 400 || st.Dead[0].Attempts != 3 || len(st.Retries) != 0 {
		t.Errorf("state = %+v", st)
	}
}

func TestMaxAttemptsAndMaxAge(t *testing.T) {
	j := openTestJournal(t)
	rvAttempts := newReceiver(t, false, func(http.ResponseWriter, *http.Request, int, uint64) int { return 500 })
	rvAge := newReceiver(t, false, func(http.ResponseWriter, *http.Request, int, uint64) int { return 502 })
	m := newTestManager(t, j)
	apply(t, m,
		testHook(rvAttempts.url(), func(h *config.Webhook) { h.MaxAttempts = 4 }),
		testHook(rvAge.url(), func(h *config.Webhook) { h.MaxAge = config.Duration(300 * time.Millisecond) }))
	appendEvents(t, j, 2)
	waitFor(t, 10*time.Second, "dead letters", func() bool {
		return healthOf(t, m, rvAttempts.url()).DeadLettered == 2 && healthOf(t, m, rvAge.url()).DeadLettered == 2
	})
	if n := rvAttempts.count(); n != 8 {
		t.Errorf("%d attempts with max_attempts 4 for 2 events, want 8", n)
	}
	for _, r := range rvAge.requests() {
		if r.at.Sub(rvAge.requests()[0].at) > 5*time.Second {
			t.Errorf("attempt %v after the first with max_age 300ms", r.at.Sub(rvAge.requests()[0].at))
		}
	}
	if h := healthOf(t, m, rvAge.url()); h.Cursor != 2 || h.Failed < 2 {
		t.Errorf("health = %+v", h)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	j := openTestJournal(t)
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		if n == 0 {
			w.Header().Set("Retry-After", "1")
			return http.StatusTooManyRequests
		}
		return http.StatusOK
	})
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url()))
	appendEvents(t, j, 1)
	// Failed counts the attempt before the retry is scheduled: wait for both.
	var h Health
	waitFor(t, 5*time.Second, "first attempt scheduled for a retry", func() bool {
		h = healthOf(t, m, rv.url())
		return h.Failed == 1 && !h.NextAttempt.IsZero()
	})
	if h.State != StateRetrying || h.LastStatus != 429 || h.NextAttempt.Sub(h.LastAttempt) != time.Second {
		t.Errorf("while waiting: %+v", h)
	}
	waitFor(t, 5*time.Second, "delivery", func() bool { return len(rv.delivered()) == 1 })
	reqs := rv.requests()
	// The receiver sees the retry after the worker sent it, which is not
	// before the scheduled time (a fixed margin against the receiver's
	// time of the first attempt would depend on that request's latency).
	if reqs[1].at.Before(h.NextAttempt) {
		t.Errorf("retried at %v, before %v (Retry-After: 1)", reqs[1].at, h.NextAttempt)
	}
	if id0, id1 := reqs[0].header.Get("webhook-id"), reqs[1].header.Get("webhook-id"); id0 != id1 {
		t.Errorf("webhook-id changed across retries: %s, %s", id0, id1)
	}
}

// A restart resumes at the cursor and keeps the persisted retry schedule:
// attempts continue counting and next_at is honoured.
func TestRestartResumesRetry(t *testing.T) {
	j := openTestJournal(t)
	var fail atomic.Bool
	fail.Store(true)
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		if fail.Load() {
			w.Header().Set("Retry-After", "2")
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	hook := testHook(rv.url(), func(h *config.Webhook) { h.MaxAttempts = 3 })
	m := newTestManager(t, j)
	apply(t, m, hook)
	seqs := appendEvents(t, j, 3)
	waitFor(t, 5*time.Second, "first attempt", func() bool { return healthOf(t, m, rv.url()).Failed == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	first := rv.requests()[0]
	st := readState(t, j, rv.url())
	if len(st.Retries) != 1 || st.Retries[0].Seq != seqs[0] || st.Retries[0].Attempts != 1 || st.Retries[0].LastStatus != 503 {
		t.Fatalf("persisted state = %+v", st)
	}
	nextAt := st.Retries[0].NextAt
	// next_at is 2s after the attempt started, which is before the
	// receiver saw it.
	if d := nextAt.Sub(first.at); d < time.Second || d > 2*time.Second {
		t.Errorf("next_at %v after the attempt arrived, want a little under 2s", d)
	}
	more := appendEvents(t, j, 2) // journaled while stopped: delivered too

	fail.Store(false)
	m = newTestManager(t, j)
	apply(t, m, hook)
	h := healthOf(t, m, rv.url())
	if h.State != StateRetrying || !h.NextAttempt.Equal(nextAt) || h.Cursor != seqs[0]-1 {
		t.Errorf("after restart: %+v", h)
	}
	waitFor(t, 10*time.Second, "deliveries", func() bool {
		return len(rv.delivered()) == 5 && healthOf(t, m, rv.url()).Cursor == more[1]
	})
	if second := rv.requests()[1]; second.at.Before(nextAt) {
		t.Errorf("retried at %v, before the persisted next_at %v", second.at, nextAt)
	}
	if diff := cmp.Diff(append(seqs, more...), rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if h := healthOf(t, m, rv.url()); h.Retried != 1 || h.Delivered != 5 {
		t.Errorf("health = %+v", h)
	}
}

// With max_in_flight 4, four records are in flight at once and finish in
// any order, while the cursor only moves over a contiguous run. Records 1..7
// are held at the receiver until the test frees them: 1..4 must all arrive
// before any is answered; freeing 4, 3 and 2 (out of order) lets 5, 6 and 7
// in, one per freed slot, with the cursor still at 0; freeing 1 moves it
// to 4.
func TestMaxInFlight(t *testing.T) {
	const inflight, held = 4, 7
	j := openTestJournal(t)
	var gates [held + 1]chan struct{}
	var once [held + 1]sync.Once
	for i := range gates {
		gates[i] = make(chan struct{})
	}
	free := func(seq uint64) { once[seq].Do(func() { close(gates[seq]) }) }
	arrived := make(chan uint64, 100)
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		if seq >= 1 && seq <= held {
			arrived <- seq
			select {
			case <-gates[seq]:
			case <-r.Context().Done():
			}
			return http.StatusOK
		}
		if n%97 == 5 {
			return http.StatusBadGateway // some retries, out of order
		}
		return http.StatusOK
	})
	t.Cleanup(func() { // runs before the receiver's Close, which waits for handlers
		for seq := range uint64(held + 1) {
			free(seq)
		}
	})
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url(), func(h *config.Webhook) { h.MaxInFlight = inflight }))
	var want []uint64
	for range 4 {
		want = append(want, appendEvents(t, j, 500)...)
	}
	next := func() uint64 {
		t.Helper()
		select {
		case seq := <-arrived:
			return seq
		case <-time.After(10 * time.Second):
			t.Fatal("no further request")
			return 0
		}
	}
	var first []uint64
	for range inflight {
		first = append(first, next())
	}
	slices.Sort(first)
	if diff := cmp.Diff(seqRange(1, inflight), first); diff != "" {
		t.Fatalf("the first %d requests, all in flight at once (-want +got):\n%s", inflight, diff)
	}
	for _, seq := range []uint64{4, 3, 2} {
		free(seq)
		// A new request starts only when a delivery has finished.
		if got, want := next(), 9-seq; got != want {
			t.Fatalf("after record %d was answered: a request for %d, want %d", seq, got, want)
		}
		if c := healthOf(t, m, rv.url()).Cursor; c != 0 {
			t.Fatalf("cursor %d while record 1 is in flight", c)
		}
	}
	free(1)
	waitFor(t, 10*time.Second, "cursor at 4", func() bool { return healthOf(t, m, rv.url()).Cursor == 4 })
	for seq := uint64(inflight + 1); seq <= held; seq++ {
		free(seq)
	}
	waitFor(t, 30*time.Second, "cursor at the end", func() bool { return healthOf(t, m, rv.url()).Cursor == 2000 })
	got := rv.delivered()
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered (sorted; -want +got):\n%s", diff)
	}
	rv.mu.Lock()
	peak := rv.peak
	rv.mu.Unlock()
	if peak != inflight {
		t.Errorf("at most %d requests at once, want %d", peak, inflight)
	}
	if h := healthOf(t, m, rv.url()); h.Delivered != 2000 || h.Failed == 0 || h.QueueDepth != 0 {
		t.Errorf("health = %+v", h)
	}
}

// A receiver that never answers costs its own webhook a timeout per
// attempt and nothing else.
func TestHungReceiverDoesNotBlockOthers(t *testing.T) {
	j := openTestJournal(t)
	release := make(chan struct{})
	hung := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return 0
	})
	defer close(release)
	fast := newReceiver(t, false, nil)
	m := newTestManager(t, j)
	apply(t, m,
		testHook(hung.url(), func(h *config.Webhook) { h.Timeout = config.Duration(200 * time.Millisecond) }),
		testHook(fast.url()))
	seqs := appendEvents(t, j, 200)
	waitFor(t, 10*time.Second, "fast deliveries", func() bool { return len(fast.delivered()) == 200 })
	if diff := cmp.Diff(seqs, fast.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	// ConsecutiveFailures is counted after Failed: wait for it, then the
	// state is settled.
	waitFor(t, 5*time.Second, "a timeout", func() bool { return healthOf(t, m, hung.url()).ConsecutiveFailures > 0 })
	h := healthOf(t, m, hung.url())
	if h.Delivered != 0 || h.State != StateRetrying || !strings.Contains(h.LastError, "no response within 200ms") || h.QueueDepth != 200 {
		t.Errorf("hung webhook health = %+v", h)
	}
}

// trimmingJournal pretends retention deleted every record below oldest.
type trimmingJournal struct {
	*journal.Journal
	oldest atomic.Uint64
	reads  atomic.Int64
	maxLen atomic.Int64
}

func (tj *trimmingJournal) Read(from uint64, max int) ([]journal.Record, error) {
	tj.reads.Add(1)
	if o := tj.oldest.Load(); from < o {
		return nil, &journal.TrimmedError{Requested: from, Oldest: o}
	}
	recs, err := tj.Journal.Read(from, max)
	if n := int64(len(recs)); n > tj.maxLen.Load() {
		tj.maxLen.Store(n)
	}
	return recs, err
}

func TestLostRetention(t *testing.T) {
	tj := &trimmingJournal{Journal: openTestJournal(t)}
	var up atomic.Bool
	rv := newReceiver(t, false, func(http.ResponseWriter, *http.Request, int, uint64) int {
		if up.Load() {
			return 200
		}
		return 503
	})
	m := newTestManager(t, tj)
	hook := testHook(rv.url())
	apply(t, m, hook)
	appendEvents(t, tj.Journal, 10)
	waitFor(t, 5*time.Second, "failures", func() bool { return healthOf(t, m, rv.url()).Failed > 3 })
	// Stop, let retention "delete" 1..6, start again.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.Stop(ctx)
	tj.oldest.Store(7)
	up.Store(true)
	m = newTestManager(t, tj)
	apply(t, m, hook)
	waitFor(t, 5*time.Second, "the rest", func() bool { return healthOf(t, m, rv.url()).Cursor == 10 })
	if h := healthOf(t, m, rv.url()); h.LostRetention != 6 || h.Delivered != 4 {
		t.Errorf("health = %+v", h)
	}
	if diff := cmp.Diff(seqRange(7, 10), rv.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if st := readState(t, tj.Journal, rv.url()); len(st.Retries) != 0 {
		t.Errorf("retry of a trimmed record kept: %+v", st)
	}
}

// A dead receiver with a large backlog costs one batch of memory: the
// worker does not read ahead while the head record is retried.
func TestBacklogIsNotBuffered(t *testing.T) {
	tj := &trimmingJournal{Journal: openTestJournal(t)}
	rv := newReceiver(t, false, func(http.ResponseWriter, *http.Request, int, uint64) int { return 503 })
	m := newTestManager(t, tj)
	apply(t, m, testHook(rv.url()))
	appendEvents(t, tj.Journal, 5000)
	waitFor(t, 5*time.Second, "retries", func() bool { return healthOf(t, m, rv.url()).Failed > 100 })
	if n, max := tj.reads.Load(), tj.maxLen.Load(); n > 3 || max > DefaultBatch {
		t.Errorf("%d reads, up to %d records each, while the head record was failing", n, max)
	}
	// Failed and ConsecutiveFailures are two counters, read while an
	// attempt may be between its two increments.
	if h := healthOf(t, m, rv.url()); h.QueueDepth != 5000 || h.Failed-h.ConsecutiveFailures > 1 {
		t.Errorf("health = %+v", h)
	}
}

func readState(t *testing.T, j Journal, url string) persisted {
	t.Helper()
	b, err := j.State(ConsumerName(config.IDFromURL(url)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := decodeState(b)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A record told to come back in an hour (Retry-After) retries as soon as
// another record of the same webhook is delivered: the receiver is back, and
// with the cursor held at the waiting record nothing else could drain.
func TestRecoveryWakesBackoff(t *testing.T) {
	j := openTestJournal(t)
	first := true
	var mu sync.Mutex
	rv := newReceiver(t, false, func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int {
		mu.Lock()
		defer mu.Unlock()
		if first && seq == 1 {
			first = false
			w.Header().Set("Retry-After", "3600")
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	m := newTestManager(t, j)
	apply(t, m, testHook(rv.url(), func(h *config.Webhook) { h.MaxInFlight = 4 }))
	want := appendEvents(t, j, 50)
	// Without the wake-up, record 1 would wait an hour (the test's 30s
	// deadline is no timing assertion).
	waitFor(t, 30*time.Second, "cursor at the end", func() bool { return healthOf(t, m, rv.url()).Cursor == 50 })
	got := rv.delivered()
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered (sorted; -want +got):\n%s", diff)
	}
	if h := healthOf(t, m, rv.url()); h.Retried != 1 || h.Failed != 1 {
		t.Errorf("retried %d, failed %d; want 1 and 1", h.Retried, h.Failed)
	}
}
