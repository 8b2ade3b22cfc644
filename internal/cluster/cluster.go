// Package cluster is how gluster-eventing reaches every node of a Gluster
// cluster: the channel behind the cluster commands (status, reload,
// webhook and config changes, sync) and behind the daemon's catch-up.
//
// It exists because glusterd already is a control path between the nodes:
// it knows the peers, authenticates them, and offers "gluster system::
// execute" (run <libexec>/peer_gluster-eventing on every connected node,
// collect its output lines) and "gluster system:: copy file" (copy a file
// under the glusterd workdir to every connected peer). Using them means no
// new port, no new secret and no second membership list. This package
// wraps their sharp edges in one place:
//
//   - nodes whose glusterd is down are skipped silently, so every answer
//     is matched against "gluster pool list" and the missing ones are
//     reported (ErrNodeDown);
//   - the output of each node is text lines capped at 4,095 bytes, so
//     every line is one JSON Reply and a config travels in chunks;
//   - concurrent glusterd transactions fail with "Another transaction is
//     in progress" or "Locking failed", so those are retried for a bounded
//     time;
//   - copy file is not atomic (each peer truncates and writes in place)
//     and needs the target directory to exist, so a config travels in
//     three steps: node-prepare creates <workdir>/events everywhere, the
//     file is copied to a staging name (.gluster-eventing.toml.<origin>.staged),
//     and node-install-config has each node check the staged copy's
//     SHA-256 digest (a truncated or foreign copy is never loaded),
//     validate it and rename it over the live file. Install is that last
//     step, shared by the peer program and the daemon's catch-up.
//
// Which of two configs wins is decided by Version.Newer, the one ordering
// rule every node applies. A change typed by someone is pushed with
// PushOver, over the config it was made on: glusterd runs one transaction
// at a time across the pool, so of two changes made at once the one whose
// install runs first is on every node and the other is refused by every
// node, and reported, instead of being installed and later replaced.
// Imported by cmd/ (the cluster commands and the
// peer program) and daemon/ (catch-up).
package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/internal/gluster"
)

// PeerProgram is the name system:: execute is given: glusterd runs
// <libexec>/peer_gluster-eventing.
const PeerProgram = "gluster-eventing"

// MaxLine is the longest output line glusterd passes on whole (it reads
// each with fgets into a PATH_MAX buffer): a peer's line, newline
// included, must be shorter.
const MaxLine = 4095

// The node actions of the peer program.
const (
	ActionStatus        = "node-status"
	ActionReload        = "node-reload"
	ActionStart         = "node-start"
	ActionStop          = "node-stop"
	ActionRestart       = "node-restart"
	ActionWebhookTest   = "node-webhook-test"
	ActionNotifierTest  = "node-notifier-test"
	ActionConfig        = "node-config"
	ActionPrepare       = "node-prepare"
	ActionInstallConfig = "node-install-config"
)

var (
	// ErrNoCluster: there is no glusterd to talk to (gluster is not
	// installed, glusterd is not running) or this node has no peers.
	// Callers act on the local node alone and say so in one line; the
	// error is a *NoClusterError whose Reason says which.
	ErrNoCluster = errors.New("no Gluster cluster here")

	// ErrNodeDown: a node of pool list gave no answer (its glusterd is
	// down or not connected).
	ErrNodeDown = errors.New("node down")
)

// NoClusterError says why there is no cluster to talk to. It matches
// ErrNoCluster.
type NoClusterError struct {
	Reason string // "gluster is not installed", "glusterd is not running", "this node has no peers"
	Err    error  // the underlying failure, if any
}

func (e *NoClusterError) Error() string        { return ErrNoCluster.Error() + ": " + e.Reason }
func (e *NoClusterError) Is(target error) bool { return target == ErrNoCluster }
func (e *NoClusterError) Unwrap() error        { return e.Err }

// Channel reaches every node of the cluster through glusterd. Zero values
// are usable defaults.
type Channel struct {
	Gluster string        // gluster CLI; "" = "gluster" on PATH
	Workdir string        // glusterd workdir; "" = /var/lib/glusterd
	Timeout time.Duration // per gluster call; 0 = 60s
	Log     *slog.Logger  // nil = discard

	// cli replaces the gluster CLI in unit tests of error paths.
	cli runner
}

// runner is what Channel needs of the gluster CLI (*gluster.CLI).
type runner interface {
	PoolList(ctx context.Context) ([]gluster.Peer, error)
	Execute(ctx context.Context, name string, args ...string) ([]byte, error)
	CopyFile(ctx context.Context, path string) error
}

func (c *Channel) runner() runner {
	if c.cli != nil {
		return c.cli
	}
	return &gluster.CLI{Path: c.Gluster}
}

