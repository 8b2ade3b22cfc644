package filter

import (
	"testing"

	"github.com/gluster/gluster-eventing/gfevent"
)

// FuzzParse checks that Parse never panics and that every expression it
// accepts has a stable canonical form selecting the same events.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "VOLUME_*", "Volume.*", "Georep.State.Faulty", "category:brick category:quorum severity:warning",
		"!VOLUME_SET volume:gv* node:3f2a", "channel:alerts !channel:bricks", "a:b", "VOLUME_[", "!,!", "3 141 -1",
	} {
		f.Add(s)
	}
	samples := make([]*gfevent.Event, 0, gfevent.NumTypes)
	for _, typ := range gfevent.Types() {
		samples = append(samples, ev(typ, "volume", "gv0", "name", "gv1", " subvol", "gv2-replicate-0"))
	}
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := Parse(expr, channels)
		if err != nil {
			if flt != nil {
				t.Fatalf("Parse(%q) returned a filter and %v", expr, err)
			}
			return
		}
		again, err := Parse(flt.String(), channels)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", flt.String(), expr, err)
		}
		if again.String() != flt.String() {
			t.Fatalf("canonical form of %q not stable: %q -> %q", expr, flt.String(), again.String())
		}
		for _, e := range samples {
			for _, node := range []string{node1, node2} {
				if flt.Match(e, node) != again.Match(e, node) {
					t.Fatalf("%q and its canonical form %q differ on %s", expr, flt.String(), e.Type)
				}
			}
		}
	})
}
