package forward

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"

	"github.com/gluster/gluster-eventing/internal/journal"
)

// Record is one event of an origin's journal as it is forwarded and
// stored: the origin's seq, when the origin journaled it, and the
// journal record's bytes (an evrec encoding), unchanged.
type Record struct {
	Seq  uint64
	Time time.Time
	Data []byte
}

// OriginInfo is what a Store holds of one origin.
type OriginInfo struct {
	Node  string `json:"node"`
	Epoch string `json:"epoch"`
	// First is the oldest seq held and Last the newest; an origin holding
	// nothing has First == Last+1.
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
	// LastTime is when the origin journaled Last (zero if unknown).
	LastTime time.Time `json:"last_time,omitzero"`
	// Lost counts events that were never received: they fell out of every
	// holder's retention before this node fetched them.
	Lost uint64 `json:"lost,omitempty"`
}

// StoreOptions configure a Store; zero values mean no bound.
type StoreOptions struct {
	// MaxBytes and MaxAge bound each origin's replica as the journal's
	// max_bytes and max_age bound the local journal (MaxAge counts from
	// when the origin journaled an event).
	MaxBytes int64
	MaxAge   time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// Store is the replica store: the events of other origin nodes, each
// origin under its own seqs and epoch, in a bbolt file of its own (the
// local journal's commits never wait for it).
type Store struct {
	db   *bbolt.DB
	path string
	opts StoreOptions

	writeMu sync.Mutex // one Put or Trim at a time

	mu      sync.Mutex
	origins map[string]*OriginInfo
	bytes   map[string]int64 // data bytes held per origin
	notify  chan struct{}
	closed  chan struct{}
}

var (
	bucketOrigins = []byte("origins") // origin UUID -> bucket of records (seq -> time(8) + data)
	bucketMeta    = []byte("meta")    // origin UUID -> JSON OriginInfo
	bucketPeers   = []byte("peers")   // peer UUID -> JSON []string addresses
)

const timeLen = 8

// ErrGap is returned by Put for records that do not follow the last one
// held when the caller did not allow a gap.
var ErrGap = errors.New("forward: records do not follow the last one held")

// OpenStore opens or creates the replica store at path.
func OpenStore(path string, opts StoreOptions) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, FreelistType: bbolt.FreelistMapType, NoFreelistSync: true})
	if errors.Is(err, bberrors.ErrTimeout) {
		return nil, fmt.Errorf("replica store %s: %w", path, journal.ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("replica store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, opts: opts, origins: map[string]*OriginInfo{}, bytes: map[string]int64{},
		notify: make(chan struct{}), closed: make(chan struct{})}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketOrigins, bucketMeta, bucketPeers} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).ForEach(func(k, v []byte) error {
			var o OriginInfo
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("origin %s: %w", k, err)
			}
			recs := tx.Bucket(bucketOrigins).Bucket(k)
			o.First = o.Last + 1
			var n int64
			if recs != nil {
				if fk, _ := recs.Cursor().First(); fk != nil {
					o.First = binary.BigEndian.Uint64(fk)
				}
				recs.ForEach(func(_, v []byte) error { n += int64(len(v) - timeLen); return nil })
			}
			s.origins[o.Node] = &o
			s.bytes[o.Node] = n
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("replica store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the file; Changed channels fire.
func (s *Store) Close() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	select {
	case <-s.closed:
		return nil
	default:
	}
	close(s.closed)
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("replica store %s: %w", s.path, err)
	}
	return nil
}

// Origins returns what the store holds, sorted by node.
func (s *Store) Origins() []OriginInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]OriginInfo, 0, len(s.origins))
	for _, k := range slices.Sorted(maps.Keys(s.origins)) {
		out = append(out, *s.origins[k])
	}
	return out
}

// Origin returns what the store holds of node.
func (s *Store) Origin(node string) (OriginInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.origins[node]
	if !ok {
		return OriginInfo{}, false
	}
	return *o, true
}

// Changed returns a channel closed by the next Put that adds records.
func (s *Store) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notify
}

