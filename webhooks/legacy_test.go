package webhooks_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/corpus"
	"github.com/gluster/gluster-eventing/webhooks"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzLegacyBody/corpus-* from internal/corpus")

// legacyGolden: datagram → the body glustereventsd 10.3 builds for it. The
// bodies were produced by glustereventsd's own code (its request handler's
// handle() with utils.publish reduced to the json.dumps(message,
// sort_keys=True) it performs); TestLegacyBodyMatchesGlustereventsd checks
// the same properties against the running daemon.
type legacyCase struct{ name, nodeID, datagram, want string }

var legacyGolden = []legacyCase{
	{"doc-example", "ea301ba8-4257-4b63-8881-8e868866d038", "1795305319 6 name=rv;options=,user.cifs,enable",
		`{"event": "VOLUME_SET", "message": {"name": "rv", "options": [["user.cifs", "enable"]]}, "nodeid": "ea301ba8-4257-4b63-8881-8e868866d038", "ts": 1795305319}`},
	{"escape-quotes-backslash-slash", "n", "1 5 name=a\"b\\c/d",
		`{"event": "VOLUME_DELETE", "message": {"name": "a\"b\\c/d"}, "nodeid": "n", "ts": 1}`},
	{"escape-controls", "n", "1 5 name=\x00\x01\x08\x09\x0a\x0c\x0d\x1f\x7f|",
		`{"event": "VOLUME_DELETE", "message": {"name": "\u0000\u0001\b\t\n\f\r\u001f\u007f|"}, "nodeid": "n", "ts": 1}`},
	{"escape-non-ascii", "n", "1 5 name=caf\xc3\xa9 \xe5\x8d\xb7 \xf0\x9f\x98\x80 \xe2\x80\xa8 \xef\xbf\xbd \xc2\x85\xc2\xa0",
		`{"event": "VOLUME_DELETE", "message": {"name": "caf\u00e9 \u5377 \ud83d\ude00 \u2028 \ufffd \u0085\u00a0"}, "nodeid": "n", "ts": 1}`},
	{"escape-nodeid", "n\xc3\xb6de\"1\\", "1 5 name=x",
		`{"event": "VOLUME_DELETE", "message": {"name": "x"}, "nodeid": "n\u00f6de\"1\\", "ts": 1}`},
	{"sort-space-subvol", "n", "1795306552 108 client-pid=-6; subvol=rv-replicate-0",
		`{"event": "AFR_SUBVOL_UP", "message": {" subvol": "rv-replicate-0", "client-pid": "-6"}, "nodeid": "n", "ts": 1795306552}`},
	{"sort-case-and-non-ascii", "n", "1 9 volume=v;Volume=V;\xc3\xa9=1;_x=u;~=t;9=n;\xf0\x9f\x98\x80=e;\xef\xbf\xbf=f",
		`{"event": "BRICK_RESET_COMMIT", "message": {"9": "n", "Volume": "V", "_x": "u", "volume": "v", "~": "t", "\u00e9": "1", "\uffff": "f", "\ud83d\ude00": "e"}, "nodeid": "n", "ts": 1}`},
	{"sort-empty-key", "n", "1 5 =x;name=rv",
		`{"event": "VOLUME_DELETE", "message": {"": "x", "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"duplicate-last-wins", "n", "1 5 name=first;x=1;name=second",
		`{"event": "VOLUME_DELETE", "message": {"name": "second", "x": "1"}, "nodeid": "n", "ts": 1}`},
	{"volume-set-one", "n", "1 6 name=rv;options=,performance.readdir-ahead,off",
		`{"event": "VOLUME_SET", "message": {"name": "rv", "options": [["performance.readdir-ahead", "off"]]}, "nodeid": "n", "ts": 1}`},
	{"volume-set-two", "n", "1 6 name=rv;options=,diagnostics.client-log-level,DEBUG,diagnostics.brick-log-level,WARNING",
		`{"event": "VOLUME_SET", "message": {"name": "rv", "options": [["diagnostics.client-log-level", "DEBUG"], ["diagnostics.brick-log-level", "WARNING"]]}, "nodeid": "n", "ts": 1}`},
	{"volume-set-odd-quoted-comma", "n", "1 6 name=rv;options=,auth.allow,10.0.0.1,10.0.0.2",
		`{"event": "VOLUME_SET", "message": {"name": "rv", "options": [["auth.allow", "10.0.0.1"], ["10.0.0.2"]]}, "nodeid": "n", "ts": 1}`},
	{"volume-set-missing", "n", "1 6 name=rv",
		`{"event": "VOLUME_SET", "message": {"name": "rv", "options": [[""]]}, "nodeid": "n", "ts": 1}`},
	{"volume-set-empty", "n", "1 6 name=rv;options=",
		`{"event": "VOLUME_SET", "message": {"name": "rv", "options": [[""]]}, "nodeid": "n", "ts": 1}`},
	{"volume-set-commas", "n", "1 6 name=rv;options=,,,",
		`{"event": "VOLUME_SET", "message": {"name": "rv", "options": [[""]]}, "nodeid": "n", "ts": 1}`},
	{"volume-set-empty-item", "n", "1 6 name=rv;options=,a,,b",
		`{"event": "VOLUME_SET", "message": {"name": "rv", "options": [["a", ""], ["b"]]}, "nodeid": "n", "ts": 1}`},
	{"volume-set-no-leading-comma", "n", "1 6 options=a,b",
		`{"event": "VOLUME_SET", "message": {"options": [["a", "b"]]}, "nodeid": "n", "ts": 1}`},
	{"volume-set-force", "n", "1 6 name=rv;options=,k,v;force=yes",
		`{"event": "VOLUME_SET", "message": {"force": true, "name": "rv", "options": [["k", "v"]]}, "nodeid": "n", "ts": 1}`},
	{"options-not-volume-set", "n", "1 7 name=rv;options=,a,b",
		`{"event": "VOLUME_RESET", "message": {"name": "rv", "options": ",a,b"}, "nodeid": "n", "ts": 1}`},
	{"force-0", "n", "1 3 name=rv;force=0",
		`{"event": "VOLUME_START", "message": {"force": false, "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"force-1", "n", "1 3 name=rv;force=1",
		`{"event": "VOLUME_START", "message": {"force": true, "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"force-On", "n", "1 4 name=rv;force=On",
		`{"event": "VOLUME_STOP", "message": {"force": true, "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"force-TRUE", "n", "1 4 name=rv;force=TRUE",
		`{"event": "VOLUME_STOP", "message": {"force": true, "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"force-yes", "n", "1 4 name=rv;force=yes",
		`{"event": "VOLUME_STOP", "message": {"force": true, "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"force-2", "n", "1 4 name=rv;force=2",
		`{"event": "VOLUME_STOP", "message": {"force": false, "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"force-empty", "n", "1 4 name=rv;force=",
		`{"event": "VOLUME_STOP", "message": {"force": false, "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"force-space", "n", "1 4 name=rv;force= 1",
		`{"event": "VOLUME_STOP", "message": {"force": false, "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"force-other-event", "n", "1 12 force=1;primary=gv0;secondary=h::sv",
		`{"event": "GEOREP_START", "message": {"force": true, "primary": "gv0", "secondary": "h::sv"}, "nodeid": "n", "ts": 1}`},
	{"space-force-untyped", "n", "1 3 name=rv; force=1",
		`{"event": "VOLUME_START", "message": {" force": "1", "name": "rv"}, "nodeid": "n", "ts": 1}`},
	{"georep-underscores-stay-strings", "n", "1 11 force=1;push_pem=1;no_verify=0;ssh_port=22;primary=gv0;secondary=root@h::sv",
		`{"event": "GEOREP_CREATE", "message": {"force": true, "no_verify": "0", "primary": "gv0", "push_pem": "1", "secondary": "root@h::sv", "ssh_port": "22"}, "nodeid": "n", "ts": 1}`},
	{"georep-hyphens-typed", "n", "1 11 force=yes;push-pem=on;no-verify=off;ssh-port=2222;primary=gv0;secondary=h::sv",
		`{"event": "GEOREP_CREATE", "message": {"force": true, "no-verify": false, "primary": "gv0", "push-pem": true, "secondary": "h::sv", "ssh-port": 2222}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-not-int", "n", "1 11 ssh-port=twenty",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": "twenty"}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-empty", "n", "1 11 ssh-port=",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": ""}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-spaces", "n", "1 11 ssh-port= 22 ",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 22}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-leading-zeros", "n", "1 11 ssh-port=0022",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 22}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-underscore", "n", "1 11 ssh-port=2_2",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 22}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-double-underscore", "n", "1 11 ssh-port=2__2",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": "2__2"}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-trailing-underscore", "n", "1 11 ssh-port=22_",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": "22_"}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-signs", "n", "1 11 ssh-port=+22;x=1",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 22, "x": "1"}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-negative", "n", "1 11 ssh-port=-22",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": -22}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-negative-zero", "n", "1 11 ssh-port=-0",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 0}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-sign-space", "n", "1 11 ssh-port=+ 22",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": "+ 22"}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-float", "n", "1 11 ssh-port=22.0",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": "22.0"}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-huge", "n", "1 11 ssh-port=123456789012345678901234567890",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 123456789012345678901234567890}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-arabic-indic", "n", "1 11 ssh-port=\xd9\xa2\xd9\xa2",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 22}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-math-digits", "n", "1 11 ssh-port=\xf0\x9d\x9f\x9a\xf0\x9d\x9f\xa3",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 21}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-unicode-underscore", "n", "1 11 ssh-port=\xd9\xa2_\xd9\xa2",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 22}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-unicode-spaces", "n", "1 11 ssh-port=\xc2\xa022\xe3\x80\x80",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 22}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-nel", "n", "1 11 ssh-port=\xc2\x85 22",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": 22}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-inner-nbsp", "n", "1 11 ssh-port=2\xc2\xa02",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": "2\u00a02"}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-ascii-file-separator", "n", "1 11 ssh-port=\x1c22",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": "\u001c22"}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-kawi-digit", "n", "1 11 ssh-port=\xf0\x91\xbd\x92",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": "\ud807\udf52"}, "nodeid": "n", "ts": 1}`},
	{"ssh-port-superscript", "n", "1 11 ssh-port=\xc2\xb2",
		`{"event": "GEOREP_CREATE", "message": {"ssh-port": "\u00b2"}, "nodeid": "n", "ts": 1}`},
	{"negative-ts", "n", "-5 5 name=rv",
		`{"event": "VOLUME_DELETE", "message": {"name": "rv"}, "nodeid": "n", "ts": -5}`},
	{"plus-ts-leading-zero-id", "n", "+0017 005 name=rv",
		`{"event": "VOLUME_DELETE", "message": {"name": "rv"}, "nodeid": "n", "ts": 17}`},
	{"null-values", "n", "1 97 client_uid=CTX_ID:x;subdir_mount=(null)",
		`{"event": "CLIENT_CONNECT", "message": {"client_uid": "CTX_ID:x", "subdir_mount": "(null)"}, "nodeid": "n", "ts": 1}`},
	{"spaces-kept", "n", "1 71 peer=node2;uuid=u;state=Peer in Cluster",
		`{"event": "PEER_DISCONNECT", "message": {"peer": "node2", "state": "Peer in Cluster", "uuid": "u"}, "nodeid": "n", "ts": 1}`},
	{"bricks-leading-space", "n", "1795306549 2 name=rv;bricks= gtest:/b1 gtest:/b2 ",
		`{"event": "VOLUME_CREATE", "message": {"bricks": " gtest:/b1 gtest:/b2", "name": "rv"}, "nodeid": "n", "ts": 1795306549}`},
	{"body-leading-spaces", "n", "1 5   name=rv",
		`{"event": "VOLUME_DELETE", "message": {"  name": "rv"}, "nodeid": "n", "ts": 1}`},
}

func TestAppendLegacyBodyGolden(t *testing.T) {
	cases := slices.Clone(legacyGolden)
	// Python's int() refuses more than 4300 digits (underscores do not count).
	msg := func(v string) string {
		return `{"event": "GEOREP_CREATE", "message": {"ssh-port": ` + v + `}, "nodeid": "n", "ts": 1}`
	}
	cases = append(cases,
		legacyCase{"ssh-port-4300-zeros", "n", "1 11 ssh-port=" + strings.Repeat("0", 4300), msg("0")},
		legacyCase{"ssh-port-4301-zeros", "n", "1 11 ssh-port=" + strings.Repeat("0", 4301), msg(`"` + strings.Repeat("0", 4301) + `"`)},
		legacyCase{"ssh-port-4300-digits-and-underscore", "n", "1 11 ssh-port=" + strings.Repeat("1", 4299) + "_1", msg(strings.Repeat("1", 4300))},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := gfevent.Parse([]byte(c.datagram))
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.datagram, err)
			}
			got := webhooks.AppendLegacyBody(nil, c.nodeID, ev)
			if string(got) != c.want {
				t.Errorf("AppendLegacyBody(%q)\n got %s\nwant %s", c.datagram, got, c.want)
			}
			// It appends.
			pre := []byte("prefix")
			if got2 := webhooks.AppendLegacyBody(pre, c.nodeID, ev); string(got2) != "prefix"+c.want {
				t.Errorf("AppendLegacyBody with a prefix: %s", got2)
			}
		})
	}
}

// TestAppendLegacyBodyFieldsNotFromParse covers events built in Go rather
// than parsed: invalid UTF-8 in a field or the node id is written as U+FFFD,
// one per invalid byte (Go's range over a string).
func TestAppendLegacyBodyFieldsNotFromParse(t *testing.T) {
	ev := &gfevent.Event{Time: 7, Type: gfevent.VolumeDelete, Fields: []gfevent.Field{{Key: "na\xffme", Value: "a\xfe\xfdb"}}}
	got := string(webhooks.AppendLegacyBody(nil, "n\x80", ev))
	want := `{"event": "VOLUME_DELETE", "message": {"na\ufffdme": "a\ufffd\ufffdb"}, "nodeid": "n\ufffd", "ts": 7}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	ev = &gfevent.Event{Time: 7, Type: gfevent.VolumeSet}
	got = string(webhooks.AppendLegacyBody(nil, "n", ev))
	want = `{"event": "VOLUME_SET", "message": {"options": [[""]]}, "nodeid": "n", "ts": 7}`
	if got != want {
		t.Errorf("VOLUME_SET without fields:\ngot  %s\nwant %s", got, want)
	}
}

