package cmd

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/gluster/gluster-eventing/internal/config"
)

// ConfigGetCmd shows the legacy config values.
type ConfigGetCmd struct {
	Name string `help:"Only this name (log-level, port, disable-events-log)."`
}

func (c *ConfigGetCmd) Run(env *Env, g *Globals) error {
	_, cl, err := env.shownCluster(g)
	if err != nil {
		return err
	}
	names := config.LegacyKeys()
	if c.Name != "" {
		names = []string{c.Name}
	}
	out := map[string]any{}
	for _, n := range names {
		v, err := cl.Get(n)
		if err != nil {
			return &Error{Code: ExitInvalidConfig, Err: err}
		}
		out[n] = typedLegacy(n, v)
	}
	if g.JSON {
		return env.printJSON(map[string]any{"output": out, "error": ""})
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tVALUE")
	for _, n := range names {
		fmt.Fprintf(w, "%s\t%v\n", n, out[n])
	}
	return w.Flush()
}

// typedLegacy gives config values the JSON types gluster-eventsapi used.
func typedLegacy(name, v string) any {
	switch name {
	case config.KeyPort:
		var p int
		fmt.Sscan(v, &p)
		return p
	case config.KeyDisableEventsLog:
		return v == "true"
	}
	return v
}

// ConfigSetCmd sets one legacy config value.
type ConfigSetCmd struct {
	Name  string `arg:"" help:"Config name (log-level, port, disable-events-log)."`
	Value string `arg:"" help:"New value."`
}

func (c *ConfigSetCmd) Run(env *Env, g *Globals) error {
	restart := false
	err := changeCluster(env, g, change{done: "config updated", syncFailed: ExitConfigSyncFailed, fn: func(cl *config.Cluster) error {
		changed, r, err := cl.Set(c.Name, c.Value)
		if err != nil {
			return configErr(err)
		}
		if !changed {
			return errorf(ExitNoChange, "%s is already %s", c.Name, c.Value)
		}
		restart = r
		return nil
	}})
	if err == nil && restart {
		fmt.Fprintf(env.Stderr, "%s: note: %s is kept for gluster-eventsapi compatibility; the daemon listens on the node config's \"listen\" addresses, and Gluster's C emitters always send to 55555\n", env.Prog, c.Name)
	}
	return err
}

// ConfigResetCmd resets one legacy config value, or all.
type ConfigResetCmd struct {
	Name string `arg:"" help:"Config name, or 'all'."`
}

func (c *ConfigResetCmd) Run(env *Env, g *Globals) error {
	return changeCluster(env, g, change{done: "config reset", syncFailed: ExitConfigSyncFailed, fn: func(cl *config.Cluster) error {
		changed, err := cl.Reset(c.Name)
		if err != nil {
			return configErr(err)
		}
		if !changed {
			return errorf(ExitNoChange, "%s is already the default", c.Name)
		}
		return nil
	}})
}

func configErr(err error) error {
	if errors.Is(err, config.ErrUnknownKey) || errors.Is(err, config.ErrInvalidValue) {
		return &Error{Code: ExitInvalidConfig, Err: err}
	}
	return err
}
