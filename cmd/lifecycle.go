package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/service"
)

// lifecycleFlags are start's, stop's and restart's.
type lifecycleFlags struct {
	Local   bool          `help:"Only this node's daemon."`
	Timeout time.Duration `help:"How long to wait for the daemon to start or stop, when acting on this node alone (every node of a cluster waits 30s for its own)." default:"30s"`
}

// StartCmd starts the daemon on every node.
type StartCmd struct{ lifecycleFlags }

// StopCmd stops the daemon on every node.
type StopCmd struct{ lifecycleFlags }

// RestartCmd restarts the daemon on every node.
type RestartCmd struct{ lifecycleFlags }

// Help is the detail of start --help (stop and restart share it).
func (lifecycleFlags) Help() string {
	return "Where systemd is PID 1 this runs systemctl on gluster-eventing.service; elsewhere the daemon is " +
		"started directly (detached, its output in <state_dir>/daemon.log) or sent SIGTERM through its pid file. " +
		"Without a Gluster cluster, or with --local, it acts on this node only."
}

func (c *StartCmd) Run(env *Env, g *Globals) error {
	return c.run(env, g, "start", cluster.ActionStart, (*service.Control).Start)
}

func (c *StopCmd) Run(env *Env, g *Globals) error {
	return c.run(env, g, "stop", cluster.ActionStop, (*service.Control).Stop)
}

func (c *RestartCmd) Run(env *Env, g *Globals) error {
	return c.run(env, g, "restart", cluster.ActionRestart, (*service.Control).Restart)
}

type controlFunc func(*service.Control, context.Context) (service.Outcome, error)

func (f *lifecycleFlags) run(env *Env, g *Globals, verb, action string, do controlFunc) error {
	node, err := loadNode(g)
	if err != nil {
		return err
	}
	local := func() error {
		ctl := &service.Control{Node: node, NodeConfig: g.Config, Timeout: f.Timeout}
		out, err := do(ctl, env.Ctx)
		rows := localResult(selfID(node), err == nil, err)
		if b, merr := json.Marshal(out); merr == nil {
			rows[0].Output = b
		}
		if err == nil && !g.JSON {
			fmt.Fprintf(env.Stdout, "%s\n", outcomeText(verb, out))
			return nil
		}
		a := clusterAction{col: verb, what: verb}
		return env.printNodes(g, a, rows, nil)
	}
	if f.Local {
		return local()
	}
	a := clusterAction{action: action, col: verb, what: verb}
	return env.onEveryNode(g, node, a, local)
}

// outcomeText says what start, stop or restart did on this node.
func outcomeText(verb string, o service.Outcome) string {
	switch {
	case verb == "stop" && !o.Changed:
		return "the daemon was not running"
	case verb == "stop":
		return "daemon stopped (" + o.Via + ")"
	case verb == "start" && !o.Changed:
		return fmt.Sprintf("the daemon is already running (pid %d)", o.PID)
	}
	if o.PID > 0 {
		return fmt.Sprintf("daemon %sed (%s, pid %d)", verb, o.Via, o.PID)
	}
	return fmt.Sprintf("daemon %sed (%s)", verb, o.Via)
}

// SyncCmd makes every node's cluster config this node's, then reloads
// every daemon.
type SyncCmd struct {
	Timeout time.Duration `help:"How long to wait for this node's daemon to reload, without a cluster." default:"30s"`
}

// Help is the detail of sync --help.
func (c *SyncCmd) Help() string {
	return "The explicit hammer: every node gets this node's cluster config, even one that holds a newer one, " +
		"with a generation above every node's so that a node that was down does not undo it when it returns. " +
		"Nodes that missed a change catch up by themselves; sync is for when you want this node's config to win. " +
		"It also makes the event forwarding key (see peer-key-rotate) when the cluster has none."
}

