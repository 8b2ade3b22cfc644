// Package api is the contract between the daemon's HTTP API on its unix
// socket and its clients: the wire types of each endpoint, and a client that
// tells a daemon that is not running from one that is slow or answers with
// an error. The daemon imports it to build its answers and cmd to ask them;
// it imports nothing of the project, so the CLI does not pull in the daemon
// runtime for a few structs and the wire format changes only on purpose,
// here.
package api

import "time"

// Status is the daemon's answer to GET /v1/status, and what the CLI's status
// command prints.
type Status struct {
	Version   string        `json:"version"`
	NodeID    string        `json:"node_id"`
	PID       int           `json:"pid"`
	Started   time.Time     `json:"started"`
	Uptime    float64       `json:"uptime_seconds"`
	Listen    []string      `json:"listen"`
	Intake    IntakeStatus  `json:"intake"`
	Journal   JournalStatus `json:"journal"`
	Webhooks  []Webhook     `json:"webhooks"`
	Notifiers []Notifier    `json:"notifiers"`
	Config    ConfigStatus  `json:"config"`
	EventsLog string        `json:"events_log,omitempty"`
	// HTTP is the address the API's TCP listener is bound to, "" when off.
	HTTP string `json:"http,omitempty"`
	// Streams counts the event API's stream clients.
	Streams *StreamStatus `json:"streams,omitempty"`
	// State is the daemon's picture of the cluster (GET /v1/state), nil
	// from a daemon without a state table.
	State *State `json:"state,omitempty"`
	// Forwarding is node-to-node event forwarding (nil from a daemon
	// without it).
	Forwarding *ForwardStatus `json:"forwarding,omitempty"`
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
	// Disabled counts the events dropped because the cluster config
	// disables them, by event name: every name disabled now, and any
	// dropped since the daemon started.
	Disabled map[string]uint64 `json:"disabled"`
}

// JournalStatus is the journal's state.
type JournalStatus struct {
	Epoch           string `json:"epoch"`
	Appended        uint64 `json:"appended"`          // records appended since the daemon opened the journal
	Trimmed         uint64 `json:"trimmed"`           // records deleted by retention, over the file's lifetime
	Bytes           int64  `json:"bytes"`             // data bytes in retained records
	Records         uint64 `json:"records"`           // retained records
	FirstSeq        uint64 `json:"first_seq"`         // oldest retained seq; LastSeq+1 when empty
	LastSeq         uint64 `json:"last_seq"`          // newest seq ever assigned (0 before the first append)
	Commits         uint64 `json:"commits"`           // group commits since the journal was opened
	LastCommitBatch int    `json:"last_commit_batch"` // records in the most recent group commit
	CommitErrors    uint64 `json:"commit_errors"`     // failed group commits since the journal was opened
}

// Webhook is one webhook's delivery health, in GET /v1/status and GET
// /v1/webhooks.
type Webhook struct {
	// ID is the webhook's id in the cluster config, which its cursor and
	// state are kept under; Name its optional name.
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// URL is the webhook's URL without user info and with query values
	// redacted.
	URL    string `json:"url"`
	Format string `json:"format"`
	// State is "ok", "retrying", "disabled" or "stopped".
	State string `json:"state"`
	// Cursor is the last journal seq the webhook is done with (delivered,
	// filtered out or dead-lettered).
	Cursor uint64 `json:"cursor"`
	// QueueDepth is the journal's last seq minus Cursor.
	QueueDepth uint64 `json:"queue_depth"`
	// Counters since the daemon started.
	Delivered     uint64 `json:"delivered"`
	Failed        uint64 `json:"failed"`  // failed attempts
	Retried       uint64 `json:"retried"` // attempts after the first for a record
	DeadLettered  uint64 `json:"dead_lettered"`
	LostRetention uint64 `json:"lost_retention"` // records trimmed before delivery
	// DeadLetters is the number of events given up on and kept for replay
	// (webhook-dead-letters, webhook-replay --dead-letters);
	// DeadLettersDropped those no longer kept.
	DeadLetters        uint64 `json:"dead_letters"`
	DeadLettersDropped uint64 `json:"dead_letters_dropped,omitempty"`
	// Replaying is the number of replayed events still to be sent.
	Replaying uint64 `json:"replaying,omitempty"`
	// ConsecutiveFailures counts failed attempts since the last success;
	// FailingSince is when the first of them was made (kept across
	// restarts), zero while deliveries succeed.
	ConsecutiveFailures uint64    `json:"consecutive_failures"`
	FailingSince        time.Time `json:"failing_since,omitzero"`
	LastAttempt         time.Time `json:"last_attempt,omitzero"`
	// LastStatus is the HTTP status of the last attempt, 0 if it got none.
	LastStatus int `json:"last_status,omitempty"`
	// LastError describes the last attempt's failure, "" if it succeeded.
	LastError   string    `json:"last_error,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
}

// SyncStatus is the daemon's last comparison of its cluster config with
// the other nodes' (the catch-up that makes a node that missed changes
// converge by itself).
type SyncStatus struct {
	// State is "in sync", "newest" (others differ and will pull this
	// node's), "caught up" (a newer config was pulled), "local" (no
	// cluster: Error says why), "off" or "failed" (Error says why); ""
	// before the first check.
	State   string    `json:"state,omitempty"`
	Error   string    `json:"error,omitempty"`
	Checked time.Time `json:"checked,omitzero"`
	// PulledFrom and Pulled name the node and time of the last pull.
	PulledFrom string    `json:"pulled_from,omitempty"`
	Pulled     time.Time `json:"pulled,omitzero"`
	// Diverged are the nodes whose config differs from this one's;
	// Unreachable those that did not answer.
	Diverged    []string `json:"diverged,omitempty"`
	Unreachable []string `json:"unreachable,omitempty"`
	// MirrorDrift is set while events/webhooks.json does not list the
	// configured webhooks: someone changed it (gluster-eventing import
	// adopts it).
	MirrorDrift bool `json:"mirror_drift"`
}

// ConfigStatus says which config is running.
type ConfigStatus struct {
	NodePath        string     `json:"node_path"`
	ClusterPath     string     `json:"cluster_path"`
	Generation      int64      `json:"generation"`
	Origin          string     `json:"origin,omitempty"`
	Digest          string     `json:"digest"`
	Reloads         uint64     `json:"reloads"`
	LastReloadError string     `json:"last_reload_error,omitempty"`
	Sync            SyncStatus `json:"sync"`
	// Disabled is the cluster config's disabled list (patterns as typed,
	// "!" exceptions), whose events the intake drops.
	Disabled []string `json:"disabled,omitempty"`
}

// ReloadResult is the answer to POST /v1/reload: 200 when the new config is
// applied, 422 (with OK false and Error set) when the daemon refused it and
// keeps its running config.
type ReloadResult struct {
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
	Generation int64  `json:"generation"`
	Webhooks   int    `json:"webhooks"`
}
