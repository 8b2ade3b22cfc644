package webhooks

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// BenchmarkDelivery measures one webhook draining a journal backlog over a
// keep-alive connection, beside a bare Go client posting the same bodies to
// the same receiver: the ratio is what the worker's bookkeeping costs.
//
//	go test -run '^$' -bench Delivery -benchtime 20000x ./webhooks
func BenchmarkDelivery(b *testing.B) {
	for _, inflight := range []int{1, 4} {
		b.Run("inflight="+string(rune('0'+inflight)), func(b *testing.B) {
			var got atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				got.Add(1)
			}))
			defer srv.Close()
			j := openTestJournal(&testing.T{})
			appendEvents(&testing.T{}, j, b.N)

			// Ceiling: a bare client, same receiver, inflight connections.
			start := time.Now()
			ceiling(b, srv.URL, b.N, inflight)
			bare := float64(b.N) / time.Since(start).Seconds()
			got.Store(0)

			m, err := NewManager(Options{Journal: j, NodeID: testNodeID, Version: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			hook := config.DefaultWebhook()
			hook.URL, hook.MaxInFlight = srv.URL, inflight
			// A new webhook starts at the end of the journal: give it the
			// backlog by setting its cursor to the start.
			if err := j.SetCursor(ConsumerName(hook.Key()), 0); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start = time.Now()
			if err := m.Apply(context.Background(), []config.Webhook{hook}); err != nil {
				b.Fatal(err)
			}
			for got.Load() < int64(b.N) {
				time.Sleep(time.Millisecond)
			}
			ours := float64(b.N) / time.Since(start).Seconds()
			b.StopTimer()
			m.Stop(context.Background())
			b.ReportMetric(ours, "events/s")
			b.ReportMetric(bare, "ceiling/s")
			b.ReportMetric(100*ours/bare, "%ceiling")
		})
	}
}

func ceiling(b *testing.B, url string, n, conns int) {
	body := bytes.Repeat([]byte("x"), 400)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	var next atomic.Int64
	done := make(chan struct{})
	for range conns {
		go func() {
			defer func() { done <- struct{}{} }()
			for next.Add(1) <= int64(n) {
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	for range conns {
		<-done
	}
}
