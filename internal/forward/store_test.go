package forward

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/journal"
)

func recs(from, to uint64, at time.Time) []Record {
	var out []Record
	for s := from; s <= to; s++ {
		out = append(out, Record{Seq: s, Time: at, Data: fmt.Appendf(nil, "event %d", s)})
	}
	return out
}

func seqs(rs []Record) []uint64 {
	out := []uint64{}
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}

func openStore(t *testing.T, path string, opts StoreOptions) *Store {
	t.Helper()
	s, err := OpenStore(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStorePut(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	const o = "11111111-2222-3333-4444-555555555555"
	type step struct {
		epoch   string
		from    uint64
		to      uint64
		gapOK   bool
		added   int
		err     error
		first   uint64
		last    uint64
		lost    uint64
		content []uint64
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"first put starts anywhere", []step{
			{epoch: "e1", from: 40, to: 42, added: 3, first: 40, last: 42, content: []uint64{40, 41, 42}},
		}},
		{"duplicates are skipped", []step{
			{epoch: "e1", from: 1, to: 3, added: 3, first: 1, last: 3},
			{epoch: "e1", from: 1, to: 3, added: 0, first: 1, last: 3},
			{epoch: "e1", from: 2, to: 5, added: 2, first: 1, last: 5, content: []uint64{1, 2, 3, 4, 5}},
		}},
		{"a gap is refused", []step{
			{epoch: "e1", from: 1, to: 3, added: 3, first: 1, last: 3},
			{epoch: "e1", from: 6, to: 7, err: ErrGap, first: 1, last: 3, content: []uint64{1, 2, 3}},
		}},
		{"an allowed gap is counted and the replica stays contiguous", []step{
			{epoch: "e1", from: 1, to: 3, added: 3, first: 1, last: 3},
			{epoch: "e1", from: 6, to: 7, gapOK: true, added: 2, first: 6, last: 7, lost: 2, content: []uint64{6, 7}},
		}},
		{"a new epoch starts anew", []step{
			{epoch: "e1", from: 1, to: 9, added: 9, first: 1, last: 9},
			{epoch: "e2", from: 1, to: 2, added: 2, first: 1, last: 2, content: []uint64{1, 2}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, filepath.Join(t.TempDir(), "r.db"), StoreOptions{Now: func() time.Time { return now }})
			for i, st := range tc.steps {
				n, err := s.Put(o, st.epoch, recs(st.from, st.to, now), st.gapOK)
				if !errors.Is(err, st.err) || n != st.added {
					t.Fatalf("step %d: Put = %d, %v; want %d, %v", i, n, err, st.added, st.err)
				}
				info, _ := s.Origin(o)
				if info.First != st.first || info.Last != st.last || info.Lost != st.lost || info.Epoch != st.epoch && st.err == nil {
					t.Fatalf("step %d: origin %+v, want first %d last %d lost %d epoch %s", i, info, st.first, st.last, st.lost, st.epoch)
				}
				if st.content != nil {
					_, got, err := s.Read(o, st.first-1, 0)
					if err != nil || fmt.Sprint(seqs(got)) != fmt.Sprint(st.content) {
						t.Fatalf("step %d: Read = %v, %v; want %v", i, seqs(got), err, st.content)
					}
				}
			}
		})
	}
}

func TestStoreReadTrimmedAndReopen(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	path := filepath.Join(t.TempDir(), "r.db")
	const o = "aaaaaaaa-0000-0000-0000-000000000001"
	s, err := OpenStore(path, StoreOptions{MaxAge: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(o, "e1", recs(1, 5, now.Add(-2*time.Hour)), false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(o, "e1", recs(6, 8, now), false); err != nil {
		t.Fatal(err)
	}
	info, _ := s.Origin(o)
	if info.First != 6 || info.Last != 8 {
		t.Fatalf("after retention: %+v, want first 6 last 8", info)
	}
	_, _, err = s.Read(o, 2, 0)
	var te *journal.TrimmedError
	if !errors.As(err, &te) || te.Oldest != 6 {
		t.Fatalf("Read after 2 = %v, want TrimmedError oldest 6", err)
	}
	epoch, got, err := s.Read(o, 6, 1)
	if err != nil || epoch != "e1" || fmt.Sprint(seqs(got)) != "[7]" || string(got[0].Data) != "event 7" || !got[0].Time.Equal(now) {
		t.Fatalf("Read after 6 max 1 = %s %+v %v", epoch, got, err)
	}
	if err := s.SavePeers(map[string][]string{"p0": {"10.0.0.9"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePeers(map[string][]string{"p1": {"10.0.0.1", "node1"}}); err != nil { // p0 was detached
		t.Fatal(err)
	}
	s.Close()

	s = openStore(t, path, StoreOptions{})
	info, ok := s.Origin(o)
	if !ok || info.First != 6 || info.Last != 8 || info.Epoch != "e1" {
		t.Fatalf("reopened: %+v %v", info, ok)
	}
	peers, err := s.Peers()
	if err != nil || fmt.Sprint(peers) != "map[p1:[10.0.0.1 node1]]" {
		t.Fatalf("Peers = %v, %v", peers, err)
	}
	if _, _, err := s.Read("unknown", 0, 0); err != nil {
		t.Fatalf("Read of an unknown origin: %v", err)
	}
}

func TestStoreMaxBytes(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "r.db"), StoreOptions{MaxBytes: 30})
	const o = "aaaaaaaa-0000-0000-0000-000000000001"
	if _, err := s.Put(o, "e", recs(1, 10, time.Now()), false); err != nil { // "event N" is 7 bytes, 8 for 10
		t.Fatal(err)
	}
	info, _ := s.Origin(o)
	if info.First != 7 || info.Last != 10 {
		t.Fatalf("%+v, want the last 4 (30 bytes) kept", info)
	}
}
