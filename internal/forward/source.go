package forward

import (
	"sync"
	"time"

	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// Source is the cluster-wide eventlog.Source: this node's journal first,
// then the origins the replica store holds. Because the store keeps every
// origin's own seqs and epoch, a cursor taken on any node resumes here.
type Source struct {
	j     *journal.Journal
	node  string
	store *Store

	mu  sync.Mutex
	cur chan struct{} // the channel Changed hands out; nil when none is pending
}

var _ eventlog.Source = (*Source)(nil)

// NewSource returns the cluster Source of node's journal j and store.
func NewSource(j *journal.Journal, node string, store *Store) *Source {
	return &Source{j: j, node: node, store: store}
}

// Origins lists the local origin, then the store's, sorted by node.
func (s *Source) Origins() []eventlog.Origin {
	st := s.j.Stats()
	out := []eventlog.Origin{{Node: s.node, Epoch: s.j.Epoch(), First: st.FirstSeq, Last: st.LastSeq}}
	for _, o := range s.store.Origins() {
		if o.Node == s.node {
			continue
		}
		out = append(out, eventlog.Origin{Node: o.Node, Epoch: o.Epoch, First: o.First, Last: o.Last})
	}
	return out
}

// Read reads origin's events after after, from the journal for this node.
func (s *Source) Read(origin string, after uint64, max int) ([]eventlog.Event, error) {
	if origin == s.node {
		recs, err := s.j.Read(after+1, max)
		if err != nil {
			return nil, err
		}
		return eventlog.Decode(s.node, s.j.Epoch(), recs), nil
	}
	epoch, recs, err := s.store.Read(origin, after, max)
	if err != nil {
		return nil, err
	}
	return eventlog.Decode(origin, epoch, toJournal(recs)), nil
}

// Changed fires at the next append to the journal or to the store.
func (s *Source) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return s.cur
	}
	ch := make(chan struct{})
	s.cur = ch
	jc, sc := s.j.Changed(), s.store.Changed()
	go func() {
		select {
		case <-jc:
		case <-sc:
		case <-s.store.closed:
		}
		s.mu.Lock()
		s.cur = nil
		s.mu.Unlock()
		close(ch)
	}()
	return ch
}

// read is Read for the peer protocol: records as they are stored, with
// the origin's epoch.
func (s *Source) read(origin string, after uint64, max int) (epoch string, recs []Record, err error) {
	if origin == s.node {
		jr, err := s.j.Read(after+1, max)
		if err != nil {
			return s.j.Epoch(), nil, err
		}
		recs = make([]Record, len(jr))
		for i, r := range jr {
			recs[i] = Record{Seq: r.Seq, Time: r.Time, Data: r.Data}
		}
		return s.j.Epoch(), recs, nil
	}
	return s.store.Read(origin, after, max)
}

// origins is Origins with the store's extra detail, for the protocol.
func (s *Source) origins() []OriginInfo {
	st := s.j.Stats()
	own := OriginInfo{Node: s.node, Epoch: s.j.Epoch(), First: st.FirstSeq, Last: st.LastSeq}
	out := []OriginInfo{own}
	for _, o := range s.store.Origins() {
		if o.Node != s.node {
			out = append(out, o)
		}
	}
	return out
}

func toJournal(recs []Record) []journal.Record {
	out := make([]journal.Record, len(recs))
	for i, r := range recs {
		out[i] = journal.Record{Seq: r.Seq, Time: r.Time, Data: r.Data}
	}
	return out
}

func fromWire(evs []WireEvent) []Record {
	out := make([]Record, len(evs))
	for i, e := range evs {
		out[i] = Record{Seq: e.Seq, Time: time.Unix(0, e.Time), Data: e.Data}
	}
	return out
}
