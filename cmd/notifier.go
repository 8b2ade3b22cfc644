package cmd

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gluster/gluster-eventing/daemon"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/webhooks"
)

// The notifier commands are shaped like the webhook ones: notifier-add
// KIND (one subcommand per kind, each kind's flags in its own file:
// notifier_exec.go, notifier_email.go, notifier_snmp.go), notifier-mod,
// notifier-del, notifier-list and notifier-test, cluster-wide through the
// cluster change machinery (clusterchange.go).
//
// A kind plugs in with
//   - a subcommand of NotifierAddCmd (a field, its struct embedding
//     notifierFlags and the kind's flags, whose Run calls addNotifier);
//   - its flags, a type implementing kindFlags, embedded in NotifierModCmd
//     and listed by NotifierModCmd.kinds, so that notifier-mod changes them
//     and refuses them for a notifier of another kind.

// notifierFlags are the settings every kind shares, for notifier-add and
// notifier-mod.
type notifierFlags struct {
	Name        string        `help:"A unique name to refer to the notifier by, instead of its id." placeholder:"NAME"`
	Filter      *string       `help:"Only the events this filter expression selects (see gluster-eventing.toml(5), FILTERS): 'severity:critical', 'category:brick category:quorum severity:warning', '!Volume.*'. '' clears it." placeholder:"EXPR"`
	Channel     *string       `help:"Only the events of this channel (a [channels.NAME] of the cluster config; see channel-list). '' clears it." placeholder:"NAME"`
	Timeout     time.Duration `help:"Timeout of one delivery attempt (for exec: the command's run, after which its process group is killed; default 15s)."`
	MaxInFlight int           `aliases:"concurrency" help:"Concurrent deliveries (1-64; for exec, commands running at once; default 1 = strictly in order)."`
	MaxAge      time.Duration `help:"How long an event is retried before it is dead-lettered (default 72h)."`
	MaxAttempts int           `help:"Dead-letter an event after this many failed attempts (default 0: retry until --max-age)."`
	Dedup       *bool         `negatable:"" help:"Do not deliver an event that says what the last one about the same brick, volume, peer or service said. Off by default."`
}

func (f *notifierFlags) apply(n *config.Notifier) {
	if f.Name != "" {
		n.Name = f.Name
	}
	if f.Filter != nil {
		n.Filter = *f.Filter
	}
	if f.Channel != nil {
		n.Channel = *f.Channel
	}
	if f.Timeout > 0 {
		n.Timeout = config.Duration(f.Timeout)
	}
	if f.MaxInFlight > 0 {
		n.MaxInFlight = f.MaxInFlight
	}
	if f.MaxAge > 0 {
		n.MaxAge = config.Duration(f.MaxAge)
	}
	if f.MaxAttempts > 0 {
		n.MaxAttempts = f.MaxAttempts
	}
	if f.Dedup != nil {
		n.Dedup = *f.Dedup
	}
}

// kindFlags are one kind's flags of notifier-add and notifier-mod.
type kindFlags interface {
	// kind is the notifier kind the flags are for (config.KindExec...).
	kind() string
	// given names the flags set on the command line, so that notifier-mod
	// refuses them for a notifier of another kind.
	given() []string
	// apply sets them in n, whose kind sub-table it creates if it is nil
	// (notifier-add); env reads files (passwords) and stdin.
	apply(env *Env, n *config.Notifier) error
}

// flagGiven is one of a kind's flags, for kindFlags.given: its name and
// whether the command line set it.
type flagGiven struct {
	name string
	set  bool
}

// givenNames names the flags of fs that are set, in order.
func givenNames(fs []flagGiven) []string {
	var names []string
	for _, f := range fs {
		if f.set {
			names = append(names, f.name)
		}
	}
	return names
}

