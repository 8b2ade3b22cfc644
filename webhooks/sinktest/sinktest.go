// Package sinktest runs a notifier sink in the daemon's delivery machinery
// (a webhooks.Manager over a fresh journal), for the tests of the sink
// packages (mailsink, snmpsink): what they check through the worker is
// theirs, how the worker is set up and fed is the same for every kind.
// Only tests import it.
package sinktest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/webhooks"
)

// Run runs n in a webhook manager with opts (its Sinks holding the sink of
// n's kind) over a fresh journal, and returns the journal; the manager
// stops when the test ends.
func Run(t testing.TB, n config.Notifier, opts webhooks.Options) (*journal.Journal, *webhooks.Manager) {
	t.Helper()
	if err := n.Validate(); err != nil {
		t.Fatalf("notifier: %v", err)
	}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	opts.Journal = j
	m, err := webhooks.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m.Stop(ctx)
	})
	if err := m.ApplyNotifiers(context.Background(), []config.Notifier{n}); err != nil {
		t.Fatal(err)
	}
	return j, m
}

// AppendEvents journals n events, cycling through types, with volume gv0
// and the fields fields returns for the i-th event, whose journal seq is
// seq.
func AppendEvents(t testing.TB, j *journal.Journal, n int, fields func(i int, seq uint64) []gfevent.Field, types ...gfevent.Type) {
	t.Helper()
	first := j.LastSeq() + 1
	data := make([][]byte, n)
	for i := range n {
		rec := evrec.Record{Received: time.Now(), Source: "127.0.0.1", Event: gfevent.Event{
			Time: time.Now().Unix(), Type: types[i%len(types)],
			Fields: append([]gfevent.Field{{Key: "volume", Value: "gv0"}}, fields(i, first+uint64(i))...),
		}}
		b, err := rec.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		data[i] = b
	}
	if _, err := j.Append(context.Background(), data...); err != nil {
		t.Fatal(err)
	}
}

// WaitCaughtUp waits until the cursor of m's one notifier reaches the
// journal's end, and returns its health then.
func WaitCaughtUp(t testing.TB, j *journal.Journal, m *webhooks.Manager, timeout time.Duration) api.Notifier {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		hs := m.NotifierHealth()
		if len(hs) == 1 && hs[0].Cursor == j.LastSeq() {
			return hs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("notifier not caught up with seq %d in %s: %+v", j.LastSeq(), timeout, hs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
