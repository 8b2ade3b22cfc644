package webhooks

import (
	"github.com/google/go-cmp/cmp"

	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
)

func TestStandardBody(t *testing.T) {
	rec := &evrec.Record{
		Seq:      42,
		Received: time.Date(2026, 3, 4, 5, 6, 7, 890000000, time.FixedZone("CET", 3600)),
		Event: gfevent.Event{
			Time: 1772597167,
			Type: gfevent.VolumeStart,
			Fields: []gfevent.Field{
				{Key: "name", Value: "gv0"},
				{Key: " subvol", Value: "gv0-replicate-0"}, // AFR's leading space
				{Key: "force", Value: "0"},
				{Key: "force", Value: "1"}, // the last one wins
				{Key: "msg", Value: `<"quoted"> & ü`},
			},
		},
	}
	b, err := AppendStandardBody([]byte("x"), NewStandardBody("ea301ba8-4257-4b63-8881-8e868866d038", "0123456789abcdef", rec))
	if err != nil {
		t.Fatal(err)
	}
	want := `x{"id":"evt_ea301ba8_0123456789abcdef_42","type":"gluster.volume_start",` +
		`"timestamp":"2026-03-04T04:06:07.89Z","seq":42,"epoch":"0123456789abcdef",` +
		`"node":"ea301ba8-4257-4b63-8881-8e868866d038",` +
		`"data":{"force":"1","msg":"\u003c\"quoted\"\u003e \u0026 ü","name":"gv0","subvol":"gv0-replicate-0"},` +
		`"fields":{"force":true,"msg":"\u003c\"quoted\"\u003e \u0026 ü","name":"gv0","subvol":"gv0-replicate-0"},` +
		`"event":"VOLUME_START","ts":1772597167,"severity":"info","category":"volume","scope":"user"}`
	if string(b) != want {
		t.Errorf("body\n got %s\nwant %s", b, want)
	}
}

func TestStandardBodyUnknownType(t *testing.T) {
	rec := &evrec.Record{Seq: 1, Event: gfevent.Event{Type: gfevent.Type(9999)}}
	sb := NewStandardBody("n", "e", rec)
	if sb.Type != "gluster.unknown_9999" || sb.Event != "UNKNOWN_9999" || sb.Severity != "unknown" || sb.Category != "unknown" || sb.Scope != "unknown" {
		t.Errorf("unknown type body = %+v", sb)
	}
	if len(sb.Data) != 0 || sb.Data == nil {
		t.Errorf("data = %#v, want an empty object", sb.Data)
	}
}

func TestConsumerNameAndDisplayURL(t *testing.T) {
	if got := ConsumerName("0123456789abcdef"); got != "webhook:0123456789abcdef" {
		t.Errorf("ConsumerName = %q", got)
	}
	for in, want := range map[string]string{
		"https://example.com/hook":                     "https://example.com/hook",
		"https://user:pa55@example.com:8443/hook":      "https://example.com:8443/hook",
		"https://example.com/hook?token=abc&x=1#frag":  "https://example.com/hook?token=REDACTED&x=REDACTED",
		"http://[fe80::1%25eth0]:80/p":                 "http://[fe80::1%25eth0]:80/p",
		"https://u@example.com/p?sig=s3cr3t":           "https://example.com/p?sig=REDACTED",
		"::not a url":                                  "(invalid URL)",
		"https://example.com/p?=only-a-value-s3cr3t&k": "https://example.com/p?=REDACTED&k=REDACTED",
	} {
		if got := displayURL(in); got != want {
			t.Errorf("displayURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStateBoundsAndRoundTrip(t *testing.T) {
	var p persisted
	// Runs of records given up on for the same reason share one entry.
	for s := uint64(1); s <= 5; s++ {
		p.addDeadLetter(DeadLetter{Seq: s, Status: 401, Attempts: 2})
	}
	p.addDeadLetter(DeadLetter{Seq: 6, Status: 500})
	p.addDeadLetter(DeadLetter{Seq: 8, Status: 500})
	if diff := cmp.Diff([]DeadLetter{{Seq: 1, LastSeq: 5, Status: 401, Attempts: 2}, {Seq: 6, LastSeq: 6, Status: 500}, {Seq: 8, LastSeq: 8, Status: 500}}, p.Dead); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
	if p.deadCount() != 7 {
		t.Errorf("deadCount = %d, want 7", p.deadCount())
	}
	// Bounded: the oldest entries go, and are counted.
	for s := uint64(10); s < 10+2*maxDeadRanges; s += 2 {
		p.addDeadLetter(DeadLetter{Seq: s})
	}
	if len(p.Dead) != maxDeadRanges || p.DeadDropped != 7 || p.Dead[0].Seq != 10 {
		t.Errorf("dead letters kept: %d from %d, dropped %d", len(p.Dead), p.Dead[0].Seq, p.DeadDropped)
	}
	p.Dead, p.DeadDropped = nil, 0
	p.setRetry(retryState{Seq: 300, Attempts: 2, NextAt: time.Unix(1700000000, 0).UTC()})
	p.setRetry(retryState{Seq: 301, Attempts: 1})
	p.setRetry(retryState{Seq: 300, Attempts: 3, NextAt: time.Unix(1700000001, 0).UTC()})
	b, err := encodeState(&p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := decodeState(b)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := q.retry(300); !ok || r.Attempts != 3 || !r.NextAt.Equal(time.Unix(1700000001, 0)) || len(q.Retries) != 2 {
		t.Errorf("round trip: %+v", q.Retries)
	}
	if !q.dropRetriesUpTo(300) || len(q.Retries) != 1 || q.dropRetriesUpTo(300) {
		t.Errorf("dropRetriesUpTo: %+v", q.Retries)
	}
	if b, _ := encodeState(&persisted{}); b != nil {
		t.Errorf("empty state encodes to %s, want nil (deleted)", b)
	}
	if _, err := decodeState([]byte("{")); err == nil {
		t.Error("decodeState accepted garbage")
	}
}
