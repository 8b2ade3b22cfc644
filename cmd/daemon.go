package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gluster/gluster-eventing/daemon"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
)

// DaemonCmd runs the daemon in the foreground.
type DaemonCmd struct {
	PidFile string `short:"p" help:"PID file, held locked while the daemon runs (glustereventsd's --pid-file)." placeholder:"PATH"`
}

func (c *DaemonCmd) Run(env *Env, g *Globals) error {
	if err := checkExplicitConfig(g); err != nil {
		return err
	}
	err := daemon.Run(env.Ctx, daemon.Options{
		ConfigPath: g.Config,
		PIDFile:    c.PidFile,
		Version:    versionString(env.Version),
		Stderr:     env.Stderr,
		Getenv:     env.Getenv,
	})
	if errors.Is(err, config.ErrInvalid) {
		return &Error{Code: ExitInvalidConfig, Err: err, Hints: []string{"see gluster-eventing.toml(5) for the config keys"}}
	}
	return err
}

// ReloadCmd reloads the daemon of every node, or with --local (systemd's
// ExecReload) of this node, synchronously.
type ReloadCmd struct {
	Timeout time.Duration `help:"How long to wait for this node's daemon (with --local, or without a cluster; every node of a cluster waits 30s for its own)." default:"30s"`
	Local   bool          `help:"Only this node's daemon (systemd's ExecReload= runs this)."`
}

func (c *ReloadCmd) Run(env *Env, g *Globals) error {
	node, err := loadNode(g)
	if err != nil {
		return err
	}
	if c.Local {
		return c.local(env, g, node)
	}
	a := clusterAction{action: cluster.ActionReload, col: "reload", what: "reload"}
	return env.onEveryNode(g, node, a, func() error { return c.local(env, g, node) })
}

// local reloads this node's daemon.
func (c *ReloadCmd) local(env *Env, g *Globals, node *config.Node) error {
	client := api.NewClient(node.APISocket)
	client.Timeout = c.Timeout
	res, err := client.Reload(env.Ctx)
	if refused, ok := reloadRefused(err); ok {
		if g.Legacy && g.JSON {
			// gluster-eventsapi reports a node's failure in its table, rc 0.
			return env.printJSON(legacyNodeTable("reload", false, refused))
		}
		return &Error{Code: ExitInvalidConfig, Err: fmt.Errorf("reload failed, the daemon keeps its running config: %s", refused)}
	}
	if err != nil {
		return apiError(err, client.Socket, "the daemon may still be applying the reload: 'gluster-eventing status' shows the config generation it runs")
	}
	if g.Legacy && g.JSON {
		return env.printJSON(legacyNodeTable("reload", res.OK, res.Error))
	}
	if g.JSON {
		return env.printJSON(res)
	}
	fmt.Fprintf(env.Stdout, "reloaded: %d webhooks, config generation %d\n", res.Webhooks, res.Generation)
	return nil
}

// reloadRefused reports whether err is the daemon refusing a reload (the
// new config is invalid: 422), and why.
func reloadRefused(err error) (string, bool) {
	var ae *api.Error
	if errors.As(err, &ae) && ae.StatusCode == http.StatusUnprocessableEntity {
		return ae.Message, true
	}
	return "", false
}

func versionString(v VersionInfo) string {
	if v.Version == "" {
		return "dev"
	}
	return v.Version
}

// loadNode reads the node config; a missing file means the defaults, but
// only at the default path.
func loadNode(g *Globals) (*config.Node, error) {
	n, err := config.LoadNode(g.Config)
	if errors.Is(err, config.ErrNotExist) {
		if err := checkExplicitConfig(g); err != nil {
			return nil, err
		}
		return n, nil
	}
	if err != nil {
		return nil, &Error{Code: ExitInvalidConfig, Err: err}
	}
	return n, nil
}

// apiError gives an error of the local daemon's API its exit code and
// hints: not running (11), not allowed to connect (11), no answer in time
// (13; timeoutHint says what the daemon may still be doing), an error
// answer or one that could not be read (14).
func apiError(err error, socket, timeoutHint string) error {
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, api.ErrUnreachable):
		return &Error{Code: ExitUnreachable, Err: err, Hints: []string{
			"is the daemon running? 'systemctl status gluster-eventing' or 'gluster-eventing daemon'",
			"the API socket is api_socket in the node config (" + socket + ")",
		}}
	case errors.Is(err, api.ErrPermission):
		return &Error{Code: ExitUnreachable, Err: err, Hints: []string{
			"the socket is mode 0660: run as root or as a member of its group",
		}}
	case errors.Is(err, api.ErrTimeout):
		e := &Error{Code: ExitDaemonTimeout, Err: err}
		if timeoutHint != "" {
			e.Hints = append(e.Hints, timeoutHint)
		}
		e.Hints = append(e.Hints, "the daemon is running but busy or stuck: see 'journalctl -u gluster-eventing'")
		return e
	}
	// An *api.Error, or an answer that could not be read.
	return &Error{Code: ExitDaemonError, Err: err}
}

// legacyNodeTable is gluster-eventsapi's JSON shape for per-node results,
// for the local node.
func legacyNodeTable(col string, ok bool, errText string) map[string]any {
	st := "OK"
	if !ok {
		st = "NOT OK: " + errText
	}
	return map[string]any{"output": []map[string]string{{"node": "localhost", "node_status": "UP", col + "_status": st, "error": ""}}, "error": ""}
}