func (c *Channel) workdir() string {
	if c.Workdir == "" {
		return "/var/lib/glusterd"
	}
	return c.Workdir
}

func (c *Channel) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 60 * time.Second
	}
	return c.Timeout
}

func (c *Channel) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c.Log
}

// Node is one node of "gluster pool list".
type Node struct {
	UUID     string `json:"uuid"`
	Hostname string `json:"hostname"`
	// Connected is pool list's view; the local node is always connected.
	Connected bool `json:"connected"`
	// Self is this node ("localhost" in pool list).
	Self bool `json:"self"`
}

// Nodes returns the nodes of the pool, this one first, then the others in
// pool list's order. No gluster, no glusterd or no peers is a
// *NoClusterError.
func (c *Channel) Nodes(ctx context.Context) ([]Node, error) {
	nodes, _, err := c.nodes(ctx)
	return nodes, err
}

// nodes is Nodes, with every name pool list gives each node (by UUID), to
// match glusterd's "failed on HOST".
func (c *Channel) nodes(ctx context.Context) ([]Node, map[string][]string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	peers, err := c.runner().PoolList(ctx)
	if err != nil {
		if nc := noCluster(err); nc != nil {
			return nil, nil, nc
		}
		return nil, nil, fmt.Errorf("listing the peers: %w", err)
	}
	var nodes []Node
	names := map[string][]string{}
	for _, p := range peers {
		names[p.UUID] = append(names[p.UUID], p.Hostname)
		if slices.ContainsFunc(nodes, func(n Node) bool { return n.UUID == p.UUID }) {
			continue
		}
		n := Node{UUID: p.UUID, Hostname: p.Hostname, Connected: p.Connected, Self: p.Hostname == "localhost"}
		if n.Self {
			n.Connected = true
		}
		nodes = append(nodes, n)
	}
	slices.SortStableFunc(nodes, func(a, b Node) int {
		switch {
		case a.Self && !b.Self:
			return -1
		case b.Self && !a.Self:
			return 1
		}
		return 0
	})
	if len(nodes) == 0 || !nodes[0].Self {
		return nil, nil, fmt.Errorf("listing the peers: gluster pool list does not list this node (localhost)")
	}
	if len(nodes) == 1 {
		return nil, nil, &NoClusterError{Reason: "this node has no peers"}
	}
	return nodes, names, nil
}

// noCluster classifies a gluster failure that means there is no glusterd
// to talk to.
func noCluster(err error) *NoClusterError {
	if errors.Is(err, exec.ErrNotFound) {
		return &NoClusterError{Reason: "gluster is not installed", Err: err}
	}
	var re *gluster.RunError
	if errors.As(err, &re) && strings.Contains(re.Output, "Connection failed") {
		return &NoClusterError{Reason: "glusterd is not running", Err: err}
	}
	return nil
}

