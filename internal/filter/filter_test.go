package filter

import (
	"errors"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/gfevent"
)

const (
	node1 = "3f2a9c1e-0000-4000-8000-000000000001"
	node2 = "7d00aa12-0000-4000-8000-000000000002"
)

func ev(t gfevent.Type, kv ...string) *gfevent.Event {
	e := &gfevent.Event{Time: 1, Type: t}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Fields = append(e.Fields, gfevent.Field{Key: kv[i], Value: kv[i+1]})
	}
	return e
}

func channels(name string) (string, bool) {
	switch name {
	case "alerts":
		return "severity:warning", true
	case "bricks":
		return "category:brick", true
	case "everything":
		return "", true
	case "loop":
		return "channel:loop2", true
	case "loop2":
		return "channel:loop", true
	case "bad":
		return "VOLUME_STRAT", true
	}
	return "", false
}

func TestMatch(t *testing.T) {
	brickDown := ev(gfevent.BrickDisconnected, "peer", "n1", "volume", "gv0", "brick", "/b1")
	brickUp := ev(gfevent.BrickConnected, "peer", "n1", "volume", "gv0", "brick", "/b1")
	quorumLost := ev(gfevent.QuorumLost, "volume", "gv1")
	volStart := ev(gfevent.VolumeStart, "name", "gv0", "force", "0")
	volSet := ev(gfevent.VolumeSet, "name", "gv1", "options", ",a,b")
	afrDown := ev(gfevent.AfrSubvolsDown, "client-pid", "-6", " subvol", "gv0-replicate-0")
	afrQuorum := ev(gfevent.AfrQuorumFail, "client-pid", "-6", " subvol", "gv1-replicate-3")
	faulty := ev(gfevent.GeorepFaulty, "primary_volume", "gv0")
	unknown := ev(gfevent.Type(9999))
	all := map[string]*gfevent.Event{
		"brickDown": brickDown, "brickUp": brickUp, "quorumLost": quorumLost, "volStart": volStart,
		"volSet": volSet, "afrDown": afrDown, "afrQuorum": afrQuorum, "faulty": faulty, "unknown": unknown,
	}
	for _, tt := range []struct {
		expr  string
		canon string
		want  []string // names of all that match on node1
		node2 []string // names that match on node2, when different
	}{
		{expr: "", canon: "", want: keys(all)},
		{expr: "  ,, ", canon: "", want: keys(all)},
		{expr: "VOLUME_START", canon: "VOLUME_START", want: []string{"volStart"}},
		{expr: "volume_start", canon: "VOLUME_START", want: []string{"volStart"}},
		{expr: "EVENT_VOLUME_START", canon: "VOLUME_START", want: []string{"volStart"}},
		{expr: "3", canon: "VOLUME_START", want: []string{"volStart"}},
		{expr: "Volume.Start", canon: "VOLUME_START", want: []string{"volStart"}},
		{expr: "VOLUME_*", canon: "VOLUME_*", want: []string{"volStart", "volSet"}},
		{expr: "Volume.*", canon: "VOLUME_*", want: []string{"volStart", "volSet"}},
		{expr: "Georep.State.Faulty", canon: "GEOREP_FAULTY", want: []string{"faulty"}},
		{expr: "Georep.State.*", canon: "GEOREP_STATE_*", want: []string{"faulty"}},
		{expr: "BRICK_* QUORUM_*", canon: "BRICK_* QUORUM_*", want: []string{"brickDown", "brickUp", "quorumLost"}},
		{expr: "BRICK_*,QUORUM_LOST", canon: "BRICK_* QUORUM_LOST", want: []string{"brickDown", "brickUp", "quorumLost"}},
		{expr: "category:brick", canon: "category:brick", want: []string{"brickDown", "brickUp"}},
		{expr: "Category:AFR", canon: "category:heal", want: []string{"afrDown"}},
		{expr: "category:brick category:quorum", canon: "category:brick category:quorum",
			want: []string{"brickDown", "brickUp", "quorumLost", "afrQuorum"}},
		// The operator story: brick and quorum alerts, warning or worse.
		{expr: "category:brick category:quorum severity:warning", canon: "category:brick category:quorum severity:warning",
			want: []string{"brickDown", "quorumLost", "afrQuorum"}},
		{expr: "severity:critical", canon: "severity:critical", want: []string{"brickDown", "quorumLost", "afrDown", "afrQuorum", "faulty"}},
		{expr: "severity:info", canon: "severity:info", want: keys(all, "unknown")},
		{expr: "!severity:warning", canon: "!severity:warning", want: []string{"brickUp", "volStart", "volSet"}},
		{expr: "VOLUME_* !VOLUME_SET", canon: "VOLUME_* !VOLUME_SET", want: []string{"volStart"}},
		{expr: "!VOLUME_SET", canon: "!VOLUME_SET", want: keys(all, "volSet", "unknown")},
		{expr: "volume:gv0", canon: "volume:gv0", want: []string{"brickDown", "brickUp", "volStart", "afrDown", "faulty"}},
		{expr: "volume:gv1 volume:gv0", canon: "volume:gv1 volume:gv0", want: []string{"brickDown", "brickUp", "quorumLost", "volStart", "volSet", "afrDown", "afrQuorum", "faulty"}},
		{expr: "volume:gv*", canon: "volume:gv*", want: []string{"brickDown", "brickUp", "quorumLost", "volStart", "volSet", "afrDown", "afrQuorum", "faulty"}},
		{expr: "!volume:gv0", canon: "!volume:gv0", want: []string{"quorumLost", "volSet", "afrQuorum", "unknown"}},
		{expr: "category:brick volume:gv0", canon: "category:brick volume:gv0", want: []string{"brickDown", "brickUp"}},
		{expr: "node:3F2A", canon: "node:3f2a", want: keys(all), node2: nil},
		{expr: "node:" + node2, canon: "node:" + node2, want: nil, node2: keys(all)},
		{expr: "!node:3f2a9c1e BRICK_CONNECTED", canon: "BRICK_CONNECTED !node:3f2a9c1e", want: nil, node2: []string{"brickUp"}},
		{expr: "channel:alerts", canon: "channel:alerts", want: []string{"brickDown", "quorumLost", "afrDown", "afrQuorum", "faulty"}},
		{expr: "channel:alerts channel:bricks", canon: "channel:alerts channel:bricks",
			want: []string{"brickDown", "brickUp", "quorumLost", "afrDown", "afrQuorum", "faulty"}},
		{expr: "channel:alerts !channel:bricks", canon: "channel:alerts !channel:bricks",
			want: []string{"quorumLost", "afrDown", "afrQuorum", "faulty"}},
		{expr: "channel:everything", canon: "channel:everything", want: keys(all)},
		{expr: "channel:alerts volume:gv1", canon: "volume:gv1 channel:alerts", want: []string{"quorumLost", "afrQuorum"}},
		{expr: "event:VOLUME_START type:VOLUME_SET", canon: "VOLUME_START VOLUME_SET", want: []string{"volStart", "volSet"}},
		{expr: "VOLUME_START VOLUME_START", canon: "VOLUME_START", want: []string{"volStart"}},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			f, err := Parse(tt.expr, channels)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.String(); got != tt.canon {
				t.Errorf("String() = %q, want %q", got, tt.canon)
			}
			want2 := tt.node2
			if want2 == nil && !strings.Contains(tt.expr, "node:") {
				want2 = tt.want
			}
			for name, e := range all {
				for _, m := range []struct {
					node string
					want []string
				}{{node1, tt.want}, {node2, want2}} {
					if got, want := f.Match(e, m.node), slices.Contains(m.want, name); got != want {
						t.Errorf("Match(%s, %s) = %v, want %v", name, m.node[:8], got, want)
					}
				}
			}
			// The canonical form selects the same events.
			g, err := Parse(f.String(), channels)
			if err != nil {
				t.Fatalf("canonical %q: %v", f.String(), err)
			}
			if g.String() != f.String() {
				t.Errorf("canonical form not stable: %q -> %q", f.String(), g.String())
			}
			for name, e := range all {
				if f.Match(e, node1) != g.Match(e, node1) || f.Match(e, node2) != g.Match(e, node2) {
					t.Errorf("%s: canonical form matches differently", name)
				}
			}
		})
	}
}

