package journal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"
)

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

// Changed returns a channel that is closed by the next commit that adds
// records. Readers that follow several journals (a cluster view) select on
// it instead of calling Wait per journal.
func (j *Journal) Changed() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.notify
}
