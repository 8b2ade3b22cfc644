package cmd

import (
	"fmt"
	"runtime"
)

// VersionCmd prints the version.
type VersionCmd struct{}

func (c *VersionCmd) Run(env *Env, g *Globals) error {
	v := env.Version
	if v.Version == "" {
		v.Version = "dev"
	}
	if g.JSON {
		return env.printJSON(map[string]string{"version": v.Version, "commit": v.Commit, "date": v.Date, "go": runtime.Version()})
	}
	fmt.Fprintf(env.Stdout, "gluster-eventing %s", v.Version)
	if v.Commit != "" {
		fmt.Fprintf(env.Stdout, " (%s %s)", v.Commit, v.Date)
	}
	fmt.Fprintf(env.Stdout, " %s\n", runtime.Version())
	return nil
}
