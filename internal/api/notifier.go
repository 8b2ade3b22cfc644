package api

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Notifier is the health of one notifier (exec, email, snmp): the same
// delivery machinery as a webhook's, so the same counters, with its kind
// and target in place of a URL and format.
type Notifier struct {
	// ID is the notifier's id in the cluster config; Name its optional
	// name; Kind "exec", "email" or "snmp".
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Kind string `json:"kind"`
	// Target says where it delivers, without secrets: the command line,
	// the mail server and recipients, the SNMP manager.
	Target string `json:"target"`
	// State is "ok", "retrying", "disabled" or "stopped".
	State string `json:"state"`
	// Cursor is the last journal seq the notifier is done with; QueueDepth
	// the journal's last seq minus Cursor.
	Cursor     uint64 `json:"cursor"`
	QueueDepth uint64 `json:"queue_depth"`
	// Counters since the daemon started; Delivered counts events (a batch
	// of 10 delivered counts 10), Failed and Retried attempts.
	Delivered     uint64 `json:"delivered"`
	Failed        uint64 `json:"failed"`
	Retried       uint64 `json:"retried"`
	DeadLettered  uint64 `json:"dead_lettered"`
	LostRetention uint64 `json:"lost_retention"`
	// DeadLetters is the number of journal records given up on and kept
	// for replay; DeadLettersDropped those no longer kept.
	DeadLetters         uint64    `json:"dead_letters"`
	DeadLettersDropped  uint64    `json:"dead_letters_dropped,omitempty"`
	Replaying           uint64    `json:"replaying,omitempty"`
	ConsecutiveFailures uint64    `json:"consecutive_failures"`
	FailingSince        time.Time `json:"failing_since,omitzero"`
	LastAttempt         time.Time `json:"last_attempt,omitzero"`
	// LastStatus is the sink's code for the last attempt: the command's
	// exit status, the SMTP reply code; 0 if there was none.
	LastStatus int `json:"last_status,omitempty"`
	// LastError describes the last attempt's failure (for exec, the first
	// line the command wrote on stderr), "" if it succeeded.
	LastError   string    `json:"last_error,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
}

// NotifierTest is a node's answer to a notifier test (POST
// /v1/notifiers/test): what sending one TEST event did.
type NotifierTest struct {
	Node string `json:"node,omitempty"`
	// OK is set when the sink accepted the event; Status and Error say
	// what it answered otherwise.
	OK       bool    `json:"ok"`
	Status   int     `json:"status,omitempty"`
	Error    string  `json:"error,omitempty"`
	Duration float64 `json:"duration_seconds"`
}

// Notifiers fetches the notifiers' delivery health.
func (c *Client) Notifiers(ctx context.Context) ([]Notifier, error) {
	var out []Notifier
	if err := c.do(ctx, http.MethodGet, "/v1/notifiers", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// NotifierDeadLetters fetches the dead letters a notifier keeps; URL is
// the notifier's target.
func (c *Client) NotifierDeadLetters(ctx context.Context, id string) (*DeadLetters, error) {
	var out DeadLetters
	if err := c.do(ctx, http.MethodGet, "/v1/notifiers/"+url.PathEscape(id)+"/dead-letters", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// NotifierReplay asks the daemon to send a notifier's events again.
func (c *Client) NotifierReplay(ctx context.Context, id string, r ReplayRequest) (*Replayed, error) {
	var out Replayed
	if err := c.do(ctx, http.MethodPost, "/v1/notifiers/"+url.PathEscape(id)+"/replay?"+r.query().Encode(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}
