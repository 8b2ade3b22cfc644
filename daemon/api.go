package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/webhooks"
)

// status builds the answer to GET /v1/status, the source of /metrics too.
func (d *Daemon) status() api.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := &d.counters
	s := api.Status{
		Version: d.opts.Version, NodeID: d.nodeID, PID: os.Getpid(), Started: d.started,
		Uptime: time.Since(d.started).Seconds(), Listen: listenAddrs(d.intake.conns),
		Intake: api.IntakeStatus{
			Received: c.Received.Load(), Accepted: c.Accepted.Load(), Journaled: c.Journaled.Load(),
			JournalErrors: c.JournalErrs.Load(), Denied: c.Denied.Load(), Truncated: c.Truncated.Load(),
			Repaired: c.Flagged.Load(), Rejected: map[string]uint64{},
		},
		Journal:  journalStatus(d.journal.Epoch(), d.journal.Stats()),
		Webhooks: webhookHealth(d.hooks.Health()),
		Config: api.ConfigStatus{
			NodePath: d.opts.ConfigPath, ClusterPath: d.node.ClusterConfigPath(),
			Generation: d.cluster.Generation, Origin: d.cluster.Origin, Digest: d.cluster.Digest(), Reloads: d.reloads,
			Sync: d.sync.snapshot(),
		},
		EventsLog: d.node.EventsLog,
		HTTP:      d.httpAddr(),
		Streams:   d.streamStatus(),
	}
	if d.table != nil {
		snap := d.table.Snapshot()
		s.State = &snap
	}
	s.Forwarding = d.fwd.status()
	s.Notifiers = notifierHealth(d.hooks.NotifierHealth())
	for _, r := range gfevent.Reasons() {
		s.Intake.Rejected[r.String()] = c.Rejected[r].Load()
	}
	s.Intake.Disabled = d.disabled.snapshot()
	s.Config.Disabled = d.cluster.Disabled
	if d.lastReload != nil {
		s.Config.LastReloadError = d.lastReload.Error()
	}
	return s
}

func journalStatus(epoch string, st journal.Stats) api.JournalStatus {
	return api.JournalStatus{
		Epoch: epoch, Appended: st.Appended, Trimmed: st.Trimmed, Bytes: st.Bytes, Records: st.Records,
		FirstSeq: st.FirstSeq, LastSeq: st.LastSeq, Commits: st.Commits, LastCommitBatch: st.LastCommitBatch,
		CommitErrors: st.CommitErrors,
	}
}

// webhookHealth is the webhooks' health as the API answers it: [] for
// none, never null.
func webhookHealth(hs []webhooks.Health) []api.Webhook {
	if hs == nil {
		return []api.Webhook{}
	}
	return hs
}

type apiServer struct {
	srv  *http.Server
	path string
}

// startAPI serves the local API on a unix socket. The socket is 0660: the
// API can reload the daemon and shows webhook health.
func (d *Daemon) startAPI(path string) (*apiServer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("api socket dir: %w", err)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("api socket %s is in use: another daemon is running", path)
	}
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("api socket: %w", err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("api socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, d.status())
	})
	mux.HandleFunc("GET /v1/webhooks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, webhookHealth(d.hooks.Health()))
	})
	mux.HandleFunc("POST /v1/reload", func(w http.ResponseWriter, r *http.Request) {
		err := d.Reload()
		d.mu.Lock()
		res := api.ReloadResult{OK: err == nil, Generation: d.cluster.Generation, Webhooks: len(d.cluster.Webhooks)}
		d.mu.Unlock()
		code := http.StatusOK
		if err != nil {
			res.Error, code = err.Error(), http.StatusUnprocessableEntity
		}
		writeJSON(w, code, res)
	})
	d.webhookRoutes(mux)
	d.notifierRoutes(mux)
	d.stateRoutes(mux)
	d.streamRoutes(mux)
	d.loginRoutes(mux)
	d.docRoutes(mux)
	mux.Handle("GET /metrics", d.metricsHandler())
	a := &apiServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, path: path}
	a.srv.RegisterOnShutdown(d.stopStreams)
	go a.srv.Serve(ln)
	return a, nil
}

func (a *apiServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	a.srv.Shutdown(ctx)
	os.Remove(a.path)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
