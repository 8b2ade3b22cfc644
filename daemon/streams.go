package daemon

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/hub"
)

// startStreams makes the stream hub over d.events; Run follows it in a
// goroutine of its own until the daemon stops. d.stopStreams ends every
// open stream (the API servers call it when they shut down, so that a
// stop does not wait for clients that never hang up).
func (d *Daemon) startStreams() {
	d.hub = hub.New(d.events, hub.Options{Logger: d.log.With("component", "streams")})
	d.streamsCtx, d.stopStreams = context.WithCancel(context.Background())
}

// streamStatus is the streams' part of the status.
func (d *Daemon) streamStatus() *api.StreamStatus {
	if d.hub == nil {
		return nil
	}
	st := d.hub.Stats()
	return &api.StreamStatus{Clients: st.Clients, Sent: st.Sent, Lagged: st.Lagged, Dropped: st.Dropped, Gone: st.Gone}
}

// httpAddr is the TCP listener's address, "" when there is none. Callers
// other than Run's goroutine hold d.mu.
func (d *Daemon) httpAddr() string {
	if d.http == nil {
		return ""
	}
	return d.http.addr
}

// setPositionHeaders tells a GET /v1/state client where the event log
// was just before the snapshot: following the stream from
// X-Gluster-Eventing-Cursor misses nothing the snapshot lacks (it may
// repeat a change the snapshot has, which the state applies idempotently).
// X-Gluster-Eventing-Seq and -Epoch are this node's journal position.
func (d *Daemon) setPositionHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Gluster-Eventing-Cursor", eventlog.Now(d.events).String())
	h.Set("X-Gluster-Eventing-Seq", strconv.FormatUint(d.journal.LastSeq(), 10))
	h.Set("X-Gluster-Eventing-Epoch", d.journal.Epoch())
}

// docRoutes serve the OpenAPI document of the API and the dashboard.
func (d *Daemon) docRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(api.OpenAPI())
	})
	mux.Handle("/", dashboardHandler())
}
