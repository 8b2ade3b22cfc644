package gfevent_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/corpus"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzParse/corpus-* from internal/corpus")

type F = gfevent.Field

func TestParse(t *testing.T) {
	const (
		nullBody  = gfevent.FlagNullBody
		noBody    = gfevent.FlagNoBody
		emptyPair = gfevent.FlagEmptyPair
		joined    = gfevent.FlagJoinedPair
		bareKey   = gfevent.FlagBareKey
		badUTF8   = gfevent.FlagInvalidUTF8
		dupKey    = gfevent.FlagDuplicateKey
		spaceKey  = gfevent.FlagSpaceInKey
	)
	big := func(n int) string { return strings.Repeat("v", n) }
	cases := []struct {
		name   string
		in     string
		ts     int64
		typ    gfevent.Type
		fields []F
		flags  gfevent.Flags
		reason gfevent.Reason // non-zero: Parse must fail with it
	}{
		// Captured from GlusterFS 10.3.
		{name: "volume create: leading and trailing space in bricks",
			in: "1795306549 2 name=rv;bricks= gtest:/srv/gluster/rv/b1 gtest:/srv/gluster/rv/b2 ",
			ts: 1795306549, typ: gfevent.VolumeCreate,
			fields: []F{{"name", "rv"}, {"bricks", " gtest:/srv/gluster/rv/b1 gtest:/srv/gluster/rv/b2"}}},
		{name: "brick connected", in: "1795306551 77 peer=gtest;volume=rv;brick=/srv/gluster/rv/b1",
			ts: 1795306551, typ: gfevent.BrickConnected,
			fields: []F{{"peer", "gtest"}, {"volume", "rv"}, {"brick", "/srv/gluster/rv/b1"}}},
		{name: "svc connected", in: "1795306552 65 svc_name=glustershd",
			ts: 1795306552, typ: gfevent.SvcConnected, fields: []F{{"svc_name", "glustershd"}}},
		{name: "client connect with (null)",
			in: "1795306552 97 client_uid=CTX_ID:681a95ee-8d0a-48af-b12f-afb83df82752-GRAPH_ID:0-PID:29460-HOST:gtest-PC_NAME:rv-client-0-RECON_NO:-0;client_identifier=127.0.0.1:49144;server_identifier=127.0.1.1:59212;brick_path=/srv/gluster/rv/b1;subdir_mount=(null)",
			ts: 1795306552, typ: gfevent.ClientConnect,
			fields: []F{
				{"client_uid", "CTX_ID:681a95ee-8d0a-48af-b12f-afb83df82752-GRAPH_ID:0-PID:29460-HOST:gtest-PC_NAME:rv-client-0-RECON_NO:-0"},
				{"client_identifier", "127.0.0.1:49144"}, {"server_identifier", "127.0.1.1:59212"},
				{"brick_path", "/srv/gluster/rv/b1"}, {"subdir_mount", "(null)"}}},
		{name: "AFR key with a leading space", in: "1795306552 108 client-pid=-6; subvol=rv-replicate-0",
			ts: 1795306552, typ: gfevent.AfrSubvolUp,
			fields: []F{{"client-pid", "-6"}, {" subvol", "rv-replicate-0"}}, flags: spaceKey},
		{name: "volume set", in: "1795306557 6 name=rv;options=,performance.readdir-ahead,off",
			ts: 1795306557, typ: gfevent.VolumeSet,
			fields: []F{{"name", "rv"}, {"options", ",performance.readdir-ahead,off"}}},
		{name: "volume set, two options",
			in: "1 6 name=rv;options=,diagnostics.client-log-level,DEBUG,diagnostics.brick-log-level,WARNING",
			ts: 1, typ: gfevent.VolumeSet,
			fields: []F{{"name", "rv"}, {"options", ",diagnostics.client-log-level,DEBUG,diagnostics.brick-log-level,WARNING"}}},
		{name: "volume set, quoted comma", in: "1 6 name=rv;options=,auth.allow,10.0.0.1,10.0.0.2",
			ts: 1, typ: gfevent.VolumeSet, fields: []F{{"name", "rv"}, {"options", ",auth.allow,10.0.0.1,10.0.0.2"}}},
		{name: "volume set, value with =", in: "1 6 name=rv;options=,user.foo,a=b",
			ts: 1, typ: gfevent.VolumeSet, fields: []F{{"name", "rv"}, {"options", ",user.foo,a=b"}}},
		{name: "volume set, value with ;", in: "1 6 name=rv;options=,user.bar,x;y",
			ts: 1, typ: gfevent.VolumeSet, fields: []F{{"name", "rv"}, {"options", ",user.bar,x;y"}}, flags: joined},
		{name: "peer disconnect state with spaces", in: "1 71 peer=node2;uuid=u;state=Peer in Cluster",
			ts: 1, typ: gfevent.PeerDisconnect, fields: []F{{"peer", "node2"}, {"uuid", "u"}, {"state", "Peer in Cluster"}}},
		{name: "dht usage", in: "1 140 volume=rv;subvol=rv-dht;usage=87.50 %",
			ts: 1, typ: gfevent.DhtDiskUsage, fields: []F{{"volume", "rv"}, {"subvol", "rv-dht"}, {"usage", "87.50 %"}}},
		{name: "posix health check glued text", in: "1 105 op=access;path=/x;error=Resource temporarily unavailable;brick=h:/b timeout is 20",
			ts: 1, typ: gfevent.PosixHealthCheckFailed,
			fields: []F{{"op", "access"}, {"path", "/x"}, {"error", "Resource temporarily unavailable"}, {"brick", "h:/b timeout is 20"}}},
		{name: "snapshot error text", in: "1 36 snapshot_name=s;volume_name=rv;error=LVM commands not found, snapshot functionality is disabled",
			ts: 1, typ: gfevent.SnapshotCreateFailed,
			fields: []F{{"snapshot_name", "s"}, {"volume_name", "rv"}, {"error", "LVM commands not found, snapshot functionality is disabled"}}},
		{name: "snapshot error with ; is joined", in: "1 36 snapshot_name=s;error=lvcreate failed; see logs;x",
			ts: 1, typ: gfevent.SnapshotCreateFailed,
			fields: []F{{"snapshot_name", "s"}, {"error", "lvcreate failed; see logs;x"}}, flags: joined},
		{name: "georep typed attributes stay strings", in: "1 11 force=1;push_pem=1;no_verify=0;ssh_port=22;primary=gv0;secondary=root@h::sv",
			ts: 1, typ: gfevent.GeorepCreate,
			fields: []F{{"force", "1"}, {"push_pem", "1"}, {"no_verify", "0"}, {"ssh_port", "22"}, {"primary", "gv0"}, {"secondary", "root@h::sv"}}},
		{name: "bitrot (null) body", in: "1795305409 19 (null)", ts: 1795305409, typ: gfevent.BitrotEnable, flags: nullBody},
		{name: "(null) body then more", in: "1 19 (null);x=1", ts: 1, typ: gfevent.BitrotEnable,
			fields: []F{{"(null)", ""}, {"x", "1"}}, flags: bareKey},

		// Malformed bodies: glustereventsd drops them, we keep what we can.
		{name: "no body", in: "1 5", ts: 1, typ: gfevent.VolumeDelete, flags: noBody},
		{name: "no body, trailing blanks", in: "1 5 \t ", ts: 1, typ: gfevent.VolumeDelete, flags: noBody},
		{name: "trailing ;", in: "1 5 name=rv;", ts: 1, typ: gfevent.VolumeDelete, fields: []F{{"name", "rv"}}, flags: emptyPair},
		{name: ";;", in: "1 71 peer=a;;uuid=b", ts: 1, typ: gfevent.PeerDisconnect, fields: []F{{"peer", "a"}, {"uuid", "b"}}, flags: emptyPair},
		{name: "blank pair", in: "1 5 name=rv; \t;force=1", ts: 1, typ: gfevent.VolumeDelete, fields: []F{{"name", "rv"}, {"force", "1"}}, flags: emptyPair},
		{name: "value with =", in: "1 5 name=a=b", ts: 1, typ: gfevent.VolumeDelete, fields: []F{{"name", "a=b"}}},
		{name: "value with = and ;", in: "1 36 error=a=b;c=d;e", ts: 1, typ: gfevent.SnapshotCreateFailed,
			fields: []F{{"error", "a=b"}, {"c", "d;e"}}, flags: joined},
		{name: "bare key", in: "1 5 rv", ts: 1, typ: gfevent.VolumeDelete, fields: []F{{"rv", ""}}, flags: bareKey},
		{name: "bare key then pair", in: "1 5 rv;force=1", ts: 1, typ: gfevent.VolumeDelete,
			fields: []F{{"rv", ""}, {"force", "1"}}, flags: bareKey},
		{name: "duplicate key", in: "1 5 name=a;name=b", ts: 1, typ: gfevent.VolumeDelete,
			fields: []F{{"name", "a"}, {"name", "b"}}, flags: dupKey},
		{name: "empty key and value", in: "1 5 =x;name=", ts: 1, typ: gfevent.VolumeDelete, fields: []F{{"", "x"}, {"name", ""}}},
		{name: "key with trailing space", in: "1 5 name =rv", ts: 1, typ: gfevent.VolumeDelete, fields: []F{{"name ", "rv"}}, flags: spaceKey},
		{name: "invalid UTF-8", in: "1 5 name=r\xffv", ts: 1, typ: gfevent.VolumeDelete, fields: []F{{"name", "r\uFFFDv"}}, flags: badUTF8},
		{name: "invalid UTF-8 surrogate", in: "1 5 name=\xed\xa0\x80", ts: 1, typ: gfevent.VolumeDelete,
			fields: []F{{"name", "\uFFFD"}}, flags: badUTF8},
		{name: "many flags", in: "1 5 x;name=a\xff;;name=b;c", ts: 1, typ: gfevent.VolumeDelete,
			fields: []F{{"x", ""}, {"name", "a\uFFFD"}, {"name", "b;c"}}, flags: bareKey | badUTF8 | emptyPair | dupKey | joined},

		// Values are kept exactly: non-ASCII, controls, quotes, backslashes.
		{name: "non-ASCII", in: "1 5 name=caf\u00e9 \U0001F600 \u5377 \u2028", ts: 1, typ: gfevent.VolumeDelete,
			fields: []F{{"name", "caf\u00e9 \U0001F600 \u5377 \u2028"}}},
		{name: "control characters", in: "1 5 name=a\x00b\x01\x7f\tc\nd", ts: 1, typ: gfevent.VolumeDelete,
			fields: []F{{"name", "a\x00b\x01\x7f\tc\nd"}}},
		{name: "quotes and backslashes", in: `1 5 name=a"b\c\u00e9`, ts: 1, typ: gfevent.VolumeDelete,
			fields: []F{{"name", `a"b\c\u00e9`}}},
		{name: "60 kB value", in: "1 3 name=" + big(60*1024) + ";force=1", ts: 1, typ: gfevent.VolumeStart,
			fields: []F{{"name", big(60 * 1024)}, {"force", "1"}}},

		// The header.
		{name: "surrounding whitespace", in: "\r\n\t 7 5 name=rv\x0b\x0c\r\n", ts: 7, typ: gfevent.VolumeDelete, fields: []F{{"name", "rv"}}},
		{name: "spaces between ts and id", in: "7   5 name=rv", ts: 7, typ: gfevent.VolumeDelete, fields: []F{{"name", "rv"}}},
		{name: "spaces before the body belong to the key", in: "7 5   name=rv", ts: 7, typ: gfevent.VolumeDelete,
			fields: []F{{"  name", "rv"}}, flags: spaceKey},
		{name: "plus and zeros", in: "+0017 +005 name=rv", ts: 17, typ: gfevent.VolumeDelete, fields: []F{{"name", "rv"}}},
		{name: "negative timestamp", in: "-5 5 name=rv", ts: -5, typ: gfevent.VolumeDelete, fields: []F{{"name", "rv"}}},
		{name: "last id", in: "1 141 volume=x", ts: 1, typ: gfevent.DhtInodesUsage, fields: []F{{"volume", "x"}}},
		{name: "id 0", in: "1 0 host=h", ts: 1, typ: gfevent.PeerAttach, fields: []F{{"host", "h"}}},

		// Rejected.
		{name: "empty", in: "", reason: gfevent.ReasonEmpty},
		{name: "whitespace", in: " \t\r\n\v\f", reason: gfevent.ReasonEmpty},
		{name: "only a timestamp", in: "1795306600", reason: gfevent.ReasonNoType},
		{name: "tabs are no separator", in: "1\t5\tname=rv", reason: gfevent.ReasonNoType},
		{name: "unknown id 999", in: "1 999 name=rv", reason: gfevent.ReasonUnknownType},
		{name: "id 142 is one past the end", in: "1 142 name=rv", reason: gfevent.ReasonUnknownType},
		{name: "id -1 (Python publishes DHT_INODES_USAGE)", in: "1 -1 volume=x", reason: gfevent.ReasonUnknownType},
		{name: "abc id", in: "1 abc name=rv", reason: gfevent.ReasonBadType},
		{name: "underscore id", in: "1 5_0 name=rv", reason: gfevent.ReasonBadType},
		{name: "Unicode digit id", in: "1 \u0665 name=rv", reason: gfevent.ReasonBadType},
		{name: "id overflow", in: "1 99999999999999999999 name=rv", reason: gfevent.ReasonBadType},
		{name: "abc timestamp", in: "abc 5 name=rv", reason: gfevent.ReasonBadTimestamp},
		{name: "timestamp overflow", in: "99999999999999999999 5 name=rv", reason: gfevent.ReasonBadTimestamp},
		{name: "float timestamp", in: "1.5 5 name=rv", reason: gfevent.ReasonBadTimestamp},
		{name: "invalid UTF-8 in the id", in: "1 5\xff name=rv", reason: gfevent.ReasonBadType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := gfevent.Parse([]byte(c.in))
			if c.reason != 0 {
				var pe *gfevent.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Parse(%q) = %+v, %v; want a *ParseError %v", c.in, ev, err, c.reason)
				}
				if pe.Reason != c.reason {
					t.Errorf("Parse(%q) reason %v, want %v", c.in, pe.Reason, c.reason)
				}
				if ev != nil {
					t.Errorf("Parse(%q) returned an event with its error", c.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			want := &gfevent.Event{Time: c.ts, Type: c.typ, Fields: c.fields, Flags: c.flags}
			if diff := cmp.Diff(want, ev, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s\nflags got [%v] want [%v]", c.in, diff, ev.Flags, c.flags)
			}
		})
	}
}

func TestGetTrimsKeys(t *testing.T) {
	ev, err := gfevent.Parse([]byte("1795306552 108 client-pid=-6; subvol=rv-replicate-0"))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := ev.Get("subvol"); !ok || v != "rv-replicate-0" {
		t.Errorf(`Get("subvol") = %q, %v`, v, ok)
	}
	if _, ok := ev.Get("volume"); ok {
		t.Error(`Get("volume") found something`)
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := gfevent.Parse([]byte("1 " + strings.Repeat("\xff", 100) + " x=y"))
	var pe *gfevent.ParseError
	if !errors.As(err, &pe) || pe.Reason != gfevent.ReasonBadType {
		t.Fatalf("err %v", err)
	}
	if !utf8.ValidString(pe.Token) || !utf8.ValidString(err.Error()) || len(pe.Token) > 64*3 {
		t.Errorf("token %q, message %q", pe.Token, err.Error())
	}
}

// TestParseCorpus: every datagram glustereventsd publishes parses, except
// the few we reject on purpose; each per-event sample has the right type.
func TestParseCorpus(t *testing.T) {
	names := map[string]bool{}
	for _, d := range corpus.Datagrams() {
		if names[d.Name] {
			t.Errorf("duplicate corpus name %q", d.Name)
		}
		names[d.Name] = true
		ev, err := gfevent.Parse(d.Raw)
		switch {
		case d.WellFormed && d.Diverges != "":
			if err == nil {
				t.Errorf("%s: we accept it, but corpus says we diverge: %s", d.Name, d.Diverges)
			}
		case d.WellFormed:
			if err != nil {
				t.Errorf("%s: glustereventsd publishes it, we reject it: %v", d.Name, err)
			} else if ev.Flags&^(gfevent.FlagSpaceInKey|gfevent.FlagDuplicateKey) != 0 {
				t.Errorf("%s: well-formed but flags [%v]", d.Name, ev.Flags)
			}
		}
		if name, ok := strings.CutPrefix(d.Name, "sample/"); ok {
			if err != nil {
				t.Errorf("%s: %v", d.Name, err)
			} else if ev.Type.String() != name {
				t.Errorf("%s parses as %v", d.Name, ev.Type)
			}
		}
	}
}

// TestCorpusCoversLiveTypes: every event type some GlusterFS 10.x process
// emits has a well-formed sample in the corpus.
func TestCorpusCoversLiveTypes(t *testing.T) {
	have := map[string]bool{}
	for _, d := range corpus.Datagrams() {
		if name, ok := strings.CutPrefix(d.Name, "sample/"); ok {
			have[name] = true
		}
	}
	for _, typ := range gfevent.Types() {
		if !typ.Info().Dead && !have[typ.String()] {
			t.Errorf("corpus has no sample/%s", typ)
		}
	}
}

// TestCatalogueMatchesGluster compares the catalogue with the all_events
// list of the installed GlusterFS (ids are the list positions).
func TestCatalogueMatchesGluster(t *testing.T) {
	const path = "/usr/lib/x86_64-linux-gnu/glusterfs/gfevents/eventtypes.py"
	src, err := os.ReadFile(path)
	testenv.Require(t, err == nil, "GlusterFS's event list "+path+" (apt-get install glusterfs-server)")
	m := regexp.MustCompile(`(?s)all_events\s*=\s*\[(.*?)\]`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("%s: no all_events list", path)
	}
	var gluster []string
	for _, n := range regexp.MustCompile(`"EVENT_([A-Z0-9_]+)"`).FindAllSubmatch(m[1], -1) {
		gluster = append(gluster, string(n[1]))
	}
	var ours []string
	for i, typ := range gfevent.Types() {
		if int(typ) != i {
			t.Fatalf("Types()[%d] = %d", i, int(typ))
		}
		ours = append(ours, typ.String())
	}
	if diff := cmp.Diff(gluster, ours); diff != "" {
		t.Errorf("catalogue differs from %s (-gluster +ours):\n%s", path, diff)
	}
	if len(gluster) != int(gfevent.NumTypes) {
		t.Errorf("GlusterFS has %d events, NumTypes is %d", len(gluster), gfevent.NumTypes)
	}
}

// TestFuzzSeeds checks that testdata/fuzz/FuzzParse holds one seed per
// corpus datagram (go test -run TestFuzzSeeds -update-seeds rewrites them).
// Other files there (crashers the fuzzer found) are kept.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if *updateSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range corpus.Datagrams() {
		p := filepath.Join(dir, corpus.FileName(d.Name))
		want := corpus.FuzzFile(d.Raw)
		if *updateSeeds {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("seed %s is missing or stale (%v); run: go test -run TestFuzzSeeds -update-seeds", p, err)
		}
	}
}