// TestLegacyFuzzSeeds checks that testdata/fuzz/FuzzLegacyBody holds one
// seed per corpus datagram (go test -run TestLegacyFuzzSeeds -update-seeds
// rewrites them). Other files there (crashers the fuzzer found) are kept.
func TestLegacyFuzzSeeds(t *testing.T) {
	checkSeeds(t, filepath.Join("testdata", "fuzz", "FuzzLegacyBody"), func(d corpus.Datagram) []byte {
		return corpus.FuzzFile(d.Raw, fuzzNodeID)
	})
}

const fuzzNodeID = "ea301ba8-4257-4b63-8881-8e868866d038"

func checkSeeds(t *testing.T, dir string, file func(corpus.Datagram) []byte) {
	t.Helper()
	if *updateSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range corpus.Datagrams() {
		p := filepath.Join(dir, corpus.FileName(d.Name))
		want := file(d)
		if *updateSeeds {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("seed %s is missing or stale (%v); run: go test -run %s -update-seeds", p, err, t.Name())
		}
	}
}

// FuzzLegacyBody: for every datagram Parse accepts, the body is valid JSON
// that encoding/json decodes to the event's name, time, node id and fields,
// is pure ASCII, and has its message keys sorted.
func FuzzLegacyBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte, nodeID string) {
		ev, err := gfevent.Parse(raw)
		if err != nil {
			return
		}
		body := webhooks.AppendLegacyBody(nil, nodeID, ev)
		checkLegacyBody(t, body, nodeID, ev)
	})
}

