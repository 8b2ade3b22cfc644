package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// Journal is what workers need from the daemon's journal.
// *journal.Journal implements it.
type Journal interface {
	Read(from uint64, max int) ([]journal.Record, error)
	Wait(ctx context.Context, after uint64) error
	LastSeq() uint64
	Epoch() string
	SetCursor(name string, seq uint64) error
	Cursor(name string) (seq uint64, ok bool, err error)
	DeleteCursor(name string) error
	PutState(name string, b []byte) error
	State(name string) ([]byte, error)
}

var _ Journal = (*journal.Journal)(nil)

// Worker states, as Health reports them.
const (
	StateOK       = "ok"       // delivering, or idle and up to date
	StateRetrying = "retrying" // the last attempt failed; a retry is scheduled
	StateDisabled = "disabled" // the receiver answered 410 Gone
	StateStopped  = "stopped"  // the worker has exited
)

const (
	// DefaultBatch is how many journal records a worker reads at a time;
	// it bounds a worker's memory whatever its backlog.
	DefaultBatch = 256
	// minLookahead is the least distance, in records, that a worker with
	// MaxInFlight > 1 may run ahead of its cursor (the oldest record not
	// yet finished). It bounds the set of finished records above the
	// cursor while one record is retried.
	minLookahead = 1024
	// journalRetry is the pause after a journal read error.
	journalRetry = time.Second
)

// Health is a snapshot of a worker for the API, D-Bus and metrics: the
// API's wire type itself, so that a field added here reaches every client.
// It never holds secrets.
type Health = api.Webhook

// Worker delivers one webhook's or notifier's events from the journal to
// its Sink. Workers are made and stopped by a Manager.
//
// A worker reads the journal after its cursor in batches of at most
// Options.BatchSize records, whatever its backlog, and skips the records
// its filter rejects. With MaxInFlight 1 it sends one record at a time, in
// order, retrying the head record until it is delivered or dead-lettered.
// With MaxInFlight N it keeps up to N requests in flight (receivers order
// by the body's seq); the cursor only moves over contiguous finished
// records, a record being retried holds the worker at most a few thousand
// records ahead of it, and after a restart the records finished above the
// cursor are sent again. A sink that batches gets messages of several
// records (see Batching); a message is delivered, retried and dead-lettered
// as one, keyed by its first seq.
//
// Delivery is at least once: the cursor is written to the journal after
// each finished record and becomes durable with the next group commit.
type Worker struct {
	t       target
	name    string // journal consumer name
	display string // URL or target safe to show
	j       Journal
	nodeID  string
	batch   int
	rnd     func() float64
	log     *slog.Logger

	// soft ends the reading of new records and the waits between
	// attempts; hard cancels an attempt in flight.
	soft, hard         context.Context
	stopSoft, stopHard context.CancelFunc
	done               chan struct{}
	loadErr            error // set by start before run

	delivered, failed, retried, deadLettered, lostRetention, consecutive atomic.Uint64
	cursor                                                               atomic.Uint64

	repeats repeats // dedup's memory; the pump goroutine's alone

	mu          sync.Mutex
	st          persisted           // mirrored to the journal's state blob
	finished    map[uint64]struct{} // finished seqs above the cursor
	advanced    chan struct{}       // closed and replaced when the cursor moves
	recovered   chan struct{}       // closed and replaced when a delivery succeeds after failures
	stopped     bool
	lastAttempt time.Time
	lastStatus  int
	lastError   string
}

func newWorker(t target, o *Options) *Worker {
	soft, stopSoft := context.WithCancel(context.Background())
	hard, stopHard := context.WithCancel(context.Background())
	w := &Worker{
		t:         t,
		name:      t.consumer,
		display:   t.display,
		j:         o.Journal,
		nodeID:    o.NodeID,
		batch:     o.BatchSize,
		rnd:       o.Rand,
		soft:      soft,
		hard:      hard,
		stopSoft:  stopSoft,
		stopHard:  stopHard,
		done:      make(chan struct{}),
		finished:  make(map[uint64]struct{}),
		advanced:  make(chan struct{}),
		recovered: make(chan struct{}),
	}
	w.log = t.logger(o.Logger)
	return w
}

// start loads the worker's cursor and state, so that a new webhook's
// events begin right after the records journaled before start returns, and
// starts delivering.
func (w *Worker) start() {
	w.loadErr = w.load()
	go w.run()
}