// NotifierAddCmd adds a notifier of a kind; the kinds are its subcommands.
type NotifierAddCmd struct {
	Exec  NotifierAddExecCmd  `cmd:"" name:"exec" help:"Run a command for each event (or batch), the event as JSON on stdin and in GLUSTER_* variables."`
	Email NotifierAddEmailCmd `cmd:"" name:"email" help:"Mail the events through an SMTP server, at most one mail per --interval."`
	SNMP  NotifierAddSNMPCmd  `cmd:"" name:"snmp" help:"Send each event to an SNMP manager as a v2c or v3 trap or inform (GLUSTER-EVENTING-MIB)."`
}

// Help is the detail of notifier-add --help.
func (c *NotifierAddCmd) Help() string {
	return "A notifier is a consumer of the journal like a webhook: it gets a stable id, printed here and by notifier-list, " +
		"and the events journaled from now on, each retried with backoff until --max-age and dead-lettered after, " +
		"with its health in 'status' and /metrics. Give the kind first: 'notifier-add exec --name pager -- /usr/local/bin/page-oncall --urgent'."
}

// addNotifier adds a new notifier of flags' kind on every node.
func addNotifier(env *Env, g *Globals, common *notifierFlags, flags kindFlags) error {
	out := map[string]any{}
	return changeCluster(env, g, change{done: "notifier added", extra: out, syncFailed: ExitWebhookSyncFailed, fn: func(cl *config.Cluster) error {
		if common.Name != "" && cl.FindNotifier(common.Name) != nil {
			return errorf(ExitWebhookExists, "a notifier named %q already exists", common.Name)
		}
		n := config.DefaultNotifier()
		n.ID = config.NewWebhookID()
		n.Kind = flags.kind()
		out["id"] = n.ID
		common.apply(&n)
		if err := flags.apply(env, &n); err != nil {
			return err
		}
		if err := n.Validate(); err != nil {
			return &Error{Code: ExitInvalidConfig, Err: err}
		}
		cl.Notifiers = append(cl.Notifiers, n)
		return nil
	}})
}

// NotifierModCmd changes a notifier's settings; flags left out keep their
// value.
type NotifierModCmd struct {
	Ref string `arg:"" name:"notifier" help:"The notifier's id or name."`
	// Command replaces an exec notifier's command: notifier-mod REF --
	// /new/program args.
	Command []string `arg:"" optional:"" passthrough:"" name:"command" help:"exec: a new command and its arguments, after --."`
	notifierFlags
	ExecFlags  execFlags  `embed:""`
	EmailFlags emailFlags `embed:""`
	SNMPFlags  snmpFlags  `embed:""`
}

// kinds are the kind flag sets of notifier-mod.
func (c *NotifierModCmd) kinds() []kindFlags {
	return []kindFlags{&c.ExecFlags, &c.EmailFlags, &c.SNMPFlags}
}

func (c *NotifierModCmd) Run(env *Env, g *Globals) error {
	out := map[string]any{}
	return changeCluster(env, g, change{done: "notifier modified", extra: out, syncFailed: ExitWebhookSyncFailed, fn: func(cl *config.Cluster) error {
		n := cl.FindNotifier(c.Ref)
		if n == nil {
			return missingNotifier(c.Ref)
		}
		out["id"] = n.Key()
		if c.Name != "" && c.Name != n.Name && cl.FindNotifier(c.Name) != nil {
			return errorf(ExitWebhookExists, "a notifier named %q already exists", c.Name)
		}
		c.notifierFlags.apply(n)
		c.ExecFlags.command = stripDashes(c.Command)
		if len(c.ExecFlags.command) > 0 {
			warnProgram(env, c.ExecFlags.command[0])
		}
		for _, f := range c.kinds() {
			given := f.given()
			if len(given) == 0 {
				continue
			}
			if f.kind() != n.Kind {
				return errorf(ExitUsage, "%s: only for %s notifiers; %s is a %s notifier", strings.Join(given, ", "), f.kind(), c.Ref, n.Kind)
			}
			if err := f.apply(env, n); err != nil {
				return err
			}
		}
		if err := n.Validate(); err != nil {
			return &Error{Code: ExitInvalidConfig, Err: err}
		}
		return nil
	}})
}

