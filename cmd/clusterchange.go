package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
)

// change is one change of the cluster config, as a command describes it.
type change struct {
	fn    func(*config.Cluster) error // the change; its *Error (exit 2, 5, 6, 7) refuses it
	done  string                      // "webhook added"
	extra map[string]any              // what fn puts there goes to the output (id, signing_secret)
	// syncFailed is the exit code when the change did not reach the
	// peers: 8 for webhooks, 9 for config values.
	syncFailed ExitCode
}

// changeCluster makes a change of the cluster config on every node: it
// is checked on this node first (fn refuses a bad value before any peer is
// touched), this node catches up first if a peer holds a newer config,
// then the changed config, with the next generation and this node as its
// origin, is pushed to every node, which installs it and reloads its
// daemon. Without a cluster it is today's node-local change
// (changeLocal).
func changeCluster(env *Env, g *Globals, c change) error {
	node, err := loadNode(g)
	if err != nil {
		return err
	}
	// Refuse a bad change before any node is asked anything: try it on
	// this node's copy first.
	probe, err := clusterOf(node)
	if err != nil {
		return err
	}
	if err := c.fn(probe); err != nil {
		return changeErr(err, node.ClusterConfigPath())
	}
	if err := probe.Validate(); err != nil {
		return &Error{Code: ExitInvalidConfig, Err: err}
	}
	ch, err := env.channel(node)
	if errors.Is(err, cluster.ErrNoCluster) {
		return env.changeAlone(g, node, c, err)
	}
	if err != nil {
		return err
	}
	path := config.ClusterPath(node.GlusterdWorkdir)
	if p := node.ClusterConfigPath(); p != path {
		return &Error{Code: ExitInvalidConfig, Err: fmt.Errorf("cluster_config is %s, but the cluster's config travels as %s", p, path),
			Hints: []string{"on a node of a Gluster cluster, leave cluster_config out of the node config"}}
	}
	versions, err := ch.Versions(env.Ctx)
	if errors.Is(err, cluster.ErrNoCluster) {
		return env.changeAlone(g, node, c, err)
	}
	if versions == nil {
		return fmt.Errorf("asking the nodes for their config versions: %w", err)
	}
	if err := env.catchUp(ch, node, versions); err != nil {
		return err
	}

	cl, err := clusterOf(node)
	if err != nil {
		return err
	}
	base := cluster.VersionOf(cl)
	before := string(cl.Encode())
	if err := c.fn(cl); err != nil {
		return changeErr(err, path)
	}
	if string(cl.Encode()) == before {
		return env.printChange(g, c, cl, path, nil)
	}
	cl.EnsurePeerKey() // the cluster's first change makes the forwarding key (peerkey.go)
	cl.Generation = nextGeneration(cl.Generation, versions)
	cl.Origin = selfID(node)
	if err := cl.Validate(); err != nil {
		return &Error{Code: ExitInvalidConfig, Err: err}
	}
	content := cl.Encode()
	v := cluster.Version{Generation: cl.Generation, Origin: cl.Origin, Digest: cluster.DigestOf(content)}
	// Over base: a node holding a change made meanwhile on another node
	// refuses this one, whichever of the two the ordering rule prefers,
	// so that neither is reported done and then silently replaced.
	results, err := ch.PushOver(env.Ctx, content, v, base)
	if results == nil {
		return &Error{Code: c.syncFailed, Err: fmt.Errorf("the change was not applied on any node: %w", err)}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: warning: %v\n", env.Prog, err)
	}
	rows := installRows(results)
	if lost := lostTo(results); lost != nil {
		// Another change won: never merged, reported. Nothing of this
		// change exists anywhere, so its id and secret are not shown.
		delete(c.extra, "id")
		delete(c.extra, "signing_secret")
		var perr error
		if g.JSON {
			if c.extra == nil {
				c.extra = map[string]any{}
			}
			c.extra["lost"] = true
			perr = env.printChange(g, c, cl, path, rows)
		} else {
			perr = writeNodeTable(env.Stdout, "sync", rows, nil, nil)
		}
		if perr != nil {
			return perr
		}
		return &Error{Code: ExitError, Printed: g.JSON, Err: fmt.Errorf(
			"another change won: %s; yours was not applied; run the command again", lost.Have),
			Hints: []string{"two changes were made at once on two nodes; every node keeps the winner (the higher generation, then the lower origin UUID)"}}
	}
	if perr := env.printChange(g, c, cl, path, rows); perr != nil {
		return perr
	}
	return changeResultsError(c, rows, g.JSON)
}

// changeAlone makes the change on this node alone, there being no
// cluster (err says why), unless glusterd has peers on record here: a
// change then waits for this node's glusterd.
func (env *Env) changeAlone(g *Globals, node *config.Node, c change, err error) error {
	if peersKnown(node) {
		return refuseAlone(err, c.syncFailed)
	}
	env.noteLocal(err)
	return changeLocal(env, g, node, c)
}

// changeErr gives an error of a change function its exit code.
func changeErr(err error, path string) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, config.ErrInvalid) {
		return &Error{Code: ExitInvalidConfig, Err: err}
	}
	return fmt.Errorf("changing %s: %w", path, err)
}

// nextGeneration is the generation of a new change: above this node's and
// every node's that answered, so that no node refuses it as older.
func nextGeneration(own int64, versions []cluster.NodeVersion) int64 {
	g := own
	for _, v := range versions {
		if v.Err == nil {
			g = max(g, v.Version.Generation)
		}
	}
	return g + 1
}

