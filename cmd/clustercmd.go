package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gluster/gluster-eventing/daemon"
	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
)

// clusterChannel is what the cluster commands need of *cluster.Channel.
// Env.channelFor replaces it in unit tests of the tables, JSON and exit codes.
type clusterChannel interface {
	Execute(ctx context.Context, action string, args ...string) ([]cluster.Result, error)
	Versions(ctx context.Context) ([]cluster.NodeVersion, error)
	Fetch(ctx context.Context, nodeUUID string) ([]byte, cluster.Version, error)
	Push(ctx context.Context, content []byte, v cluster.Version, force bool) ([]cluster.Result, error)
	PushOver(ctx context.Context, content []byte, v, base cluster.Version) ([]cluster.Result, error)
}

// channel returns the channel to every node of node's cluster. A node
// whose glusterd workdir has no glusterd.info is no Gluster node (glusterd
// writes the file at its first start): that is ErrNoCluster without
// running gluster at all, so that a node config pointing elsewhere (the
// tests' do) never reaches a glusterd that happens to run on the machine.
func (env *Env) channel(node *config.Node) (clusterChannel, error) {
	if env.channelFor != nil {
		return env.channelFor(node)
	}
	info := filepath.Join(node.GlusterdWorkdir, "glusterd.info")
	if _, err := os.Stat(info); err != nil {
		return nil, &cluster.NoClusterError{Reason: "no " + info + ": glusterd never ran with this workdir", Err: err}
	}
	return &cluster.Channel{Workdir: node.GlusterdWorkdir}, nil
}

// noteLocal says, once, that a command acts on this node alone because
// err (an ErrNoCluster) says there is no cluster.
func (env *Env) noteLocal(err error) {
	reason := err.Error()
	var nc *cluster.NoClusterError
	if errors.As(err, &nc) {
		reason = nc.Reason
	}
	fmt.Fprintf(env.Stderr, "%s: note: no Gluster cluster here (%s): this node only\n", env.Prog, reason)
}

// selfID is this node's glusterd UUID, or the daemon's node id where
// glusterd never ran, or the zero UUID.
func selfID(node *config.Node) string {
	if id, ok := daemon.LookupNodeID(node.GlusterdWorkdir, node.StateDir); ok {
		return id
	}
	return "00000000-0000-0000-0000-000000000000"
}

// clusterAction is one peer action run on every node and shown as
// gluster-eventsapi's per-node table.
type clusterAction struct {
	action string   // node-reload, ...
	args   []string // its arguments
	col    string   // the table's <COL> STATUS and --json's <col>_status: reload, webhook, ...
	what   string   // for the error: "reload"
	// row, if set, adjusts each row from the node's reply (status puts the
	// daemon's state in the cell).
	row func(*nodeResult)
}

// runOnNodes runs a on every node. With no cluster it returns a nil
// slice and the ErrNoCluster; the caller then acts locally. Any other
// error is the channel's; rows come with it when the nodes' results are
// known (a transaction that failed as a whole fails on every node).
func (env *Env) runOnNodes(ch clusterChannel, a clusterAction) ([]nodeResult, error) {
	results, err := ch.Execute(env.Ctx, a.action, a.args...)
	if results == nil {
		return nil, err
	}
	var stray *cluster.StrayOutputError
	if errors.As(err, &stray) {
		fmt.Fprintf(env.Stderr, "%s: warning: %v\n", env.Prog, err)
		err = nil
	}
	rows := fromResults(results)
	if a.row != nil {
		for i := range rows {
			a.row(&rows[i])
		}
	}
	return rows, err
}

