package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/webhooks"
)

// maxDeadLetterReads bounds the journal records one dead-letters answer
// reads to count events by name.
const maxDeadLetterReads = 100_000

// webhookRoutes adds the per-webhook endpoints to the API: dead letters and
// replays. They act on this node's journal.
func (d *Daemon) webhookRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/webhooks/{id}/dead-letters", d.serveDeadLetters)
	mux.HandleFunc("POST /v1/webhooks/{id}/replay", d.serveReplay)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func (d *Daemon) serveDeadLetters(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	dls, ok := d.hooks.DeadLetters(id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("no webhook with id %q", id))
		return
	}
	out := api.DeadLetters{ID: id, DeadLetters: []api.DeadLetter{}}
	for _, h := range d.hooks.Health() {
		if h.ID == id {
			out.URL, out.Dropped = h.URL, h.DeadLettersDropped
		}
	}
	d.countDeadLetters(&out, dls)
	writeJSON(w, http.StatusOK, out)
}

// countDeadLetters adds dls to out, each with its events counted by name.
func (d *Daemon) countDeadLetters(out *api.DeadLetters, dls []webhooks.DeadLetter) {
	budget := maxDeadLetterReads
	for _, dl := range dls {
		a := api.DeadLetter{Seq: dl.Seq, LastSeq: dl.LastSeq, Count: dl.Count(), At: dl.At, Attempts: dl.Attempts,
			Status: dl.Status, Error: dl.Error, Events: map[string]uint64{}}
		for seq := dl.Seq; seq <= dl.LastSeq && budget > 0; {
			recs, err := d.journal.Read(seq, int(min(dl.LastSeq-seq+1, 1024, uint64(budget))))
			if err != nil || len(recs) == 0 {
				break // trimmed meanwhile: counted as far as it goes
			}
			for _, rec := range recs {
				if rec.Seq > dl.LastSeq {
					break
				}
				name := "(unreadable record)"
				if ev, err := evrec.Unmarshal(rec.Seq, rec.Data); err == nil {
					name = ev.Event.Type.String()
				}
				a.Events[name]++
			}
			budget -= len(recs)
			seq = recs[len(recs)-1].Seq + 1
		}
		out.DeadLetters = append(out.DeadLetters, a)
	}
}

func (d *Daemon) serveReplay(w http.ResponseWriter, r *http.Request) {
	d.replay(w, r, "webhook", d.hooks.ReplayFrom, d.hooks.ReplayDeadLetters)
}

// replay answers a replay request of a webhook or notifier (what), with
// its manager's replay functions.
func (d *Daemon) replay(w http.ResponseWriter, r *http.Request, what string,
	from func(context.Context, string, uint64) (webhooks.Replayed, error),
	dead func(context.Context, string) (webhooks.Replayed, error)) {
	id := r.PathValue("id")
	q := r.URL.Query()
	var res webhooks.Replayed
	var err error
	switch {
	case q.Get("dead_letters") == "true":
		res, err = dead(r.Context(), id)
	case q.Has("since_time"):
		var t time.Time
		if t, err = time.Parse(time.RFC3339Nano, q.Get("since_time")); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("since_time: %w", err))
			return
		}
		var seq uint64
		if seq, err = d.hooks.SeqAt(t); err == nil {
			res, err = from(r.Context(), id, seq)
		}
	case q.Has("since"):
		var seq uint64
		if seq, err = strconv.ParseUint(q.Get("since"), 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("since: %q is not a journal seq", q.Get("since")))
			return
		}
		res, err = from(r.Context(), id, seq)
	default:
		writeError(w, http.StatusBadRequest, errors.New("give since, since_time or dead_letters=true"))
		return
	}
	if te, ok := errors.AsType[*journal.TrimmedError](err); ok {
		writeError(w, http.StatusGone, fmt.Errorf("seq %d fell out of the journal's retention; the oldest seq available is %d", te.Requested, te.Oldest))
		return
	}
	switch {
	case errors.Is(err, webhooks.ErrNoWebhook), errors.Is(err, webhooks.ErrNoNotifier):
		writeError(w, http.StatusNotFound, fmt.Errorf("no %s with id %q on this node", what, id))
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	d.log.Info(what+" replay", what, id, "from", res.From, "to", res.To, "records", res.Records)
	writeJSON(w, http.StatusOK, api.Replayed{ID: res.ID, From: res.From, To: res.To, Records: res.Records})
}
