package journal

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is an injectable Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// open opens a journal that is closed when the test ends.
func open(t testing.TB, path string, opts Options) *Journal {
	t.Helper()
	if opts.CommitDelay == 0 {
		opts.CommitDelay = 100 * time.Microsecond
	}
	j, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := j.Close(); err != nil {
			t.Error(err)
		}
	})
	return j
}

func mustAppend(t testing.TB, j *Journal, data ...string) uint64 {
	t.Helper()
	bs := make([][]byte, len(data))
	for i, d := range data {
		bs[i] = []byte(d)
	}
	first, err := j.Append(context.Background(), bs...)
	if err != nil {
		t.Fatal(err)
	}
	return first
}

func mustRead(t testing.TB, j *Journal, from uint64, max int) []Record {
	t.Helper()
	recs, err := j.Read(from, max)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestAppendRead(t *testing.T) {
	clock := newClock()
	j := open(t, filepath.Join(t.TempDir(), "j.db"), Options{Now: clock.Now})

	if got := j.Epoch(); len(got) != 16 || strings.Trim(got, "0123456789abcdef") != "" {
		t.Errorf("Epoch() = %q, want 16 hex digits", got)
	}
	if got, want := [2]uint64{j.FirstSeq(), j.LastSeq()}, [2]uint64{1, 0}; got != want {
		t.Errorf("empty journal: first, last = %v, want %v", got, want)
	}
	if first, err := j.Append(context.Background()); first != 0 || err != nil {
		t.Errorf("Append() with no data = %d, %v; want 0, nil", first, err)
	}
	if got := mustAppend(t, j, "a"); got != 1 {
		t.Errorf("first Append = %d, want 1", got)
	}
	t1 := clock.Now()
	clock.Advance(time.Second)
	if got := mustAppend(t, j, "b", "", "dd"); got != 2 {
		t.Errorf("second Append = %d, want 2", got)
	}
	t2 := clock.Now()

	all := []Record{
		{Seq: 1, Time: t1, Data: []byte("a")},
		{Seq: 2, Time: t2, Data: []byte("b")},
		{Seq: 3, Time: t2, Data: []byte{}},
		{Seq: 4, Time: t2, Data: []byte("dd")},
	}
	tests := []struct {
		from uint64
		max  int
		want []Record
	}{
		{0, 0, all},
		{1, 0, all},
		{1, 2, all[:2]},
		{2, 1, all[1:2]},
		{3, 100, all[2:]},
		{4, 0, all[3:]},
		{5, 0, nil},
		{1000, 0, nil},
	}
	for _, tt := range tests {
		got := mustRead(t, j, tt.from, tt.max)
		if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("Read(%d, %d) mismatch (-want +got):\n%s", tt.from, tt.max, diff)
		}
	}

	st := j.Stats()
	st.Commits, st.LastCommitBatch = 0, 0 // depend on timing
	want := Stats{Appended: 4, Bytes: 4, Records: 4, FirstSeq: 1, LastSeq: 4}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestReadDataIsACopy(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "j.db"), Options{})
	in := []byte("hello")
	mustAppend(t, j, string(in), "world")
	recs := mustRead(t, j, 1, 0)
	recs[0].Data = append(recs[0].Data, "!!!"...) // must not clobber recs[1]
	if got := string(recs[1].Data); got != "world" {
		t.Errorf("recs[1].Data = %q after appending to recs[0].Data", got)
	}
}