// stop makes the worker stop taking records and waits for the attempt in
// flight, if any; when ctx ends first it cancels that attempt, whose record
// stays undelivered (the cursor does not move past it). It returns
// ctx.Err() if it had to cancel.
func (w *Worker) stop(ctx context.Context) error {
	w.stopSoft()
	var err error
	select {
	case <-w.done:
	case <-ctx.Done():
		err = ctx.Err()
		w.stopHard()
		<-w.done
	}
	w.stopHard()
	return err
}

func (w *Worker) run() {
	defer close(w.done)
	defer func() {
		w.mu.Lock()
		w.stopped = true
		w.mu.Unlock()
	}()
	if w.loadErr != nil {
		w.log.Error(w.t.noun+" worker cannot start", "err", w.loadErr)
		w.noteError(w.loadErr)
		return
	}
	if w.disabled() {
		w.log.Warn(w.t.noun + " is disabled (its receiver answered 410 Gone); change its config to enable it again")
		return
	}
	s := w.buildSink()
	if s == nil {
		return
	}
	defer func() {
		if err := s.Close(); err != nil {
			w.log.Warn("closing "+w.t.noun+" sink", "err", err)
		}
	}()
	w.pump(s)
}

// load reads the worker's cursor and retry state from the journal. A
// webhook without a cursor is new and starts after the journal's last
// record.
func (w *Worker) load() error {
	b, err := w.j.State(w.name)
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	st, err := decodeState(b)
	if err != nil {
		w.log.Warn("discarding unreadable "+w.t.noun+" state", "err", err)
	}
	cursor, ok, err := w.j.Cursor(w.name)
	if err != nil {
		return fmt.Errorf("read cursor: %w", err)
	}
	if !ok {
		cursor = w.j.LastSeq()
		if err := w.j.SetCursor(w.name, cursor); err != nil {
			return fmt.Errorf("set cursor: %w", err)
		}
	}
	st.dropRetriesUpTo(cursor)
	if !st.ReplayedAt.IsZero() && time.Since(st.ReplayedAt) > w.t.maxAge {
		st.ReplayedAt = time.Time{} // every replayed record has had its MaxAge
	}
	w.mu.Lock()
	w.st = st
	w.mu.Unlock()
	w.cursor.Store(cursor)
	return nil
}

// buildSink makes the sink, retrying while it fails (e.g. an unreadable
// ca_file). It returns nil when the worker is stopped.
func (w *Worker) buildSink() Sink {
	for attempt := 1; ; attempt++ {
		s, err := w.t.newSink()
		if err == nil {
			return s
		}
		w.failed.Add(1)
		if w.consecutive.Add(1) == 1 {
			w.log.Error("cannot set up "+w.t.noun+" delivery", "err", err)
		}
		w.noteError(err)
		if !sleep(w.soft, max(Delay(attempt, 0, w.rnd), time.Second)) {
			return nil
		}
	}
}

