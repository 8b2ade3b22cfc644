package webhooks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// Options configure a Manager.
type Options struct {
	// Journal is the daemon's journal; required.
	Journal Journal
	// NodeID is this node's glusterd UUID, the "nodeid" of every body.
	NodeID string
	// Version goes into the User-Agent: "gluster-eventing/<Version>".
	Version string
	// Logger receives delivery problems; nil discards them.
	Logger *slog.Logger
	// BatchSize is how many records a worker reads at a time; 0 means
	// DefaultBatch.
	BatchSize int
	// Rand returns a number in [0, 1) for the backoff jitter; nil means
	// math/rand/v2.Float64. Tests make it return 0 to retry at once.
	Rand func() float64
	// Proxy picks the HTTP proxy for a webhook URL; nil means the
	// environment's (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), as
	// http.ProxyFromEnvironment reads them.
	Proxy ProxyFunc
	// Sinks build the sinks of notifiers, by kind (config.KindExec, ...);
	// a kind without one makes its notifiers fail with an error in their
	// health. NewManager adds NewExecSink for exec when it is missing.
	Sinks map[string]SinkFactory
}

// Manager runs one Worker per configured webhook. Its methods are safe for
// concurrent use.
type Manager struct {
	opts Options

	applyMu sync.Mutex // serializes Apply and Stop

	mu        sync.Mutex // guards workers, notifiers and closed
	workers   map[string]*Worker
	notifiers map[string]*Worker // by notifier id
	closed    bool
}

// NewManager returns a Manager with no webhooks; Apply starts them.
func NewManager(opts Options) (*Manager, error) {
	if opts.Journal == nil {
		return nil, errors.New("webhooks: no journal")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatch
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.Proxy == nil {
		opts.Proxy = envProxy
	}
	sinks := maps.Clone(opts.Sinks)
	if sinks == nil {
		sinks = map[string]SinkFactory{}
	}
	if sinks[config.KindExec] == nil {
		sinks[config.KindExec] = NewExecSink
	}
	opts.Sinks = sinks
	return &Manager{opts: opts, workers: make(map[string]*Worker), notifiers: make(map[string]*Worker)}, nil
}

// Apply makes the running webhooks those of hooks, matched by id
// ([config.Webhook.Key]):
//   - an unchanged webhook keeps running untouched;
//   - a changed one (its URL and credentials included) is stopped and
//     started again at its persisted cursor, so its backlog survives;
//     the records it was retrying go out at once with a fresh attempt
//     count, and a webhook its receiver disabled with 410 Gone is enabled;
//   - a removed one is stopped and its cursor and state are deleted;
//   - a new one starts with the events journaled from now on.
//
// Stopping waits, within ctx, for each stopped worker's attempt in flight;
// when ctx ends such attempts are cancelled and their records will be sent
// again. Apply returns an error (and changes nothing) if two webhooks have
// the same URL or the Manager is stopped; otherwise it applies everything
// and returns ctx.Err() if it had to cancel attempts. Two webhooks with the
// same id are refused.
func (m *Manager) Apply(ctx context.Context, hooks []config.Webhook) error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	want := make(map[string]config.Webhook, len(hooks))
	for _, h := range hooks {
		if _, dup := want[h.Key()]; dup {
			return fmt.Errorf("webhooks: apply: two webhooks with id %s (%s)", h.Key(), displayURL(h.URL))
		}
		want[h.Key()] = h
	}
	return reconcile(ctx, m, want, fleet[config.Webhook]{
		running: m.workers,
		op:      "apply",
		same:    func(w *Worker, h *config.Webhook) bool { return sameWebhook(&w.t.hook, h) },
		forgotten: func(w *Worker, err error) error {
			return fmt.Errorf("webhooks: forget %s: %w", w.display, err)
		},
		enable: func(h *config.Webhook) error {
			if err := m.editState(ConsumerName(h.Key()), enableState); err != nil {
				return fmt.Errorf("webhooks: enable %s: %w", displayURL(h.URL), err)
			}
			return nil
		},
		target: func(h config.Webhook) target { return webhookTarget(h, &m.opts) },
	})
}

// fleet is what reconcile makes run: the workers of the webhooks or of the
// notifiers, configured by a C.
type fleet[C any] struct {
	// running are the workers by id, m.workers or m.notifiers.
	running map[string]*Worker
	// op names the call in its errors: "apply".
	op string
	// same reports whether the running worker w can keep running for c.
	same func(w *Worker, c *C) bool
	// forgotten is the error of deleting the cursor and state of w,
	// removed.
	forgotten func(w *Worker, err error) error
	// enable clears the persisted 410 Gone and retry backoff of c, whose
	// worker is stopped.
	enable func(c *C) error
	// target is the target of c's worker.
	target func(c C) target
}

// reconcile makes the workers of f those of want, by id, as Apply
// describes: an unchanged one keeps running, a changed one is stopped and
// started again at its cursor (enabled), a removed one is stopped and its
// cursor and state deleted, a new one starts. The caller holds applyMu.
func reconcile[C any](ctx context.Context, m *Manager, want map[string]C, f fleet[C]) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return fmt.Errorf("webhooks: %s: manager is stopped", f.op)
	}
	var stopping, removed []*Worker
	var start []string
	for id, w := range f.running {
		c, ok := want[id]
		switch {
		case !ok:
			stopping = append(stopping, w)
			removed = append(removed, w)
		case !f.same(w, &c):
			stopping = append(stopping, w)
			start = append(start, id)
		}
	}
	for id := range want {
		if _, ok := f.running[id]; !ok {
			start = append(start, id)
		}
	}
	m.mu.Unlock()

	err := stopAll(ctx, stopping)
	j := m.opts.Journal
	for _, w := range removed {
		// Deleting both is what makes a later webhook with this URL new.
		if e := errors.Join(j.DeleteCursor(w.name), j.PutState(w.name, nil)); e != nil {
			err = errors.Join(err, f.forgotten(w, e))
		}
		w.log.Info(w.t.noun + " removed")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range removed {
		delete(f.running, w.t.id)
	}
	for _, id := range start {
		c := want[id]
		if _, changed := f.running[id]; changed {
			if e := f.enable(&c); e != nil {
				err = errors.Join(err, e)
			}
		}
		w := newWorker(f.target(c), &m.opts)
		f.running[id] = w
		w.start()
	}
	return err
}

