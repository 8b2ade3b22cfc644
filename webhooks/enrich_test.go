package webhooks_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/corpus"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/testenv"
	"github.com/gluster/gluster-eventing/webhooks"
)

func TestTypedFields(t *testing.T) {
	for _, c := range []struct {
		name, datagram string
		want           string // the JSON of TypedFields
	}{
		{"volume-start-force", "1 3 name=gv0;force=1", `{"force":true,"name":"gv0"}`},
		{"force-not-true", "1 4 name=gv0;force=2", `{"force":false,"name":"gv0"}`},
		{"volume-set-options", "1 6 name=gv0;options=,a.b,on,c.d,off,e",
			`{"name":"gv0","options":[["a.b","on"],["c.d","off"],["e"]]}`},
		{"volume-set-no-options", "1 6 name=gv0;options=", `{"name":"gv0","options":[[""]]}`},
		{"options-of-another-event", "1 7 name=gv0;options=,a,b", `{"name":"gv0","options":",a,b"}`},
		// Gluster's CLI sends underscores, which glustereventsd leaves
		// strings; fields types them.
		{"georep-underscores", "1 11 force=1;push_pem=yes;no_verify=0;ssh_port=2222;reset_sync_time=on;primary=gv0;secondary=root@h::sv",
			`{"force":true,"no_verify":false,"primary":"gv0","push_pem":true,"reset_sync_time":true,"secondary":"root@h::sv","ssh_port":2222}`},
		{"georep-hyphens", "1 11 push-pem=on;no-verify=off;ssh-port= 0022 ",
			`{"no-verify":false,"push-pem":true,"ssh-port":22}`},
		{"ssh-port-not-a-number", "1 11 ssh_port=twenty", `{"ssh_port":"twenty"}`},
		{"ssh-port-beyond-64-bits", "1 11 ssh_port=123456789012345678901234567890", `{"ssh_port":"123456789012345678901234567890"}`},
		{"client-pid-negative", "1 108 client-pid=-6; subvol=gv0-replicate-0", `{"client-pid":-6,"subvol":"gv0-replicate-0"}`},
		{"notify-unknown-op", "1 79 op=27", `{"op":27}`},
		{"split-brain-count", "1 110 client-pid=0;subvol=gv0-replicate-0;type=data;file=/a;count=2;child-0=gv0-client-0",
			`{"child-0":"gv0-client-0","client-pid":0,"count":2,"file":"/a","subvol":"gv0-replicate-0","type":"data"}`},
		{"last-duplicate-wins", "1 5 name=a;name=b", `{"name":"b"}`},
		{"spaced-key-trimmed-and-typed", "1 3 name=gv0; force=1", `{"force":true,"name":"gv0"}`},
		{"strings-stay-strings", "1 77 peer=n1;volume=gv0;brick=n1:/b", `{"brick":"n1:/b","peer":"n1","volume":"gv0"}`},
		{"no-fields", "1 19 (null)", `{}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev, err := gfevent.Parse([]byte(c.datagram))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(webhooks.TypedFields(ev))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("TypedFields(%q)\n got %s\nwant %s", c.datagram, got, c.want)
			}
		})
	}
}

// TestStandardBodyEnrichedGolden: the standard body carries the subsystem
// category, severity, scope and typed fields, and data stays strings.
func TestStandardBodyEnrichedGolden(t *testing.T) {
	for _, c := range []struct{ name, datagram, want string }{
		{"georep-create", "1772597167 11 force=1;push_pem=1;no_verify=0;ssh_port=22;primary=gv0;secondary=root@h::sv",
			`{"id":"evt_node1_e1_7","type":"gluster.georep_create","timestamp":"2026-03-04T04:06:07Z","seq":7,"epoch":"e1","node":"node1",` +
				`"data":{"force":"1","no_verify":"0","primary":"gv0","push_pem":"1","secondary":"root@h::sv","ssh_port":"22"},` +
				`"fields":{"force":true,"no_verify":false,"primary":"gv0","push_pem":true,"secondary":"root@h::sv","ssh_port":22},` +
				`"event":"GEOREP_CREATE","ts":1772597167,"severity":"info","category":"georep","scope":"user"}`},
		{"volume-set", "1772597167 6 name=gv0;options=,performance.readdir-ahead,off",
			`{"id":"evt_node1_e1_7","type":"gluster.volume_set","timestamp":"2026-03-04T04:06:07Z","seq":7,"epoch":"e1","node":"node1",` +
				`"data":{"name":"gv0","options":",performance.readdir-ahead,off"},` +
				`"fields":{"name":"gv0","options":[["performance.readdir-ahead","off"]]},` +
				`"event":"VOLUME_SET","ts":1772597167,"severity":"info","category":"volume","scope":"user"}`},
		{"brick-disconnected", "1772597167 76 peer=n1;volume=gv0;brick=n1:/b0",
			`{"id":"evt_node1_e1_7","type":"gluster.brick_disconnected","timestamp":"2026-03-04T04:06:07Z","seq":7,"epoch":"e1","node":"node1",` +
				`"data":{"brick":"n1:/b0","peer":"n1","volume":"gv0"},` +
				`"fields":{"brick":"n1:/b0","peer":"n1","volume":"gv0"},` +
				`"event":"BRICK_DISCONNECTED","ts":1772597167,"severity":"critical","category":"brick","scope":"local"}`},
		{"afr-quorum-fail", "1772597167 107 client-pid=-6; subvol=gv0-replicate-0",
			`{"id":"evt_node1_e1_7","type":"gluster.afr_quorum_fail","timestamp":"2026-03-04T04:06:07Z","seq":7,"epoch":"e1","node":"node1",` +
				`"data":{"client-pid":"-6","subvol":"gv0-replicate-0"},` +
				`"fields":{"client-pid":-6,"subvol":"gv0-replicate-0"},` +
				`"event":"AFR_QUORUM_FAIL","ts":1772597167,"severity":"critical","category":"quorum","scope":"local"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev, err := gfevent.Parse([]byte(c.datagram))
			if err != nil {
				t.Fatal(err)
			}
			rec := &evrec.Record{Seq: 7, Received: time.Unix(1772597167, 0), Event: *ev}
			got, err := webhooks.AppendStandardBody(nil, webhooks.NewStandardBody("node1", "e1", rec))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("standard body\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestStandardBodyFieldsOverCorpus: for every datagram of the corpus, fields
// has data's keys, and a field is typed only where the legacy body types
// it (or Gluster's underscore spelling of it), or it is a known integer.
func TestStandardBodyFieldsOverCorpus(t *testing.T) {
	typed := map[string]bool{"force": true, "push-pem": true, "no-verify": true, "push_pem": true, "no_verify": true,
		"reset_sync_time": true, "ssh-port": true, "ssh_port": true, "client-pid": true, "op": true, "count": true}
	for _, d := range corpus.Datagrams() {
		ev, err := gfevent.Parse(d.Raw)
		if err != nil {
			continue
		}
		b := webhooks.NewStandardBody("n", "e", &evrec.Record{Seq: 1, Event: *ev})
		if len(b.Fields) != len(b.Data) {
			t.Errorf("%s: %d fields, %d data", d.Name, len(b.Fields), len(b.Data))
		}
		for k, v := range b.Data {
			f, ok := b.Fields[k]
			switch {
			case !ok:
				t.Errorf("%s: fields has no %q", d.Name, k)
			case ev.Type == gfevent.VolumeSet && k == "options":
				if _, ok := f.([][]string); !ok {
					t.Errorf("%s: options = %#v, want pairs", d.Name, f)
				}
			case typed[k]:
			case f != v:
				t.Errorf("%s: fields[%q] = %#v, want the string %q", d.Name, k, f, v)
			}
		}
		if _, err := webhooks.AppendStandardBody(nil, b); err != nil {
			t.Errorf("%s: %v", d.Name, err)
		}
	}
}

// TestLegacyBodyEnrichedGolden: an enriching webhook's legacy body is
// glustereventsd's with "category" and "severity" added where sorted keys
// put them; the rest is byte for byte the plain body.
func TestLegacyBodyEnrichedGolden(t *testing.T) {
	for _, c := range []legacyCase{
		{"volume-start", "ea301ba8-4257-4b63-8881-8e868866d038", "1795305319 3 name=gv0;force=1",
			`{"category": "volume", "event": "VOLUME_START", "message": {"force": true, "name": "gv0"}, "nodeid": "ea301ba8-4257-4b63-8881-8e868866d038", "severity": "info", "ts": 1795305319}`},
		{"brick-disconnected", "n", "1 76 peer=n1;volume=gv0;brick=n1:/b0",
			`{"category": "brick", "event": "BRICK_DISCONNECTED", "message": {"brick": "n1:/b0", "peer": "n1", "volume": "gv0"}, "nodeid": "n", "severity": "critical", "ts": 1}`},
		{"volume-set", "n", "1 6 name=rv;options=,user.cifs,enable",
			`{"category": "volume", "event": "VOLUME_SET", "message": {"name": "rv", "options": [["user.cifs", "enable"]]}, "nodeid": "n", "severity": "info", "ts": 1}`},
		{"quorum-lost", "n", "1 80 volume=gv0",
			`{"category": "quorum", "event": "QUORUM_LOST", "message": {"volume": "gv0"}, "nodeid": "n", "severity": "critical", "ts": 1}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev, err := gfevent.Parse([]byte(c.datagram))
			if err != nil {
				t.Fatal(err)
			}
			if got := webhooks.AppendLegacy([]byte("x"), c.nodeID, ev, true); string(got) != "x"+c.want {
				t.Errorf("enriched legacy body\n got %s\nwant x%s", got, c.want)
			}
		})
	}
	// Not enriching: glustereventsd's body, byte for byte.
	for _, c := range legacyGolden {
		ev, err := gfevent.Parse([]byte(c.datagram))
		if err != nil {
			t.Fatal(err)
		}
		if got := webhooks.AppendLegacy(nil, c.nodeID, ev, false); string(got) != c.want {
			t.Errorf("%s: AppendLegacy(enrich=false)\n got %s\nwant %s", c.name, got, c.want)
		}
		// Enriching adds the two keys and changes nothing else.
		info := ev.Type.Info()
		want := `{"category": "` + info.Category.String() + `", ` + strings.TrimPrefix(c.want, "{")
		i := strings.LastIndex(want, `, "ts": `)
		want = want[:i] + `, "severity": "` + info.Severity.String() + `"` + want[i:]
		if got := webhooks.AppendLegacyBodyEnriched(nil, c.nodeID, ev); string(got) != want {
			t.Errorf("%s: enriched\n got %s\nwant %s", c.name, got, want)
		}
	}
}

// TestLegacyBodyEnrichedIsPythonJSON: Python's json.dumps(sort_keys=True),
// what glustereventsd writes, reproduces every enriched body of the corpus
// byte for byte from its parse, so a receiver that compares or re-encodes
// glustereventsd's bodies sees the same canonical form.
func TestLegacyBodyEnrichedIsPythonJSON(t *testing.T) {
	python, err := exec.LookPath("python3")
	testenv.Require(t, err == nil, "python3")
	var in bytes.Buffer
	var want []string
	for _, d := range corpus.Datagrams() {
		ev, err := gfevent.Parse(d.Raw)
		if err != nil || !d.WellFormed {
			continue
		}
		b := webhooks.AppendLegacyBodyEnriched(nil, "ea301ba8-4257-4b63-8881-8e868866d038", ev)
		in.Write(b)
		in.WriteByte('\n')
		want = append(want, string(b))
	}
	cmd := exec.Command(python, "-c", `import sys, json
for line in sys.stdin:
    print(json.dumps(json.loads(line), sort_keys=True))`)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("json.dumps(sort_keys=True) differs (-ours +python):\n%s", diff)
	}
}