// pump reads the journal from the cursor on and hands messages to
// deliveries, at most MaxInFlight at a time, until the worker is stopped.
// A sink that batches (a Batcher) gets the records gathered per its
// Batching; any other sink one record per message.
func (w *Worker) pump(s Sink) {
	inflight := max(w.t.maxInFlight, 1)
	var bt Batching
	b, batching := s.(Batcher)
	if batching {
		bt = b.Batching()
		if bt.Max <= 0 {
			bt.Max = DefaultMaxBatch
		}
		batching = bt.Max > 1 || bt.Interval > 0
	}
	lookahead := uint64(max(minLookahead, 4*w.batch, 16*inflight, 2*bt.Max))
	slots := make(chan struct{}, inflight)
	var wg sync.WaitGroup
	defer wg.Wait()
	epoch := w.j.Epoch()

	// dispatch delivers m, on this goroutine with MaxInFlight 1 (in order,
	// one at a time, which saves two goroutine hand-offs per event), else
	// on a goroutine of its own. It returns false if the worker stopped.
	dispatch := func(m *Message) bool {
		if inflight == 1 {
			if w.deliver(s, m) {
				w.finishRange(m.First, m.Last)
			}
			return w.soft.Err() == nil
		}
		select {
		case slots <- struct{}{}:
		case <-w.soft.Done():
			return false
		}
		if w.soft.Err() != nil {
			return false
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if w.deliver(s, m) {
				w.finishRange(m.First, m.Last)
			}
		})
		return true
	}
	// A batching sink's message being gathered: pend, read first at
	// pendSince; the previous message went out at lastSent.
	var pend *Message
	var pendSince, lastSent time.Time
	due := func() time.Time {
		if len(pend.Records) >= bt.Max {
			return lastSent.Add(bt.Interval)
		}
		from := pendSince
		if lastSent.After(from) {
			from = lastSent
		}
		return from.Add(bt.Interval)
	}
	// flush waits until pend is due (if wait is set) and dispatches it.
	flush := func(wait bool) bool {
		if wait && !sleep(w.soft, time.Until(due())) {
			return false
		}
		m := pend
		pend, lastSent = nil, time.Now()
		return dispatch(m)
	}

	next := w.cursor.Load() + 1
	for w.soft.Err() == nil {
		if pend == nil && w.replayPending() {
			w.replay(s, epoch, bt.Max)
			continue
		}
		recs, err := w.j.Read(next, w.batch)
		if te, ok := errors.AsType[*journal.TrimmedError](err); ok {
			if pend != nil && !flush(false) {
				return
			}
			// Let deliveries below next finish, so that the cursor is
			// next-1, then jump over the records retention deleted.
			wg.Wait()
			if w.soft.Err() != nil || w.cursor.Load() != next-1 {
				return
			}
			lost := te.Oldest - next
			w.lostRetention.Add(lost)
			w.log.Warn(w.t.noun+" fell behind journal retention; events lost", "from_seq", next, "to_seq", te.Oldest-1, "lost", lost)
			w.finishRange(next, te.Oldest-1)
			w.forgetTrimmed(te.Oldest - 1)
			next = te.Oldest
			continue
		}
		if errors.Is(err, journal.ErrClosed) {
			return
		}
		if err != nil {
			w.log.Error("reading journal", "err", err)
			sleep(w.soft, journalRetry)
			continue
		}
		if len(recs) == 0 {
			ctx := w.soft
			if pend != nil {
				at := due()
				if !time.Now().Before(at) {
					if !flush(false) {
						return
					}
					continue
				}
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(w.soft, at)
				err := w.j.Wait(ctx, next-1)
				cancel()
				if errors.Is(err, journal.ErrClosed) {
					return
				}
				if err != nil && ctx.Err() == nil {
					w.log.Error("waiting for journal", "err", err)
					sleep(w.soft, journalRetry)
				}
				continue
			}
			err := w.j.Wait(ctx, next-1)
			if errors.Is(err, journal.ErrClosed) {
				return
			}
			if err != nil && ctx.Err() == nil {
				w.log.Error("waiting for journal", "err", err)
				sleep(w.soft, journalRetry)
			}
			continue
		}
		for i := range recs {
			rec := &recs[i]
			if pend != nil && rec.Seq > pend.First+lookahead/2 && !flush(true) {
				return // a sparse batch must not hold the cursor back further
			}
			if !w.waitLookahead(rec.Seq, lookahead) {
				return
			}
			r := w.prepare(rec, false)
			if r == nil {
				w.finish(rec.Seq)
				continue
			}
			if !batching {
				if !dispatch(w.message(epoch, rec.Time, r)) {
					return
				}
				continue
			}
			if pend == nil {
				pend, pendSince = w.message(epoch, rec.Time, r), time.Now()
			} else {
				pend.Records = append(pend.Records, r)
				pend.Last = r.Seq
			}
			if len(pend.Records) >= bt.Max && !flush(true) {
				return
			}
		}
		next = recs[len(recs)-1].Seq + 1
		// Due now (or at once, without an interval): a busy journal whose
		// records the filter rejects must not hold a batch back.
		if pend != nil && (bt.Interval <= 0 || !time.Now().Before(due())) && !flush(false) {
			return
		}
	}
}

// message returns the message of one record; journaled is when the
// journal took it.
func (w *Worker) message(epoch string, journaled time.Time, r *evrec.Record) *Message {
	return &Message{Node: w.nodeID, Epoch: epoch, Records: []*evrec.Record{r}, First: r.Seq, Last: r.Seq, journaled: journaled}
}

// forgetTrimmed drops the retry schedules, dead letters and replay ranges
// of records at or below seq, which retention removed from the journal.
func (w *Worker) forgetTrimmed(seq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	retries := w.st.dropRetriesUpTo(seq)
	dead, replay := w.st.dropUpTo(seq)
	w.st.DeadDropped += dead
	w.lostRetention.Add(replay)
	if retries || dead > 0 || replay > 0 {
		w.saveLocked()
	}
}

