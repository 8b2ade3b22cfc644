package cmd

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/webhooks"
)

// bodyFormat is --format: config.FormatStandard or config.FormatLegacy, ""
// when not given. (A kong enum would have to list "" as a choice.)
type bodyFormat string

func (f *bodyFormat) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("format", &s); err != nil {
		return err
	}
	if s != config.FormatStandard && s != config.FormatLegacy {
		return fmt.Errorf("%q is not %s or %s", s, config.FormatStandard, config.FormatLegacy)
	}
	*f = bodyFormat(s)
	return nil
}

// webhookFlags are the settings webhook-add and webhook-mod share.
type webhookFlags struct {
	BearerToken   string        `short:"t" aliases:"bearer_token" help:"Static bearer token (Authorization: Bearer). Visible to local users in the process list: prefer --bearer-token-file." placeholder:"TOKEN"`
	Secret        string        `short:"s" help:"Gluster-compatible JWT secret: an HS256 JWT replaces the token. Visible in the process list: prefer --secret-file." placeholder:"SECRET"`
	Format        bodyFormat    `help:"Body format: standard (signed Standard Webhooks body) or legacy (glustereventsd's body). A new webhook gets ${webhook_format}; webhook-mod keeps the webhook's unless given." placeholder:"standard|legacy"`
	SigningSecret string        `help:"Standard Webhooks signing secret, whsec_<base64>; without one, webhook-add generates one and prints it once. Visible in the process list: prefer --signing-secret-file." placeholder:"WHSEC"`
	CAFile        string        `help:"Extra CA bundle to verify the webhook's TLS certificate." placeholder:"PATH" type:"path"`
	Timeout       time.Duration `help:"Timeout of one delivery attempt (default 15s)."`
	MaxInFlight   int           `help:"Concurrent deliveries (1-64, default 1 = strictly in order)."`
	Events        []string      `help:"Only these event names or globs (VOLUME_*); repeat or comma-separate." placeholder:"GLOB"`
	MaxAge        time.Duration `help:"How long an event is retried, whatever the receiver answers (but 410 Gone), before it is dead-lettered (default 72h)."`
	MaxAttempts   int           `help:"Dead-letter an event after this many failed attempts (default 0: retry until --max-age)."`
	Name          string        `help:"A unique name to refer to the webhook by, instead of its id or URL." placeholder:"NAME"`
	Dedup         *bool         `negatable:"" help:"Do not deliver an event that says what the last one about the same brick, volume, peer or service said (Gluster repeats BRICK_DISCONNECTED while a brick stays down). Off by default: every event, as Gluster sent it."`
	Enrich        *bool         `negatable:"" help:"Legacy bodies: add the event's category (brick, volume, quorum, ...) and severity to glustereventsd's body. Off by default: byte for byte glustereventsd's. Standard bodies always carry them."`
	secretFlags
}

func (f *webhookFlags) apply(w *config.Webhook) {
	if f.Format != "" && string(f.Format) != w.Format {
		// Each format has its own secret: switching drops the other's.
		w.Secret, w.SigningSecret = "", ""
		// Standard bodies are always enriched.
		w.Enrich = w.Enrich && string(f.Format) == config.FormatLegacy
	}
	if f.BearerToken != "" {
		w.Token = f.BearerToken
	}
	if f.Secret != "" {
		w.Secret = f.Secret
	}
	if f.Format != "" {
		w.Format = string(f.Format)
	}
	if f.SigningSecret != "" {
		w.SigningSecret = f.SigningSecret
	}
	if f.CAFile != "" {
		w.CAFile = f.CAFile
	}
	if f.Timeout > 0 {
		w.Timeout = config.Duration(f.Timeout)
	}
	if f.MaxInFlight > 0 {
		w.MaxInFlight = f.MaxInFlight
	}
	if len(f.Events) > 0 {
		w.Events = f.Events
	}
	if f.MaxAge > 0 {
		w.MaxAge = config.Duration(f.MaxAge)
	}
	if f.MaxAttempts > 0 {
		w.MaxAttempts = f.MaxAttempts
	}
	if f.Name != "" {
		w.Name = f.Name
	}
	if f.Dedup != nil {
		w.Dedup = *f.Dedup
	}
	if f.Enrich != nil {
		w.Enrich = *f.Enrich
	}
}