// enableState clears a persisted 410 Gone and the retry backoff: a
// changed config is a fresh start for the records being retried, which go
// out at once with a new attempt count, instead of waiting out the backoff
// the old settings earned.
func enableState(st *persisted) {
	st.Disabled, st.DisabledAt = false, time.Time{}
	for i := range st.Retries {
		st.Retries[i].Attempts, st.Retries[i].NextAt = 0, time.Time{}
	}
}

// editState changes the persisted state, the blob name, of a webhook or
// notifier whose worker is stopped.
func (m *Manager) editState(name string, fn func(st *persisted)) error {
	j := m.opts.Journal
	b, err := j.State(name)
	if err != nil {
		return err
	}
	st, _ := decodeState(b) // an unreadable state starts afresh, as the worker would
	fn(&st)
	if b, err = encodeState(&st); err != nil {
		return err
	}
	return j.PutState(name, b)
}

// Stop stops every worker: they take no new records and finish the
// attempts in flight within ctx; after that those attempts are cancelled
// (their records stay undelivered, to be sent after the next start) and
// Stop returns ctx.Err(). The Manager cannot be used again.
func (m *Manager) Stop(ctx context.Context) error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	m.mu.Lock()
	m.closed = true
	ws := make([]*Worker, 0, len(m.workers)+len(m.notifiers))
	for _, w := range m.workers {
		ws = append(ws, w)
	}
	for _, w := range m.notifiers {
		ws = append(ws, w)
	}
	m.mu.Unlock()
	return stopAll(ctx, ws)
}

// Health returns the health of every webhook, ordered by URL.
func (m *Manager) Health() []Health {
	ws := m.snapshot(m.workers)
	hs := make([]Health, len(ws))
	for i, w := range ws {
		hs[i] = w.Health()
	}
	slices.SortFunc(hs, func(a, b Health) int { return cmp.Compare(a.URL, b.URL) })
	return hs
}

// DeadLetters returns the records the webhook with this id gave up on, in
// the order it gave up on them, and false if there is no such webhook.
func (m *Manager) DeadLetters(id string) ([]DeadLetter, bool) {
	return m.deadLetters(m.workers, id)
}

// snapshot returns the workers of ws, m.workers or m.notifiers.
func (m *Manager) snapshot(ws map[string]*Worker) []*Worker {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Values(ws))
}

// deadLetters returns the records the worker of id in ws (m.workers or
// m.notifiers) gave up on, and false if there is no such worker.
func (m *Manager) deadLetters(ws map[string]*Worker, id string) ([]DeadLetter, bool) {
	m.mu.Lock()
	w := ws[id]
	m.mu.Unlock()
	if w == nil {
		return nil, false
	}
	return w.DeadLetters(), true
}

// stopAll stops workers concurrently, all within ctx.
func stopAll(ctx context.Context, ws []*Worker) error {
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() { errs[i] = w.stop(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("webhooks: cancelled attempts in flight: %w", ctx.Err())
	}
	return nil
}

// sameWebhook reports whether a worker running a can keep running for b.
func sameWebhook(a, b *config.Webhook) bool {
	x, y := *a, *b
	x.Events, y.Events = nil, nil // nil and empty mean the same
	return reflect.DeepEqual(x, y) && slices.Equal(a.Events, b.Events)
}

// SendTestEvent sends one synthetic TEST event to hook, as the
// webhook-test command does, and returns the receiver's HTTP status. err
// is set only when no response came (connection, TLS or timeout); any
// status, 2xx or not, is returned with a nil error. The body has the shape of the webhook's
// format: {"event": "TEST", "message": {}, "nodeid": ..., "ts": ...} for
// legacy (glustereventsd's webhook-test sent an empty body), a
// "gluster.test" Standard Webhooks body with seq 0 for standard.
func SendTestEvent(ctx context.Context, hook config.Webhook, nodeID, version string) (status int, err error) {
	s, err := newSender(&hook, userAgent(version), envProxy)
	if err != nil {
		return 0, fmt.Errorf("webhook test %s: %w", displayURL(hook.URL), err)
	}
	defer s.close()
	now := time.Now()
	m := testMessage(hook.Format, nodeID, now)
	if hook.Enrich && hook.Format == config.FormatLegacy {
		enrichTestMessage(m, nodeID)
	}
	status, _, err = s.post(ctx, m, now)
	if err != nil {
		return 0, fmt.Errorf("webhook test %s: %w", displayURL(hook.URL), err)
	}
	return status, nil
}

// testEvent is the event name of SendTestEvent deliveries.
const testEvent = "TEST"

func testMessage(format, nodeID string, now time.Time) *message {
	m := &message{event: testEvent, ts: now.Unix()}
	if format == config.FormatStandard {
		b := testBody(nodeID, now)
		m.id = b.ID
		m.body, _ = AppendStandardBody(nil, b) // cannot fail: strings and numbers
		return m
	}
	b := append([]byte(`{"event": "TEST", "message": {}, "nodeid": `), appendPyString(nil, nodeID)...)
	b = append(b, `, "ts": `...)
	b = fmt.Appendf(b, "%d}", m.ts)
	m.body = b
	return m
}
