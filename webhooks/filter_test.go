package webhooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
)

// loadHooks writes a cluster config and loads it as the daemon does, so
// that the webhooks' filters and channels are resolved by the loader.
func loadHooks(t *testing.T, text string) *config.Cluster {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gluster-eventing.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFilteredWebhooks is the operator story "send only brick and quorum
// alerts of severity warning or worse to this URL" against real HTTP
// receivers: a filtered webhook gets exactly the matching events, in
// order, and its cursor passes the others; a channel webhook follows the
// channel's definition when it changes.
func TestFilteredWebhooks(t *testing.T) {
	j := openTestJournal(t)
	rvAlerts, rvChannel, rvAll := newReceiver(t, false, nil), newReceiver(t, false, nil), newReceiver(t, false, nil)
	text := `version = 1
[channels.ops]
filter = "category:brick"

[[webhook]]
url = "` + rvAlerts.url() + `"
format = "standard"
filter = "category:brick category:quorum severity:warning"

[[webhook]]
url = "` + rvChannel.url() + `"
format = "standard"
channel = "ops"

[[webhook]]
url = "` + rvAll.url() + `"
format = "standard"
`
	c := loadHooks(t, text)
	m := newTestManager(t, j)
	apply(t, m, c.Webhooks...)

	types := []gfevent.Type{
		gfevent.VolumeStart,          // info, volume
		gfevent.BrickDisconnected,    // critical, brick
		gfevent.BrickConnected,       // info, brick
		gfevent.QuorumLost,           // critical, quorum
		gfevent.QuorumRegained,       // info, quorum
		gfevent.AfrQuorumFail,        // critical, quorum (replica)
		gfevent.PeerDisconnect,       // warning, peer
		gfevent.BrickStartFailed,     // warning, brick
		gfevent.SnapshotCreateFailed, // warning, snapshot
	}
	seqs := appendEvents(t, j, 3*len(types), types...)
	last := seqs[len(seqs)-1]
	want := func(f func(gfevent.Info) bool) []uint64 {
		var out []uint64
		for i, s := range seqs {
			if f(types[i%len(types)].Info()) {
				out = append(out, s)
			}
		}
		return out
	}
	wantAlerts := want(func(in gfevent.Info) bool {
		return (in.Category == gfevent.CategoryBrick || in.Category == gfevent.CategoryQuorum) && in.Severity >= gfevent.SeverityWarning
	})
	wantBricks := want(func(in gfevent.Info) bool { return in.Category == gfevent.CategoryBrick })
	if len(wantAlerts) == 0 || len(wantAlerts) == len(seqs) {
		t.Fatalf("the test's events do not exercise the filter: %v", wantAlerts)
	}
	waitFor(t, 20*time.Second, "every webhook's cursor at the last event", func() bool {
		for _, rv := range []*receiver{rvAlerts, rvChannel, rvAll} {
			if healthOf(t, m, rv.url()).Cursor != last {
				return false
			}
		}
		return true
	})
	if got := rvAlerts.delivered(); !slices.Equal(got, wantAlerts) {
		t.Errorf("filtered webhook got %v, want %v", got, wantAlerts)
	}
	for _, r := range rvAlerts.requests() {
		var b StandardBody
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatal(err)
		}
		if (b.Category != "brick" && b.Category != "quorum") || b.Severity == "info" {
			t.Errorf("filtered webhook got %s (%s, %s)", b.Event, b.Category, b.Severity)
		}
	}
	if got := rvChannel.delivered(); !slices.Equal(got, wantBricks) {
		t.Errorf("channel webhook got %v, want %v", got, wantBricks)
	}
	if got := rvAll.delivered(); len(got) != len(seqs) {
		t.Errorf("unfiltered webhook got %d events, want %d", len(got), len(seqs))
	}

	// Redefining the channel changes what its webhook gets; the other
	// webhooks' workers keep running.
	allWorker := workerOf(t, m, c.Webhooks[2])
	c2 := loadHooks(t, strings.Replace(text, `filter = "category:brick"`, `filter = "category:quorum"`, 1))
	apply(t, m, c2.Webhooks...)
	if workerOf(t, m, c2.Webhooks[2]) != allWorker {
		t.Error("an unchanged webhook's worker was replaced")
	}
	before := len(rvChannel.delivered())
	seqs = appendEvents(t, j, len(types), types...)
	last = seqs[len(seqs)-1]
	waitFor(t, 20*time.Second, "the channel webhook's cursor at the last event", func() bool {
		return healthOf(t, m, rvChannel.url()).Cursor == last
	})
	var gotTypes []string
	for _, r := range rvChannel.requests()[before:] {
		var b StandardBody
		json.Unmarshal(r.body, &b)
		gotTypes = append(gotTypes, b.Event)
	}
	if !slices.Equal(gotTypes, []string{"QUORUM_LOST", "QUORUM_REGAINED", "AFR_QUORUM_FAIL"}) {
		t.Errorf("after the channel changed, its webhook got %v", gotTypes)
	}
}
