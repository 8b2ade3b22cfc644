package webhooks

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

const testNodeID = "ea301ba8-4257-4b63-8881-8e868866d038"

// testSigningSecret is "whsec_" and base64 of 24 bytes.
const testSigningSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// openTestJournal opens a journal in t's temporary directory, closed at
// cleanup. t is a *testing.T or a *testing.B (benchmarks).
func openTestJournal(t testing.TB) *journal.Journal {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// appendEvents journals n events cycling through types (VOLUME_START if
// none) and returns their seqs. Each event's "seq" field holds its journal
// seq, so that legacy bodies can be matched to records too.
func appendEvents(t testing.TB, j *journal.Journal, n int, types ...gfevent.Type) []uint64 {
	t.Helper()
	if len(types) == 0 {
		types = []gfevent.Type{gfevent.VolumeStart}
	}
	first := j.LastSeq() + 1
	data := make([][]byte, n)
	seqs := make([]uint64, n)
	for i := range n {
		seq := first + uint64(i)
		rec := evrec.Record{
			Received: time.Now(),
			Source:   "127.0.0.1",
			Event: gfevent.Event{
				Time:   1700000000 + int64(seq),
				Type:   types[i%len(types)],
				Fields: []gfevent.Field{{Key: "name", Value: "gv0"}, {Key: "seq", Value: strconv.FormatUint(seq, 10)}},
			},
		}
		b, err := rec.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		data[i], seqs[i] = b, seq
	}
	got, err := j.Append(context.Background(), data...)
	if err != nil {
		t.Fatal(err)
	}
	if got != first {
		t.Fatalf("appended at %d, want %d (tests append from one goroutine)", got, first)
	}
	return seqs
}

// recorded is one request a receiver got.
type recorded struct {
	seq    uint64
	status int
	at     time.Time
	header http.Header
	body   []byte
}

// receiver is an httptest server that records every request and answers
// with respond's status (200 if respond is nil; nothing if it is not
// positive, for a handler that hijacked or gave up).
type receiver struct {
	srv *httptest.Server

	mu      sync.Mutex
	respond func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int
	reqs    []recorded
	active  int // handlers running now
	peak    int // most handlers running at once
}

func newReceiver(t *testing.T, tls bool, respond func(w http.ResponseWriter, r *http.Request, n int, seq uint64) int) *receiver {
	rv := &receiver{respond: respond}
	h := http.HandlerFunc(rv.serve)
	if tls {
		rv.srv = httptest.NewTLSServer(h)
	} else {
		rv.srv = httptest.NewServer(h)
	}
	t.Cleanup(rv.srv.Close)
	return rv
}

func (rv *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	seq := bodySeq(body)
	rv.mu.Lock()
	n := len(rv.reqs)
	rv.reqs = append(rv.reqs, recorded{seq: seq, at: time.Now(), header: r.Header.Clone(), body: body})
	rv.active++
	rv.peak = max(rv.peak, rv.active)
	respond := rv.respond
	rv.mu.Unlock()
	status := http.StatusOK
	if respond != nil {
		status = respond(w, r, n, seq)
	}
	rv.mu.Lock()
	rv.reqs[n].status = status
	rv.active--
	rv.mu.Unlock()
	if status > 0 {
		w.WriteHeader(status)
	}
}

// bodySeq finds the journal seq in a standard body ("seq") or a legacy one
// (the "seq" field appendEvents adds to the message).
func bodySeq(body []byte) uint64 {
	var b struct {
		Seq     uint64            `json:"seq"`
		Message map[string]string `json:"message"`
	}
	json.Unmarshal(body, &b)
	if b.Seq == 0 && b.Message != nil {
		b.Seq, _ = strconv.ParseUint(b.Message["seq"], 10, 64)
	}
	return b.Seq
}

func (rv *receiver) requests() []recorded {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]recorded(nil), rv.reqs...)
}

// delivered returns the seqs acknowledged with a 2xx, in arrival order.
func (rv *receiver) delivered() []uint64 {
	var seqs []uint64
	for _, r := range rv.requests() {
		if r.status >= 200 && r.status < 300 {
			seqs = append(seqs, r.seq)
		}
	}
	return seqs
}

func (rv *receiver) count() int {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return len(rv.reqs)
}

func (rv *receiver) url() string { return rv.srv.URL + "/hook" }

func testHook(url string, mods ...func(*config.Webhook)) config.Webhook {
	h := config.DefaultWebhook()
	h.URL = url
	h.Format = config.FormatStandard
	h.SigningSecret = testSigningSecret
	h.Timeout = config.Duration(5 * time.Second)
	for _, m := range mods {
		m(&h)
	}
	return h
}

// newTestManager returns a Manager over j that retries at once (no
// jitter) and logs to the test's output; it is stopped at cleanup.
func newTestManager(t *testing.T, j Journal) *Manager {
	t.Helper()
	return newTestManagerLogging(t, j, t.Output())
}

func newTestManagerLogging(t *testing.T, j Journal, log io.Writer) *Manager {
	t.Helper()
	m, err := NewManager(Options{
		Journal: j,
		NodeID:  testNodeID,
		Version: "1.2.3",
		Logger:  slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Rand:    func() float64 { return 0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m.Stop(ctx)
	})
	return m
}

func apply(t *testing.T, m *Manager, hooks ...config.Webhook) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Apply(ctx, hooks); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, timeout, what, cond)
}

// workerOf returns the worker the manager runs for hook.
func workerOf(t *testing.T, m *Manager, hook config.Webhook) *Worker {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.workers[hook.Key()]
	if w == nil {
		t.Fatalf("no worker for %s", displayURL(hook.URL))
	}
	return w
}

// waitExited waits until w's goroutine has returned. From then on the
// worker sends nothing, so a request count taken afterwards is final: this
// is how a test observes that something did not happen.
func waitExited(t *testing.T, w *Worker, what string) {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("the worker did not exit: %s", what)
	}
}

func healthOf(t *testing.T, m *Manager, url string) Health {
	t.Helper()
	want := displayURL(url)
	for _, h := range m.Health() {
		if h.URL == want {
			return h
		}
	}
	t.Fatalf("no health for %s", want)
	return Health{}
}

// seqRange is first..last.
func seqRange(first, last uint64) []uint64 {
	var s []uint64
	for q := first; q <= last; q++ {
		s = append(s, q)
	}
	return s
}
