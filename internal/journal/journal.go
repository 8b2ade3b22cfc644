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
	// quit is closed when Close begins: a failing commit stops backing off
	// and answers its requests with the error, so that Close does not wait
	// for a disk that may never recover.
	quit     chan struct{}
	quitOnce sync.Once

	// The backoff between attempts at a failing commit (commitRetryMin
	// and commitRetryMax; tests lengthen it).
	retryMin, retryMax time.Duration

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
		quit:     make(chan struct{}),
		notify:   make(chan struct{}),
		retryMin: commitRetryMin,
		retryMax: commitRetryMax,
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

// Close commits everything queued, stops the committer and closes the file.
// It does not wait for a failing disk to recover: a commit that is failing
// is tried once more and its requests get the error, and so does every
// request still queued whose commit fails. Calls after the first return nil.
func (j *Journal) Close() error {
	j.quitOnce.Do(func() { close(j.quit) })
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
func u64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

func getU64(b *bbolt.Bucket, key []byte) uint64 {
	if v := b.Get(key); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}
