package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/webhooks"
)

// Status is the daemon's answer to GET /v1/status, and what the CLI's status
// command prints.
type Status struct {
	Version   string            `json:"version"`
	NodeID    string            `json:"node_id"`
	PID       int               `json:"pid"`
	Started   time.Time         `json:"started"`
	Uptime    float64           `json:"uptime_seconds"`
	Listen    []string          `json:"listen"`
	Intake    IntakeStatus      `json:"intake"`
	Journal   JournalStatus     `json:"journal"`
	Webhooks  []webhooks.Health `json:"webhooks"`
	Config    ConfigStatus      `json:"config"`
	EventsLog string            `json:"events_log,omitempty"`
}

// IntakeStatus counts datagrams since start.
type IntakeStatus struct {
	Received      uint64            `json:"received"`
	Accepted      uint64            `json:"accepted"`
	Journaled     uint64            `json:"journaled"`
	JournalErrors uint64            `json:"journal_errors"`
	Denied        uint64            `json:"denied"`
	Truncated     uint64            `json:"truncated"`
	Repaired      uint64            `json:"repaired"`
	Rejected      map[string]uint64 `json:"rejected"`
}

// JournalStatus is the journal's state.
type JournalStatus struct {
	Epoch string `json:"epoch"`
	journal.Stats
}

// ConfigStatus says which config is running.
type ConfigStatus struct {
	NodePath        string `json:"node_path"`
	ClusterPath     string `json:"cluster_path"`
	Generation      int64  `json:"generation"`
	Digest          string `json:"digest"`
	Reloads         uint64 `json:"reloads"`
	LastReloadError string `json:"last_reload_error,omitempty"`
}

// ReloadResult is the answer to POST /v1/reload.
type ReloadResult struct {
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
	Generation int64  `json:"generation"`
	Webhooks   int    `json:"webhooks"`
}

func (d *Daemon) status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := &d.counters
	s := Status{
		Version: d.opts.Version, NodeID: d.nodeID, PID: os.Getpid(), Started: d.started,
		Uptime: time.Since(d.started).Seconds(), Listen: listenAddrs(d.intake.conns),
		Intake: IntakeStatus{
			Received: c.Received.Load(), Accepted: c.Accepted.Load(), Journaled: c.Journaled.Load(),
			JournalErrors: c.JournalErrs.Load(), Denied: c.Denied.Load(), Truncated: c.Truncated.Load(),
			Repaired: c.Flagged.Load(), Rejected: map[string]uint64{},
		},
		Journal:  JournalStatus{Epoch: d.journal.Epoch(), Stats: d.journal.Stats()},
		Webhooks: d.hooks.Health(),
		Config: ConfigStatus{
			NodePath: d.opts.ConfigPath, ClusterPath: d.node.ClusterConfigPath(),
			Generation: d.cluster.Generation, Digest: d.cluster.Digest(), Reloads: d.reloads,
		},
		EventsLog: d.node.EventsLog,
	}
	for _, r := range gfevent.Reasons() {
		s.Intake.Rejected[r.String()] = c.Rejected[r].Load()
	}
	if d.lastReload != nil {
		s.Config.LastReloadError = d.lastReload.Error()
	}
	if s.Webhooks == nil {
		s.Webhooks = []webhooks.Health{}
	}
	return s
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
		hs := d.hooks.Health()
		if hs == nil {
			hs = []webhooks.Health{}
		}
		writeJSON(w, http.StatusOK, hs)
	})
	mux.HandleFunc("POST /v1/reload", func(w http.ResponseWriter, r *http.Request) {
		err := d.Reload()
		d.mu.Lock()
		res := ReloadResult{OK: err == nil, Generation: d.cluster.Generation, Webhooks: len(d.cluster.Webhooks)}
		d.mu.Unlock()
		code := http.StatusOK
		if err != nil {
			res.Error, code = err.Error(), http.StatusUnprocessableEntity
		}
		writeJSON(w, code, res)
	})
	mux.Handle("GET /metrics", d.metricsHandler())
	a := &apiServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, path: path}
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

// Client talks to a daemon's local API over its unix socket.
type Client struct {
	Socket string
	hc     *http.Client
}

// NewClient returns a client for the API socket at path.
func NewClient(path string) *Client {
	return &Client{Socket: path, hc: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}}
}

// ErrUnreachable is returned, wrapped, when no daemon answers on the socket.
var ErrUnreachable = errors.New("daemon not reachable")

func (c *Client) do(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://gluster-eventing"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrUnreachable, c.Socket, err)
	}
	defer resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Status fetches the daemon's status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	if err := c.do(ctx, http.MethodGet, "/v1/status", &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Reload asks the daemon to reload and waits until it has.
func (c *Client) Reload(ctx context.Context) (*ReloadResult, error) {
	var r ReloadResult
	if err := c.do(ctx, http.MethodPost, "/v1/reload", &r); err != nil {
		return nil, err
	}
	return &r, nil
}