// Reply is one JSON line a peer printed.
type Reply struct {
	OK     bool            `json:"ok"`
	NodeID string          `json:"nodeid"`
	Output json.RawMessage `json:"output,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// Result is what one node of pool list answered.
type Result struct {
	Node    Node
	Replies []Reply // usually one; several for node-config content
	// Err is set when the node gave no answer: glusterd down
	// (ErrNodeDown), or the transaction failed (an *ExecError). Push also
	// sets it for a node that did not install the config (a *NewerError
	// when it holds a newer one).
	Err error
}

// Problem returns why the node did not do what was asked: Err, or the
// error of the first reply that is not ok; nil when it did.
func (r Result) Problem() error {
	if r.Err != nil {
		return r.Err
	}
	if len(r.Replies) == 0 {
		return fmt.Errorf("%w: no reply", ErrNodeDown)
	}
	for _, rep := range r.Replies {
		if !rep.OK {
			if rep.Error == "" {
				return errors.New("failed (no reason given)")
			}
			return errors.New(rep.Error)
		}
	}
	return nil
}

// ExecError is a system:: execute (or copy file) that failed as a whole:
// glusterd then drops every node's output. FailedOn is the host glusterd
// named ("Commit failed on HOST"), "" if it named none.
type ExecError struct {
	Action   string
	FailedOn string
	Err      error
}

func (e *ExecError) Error() string {
	if e.FailedOn != "" {
		return fmt.Sprintf("%s failed on %s: %v", e.Action, e.FailedOn, e.Err)
	}
	return fmt.Sprintf("%s failed: %v", e.Action, e.Err)
}

func (e *ExecError) Unwrap() error { return e.Err }

// StrayOutputError is output of system:: execute that is no Reply of a
// node of pool list: a line that is not a Reply's JSON, or the reply of a
// node pool list does not have. It belongs to no node.
type StrayOutputError struct {
	Action string
	Lines  []string
}

func (e *StrayOutputError) Error() string {
	const max = 200
	first := e.Lines[0]
	if len(first) > max {
		first = first[:max] + "..."
	}
	return fmt.Sprintf("%s: %d line(s) of output that are no node's reply, the first: %q", e.Action, len(e.Lines), first)
}

// Execute runs the peer action on every node and matches the replies to
// pool list by nodeid. It returns one Result per node, in Nodes' order.
//
// The error is for what belongs to no single node: ErrNoCluster (no
// results then), a failure of pool list, a transaction that failed as a
// whole (an *ExecError, also set as every node's Err; the node glusterd
// named gets it, the others an error saying the transaction failed there),
// or output lines that are no node's reply (a *StrayOutputError, with the
// results complete). Transactions that collide with another ("Another
// transaction is in progress", "Locking failed") are retried with backoff
// for up to the Channel's Timeout.
func (c *Channel) Execute(ctx context.Context, action string, args ...string) ([]Result, error) {
	nodes, names, err := c.nodes(ctx)
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(nodes))
	for i, n := range nodes {
		results[i].Node = n
	}
	argv := append([]string{action}, args...)
	var out []byte
	err = c.retry(ctx, action, func(ctx context.Context) error {
		var err error
		out, err = c.runner().Execute(ctx, PeerProgram, argv...)
		return err
	})
	if err != nil {
		if nc := noCluster(err); nc != nil {
			return nil, nc
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", action, err)
		}
		ee := &ExecError{Action: action, FailedOn: failedOn(err), Err: err}
		for i := range results {
			if results[i].Node.Connected && ee.FailedOn != "" && !slices.Contains(names[results[i].Node.UUID], ee.FailedOn) {
				results[i].Err = fmt.Errorf("no answer: the transaction failed on %s (%w)", ee.FailedOn, err)
			} else {
				results[i].Err = ee
			}
		}
		return results, ee
	}
	var stray []string
	for line := range strings.SplitSeq(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var r Reply
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.NodeID == "" {
			stray = append(stray, line)
			continue
		}
		i := slices.IndexFunc(results, func(res Result) bool { return res.Node.UUID == r.NodeID })
		if i < 0 {
			stray = append(stray, line)
			continue
		}
		results[i].Replies = append(results[i].Replies, r)
	}
	for i := range results {
		if len(results[i].Replies) > 0 {
			continue
		}
		if results[i].Node.Connected {
			results[i].Err = fmt.Errorf("%w: no reply (its glusterd left the transaction)", ErrNodeDown)
		} else {
			results[i].Err = fmt.Errorf("%w: not connected", ErrNodeDown)
		}
	}
	if len(stray) > 0 {
		c.log().Warn("cluster: output of no node", "action", action, "lines", len(stray))
		return results, &StrayOutputError{Action: action, Lines: stray}
	}
	return results, nil
}

// failedOn is the HOST of glusterd's "... failed on HOST. ..." message.
func failedOn(err error) string {
	var re *gluster.RunError
	if !errors.As(err, &re) {
		return ""
	}
	_, rest, ok := strings.Cut(re.Output, "failed on ")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, " ")
	return strings.TrimSuffix(strings.TrimSuffix(host, "."), ",")
}

// busy reports whether err is glusterd refusing a transaction because
// another one holds the cluster lock.
func busy(err error) bool {
	var re *gluster.RunError
	if !errors.As(err, &re) {
		return false
	}
	return strings.Contains(re.Output, "Another transaction is in progress") ||
		strings.Contains(re.Output, "Locking failed")
}

// retry calls f, with a per-call timeout, until it succeeds, fails for
// another reason than a busy cluster lock, or the Channel's Timeout has
// passed: then the last error is returned.
func (c *Channel) retry(ctx context.Context, what string, f func(context.Context) error) error {
	deadline := time.Now().Add(c.timeout())
	backoff := 100 * time.Millisecond
	for {
		callCtx, cancel := context.WithTimeout(ctx, c.timeout())
		err := f(callCtx)
		cancel()
		if err == nil || !busy(err) || ctx.Err() != nil {
			return err
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		if time.Now().Add(wait).After(deadline) {
			return err
		}
		c.log().Debug("cluster: glusterd busy, retrying", "what", what, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// decodeOutput decodes a reply's output into v.
func decodeOutput(r Reply, v any) error {
	if len(r.Output) == 0 {
		return errors.New("reply without output")
	}
	dec := json.NewDecoder(bytes.NewReader(r.Output))
	return dec.Decode(v)
}
