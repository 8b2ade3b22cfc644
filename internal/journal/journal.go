// Package journal is gluster-eventing's durable, group-committed event
// journal.
//
// Every accepted event is written once, with a per-node sequence number, to
// a bbolt file in the state directory. Everything downstream (webhook
// workers, the stream hub, D-Bus export) is a cursor into the journal, so a
// reload, a restart or a slow consumer loses nothing and any consumer can
// resume from a sequence number. Retention is bounded by size and age; a
// reader that asks for records that retention already deleted gets a
// *TrimmedError instead of a silent gap.
//
// Appends from many goroutines are collected by one committer goroutine and
// written in a single bbolt transaction (one pair of fsyncs per group), which
// is what lets a UDP reader journal far more events per second than the disk
// can fsync. Consumer cursors and state blobs ride on the same transactions.
//
// The package is imported by daemon/ (which owns the Journal and appends
// intake events) and webhooks/ (whose workers read it and persist their
// cursors and retry state in it). It has no package-level mutable state.
package journal

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"
)

// Defaults for Options fields left at zero.
const (
	DefaultMaxBatch    = 4096
	DefaultLockTimeout = time.Second
)

const (
	// retentionInterval is how often, at most, a commit also runs
	// retention, unless the journal is well over MaxBytes.
	retentionInterval = time.Second
	// maxTrimPerTx bounds the deletions done in one transaction so that a
	// large backlog (e.g. after lowering MaxBytes) does not make one group
	// commit slow; the rest is trimmed by the following commits.
	maxTrimPerTx = 10000
	// formatVersion is stored in the meta bucket; Open refuses other values.
	formatVersion = 1
	// timeLen is the size of the journaled-at timestamp in front of each
	// record's data.
	timeLen = 8
)

var (
	bucketRecords = []byte("records")
	bucketMeta    = []byte("meta")
	bucketCursors = []byte("cursors")
	bucketStates  = []byte("states")

	keyVersion = []byte("version")
	keyEpoch   = []byte("epoch")
	keyLastSeq = []byte("last_seq")
	keyBytes   = []byte("bytes")
	keyTrimmed = []byte("trimmed")
)

// ErrClosed is returned by methods called on (or waiting across) a closed
// Journal.
var ErrClosed = errors.New("journal: closed")

// ErrLocked is returned (wrapped) by Open when another process, or another
// Journal in this process, has the file open.
var ErrLocked = errors.New("journal file is locked by another process")

// TrimmedError reports that a reader asked for records that retention has
// already deleted: records Requested..Oldest-1 are gone. Callers report this
// explicitly (HTTP 410, a metric, a log line) and resume from Oldest.
type TrimmedError struct {
	Requested uint64 // the first sequence number asked for
	Oldest    uint64 // the oldest sequence number still retained
}

func (e *TrimmedError) Error() string {
	return fmt.Sprintf("journal: seq %d fell out of retention (oldest retained is %d)", e.Requested, e.Oldest)
}

// consumerDelay is how long cursor and state writes wait for a group
// commit when no append is pending. It bounds how many already delivered
// events a consumer redoes after a crash (at-least-once).
const consumerDelay = 20 * time.Millisecond

// Options configure a Journal. The zero value is usable.
type Options struct {
	// MaxBytes bounds the total size of retained record data (not the file
	// size, which also holds keys, timestamps and B-tree overhead).
	// 0 means unlimited.
	MaxBytes int64
	// MaxAge bounds how long records are kept. 0 means unlimited. Age is
	// checked when commits happen: an idle journal keeps old records until
	// the next append or cursor update.
	MaxAge time.Duration
	// CommitDelay is how long the committer collects a group after the
	// first pending write before committing it. 0 (or less) commits as
	// soon as the committer is free: the lowest latency, and groups still
	// form under load from what arrives during the previous commit.
	CommitDelay time.Duration
	// MaxBatch ends group collection early once this many records are
	// pending. 0 means DefaultMaxBatch. One Append call is never split.
	MaxBatch int
	// LockTimeout is how long Open waits for the file lock. 0 means
	// DefaultLockTimeout.
	LockTimeout time.Duration
	// Now is the clock used for record times and retention. nil means
	// time.Now.
	Now func() time.Time
	// Logger receives retention and commit-failure messages. nil discards.
	Logger *slog.Logger
}