func TestReopenKeepsSeqEpochAndCounters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	clock := newClock()

	j, err := Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	epoch := j.Epoch()
	mustAppend(t, j, "1", "2", "3")
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen with a retention that deletes everything: seqs must not be
	// reused afterwards.
	j, err = Open(path, Options{Now: clock.Now, MaxBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := j.Epoch(); got != epoch {
		t.Errorf("Epoch() after reopen = %q, want %q", got, epoch)
	}
	if st := j.Stats(); st.Trimmed != 2 || st.Records != 1 || st.FirstSeq != 3 || st.LastSeq != 3 || st.Bytes != 1 {
		t.Errorf("after reopen with MaxBytes=1: %+v", st)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j = open(t, path, Options{Now: clock.Now})
	if st := j.Stats(); st.Trimmed != 2 || st.Bytes != 1 || st.LastSeq != 3 {
		t.Errorf("Trimmed/Bytes/LastSeq not persisted: %+v", st)
	}
	if got := mustAppend(t, j, "4"); got != 4 {
		t.Errorf("Append after reopen = %d, want 4", got)
	}
}

func TestRetention(t *testing.T) {
	type step struct {
		advance time.Duration
		n, size int // append n records of size bytes, one Append each; n == 0: commit without records
	}
	tests := []struct {
		name        string
		opts        Options
		steps       []step
		first, last uint64
		trimmed     uint64
	}{
		{
			name:  "unlimited",
			steps: []step{{0, 20, 10}, {1000 * time.Hour, 1, 10}},
			first: 1, last: 21,
		},
		{
			name: "size",
			opts: Options{MaxBytes: 100},
			// 20 records, then one more after retentionInterval so that a
			// pass surely runs: exactly 10 records of 10 bytes fit.
			steps: []step{{0, 20, 10}, {2 * time.Second, 1, 10}},
			first: 12, last: 21, trimmed: 11,
		},
		{
			name:  "size, no clock advance: kept within 1/8 over",
			opts:  Options{MaxBytes: 80},
			steps: []step{{0, 30, 10}},
			// Passes run whenever a commit brings the total over 80+80/8
			// bytes: at records 10, 12, ..., 30, each trimming down to 80.
			first: 23, last: 30, trimmed: 22,
		},
		{
			name:  "age",
			opts:  Options{MaxAge: 10 * time.Second},
			steps: []step{{0, 3, 1}, {5 * time.Second, 2, 1}, {7 * time.Second, 1, 1}},
			first: 4, last: 6, trimmed: 3,
		},
		{
			name:  "age, everything old, commit without records",
			opts:  Options{MaxAge: time.Second},
			steps: []step{{0, 3, 1}, {5 * time.Second, 0, 0}},
			first: 4, last: 3, trimmed: 3,
		},
		{
			name:  "age not due before retention interval",
			opts:  Options{MaxAge: 100 * time.Millisecond},
			steps: []step{{0, 3, 1}, {500 * time.Millisecond, 1, 1}},
			first: 1, last: 4,
		},
		{
			name:  "size and age",
			opts:  Options{MaxBytes: 50, MaxAge: time.Minute},
			steps: []step{{0, 4, 10}, {30 * time.Second, 4, 10}, {40 * time.Second, 1, 10}},
			// at +70s the first 4 are too old; of the other 5 (50 bytes) all fit
			first: 5, last: 9, trimmed: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			opts := tt.opts
			opts.Now = clock.Now
			j := open(t, filepath.Join(t.TempDir(), "j.db"), opts)
			for _, s := range tt.steps {
				clock.Advance(s.advance)
				for range s.n {
					mustAppend(t, j, strings.Repeat("x", s.size))
				}
				if s.n == 0 {
					if err := j.SetCursor("poke", 1); err != nil {
						t.Fatal(err)
					}
					if err := j.Flush(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
			}

			st := j.Stats()
			if st.FirstSeq != tt.first || st.LastSeq != tt.last || st.Trimmed != tt.trimmed {
				t.Errorf("first, last, trimmed = %d, %d, %d; want %d, %d, %d",
					st.FirstSeq, st.LastSeq, st.Trimmed, tt.first, tt.last, tt.trimmed)
			}
			if j.FirstSeq() != st.FirstSeq || j.LastSeq() != st.LastSeq {
				t.Errorf("FirstSeq(), LastSeq() = %d, %d; Stats says %d, %d", j.FirstSeq(), j.LastSeq(), st.FirstSeq, st.LastSeq)
			}

			recs := mustRead(t, j, 0, 0)
			var bytes int64
			for i, r := range recs {
				if r.Seq != tt.first+uint64(i) {
					t.Fatalf("record %d has seq %d, want %d", i, r.Seq, tt.first+uint64(i))
				}
				bytes += int64(len(r.Data))
			}
			if uint64(len(recs)) != st.Records || bytes != st.Bytes || st.Records != tt.last+1-tt.first {
				t.Errorf("read %d records of %d bytes; Stats says %d records, %d bytes", len(recs), bytes, st.Records, st.Bytes)
			}

			// Asking for a trimmed record is reported, never silently skipped.
			if tt.first > 1 {
				_, err := j.Read(tt.first-1, 10)
				var te *TrimmedError
				if !errors.As(err, &te) {
					t.Fatalf("Read(%d) error = %v, want *TrimmedError", tt.first-1, err)
				}
				if want := (TrimmedError{Requested: tt.first - 1, Oldest: tt.first}); *te != want {
					t.Errorf("TrimmedError = %+v, want %+v", *te, want)
				}
				_, err = j.Read(1, 10)
				if !errors.As(err, &te) || te.Requested != 1 || te.Oldest != tt.first {
					t.Errorf("Read(1) error = %v", err)
				}
			}
			// Trimming everything still never reuses a seq.
			if got := mustAppend(t, j, "next"); got != tt.last+1 {
				t.Errorf("Append after retention = %d, want %d", got, tt.last+1)
			}
		})
	}
}

func TestTrimmedErrorMessage(t *testing.T) {
	var err error = fmt.Errorf("stream: %w", &TrimmedError{Requested: 3, Oldest: 10})
	var te *TrimmedError
	if !errors.As(err, &te) || te.Oldest != 10 {
		t.Fatalf("errors.As failed on %v", err)
	}
	if got, want := te.Error(), "journal: seq 3 fell out of retention (oldest retained is 10)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestRetentionBacklogIsChunked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = maxTrimPerTx*2 + 5
	data := make([][]byte, n)
	for i := range data {
		data[i] = []byte("x")
	}
	if _, err := j.Append(context.Background(), data...); err != nil {
		t.Fatal(err)
	}
	j.Close()

	// Open applies retention in several transactions until done.
	j = open(t, path, Options{MaxBytes: 5})
	if st := j.Stats(); st.FirstSeq != n-4 || st.Records != 5 || st.Trimmed != n-5 {
		t.Errorf("after reopen with MaxBytes=5: %+v", st)
	}
}

func TestWait(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "j.db"), Options{})
	ctx := context.Background()
	mustAppend(t, j, "a")

	if err := j.Wait(ctx, 0); err != nil {
		t.Errorf("Wait(0) with LastSeq 1 = %v", err)
	}

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := j.Wait(short, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait(1) with nothing new = %v, want DeadlineExceeded", err)
	}

	// Several waiters, all blocked in Wait, are all woken by one commit; a
	// cursor-only commit wakes nobody (it leaves the notify channel open).
	const waiters = 5
	woken := make(chan error, waiters)
	for range waiters {
		wctx := newWaitingCtx(ctx)
		go func() { woken <- j.Wait(wctx, 1) }()
		wctx.blocked(t)
	}
	j.mu.Lock()
	notify := j.notify
	j.mu.Unlock()
	if err := j.SetCursor("c", 1); err != nil {
		t.Fatal(err)
	}
	if err := j.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-notify:
		t.Fatal("a cursor-only commit woke the waiters")
	default:
	}
	mustAppend(t, j, "b")
	for range waiters {
		select {
		case err := <-woken:
			if err != nil {
				t.Errorf("Wait = %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("waiter not woken by Append")
		}
	}

	// Close wakes a waiter that was blocked before it with ErrClosed.
	wctx := newWaitingCtx(ctx)
	go func() { woken <- j.Wait(wctx, 2) }()
	wctx.blocked(t)
	j.Close()
	select {
	case err := <-woken:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Wait across Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken by Close")
	}
}

// waitingCtx tells when Wait, having found nothing to return, selects on
// ctx.Done() to block: the first call of Done.
type waitingCtx struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func newWaitingCtx(ctx context.Context) *waitingCtx {
	return &waitingCtx{Context: ctx, waiting: make(chan struct{})}
}

func (c *waitingCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

// blocked waits until Wait has reached its select.
func (c *waitingCtx) blocked(t *testing.T) {
	t.Helper()
	select {
	case <-c.waiting:
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not block")
	}
}

func TestCursorsAndState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}

	if _, ok, err := j.Cursor("hook1"); ok || err != nil {
		t.Errorf("Cursor of unknown consumer: ok=%v err=%v", ok, err)
	}
	if b, err := j.State("hook1"); b != nil || err != nil {
		t.Errorf("State of unknown consumer = %q, %v", b, err)
	}
	if err := j.SetCursor("", 1); err == nil {
		t.Error("SetCursor with empty name: no error")
	}

	blob := []byte(`{"attempts":3}`)
	for _, err := range []error{
		j.SetCursor("hook1", 5),
		j.SetCursor("hook1", 7), // last write wins
		j.SetCursor("hook2", 1),
		j.SetCursor("gone", 9),
		j.DeleteCursor("gone"),
		j.PutState("hook1", blob),
		j.PutState("gone", []byte("x")),
		j.PutState("gone", nil),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	blob[0] = 'X' // PutState copied it

	check := func(when string) {
		t.Helper()
		for name, want := range map[string]uint64{"hook1": 7, "hook2": 1} {
			if seq, ok, err := j.Cursor(name); seq != want || !ok || err != nil {
				t.Errorf("%s: Cursor(%q) = %d, %v, %v; want %d", when, name, seq, ok, err, want)
			}
		}
		if _, ok, _ := j.Cursor("gone"); ok {
			t.Errorf("%s: deleted cursor still there", when)
		}
		if b, err := j.State("hook1"); string(b) != `{"attempts":3}` || err != nil {
			t.Errorf("%s: State(hook1) = %q, %v", when, b, err)
		}
		if b, _ := j.State("gone"); b != nil {
			t.Errorf("%s: deleted state = %q", when, b)
		}
	}
	check("before flush") // read-your-writes from the queue
	if err := j.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("after flush")
	if err := j.SetCursor("late", 3); err != nil { // committed by Close
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j = open(t, path, Options{})
	check("after reopen")
	if seq, ok, _ := j.Cursor("late"); seq != 3 || !ok {
		t.Errorf("cursor set just before Close: %d, %v", seq, ok)
	}
	// State returns a copy.
	b, _ := j.State("hook1")
	b[0] = 'X'
	check("after mutating State's result")
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	open(t, path, Options{})
	start := time.Now()
	j2, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err == nil {
		j2.Close()
		t.Fatal("second Open of the same file succeeded")
	}
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Errorf("second Open error = %v, want ErrLocked naming the path", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second Open took %s", d)
	}
}

func TestOpenBadPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "j.db")
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "journal: open "+path) {
		t.Errorf("Open(%s) error = %v", path, err)
	}
}