func (w *Worker) replayPending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.st.Replay) > 0
}

// replay sends up to one batch of the first replay range again, in order,
// on the pump goroutine: replays are rare and small next to the stream.
// A batching sink gets up to maxBatch records per message.
func (w *Worker) replay(s Sink, epoch string, maxBatch int) {
	w.mu.Lock()
	r := w.st.Replay[0]
	w.mu.Unlock()
	recs, err := w.j.Read(r.From, int(min(r.count(), uint64(w.batch))))
	if te, ok := errors.AsType[*journal.TrimmedError](err); ok {
		w.forgetTrimmed(te.Oldest - 1)
		return
	}
	if err != nil {
		if !errors.Is(err, journal.ErrClosed) {
			w.log.Error("reading journal for a replay", "err", err)
		}
		sleep(w.soft, journalRetry)
		return
	}
	if len(recs) == 0 || recs[0].Seq > r.To {
		// Nothing left in the range (the journal ends before it).
		w.done1(r.To)
		return
	}
	maxBatch = max(maxBatch, 1)
	var m *Message
	send := func() bool {
		if m == nil {
			return true
		}
		ok := w.deliver(s, m)
		if ok {
			w.done1(m.Last)
		}
		m = nil
		return ok && w.soft.Err() == nil // else stopped or disabled: the range stays as it is
	}
	for i := range recs {
		rec := &recs[i]
		if rec.Seq > r.To {
			break
		}
		if x := w.prepare(rec, true); x != nil {
			if m == nil {
				m = w.message(epoch, rec.Time, x)
				m.Replayed = true
			} else {
				m.Records = append(m.Records, x)
				m.Last = x.Seq
			}
			if len(m.Records) >= maxBatch && !send() {
				return
			}
			continue
		}
		if m == nil {
			w.done1(rec.Seq)
		}
	}
	if send() {
		w.done1(min(recs[len(recs)-1].Seq, r.To))
	}
}

// done1 marks the replayed records up to seq done.
func (w *Worker) done1(seq uint64) {
	w.mu.Lock()
	w.st.replayDone(seq)
	w.saveLocked()
	w.mu.Unlock()
}

// waitLookahead waits until seq is within lookahead of the cursor. It
// returns false if the worker was stopped meanwhile.
func (w *Worker) waitLookahead(seq, lookahead uint64) bool {
	for {
		w.mu.Lock()
		ch := w.advanced
		w.mu.Unlock()
		if seq <= w.cursor.Load()+lookahead {
			return true
		}
		select {
		case <-ch:
		case <-w.soft.Done():
			return false
		}
	}
}

// prepare decodes a record. It returns nil for a record the filter (or
// dedup) rejects, and dead-letters one it cannot decode.
func (w *Worker) prepare(rec *journal.Record, replayed bool) *evrec.Record {
	// Most records a filtered worker reads are of types it never sends:
	// skip those without decoding them.
	if t, ok := evrec.PeekType(rec.Data); ok && !w.t.filter.MayMatchType(t) {
		return nil
	}
	r, err := evrec.Unmarshal(rec.Seq, rec.Data)
	if err != nil {
		w.giveUp(DeadLetter{Seq: rec.Seq, At: time.Now(), Error: err.Error()}, 1)
		return nil
	}
	if !w.t.filter.Match(&r.Event, w.t.node) {
		return nil
	}
	// Dead letters replayed go out all, repeats included: they were asked for.
	if w.t.dedup && !replayed && w.repeats.repeat(&r.Event) {
		return nil
	}
	return r
}