// printNodes prints rows as the command's result: the table, or with
// --json gluster-eventsapi's shape (the alias) or the native one with
// extra top-level keys. It returns the command's error: exit 3 or 4 when
// the action failed on every or some nodes.
func (env *Env) printNodes(g *Globals, a clusterAction, rows []nodeResult, extra map[string]any) error {
	err := resultsError(a.what, rows, g.JSON)
	switch {
	case g.JSON && g.Legacy:
		out := map[string]any{"output": legacyRows(a.col, rows), "error": ""}
		for k, v := range extra {
			out[k] = v
		}
		if perr := env.printJSON(out); perr != nil {
			return perr
		}
	case g.JSON:
		out := map[string]any{"ok": err == nil, "nodes": nativeRows(rows)}
		for k, v := range extra {
			out[k] = v
		}
		if perr := env.printJSON(out); perr != nil {
			return perr
		}
	default:
		if perr := writeNodeTable(env.Stdout, a.col, rows, nil, nil); perr != nil {
			return perr
		}
	}
	return err
}

// onEveryNode runs a on every node and prints the result; local runs the
// command on this node alone when there is no cluster, after the note.
func (env *Env) onEveryNode(g *Globals, node *config.Node, a clusterAction, local func() error) error {
	ch, err := env.channel(node)
	if errors.Is(err, cluster.ErrNoCluster) {
		env.noteLocal(err)
		return local()
	}
	if err != nil {
		return err
	}
	rows, err := env.runOnNodes(ch, a)
	if errors.Is(err, cluster.ErrNoCluster) {
		env.noteLocal(err)
		return local()
	}
	if rows == nil {
		return fmt.Errorf("%s on every node: %w", a.what, err)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: warning: %v\n", env.Prog, err)
	}
	return env.printNodes(g, a, rows, nil)
}

// warnDivergent says on stderr which nodes hold another config than the
// newest, for the commands that show this node's copy (webhook-list,
// config-get). Without a cluster, or when the nodes cannot be asked, it
// says nothing more than a failed ask.
func (env *Env) warnDivergent(node *config.Node) {
	ch, err := env.channel(node)
	if err != nil {
		return
	}
	versions, err := ch.Versions(env.Ctx)
	if versions == nil {
		if !errors.Is(err, cluster.ErrNoCluster) {
			fmt.Fprintf(env.Stderr, "%s: warning: could not compare the nodes' configs: %v\n", env.Prog, err)
		}
		return
	}
	if msg := divergence(versions); msg != "" {
		fmt.Fprintf(env.Stderr, "%s: warning: %s\n", env.Prog, msg)
	}
}

// divergence describes the nodes whose config is not the newest, "" when
// every node that answered holds the same.
func divergence(versions []cluster.NodeVersion) string {
	newest := -1
	for i, v := range versions {
		if v.Err == nil && (newest < 0 || v.Version.Newer(versions[newest].Version)) {
			newest = i
		}
	}
	if newest < 0 {
		return ""
	}
	var behind []string
	for _, v := range versions {
		if v.Err == nil && !v.Version.Same(versions[newest].Version) {
			behind = append(behind, fmt.Sprintf("%s holds generation %d", v.Node.Hostname, v.Version.Generation))
		}
	}
	if len(behind) == 0 {
		return ""
	}
	return fmt.Sprintf("the nodes' configs differ: %s has the newest (%s); %s. They catch up by themselves; "+
		"'gluster-eventing sync' makes every node hold this node's", versions[newest].Node.Hostname,
		versions[newest].Version, strings.Join(behind, ", "))
}

// peersKnown reports whether glusterd has peers on record in node's
// workdir (<workdir>/peers/ has entries): the node belongs to a cluster
// even when its glusterd is not running.
func peersKnown(node *config.Node) bool {
	entries, err := os.ReadDir(filepath.Join(node.GlusterdWorkdir, "peers"))
	return err == nil && len(entries) > 0
}

// refuseAlone is the error of a change asked on a node of a cluster whose
// glusterd does not answer: made here alone, it would fork this node's
// config from the others' (and could win over their later changes).
func refuseAlone(err error, code ExitCode) error {
	return &Error{Code: code, Err: fmt.Errorf("this node belongs to a Gluster cluster, but %v: the change was not made", err),
		Hints: []string{"start glusterd on this node (systemctl start glusterd), or make the change on another node; the others reach this one when it is back"}}
}
