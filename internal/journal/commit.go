package journal

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

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
// (running retention too when it is due), answers its requests and wakes
// every waiter. A failed transaction (a full disk, an I/O error) is retried
// with backoff until it succeeds or Close begins: appends then wait,
// the intake's socket buffer fills, and no accepted event is dropped for a
// passing problem.
func (j *Journal) commit(batch []*request) {
	wait := j.retryMin
	for attempt := 1; ; attempt++ {
		err := j.tryCommit(batch)
		if err == nil {
			if attempt > 1 {
				j.log.Info("journal commits again", "path", j.path, "attempts", attempt)
			}
			j.answer(batch, nil)
			return
		}
		select {
		case <-j.quit:
			j.answer(batch, err)
			return
		default:
		}
		if attempt == 1 || attempt%10 == 0 {
			j.log.Error("journal commit failed; retrying", "path", j.path, "attempt", attempt, "err", err)
		}
		// Close ends the wait; the commit is then tried once more.
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-j.quit:
			t.Stop()
		}
		wait = min(2*wait, j.retryMax)
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