// WebhookAddCmd adds a webhook to the cluster config.
type WebhookAddCmd struct {
	URL string `arg:"" help:"Webhook URL (http or https)."`
	webhookFlags
	filterFlags
}

// Help is the detail of webhook-add --help.
func (c *WebhookAddCmd) Help() string {
	return "The webhook gets a stable id, printed here and by webhook-list, and the events journaled from now on. " +
		"Native webhook-add defaults to --format standard: its bodies are always signed, so without --signing-secret " +
		"a secret is generated and printed once (with --json, as the signing_secret key); give it to the receiver. " +
		"Pass secrets with the --*-file flags rather than on the command line, where every local user can read them."
}

func (c *WebhookAddCmd) Run(env *Env, g *Globals) error {
	if err := webhookURLArg(c.URL); err != nil {
		return err
	}
	if err := c.read(env, &c.webhookFlags); err != nil {
		return err
	}
	out := map[string]any{}
	return changeCluster(env, g, change{done: "webhook added", extra: out, syncFailed: ExitWebhookSyncFailed, fn: func(cl *config.Cluster) error {
		if cl.Webhook(c.URL) != nil {
			return errorf(ExitWebhookExists, "webhook %s already exists", config.RedactURL(c.URL))
		}
		w := config.DefaultWebhook()
		w.ID = config.NewWebhookID()
		out["id"] = w.ID
		w.URL = c.URL
		w.Format = config.FormatStandard
		if g.Legacy {
			w.Format = config.FormatLegacy
		}
		c.apply(&w)
		if err := c.filterFlags.set(cl, &w); err != nil {
			return err
		}
		if err := signStandard(&w, out); err != nil {
			return err
		}
		cl.Webhooks = append(cl.Webhooks, w)
		return nil
	}})
}

// signStandard gives a standard webhook without a signing secret a new
// random one, so that standard bodies are always signed; out carries it to
// the output, the only place it is ever shown.
func signStandard(w *config.Webhook, out map[string]any) error {
	if w.Format != config.FormatStandard || w.SigningSecret != "" {
		return nil
	}
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return fmt.Errorf("generating a signing secret: %w", err)
	}
	w.SigningSecret = "whsec_" + base64.StdEncoding.EncodeToString(key[:])
	out["signing_secret"] = w.SigningSecret
	return nil
}

// WebhookModCmd changes a webhook's settings; flags left out keep their value.
type WebhookModCmd struct {
	Ref    string `arg:"" name:"webhook" help:"The webhook's id, name or URL."`
	NewURL string `name:"url" help:"Change the webhook's URL (to rotate a credential in it, say). The webhook keeps its id, its queue and its retries." placeholder:"URL"`
	webhookFlags
	filterFlags
}

func (c *WebhookModCmd) Run(env *Env, g *Globals) error {
	if err := c.read(env, &c.webhookFlags); err != nil {
		return err
	}
	out := map[string]any{}
	return changeCluster(env, g, change{done: "webhook modified", extra: out, syncFailed: ExitWebhookSyncFailed, fn: func(cl *config.Cluster) error {
		w := cl.Find(c.Ref)
		if w == nil {
			return missingWebhook(c.Ref)
		}
		out["id"] = w.Key()
		if c.NewURL != "" && c.NewURL != w.URL {
			if other := cl.Webhook(c.NewURL); other != nil {
				return errorf(ExitWebhookExists, "webhook %s already exists (id %s)", config.RedactURL(c.NewURL), other.Key())
			}
			w.ID = w.Key() // pinned before the URL it may be derived from changes
			w.URL = c.NewURL
		}
		c.apply(w)
		if err := c.filterFlags.set(cl, w); err != nil {
			return err
		}
		return signStandard(w, out)
	}})
}

// WebhookDelCmd deletes a webhook.
type WebhookDelCmd struct {
	Ref string `arg:"" name:"webhook" help:"The webhook's id, name or URL."`
}

func (c *WebhookDelCmd) Run(env *Env, g *Globals) error {
	return changeCluster(env, g, change{done: "webhook deleted", syncFailed: ExitWebhookSyncFailed,
		fn: removing(c.Ref, (*config.Cluster).Remove, missingWebhook)})
}

