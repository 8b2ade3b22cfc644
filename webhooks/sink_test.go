package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// fakeSink records every Send and answers with verdict (Delivered if nil).
// It batches when batching is set.
type fakeSink struct {
	batching *Batching
	verdict  func(n int, m *Message) Result

	mu     sync.Mutex
	sends  []fakeSend
	closed int
}

type fakeSend struct {
	at          time.Time
	seqs        []uint64
	first, last uint64
	res         Result
}

func (f *fakeSink) Send(_ context.Context, m *Message) Result {
	f.mu.Lock()
	n := len(f.sends)
	f.mu.Unlock()
	res := Result{Verdict: Delivered}
	if f.verdict != nil {
		res = f.verdict(n, m)
	}
	s := fakeSend{at: time.Now(), first: m.First, last: m.Last, res: res}
	for _, r := range m.Records {
		s.seqs = append(s.seqs, r.Seq)
	}
	f.mu.Lock()
	f.sends = append(f.sends, s)
	f.mu.Unlock()
	return res
}

func (f *fakeSink) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
	return nil
}

func (f *fakeSink) recorded() []fakeSend {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sends)
}

// delivered are the seqs of the delivered messages, in delivery order.
func (f *fakeSink) delivered() []uint64 {
	var out []uint64
	for _, s := range f.recorded() {
		if s.res.Verdict == Delivered {
			out = append(out, s.seqs...)
		}
	}
	return out
}

// batchingSink is a fakeSink that implements Batcher.
type batchingSink struct{ *fakeSink }

func (b batchingSink) Batching() Batching { return *b.batching }