// deliver attempts m until it is delivered or given up on (true), or the
// worker is stopped or disabled (false: its records stay undelivered).
// MaxAge counts from when its first record entered the journal.
func (w *Worker) deliver(s Sink, m *Message) bool {
	seq := m.First
	w.mu.Lock()
	rs, _ := w.st.retry(seq)
	// Deliveries that succeed after this point show the receiver is up.
	// It is read again after a backoff wait, before the next attempt; an
	// attempt retried at once keeps the older count, which can only make
	// the wake-up sooner.
	since := w.delivered.Load()
	w.mu.Unlock()
	goneOnce := false
	for {
		if wait := time.Until(rs.NextAt); rs.Attempts > 0 && wait > 0 {
			if !w.backoff(wait, since) {
				return false
			}
			w.mu.Lock()
			since = w.delivered.Load()
			w.mu.Unlock()
		}
		if w.soft.Err() != nil {
			return false
		}
		now := time.Now()
		res := s.Send(w.hard, m)
		if res.Verdict != Delivered && w.hard.Err() != nil {
			return false // cancelled by stop: not an attempt that failed
		}
		if rs.Attempts > 0 {
			w.retried.Add(1)
		}
		rs.Attempts++
		w.noteAttempt(now, res)
		switch res.Verdict {
		case Delivered:
			w.succeeded(m)
			return true
		case Gone:
			if !goneOnce {
				// Disabling is drastic and an answer can be a stray one
				// (for HTTP, on a reused connection net/http can read one
				// as this request's, golang/go#31259; the HTTP sink then
				// retires its idle connections): ask once more before
				// believing it.
				goneOnce = true
				w.log.Info(w.t.noun+" receiver answered 410 Gone; asking again on a new connection before disabling", "seq", seq)
				continue
			}
			w.disable()
			return false
		}
		w.failed.Add(1)
		w.mu.Lock()
		if w.st.FailingSince.IsZero() {
			w.st.FailingSince = now // saved with the retry or dead letter below
		}
		w.mu.Unlock()
		rs.LastStatus, rs.LastError = res.Status, res.describe()
		if w.consecutive.Add(1) == 1 {
			w.log.Warn(w.t.noun+" delivery failing; retrying until max_age", "seq", seq, "status", res.Status, "err", rs.LastError,
				"max_age", w.t.maxAge)
		}
		if res.Verdict == Permanent || w.exhausted(rs.Attempts, m.journaled, now) {
			w.giveUp(DeadLetter{Seq: seq, LastSeq: m.Last, At: now, Attempts: rs.Attempts, Status: res.Status, Error: rs.LastError}, len(m.Records))
			return true
		}
		rs.NextAt = now.Add(Delay(rs.Attempts, res.RetryAfter, w.rnd))
		w.mu.Lock()
		w.st.setRetry(rs)
		w.saveLocked()
		w.mu.Unlock()
	}
}

// backoff waits d before a retry, or less if another delivery of this
// webhook succeeded since the failed attempt began (since is the
// delivered count then, read under mu). It returns false if the worker
// was stopped.
func (w *Worker) backoff(d time.Duration, since uint64) bool {
	w.mu.Lock()
	recovered, again := w.recovered, w.delivered.Load() != since
	w.mu.Unlock()
	if again {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-recovered:
	case <-w.soft.Done():
		return false
	}
	return true
}

// exhausted reports whether a record is to be dead-lettered after a failed
// attempt. Every failure counts alike, a 4xx as much as a 5xx: the record
// is retried until MaxAge (counted from when it was journaled, or from the
// last replay if that is later) or MaxAttempts, whichever comes first.
func (w *Worker) exhausted(attempts int, journaled, now time.Time) bool {
	w.mu.Lock()
	from := journaled
	if w.st.ReplayedAt.After(from) {
		from = w.st.ReplayedAt
	}
	w.mu.Unlock()
	switch {
	case w.t.maxAttempts > 0 && attempts >= w.t.maxAttempts:
		return true
	case w.t.maxAge > 0 && now.Sub(from) >= w.t.maxAge:
		return true
	}
	return false
}

func (w *Worker) succeeded(m *Message) {
	w.mu.Lock()
	// Counted under mu, with the reset of consecutive, so that a failed
	// attempt sees either both or neither (see backoff).
	w.delivered.Add(uint64(len(m.Records)))
	if n := w.consecutive.Swap(0); n > 0 {
		w.log.Info(w.t.noun+" delivering again", "failed_attempts", n)
		// The receiver is back: the other records waiting out their
		// backoff try again now instead of after their full delay.
		close(w.recovered)
		w.recovered = make(chan struct{})
	}
	cleared := w.st.clearRetries(m.First, m.Last)
	if !w.st.FailingSince.IsZero() {
		w.st.FailingSince, cleared = time.Time{}, true
	}
	if cleared {
		w.saveLocked()
	}
	w.mu.Unlock()
}

// giveUp dead-letters the records d.Seq..d.LastSeq, n events.
func (w *Worker) giveUp(d DeadLetter, n int) {
	w.deadLettered.Add(uint64(n))
	w.log.Warn(w.t.noun+" gave up on event (dead-lettered)", "seq", d.Seq, "last_seq", max(d.LastSeq, d.Seq), "attempts", d.Attempts, "status", d.Status, "err", d.Error)
	w.mu.Lock()
	w.st.clearRetries(d.Seq, max(d.LastSeq, d.Seq))
	w.st.addDeadLetter(d)
	w.saveLocked()
	w.mu.Unlock()
}

