package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/gluster/gluster-eventing/daemon"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/gluster"
	"github.com/gluster/gluster-eventing/internal/service"
	"github.com/gluster/gluster-eventing/webhooks"
)

// PeerCLI is the command tree of peer_gluster-eventing, the program
// glusterd's system:: execute runs on every node: the node-side actions
// only, so that nothing else of the command line is reachable through
// glusterd. Every action prints cluster.Reply JSON lines, each shorter
// than glusterd's line limit, and the program always exits 0 (a non-zero
// exit on one node fails the whole transaction): errors, usage errors
// included, travel in the replies.
type PeerCLI struct {
	Config string `help:"Node-local config file." default:"${default_config}" env:"GLUSTER_EVENTING_CONFIG" placeholder:"PATH"`

	NodeStatus        PeerStatusCmd        `cmd:"" name:"node-status" help:"This node's daemon state, config version and webhook health."`
	NodeReload        PeerReloadCmd        `cmd:"" name:"node-reload" help:"Reload this node's daemon."`
	NodeStart         PeerStartCmd         `cmd:"" name:"node-start" help:"Start this node's daemon."`
	NodeStop          PeerStopCmd          `cmd:"" name:"node-stop" help:"Stop this node's daemon."`
	NodeRestart       PeerRestartCmd       `cmd:"" name:"node-restart" help:"Restart this node's daemon."`
	NodeWebhookTest   PeerWebhookTestCmd   `cmd:"" name:"node-webhook-test" help:"Send a test event from this node."`
	NodeNotifierTest  PeerNotifierTestCmd  `cmd:"" name:"node-notifier-test" help:"Send a test event through a configured notifier from this node."`
	NodeConfig        PeerConfigCmd        `cmd:"" name:"node-config" help:"This node's cluster config version, and with 'content' the config itself, in chunks."`
	NodePrepare       PeerPrepareCmd       `cmd:"" name:"node-prepare" help:"Create <glusterd workdir>/events if it is missing."`
	NodeInstallConfig PeerInstallConfigCmd `cmd:"" name:"node-install-config" help:"Check and install the staged cluster config, then reload the daemon."`
}

// peerActions are the commands of PeerCLI, for the unknown-action error.
var peerActions = []string{cluster.ActionStatus, cluster.ActionReload, cluster.ActionStart, cluster.ActionStop,
	cluster.ActionRestart, cluster.ActionWebhookTest, cluster.ActionConfig, cluster.ActionPrepare, cluster.ActionInstallConfig,
	cluster.ActionNotifierTest}

// peerEnv is what the peer actions get by kong binding.
type peerEnv struct {
	env    *Env
	ctx    context.Context
	w      io.Writer
	nodeID string
	// node is the node config (the defaults when it could not be read:
	// nodeErr says why).
	node       *config.Node
	nodeErr    error
	nodeConfig string
}

// runPeer runs the peer program. It returns 0 whatever happens.
func (env *Env) runPeer(args []string) (code int) {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	p := &peerEnv{env: env, ctx: env.Ctx, w: env.Stdout}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exitPanic); !ok { // kong's exit after --help is fine
				p.resolve("")
				p.fail(nil, fmt.Errorf("internal error: %v", r))
			}
		}
		code = 0
	}()
	cli := &PeerCLI{}
	parser, err := kong.New(cli,
		kong.Name(string(ProgPeerHelper)),
		kong.Description(description(ProgPeerHelper)),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(c int) { panic(exitPanic{c}) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
		kong.Vars{"default_config": DefaultNodeConfig},
	)
	if err != nil {
		p.resolve("")
		p.fail(nil, fmt.Errorf("building the command line: %w", err))
		return 0
	}
	if len(args) == 0 {
		p.resolve("")
		p.fail(nil, fmt.Errorf("no node action given; %s runs only %s", ProgPeerHelper, strings.Join(peerActions, ", ")))
		return 0
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		p.resolve("")
		if a := args[0]; !strings.HasPrefix(a, "-") && !slices.Contains(peerActions, a) {
			err = fmt.Errorf("unknown node action %q; %s runs only %s", a, ProgPeerHelper, strings.Join(peerActions, ", "))
		} else {
			err = fmt.Errorf("usage: %w", err)
		}
		p.fail(nil, err)
		return 0
	}
	p.resolve(cli.Config)
	kctx.Bind(p)
	if err := kctx.Run(); err != nil {
		p.fail(nil, err)
	}
	return 0
}