// newFakeManager returns a Manager whose exec notifiers deliver to sink.
func newFakeManager(t *testing.T, sink *fakeSink) (*Manager, *journal.Journal) {
	t.Helper()
	j := openTestJournal(t)
	m, err := NewManager(Options{
		Journal: j,
		NodeID:  testNodeID,
		Logger:  slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Rand:    func() float64 { return 0 },
		Sinks: map[string]SinkFactory{config.KindExec: func(*config.Notifier, SinkEnv) (Sink, error) {
			if sink.batching != nil {
				return batchingSink{sink}, nil
			}
			return sink, nil
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m.Stop(ctx)
	})
	return m, j
}

var volumeStartStop = []gfevent.Type{gfevent.VolumeStart, gfevent.VolumeStop}

func fakeNotifier(mods ...func(*config.Notifier)) config.Notifier {
	return execNotifier([]string{"/bin/true"}, mods...)
}

// With an interval, a storm becomes few messages, never two within the
// interval, every event once and in order; the cursor moves over each
// message once it is delivered.
func TestBatchingInterval(t *testing.T) {
	const interval = time.Second
	sink := &fakeSink{batching: &Batching{Interval: interval, Max: 1000}}
	m, journal := newFakeManager(t, sink)
	applyNotifiers(t, m, fakeNotifier())
	start := time.Now()
	appendEvents(t, journal, 30)
	appendEvents(t, journal, 30)
	waitFor(t, 20*time.Second, "the first message", func() bool { return len(sink.recorded()) > 0 })
	if d := sink.recorded()[0].at.Sub(start); d < interval-50*time.Millisecond {
		t.Errorf("the first message went out %v after the first event, before the %v interval", d, interval)
	}
	appendEvents(t, journal, 40)
	waitFor(t, 20*time.Second, "every event", func() bool { return notifierHealth(t, m, "exec1").Cursor == 100 })
	sends := sink.recorded()
	if !slices.Equal(sink.delivered(), seqRange(1, 100)) {
		t.Fatalf("delivered %v, want 1..100 once each in order", sink.delivered())
	}
	if len(sends) > 4 {
		t.Errorf("%d messages for 100 events in two bursts", len(sends))
	}
	for i := 1; i < len(sends); i++ {
		if gap := sends[i].at.Sub(sends[i-1].at); gap < interval {
			t.Errorf("messages %d and %d %v apart, want at least %v", i-1, i, gap, interval)
		}
	}
	if h := notifierHealth(t, m, "exec1"); h.Delivered != 100 || h.State != StateOK {
		t.Errorf("health %+v", h)
	}
}

// Without an interval a batch is the events at hand, at most Max.
func TestBatchingMax(t *testing.T) {
	sink := &fakeSink{batching: &Batching{Max: 7}}
	m, journal := newFakeManager(t, sink)
	applyNotifiers(t, m, fakeNotifier())
	appendEvents(t, journal, 100)
	waitFor(t, 20*time.Second, "every event", func() bool { return notifierHealth(t, m, "exec1").Cursor == 100 })
	if !slices.Equal(sink.delivered(), seqRange(1, 100)) {
		t.Fatalf("delivered %v, want 1..100", sink.delivered())
	}
	full := 0
	for _, s := range sink.recorded() {
		if len(s.seqs) > 7 || s.first != s.seqs[0] || s.last != s.seqs[len(s.seqs)-1] {
			t.Errorf("message %+v", s)
		}
		if len(s.seqs) == 7 {
			full++
		}
	}
	if full < 10 {
		t.Errorf("%d full messages of 7 for 100 events appended at once", full)
	}
}

// A failed batch is retried whole, and the records the filter rejected
// inside it are part of its run: the cursor moves over all of them at once.
func TestBatchRetriedWhole(t *testing.T) {
	sink := &fakeSink{batching: &Batching{Max: 50}, verdict: func(n int, _ *Message) Result {
		if n < 2 {
			return Result{Verdict: Retry, Status: 75, Err: errors.New("try later")}
		}
		return Result{Verdict: Delivered}
	}}
	m, journal := newFakeManager(t, sink)
	applyNotifiers(t, m, fakeNotifier(func(n *config.Notifier) { n.Filter = "VOLUME_START" }))
	appendEvents(t, journal, 20, volumeStartStop...)
	waitFor(t, 20*time.Second, "the delivery", func() bool { return notifierHealth(t, m, "exec1").Cursor == 20 })
	sends := sink.recorded()
	if len(sends) != 3 {
		t.Fatalf("%d sends, want 3 (two failures, then the delivery)", len(sends))
	}
	for _, s := range sends {
		if s.first != 1 || s.last != 19 || len(s.seqs) != 10 {
			t.Errorf("send %+v, want the same batch of the 10 VOLUME_STARTs 1..19 each time", s)
		}
	}
	if h := notifierHealth(t, m, "exec1"); h.Delivered != 10 || h.Failed != 2 || h.Retried != 2 || h.LastError != "" {
		t.Errorf("health %+v", h)
	}
}

// A batch given up on is dead-lettered as one seq run; contiguous runs
// given up on for the same reason merge.
func TestBatchDeadLetteredAsRun(t *testing.T) {
	sink := &fakeSink{batching: &Batching{Max: 10}, verdict: func(int, *Message) Result {
		return Result{Verdict: Permanent, Err: errors.New("cannot encode")}
	}}
	m, journal := newFakeManager(t, sink)
	applyNotifiers(t, m, fakeNotifier())
	appendEvents(t, journal, 25)
	waitFor(t, 20*time.Second, "the dead letters", func() bool { return notifierHealth(t, m, "exec1").Cursor == 25 })
	dls, ok := m.NotifierDeadLetters("exec1")
	if !ok || len(dls) != 1 || dls[0].Seq != 1 || dls[0].LastSeq != 25 || dls[0].Error != "cannot encode" || dls[0].Attempts != 1 {
		t.Fatalf("dead letters %+v", dls)
	}
	if n := len(sink.recorded()); n != 3 {
		t.Errorf("%d sends, want 3 (10, 10, 5; a permanent failure is not retried)", n)
	}
	if h := notifierHealth(t, m, "exec1"); h.DeadLettered != 25 || h.DeadLetters != 25 || h.Delivered != 0 {
		t.Errorf("health %+v", h)
	}
}

// Gone twice in a row disables the notifier; a changed config enables it
// again, and the event it was at goes out.
func TestSinkGoneDisables(t *testing.T) {
	var mu sync.Mutex
	gone := true
	sink := &fakeSink{verdict: func(int, *Message) Result {
		mu.Lock()
		defer mu.Unlock()
		if gone {
			return Result{Verdict: Gone, Status: 410, Err: errors.New("unsubscribed")}
		}
		return Result{Verdict: Delivered}
	}}
	m, journal := newFakeManager(t, sink)
	applyNotifiers(t, m, fakeNotifier())
	appendEvents(t, journal, 3)
	waitFor(t, 20*time.Second, "disabled", func() bool { return notifierHealth(t, m, "exec1").State == StateDisabled })
	if n := len(sink.recorded()); n != 2 {
		t.Errorf("%d sends before disabling, want 2 (asked again once)", n)
	}
	mu.Lock()
	gone = false
	mu.Unlock()
	applyNotifiers(t, m, fakeNotifier(func(n *config.Notifier) { n.MaxAttempts = 5 }))
	waitFor(t, 20*time.Second, "delivered after the change", func() bool { return notifierHealth(t, m, "exec1").Cursor == 3 })
	if !slices.Equal(sink.delivered(), []uint64{1, 2, 3}) {
		t.Errorf("delivered %v", sink.delivered())
	}
}

// A sink that cannot be built shows why in the health and is tried again.
func TestSinkFactoryError(t *testing.T) {
	j := openTestJournal(t)
	var mu sync.Mutex
	fail := true
	sink := &fakeSink{}
	m, err := NewManager(Options{Journal: j, NodeID: testNodeID, Rand: func() float64 { return 0 },
		Sinks: map[string]SinkFactory{config.KindExec: func(*config.Notifier, SinkEnv) (Sink, error) {
			mu.Lock()
			defer mu.Unlock()
			if fail {
				return nil, errors.New("password_file /etc/x: permission denied")
			}
			return sink, nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	applyNotifiers(t, m, fakeNotifier())
	appendEvents(t, j, 1)
	waitFor(t, 10*time.Second, "the error in the health", func() bool {
		return notifierHealth(t, m, "exec1").LastError == "password_file /etc/x: permission denied"
	})
	mu.Lock()
	fail = false
	mu.Unlock()
	// The first retry is after a second at least.
	waitFor(t, 20*time.Second, "the delivery", func() bool { return notifierHealth(t, m, "exec1").Delivered == 1 })
}

// An unknown kind, or one this daemon has no sink for, fails visibly.
func TestNotifierWithoutSink(t *testing.T) {
	j := openTestJournal(t)
	m, err := NewManager(Options{Journal: j, NodeID: testNodeID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	n := fakeNotifier()
	n.Kind, n.Exec = config.KindSNMP, nil
	applyNotifiers(t, m, n)
	waitFor(t, 10*time.Second, "the error in the health", func() bool {
		return notifierHealth(t, m, "exec1").LastError == `notifier kind "snmp" is not supported by this daemon`
	})
	if res := SendTest(t.Context(), n, nil, SinkEnv{}); res.Verdict != Permanent || res.Err == nil {
		t.Errorf("SendTest = %+v", res)
	}
}

// A notifier's dead letters are replayed like a webhook's: in batches for
// a batching sink, before new events; a replay from a seq sends the
// journal again from there.
func TestNotifierReplay(t *testing.T) {
	var mu sync.Mutex
	broken := true
	sink := &fakeSink{batching: &Batching{Max: 4}, verdict: func(int, *Message) Result {
		mu.Lock()
		defer mu.Unlock()
		if broken {
			return Result{Verdict: Permanent, Err: errors.New("template error")}
		}
		return Result{Verdict: Delivered}
	}}
	m, journal := newFakeManager(t, sink)
	applyNotifiers(t, m, fakeNotifier())
	appendEvents(t, journal, 10)
	waitFor(t, 20*time.Second, "the dead letters", func() bool { return notifierHealth(t, m, "exec1").DeadLetters == 10 })
	mu.Lock()
	broken = false
	mu.Unlock()
	res, err := m.ReplayNotifierDeadLetters(t.Context(), "exec1")
	if err != nil || res.Records != 10 || res.From != 1 || res.To != 10 {
		t.Fatalf("ReplayNotifierDeadLetters = %+v, %v", res, err)
	}
	waitFor(t, 20*time.Second, "the replay", func() bool { return slices.Equal(sink.delivered(), seqRange(1, 10)) })
	for _, s := range sink.recorded()[3:] {
		if len(s.seqs) > 4 {
			t.Errorf("replayed message of %d events, max 4", len(s.seqs))
		}
	}
	if h := notifierHealth(t, m, "exec1"); h.DeadLetters != 0 {
		t.Errorf("health after the replay %+v", h)
	}
	if _, err := m.ReplayNotifierFrom(t.Context(), "exec1", 9); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the replay from 9", func() bool { return len(sink.delivered()) == 12 })
	if got := sink.delivered()[10:]; !slices.Equal(got, []uint64{9, 10}) {
		t.Errorf("replay from 9 sent %v", got)
	}
	if _, err := m.ReplayNotifierFrom(t.Context(), "nosuch", 1); !errors.Is(err, ErrNoNotifier) {
		t.Errorf("replay of an unknown notifier: %v", err)
	}
	if _, err := m.ReplayFrom(t.Context(), "exec1", 1); !errors.Is(err, ErrNoWebhook) {
		t.Errorf("a notifier's id replayed as a webhook's: %v", err)
	}
}

// A batch is due after its interval even while the journal never runs
// dry (records the filter rejects keep arriving).
func TestBatchingIntervalBusyJournal(t *testing.T) {
	const interval = 200 * time.Millisecond
	sink := &fakeSink{batching: &Batching{Interval: interval, Max: 1000}}
	m, journal := newFakeManager(t, sink)
	applyNotifiers(t, m, fakeNotifier(func(n *config.Notifier) { n.Filter = "VOLUME_STOP" }))
	appendEvents(t, journal, 1, gfevent.VolumeStop)
	start := time.Now()
	for time.Since(start) < 3*time.Second && len(sink.recorded()) == 0 {
		appendEvents(t, journal, 1) // VOLUME_START: filtered out
		time.Sleep(5 * time.Millisecond)
	}
	if len(sink.recorded()) == 0 {
		t.Fatalf("no message after %v of a busy journal, with an interval of %v", time.Since(start), interval)
	}
	if s := sink.recorded()[0]; !slices.Equal(s.seqs, []uint64{1}) {
		t.Errorf("message %+v, want the VOLUME_STOP alone", s)
	}
}

// A notifier's cursor and retry state are its own and survive a restart
// of the manager (the daemon): nothing is lost or sent twice.
func TestNotifierCursorSurvivesRestart(t *testing.T) {
	j := openTestJournal(t)
	var mu sync.Mutex
	up := false
	sink := &fakeSink{verdict: func(_ int, m *Message) Result {
		mu.Lock()
		defer mu.Unlock()
		if !up && m.First > 5 {
			return Result{Verdict: Retry, Err: errors.New("down")}
		}
		return Result{Verdict: Delivered}
	}}
	start := func() *Manager {
		m, err := NewManager(Options{Journal: j, NodeID: testNodeID, Rand: func() float64 { return 0 },
			Sinks: map[string]SinkFactory{config.KindExec: func(*config.Notifier, SinkEnv) (Sink, error) { return sink, nil }}})
		if err != nil {
			t.Fatal(err)
		}
		applyNotifiers(t, m, fakeNotifier())
		return m
	}
	m := start()
	appendEvents(t, j, 10)
	waitFor(t, 20*time.Second, "5 delivered and the 6th failing", func() bool {
		h := notifierHealth(t, m, "exec1")
		return h.Cursor == 5 && h.Failed > 0
	})
	if err := m.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := j.State(NotifierConsumerName("exec1"))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := decodeState(b); err != nil || len(st.Retries) != 1 || st.Retries[0].Seq != 6 || st.FailingSince.IsZero() {
		t.Errorf("persisted state %+v, %v: want the retry of seq 6", st, err)
	}
	mu.Lock()
	up = true
	mu.Unlock()
	m = start()
	t.Cleanup(func() { m.Stop(context.Background()) })
	waitFor(t, 20*time.Second, "the rest delivered", func() bool { return notifierHealth(t, m, "exec1").Cursor == 10 })
	if !slices.Equal(sink.delivered(), seqRange(1, 10)) {
		t.Errorf("delivered %v, want 1..10 once each", sink.delivered())
	}
	if c, ok, err := j.Cursor(NotifierConsumerName("exec1")); err != nil || !ok || c != 10 {
		t.Errorf("journal cursor %q = %d %v %v", NotifierConsumerName("exec1"), c, ok, err)
	}
}
