package forward

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// Who is asked for which origin: each peer for its own events; an origin
// whose node does not answer from the answering peer that holds the most
// of it, of the same journal and without a gap.
func TestPlan(t *testing.T) {
	const self, a, b, c = "self", "node-a", "node-b", "node-c"
	info := func(node, epoch string, first, last uint64) OriginInfo {
		return OriginInfo{Node: node, Epoch: epoch, First: first, Last: last}
	}
	for _, tc := range []struct {
		name      string
		held      []OriginInfo            // this node's replicas
		connected map[string]bool         // pullers by peer
		adv       map[string][]OriginInfo // what each peer advertised
		want      map[string]string       // peer -> its wants, as "origin/epoch/after ..."
	}{
		{"everyone up: each its own", nil,
			map[string]bool{a: true, b: true},
			map[string][]OriginInfo{a: {info(a, "ea", 1, 9), info(b, "eb", 1, 3)}, b: {info(b, "eb", 1, 3), info(a, "ea", 1, 9)}},
			map[string]string{a: "node-a//0", b: "node-b//0"}},
		{"a down: a's events from b, after what is held", []OriginInfo{info(a, "ea", 1, 4)},
			map[string]bool{a: false, b: true},
			map[string][]OriginInfo{b: {info(b, "eb", 1, 3), info(a, "ea", 1, 9)}},
			map[string]string{a: "node-a/ea/4", b: "node-b//0 node-a/ea/4"}},
		{"a down: from the holder of the most", []OriginInfo{info(a, "ea", 1, 4)},
			map[string]bool{a: false, b: true, c: true},
			map[string][]OriginInfo{b: {info(a, "ea", 1, 6)}, c: {info(a, "ea", 1, 9)}},
			map[string]string{a: "node-a/ea/4", b: "node-b//0", c: "node-c//0 node-a/ea/4"}},
		{"a down: not from a holder with a gap", []OriginInfo{info(a, "ea", 1, 4)},
			map[string]bool{a: false, b: true, c: true},
			map[string][]OriginInfo{b: {info(a, "ea", 1, 6)}, c: {info(a, "ea", 7, 9)}},
			map[string]string{a: "node-a/ea/4", b: "node-b//0 node-a/ea/4", c: "node-c//0"}},
		{"a down: not another journal of a", []OriginInfo{info(a, "ea", 1, 4)},
			map[string]bool{a: false, b: true},
			map[string][]OriginInfo{b: {info(a, "ea2", 1, 9)}},
			map[string]string{a: "node-a/ea/4", b: "node-b//0"}},
		{"a down: nothing new anywhere", []OriginInfo{info(a, "ea", 1, 9)},
			map[string]bool{a: false, b: true},
			map[string][]OriginInfo{b: {info(a, "ea", 1, 9)}},
			map[string]string{a: "node-a/ea/9", b: "node-b//0"}},
		{"never from a peer that does not answer", nil,
			map[string]bool{a: false, b: false},
			map[string][]OriginInfo{b: {info(a, "ea", 1, 9)}},
			map[string]string{a: "node-a//0", b: "node-b//0"}},
		{"a detached node's events from whoever has them", []OriginInfo{info(c, "ec", 1, 2)},
			map[string]bool{a: true},
			map[string][]OriginInfo{a: {info(c, "ec", 1, 5)}},
			map[string]string{a: "node-a//0 node-c/ec/2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, filepath.Join(t.TempDir(), "r.db"), StoreOptions{})
			for _, o := range tc.held {
				if _, err := s.Put(o.Node, o.Epoch, recs(o.First, o.Last, time.Now()), false); err != nil {
					t.Fatal(err)
				}
			}
			f := NewForwarder(Options{Node: self, Store: s})
			for peer, up := range tc.connected {
				p := &puller{uuid: peer, connected: up, advertised: map[string]OriginInfo{}}
				for _, o := range tc.adv[peer] {
					p.advertised[o.Node] = o
				}
				f.pullers[peer] = p
			}
			for peer, want := range tc.want {
				got := ""
				for i, w := range f.planLocked(f.pullers[peer]) {
					if i > 0 {
						got += " "
					}
					got += fmt.Sprintf("%s/%s/%d", w.Origin, w.Epoch, w.After)
				}
				if got != want {
					t.Errorf("plan for %s = %q, want %q", peer, got, want)
				}
			}
		})
	}
}
