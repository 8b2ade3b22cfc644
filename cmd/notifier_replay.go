package cmd

import (
	"fmt"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
)

// NotifierDeadLettersCmd lists what a notifier gave up on, on this node.
type NotifierDeadLettersCmd struct {
	Ref string `arg:"" name:"notifier" help:"The notifier's id or name."`
}

func (c *NotifierDeadLettersCmd) Run(env *Env, g *Globals) error {
	n, client, err := onDaemon(g, c.Ref, (*config.Cluster).FindNotifier, missingNotifier)
	if err != nil {
		return err
	}
	return showDeadLetters(env, g, client, client.NotifierDeadLetters, "notifier", n.Key())
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
	n, client, err := onDaemon(g, c.Ref, (*config.Cluster).FindNotifier, missingNotifier)
	if err != nil {
		return err
	}
	return replay(env, g, client, client.NotifierReplay, req, "notifier", n.Key(), func(res *api.Replayed) string {
		return fmt.Sprintf("replaying %d events (seq %d-%d) to %s notifier %s (%s) from this node",
			res.Records, res.From, res.To, n.Kind, n.Key(), n.Target())
	})
}
