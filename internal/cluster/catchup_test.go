package cluster

import (
	"errors"
	"testing"
)

func TestNewest(t *testing.T) {
	v := func(gen int64, origin, digest string) Version {
		return Version{Generation: gen, Origin: origin, Digest: digest}
	}
	self := Node{UUID: "s", Hostname: "localhost", Self: true}
	a, b := Node{UUID: "a", Hostname: "a"}, Node{UUID: "b", Hostname: "b"}
	mine := v(3, "s", "d3")
	for _, tt := range []struct {
		name     string
		versions []NodeVersion
		mine     *Version
		want     string // hostname, "" for none
	}{
		{"all the same", []NodeVersion{{Node: self, Version: mine, Exists: true}, {Node: a, Version: mine, Exists: true}}, &mine, ""},
		{"a peer is newer", []NodeVersion{{Node: a, Version: v(4, "a", "d4"), Exists: true}, {Node: b, Version: mine, Exists: true}}, &mine, "a"},
		{"the newest of two", []NodeVersion{{Node: a, Version: v(4, "a", "x"), Exists: true}, {Node: b, Version: v(5, "b", "y"), Exists: true}}, &mine, "b"},
		{"a tie goes to the lower origin", []NodeVersion{{Node: a, Version: v(3, "a", "other"), Exists: true}}, &mine, "a"},
		{"this node wins the tie", []NodeVersion{{Node: a, Version: v(3, "z", "other"), Exists: true}}, &mine, ""},
		{"older peers", []NodeVersion{{Node: a, Version: v(2, "a", "x"), Exists: true}}, &mine, ""},
		{"a peer that did not answer", []NodeVersion{{Node: a, Version: v(9, "a", "x"), Exists: true, Err: errors.New("down")}}, &mine, ""},
		{"a peer without a file", []NodeVersion{{Node: a, Version: v(0, "", "defaults"), Exists: false}}, &mine, ""},
		{"this node has none", []NodeVersion{{Node: a, Version: v(1, "", "x"), Exists: true}}, nil, "a"},
		{"this node's own entry is never the answer", []NodeVersion{{Node: self, Version: v(9, "s", "x"), Exists: true}}, &mine, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Newest(tt.versions, tt.mine)
			if ok != (tt.want != "") || got.Node.Hostname != tt.want {
				t.Errorf("Newest = %q, %v; want %q", got.Node.Hostname, ok, tt.want)
			}
		})
	}
}
