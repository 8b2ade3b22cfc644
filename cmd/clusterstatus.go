package cmd

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
)

// statusRow makes a node-status row's cell the daemon's state (UP, DOWN,
// NOT RESPONDING) and its OK whether the daemon is up: gluster-eventsapi
// printed OK for a dead daemon.
func statusRow(r *nodeResult) {
	st, ok := decodeStatus(r)
	if !ok {
		return
	}
	r.Cell, r.OK = st.Daemon, st.Daemon == "UP"
	if !r.OK {
		r.Error = st.DaemonError
	}
}

func decodeStatus(r *nodeResult) (*peerStatus, bool) {
	if !r.Up || len(r.Output) == 0 {
		return nil, false
	}
	var st peerStatus
	if json.Unmarshal(r.Output, &st) != nil || st.Daemon == "" {
		return nil, false
	}
	return &st, true
}

// statusNode is one node of the native status --json.
type statusNode struct {
	nativeRow
	Daemon         string `json:"daemon,omitempty"`
	Generation     int64  `json:"generation"`
	Origin         string `json:"origin"`
	JournalLastSeq uint64 `json:"journal_last_seq"`
	// RunningGeneration is the generation the daemon runs, when it is up:
	// behind Generation after a reload that failed.
	RunningGeneration int64 `json:"running_generation,omitempty"`
	// Diverges says that the node's config is not the newest any node
	// holds.
	Diverges bool `json:"diverges"`
	// NotifiersOK counts the node's notifiers that deliver;
	// NotifiersFailing lists (the first few of) the others.
	NotifiersOK      int            `json:"notifiers_ok"`
	NotifiersFailing []peerNotifier `json:"notifiers_failing,omitempty"`
}

// clusterStatus prints every node's status (see StatusCmd.Help).
func (env *Env) clusterStatus(g *Globals, node *config.Node, rows []nodeResult) error {
	statuses := make([]*peerStatus, len(rows))
	var newest *cluster.Version
	for i := range rows {
		st, ok := decodeStatus(&rows[i])
		if !ok {
			continue
		}
		statuses[i] = st
		if st.ConfigError == "" && (newest == nil || st.Version.Newer(*newest)) {
			newest = &st.Version
		}
	}
	diverges := make([]bool, len(rows))
	var behind []string
	for i, st := range statuses {
		if st != nil && newest != nil && (st.ConfigError != "" || !st.Version.Same(*newest)) {
			diverges[i] = true
			behind = append(behind, fmt.Sprintf("%s holds generation %d", rows[i].Node, st.Generation))
		}
	}
	if g.Legacy {
		return env.legacyClusterStatus(g, node, rows)
	}
	err := daemonsError(rows, g.JSON)
	if g.JSON {
		nodes := make([]statusNode, len(rows))
		for i := range rows {
			n := statusNode{nativeRow: nativeRows(rows[i : i+1])[0], Diverges: diverges[i]}
			if st := statuses[i]; st != nil {
				n.Daemon, n.Generation, n.Origin, n.JournalLastSeq = st.Daemon, st.Generation, st.Origin, st.JournalLastSeq
				if st.Daemon == "UP" {
					n.RunningGeneration = st.RunningGeneration
					n.NotifiersOK, n.NotifiersFailing = st.NotifiersOK, st.Notifiers
				}
			}
			nodes[i] = n
		}
		out := map[string]any{"ok": err == nil, "nodes": nodes, "divergent": len(behind) > 0}
		if newest != nil {
			out["newest"] = newest
		}
		if st := localState(env, node); st != nil {
			out["state"] = st
		}
		if perr := env.printJSON(out); perr != nil {
			return perr
		}
		return err
	}
	head := []string{"GENERATION", "JOURNAL SEQ", "WEBHOOKS"}
	if perr := writeNodeTable(env.Stdout, "daemon", rows, head, func(i int) []string {
		st := statuses[i]
		if st == nil {
			return []string{"-", "-", "-"}
		}
		gen := fmt.Sprint(st.Generation)
		if st.Daemon == "UP" && st.RunningGeneration != st.Generation {
			gen += fmt.Sprintf(" (runs %d)", st.RunningGeneration)
		}
		if diverges[i] {
			gen += " *"
		}
		seq := "-"
		if st.Daemon == "UP" {
			seq = fmt.Sprint(st.JournalLastSeq)
		}
		return []string{gen, seq, webhookSummary(st) + notifierSummary(st)}
	}); perr != nil {
		return perr
	}
	if st := localState(env, node); st != nil {
		fmt.Fprintf(env.Stdout, "\nVolumes: %s\n", volumesSummary(st))
		for _, v := range st.Volumes {
			fmt.Fprintf(env.Stdout, "  %s: %s %s, %s, %d/%d bricks online\n", v.Name, v.Type, v.Status, v.Health, v.OnlineBrickCount, v.BrickCount)
		}
	}
	if len(behind) > 0 {
		fmt.Fprintf(env.Stderr, "%s: warning: the nodes' configs differ (* above): the newest is %s; %s. "+
			"Nodes catch up by themselves; 'gluster-eventing sync' makes every node hold this node's\n",
			env.Prog, newest, strings.Join(behind, ", "))
	}
	for i, st := range statuses {
		if st != nil && st.Daemon == "NOT RESPONDING" {
			fmt.Fprintf(env.Stderr, "%s: warning: on %s: the daemon runs but does not answer: %s\n", env.Prog, rows[i].Node, st.DaemonError)
		}
		if st != nil && st.ConfigError != "" {
			fmt.Fprintf(env.Stderr, "%s: warning: on %s: its cluster config does not load: %s\n", env.Prog, rows[i].Node, st.ConfigError)
		}
		if st == nil || st.Daemon != "UP" {
			continue
		}
		warnFailing(env.Stderr, env.Prog, "on "+rows[i].Node+": ", peerWebhooks(st.Webhooks))
		warnFailingNotifiers(env, "on "+rows[i].Node+": ", st.notifierHealth())
	}
	return err
}

