package cmd

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
)

// notifierOnDaemon finds the notifier ref names in the cluster config and
// returns it with a client of the local daemon, which delivers it.
func notifierOnDaemon(g *Globals, ref string) (*config.Notifier, *api.Client, error) {
	node, err := loadNode(g)
	if err != nil {
		return nil, nil, err
	}
	cl, err := clusterOf(node)
	if err != nil {
		return nil, nil, err
	}
	n := cl.FindNotifier(ref)
	if n == nil {
		return nil, nil, missingNotifier(ref)
	}
	return n, api.NewClient(node.APISocket), nil
}

// NotifierDeadLettersCmd lists what a notifier gave up on, on this node.
type NotifierDeadLettersCmd struct {
	Ref string `arg:"" name:"notifier" help:"The notifier's id or name."`
}

func (c *NotifierDeadLettersCmd) Run(env *Env, g *Globals) error {
	n, client, err := notifierOnDaemon(g, c.Ref)
	if err != nil {
		return err
	}
	dl, err := client.NotifierDeadLetters(env.Ctx, n.Key())
	if err != nil {
		return apiError(err, client.Socket, "")
	}
	if g.JSON {
		return env.printJSON(dl)
	}
	printDeadLetters(env, dl, "notifier", n.Key())
	return nil
}

// NotifierReplayCmd sends a notifier's events again, on this node.
type NotifierReplayCmd struct {
	Ref         string `arg:"" name:"notifier" help:"The notifier's id or name."`
	Since       string `help:"Send again every event from this journal seq, time (RFC 3339, or 'YYYY-MM-DD HH:MM[:SS]' local time) or duration ago (2h) on." placeholder:"SEQ|TIME"`
	DeadLetters bool   `help:"Send again the events the notifier gave up on (see notifier-dead-letters)."`
}

func (c *NotifierReplayCmd) Run(env *Env, g *Globals) error {
	req, err := replayRequest(c.Since, c.DeadLetters, "notifier", c.Ref)
	if err != nil {
		return err
	}
	n, client, err := notifierOnDaemon(g, c.Ref)
	if err != nil {
		return err
	}
	res, err := client.NotifierReplay(env.Ctx, n.Key(), req)
	if ae, ok := errors.AsType[*api.Error](err); ok && ae.StatusCode == http.StatusGone {
		return &Error{Code: ExitUsage, Err: errors.New(ae.Message)}
	}
	if err != nil {
		return apiError(err, client.Socket, "the replay may still be set up")
	}
	if g.JSON {
		return env.printJSON(res)
	}
	switch {
	case res.Records == 0 && req.DeadLetters:
		fmt.Fprintf(env.Stdout, "notifier %s has no dead letters to replay\n", n.Key())
	case res.Records == 0:
		fmt.Fprintf(env.Stdout, "no events to replay to notifier %s: the journal ends at seq %d\n", n.Key(), res.To)
	default:
		fmt.Fprintf(env.Stdout, "replaying %d events (seq %d-%d) to %s notifier %s (%s) from this node\n",
			res.Records, res.From, res.To, n.Kind, n.Key(), n.Target())
	}
	return nil
}
