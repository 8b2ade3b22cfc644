package cmd

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
)

// StatusCmd shows every node's daemon, or with --local this node's in
// detail.
type StatusCmd struct {
	Timeout time.Duration `help:"How long to wait for this node's daemon (with --local, or without a cluster; every node of a cluster waits 5s for its own)." default:"10s"`
	Local   bool          `help:"Only this node's daemon, in detail: intake counters, journal, webhook deliveries."`
}

// Help is the detail of status --help.
func (c *StatusCmd) Help() string {
	return "On a node of a Gluster cluster, one line per node: whether its glusterd answers (NODE STATUS), whether its daemon " +
		"runs (UP, DOWN, NOT RESPONDING), the config generation it holds, its journal's last seq and how its webhooks are doing; " +
		"nodes whose config differs from the newest are flagged. Exit status 4 when some daemons are not up, 3 when none is. " +
		"Without a cluster, or with --local, this node's daemon in detail."
}

func (c *StatusCmd) Run(env *Env, g *Globals) error {
	node, err := loadNode(g)
	if err != nil {
		return err
	}
	if c.Local {
		return c.local(env, g, node)
	}
	ch, err := env.channel(node)
	if err == nil {
		var rows []nodeResult
		rows, err = env.runOnNodes(ch, clusterAction{action: cluster.ActionStatus, row: statusRow})
		if err == nil || rows != nil {
			if err != nil {
				fmt.Fprintf(env.Stderr, "%s: warning: %v\n", env.Prog, err)
			}
			return env.clusterStatus(g, node, rows)
		}
	}
	if !errors.Is(err, cluster.ErrNoCluster) {
		return fmt.Errorf("status of every node: %w", err)
	}
	env.noteLocal(err)
	return c.local(env, g, node)
}

// local shows this node's daemon.
func (c *StatusCmd) local(env *Env, g *Globals, node *config.Node) error {
	client := api.NewClient(node.APISocket)
	client.Timeout = c.Timeout
	st, err := client.Status(env.Ctx)
	if g.Legacy {
		return legacyStatus(env, g, err)
	}
	if err != nil {
		return apiError(err, client.Socket, "")
	}
	if g.JSON {
		return env.printJSON(st)
	}
	volumes := ""
	if st.State != nil {
		volumes = volumesSummary(st.State)
	}
	printStatus(env, st, volumes)
	return nil
}

func printStatus(env *Env, st *api.Status, volumes string) {
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Node:\t%s\n", st.NodeID)
	fmt.Fprintf(w, "Daemon:\tup %s, pid %d, version %s\n", time.Duration(st.Uptime*float64(time.Second)).Round(time.Second), st.PID, st.Version)
	fmt.Fprintf(w, "Listening:\t%s\n", strings.Join(st.Listen, ", "))
	in := st.Intake
	var rej []string
	var rejTotal uint64
	for reason, n := range in.Rejected {
		if n > 0 {
			rej = append(rej, fmt.Sprintf("%s %d", reason, n))
			rejTotal += n
		}
	}
	fmt.Fprintf(w, "Intake:\treceived %d, journaled %d, rejected %d%s, denied %d, repaired %d\n",
		in.Received, in.Journaled, rejTotal, parens(strings.Join(rej, ", ")), in.Denied, in.Repaired)
	if s := disabledStatus(st); s != "" {
		fmt.Fprintf(w, "Disabled:\t%s\n", s)
	}
	j := st.Journal
	fmt.Fprintf(w, "Journal:\tseq %d-%d, %d events, %d bytes, %d trimmed by retention\n", j.FirstSeq, j.LastSeq, j.Records, j.Bytes, j.Trimmed)
	fmt.Fprintf(w, "Config:\tgeneration %d, %s\n", st.Config.Generation, st.Config.ClusterPath)
	if st.Config.LastReloadError != "" {
		fmt.Fprintf(w, "Last reload:\tFAILED: %s\n", st.Config.LastReloadError)
	}
	if volumes != "" {
		fmt.Fprintf(w, "Volumes:\t%s\n", volumes)
	}
	if f := forwardingLine(st.Forwarding); f != "" {
		fmt.Fprintf(w, "Forwarding:\t%s\n", f)
	}
	if h := httpLine(st); h != "" {
		fmt.Fprintf(w, "HTTP API:\t%s\n", h)
	}
	w.Flush()
	fmt.Fprintln(env.Stdout)
	if len(st.Webhooks) == 0 {
		fmt.Fprintln(env.Stdout, "Webhooks: none")
		printNotifiers(env, st)
		return
	}
	w = tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "WEBHOOK\tNAME\tURL\tFORMAT\tSTATE\tQUEUE\tDELIVERED\tFAILED\tDEAD\tLAST ANSWER")
	for i := range st.Webhooks {
		h := &st.Webhooks[i]
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", h.ID, orDash(h.Name), h.URL, h.Format, webhookState(h),
			h.QueueDepth, h.Delivered, h.Failed, h.DeadLetters, lastAnswer(h))
	}
	w.Flush()
	warnFailing(env.Stderr, env.Prog, "", st.Webhooks)
	printNotifiers(env, st)
}

func parens(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// legacyStatus prints gluster-eventsapi's status for this node: the webhook
// URLs of the cluster config (as Gluster's lists its webhooks.json, whether
// the daemon runs or not; redacted), then NODE / NODE STATUS /
// GLUSTEREVENTSD STATUS. Unlike Gluster's, the status column says whether
// the daemon really answers: UP, DOWN (not running) or NOT RESPONDING (it
// timed out or answered with an error, which goes to stderr).
func legacyStatus(env *Env, g *Globals, err error) error {
	_, cl, cerr := nodeCluster(g)
	if cerr != nil {
		return cerr
	}
	urls := []string{}
	for _, w := range cl.Webhooks {
		urls = append(urls, config.RedactURL(w.URL))
	}
	ok, state := err == nil, "UP"
	switch {
	case errors.Is(err, api.ErrUnreachable):
		state = "DOWN"
	case err != nil:
		state = "NOT RESPONDING"
		fmt.Fprintf(env.Stderr, "%s: warning: %v\n", env.Prog, err)
	}
	if g.JSON {
		out := legacyNodeTable("glustereventsd", ok, "")
		out["output"].([]map[string]string)[0]["glustereventsd_status"] = state
		out["webhooks"] = urls
		return env.printJSON(out)
	}
	fmt.Fprintln(env.Stdout, "Webhooks: ")
	if len(urls) == 0 {
		fmt.Fprintln(env.Stdout, "None")
	}
	for _, u := range urls {
		fmt.Fprintln(env.Stdout, u)
	}
	fmt.Fprintln(env.Stdout)
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "NODE\tNODE STATUS\tGLUSTEREVENTSD STATUS\t")
	fmt.Fprintf(w, "localhost\tUP\t%s\t\n", state)
	return w.Flush()
}