// disable records that the receiver answered 410 Gone and stops the worker.
func (w *Worker) disable() {
	w.mu.Lock()
	first := !w.st.Disabled
	if first {
		w.st.Disabled = true
		w.st.DisabledAt = time.Now()
		w.saveLocked()
	}
	w.mu.Unlock()
	if first {
		w.log.Error(w.t.noun + " receiver answered 410 Gone; " + w.t.noun + " disabled until its config changes")
	}
	w.stopSoft()
}

func (w *Worker) disabled() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st.Disabled
}

// saveLocked writes the state blob; w.mu must be held.
func (w *Worker) saveLocked() {
	b, err := encodeState(&w.st)
	if err == nil {
		err = w.j.PutState(w.name, b)
	}
	if err != nil && !errors.Is(err, journal.ErrClosed) {
		w.log.Error("saving "+w.t.noun+" state", "err", err)
	}
}

// finish marks seq done and moves the cursor over every contiguous
// finished record.
func (w *Worker) finish(seq uint64) { w.finishRange(seq, seq) }

// finishRange marks from..to done.
func (w *Worker) finishRange(from, to uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.cursor.Load()
	if to <= c {
		return
	}
	if from > c+1 {
		for s := from; s <= to; s++ {
			w.finished[s] = struct{}{}
		}
		return
	}
	c = to
	for {
		if _, ok := w.finished[c+1]; !ok {
			break
		}
		delete(w.finished, c+1)
		c++
	}
	w.cursor.Store(c)
	// Under w.mu, so that cursor writes reach the journal in order.
	if err := w.j.SetCursor(w.name, c); err != nil && !errors.Is(err, journal.ErrClosed) {
		w.log.Error("saving "+w.t.noun+" cursor", "err", err)
	}
	close(w.advanced)
	w.advanced = make(chan struct{})
}

func (w *Worker) noteAttempt(at time.Time, res Result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastAttempt, w.lastStatus, w.lastError = at, res.Status, ""
	if res.Verdict != Delivered {
		w.lastError = res.describe()
	}
}

func (w *Worker) noteError(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastError = err.Error()
}

// Health returns a snapshot of the worker.
func (w *Worker) Health() Health {
	cursor := w.cursor.Load()
	h := Health{
		ID:                  w.t.id,
		Name:                w.t.name,
		URL:                 w.display,
		Format:              w.t.format,
		Cursor:              cursor,
		Delivered:           w.delivered.Load(),
		Failed:              w.failed.Load(),
		Retried:             w.retried.Load(),
		DeadLettered:        w.deadLettered.Load(),
		LostRetention:       w.lostRetention.Load(),
		ConsecutiveFailures: w.consecutive.Load(),
	}
	if last := w.j.LastSeq(); last > cursor {
		h.QueueDepth = last - cursor
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	h.LastAttempt, h.LastStatus, h.LastError = w.lastAttempt, w.lastStatus, w.lastError
	h.FailingSince = w.st.FailingSince
	h.DeadLetters, h.DeadLettersDropped, h.Replaying = w.st.deadCount(), w.st.DeadDropped, w.st.replayCount()
	for _, r := range w.st.Retries {
		if h.NextAttempt.IsZero() || r.NextAt.Before(h.NextAttempt) {
			h.NextAttempt = r.NextAt
		}
	}
	switch {
	case w.st.Disabled:
		h.State = StateDisabled
	case w.stopped:
		h.State = StateStopped
	case h.ConsecutiveFailures > 0 || len(w.st.Retries) > 0:
		h.State = StateRetrying
	default:
		h.State = StateOK
	}
	return h
}

// DeadLetters returns the records the worker gave up on and keeps for
// replay, in the order it gave up on them.
func (w *Worker) DeadLetters() []DeadLetter {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.st.Dead)
}

// describe says why an attempt failed, without URL or secrets.
func describe(status int, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
}

// sleep waits for d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// displayURL is the URL without user info and with query values redacted,
// for logs and Health.
func displayURL(s string) string { return config.RedactURL(s) }

func userAgent(version string) string {
	if version == "" {
		return "gluster-eventing"
	}
	return "gluster-eventing/" + version
}
