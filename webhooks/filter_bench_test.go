package webhooks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// BenchmarkWorkerFilter is the worker path with and without a filter: one
// webhook draining a backlog of VOLUME_START events for gv0, with no
// filter, with a filter that every event passes (the match is the only
// difference), and with one no event passes (the worker reads, decodes,
// matches and moves its cursor past every event, delivering none). It is
// a benchmark, not a test: nothing asserts a rate.
//
//	go test -run '^$' -bench WorkerFilter -count 3 ./webhooks
func BenchmarkWorkerFilter(b *testing.B) {
	for _, bc := range []struct {
		name, filter string
		delivers     bool
	}{
		{"none", "", true},
		{"passes", "category:volume severity:info volume:gv* !VOLUME_SET !node:0000", true},
		{"rejects", "category:brick category:quorum severity:warning", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var got atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				got.Add(1)
			}))
			defer srv.Close()
			j := openTestJournal(b)
			seqs := appendEvents(b, j, b.N)
			last := seqs[len(seqs)-1]
			m, err := NewManager(Options{Journal: j, NodeID: testNodeID, Version: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Stop(context.Background())
			hook := config.DefaultWebhook()
			hook.URL, hook.MaxInFlight, hook.Filter = srv.URL, 4, bc.filter
			c := config.DefaultCluster()
			c.Webhooks = []config.Webhook{hook}
			if err := c.Validate(); err != nil { // resolves the filter, as LoadCluster does
				b.Fatal(err)
			}
			if err := j.SetCursor(ConsumerName(hook.Key()), 0); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			if err := m.Apply(context.Background(), c.Webhooks); err != nil {
				b.Fatal(err)
			}
			deadline := time.Now().Add(time.Duration(b.N)*10*time.Millisecond + 10*time.Second)
			for {
				hs := m.Health()
				if len(hs) == 1 && hs[0].Cursor >= last {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("cursor did not reach %d", last)
				}
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
			if want := int64(b.N); bc.delivers && got.Load() != want || !bc.delivers && got.Load() != 0 {
				b.Fatalf("%d delivered, want %v", got.Load(), bc.delivers)
			}
		})
	}
}