// NotifierDelCmd deletes a notifier.
type NotifierDelCmd struct {
	Ref string `arg:"" name:"notifier" help:"The notifier's id or name."`
}

func (c *NotifierDelCmd) Run(env *Env, g *Globals) error {
	return changeCluster(env, g, change{done: "notifier deleted", syncFailed: ExitWebhookSyncFailed,
		fn: removing(c.Ref, (*config.Cluster).RemoveNotifier, missingNotifier)})
}

func missingNotifier(ref string) error {
	return &Error{Code: ExitWebhookMissing, Err: fmt.Errorf("notifier %s does not exist", ref),
		Hints: []string{"'gluster-eventing notifier-list' shows the configured notifiers, their ids and names"}}
}

// NotifierListCmd lists the configured notifiers (secrets redacted), and
// how each is doing on this node when the daemon answers.
type NotifierListCmd struct {
	Timeout time.Duration `help:"How long to wait for the daemon's delivery health." default:"5s"`
}

// listedNotifier is one entry of notifier-list --json: the notifier's
// config (secrets redacted), where it delivers, and its delivery health on
// this node, null when the daemon does not answer.
type listedNotifier struct {
	config.Notifier
	Target string        `json:"target"`
	Health *api.Notifier `json:"health"`
}

func (c *NotifierListCmd) Run(env *Env, g *Globals) error {
	node, cl, err := env.shownCluster(g)
	if err != nil {
		return err
	}
	red := cl.Redacted()
	health := map[string]*api.Notifier{}
	client := api.NewClient(node.APISocket)
	client.Timeout = c.Timeout
	var hs []api.Notifier
	st, herr := client.Status(env.Ctx)
	if herr == nil {
		hs = st.Notifiers
	}
	for i := range hs {
		health[hs[i].ID] = &hs[i]
	}
	if g.JSON {
		out := make([]listedNotifier, len(red.Notifiers))
		for i, n := range red.Notifiers {
			out[i] = listedNotifier{Notifier: n, Target: n.Target(), Health: health[n.Key()]}
		}
		return env.printJSON(out)
	}
	if len(red.Notifiers) == 0 {
		fmt.Fprintln(env.Stdout, "no notifiers")
		return nil
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tKIND\tTARGET\tFILTER\tSTATE\tQUEUE\tDEAD\tLAST ERROR")
	for _, n := range red.Notifiers {
		state, queue, dead, last := "?", "?", "?", "?"
		if h := health[n.Key()]; h != nil {
			state, last = notifierState(h), orDash(h.LastError)
			queue, dead = fmt.Sprint(h.QueueDepth), fmt.Sprint(h.DeadLetters)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.Key(), orDash(n.Name), n.Kind, n.Target(),
			notifierFilterText(&n), state, queue, dead, last)
	}
	w.Flush()
	if herr != nil {
		fmt.Fprintf(env.Stderr, "%s: note: no delivery health (STATE ?): %v\n", env.Prog, herr)
	}
	warnFailingNotifiers(env, "", hs)
	return nil
}

// notifierFilterText is a notifier's filter for tables: "all", or the
// expression and channel.
func notifierFilterText(n *config.Notifier) string {
	var parts []string
	if n.Filter != "" {
		parts = append(parts, n.Filter)
	}
	if n.Channel != "" {
		parts = append(parts, "channel:"+n.Channel)
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}

// notifierState is a notifier's state for tables.
func notifierState(h *api.Notifier) string { return deliveryState(h.State, h.FailingSince) }

// warnFailingNotifiers writes one line to stderr for every notifier that
// is not delivering; where ("on node2: ") says on which node.
func warnFailingNotifiers(env *Env, where string, hs []api.Notifier) {
	for i := range hs {
		h := &hs[i]
		if h.State == "ok" && h.DeadLetters == 0 {
			continue
		}
		name := h.ID
		if h.Name != "" {
			name += " (" + h.Name + ")"
		}
		var what []string
		switch h.State {
		case "retrying":
			when := "failing"
			if !h.FailingSince.IsZero() {
				when += " since " + since(h.FailingSince)
			}
			what = append(what, fmt.Sprintf("%s, last error %s, %d events waiting", when, orDash(h.LastError), h.QueueDepth))
		case "disabled":
			what = append(what, "disabled; change its config (notifier-mod) to enable it")
		case "stopped":
			what = append(what, "stopped: "+orDash(h.LastError))
		}
		if h.DeadLetters > 0 {
			what = append(what, fmt.Sprintf("%d events dead-lettered (notifier-dead-letters %s)", h.DeadLetters, h.ID))
		}
		if h.Target != "" {
			name += " " + h.Target
		}
		fmt.Fprintf(env.Stderr, "%s: warning: %s%s notifier %s: %s\n", env.Prog, where, h.Kind, name, strings.Join(what, "; "))
	}
}

// NotifierTestCmd sends a test event through a notifier from every node.
type NotifierTestCmd struct {
	Ref     string        `arg:"" name:"notifier" help:"The notifier's id or name."`
	Timeout time.Duration `help:"Timeout of the test delivery (default: the notifier's timeout)."`
}

// Help is the detail of notifier-test --help.
func (c *NotifierTestCmd) Help() string {
	return "Each node sends one synthetic TEST event (seq 0, not journaled) through the notifier, with the notifier's " +
		"settings, as that node's daemon would: an exec notifier runs its command there, so this checks the " +
		"command exists and succeeds on every node."
}

func (c *NotifierTestCmd) Run(env *Env, g *Globals) error {
	node, cl, err := nodeCluster(g)
	if err != nil {
		return err
	}
	n := cl.FindNotifier(c.Ref)
	if n == nil {
		return missingNotifier(c.Ref)
	}
	args := []string{n.Key()}
	if c.Timeout > 0 {
		args = append(args, c.Timeout.String())
	}
	a := clusterAction{action: cluster.ActionNotifierTest, args: args, col: "notifier", what: "notifier test"}
	return env.onEveryNode(g, node, a, func() error {
		res := sendNotifierTest(env, *n, selfID(node), c.Timeout)
		switch {
		case g.JSON:
			if perr := env.printJSON(res); perr != nil {
				return perr
			}
		case res.OK:
			fmt.Fprintf(env.Stdout, "%s notifier %s: OK (%.2fs)\n", n.Kind, n.Key(), res.Duration)
		}
		if !res.OK {
			return &Error{Code: ExitAllNodesFailed, Err: fmt.Errorf("notifier test %s: %s", n.Key(), res.Error), Printed: g.JSON}
		}
		return nil
	})
}

// sendNotifierTest sends the test event through n from this node.
func sendNotifierTest(env *Env, n config.Notifier, nodeID string, timeout time.Duration) api.NotifierTest {
	if timeout > 0 {
		n.Timeout = config.Duration(timeout)
	}
	start := time.Now()
	res := webhooks.SendTest(env.Ctx, n, daemon.Sinks(), webhooks.SinkEnv{NodeID: nodeID, Version: versionString(env.Version)})
	out := api.NotifierTest{Node: nodeID, OK: res.Verdict == webhooks.Delivered, Status: res.Status, Duration: time.Since(start).Seconds()}
	if !out.OK {
		out.Error = "failed"
		if res.Err != nil {
			out.Error = res.Err.Error()
		}
	}
	return out
}

// PeerNotifierTestCmd is node-notifier-test ID [TIMEOUT]: the test of a
// configured notifier, from this node.
type PeerNotifierTestCmd struct {
	ID      string `arg:"" help:"The notifier's id."`
	Timeout string `arg:"" optional:"" help:"Timeout of the test delivery (a Go duration)."`
}

func (c *PeerNotifierTestCmd) Run(p *peerEnv) error {
	cl, err := p.needCluster()
	if err != nil {
		return err
	}
	n := cl.FindNotifier(c.ID)
	if n == nil {
		return fmt.Errorf("notifier %s does not exist in this node's config", c.ID)
	}
	var timeout time.Duration
	if c.Timeout != "" {
		if timeout, err = time.ParseDuration(c.Timeout); err != nil {
			return fmt.Errorf("timeout %q: %w", c.Timeout, err)
		}
	}
	res := sendNotifierTest(p.env, *n, p.nodeID, timeout)
	if !res.OK {
		p.fail(res, errors.New(res.Error))
		return nil
	}
	p.ok(res)
	return nil
}

// printNotifiers prints status --local's notifier table; nothing when
// there are none.
func printNotifiers(env *Env, st *api.Status) {
	if len(st.Notifiers) == 0 {
		return
	}
	fmt.Fprintln(env.Stdout)
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NOTIFIER\tNAME\tKIND\tTARGET\tSTATE\tQUEUE\tDELIVERED\tFAILED\tDEAD\tLAST ERROR")
	for i := range st.Notifiers {
		h := &st.Notifiers[i]
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", h.ID, orDash(h.Name), h.Kind, h.Target, notifierState(h),
			h.QueueDepth, h.Delivered, h.Failed, h.DeadLetters, orDash(h.LastError))
	}
	w.Flush()
	warnFailingNotifiers(env, "", st.Notifiers)
}

// maxPeerNotifiers bounds the failing notifiers a node-status reply lists,
// and maxPeerError their error text, so that the reply fits glusterd's
// line.
const (
	maxPeerNotifiers = 4
	maxPeerError     = 120
)

// peerNotifier is a notifier that is not ok, in node-status's reply.
type peerNotifier struct {
	ID           string    `json:"id"`
	Name         string    `json:"name,omitempty"`
	Kind         string    `json:"kind"`
	State        string    `json:"state"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	QueueDepth   uint64    `json:"queue_depth"`
	DeadLetters  uint64    `json:"dead_letters"`
}

// peerNotifiers are a node's notifiers for node-status: the first few that
// are not ok, and how many are.
func peerNotifiers(hs []api.Notifier) (failing []peerNotifier, ok int) {
	for _, h := range hs {
		if h.State == "ok" && h.DeadLetters == 0 {
			ok++
			continue
		}
		if len(failing) == maxPeerNotifiers {
			continue
		}
		last := h.LastError
		if len(last) > maxPeerError {
			last = strings.ToValidUTF8(last[:maxPeerError], "") + "..."
		}
		failing = append(failing, peerNotifier{ID: h.ID, Name: h.Name, Kind: h.Kind, State: h.State, FailingSince: h.FailingSince,
			LastError: last, QueueDepth: h.QueueDepth, DeadLetters: h.DeadLetters})
	}
	return failing, ok
}

// notifierHealth is the health warnFailingNotifiers reads, from a node's
// reply.
func (st *peerStatus) notifierHealth() []api.Notifier {
	out := make([]api.Notifier, len(st.Notifiers))
	for i, n := range st.Notifiers {
		out[i] = api.Notifier{ID: n.ID, Name: n.Name, Kind: n.Kind, State: n.State, FailingSince: n.FailingSince,
			LastError: n.LastError, QueueDepth: n.QueueDepth, DeadLetters: n.DeadLetters}
	}
	return out
}

// notifierSummary is what the WEBHOOKS cell of status adds for a node's
// notifiers: "" when it has none.
func notifierSummary(st *peerStatus) string {
	bad := len(st.Notifiers)
	if bad+st.NotifiersOK == 0 || st.Daemon != "UP" {
		return ""
	}
	parts := []string{fmt.Sprintf("%d ok", st.NotifiersOK)}
	counts := map[string]int{}
	var order []string
	for _, n := range st.Notifiers {
		state := strings.ToUpper(n.State)
		switch {
		case n.State == "retrying":
			state = "FAILING"
		case n.State == "ok":
			state = "with dead letters"
		}
		if counts[state] == 0 {
			order = append(order, state)
		}
		counts[state]++
	}
	for _, state := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[state], state))
	}
	return "; notifiers " + strings.Join(parts, ", ")
}
