package webhooks

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
)

// TestEnrichDelivery: a legacy webhook with enrich gets glustereventsd's
// body with category and severity; one without gets it byte for byte; and
// turning enrich on by Apply takes effect for the next events.
func TestEnrichDelivery(t *testing.T) {
	j := openTestJournal(t)
	rvPlain := newReceiver(t, false, nil)
	rvRich := newReceiver(t, false, nil)
	legacy := func(enrich bool) func(*config.Webhook) {
		return func(h *config.Webhook) { h.Format, h.SigningSecret, h.Enrich = config.FormatLegacy, "", enrich }
	}
	m := newTestManager(t, j)
	apply(t, m, testHook(rvPlain.url(), legacy(false)), testHook(rvRich.url(), legacy(true)))
	seqs := appendEvents(t, j, 2, gfevent.BrickDisconnected, gfevent.VolumeStart)
	waitFor(t, 10*time.Second, "deliveries", func() bool {
		return len(rvPlain.delivered()) == 2 && len(rvRich.delivered()) == 2
	})
	recs, err := j.Read(seqs[0], 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rvRich.requests() {
		rec, _ := evrec.Unmarshal(recs[i].Seq, recs[i].Data)
		if want := AppendLegacyBodyEnriched(nil, testNodeID, &rec.Event); !bytes.Equal(r.body, want) {
			t.Errorf("enriched body\n got %s\nwant %s", r.body, want)
		}
		if !strings.HasPrefix(string(r.body), `{"category": "`) || !strings.Contains(string(r.body), `"severity": "`) {
			t.Errorf("enriched body lacks category or severity: %s", r.body)
		}
	}
	if got := string(rvRich.requests()[0].body); !strings.Contains(got, `"category": "brick"`) || !strings.Contains(got, `"severity": "critical"`) {
		t.Errorf("BRICK_DISCONNECTED: %s", got)
	}
	for i, r := range rvPlain.requests() {
		rec, _ := evrec.Unmarshal(recs[i].Seq, recs[i].Data)
		if want := AppendLegacyBody(nil, testNodeID, &rec.Event); !bytes.Equal(r.body, want) {
			t.Errorf("plain legacy body\n got %s\nwant %s", r.body, want)
		}
	}

	// enrich turned on for the plain one: its next body is enriched.
	apply(t, m, testHook(rvPlain.url(), legacy(true)), testHook(rvRich.url(), legacy(true)))
	appendEvents(t, j, 1, gfevent.QuorumLost)
	waitFor(t, 10*time.Second, "the delivery after the change", func() bool { return len(rvPlain.delivered()) == 3 })
	if got := string(rvPlain.requests()[2].body); !strings.HasPrefix(got, `{"category": "quorum", "event": "QUORUM_LOST"`) {
		t.Errorf("after enrich on: %s", got)
	}
}

// TestEnrichTestEvent: webhook-test's legacy body carries category and
// severity too when the webhook enriches, and not otherwise.
func TestEnrichTestEvent(t *testing.T) {
	rv := newReceiver(t, false, nil)
	ctx := t.Context()
	for _, enrich := range []bool{false, true} {
		hook := testHook(rv.url(), func(h *config.Webhook) { h.Format, h.SigningSecret, h.Enrich = config.FormatLegacy, "", enrich })
		if status, err := SendTestEvent(ctx, hook, testNodeID, "1.2.3"); err != nil || status != 200 {
			t.Fatalf("SendTestEvent: %d, %v", status, err)
		}
	}
	reqs := rv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	plain, rich := string(reqs[0].body), string(reqs[1].body)
	ts := strings.TrimSuffix(plain[strings.LastIndex(plain, `"ts": `)+len(`"ts": `):], "}")
	if want := `{"event": "TEST", "message": {}, "nodeid": "` + testNodeID + `", "ts": ` + ts + `}`; plain != want {
		t.Errorf("plain test body\n got %s\nwant %s", plain, want)
	}
	if !strings.HasPrefix(rich, `{"category": "test", "event": "TEST", "message": {}, "nodeid": "`+testNodeID+`", "severity": "info", "ts": `) {
		t.Errorf("enriched test body: %s", rich)
	}
}