// removing is the change of a delete command: remove takes ref out of the
// cluster config, missing is the error when it is not there.
func removing[T any](ref string, remove func(*config.Cluster, string) (T, bool), missing func(string) error) func(*config.Cluster) error {
	return func(cl *config.Cluster) error {
		if _, ok := remove(cl, ref); !ok {
			return missing(ref)
		}
		return nil
	}
}

func missingWebhook(ref string) error {
	return &Error{Code: ExitWebhookMissing, Err: fmt.Errorf("webhook %s does not exist", config.RedactURL(ref)),
		Hints: []string{"'gluster-eventing webhook-list' shows the configured webhooks, their ids and names"}}
}

// changeLocal applies c to this node's cluster config under its lock,
// writes it atomically and has the local daemon reload: a change on a node
// without a cluster (see changeCluster).
func changeLocal(env *Env, g *Globals, node *config.Node, c change) error {
	path := node.ClusterConfigPath()
	cl, err := config.Update(path, c.fn)
	if err != nil {
		return changeErr(err, path)
	}
	reloaded, reloadErr := reloadIfRunning(env, g, node)
	const notRunning = "the daemon is not running; it reads the file when it starts"
	switch {
	case g.JSON && g.Legacy:
		rows := localResult(selfID(node), reloadErr == nil, reloadErr)
		if err := env.printJSON(map[string]any{"output": legacyRows("sync", rows), "error": ""}); err != nil {
			return err
		}
	case g.JSON:
		out := map[string]any{"ok": true, "generation": cl.Generation, "config": path, "reloaded": reloaded}
		maps.Copy(out, c.extra)
		if reloadErr != nil {
			out["reload_error"] = reloadErr.Error()
		} else if !reloaded {
			out["reload_note"] = notRunning
		}
		if err := env.printJSON(out); err != nil {
			return err
		}
	default:
		env.printDone(c, cl)
		if reloadErr == nil && !reloaded {
			fmt.Fprintf(env.Stderr, "%s: note: %s\n", env.Prog, notRunning)
		}
	}
	if reloadErr != nil {
		// Written but not in effect is not success: the exit code is the
		// reload's (11, 13 or 14), the message says the change is kept.
		e := &Error{Code: ExitDaemonError}
		errors.As(reloadErr, &e)
		return &Error{Code: e.Code, Hints: e.Hints, Printed: g.JSON,
			Err: fmt.Errorf("the change is written, but the local daemon did not reload: %w", reloadErr)}
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// reloadIfRunning has the local daemon apply the config just written and
// says whether it did. A daemon that is not running is no error: it reads
// the file when it starts. Any other failure is, with its exit code: the
// daemon took the request and did not answer in time (13), refused or failed
// it (14), or this user may not connect to it (11).
func reloadIfRunning(env *Env, g *Globals, node *config.Node) (bool, error) {
	timeout := g.ReloadTimeout
	if timeout <= 0 {
		timeout = defaultReloadTimeout
	}
	client := api.NewClient(node.APISocket)
	client.Timeout = timeout
	_, err := client.Reload(env.Ctx)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, api.ErrUnreachable):
		return false, nil
	}
	if msg, ok := reloadRefused(err); ok {
		return false, &Error{Code: ExitDaemonError,
			Err: fmt.Errorf("the daemon refused the new config and keeps its running one: %s", msg)}
	}
	return false, apiError(err, node.APISocket,
		"the daemon may still apply the change: 'gluster-eventing status' shows the config generation it runs")
}

// nodeCluster reads this node's config and the cluster config it points
// to.
func nodeCluster(g *Globals) (*config.Node, *config.Cluster, error) {
	node, err := loadNode(g)
	if err != nil {
		return nil, nil, err
	}
	cl, err := clusterOf(node)
	if err != nil {
		return nil, nil, err
	}
	return node, cl, nil
}

// shownCluster is nodeCluster for a command that shows the cluster
// config: it warns first when the nodes' copies of it differ.
func (env *Env) shownCluster(g *Globals) (*config.Node, *config.Cluster, error) {
	node, cl, err := nodeCluster(g)
	if err != nil {
		return nil, nil, err
	}
	env.warnDivergent(node)
	return node, cl, nil
}

// clusterOf reads the cluster config a node config points to; a missing
// file means the defaults.
func clusterOf(node *config.Node) (*config.Cluster, error) {
	cl, err := config.LoadCluster(node.ClusterConfigPath())
	if err != nil && !errors.Is(err, config.ErrNotExist) {
		return nil, &Error{Code: ExitInvalidConfig, Err: err}
	}
	return cl, nil
}

