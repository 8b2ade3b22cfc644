package journal

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// payload is about the size of a journaled Gluster event.
var payload = bytes.Repeat([]byte("x"), 400)

// BenchmarkAppend measures journaled records per second on the disk that
// holds the test's temporary directory (every commit is fsync'd).
//
//   - sync: one goroutine calling Append and waiting for each commit.
//   - parallel: 256 goroutines calling Append concurrently.
//   - async: one goroutine calling AppendAsync, like the UDP reader.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	report := func(b *testing.B, j *Journal) {
		st := j.Stats()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		if st.Commits > 0 {
			b.ReportMetric(float64(st.Appended)/float64(st.Commits), "records/commit")
		}
	}
	for _, delay := range []struct {
		name string
		d    time.Duration
	}{{"delay=2ms", 2 * time.Millisecond}, {"delay=none", 0}} {
		b.Run("sync/"+delay.name, func(b *testing.B) {
			j := open(b, filepath.Join(b.TempDir(), "j.db"), Options{CommitDelay: delay.d})
			for b.Loop() {
				if _, err := j.Append(ctx, payload); err != nil {
					b.Fatal(err)
				}
			}
			report(b, j)
		})
	}
	b.Run("parallel", func(b *testing.B) {
		j := open(b, filepath.Join(b.TempDir(), "j.db"), Options{CommitDelay: 2 * time.Millisecond})
		b.SetParallelism(128) // 128 × GOMAXPROCS goroutines
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := j.Append(ctx, payload); err != nil {
					b.Error(err)
					return
				}
			}
		})
		report(b, j)
	})
	b.Run("async", func(b *testing.B) {
		j := open(b, filepath.Join(b.TempDir(), "j.db"), Options{CommitDelay: 2 * time.Millisecond})
		var wg sync.WaitGroup
		done := func(_ uint64, err error) {
			if err != nil {
				b.Error(err)
			}
			wg.Done()
		}
		// Not b.Loop: its timer stops before the final wg.Wait.
		for range b.N {
			wg.Add(1)
			if err := j.AppendAsync(payload, done); err != nil {
				b.Fatal(err)
			}
		}
		wg.Wait() // count the time until everything is durable
		report(b, j)
	})
}

func BenchmarkRead(b *testing.B) {
	j := open(b, filepath.Join(b.TempDir(), "j.db"), Options{})
	batch := make([][]byte, 1000)
	for i := range batch {
		batch[i] = payload
	}
	for range 100 {
		if _, err := j.Append(context.Background(), batch...); err != nil {
			b.Fatal(err)
		}
	}
	from := uint64(1)
	for b.Loop() {
		recs, err := j.Read(from, 100)
		if err != nil {
			b.Fatal(err)
		}
		from = recs[len(recs)-1].Seq%99_000 + 1
	}
	b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