// catchUp installs here the newest config a node holds, if it is newer
// than this node's: a change is made on top of the newest config, never of
// a stale copy.
func (env *Env) catchUp(ch clusterChannel, node *config.Node, versions []cluster.NodeVersion) error {
	var mine *cluster.Version
	for _, v := range versions {
		if v.Node.Self && v.Err == nil && v.Exists {
			mine = &v.Version
		}
	}
	newest, ok := cluster.Newest(versions, mine)
	if !ok {
		return nil
	}
	res, err := cluster.CatchUp(env.Ctx, ch, node.GlusterdWorkdir, newest.Node)
	if err != nil {
		return fmt.Errorf("this node's config is older than %s's (%s); installing it here first: %w", newest.Node.Hostname, newest.Version, err)
	}
	if res.Installed {
		fmt.Fprintf(env.Stderr, "%s: note: this node's config was older: installed %s's (%s) first\n", env.Prog, newest.Node.Hostname, res.Version)
	}
	return nil
}

// installRows are the per-node rows of a push: OK when the node installed
// the config (or had it already) and its daemon, if running, applied it.
func installRows(results []cluster.Result) []nodeResult {
	rows := fromResults(results)
	for i := range rows {
		r := &rows[i]
		if !r.OK || len(r.Output) == 0 {
			continue
		}
		var out cluster.InstallResult
		if json.Unmarshal(r.Output, &out) == nil && out.ReloadError != "" {
			r.OK, r.Error = false, "installed, but the daemon did not apply it: "+out.ReloadError
		}
	}
	for i := range results {
		var newer *cluster.NewerError
		if errors.As(results[i].Err, &newer) {
			rows[i].Error = fmt.Sprintf("holds a newer config (%s)", newer.Have)
		}
	}
	return rows
}

// lostTo returns the refusal of a node that holds a newer config than the
// one pushed, nil if none refused so.
func lostTo(results []cluster.Result) *cluster.NewerError {
	for _, r := range results {
		var newer *cluster.NewerError
		if errors.As(r.Err, &newer) {
			return newer
		}
	}
	return nil
}

// errSyncFailed is a config that a node which is up did not install.
var errSyncFailed = errors.New("the config could not be synced")

// changeResultsError is the exit of a change that no node refused as
// older: 0 when every node has it, 4 when only nodes that are down (or
// answered but failed to reload) miss it, 8 or 9 when a node that is up
// did not get it (the copy failed), 3 when no node has it.
func changeResultsError(c change, rows []nodeResult, printed bool) error {
	code := resultsCode(rows)
	if code == ExitOK {
		return nil
	}
	var missing []string
	notSynced := false
	for i := range rows {
		r := &rows[i]
		if r.OK {
			continue
		}
		missing = append(missing, r.Node)
		if r.Up && !isReloadFailure(r) {
			notSynced = true
		}
	}
	err := fmt.Errorf("the change did not reach every node (%d of %d missing: %s); nodes that were down catch up by themselves when they return",
		len(missing), len(rows), strings.Join(missing, ", "))
	switch {
	case notSynced:
		code = c.syncFailed
		err = fmt.Errorf("%w to every node (missing on %s); 'gluster-eventing sync' pushes this node's config again", errSyncFailed, strings.Join(missing, ", "))
	case code == ExitAllNodesFailed:
		err = errors.New("the change reached no node")
	}
	return &Error{Code: code, Err: err, Printed: printed}
}

func isReloadFailure(r *nodeResult) bool {
	var out cluster.InstallResult
	return len(r.Output) > 0 && json.Unmarshal(r.Output, &out) == nil && out.Installed && out.ReloadError != ""
}

// printChange prints the result of a change pushed to rows (nil: nothing
// changed, nothing pushed).
func (env *Env) printChange(g *Globals, c change, cl *config.Cluster, path string, rows []nodeResult) error {
	switch {
	case g.JSON && g.Legacy:
		return env.printJSON(map[string]any{"output": legacyRows("sync", rows), "error": ""})
	case g.JSON:
		out := map[string]any{"ok": resultsCode(rows) == ExitOK || rows == nil, "generation": cl.Generation, "origin": cl.Origin,
			"config": path, "reloaded": selfReloaded(rows), "nodes": nativeRows(rows)}
		maps.Copy(out, c.extra)
		return env.printJSON(out)
	}
	env.printDone(c, cl)
	if rows == nil {
		return nil
	}
	return writeNodeTable(env.Stdout, "sync", rows, nil, nil)
}

// printDone prints the first lines of a change's text output: what was
// done, the webhook's id, and a generated signing secret (shown once).
func (env *Env) printDone(c change, cl *config.Cluster) {
	done := c.done
	if id, ok := c.extra["id"]; ok {
		done += fmt.Sprintf(": id %s", id)
	}
	fmt.Fprintf(env.Stdout, "%s (config generation %d)\n", done, cl.Generation)
	if secret, ok := c.extra["signing_secret"]; ok {
		fmt.Fprintf(env.Stdout, "signing secret (give it to the receiver; it is not shown again): %s\n", secret)
	}
}

// selfReloaded says whether this node's daemon applied the pushed config.
func selfReloaded(rows []nodeResult) bool {
	for i := range rows {
		if !rows[i].Self {
			continue
		}
		var out cluster.InstallResult
		return json.Unmarshal(rows[i].Output, &out) == nil && out.Reloaded
	}
	return false
}