func keys(m map[string]*gfevent.Event, except ...string) []string {
	var out []string
	for k := range m {
		if !slices.Contains(except, k) {
			out = append(out, k)
		}
	}
	return out
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		expr    string
		want    string // substring of the error
		pos     int
		suggest []string
	}{
		{expr: "VOLUME_STRAT", want: `unknown event name "VOLUME_STRAT"`, pos: 1, suggest: []string{"VOLUME_START"}},
		{expr: "category:brick Volume.Strat", want: `unknown event name "Volume.Strat"`, pos: 16, suggest: []string{"VOLUME_START"}},
		{expr: "BRICKS_START_FAILED", want: "unknown event name", pos: 1, suggest: []string{"BRICK_START_FAILED"}},
		{expr: "SPLIT_BRAIN", want: "unknown event name", pos: 1, suggest: []string{"AFR_SPLIT_BRAIN"}},
		{expr: "VOLUMES_*", want: `pattern "VOLUMES_*" matches no event`, pos: 1},
		{expr: "XYZZY_PLUGH_FOO", want: `unknown event name "XYZZY_PLUGH_FOO"`, pos: 1},
		{expr: "999", want: "event id 999 is not in the catalogue", pos: 1},
		{expr: "VOLUME_[", want: "bad event name pattern", pos: 1},
		{expr: "category:bricks", want: `unknown category "bricks"`, pos: 1},
		{expr: "severity:warn", want: `unknown severity "warn"`, pos: 1},
		{expr: "volume:[", want: "bad volume pattern", pos: 1},
		{expr: "node:host1", want: "not a glusterd UUID", pos: 1},
		{expr: "colour:red", want: `unknown key "colour" (want category, severity, volume, node or channel, or an event name pattern)`, pos: 1},
		{expr: "a:b", want: `unknown key "a"`, pos: 1},
		{expr: "VOLUME_START !", want: `"!": want an event name`, pos: 14},
		{expr: "category:", want: `want a value after category:`, pos: 1},
		{expr: "channel:nope", want: `unknown channel "nope"`, pos: 1},
		{expr: "channel:loop", want: `refers to itself (loop -> loop2 -> loop)`},
		{expr: "channel:bad", want: `channel "bad": filter "VOLUME_STRAT": at column 1: unknown event name`, suggest: []string{"VOLUME_START"}},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			f, err := Parse(tt.expr, channels)
			if err == nil {
				t.Fatalf("Parse = %q, want an error", f)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T, want *Error", err)
			}
			if tt.pos != 0 && e.Pos != tt.pos {
				t.Errorf("Pos = %d, want %d", e.Pos, tt.pos)
			}
			if tt.suggest != nil && !slices.Equal(e.Suggest, tt.suggest) {
				t.Errorf("Suggest = %q, want %q", e.Suggest, tt.suggest)
			}
		})
	}
	if _, err := Parse("channel:x", nil); err == nil || !strings.Contains(err.Error(), "no channels are defined") {
		t.Errorf("channel without resolver: %v", err)
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct {
		pattern string
		n       int
		first   gfevent.Type
	}{
		{"VOLUME_*", 21, gfevent.VolumeCreate},
		{"Volume.*", 21, gfevent.VolumeCreate},
		{"volume.rebalance.*", 4, gfevent.VolumeRebalanceStart},
		{"Georep.State.*", 3, gfevent.GeorepFaulty},
		{"Georep.State.Faulty", 1, gfevent.GeorepFaulty},
		{"GEOREP_*", 12, gfevent.GeorepCreate},
		{"*", int(gfevent.NumTypes), gfevent.PeerAttach},
		{"*_FAILED", 38, gfevent.GeorepCreate},
		{"141", 1, gfevent.DhtInodesUsage},
	} {
		got, err := Names(tt.pattern)
		if err != nil {
			t.Errorf("Names(%q): %v", tt.pattern, err)
			continue
		}
		if tt.pattern == "*_FAILED" {
			// Checked against the catalogue rather than a literal count.
			want := 0
			for _, typ := range gfevent.Types() {
				if strings.HasSuffix(typ.String(), "_FAILED") {
					want++
				}
			}
			tt.n, tt.first = want, got[0]
		}
		if len(got) != tt.n || got[0] != tt.first || !slices.IsSorted(got) {
			t.Errorf("Names(%q) = %d types from %v, want %d from %v", tt.pattern, len(got), got[0], tt.n, tt.first)
		}
	}
	_, err := Names("Volume.Strat")
	var ne *NameError
	if !errors.As(err, &ne) || !slices.Equal(ne.Suggest, []string{"VOLUME_START"}) {
		t.Errorf("Names(Volume.Strat) = %v", err)
	}
	if err.Error() != `unknown event name "Volume.Strat" (did you mean VOLUME_START?)` {
		t.Errorf("error text %q", err)
	}
}

