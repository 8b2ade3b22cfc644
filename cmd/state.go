package cmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
)

// StateCmd prints this node's daemon's cluster state table.
type StateCmd struct {
	Refresh bool          `help:"Have the daemon ask glusterd first, instead of showing the table as it is."`
	Timeout time.Duration `help:"How long to wait for this node's daemon." default:"10s"`
}

// Help is the detail of state --help.
func (c *StateCmd) Help() string {
	return "The daemon keeps a table of the cluster's peers, volumes and bricks: built from glusterd at start, " +
		"updated by every event, reconciled with glusterd every minute and when glusterd comes back. " +
		"HEALTH is ok (every brick online), degraded (bricks offline, every replica or disperse set still serves), " +
		"down (some set cannot serve: part or all of the data is unreachable; in a distribute volume, any brick offline) " +
		"or unknown (the volume is not started, or glusterd does not answer). " +
		"When glusterd does not answer the table is the last one it gave, and the Glusterd and Status lines say so."
}

func (c *StateCmd) Run(env *Env, g *Globals) error {
	node, err := loadNode(g)
	if err != nil {
		return err
	}
	client := api.NewClient(node.APISocket)
	client.Timeout = c.Timeout
	var st *api.State
	if c.Refresh {
		st, err = client.Refresh(env.Ctx)
	} else {
		st, err = client.State(env.Ctx)
	}
	if err != nil {
		return apiError(err, client.Socket, "")
	}
	if g.JSON {
		return env.printJSON(st)
	}
	printState(env.Stdout, st, time.Now())
	return nil
}

// printState prints the table for a person: glusterd's state, then peers,
// volumes and each volume's bricks in layout order.
func printState(out io.Writer, st *api.State, now time.Time) {
	line := st.Glusterd
	if !st.Reconciled.IsZero() {
		line += fmt.Sprintf(", last answered %s ago", now.Sub(st.Reconciled).Round(time.Second))
	}
	fmt.Fprintf(out, "Glusterd: %s\n", line)
	if st.Status != "" {
		fmt.Fprintf(out, "Status:   %s\n", st.Status)
	}
	fmt.Fprintln(out)
	if len(st.Peers) == 0 {
		fmt.Fprintln(out, "Peers: none")
	} else {
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "PEER\tUUID\tCONNECTED\tSTATE")
		for _, p := range st.Peers {
			name, state := p.Hostname, p.State
			if p.Self {
				state = "this node"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", name, p.UUID, yesNo(p.Connected), orDash(state))
		}
		w.Flush()
	}
	fmt.Fprintln(out)
	if len(st.Volumes) == 0 {
		fmt.Fprintln(out, "Volumes: none")
		return
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VOLUME\tTYPE\tSTATUS\tHEALTH\tBRICKS ONLINE")
	for _, v := range st.Volumes {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d of %d\n", v.Name, layout(&v), v.Status, v.Health, v.OnlineBrickCount, v.BrickCount)
	}
	w.Flush()
	bricks := make(map[string]*api.Brick, len(st.Bricks))
	for i := range st.Bricks {
		bricks[st.Bricks[i].ID] = &st.Bricks[i]
	}
	fmt.Fprintln(out)
	w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "BRICK\tVOLUME\tONLINE\tPORT\tPID")
	for _, v := range st.Volumes {
		for _, id := range v.Bricks {
			b := bricks[id]
			if b == nil {
				continue
			}
			name := b.Hostname + ":" + b.Path
			if b.Arbiter {
				name += " (arbiter)"
			}
			online := "yes"
			if !b.Online {
				online = "NO"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", name, v.Name, online, orZero(b.Port), orZero(b.PID))
		}
	}
	w.Flush()
}

// layout is a volume's type with its shape: "Replicate 1 x 3",
// "Disperse 1 x (2 + 1)", "Distribute 2".
func layout(v *api.Volume) string {
	switch {
	case v.DisperseCount > 0 && v.BrickCount > 0:
		return fmt.Sprintf("%s %d x (%d + %d)", v.Type, v.BrickCount/v.DisperseCount, v.DisperseCount-v.RedundancyCount, v.RedundancyCount)
	case v.ReplicaCount > 1 && v.BrickCount > 0:
		s := fmt.Sprintf("%s %d x %d", v.Type, v.BrickCount/v.ReplicaCount, v.ReplicaCount)
		if v.ArbiterCount > 0 {
			s = fmt.Sprintf("%s %d x (%d + %d)", v.Type, v.BrickCount/v.ReplicaCount, v.ReplicaCount-v.ArbiterCount, v.ArbiterCount)
		}
		return s
	}
	return fmt.Sprintf("%s %d", v.Type, v.BrickCount)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orZero(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// volumesSummary is status --local's one line about the state table:
// "2 (1 ok, 1 degraded)", or why it is empty.
func volumesSummary(st *api.State) string {
	if len(st.Volumes) == 0 {
		s := "none"
		if st.Status != "" {
			s += " (" + st.Status + ")"
		}
		return s
	}
	counts := map[string]int{}
	for _, v := range st.Volumes {
		counts[v.Health]++
	}
	var parts []string
	for _, h := range []string{"ok", "degraded", "down", "unknown"} {
		if counts[h] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[h], h))
		}
	}
	s := fmt.Sprintf("%d (%s)", len(st.Volumes), strings.Join(parts, ", "))
	if st.Glusterd != "running" {
		s += "; glusterd " + st.Glusterd
	}
	return s
}