func checkLegacyBody(t *testing.T, body []byte, nodeID string, ev *gfevent.Event) {
	t.Helper()
	if !json.Valid(body) {
		t.Fatalf("invalid JSON: %q", body)
	}
	for _, c := range body {
		if c >= utf8.RuneSelf || c < 0x20 {
			t.Fatalf("body is not printable ASCII (ensure_ascii): %q", body)
		}
	}
	var got struct {
		Event   string                     `json:"event"`
		Message map[string]json.RawMessage `json:"message"`
		NodeID  string                     `json:"nodeid"`
		TS      int64                      `json:"ts"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	if got.Event != ev.Type.String() || got.TS != ev.Time || got.NodeID != string([]rune(nodeID)) {
		t.Fatalf("decoded event %q ts %d nodeid %q, want %q %d %q", got.Event, got.TS, got.NodeID, ev.Type, ev.Time, nodeID)
	}
	// The last value of each key, as a Python dict built from the pairs.
	want := map[string]string{}
	for _, f := range ev.Fields {
		want[f.Key] = f.Value
	}
	if ev.Type == gfevent.VolumeSet {
		if _, ok := want["options"]; !ok {
			want["options"] = ""
		}
	}
	if len(got.Message) != len(want) {
		t.Fatalf("message has %d keys, want %d: %s", len(got.Message), len(want), body)
	}
	for k, v := range want {
		raw, ok := got.Message[k]
		if !ok {
			t.Fatalf("message lacks key %q: %s", k, body)
		}
		switch {
		case ev.Type == gfevent.VolumeSet && k == "options":
			var pairs [][]string
			if err := json.Unmarshal(raw, &pairs); err != nil {
				t.Fatalf("options %s: %v", raw, err)
			}
			var flat []string
			for i, p := range pairs {
				if len(p) != 2 && (len(p) != 1 || i != len(pairs)-1) {
					t.Fatalf("options %s: pair %d has %d items", raw, i, len(p))
				}
				flat = append(flat, p...)
			}
			if j := strings.Join(flat, ","); j != strings.Trim(v, ",") {
				t.Fatalf("options %s do not join back to %q", raw, v)
			}
		case k == "force" || k == "push-pem" || k == "no-verify":
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Fatalf("%s = %s, want a JSON boolean", k, raw)
			}
		case k == "ssh-port":
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if s != v {
					t.Fatalf("%s = %s, want %q", k, raw, v)
				}
				break
			}
			var n json.Number
			if err := json.Unmarshal(raw, &n); err != nil {
				t.Fatalf("%s = %s, want a string or an integer", k, raw)
			}
		default:
			var s string
			if err := json.Unmarshal(raw, &s); err != nil || s != v {
				t.Fatalf("%q = %s (%v), want %q", k, raw, err, v)
			}
		}
	}
	// Keys in code point order at every level: the top level is fixed, the
	// message keys strictly increase (and so are unique).
	dec := json.NewDecoder(bytes.NewReader(body))
	var top, keys []string
	next := func() json.Token {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("tokens of %q: %v", body, err)
		}
		return tok
	}
	next() // {
	for dec.More() {
		k, _ := next().(string)
		top = append(top, k)
		if k != "message" {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			continue
		}
		next() // {
		for dec.More() {
			k, _ := next().(string)
			keys = append(keys, k)
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
		}
		next() // }
	}
	if !slices.Equal(top, []string{"event", "message", "nodeid", "ts"}) {
		t.Fatalf("top-level keys %q", top)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i-1] >= keys[i] {
			t.Fatalf("message keys not strictly sorted: %q", keys)
		}
	}
}