// TestWholeCatalogue checks name, dotted-name, category and severity terms
// against every catalogue entry.
func TestWholeCatalogue(t *testing.T) {
	for _, typ := range gfevent.Types() {
		info := typ.Info()
		e := ev(typ)
		for _, expr := range []string{info.Name, typ.Dotted(), strings.ToLower(info.Name), "category:" + info.Category.String(), "severity:" + info.Severity.String()} {
			f, err := Parse(expr, nil)
			if err != nil {
				t.Fatalf("%s: %v", expr, err)
			}
			if !f.Match(e, node1) {
				t.Errorf("%q does not match %s", expr, info.Name)
			}
			nf, err := Parse("!"+expr, nil)
			if err != nil {
				t.Fatal(err)
			}
			if nf.Match(e, node1) {
				t.Errorf("!%q matches %s", expr, info.Name)
			}
		}
		for _, other := range gfevent.Types() {
			f, _ := Parse(info.Name, nil)
			if other != typ && f.Match(ev(other), node1) {
				t.Errorf("%s matches %s", info.Name, other)
			}
		}
	}
}

func TestNilFilter(t *testing.T) {
	var f *Filter
	if !f.Match(ev(gfevent.VolumeStart), node1) || f.String() != "" {
		t.Error("nil filter must match everything and print as empty")
	}
	f, err := Parse(" ", nil)
	if f != nil || err != nil {
		t.Errorf("Parse(blank) = %v, %v; want nil, nil", f, err)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	f, err := Parse("category:brick category:quorum severity:warning volume:gv* !volume:scratch !node:7d00 channel:alerts", channels)
	if err != nil {
		t.Fatal(err)
	}
	e := ev(gfevent.AfrQuorumFail, "client-pid", "-6", " subvol", "gv1-replicate-3")
	if !f.Match(e, node1) {
		t.Fatal("does not match")
	}
	if n := testing.AllocsPerRun(100, func() { f.Match(e, node1) }); n != 0 {
		t.Errorf("Match allocates %v times", n)
	}
}

func BenchmarkMatch(b *testing.B) {
	events := []*gfevent.Event{
		ev(gfevent.BrickDisconnected, "peer", "n1", "volume", "gv0", "brick", "/b1"),
		ev(gfevent.VolumeSet, "name", "gv1", "options", ",a,b"),
		ev(gfevent.AfrSubvolsDown, "client-pid", "-6", " subvol", "gv0-replicate-0"),
		ev(gfevent.ClientConnect, "client_uid", "x", "brick_path", "/b"),
	}
	for _, expr := range []string{"category:brick category:quorum severity:warning", "VOLUME_* !VOLUME_SET volume:gv0 node:3f2a"} {
		f, err := Parse(expr, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				f.Match(events[i%len(events)], node1)
			}
		})
	}
}

