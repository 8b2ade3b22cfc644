package cmd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/webhooks"
)

func TestWriteEventLine(t *testing.T) {
	at := time.Date(2026, 12, 2, 1, 2, 3, 456e6, time.UTC)
	n1 := "3f2a9c1e-0000-4000-8000-000000000001"
	names := &nodeNames{names: map[string]string{n1: "node1"}}
	for _, tc := range []struct {
		name  string
		l     eventLine
		names *nodeNames
		color bool
		want  string
	}{
		{"plain", eventLine{Time: at, Node: n1, Event: "VOLUME_STOP", Severity: "info", Category: "volume",
			Fields: map[string]string{"name": "gv0", "force": "0"}}, names, false,
			"2026-12-02T01:02:03Z node1 VOLUME_STOP            info     volume   force=0 name=gv0\n"},
		{"unknown node is its short uuid", eventLine{Time: at, Node: "7d00aa12-1111-4000-8000-000000000002", Event: "PEER_CONNECT",
			Severity: "info", Category: "peer", Fields: map[string]string{"host": "node2"}}, names, false,
			"2026-12-02T01:02:03Z 7d00aa12 PEER_CONNECT           info     peer     host=node2\n"},
		{"values that need quotes", eventLine{Time: at, Node: n1, Event: "VOLUME_SET", Severity: "info", Category: "volume",
			Fields: map[string]string{"options": "a=b c", "empty": "", "q": `say "hi"`, "nl": "x\ny"}}, nil, false,
			`2026-12-02T01:02:03Z 3f2a9c1e VOLUME_SET             info     volume   empty="" nl="x\ny" options="a=b c" q="say \"hi\""` + "\n"},
		{"no fields", eventLine{Time: at, Node: n1, Event: "SVC_MANAGER_FAILED", Severity: "critical", Category: "daemon"}, names, false,
			"2026-12-02T01:02:03Z node1 SVC_MANAGER_FAILED     critical daemon\n"},
		{"colour", eventLine{Time: at, Node: n1, Event: "BRICK_DISCONNECTED", Severity: "critical", Category: "brick",
			Fields: map[string]string{"volume": "gv0"}}, names, true,
			"\x1b[2m2026-12-02T01:02:03Z\x1b[0m node1 \x1b[1;31mBRICK_DISCONNECTED    \x1b[0m \x1b[1;31mcritical\x1b[0m brick    volume=gv0\n"},
		{"nothing known", eventLine{}, nil, false, "- - -                      -        -\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := writeEventLine(&b, tc.l, tc.names, tc.color); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestUseColor(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	var b strings.Builder
	for _, tc := range []struct {
		mode string
		get  func(string) string
		want bool
	}{
		{"always", env("NO_COLOR", "1"), true},
		{"never", env(), false},
		{"auto", env(), false}, // not a terminal
		{"auto", env("NO_COLOR", "1"), false},
	} {
		if got := useColor(tc.mode, &b, tc.get); got != tc.want {
			t.Errorf("useColor(%s) = %v", tc.mode, got)
		}
	}
}

func TestNodeNames(t *testing.T) {
	calls := 0
	n := newNodeNames(func(context.Context) (*api.State, error) {
		calls++
		return &api.State{Peers: []api.Peer{
			{UUID: "aaaaaaaa-1", Hostname: "localhost", Self: true},
			{UUID: "bbbbbbbb-2", Hostname: "node2.example.com"},
		}}, nil
	})
	n.self = "node1"
	for _, tc := range []struct{ uuid, want string }{
		{"aaaaaaaa-1", "node1"},
		{"bbbbbbbb-2", "node2.example.com"},
		{"cccccccc-3", "cccccccc"},
		{"cccccccc-3", "cccccccc"},
	} {
		if got := n.name(tc.uuid); got != tc.want {
			t.Errorf("name(%s) = %s, want %s", tc.uuid, got, tc.want)
		}
	}
	if calls != 1 {
		t.Errorf("the state was fetched %d times; an unknown node asks again only after %s", calls, refreshEvery)
	}
}

// parseDelivery reads the bodies the daemon really builds.
func TestParseDelivery(t *testing.T) {
	node := "3f2a9c1e-0000-4000-8000-000000000001"
	ev := gfevent.Event{Type: gfevent.VolumeSet, Time: 1700000000, Fields: []gfevent.Field{
		{Key: "name", Value: "gv0"}, {Key: "options", Value: "a.b,on,c.d,off"}}}
	legacy := parseDelivery(webhooks.AppendLegacyBody(nil, node, &ev))
	want := map[string]string{"name": "gv0", "options": `[["a.b","on"],["c.d","off"]]`}
	if legacy.Format != "legacy" || legacy.Event != "VOLUME_SET" || legacy.Node != node || legacy.TS != 1700000000 ||
		legacy.Category != "volume" || legacy.Severity != "info" || !cmp.Equal(legacy.fields, want) {
		t.Errorf("legacy = %+v, fields %v", legacy, legacy.fields)
	}

	rec := &evrec.Record{Seq: 42, Received: time.Date(2026, 12, 2, 1, 2, 3, 0, time.UTC), Event: gfevent.Event{
		Type: gfevent.BrickDisconnected, Time: 1700000001, Fields: []gfevent.Field{{Key: "volume", Value: "gv0"}}}}
	body, err := webhooks.AppendStandardBody(nil, webhooks.NewStandardBody(node, "9b1c0d2e", rec))
	if err != nil {
		t.Fatal(err)
	}
	std := parseDelivery(body)
	if std.Format != "standard" || std.Event != "BRICK_DISCONNECTED" || std.Seq != 42 || std.Epoch != "9b1c0d2e" ||
		std.Node != node || !std.Received.Equal(rec.Received) || std.Severity != "critical" || std.Category != "brick" ||
		std.fields["volume"] != "gv0" || string(std.Message) != `{"volume":"gv0"}` {
		t.Errorf("standard = %+v", std)
	}

	for _, b := range []string{"", "not json", `{"hello":"world"}`, `[1,2]`} {
		if d := parseDelivery([]byte(b)); d.Event != "" || d.Format != "" || d.Raw == nil || *d.Raw != b {
			t.Errorf("parseDelivery(%q) = %+v, want a raw body", b, d)
		}
	}
}

func TestNodeArg(t *testing.T) {
	n := newNodeNames(func(context.Context) (*api.State, error) {
		return &api.State{Peers: []api.Peer{
			{UUID: "aaaaaaaa-1", Hostname: "localhost", Self: true},
			{UUID: "bbbbbbbb-2", Hostname: "node2", Hostnames: []string{"node2", "10.0.0.2"}},
		}}, nil
	})
	n.self = "node1"
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"3f2a9c1e", "3f2a9c1e"},
		{"3F2A9C1E-0000", "3F2A9C1E-0000"},
		{"node1", "aaaaaaaa-1"},
		{"NODE2", "bbbbbbbb-2"},
		{"10.0.0.2", "bbbbbbbb-2"},
		{"localhost", "aaaaaaaa-1"},
		{"node9", "error"},
	} {
		got, err := nodeArg(context.Background(), tc.in, n)
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("nodeArg(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