func (c *SyncCmd) Run(env *Env, g *Globals) error {
	node, err := loadNode(g)
	if err != nil {
		return err
	}
	a := clusterAction{action: cluster.ActionReload, col: "sync", what: "sync"}
	local := func() error {
		// One node: nothing to push; reload as gluster-eventsapi's sync does.
		g.ReloadTimeout = c.Timeout
		reloaded, err := reloadIfRunning(env, g, node)
		rows := localResult(selfID(node), err == nil, err)
		if !g.JSON && err == nil {
			if reloaded {
				fmt.Fprintln(env.Stdout, "this node's daemon reloaded")
			} else {
				fmt.Fprintln(env.Stdout, "the daemon is not running; it reads the config when it starts")
			}
			return nil
		}
		return env.printNodes(g, a, rows, nil)
	}
	ch, err := env.channel(node)
	if errors.Is(err, cluster.ErrNoCluster) && peersKnown(node) {
		return refuseAlone(err, ExitConfigSyncFailed)
	}
	if errors.Is(err, cluster.ErrNoCluster) {
		env.noteLocal(err)
		return local()
	}
	if err != nil {
		return err
	}
	path := config.ClusterPath(node.GlusterdWorkdir)
	cl, err := config.LoadCluster(path)
	exists := err == nil
	if err != nil && !errors.Is(err, config.ErrNotExist) {
		return &Error{Code: ExitInvalidConfig, Err: err, Hints: []string{"fix this node's config first, or run sync from a node whose config loads"}}
	}
	if !exists {
		// No config yet: sync writes one everywhere, with the forwarding key.
		exists = cl.EnsurePeerKey()
	}
	var rows []nodeResult
	var installErr error
	if exists {
		versions, err := ch.Versions(env.Ctx)
		if errors.Is(err, cluster.ErrNoCluster) && peersKnown(node) {
			return refuseAlone(err, ExitConfigSyncFailed)
		}
		if errors.Is(err, cluster.ErrNoCluster) {
			env.noteLocal(err)
			return local()
		}
		if versions == nil {
			return fmt.Errorf("asking the nodes for their config versions: %w", err)
		}
		cl.EnsurePeerKey() // the forwarding key, if the cluster has none yet
		cl.Generation = nextGeneration(cl.Generation, versions)
		cl.Origin = selfID(node)
		content := cl.Encode()
		v := cluster.Version{Generation: cl.Generation, Origin: cl.Origin, Digest: cluster.DigestOf(content)}
		results, err := ch.Push(env.Ctx, content, v, true)
		if results == nil {
			return &Error{Code: ExitConfigSyncFailed, Err: fmt.Errorf("sync: %w", err)}
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "%s: warning: %v\n", env.Prog, err)
		}
		rows = installRows(results)
		if err := changeResultsError(change{syncFailed: ExitConfigSyncFailed}, rows, g.JSON); errors.Is(err, errSyncFailed) {
			installErr = err
		}
	}
	reloads, err := env.runOnNodes(ch, a)
	if reloads == nil {
		return fmt.Errorf("reloading every node: %w", err)
	}
	rows = mergeSync(rows, reloads)
	if !exists {
		fmt.Fprintf(env.Stderr, "%s: note: this node has no cluster config (%s): nothing pushed, every daemon reloaded\n", env.Prog, path)
	}
	if !g.JSON {
		if exists {
			fmt.Fprintf(env.Stdout, "synced this node's config (generation %d) to every node\n", cl.Generation)
		}
	}
	err = env.printNodes(g, a, rows, map[string]any{"generation": cl.Generation})
	if installErr != nil {
		return installErr
	}
	return err
}

// mergeSync joins a node's install row and its reload row: the node is OK
// when both are. A daemon that is not running is no failure of sync: it
// reads the config when it starts.
func mergeSync(installs, reloads []nodeResult) []nodeResult {
	for i := range reloads {
		if re := &reloads[i]; re.Up && !re.OK && strings.HasPrefix(re.Error, api.ErrUnreachable.Error()) {
			re.OK, re.Error = true, ""
		}
	}
	if installs == nil {
		return reloads
	}
	for i := range installs {
		in := &installs[i]
		for j := range reloads {
			re := &reloads[j]
			if re.NodeID != in.NodeID {
				continue
			}
			if in.OK && !re.OK {
				in.OK, in.Error = false, "config installed, reload failed: "+re.Error
			}
			in.Up = in.Up || re.Up
		}
	}
	return installs
}