func TestAllOfTypesEqual(t *testing.T) {
	a, _ := Parse("category:brick", nil)
	b, _ := Parse("severity:critical", nil)
	f := All(nil, a, nil, b)
	if !f.Match(ev(gfevent.BrickDisconnected), node1) || f.Match(ev(gfevent.BrickConnected), node1) || f.Match(ev(gfevent.QuorumLost), node1) {
		t.Errorf("All(%v, %v) selects the wrong events", a, b)
	}
	if f.String() != "(category:brick) AND (severity:critical)" {
		t.Errorf("All String = %q", f.String())
	}
	if All(nil, nil) != nil || All(nil, a) != a {
		t.Error("All of nil and one filter")
	}
	o := OfTypes([]gfevent.Type{gfevent.VolumeStart, gfevent.Type(999), gfevent.VolumeStart, gfevent.VolumeStop})
	if o.String() != "VOLUME_START VOLUME_STOP" || !o.Match(ev(gfevent.VolumeStop), node1) || o.Match(ev(gfevent.VolumeSet), node1) || o.Match(ev(gfevent.Type(999)), node1) {
		t.Errorf("OfTypes = %q", o)
	}
	none := OfTypes(nil)
	if none.Match(ev(gfevent.VolumeStart), node1) {
		t.Error("OfTypes(nil) selects an event")
	}
	if p, err := Parse(none.String(), nil); err != nil || p.Match(ev(gfevent.VolumeStart), node1) {
		t.Errorf("OfTypes(nil).String() = %q parses to %v, %v", none.String(), p, err)
	}
	a2, _ := Parse("category:brick", nil)
	if !a.Equal(a2) || a.Equal(b) || !(*Filter)(nil).Equal(nil) || a.Equal(nil) {
		t.Error("Equal")
	}
	c1, _ := Parse("channel:alerts", func(string) (string, bool) { return "severity:warning", true })
	c2, _ := Parse("channel:alerts", func(string) (string, bool) { return "severity:critical", true })
	if c1.Equal(c2) || c1.String() != c2.String() {
		t.Error("filters of a channel defined differently are Equal")
	}
}

