package daemon

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/internal/gluster"
	"github.com/gluster/gluster-eventing/internal/state"
)

// startState makes the cluster state table and starts it: it catches up
// with the journal and asks glusterd (for up to 5 s) before the API
// serves it. It follows the journal until stopState.
func (d *Daemon) startState(ctx context.Context) error {
	t, err := state.New(state.Options{
		Gluster:     &gluster.CLI{},
		Journal:     &disabledJournal{Journal: d.journal, disabled: &d.disabled},
		GlusterdPID: glusterdPID,
		Logger:      d.log.With("component", "state"),
	})
	if err != nil {
		return err
	}
	t.Start(ctx)
	d.table = t
	return nil
}

// stopState stops the table and saves it to the journal, which must still
// be open.
func (d *Daemon) stopState() {
	if d.table != nil {
		d.table.Stop()
	}
}

// stateRoutes serves the table: GET /v1/state, and POST
// /v1/state/refresh, which reconciles it with glusterd first (503 with
// the reason when glusterd does not answer).
func (d *Daemon) stateRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/state", func(w http.ResponseWriter, r *http.Request) {
		d.setPositionHeaders(w)
		writeJSON(w, http.StatusOK, d.table.Snapshot())
	})
	mux.HandleFunc("POST /v1/state/refresh", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
		defer cancel()
		if err := d.table.Refresh(ctx); err != nil {
			code := http.StatusServiceUnavailable
			if errors.Is(err, state.ErrNotRunning) {
				code = http.StatusInternalServerError
			}
			writeJSON(w, code, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, d.table.Snapshot())
	})
}

// glusterdPIDFile is where glusterd.service (and every packaging of it)
// has glusterd write its PID ("glusterd -p /var/run/glusterd.pid").
const glusterdPIDFile = "/run/glusterd.pid"

// glusterdPID is the PID of the running glusterd, 0 when its pid file is
// missing or names no live process.
func glusterdPID() int {
	b, err := os.ReadFile(glusterdPIDFile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
		return 0
	}
	return pid
}