// Record is one journaled event.
type Record struct {
	Seq  uint64
	Time time.Time // when the record was journaled (group commit time)
	Data []byte
}

// Stats is a snapshot of the journal's counters.
type Stats struct {
	Appended        uint64 `json:"appended"`          // records appended since Open
	Trimmed         uint64 `json:"trimmed"`           // records deleted by retention, over the file's lifetime
	Bytes           int64  `json:"bytes"`             // data bytes in retained records
	Records         uint64 `json:"records"`           // retained records
	FirstSeq        uint64 `json:"first_seq"`         // oldest retained seq; LastSeq+1 when empty
	LastSeq         uint64 `json:"last_seq"`          // newest seq ever assigned (0 before the first append)
	Commits         uint64 `json:"commits"`           // group commits (write transactions) since Open
	LastCommitBatch int    `json:"last_commit_batch"` // records in the most recent group commit
	CommitErrors    uint64 `json:"commit_errors"`     // failed group commits since Open
}

// Journal is an open journal file. Its methods are safe for concurrent use.
type Journal struct {
	db       *bbolt.DB
	path     string
	epoch    string
	maxBatch int
	delay    time.Duration
	maxBytes int64
	maxAge   time.Duration
	now      func() time.Time
	log      *slog.Logger

	// closeMu guards closed and makes sending on reqs safe against Close
	// closing it: senders hold the read lock.
	closeMu sync.RWMutex
	closed  bool
	reqs    chan *request // appends and flush barriers, in order
	kick    chan struct{} // cap 1: cursor/state writes are pending
	done    chan struct{} // closed when the committer has exited

	mu       sync.Mutex
	stats    Stats
	notify   chan struct{} // closed and replaced on every commit that adds records
	pending  consumerWrites
	inflight consumerWrites // taken by the committer, not yet committed
	closing  bool           // no more consumer writes are accepted

	// Owned by the committer goroutine (and by Open before it starts).
	c             counters
	lastRetention time.Time
	trimBacklog   bool // the last retention pass stopped at maxTrimPerTx
}

// counters are the persisted counters, as of the last successful commit
// (or of the transaction being built, on the committer's working copy).
type counters struct {
	last    uint64 // newest seq assigned
	first   uint64 // oldest retained seq; last+1 when empty
	trimmed uint64 // records deleted by retention, lifetime
	bytes   int64  // data bytes of retained records
}

// request is one Append, AppendAsync or Flush. Flush barriers have no data.
type request struct {
	data  [][]byte
	one   [1][]byte // backing array for AppendAsync's single record
	cb    func(first uint64, err error)
	ch    chan result
	first uint64
}

type result struct {
	first uint64
	err   error
}

// consumerWrites are queued cursor and state writes, applied in the next
// group transaction. A map entry with del set (cursor) or a nil value
// (state) is a deletion.
type consumerWrites struct {
	cursors map[string]cursorWrite
	states  map[string][]byte
}

type cursorWrite struct {
	seq uint64
	del bool
}

func (w *consumerWrites) empty() bool { return len(w.cursors) == 0 && len(w.states) == 0 }