func BenchmarkMatchVolumeGlobs(b *testing.B) {
	f, err := Parse("category:volume severity:info volume:w* volume:v5 volume:v*05 volume:v*25 volume:v*45 volume:v*65 volume:v*85", nil)
	if err != nil {
		b.Fatal(err)
	}
	events := []*gfevent.Event{ev(gfevent.VolumeStart, "name", "v1234"), ev(gfevent.VolumeStart, "name", "v1285"), ev(gfevent.VolumeStart, "name", "w3")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f.Match(events[i%len(events)], node1)
	}
}

// TestPatternMatchesLikePathMatch: the prefix/suffix fast path of volume
// globs agrees with path.Match.
func TestPatternMatchesLikePathMatch(t *testing.T) {
	values := []string{"", "v", "v05", "v105", "v1050", "gv0", "gv0-prod", "prod", "a*b", "x[y"}
	for _, p := range []string{"*", "v*", "*05", "v*05", "gv0", "gv*-prod", "*-prod", "a\\*b", "v?05", "[gv]*", "a*b*", "**"} {
		cp := compilePattern(p)
		for _, v := range values {
			want, _ := path.Match(p, v)
			if got := cp.match(v); got != want {
				t.Errorf("pattern %q, value %q: %v, path.Match says %v", p, v, got, want)
			}
		}
	}
}

// TestMayMatchType checks the pre-check consumers use to skip records
// without decoding them: it may say "maybe" for anything, but never "no"
// for a type some event of which the filter selects.
func TestMayMatchType(t *testing.T) {
	for _, expr := range []string{
		"", "VOLUME_*", "!VOLUME_*", "category:brick severity:warning", "category:brick category:quorum severity:warning",
		"volume:gv0", "!volume:gv0 BRICK_*", "channel:alerts", "channel:bricks !channel:alerts", "node:3f2a BRICK_CONNECTED",
		"Volume.* !VOLUME_SET",
	} {
		f, err := Parse(expr, channels)
		if err != nil {
			t.Fatalf("Parse(%q): %v", expr, err)
		}
		both := All(f, OfTypes([]gfevent.Type{gfevent.VolumeStart, gfevent.BrickConnected}))
		for _, g := range []*Filter{f, both} {
			skipped := 0
			for typ := range gfevent.NumTypes + 1 { // one type outside the catalogue
				may := g.MayMatchType(typ)
				if !may {
					skipped++
				}
				for _, e := range []*gfevent.Event{ev(typ), ev(typ, "volume", "gv0"), ev(typ, "name", "gv0"), ev(typ, "name", "gv1")} {
					for _, n := range []string{node1, node2} {
						if !may && g.Match(e, n) {
							t.Errorf("%q: MayMatchType(%v) = false but it matches %+v on %s", g, typ, e, n)
						}
					}
				}
			}
			if strings.Contains(expr, "BRICK") || strings.Contains(expr, "category") || g == both {
				if skipped == 0 {
					t.Errorf("%q: MayMatchType skips no type", g)
				}
			}
		}
	}
	var none *Filter
	if !none.MayMatchType(gfevent.VolumeStart) {
		t.Error("nil filter: MayMatchType = false")
	}
}
