package webhooks

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// BenchmarkDelivery measures one webhook draining a journal backlog over
// keep-alive connections, beside a bare net/http client posting bodies of
// the same size to the same receiver over as many connections: the ratio
// (%ceiling) is what the worker's bookkeeping and the sender's Transport
// settings cost. It is a benchmark, not a test: nothing asserts a rate.
//
//	go test -run '^$' -bench Delivery -count 3 ./webhooks
func BenchmarkDelivery(b *testing.B) {
	for _, inflight := range []int{1, 4} {
		b.Run("inflight="+strconv.Itoa(inflight), func(b *testing.B) {
			var got, want atomic.Int64
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if got.Add(1) == want.Load() {
					close(done)
				}
			}))
			defer srv.Close()
			j := openTestJournal(b)
			seqs := appendEvents(b, j, b.N)
			body := firstBody(b, j, seqs[0])

			// Ceiling: a bare client, same receiver, inflight connections.
			start := time.Now()
			ceiling(b, srv.URL, body, b.N, inflight)
			bare := float64(b.N) / time.Since(start).Seconds()
			want.Store(int64(b.N))
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
			select {
			case <-done:
			case <-time.After(time.Duration(b.N) * time.Millisecond * 10):
				b.Fatalf("%d of %d delivered", got.Load(), b.N)
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

// firstBody is the legacy body of the record at seq: what the bare
// client posts, so that both send as many bytes.
func firstBody(b *testing.B, j *journal.Journal, seq uint64) []byte {
	recs, err := j.Read(seq, 1)
	if err != nil || len(recs) != 1 {
		b.Fatalf("reading record %d: %d records, %v", seq, len(recs), err)
	}
	r, err := evrec.Unmarshal(recs[0].Seq, recs[0].Data)
	if err != nil {
		b.Fatal(err)
	}
	return AppendLegacyBody(nil, testNodeID, &r.Event)
}

// ceiling posts body n times from conns goroutines with a default
// net/http client.
func ceiling(b *testing.B, url string, body []byte, n, conns int) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
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