// Put stores records of origin's journal with epoch, in ascending seq
// order. Records the store holds already (seq <= Last of the same epoch)
// are skipped, so a duplicate is harmless. Records of another epoch than
// the one held replace everything held of origin (its journal was
// replaced: it starts anew). The first new record must follow Last unless
// gapOK (the holder no longer has what came between: it is counted as
// lost) or nothing is held of origin. It returns how many records it
// added.
func (s *Store) Put(origin, epoch string, recs []Record, gapOK bool) (int, error) {
	if origin == "" || epoch == "" {
		return 0, errors.New("forward: Put: empty origin or epoch")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	cur, known := s.origins[origin]
	var o OriginInfo
	if known && cur.Epoch == epoch {
		o = *cur
	} else {
		o = OriginInfo{Node: origin, Epoch: epoch}
	}
	s.mu.Unlock()
	reset := known && cur.Epoch != epoch

	i := 0
	for i < len(recs) && recs[i].Seq <= o.Last {
		i++
	}
	recs = recs[i:]
	if len(recs) == 0 && !reset {
		return 0, nil
	}
	for k := 1; k < len(recs); k++ {
		if recs[k].Seq != recs[k-1].Seq+1 {
			return 0, fmt.Errorf("forward: Put %s: seq %d follows %d", origin, recs[k].Seq, recs[k-1].Seq)
		}
	}
	empty := o.Last == 0 && o.First <= 1
	dropOld := false
	if len(recs) > 0 && recs[0].Seq != o.Last+1 && !empty {
		if !gapOK {
			return 0, fmt.Errorf("%w: %s epoch %s holds up to %d, got %d", ErrGap, origin, epoch, o.Last, recs[0].Seq)
		}
		o.Lost += recs[0].Seq - o.Last - 1
		dropOld = true // the replica stays contiguous: what came before the gap goes
	}
	var added int64
	err := s.db.Update(func(tx *bbolt.Tx) error {
		ob := tx.Bucket(bucketOrigins)
		key := []byte(origin)
		if reset || dropOld {
			if ob.Bucket(key) != nil {
				if err := ob.DeleteBucket(key); err != nil {
					return err
				}
			}
		}
		b, err := ob.CreateBucketIfNotExists(key)
		if err != nil {
			return err
		}
		b.FillPercent = 1
		for _, r := range recs {
			v := make([]byte, timeLen+len(r.Data))
			binary.BigEndian.PutUint64(v, uint64(r.Time.UnixNano()))
			copy(v[timeLen:], r.Data)
			if err := b.Put(binary.BigEndian.AppendUint64(nil, r.Seq), v); err != nil {
				return err
			}
			added += int64(len(r.Data))
		}
		if len(recs) > 0 {
			if empty || reset || dropOld {
				o.First = recs[0].Seq
			}
			o.Last = recs[len(recs)-1].Seq
			o.LastTime = recs[len(recs)-1].Time
		} else {
			o.First = o.Last + 1
		}
		return putMeta(tx, o)
	})
	if err != nil {
		return 0, fmt.Errorf("replica store %s: %w", s.path, err)
	}
	s.mu.Lock()
	if reset || dropOld {
		s.bytes[origin] = 0
	}
	s.bytes[origin] += added
	s.origins[origin] = &o
	if len(recs) > 0 {
		close(s.notify)
		s.notify = make(chan struct{})
	}
	s.mu.Unlock()
	if reset {
		s.opts.Logger.Info("a peer's journal was replaced; its replica starts anew", "origin", origin, "epoch", epoch, "was", cur.Epoch)
	}
	if len(recs) > 0 {
		if err := s.trimOriginLocked(origin); err != nil {
			return len(recs), err
		}
	}
	return len(recs), nil
}

func putMeta(tx *bbolt.Tx, o OriginInfo) error {
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put([]byte(o.Node), b)
}

// Read returns up to max records (max <= 0: no limit) of origin with seq >
// after, in order. It returns a *journal.TrimmedError when after+1 is
// older than the oldest record held, and nothing for an origin the store
// does not hold.
func (s *Store) Read(origin string, after uint64, max int) (epoch string, recs []Record, err error) {
	s.mu.Lock()
	o, ok := s.origins[origin]
	var info OriginInfo
	if ok {
		info = *o
	}
	s.mu.Unlock()
	if !ok {
		return "", nil, nil
	}
	err = s.db.View(func(tx *bbolt.Tx) error {
		m := tx.Bucket(bucketMeta).Get([]byte(origin))
		if m != nil {
			json.Unmarshal(m, &info)
		}
		b := tx.Bucket(bucketOrigins).Bucket([]byte(origin))
		first := info.Last + 1
		var c *bbolt.Cursor
		if b != nil {
			c = b.Cursor()
			if k, _ := c.First(); k != nil {
				first = binary.BigEndian.Uint64(k)
			}
		}
		if after+1 < first {
			return &journal.TrimmedError{Requested: after + 1, Oldest: first}
		}
		if c == nil {
			return nil
		}
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil && (max <= 0 || len(recs) < max); k, v = c.Next() {
			recs = append(recs, Record{
				Seq:  binary.BigEndian.Uint64(k),
				Time: time.Unix(0, int64(binary.BigEndian.Uint64(v))),
				Data: append([]byte(nil), v[timeLen:]...),
			})
		}
		return nil
	})
	var te *journal.TrimmedError
	switch {
	case errors.As(err, &te):
		return info.Epoch, nil, err
	case errors.Is(err, bberrors.ErrDatabaseNotOpen):
		return "", nil, journal.ErrClosed
	case err != nil:
		return "", nil, fmt.Errorf("replica store %s: %w", s.path, err)
	}
	return info.Epoch, recs, nil
}

// Trim applies retention to every origin (Put does it for the origin it
// adds to; the daemon calls Trim periodically for MaxAge).
func (s *Store) Trim() error {
	s.mu.Lock()
	names := slices.Collect(maps.Keys(s.origins))
	s.mu.Unlock()
	var errs []error
	for _, n := range names {
		s.writeMu.Lock()
		errs = append(errs, s.trimOriginLocked(n))
		s.writeMu.Unlock()
	}
	return errors.Join(errs...)
}

// trimOriginLocked deletes origin's oldest records while it holds more
// than MaxBytes or they are older than MaxAge; writeMu is held.
func (s *Store) trimOriginLocked(origin string) error {
	if s.opts.MaxBytes <= 0 && s.opts.MaxAge <= 0 {
		return nil
	}
	s.mu.Lock()
	held := s.bytes[origin]
	s.mu.Unlock()
	cutoff := s.opts.Now().Add(-s.opts.MaxAge).UnixNano()
	if s.opts.MaxBytes <= 0 || held <= s.opts.MaxBytes {
		// Within MaxBytes: only age can trim, and only if the oldest
		// record is too old. A read transaction tells, without the
		// fsyncs of a write one.
		old := false
		s.db.View(func(tx *bbolt.Tx) error {
			if b := tx.Bucket(bucketOrigins).Bucket([]byte(origin)); b != nil {
				if k, v := b.Cursor().First(); k != nil {
					old = s.opts.MaxAge > 0 && int64(binary.BigEndian.Uint64(v)) < cutoff
				}
			}
			return nil
		})
		if !old {
			return nil
		}
	}
	var freed int64
	var first uint64
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketOrigins).Bucket([]byte(origin))
		if b == nil {
			return nil
		}
		var doomed [][]byte
		c := b.Cursor()
		k, v := c.First()
		for ; k != nil && len(doomed) < 10000; k, v = c.Next() {
			over := s.opts.MaxBytes > 0 && held-freed > s.opts.MaxBytes
			old := s.opts.MaxAge > 0 && int64(binary.BigEndian.Uint64(v)) < cutoff
			if !over && !old {
				break
			}
			doomed = append(doomed, append([]byte(nil), k...))
			freed += int64(len(v) - timeLen)
		}
		if k != nil {
			first = binary.BigEndian.Uint64(k)
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replica store %s: retention: %w", s.path, err)
	}
	if freed == 0 {
		return nil
	}
	s.mu.Lock()
	s.bytes[origin] -= freed
	if o := s.origins[origin]; o != nil {
		if first == 0 {
			first = o.Last + 1
		}
		o.First = first
	}
	s.mu.Unlock()
	return nil
}

// SavePeers records the peers' addresses (replacing the ones recorded
// before), so that a daemon started while glusterd is down still knows
// whom to pull from.
func (s *Store) SavePeers(peers map[string][]string) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPeers)
		var gone [][]byte
		b.ForEach(func(k, _ []byte) error {
			if _, ok := peers[string(k)]; !ok {
				gone = append(gone, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		for uuid, addrs := range peers {
			v, err := json.Marshal(addrs)
			if err != nil {
				return err
			}
			if old := b.Get([]byte(uuid)); string(old) == string(v) {
				continue
			}
			if err := b.Put([]byte(uuid), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replica store %s: %w", s.path, err)
	}
	return nil
}

// Peers returns the addresses SavePeers recorded.
func (s *Store) Peers() (map[string][]string, error) {
	out := map[string][]string{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketPeers).ForEach(func(k, v []byte) error {
			var addrs []string
			if json.Unmarshal(v, &addrs) == nil {
				out[string(k)] = addrs
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("replica store %s: %w", s.path, err)
	}
	return out, nil
}
