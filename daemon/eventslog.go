package daemon

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/webhooks"
)

// eventsLog appends every journaled event to a file as a JSON line (the
// standard body), replacing glustereventsd's Python-repr events.log. It is a
// journal cursor like any consumer, so it misses nothing across restarts.
// The file is opened for every batch, which makes logrotate's copytruncate
// and rename both safe.
type eventsLog struct {
	// disabled is the cluster config's disable-events-log: the cursor
	// still advances, nothing is written.
	disabled atomic.Bool
	j        *journal.Journal
	path     string
	nodeID   string
	log      *slog.Logger
}

const eventsLogCursor = "events-log"

func newEventsLog(j *journal.Journal, path, nodeID string, log *slog.Logger) *eventsLog {
	return &eventsLog{j: j, path: path, nodeID: nodeID, log: log.With("component", "events-log")}
}

func (e *eventsLog) run(ctx context.Context) {
	next, ok, err := e.j.Cursor(eventsLogCursor)
	if err != nil || !ok {
		next = e.j.LastSeq() + 1
	}
	for ctx.Err() == nil {
		recs, err := e.j.Read(next, 512)
		var te *journal.TrimmedError
		if errors.As(err, &te) {
			e.log.Warn("events fell out of the journal before they were logged", "lost", te.Oldest-next)
			next = te.Oldest
			continue
		}
		if err != nil {
			e.log.Error("reading journal", "err", err)
			return
		}
		if len(recs) == 0 {
			if err := e.j.Wait(ctx, next-1); err != nil {
				return
			}
			continue
		}
		if err := e.write(recs); err != nil {
			e.log.Error("writing events log", "path", e.path, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			continue
		}
		next = recs[len(recs)-1].Seq + 1
		_ = e.j.SetCursor(eventsLogCursor, next)
	}
}

func (e *eventsLog) write(recs []journal.Record) error {
	if e.disabled.Load() {
		return nil
	}
	var buf []byte
	for _, r := range recs {
		rec, err := evrec.Unmarshal(r.Seq, r.Data)
		if err != nil {
			e.log.Error("skipping undecodable record", "seq", r.Seq, "err", err)
			continue
		}
		buf, err = webhooks.AppendStandardBody(buf, webhooks.NewStandardBody(e.nodeID, e.j.Epoch(), rec))
		if err != nil {
			return err
		}
		buf = append(buf, '\n')
	}
	f, err := os.OpenFile(e.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
