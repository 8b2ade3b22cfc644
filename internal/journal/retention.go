package journal

import (
	"encoding/binary"
	"time"

	"go.etcd.io/bbolt"
)

const (
	// retentionInterval is how often, at most, a commit also runs
	// retention, unless the journal is well over MaxBytes.
	retentionInterval = time.Second
	// maxTrimPerTx bounds the deletions done in one transaction so that a
	// large backlog (e.g. after lowering MaxBytes) does not make one group
	// commit slow; the rest is trimmed by the following commits.
	maxTrimPerTx = 10000
)

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
