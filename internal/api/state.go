package api

import (
	"context"
	"net/http"
	"time"
)

// State is the daemon's cluster state table (GET /v1/state): what glusterd
// said at the last reconciliation, updated by every event journaled since.
// internal/state builds it; these are its types.
type State struct {
	Peers   []Peer   `json:"peers"`   // sorted by UUID
	Volumes []Volume `json:"volumes"` // sorted by name
	Bricks  []Brick  `json:"bricks"`  // sorted by ID
	// Seq is the last journal seq the table has applied.
	Seq uint64 `json:"seq"`
	// Glusterd is "running", "stopped" (the gluster CLI cannot reach it)
	// or "unknown" (no gluster CLI, or not asked yet).
	Glusterd string `json:"glusterd"`
	// Status is empty when the table is current, else a sentence saying
	// why it is empty or stale ("glusterd is not running: ...").
	Status string `json:"status,omitempty"`
	// Reconciled is when glusterd last answered; zero if never.
	Reconciled time.Time `json:"reconciled"`
}

// Peer is one node of the trusted pool, this one included (Self).
type Peer struct {
	UUID      string   `json:"uuid"`
	Hostname  string   `json:"hostname"` // "localhost" for self, as glusterd says
	Hostnames []string `json:"hostnames,omitempty"`
	State     string   `json:"state,omitempty"` // "Peer in Cluster", ...; empty for self
	Connected bool     `json:"connected"`
	Self      bool     `json:"self"`
}

// Volume is one volume, with its derived Health.
type Volume struct {
	Name      string `json:"name"`
	UUID      string `json:"uuid"`
	Type      string `json:"type"`   // "Replicate", "Distribute", "Disperse", "Distributed-Replicate", ...
	Status    string `json:"status"` // "Created", "Started", "Stopped"
	Health    string `json:"health"` // "ok", "degraded", "down", "unknown": see internal/state
	Transport string `json:"transport"`

	ReplicaCount     int `json:"replica_count"`
	ArbiterCount     int `json:"arbiter_count"`
	DisperseCount    int `json:"disperse_count"`
	RedundancyCount  int `json:"redundancy_count"`
	BrickCount       int `json:"brick_count"`
	OnlineBrickCount int `json:"online_brick_count"`

	Options map[string]string `json:"options"`
	// Bricks are brick IDs in layout order: each replica or disperse set
	// is a consecutive run.
	Bricks []string `json:"bricks"`
	// LastChange is when any of the above last changed.
	LastChange time.Time `json:"last_change"`
}

// Brick is one brick of a volume.
type Brick struct {
	ID       string `json:"id"` // HostUUID + ":" + Path
	Volume   string `json:"volume"`
	HostUUID string `json:"host_uuid"`
	Hostname string `json:"hostname"`
	Path     string `json:"path"`
	Arbiter  bool   `json:"arbiter,omitempty"`
	Local    bool   `json:"local"` // on this node
	Online   bool   `json:"online"`
	Port     int    `json:"port,omitempty"`
	PID      int    `json:"pid,omitempty"`
}

// State fetches the daemon's cluster state table.
func (c *Client) State(ctx context.Context) (*State, error) {
	var s State
	if err := c.do(ctx, http.MethodGet, "/v1/state", &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Refresh asks the daemon to reconcile its state table with glusterd now
// and returns the table afterwards. A glusterd that does not answer is an
// *Error (503) whose Message says why.
func (c *Client) Refresh(ctx context.Context) (*State, error) {
	var s State
	if err := c.do(ctx, http.MethodPost, "/v1/state/refresh", &s); err != nil {
		return nil, err
	}
	return &s, nil
}
