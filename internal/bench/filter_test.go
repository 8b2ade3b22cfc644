package main

import (
	"strconv"
	"testing"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/filter"
)

// TestShareFilter checks the filter scenario's expressions with the filter
// package: webhook k of n selects exactly the markers v<i> with i%n == k,
// and every warm-up marker, of the VOLUME_START events the sender sends.
func TestShareFilter(t *testing.T) {
	for _, n := range []int{1, 4, 20, 100} {
		for k := range n {
			f, err := filter.Parse(shareFilter(k, n), nil)
			if err != nil {
				t.Fatalf("shareFilter(%d, %d): %v", k, n, err)
			}
			ev := func(name string) *gfevent.Event {
				return &gfevent.Event{Type: gfevent.VolumeStart, Fields: []gfevent.Field{{Key: "name", Value: name}, {Key: "force", Value: "0"}}}
			}
			for i := range 2500 {
				if got, want := f.Match(ev("v"+strconv.Itoa(i)), ""), i%n == k; got != want {
					t.Fatalf("shareFilter(%d, %d) %q: v%d matches %v, want %v", k, n, shareFilter(k, n), i, got, want)
				}
			}
			if !f.Match(ev("w3"), "") {
				t.Errorf("shareFilter(%d, %d) drops the warm-up markers", k, n)
			}
		}
	}
}