const knownFlags = gfevent.FlagNullBody | gfevent.FlagNoBody | gfevent.FlagEmptyPair | gfevent.FlagJoinedPair |
	gfevent.FlagBareKey | gfevent.FlagInvalidUTF8 | gfevent.FlagDuplicateKey | gfevent.FlagSpaceInKey

// FuzzParse: Parse never panics; it either returns a *ParseError with a
// known reason or an event of a valid type with valid UTF-8 fields; the
// event survives AppendWire and a second Parse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := gfevent.Parse(raw)
		if err != nil {
			var pe *gfevent.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			known := false
			for _, r := range gfevent.Reasons() {
				known = known || r == pe.Reason
			}
			if !known || !utf8.ValidString(pe.Token) || len(pe.Token) > 64*3 {
				t.Fatalf("bad ParseError %#v", pe)
			}
			if ev != nil {
				t.Fatal("event with error")
			}
			return
		}
		if !ev.Type.Valid() {
			t.Fatalf("invalid type %d", ev.Type)
		}
		if ev.Flags&^knownFlags != 0 {
			t.Fatalf("unknown flags %b", ev.Flags)
		}
		if got, want := ev.Flags&gfevent.FlagInvalidUTF8 != 0, !utf8.Valid(raw); got != want {
			t.Fatalf("FlagInvalidUTF8 %v for input valid=%v", got, !want)
		}
		for _, fl := range ev.Fields {
			if !utf8.ValidString(fl.Key) || !utf8.ValidString(fl.Value) {
				t.Fatalf("field %q=%q is not valid UTF-8", fl.Key, fl.Value)
			}
			if strings.ContainsAny(fl.Key, "=;") {
				t.Fatalf("key %q contains = or ;", fl.Key)
			}
		}
		wire := ev.AppendWire(nil)
		ev2, err := gfevent.Parse(wire)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", wire, err)
		}
		if ev2.Time != ev.Time || ev2.Type != ev.Type {
			t.Fatalf("re-parse of %q: ts %d type %v, want %d %v", wire, ev2.Time, ev2.Type, ev.Time, ev.Type)
		}
		lossy := gfevent.FlagJoinedPair | gfevent.FlagEmptyPair | gfevent.FlagBareKey | gfevent.FlagNoBody | gfevent.FlagNullBody
		if ev.Flags&lossy == 0 {
			if diff := cmp.Diff(ev.Fields, ev2.Fields, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("re-parse of %q changed the fields (-first +second):\n%s", wire, diff)
			}
			if ev2.Flags != ev.Flags&^gfevent.FlagInvalidUTF8 {
				t.Fatalf("re-parse flags [%v], first [%v]", ev2.Flags, ev.Flags)
			}
		}
	})
}