// resolve reads the node config (path "" = GLUSTER_EVENTING_CONFIG or the
// default) and finds this node's glusterd UUID, which every reply carries.
func (p *peerEnv) resolve(path string) {
	if path == "" {
		if path = p.env.Getenv("GLUSTER_EVENTING_CONFIG"); path == "" {
			path = DefaultNodeConfig
		}
	}
	p.nodeConfig = path
	n, err := config.LoadNode(path)
	switch {
	case errors.Is(err, config.ErrNotExist) && path == DefaultNodeConfig:
	case errors.Is(err, config.ErrNotExist):
		p.nodeErr = fmt.Errorf("node config %s does not exist", path)
	case err != nil:
		p.nodeErr = err
	}
	if n == nil {
		n = config.DefaultNode()
	}
	p.node = n
	if id, ok := daemon.LookupNodeID(n.GlusterdWorkdir, n.StateDir); ok {
		p.nodeID = id
		return
	}
	// glusterd.info is where glusterd keeps it; ask glusterd only when
	// that is missing.
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if id, err := (&gluster.CLI{}).UUID(ctx); err == nil {
		p.nodeID = id
	}
}

// needNode returns the node config, or why it could not be read.
func (p *peerEnv) needNode() (*config.Node, error) {
	if p.nodeErr != nil {
		return nil, p.nodeErr
	}
	return p.node, nil
}

// needCluster returns the cluster config the node config points to (the
// defaults when there is none), or why it could not be read.
func (p *peerEnv) needCluster() (*config.Cluster, error) {
	node, err := p.needNode()
	if err != nil {
		return nil, err
	}
	cl, err := config.LoadCluster(node.ClusterConfigPath())
	if err != nil && !errors.Is(err, config.ErrNotExist) {
		return nil, err
	}
	return cl, nil
}

// ok prints a successful reply.
func (p *peerEnv) ok(output any) { p.reply(true, output, nil) }

// fail prints a failed reply; output may be nil.
func (p *peerEnv) fail(output any, err error) { p.reply(false, output, err) }

func (p *peerEnv) reply(ok bool, output any, err error) {
	r := cluster.Reply{OK: ok, NodeID: p.nodeID}
	if err != nil {
		r.Error = strings.TrimSuffix(err.Error(), ".")
	}
	if output != nil {
		b, merr := json.Marshal(output)
		if merr != nil {
			r.OK, r.Error = false, "encoding the reply: "+merr.Error()
		} else {
			r.Output = b
		}
	}
	p.w.Write(peerLine(r))
}

// peerLine encodes r as one line, newline included, shorter than
// cluster.MaxLine: a reply too long loses its output, then the end of its
// error, and says so. (Actions with lists, node-status, shorten the list
// themselves first; see fitList.)
func peerLine(r cluster.Reply) []byte {
	b, _ := json.Marshal(r)
	if len(b)+1 < cluster.MaxLine {
		return append(b, '\n')
	}
	if r.Output != nil {
		r.OK = false
		r.Error = strings.TrimSpace(fmt.Sprintf("reply too long for glusterd (%d bytes; its limit is %d), output dropped. %s",
			len(b), cluster.MaxLine, r.Error))
		r.Output = nil
		return peerLine(r)
	}
	// Only the error is long: keep its start.
	over := len(b) + 1 - cluster.MaxLine + len("...") + 16 // JSON escaping slack
	if over >= len(r.Error) {
		r.Error = "error too long for glusterd's line limit"
	} else {
		r.Error = strings.ToValidUTF8(r.Error[:len(r.Error)-over], "") + "..."
	}
	return peerLine(r)
}