func TestClosed(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "j.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, j, "a")
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, appendErr := j.Append(ctx, []byte("x"))
	_, readErr := j.Read(1, 1)
	_, _, cursorErr := j.Cursor("x")
	_, stateErr := j.State("x")
	for name, err := range map[string]error{
		"Append":      appendErr,
		"AppendAsync": j.AppendAsync([]byte("x"), func(uint64, error) { t.Error("done called") }),
		"Flush":       j.Flush(ctx),
		"SetCursor":   j.SetCursor("x", 1),
		"PutState":    j.PutState("x", []byte("x")),
		"Wait":        j.Wait(ctx, 1),
		"Read":        readErr,
		"Cursor":      cursorErr,
		"State":       stateErr,
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if err := j.Wait(ctx, 0); err != nil {
		t.Errorf("Wait(0) after Close with LastSeq 1 = %v, want nil", err)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestCloseCommitsQueuedAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	j, err := Open(path, Options{CommitDelay: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	var (
		mu   sync.Mutex
		seqs = map[uint64]bool{}
	)
	for i := range n {
		err := j.AppendAsync(fmt.Appendf(nil, "%d", i), func(seq uint64, err error) {
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			seqs[seq] = true
			mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if len(seqs) != n {
		t.Fatalf("%d distinct seqs reported by done callbacks, want %d", len(seqs), n)
	}
	j = open(t, path, Options{})
	recs := mustRead(t, j, 1, 0)
	if len(recs) != n {
		t.Fatalf("after reopen: %d records, want %d", len(recs), n)
	}
	for i, r := range recs { // AppendAsync from one goroutine keeps order
		if want := fmt.Sprint(i); string(r.Data) != want || !seqs[r.Seq] {
			t.Fatalf("record %d = seq %d %q, want %q", i, r.Seq, r.Data, want)
		}
	}
}

// TestConcurrent mixes every kind of caller; run it with -race.
func TestConcurrent(t *testing.T) {
	for _, delay := range []time.Duration{-1, 200 * time.Microsecond} {
		t.Run(fmt.Sprint("delay=", delay), func(t *testing.T) {
			j := open(t, filepath.Join(t.TempDir(), "j.db"), Options{MaxBatch: 16, CommitDelay: delay})
			ctx := context.Background()
			const (
				appenders   = 6
				perAppender = 150
				asyncs      = 2
				perAsync    = 400
			)
			total := appenders*perAppender*2 + asyncs*perAsync

			var wg sync.WaitGroup
			want := make(chan [2]string, total) // seq, data as written
			for a := range appenders {
				wg.Go(func() {
					for i := range perAppender {
						d1, d2 := fmt.Sprintf("s%d-%d-a", a, i), fmt.Sprintf("s%d-%d-b", a, i)
						first, err := j.Append(ctx, []byte(d1), []byte(d2))
						if err != nil {
							t.Error(err)
							return
						}
						// Append returns only after the commit.
						if last := j.LastSeq(); last < first+1 {
							t.Errorf("Append returned %d but LastSeq is %d", first, last)
						}
						want <- [2]string{fmt.Sprint(first), d1}
						want <- [2]string{fmt.Sprint(first + 1), d2}
						if err := j.SetCursor(fmt.Sprint("s", a), first); err != nil {
							t.Error(err)
						}
					}
				})
			}
			for a := range asyncs {
				wg.Go(func() {
					var done sync.WaitGroup
					for i := range perAsync {
						d := fmt.Sprintf("a%d-%d", a, i)
						done.Add(1)
						err := j.AppendAsync([]byte(d), func(seq uint64, err error) {
							defer done.Done()
							if err != nil {
								t.Error(err)
							}
							want <- [2]string{fmt.Sprint(seq), d}
						})
						if err != nil {
							t.Error(err)
							done.Done()
						}
					}
					done.Wait()
				})
			}
			// A tailing reader sees every seq exactly once, in order.
			readerDone := make(chan int)
			go func() {
				next, n := uint64(1), 0
				for n < total {
					if err := j.Wait(ctx, next-1); err != nil {
						t.Error(err)
						break
					}
					recs, err := j.Read(next, 7)
					if err != nil {
						t.Error(err)
						break
					}
					for _, r := range recs {
						if r.Seq != next {
							t.Errorf("reader got seq %d, want %d", r.Seq, next)
						}
						next = r.Seq + 1
						n++
					}
					j.SetCursor("reader", next-1)
				}
				readerDone <- n
			}()
			wg.Wait()
			close(want)
			if n := <-readerDone; n != total {
				t.Errorf("reader saw %d records, want %d", n, total)
			}

			if err := j.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			recs := mustRead(t, j, 1, 0)
			if len(recs) != total {
				t.Fatalf("%d records, want %d", len(recs), total)
			}
			got := map[string]string{}
			for _, r := range recs {
				got[fmt.Sprint(r.Seq)] = string(r.Data)
			}
			for w := range want {
				if got[w[0]] != w[1] {
					t.Errorf("seq %s = %q, want %q", w[0], got[w[0]], w[1])
				}
			}
			st := j.Stats()
			if st.Appended != uint64(total) || st.LastSeq != uint64(total) || st.Commits == 0 || st.Commits >= uint64(total) {
				t.Errorf("Stats = %+v", st)
			}
			if seq, ok, _ := j.Cursor("reader"); !ok || seq != uint64(total) {
				t.Errorf("reader cursor = %d, %v", seq, ok)
			}
			t.Logf("%d records in %d commits", st.Appended, st.Commits)
		})
	}
}

func TestAppendContextCanceled(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "j.db"), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The request may or may not have been queued; either way the caller
	// gets ctx's error (or, if the commit won the race, a seq).
	if first, err := j.Append(ctx, []byte("x")); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Append with canceled ctx = %d, %v", first, err)
	}
	if err := j.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// An append must not wait for the cursor writes' longer grouping delay: a
// pending SetCursor once held every event back by consumerDelay, which is
// webhook latency. Fake time (synctest) makes the check exact.
func TestAppendDoesNotWaitForCursorDelay(t *testing.T) {
	for _, delay := range []time.Duration{0, time.Millisecond} {
		synctest.Test(t, func(t *testing.T) {
			j, err := Open(filepath.Join(t.TempDir(), "j.db"), Options{CommitDelay: delay})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if _, err := j.Append(t.Context(), []byte("a")); err != nil {
				t.Fatal(err)
			}
			if err := j.SetCursor("c", 1); err != nil {
				t.Fatal(err)
			}
			synctest.Wait() // the committer now waits for company for the cursor
			start := time.Now()
			if _, err := j.Append(t.Context(), []byte("b")); err != nil {
				t.Fatal(err)
			}
			if waited := time.Since(start); waited > max(delay, 0) {
				t.Errorf("CommitDelay %v: append waited %v of fake time (consumerDelay is %v)", delay, waited, consumerDelay)
			}
		})
	}
}