// Open opens or creates the journal at path and starts its committer.
func Open(path string, opts Options) (*Journal, error) {
	j := &Journal{
		path:     path,
		maxBatch: opts.MaxBatch,
		delay:    opts.CommitDelay,
		maxBytes: opts.MaxBytes,
		maxAge:   opts.MaxAge,
		now:      opts.Now,
		log:      opts.Logger,
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		notify:   make(chan struct{}),
	}
	if j.maxBatch <= 0 {
		j.maxBatch = DefaultMaxBatch
	}
	if j.now == nil {
		j.now = time.Now
	}
	if j.log == nil {
		j.log = slog.New(slog.DiscardHandler)
	}
	lockTimeout := opts.LockTimeout
	if lockTimeout <= 0 {
		lockTimeout = DefaultLockTimeout
	}
	j.reqs = make(chan *request, 4*j.maxBatch)

	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:        lockTimeout,
		FreelistType:   bbolt.FreelistMapType,
		NoFreelistSync: true,
	})
	if errors.Is(err, bberrors.ErrTimeout) {
		return nil, fmt.Errorf("journal: open %s: %w (waited %s; is another gluster-eventing daemon running?)", path, ErrLocked, lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	j.db = db
	if err := j.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	go j.run()
	return j, nil
}

// load creates the buckets and meta keys of a new file, reads the counters
// of an existing one and applies retention.
func (j *Journal) load() error {
	err := j.db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketRecords, bucketMeta, bucketCursors, bucketStates} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyVersion); v == nil {
			if err := meta.Put(keyVersion, u64(formatVersion)); err != nil {
				return err
			}
		} else if len(v) != 8 || binary.BigEndian.Uint64(v) != formatVersion {
			return fmt.Errorf("unsupported journal format version %x", v)
		}
		if v := meta.Get(keyEpoch); v != nil {
			j.epoch = string(v)
		} else {
			var b [8]byte
			rand.Read(b[:])
			j.epoch = hex.EncodeToString(b[:])
			if err := meta.Put(keyEpoch, []byte(j.epoch)); err != nil {
				return err
			}
		}
		records := tx.Bucket(bucketRecords)
		j.c.last = getU64(meta, keyLastSeq)
		j.c.trimmed = getU64(meta, keyTrimmed)
		if v := meta.Get(keyBytes); len(v) == 8 {
			j.c.bytes = int64(binary.BigEndian.Uint64(v))
		} else {
			j.c.bytes = 0
			records.ForEach(func(_, v []byte) error {
				j.c.bytes += int64(len(v) - timeLen)
				return nil
			})
		}
		j.c.first = j.c.last + 1
		if k, _ := records.Cursor().First(); k != nil {
			j.c.first = binary.BigEndian.Uint64(k)
		}
		return j.putCounters(tx, j.c)
	})
	if err != nil {
		return err
	}
	// Apply retention now, e.g. after MaxBytes or MaxAge were lowered.
	for more := true; more; {
		c := j.c
		err := j.db.Update(func(tx *bbolt.Tx) error {
			var err error
			if more, err = j.trim(tx, j.now(), &c); err != nil {
				return err
			}
			return j.putCounters(tx, c)
		})
		if err != nil {
			return fmt.Errorf("retention: %w", err)
		}
		j.c = c
	}
	j.lastRetention = j.now()
	j.publish()
	return nil
}

// publish copies the committer's counters into the stats readers see.
// The caller holds no lock.
func (j *Journal) publish() {
	j.mu.Lock()
	j.publishLocked()
	j.mu.Unlock()
}

func (j *Journal) publishLocked() {
	j.stats.LastSeq = j.c.last
	j.stats.FirstSeq = j.c.first
	j.stats.Trimmed = j.c.trimmed
	j.stats.Bytes = j.c.bytes
	j.stats.Records = j.c.last + 1 - j.c.first
}

// Epoch identifies this journal file: a random 16-hex-digit string made when
// the file was created. A consumer that sees a different epoch knows that
// its sequence numbers refer to a journal that no longer exists.
func (j *Journal) Epoch() string { return j.epoch }