// WebhookTestCmd sends a well-formed test event and reports the status.
type WebhookTestCmd struct {
	URL string `arg:"" help:"Webhook URL, or a configured webhook's id or name; a configured webhook's settings are used unless flags override them."`
	webhookFlags
}

func (c *WebhookTestCmd) Run(env *Env, g *Globals) error {
	if err := c.read(env, &c.webhookFlags); err != nil {
		return err
	}
	node, cl, err := nodeCluster(g)
	if err != nil {
		return err
	}
	w := config.DefaultWebhook()
	w.Format = config.FormatStandard
	if g.Legacy {
		w.Format = config.FormatLegacy
	}
	existing := cl.Find(c.URL)
	if existing != nil {
		w = *existing
	} else if err := webhookURLArg(c.URL); err != nil {
		return err
	} else {
		w.URL = c.URL
	}
	c.apply(&w)
	if err := w.Validate(); err != nil {
		return &Error{Code: ExitInvalidConfig, Err: err}
	}
	if only := c.localOnlyFlags(); only != "" {
		fmt.Fprintf(env.Stderr, "%s: note: %s cannot be passed to the other nodes: testing from this node only\n", env.Prog, only)
		return c.local(env, g, node, w)
	}
	// The nodes' test: a configured webhook by id (every node has the same
	// config), or the URL with gluster-eventsapi's token and secret ("."
	// for none).
	args := []string{c.URL, orDot(c.BearerToken), orDot(c.Secret)}
	if existing != nil {
		args[0] = existing.Key()
	}
	a := clusterAction{action: cluster.ActionWebhookTest, args: args, col: "webhook", what: "webhook test",
		row: func(r *nodeResult) {
			var out struct {
				Status int `json:"status"`
			}
			if r.OK && !g.Legacy && json.Unmarshal(r.Output, &out) == nil && out.Status != 0 {
				r.Cell = fmt.Sprintf("OK (HTTP %d)", out.Status)
			}
		}}
	return env.onEveryNode(g, node, a, func() error { return c.local(env, g, node, w) })
}

// localOnlyFlags names the flags given that node-webhook-test does not
// take (it takes the URL or id, a token and a JWT secret, as Gluster's).
func (c *WebhookTestCmd) localOnlyFlags() string {
	var names []string
	f := &c.webhookFlags
	for _, x := range []struct {
		set  bool
		name string
	}{
		{f.Format != "", "--format"}, {f.SigningSecret != "", "--signing-secret"}, {f.CAFile != "", "--ca-file"},
		{f.Timeout > 0, "--timeout"}, {f.MaxInFlight > 0, "--max-in-flight"}, {len(f.Events) > 0, "--events"},
		{f.MaxAge > 0, "--max-age"}, {f.MaxAttempts > 0, "--max-attempts"}, {f.Name != "", "--name"},
	} {
		if x.set {
			names = append(names, x.name)
		}
	}
	return strings.Join(names, ", ")
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

// local sends the test event from this node.
func (c *WebhookTestCmd) local(env *Env, g *Globals, node *config.Node, w config.Webhook) error {
	status, err := webhooks.SendTestEvent(env.Ctx, w, selfID(node), versionString(env.Version))
	if err == nil && (status < 200 || status > 299) {
		err = fmt.Errorf("webhook test %s: HTTP %d", config.RedactURL(w.URL), status)
	}
	switch {
	case g.JSON && g.Legacy:
		if perr := env.printJSON(legacyNodeTable("webhook", err == nil, errText(err))); perr != nil {
			return perr
		}
	case g.JSON:
		out := map[string]any{"url": config.RedactURL(w.URL), "ok": err == nil, "status": status}
		if err != nil {
			out["error"] = err.Error()
		}
		if perr := env.printJSON(out); perr != nil {
			return perr
		}
	case err == nil:
		fmt.Fprintf(env.Stdout, "%s: HTTP %d\n", config.RedactURL(w.URL), status)
	}
	if err != nil {
		// gluster-eventsapi: 3 when the test failed on every node.
		return &Error{Code: ExitAllNodesFailed, Err: err, Printed: g.JSON}
	}
	return nil
}
