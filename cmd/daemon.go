package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gluster/gluster-eventing/daemon"
	"github.com/gluster/gluster-eventing/internal/config"
)

// DaemonCmd runs the daemon in the foreground.
type DaemonCmd struct {
	PidFile string `short:"p" help:"PID file, held locked while the daemon runs (glustereventsd's --pid-file)." placeholder:"PATH"`
}

func (c *DaemonCmd) Run(env *Env, g *Globals) error {
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

// ReloadCmd reloads the local daemon synchronously (systemd's ExecReload).
type ReloadCmd struct {
	Timeout time.Duration `help:"How long to wait for the daemon." default:"30s"`
}

func (c *ReloadCmd) Run(env *Env, g *Globals) error {
	client, err := localClient(g)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(env.Ctx, c.Timeout)
	defer cancel()
	res, err := client.Reload(ctx)
	if err != nil {
		return unreachable(err, client.Socket)
	}
	if g.Legacy && g.JSON {
		// gluster-eventsapi reports a node's failure in its table, rc 0.
		return env.printJSON(legacyNodeTable("reload", res.OK, res.Error))
	}
	if !res.OK {
		return &Error{Code: ExitInvalidConfig, Err: fmt.Errorf("reload failed, the daemon keeps its running config: %s", res.Error)}
	}
	if g.JSON {
		return env.printJSON(res)
	}
	fmt.Fprintf(env.Stdout, "reloaded: %d webhooks, config generation %d\n", res.Webhooks, res.Generation)
	return nil
}

func versionString(v VersionInfo) string {
	if v.Version == "" {
		return "dev"
	}
	return v.Version
}

// loadNode reads the node config; a missing file means the defaults.
func loadNode(g *Globals) (*config.Node, error) {
	n, err := config.LoadNode(g.Config)
	if err != nil && !errors.Is(err, config.ErrNotExist) {
		return nil, &Error{Code: ExitInvalidConfig, Err: err}
	}
	return n, nil
}

func localClient(g *Globals) (*daemon.Client, error) {
	n, err := loadNode(g)
	if err != nil {
		return nil, err
	}
	return daemon.NewClient(n.APISocket), nil
}

func unreachable(err error, socket string) error {
	if errors.Is(err, daemon.ErrUnreachable) {
		return &Error{Code: ExitUnreachable, Err: err, Hints: []string{
			"is the daemon running? 'systemctl status gluster-eventing' or 'gluster-eventing daemon'",
			"the API socket is api_socket in the node config (" + socket + ")",
		}}
	}
	return err
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