// Append journals data as consecutive records and returns the sequence
// number of the first one, after the group commit holding them has been
// fsync'd. It is safe for concurrent callers; their records are committed
// together. If ctx ends first, Append returns ctx.Err() and the records may
// or may not be journaled. Append with no data returns (0, nil).
// The caller must not modify data until Append returns.
func (j *Journal) Append(ctx context.Context, data ...[]byte) (first uint64, err error) {
	if len(data) == 0 {
		return 0, nil
	}
	r := &request{data: data, ch: make(chan result, 1)}
	if err := j.send(ctx, r); err != nil {
		return 0, err
	}
	select {
	case res := <-r.ch:
		return res.first, res.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// AppendAsync queues data as one record and returns without waiting for
// the commit; it blocks only while the commit queue is full, i.e. when the
// disk cannot keep up. done, if not nil, is called exactly once, on the
// committer goroutine after the group commit, with the record's sequence
// number or the commit error. done must be quick and must not call
// Journal methods that wait for the committer (Append, AppendAsync, Flush,
// Close); SetCursor, PutState and the read methods are fine. AppendAsync
// takes ownership of data until done is called. On a closed journal it
// returns ErrClosed and never calls done.
func (j *Journal) AppendAsync(data []byte, done func(seq uint64, err error)) error {
	r := &request{cb: done}
	r.one[0] = data
	r.data = r.one[:]
	return j.send(context.Background(), r)
}

// Flush waits until every append, cursor and state write queued before the
// call has been committed and fsync'd. Appends report their own errors;
// Flush returns the error of the last commit, which also retries cursor and
// state writes whose commit failed.
func (j *Journal) Flush(ctx context.Context) error {
	r := &request{ch: make(chan result, 1)}
	if err := j.send(ctx, r); err != nil {
		return err
	}
	select {
	case res := <-r.ch:
		return res.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (j *Journal) send(ctx context.Context, r *request) error {
	j.closeMu.RLock()
	defer j.closeMu.RUnlock()
	if j.closed {
		return ErrClosed
	}
	select {
	case j.reqs <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close commits everything queued, stops the committer and closes the file.
// Calls after the first return nil.
func (j *Journal) Close() error {
	j.closeMu.Lock()
	if j.closed {
		j.closeMu.Unlock()
		return nil
	}
	j.closed = true
	// Consumer writes queued before closing is set are picked up by the
	// final commit, which runs after reqs is closed.
	j.mu.Lock()
	j.closing = true
	j.mu.Unlock()
	close(j.reqs)
	j.closeMu.Unlock()
	<-j.done
	if err := j.db.Close(); err != nil {
		return fmt.Errorf("journal: close %s: %w", j.path, err)
	}
	return nil
}

// run is the committer: it collects a group of requests and commits it, one
// group at a time, until reqs is closed and drained.
func (j *Journal) run() {
	defer close(j.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var batch []*request
	for {
		open := true
		select {
		case r, ok := <-j.reqs:
			if ok {
				batch = append(batch, r)
			} else {
				open = false
			}
		case <-j.kick:
		}
		if open {
			batch, open = j.collect(batch, timer)
		}
		j.commit(batch)
		clear(batch)
		batch = batch[:0]
		if !open {
			return
		}
	}
}

// collect adds requests to batch for up to the commit delay or until
// MaxBatch records are pending. It reports false once reqs is closed and
// drained.
func (j *Journal) collect(batch []*request, timer *time.Timer) ([]*request, bool) {
	if len(batch) == 0 {
		// Only cursor and state writes are pending: they wait up to
		// consumerDelay for an append to ride with, which saves a commit
		// (and its fsyncs) per delivered event. An append ends the wait.
		timer.Reset(consumerDelay)
		select {
		case r, ok := <-j.reqs:
			timer.Stop()
			if !ok {
				return batch, false
			}
			batch = append(batch, r)
		case <-timer.C:
			return batch, true
		}
	}
	n := 0
	for _, r := range batch {
		n += len(r.data)
	}
	// With no delay, take only what is already queued: groups still form
	// under load, from what arrives while the previous commit syncs.
	var timeout <-chan time.Time
	if j.delay > 0 {
		timer.Reset(j.delay)
		defer timer.Stop()
		timeout = timer.C
	}
	for n < j.maxBatch {
		var r *request
		ok := true
		if timeout == nil {
			select {
			case r, ok = <-j.reqs:
			default:
				return batch, true
			}
		} else {
			select {
			case r, ok = <-j.reqs:
			case <-timeout:
				return batch, true
			}
		}
		if !ok {
			return batch, false
		}
		batch = append(batch, r)
		n += len(r.data)
	}
	return batch, true
}

// commit writes batch and the queued consumer writes in one transaction
// (running retention too when it is due), then wakes every waiter.
// commit writes batch in one transaction and answers its requests. A failed
// transaction (a full disk, an I/O error) is retried with backoff until it
// succeeds or the journal closes: appends then wait, the intake's socket
// buffer fills, and no accepted event is dropped for a passing problem.
func (j *Journal) commit(batch []*request) {
	wait := commitRetryMin
	for attempt := 1; ; attempt++ {
		err := j.tryCommit(batch)
		if err == nil {
			if attempt > 1 {
				j.log.Info("journal commits again", "path", j.path, "attempts", attempt)
			}
			j.answer(batch, nil)
			return
		}
		j.mu.Lock()
		closing := j.closing
		j.mu.Unlock()
		if closing {
			j.answer(batch, err)
			return
		}
		if attempt == 1 || attempt%10 == 0 {
			j.log.Error("journal commit failed; retrying", "path", j.path, "attempt", attempt, "err", err)
		}
		time.Sleep(wait)
		wait = min(2*wait, commitRetryMax)
	}
}

// The backoff of failed commits.
const (
	commitRetryMin = 50 * time.Millisecond
	commitRetryMax = 2 * time.Second
)

// tryCommit is one attempt at committing batch; on success r.first is set
// for every request.
func (j *Journal) tryCommit(batch []*request) error {
	j.mu.Lock()
	writes := j.pending
	j.pending = consumerWrites{}
	j.inflight = writes
	j.mu.Unlock()

	nrec, size := 0, 0
	for _, r := range batch {
		nrec += len(r.data)
		for _, d := range r.data {
			size += len(d)
		}
	}
	now := j.now()
	retain := j.retentionDue(now, j.c.bytes+int64(size))
	if nrec == 0 && writes.empty() && !retain {
		return nil
	}

	c := j.c // working copy; becomes j.c only if the transaction commits
	more := false
	err := j.db.Update(func(tx *bbolt.Tx) error {
		records := tx.Bucket(bucketRecords)
		records.FillPercent = 1 // keys only ever grow: pack pages full
		// bbolt keeps references to keys and values until the commit, so
		// give every record its own piece of two batch-wide buffers.
		keys := make([]byte, 8*nrec)
		vals := make([]byte, timeLen*nrec+size)
		stamp := uint64(now.UnixNano())
		for _, r := range batch {
			r.first = c.last + 1
			for _, d := range r.data {
				c.last++
				k := keys[:8:8]
				keys = keys[8:]
				binary.BigEndian.PutUint64(k, c.last)
				n := timeLen + len(d)
				v := vals[:n:n]
				vals = vals[n:]
				binary.BigEndian.PutUint64(v, stamp)
				copy(v[timeLen:], d)
				if err := records.Put(k, v); err != nil {
					return err
				}
			}
		}
		c.bytes += int64(size)
		if err := applyWrites(tx, writes); err != nil {
			return err
		}
		if retain {
			var err error
			if more, err = j.trim(tx, now, &c); err != nil {
				return err
			}
		}
		return j.putCounters(tx, c)
	})

	j.mu.Lock()
	j.inflight = consumerWrites{}
	if err != nil {
		j.stats.CommitErrors++
		j.requeueLocked(writes)
	} else {
		j.c = c
		if retain {
			j.lastRetention = now
			j.trimBacklog = more
		}
		j.publishLocked()
		j.stats.Commits++
		j.stats.Appended += uint64(nrec)
		j.stats.LastCommitBatch = nrec
		if nrec > 0 {
			close(j.notify)
			j.notify = make(chan struct{})
		}
	}
	j.mu.Unlock()
	if err != nil {
		return fmt.Errorf("journal: commit %d records: %w", nrec, err)
	}
	return nil
}

// answer reports the outcome of a group commit to every request in it.
func (j *Journal) answer(batch []*request, err error) {
	for _, r := range batch {
		first := r.first
		if err != nil {
			first = 0
		}
		switch {
		case r.ch != nil:
			r.ch <- result{first, err}
		case r.cb != nil:
			r.cb(first, err)
		}
	}
}

// retentionDue reports whether this commit should also run retention: at
// most once per retentionInterval, unless a previous pass left a backlog or
// the journal is more than 1/8 over MaxBytes.
func (j *Journal) retentionDue(now time.Time, bytes int64) bool {
	if j.maxBytes <= 0 && j.maxAge <= 0 {
		return false
	}
	return j.trimBacklog ||
		now.Sub(j.lastRetention) >= retentionInterval ||
		(j.maxBytes > 0 && bytes > j.maxBytes+j.maxBytes/8)
}

// trim deletes the oldest records while the journal is over MaxBytes or
// they are older than MaxAge, updating c. It reports whether it stopped at
// maxTrimPerTx with more to delete.
func (j *Journal) trim(tx *bbolt.Tx, now time.Time, c *counters) (more bool, err error) {
	if j.maxBytes <= 0 && j.maxAge <= 0 {
		return false, nil
	}
	cutoff := now.Add(-j.maxAge).UnixNano()
	records := tx.Bucket(bucketRecords)
	var (
		doomed []uint64
		freed  int64
	)
	cur := records.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		overSize := j.maxBytes > 0 && c.bytes-freed > j.maxBytes
		tooOld := j.maxAge > 0 && int64(binary.BigEndian.Uint64(v)) < cutoff
		if !overSize && !tooOld {
			break
		}
		if len(doomed) == maxTrimPerTx {
			more = true
			break
		}
		doomed = append(doomed, binary.BigEndian.Uint64(k))
		freed += int64(len(v) - timeLen)
	}
	if len(doomed) == 0 {
		return false, nil
	}
	// Delete after iterating: deleting under a moving cursor skips keys.
	var k [8]byte
	for _, seq := range doomed {
		binary.BigEndian.PutUint64(k[:], seq)
		if err := records.Delete(k[:]); err != nil {
			return false, err
		}
	}
	n := uint64(len(doomed))
	c.first += n
	c.trimmed += n
	c.bytes -= freed
	j.log.Debug("journal retention", "path", j.path, "trimmed", n, "first_seq", c.first, "bytes", c.bytes)
	return more, nil
}

func (j *Journal) putCounters(tx *bbolt.Tx, c counters) error {
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(keyLastSeq, u64(c.last)); err != nil {
		return err
	}
	if err := meta.Put(keyTrimmed, u64(c.trimmed)); err != nil {
		return err
	}
	return meta.Put(keyBytes, u64(uint64(c.bytes)))
}

func applyWrites(tx *bbolt.Tx, w consumerWrites) error {
	cursors := tx.Bucket(bucketCursors)
	for name, cw := range w.cursors {
		var err error
		if cw.del {
			err = cursors.Delete([]byte(name))
		} else {
			err = cursors.Put([]byte(name), u64(cw.seq))
		}
		if err != nil {
			return fmt.Errorf("cursor %q: %w", name, err)
		}
	}
	states := tx.Bucket(bucketStates)
	for name, b := range w.states {
		var err error
		if b == nil {
			err = states.Delete([]byte(name))
		} else {
			err = states.Put([]byte(name), b)
		}
		if err != nil {
			return fmt.Errorf("state %q: %w", name, err)
		}
	}
	return nil
}

// requeueLocked puts the writes of a failed commit back in the queue, unless
// a newer write for the same name was queued meanwhile. They are retried by
// the next commit.
func (j *Journal) requeueLocked(w consumerWrites) {
	for name, cw := range w.cursors {
		if _, newer := j.pending.cursors[name]; !newer {
			if j.pending.cursors == nil {
				j.pending.cursors = make(map[string]cursorWrite)
			}
			j.pending.cursors[name] = cw
		}
	}
	for name, b := range w.states {
		if _, newer := j.pending.states[name]; !newer {
			if j.pending.states == nil {
				j.pending.states = make(map[string][]byte)
			}
			j.pending.states[name] = b
		}
	}
}

func u64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

func getU64(b *bbolt.Bucket, key []byte) uint64 {
	if v := b.Get(key); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// Read returns up to max records with seq >= from, in order; max <= 0 means
// no limit. from == 0 means the oldest retained record. If from is older
// than the oldest retained record (records from..Oldest-1 were deleted by
// retention), Read returns a *TrimmedError and no records. Reading past the
// end returns no records and no error.
func (j *Journal) Read(from uint64, max int) ([]Record, error) {
	var recs []Record
	err := j.db.View(func(tx *bbolt.Tx) error {
		cur := tx.Bucket(bucketRecords).Cursor()
		k, v := cur.First()
		oldest := getU64(tx.Bucket(bucketMeta), keyLastSeq) + 1
		if k != nil {
			oldest = binary.BigEndian.Uint64(k)
		}
		if from == 0 {
			from = oldest
		}
		if from < oldest {
			return &TrimmedError{Requested: from, Oldest: oldest}
		}
		if from > oldest {
			k, v = cur.Seek(u64(from))
		}
		// Copy out of the mmap into one buffer for all records.
		var buf []byte
		for ; k != nil && (max <= 0 || len(recs) < max); k, v = cur.Next() {
			start := len(buf)
			buf = append(buf, v[timeLen:]...)
			recs = append(recs, Record{
				Seq:  binary.BigEndian.Uint64(k),
				Time: time.Unix(0, int64(binary.BigEndian.Uint64(v))),
				Data: buf[start:len(buf):len(buf)],
			})
		}
		// Point Data at the final buffer (append may have moved it).
		off := 0
		for i := range recs {
			n := len(recs[i].Data)
			recs[i].Data = buf[off : off+n : off+n]
			off += n
		}
		return nil
	})
	if err != nil {
		return nil, j.readErr("read", err)
	}
	return recs, nil
}

// readErr wraps an error of a read transaction.
func (j *Journal) readErr(op string, err error) error {
	var te *TrimmedError
	switch {
	case errors.As(err, &te):
		return err
	case errors.Is(err, bberrors.ErrDatabaseNotOpen):
		return ErrClosed
	}
	return fmt.Errorf("journal: %s %s: %w", op, j.path, err)
}

// LastSeq returns the newest committed sequence number (0 if none yet).
func (j *Journal) LastSeq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.stats.LastSeq
}

// FirstSeq returns the oldest retained sequence number, or LastSeq()+1 when
// the journal holds no records.
func (j *Journal) FirstSeq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.stats.FirstSeq
}

// Stats returns a snapshot of the journal's counters.
func (j *Journal) Stats() Stats {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.stats
}

// Wait blocks until LastSeq() > after, ctx is done (returning ctx.Err()) or
// the journal is closed (returning ErrClosed). Every commit that adds
// records wakes all waiters.
func (j *Journal) Wait(ctx context.Context, after uint64) error {
	for {
		j.mu.Lock()
		last, ch := j.stats.LastSeq, j.notify
		j.mu.Unlock()
		if last > after {
			return nil
		}
		select {
		case <-ch:
		case <-j.done:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// SetCursor records that consumer name has processed everything up to and
// including seq. The write is queued and rides on the next group commit, so
// SetCursor returns before it is durable: cursors are at-least-once, and
// after a crash a consumer may redo the last few events. Cursor sees the
// new value at once; Flush waits until it is on disk.
func (j *Journal) SetCursor(name string, seq uint64) error {
	return j.queue(name, func(w *consumerWrites) {
		if w.cursors == nil {
			w.cursors = make(map[string]cursorWrite)
		}
		w.cursors[name] = cursorWrite{seq: seq}
	})
}

// DeleteCursor removes consumer name's cursor (not its state blob), with
// the same queued semantics as SetCursor.
func (j *Journal) DeleteCursor(name string) error {
	return j.queue(name, func(w *consumerWrites) {
		if w.cursors == nil {
			w.cursors = make(map[string]cursorWrite)
		}
		w.cursors[name] = cursorWrite{del: true}
	})
}

// PutState stores an opaque state blob for consumer name (a webhook
// worker's attempts and next-attempt time, say), with the same queued
// semantics as SetCursor. b is copied. A nil or empty b deletes the state.
func (j *Journal) PutState(name string, b []byte) error {
	var c []byte
	if len(b) > 0 {
		c = append([]byte(nil), b...)
	}
	return j.queue(name, func(w *consumerWrites) {
		if w.states == nil {
			w.states = make(map[string][]byte)
		}
		w.states[name] = c
	})
}

// queue adds a consumer write to the pending set and makes sure the
// committer will run.
func (j *Journal) queue(name string, add func(*consumerWrites)) error {
	if name == "" {
		return errors.New("journal: empty consumer name")
	}
	j.mu.Lock()
	if j.closing {
		j.mu.Unlock()
		return ErrClosed
	}
	wasEmpty := j.pending.empty()
	add(&j.pending)
	j.mu.Unlock()
	if wasEmpty {
		select {
		case j.kick <- struct{}{}:
		default: // a kick is already pending
		}
	}
	return nil
}

// Cursor returns consumer name's cursor, including a write not yet
// committed. ok is false if it has none.
func (j *Journal) Cursor(name string) (seq uint64, ok bool, err error) {
	j.mu.Lock()
	cw, found := j.pending.cursors[name]
	if !found {
		cw, found = j.inflight.cursors[name]
	}
	j.mu.Unlock()
	if found {
		return cw.seq, !cw.del, nil
	}
	err = j.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketCursors).Get([]byte(name)); len(v) == 8 {
			seq, ok = binary.BigEndian.Uint64(v), true
		}
		return nil
	})
	if err != nil {
		return 0, false, j.readErr("read cursor", err)
	}
	return seq, ok, nil
}

// State returns consumer name's state blob (a copy, including a write not
// yet committed), or nil if it has none.
func (j *Journal) State(name string) ([]byte, error) {
	j.mu.Lock()
	b, found := j.pending.states[name]
	if !found {
		b, found = j.inflight.states[name]
	}
	j.mu.Unlock()
	if found {
		return append([]byte(nil), b...), nil
	}
	err := j.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketStates).Get([]byte(name)); v != nil {
			b = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil {
		return nil, j.readErr("read state", err)
	}
	return b, nil
}