// webhookSummary is a node's WEBHOOKS cell: how many are ok and how many
// are not, by state.
func webhookSummary(st *peerStatus) string {
	n := len(st.Webhooks) + st.More
	if n == 0 {
		return "none"
	}
	if st.Daemon != "UP" {
		return fmt.Sprintf("%d, not delivering", n)
	}
	counts := map[string]int{}
	var order []string
	for _, w := range st.Webhooks {
		s := w.State
		if s != "ok" {
			s = strings.ToUpper(s)
			if w.State == "retrying" {
				s = "FAILING"
			}
		}
		if counts[s] == 0 {
			order = append(order, s)
		}
		counts[s]++
	}
	var parts []string
	for _, s := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	if st.More > 0 {
		parts = append(parts, fmt.Sprintf("%d more", st.More))
	}
	return strings.Join(parts, ", ")
}

func peerWebhooks(ws []peerWebhook) []api.Webhook {
	out := make([]api.Webhook, len(ws))
	for i, w := range ws {
		out[i] = api.Webhook{ID: w.ID, Name: w.Name, URL: w.URL, State: w.State, FailingSince: w.FailingSince,
			LastStatus: w.LastStatus, QueueDepth: w.QueueDepth, DeadLetters: w.DeadLetters}
	}
	return out
}

// daemonsError is status's exit: 4 when some daemons are not up, 3 when
// none is.
func daemonsError(rows []nodeResult, printed bool) error {
	code := resultsCode(rows)
	if code == ExitOK {
		return nil
	}
	var down []string
	for i := range rows {
		if !rows[i].OK {
			down = append(down, rows[i].Node)
		}
	}
	msg := fmt.Sprintf("the daemon is not up on %d of %d nodes: %s", len(down), len(rows), strings.Join(down, ", "))
	if code == ExitAllNodesFailed {
		msg = "the daemon is not up on any node"
	}
	return &Error{Code: code, Err: fmt.Errorf("%s", msg), Printed: printed,
		Hints: []string{"'gluster-eventing start' starts it on every node"}}
}

// legacyClusterStatus is gluster-eventsapi's status for the cluster: the
// webhook URLs (redacted), then NODE | NODE STATUS | GLUSTEREVENTSD
// STATUS with the daemon's true state. Its exit status is 0, as
// gluster-eventsapi's.
func (env *Env) legacyClusterStatus(g *Globals, node *config.Node, rows []nodeResult) error {
	cl, err := clusterOf(node)
	if err != nil {
		return err
	}
	urls := []string{}
	for _, w := range cl.Webhooks {
		urls = append(urls, config.RedactURL(w.URL))
	}
	if g.JSON {
		return env.printJSON(map[string]any{"output": legacyRows("glustereventsd", rows), "webhooks": urls, "error": ""})
	}
	fmt.Fprintln(env.Stdout, "Webhooks: ")
	if len(urls) == 0 {
		fmt.Fprintln(env.Stdout, "None")
	}
	for _, u := range urls {
		fmt.Fprintln(env.Stdout, u)
	}
	fmt.Fprintln(env.Stdout)
	return writeNodeTable(env.Stdout, "glustereventsd", rows, nil, nil)
}

// localState is the cluster's state as this node's daemon sees it
// (glusterd's view, the same on every node), nil when it does not answer:
// status shows the volumes and their health after the node table.
func localState(env *Env, node *config.Node) *api.State {
	client := api.NewClient(node.APISocket)
	client.Timeout = 3 * time.Second
	st, err := client.State(env.Ctx)
	if err != nil {
		return nil
	}
	return st
}
