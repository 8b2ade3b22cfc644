package cmd

import (
	"fmt"
	"path/filepath"

	"github.com/gluster/gluster-eventing/internal/config"
)

// ImportCmd adopts what Gluster's own files say into the cluster config.
type ImportCmd struct {
	DryRun bool `help:"Only say what would be imported."`
}

// Help is the detail of import --help.
func (c *ImportCmd) Help() string {
	return "Reads this node's <glusterd workdir>/events/webhooks.json and config.json, the files Gluster's " +
		"gluster-eventsapi writes (and that scripts such as TrueNAS's edit), and makes the cluster config hold " +
		"what they say: their webhooks are added (as legacy webhooks), their token and secret updated, webhooks " +
		"they no longer list removed, and the keys config.json sets taken over. The change goes to every node like " +
		"any other. The daemon imports these files by itself on the first start; run this to adopt a later change " +
		"to them, which the daemon reports."
}

func (c *ImportCmd) Run(env *Env, g *Globals) error {
	node, err := loadNode(g)
	if err != nil {
		return err
	}
	eventsDir := filepath.Dir(node.ClusterConfigPath())
	var adopted []config.Adoption
	adopt := func(cl *config.Cluster) error {
		a, err := cl.AdoptLegacy(eventsDir)
		if err != nil {
			return &Error{Code: ExitInvalidConfig, Err: err}
		}
		if len(a) == 0 {
			return errorf(ExitNoChange, "nothing to import: %s/webhooks.json and config.json agree with the cluster config", eventsDir)
		}
		adopted = a
		return nil
	}
	if c.DryRun {
		cl, err := clusterOf(node)
		if err != nil {
			return err
		}
		if err := adopt(cl); err != nil {
			return err
		}
		if g.JSON {
			return env.printJSON(map[string]any{"dry_run": true, "imported": adopted})
		}
		printAdoptions(env, adopted, "would be ")
		return nil
	}
	extra := map[string]any{}
	err = changeCluster(env, g, change{done: "imported", syncFailed: ExitWebhookSyncFailed, extra: extra,
		fn: func(cl *config.Cluster) error {
			if err := adopt(cl); err != nil {
				return err
			}
			extra["imported"] = adopted
			return nil
		}})
	if !g.JSON && len(adopted) > 0 {
		printAdoptions(env, adopted, "")
	}
	return err
}

func printAdoptions(env *Env, adopted []config.Adoption, prefix string) {
	for _, a := range adopted {
		if a.Key != "" {
			fmt.Fprintf(env.Stdout, "%s %s%s: %s\n", a.Key, prefix, a.What, a.Value)
		} else {
			fmt.Fprintf(env.Stdout, "webhook %s%s: %s\n", prefix, a.What, a.URL)
		}
	}
}