// fitList returns the largest k <= n for which the reply mk(k) fits in a
// line (k = 0 if none does): a list that is too long is cut, and the
// output says how many were left out.
func fitList(n int, mk func(k int) cluster.Reply) int {
	fits := func(k int) bool {
		b, _ := json.Marshal(mk(k))
		return len(b)+1 < cluster.MaxLine
	}
	if fits(n) {
		return n
	}
	lo, hi := 0, n // fits(lo) assumed, !fits(hi)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// apiTimeout bounds a call to the local daemon: glusterd waits for every
// node, so a stuck daemon must not hold the cluster command for long.
const apiTimeout = 5 * time.Second

// PeerStatusCmd is node-status.
type PeerStatusCmd struct{}

// peerStatus is node-status's output.
type peerStatus struct {
	// Status is "UP" when the daemon answers, else "DOWN" (the legacy
	// table's column); Daemon tells DOWN (not running) from NOT
	// RESPONDING.
	Status      string `json:"status"`
	Daemon      string `json:"daemon"`
	DaemonError string `json:"daemon_error,omitempty"`
	PID         int    `json:"pid,omitempty"`
	DaemonVer   string `json:"version,omitempty"`
	// The config file's version.
	cluster.Version
	ConfigExists bool   `json:"config_exists"`
	ConfigError  string `json:"config_error,omitempty"`
	// The config the daemon runs.
	RunningGeneration int64         `json:"running_generation"`
	RunningDigest     string        `json:"running_digest,omitempty"`
	JournalLastSeq    uint64        `json:"journal_last_seq"`
	Webhooks          []peerWebhook `json:"webhooks"`
	// More is the number of webhooks left out to keep the line short.
	More int `json:"more,omitempty"`
	// Notifiers are the notifiers that are not ok (a few; see
	// peerNotifiers); NotifiersOK counts the others.
	Notifiers   []peerNotifier `json:"notifiers,omitempty"`
	NotifiersOK int            `json:"notifiers_ok,omitempty"`
}

type peerWebhook struct {
	ID           string    `json:"id"`
	Name         string    `json:"name,omitempty"`
	URL          string    `json:"url"`
	State        string    `json:"state,omitempty"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	LastStatus   int       `json:"last_status,omitempty"`
	QueueDepth   uint64    `json:"queue_depth"`
	DeadLetters  uint64    `json:"dead_letters"`
}

func (c *PeerStatusCmd) Run(p *peerEnv) error {
	node, err := p.needNode()
	if err != nil {
		return err
	}
	out := peerStatus{Status: "DOWN", Daemon: "DOWN", Webhooks: []peerWebhook{}}
	cl, cerr := config.LoadCluster(node.ClusterConfigPath())
	switch {
	case cerr == nil:
		out.Version, out.ConfigExists = cluster.VersionOf(cl), true
	case errors.Is(cerr, config.ErrNotExist):
		out.Version = cluster.VersionOf(cl)
	default:
		out.ConfigError = cerr.Error()
	}
	client := api.NewClient(node.APISocket)
	client.Timeout = apiTimeout
	st, err := client.Status(p.ctx)
	switch {
	case err == nil:
		out.Status, out.Daemon = "UP", "UP"
		out.PID, out.DaemonVer = st.PID, st.Version
		out.RunningGeneration, out.RunningDigest = st.Config.Generation, st.Config.Digest
		out.JournalLastSeq = st.Journal.LastSeq
		for _, h := range st.Webhooks {
			out.Webhooks = append(out.Webhooks, peerWebhook{ID: h.ID, Name: h.Name, URL: h.URL, State: h.State,
				FailingSince: h.FailingSince, LastStatus: h.LastStatus, QueueDepth: h.QueueDepth, DeadLetters: h.DeadLetters})
		}
		out.Notifiers, out.NotifiersOK = peerNotifiers(st.Notifiers)
	case errors.Is(err, api.ErrUnreachable):
		out.DaemonError = "not running"
	default:
		out.Daemon, out.DaemonError = "NOT RESPONDING", err.Error()
	}
	if err != nil && cl != nil {
		for _, w := range cl.Webhooks {
			out.Webhooks = append(out.Webhooks, peerWebhook{ID: w.Key(), Name: w.Name, URL: config.RedactURL(w.URL)})
		}
	}
	all := out.Webhooks
	mk := func(k int) cluster.Reply {
		o := out
		o.Webhooks, o.More = all[:k], len(all)-k
		b, _ := json.Marshal(o)
		return cluster.Reply{OK: true, NodeID: p.nodeID, Output: b}
	}
	k := fitList(len(all), mk)
	out.Webhooks, out.More = all[:k], len(all)-k
	p.ok(out)
	return nil
}

// PeerReloadCmd is node-reload.
type PeerReloadCmd struct{}

func (c *PeerReloadCmd) Run(p *peerEnv) error {
	node, err := p.needNode()
	if err != nil {
		return err
	}
	res, err := reloadDaemon(p.ctx, node)
	if err != nil {
		p.fail(map[string]any{"reloaded": false}, err)
		return nil
	}
	p.ok(map[string]any{"reloaded": true, "generation": res.Generation, "webhooks": res.Webhooks})
	return nil
}

// reloadDaemon has the local daemon reload and apply its config.
func reloadDaemon(ctx context.Context, node *config.Node) (*api.ReloadResult, error) {
	client := api.NewClient(node.APISocket)
	client.Timeout = defaultReloadTimeout
	res, err := client.Reload(ctx)
	if msg, ok := reloadRefused(err); ok {
		return nil, fmt.Errorf("the daemon refused the config and keeps its running one: %s", msg)
	}
	return res, err
}

// PeerStartCmd is node-start.
type PeerStartCmd struct{}

func (c *PeerStartCmd) Run(p *peerEnv) error { return p.control((*service.Control).Start) }

// PeerStopCmd is node-stop.
type PeerStopCmd struct{}

func (c *PeerStopCmd) Run(p *peerEnv) error { return p.control((*service.Control).Stop) }

// PeerRestartCmd is node-restart.
type PeerRestartCmd struct{}

func (c *PeerRestartCmd) Run(p *peerEnv) error { return p.control((*service.Control).Restart) }

func (p *peerEnv) control(op func(*service.Control, context.Context) (service.Outcome, error)) error {
	node, err := p.needNode()
	if err != nil {
		return err
	}
	ctl := &service.Control{Node: node}
	if p.nodeConfig != DefaultNodeConfig {
		ctl.NodeConfig = p.nodeConfig
	}
	out, err := op(ctl, p.ctx)
	if err != nil {
		p.fail(out, err)
		return nil
	}
	p.ok(out)
	return nil
}

// PeerWebhookTestCmd is node-webhook-test: Gluster's arguments (URL, token
// and secret, "." for none), where the URL may also be a configured
// webhook's id or name (its settings are used then).
type PeerWebhookTestCmd struct {
	URL    string `arg:"" help:"Webhook URL, or a configured webhook's id or name."`
	Token  string `arg:"" optional:"" help:"Bearer token, or . for none."`
	Secret string `arg:"" optional:"" help:"JWT secret, or . for none."`
}

func (c *PeerWebhookTestCmd) Run(p *peerEnv) error {
	cl, err := p.needCluster()
	if err != nil {
		return err
	}
	w := config.DefaultWebhook() // legacy, as Gluster's test
	if existing := cl.Find(c.URL); existing != nil {
		w = *existing
	} else {
		w.URL = c.URL
	}
	if c.Token != "" && c.Token != "." {
		w.Token = c.Token
	}
	if c.Secret != "" && c.Secret != "." {
		w.Secret = c.Secret
	}
	out := map[string]any{"url": config.RedactURL(w.URL), "status": 0}
	if err := w.Validate(); err != nil {
		p.fail(out, err)
		return nil
	}
	status, err := webhooks.SendTestEvent(p.ctx, w, p.nodeID, versionString(p.env.Version))
	out["status"] = status
	if err == nil && (status < 200 || status > 299) {
		err = fmt.Errorf("webhook test %s: HTTP %d", config.RedactURL(w.URL), status)
	}
	if err != nil {
		p.fail(out, err)
		return nil
	}
	p.ok(out)
	return nil
}

// PeerConfigCmd is node-config [content [NODEUUID]].
type PeerConfigCmd struct {
	What string `arg:"" optional:"" enum:"content," default:"" help:"content: print the config too, in chunks."`
	Node string `arg:"" optional:"" help:"Only the node with this glusterd UUID prints the content; the others their version."`
}

func (c *PeerConfigCmd) Run(p *peerEnv) error {
	node, err := p.needNode()
	if err != nil {
		return err
	}
	cl, err := config.LoadCluster(node.ClusterConfigPath())
	exists := err == nil
	if err != nil && !errors.Is(err, config.ErrNotExist) {
		return err
	}
	v := cluster.VersionOf(cl)
	if c.What != "content" || (c.Node != "" && c.Node != p.nodeID) {
		p.ok(cluster.ConfigInfo{Version: v, Exists: exists})
		return nil
	}
	for _, ch := range cluster.Chunks(v, exists, cl.Encode()) {
		p.ok(ch)
	}
	return nil
}

// PeerPrepareCmd is node-prepare.
type PeerPrepareCmd struct{}

func (c *PeerPrepareCmd) Run(p *peerEnv) error {
	node, err := p.needNode()
	if err != nil {
		return err
	}
	dir := filepath.Join(node.GlusterdWorkdir, "events")
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	p.ok(map[string]any{"dir": dir, "created": statErr != nil})
	return nil
}

// PeerInstallConfigCmd is node-install-config GEN ORIGIN DIGEST
// [force|over=GEN,ORIGIN,DIGEST].
type PeerInstallConfigCmd struct {
	Generation string `arg:"" help:"Generation of the staged config."`
	Origin     string `arg:"" help:"Its origin node UUID, - for none."`
	Digest     string `arg:"" help:"Its SHA-256."`
	Mode       string `arg:"" optional:"" help:"force: install even over a newer config; over=GEN,ORIGIN,DIGEST: a change made on that config (see cluster.InstallOver)."`
}

func (c *PeerInstallConfigCmd) Run(p *peerEnv) error {
	node, err := p.needNode()
	if err != nil {
		return err
	}
	gen, err := strconv.ParseInt(c.Generation, 10, 64)
	if err != nil {
		return fmt.Errorf("usage: generation %q is not a number", c.Generation)
	}
	v := cluster.Version{Generation: gen, Origin: cluster.OriginFromArg(c.Origin), Digest: c.Digest}
	if path := node.ClusterConfigPath(); path != config.ClusterPath(node.GlusterdWorkdir) {
		return fmt.Errorf("cluster_config is %s: cluster sync installs only %s", path, config.ClusterPath(node.GlusterdWorkdir))
	}
	var res cluster.InstallResult
	name := cluster.StagedName(v.Origin)
	switch over, isOver := strings.CutPrefix(c.Mode, "over="); {
	case c.Mode == "" || c.Mode == "force":
		res, err = cluster.Install(node.GlusterdWorkdir, name, v, c.Mode == "force")
	case isOver:
		base, berr := cluster.DecodeVersionArg(over)
		if berr != nil {
			return fmt.Errorf("usage: over=: %w", berr)
		}
		res, err = cluster.InstallOver(node.GlusterdWorkdir, name, v, base)
	default:
		return fmt.Errorf("usage: %q is not force or over=GEN,ORIGIN,DIGEST", c.Mode)
	}
	if err != nil {
		p.fail(res, err)
		return nil
	}
	if res.Installed {
		_, rerr := reloadDaemon(p.ctx, node)
		switch {
		case rerr == nil:
			res.Reloaded = true
		case errors.Is(rerr, api.ErrUnreachable):
			// It reads the file when it starts.
		default:
			res.ReloadError = rerr.Error()
			p.fail(res, fmt.Errorf("installed, but the daemon did not apply it: %w", rerr))
			return nil
		}
	}
	p.ok(res)
	return nil
}
