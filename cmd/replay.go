package cmd

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
)

// WebhookReplayCmd sends a webhook's events again.
type WebhookReplayCmd struct {
	Ref         string `arg:"" name:"webhook" help:"The webhook's id, name or URL."`
	Since       string `help:"Send again every event from this journal seq, time (RFC 3339, or 'YYYY-MM-DD HH:MM[:SS]' local time) or duration ago (2h) on." placeholder:"SEQ|TIME"`
	DeadLetters bool   `help:"Send again the events the webhook gave up on (see webhook-dead-letters)."`
}

func (c *WebhookReplayCmd) Run(env *Env, g *Globals) error {
	req, err := replayRequest(c.Since, c.DeadLetters, "webhook", c.Ref)
	if err != nil {
		return err
	}
	hook, client, err := webhookOnDaemon(g, c.Ref)
	if err != nil {
		return err
	}
	res, err := client.Replay(env.Ctx, hook.Key(), req)
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
		fmt.Fprintf(env.Stdout, "webhook %s has no dead letters to replay\n", hook.Key())
	case res.Records == 0:
		fmt.Fprintf(env.Stdout, "no events to replay to webhook %s: the journal ends at seq %d\n", hook.Key(), res.To)
	default:
		fmt.Fprintf(env.Stdout, "replaying %d events (seq %d-%d) to webhook %s (%s) from this node, with their original ids\n",
			res.Records, res.From, res.To, hook.Key(), config.RedactURL(hook.URL))
	}
	return nil
}

// replayRequest reads the --since and --dead-letters of a replay of the
// webhook or notifier (noun) ref.
func replayRequest(since string, deadLetters bool, noun, ref string) (api.ReplayRequest, error) {
	switch {
	case deadLetters && since != "":
		return api.ReplayRequest{}, errorf(ExitUsage, "give --since or --dead-letters, not both")
	case deadLetters:
		return api.ReplayRequest{DeadLetters: true}, nil
	case since != "":
		return parseSince(since, time.Now())
	}
	return api.ReplayRequest{}, &Error{Code: ExitUsage, Err: errors.New("say what to replay: --since SEQ|TIME or --dead-letters"),
		Hints: []string{"'gluster-eventing " + noun + "-dead-letters " + ref + "' lists what the " + noun + " gave up on"}}
}

// parseSince reads --since: a journal seq, a time, or a duration before now.
func parseSince(s string, now time.Time) (api.ReplayRequest, error) {
	if seq, err := strconv.ParseUint(s, 10, 64); err == nil {
		return api.ReplayRequest{Since: seq}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return api.ReplayRequest{SinceTime: now.Add(-d)}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return api.ReplayRequest{SinceTime: t}, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return api.ReplayRequest{SinceTime: t}, nil
		}
	}
	return api.ReplayRequest{}, errorf(ExitUsage,
		"--since %q is not a journal seq, a time (2026-12-01T10:00:00Z, '2026-12-01 10:00') or a duration (90m)", s)
}

// webhookOnDaemon finds the webhook ref names in the cluster config and
// returns it with a client of the local daemon, which delivers it.
func webhookOnDaemon(g *Globals, ref string) (*config.Webhook, *api.Client, error) {
	node, err := loadNode(g)
	if err != nil {
		return nil, nil, err
	}
	cl, err := clusterOf(node)
	if err != nil {
		return nil, nil, err
	}
	hook := cl.Find(ref)
	if hook == nil {
		return nil, nil, missingWebhook(ref)
	}
	return hook, api.NewClient(node.APISocket), nil
}

// WebhookDeadLettersCmd lists what a webhook gave up on.
type WebhookDeadLettersCmd struct {
	Ref string `arg:"" name:"webhook" help:"The webhook's id, name or URL."`
}

func (c *WebhookDeadLettersCmd) Run(env *Env, g *Globals) error {
	hook, client, err := webhookOnDaemon(g, c.Ref)
	if err != nil {
		return err
	}
	dl, err := client.DeadLetters(env.Ctx, hook.Key())
	if err != nil {
		return apiError(err, client.Socket, "")
	}
	if g.JSON {
		return env.printJSON(dl)
	}
	printDeadLetters(env, dl, "webhook", hook.Key())
	return nil
}

// printDeadLetters prints the dead letters of the webhook or notifier
// (noun) id as a table.
func printDeadLetters(env *Env, dl *api.DeadLetters, noun, id string) {
	if len(dl.DeadLetters) == 0 {
		fmt.Fprintf(env.Stdout, "%s %s has no dead letters\n", noun, id)
	} else {
		w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SEQ\tEVENTS\tGIVEN UP AT\tATTEMPTS\tLAST ANSWER\tKINDS")
		for _, d := range dl.DeadLetters {
			seqs := strconv.FormatUint(d.Seq, 10)
			if d.LastSeq != d.Seq {
				seqs += "-" + strconv.FormatUint(d.LastSeq, 10)
			}
			answer := d.Error
			if answer == "" && noun == "webhook" {
				answer = fmt.Sprintf("HTTP %d %s", d.Status, http.StatusText(d.Status))
			}
			var kinds []string
			for _, name := range slices.Sorted(maps.Keys(d.Events)) {
				kinds = append(kinds, fmt.Sprintf("%s %d", name, d.Events[name]))
			}
			fmt.Fprintf(w, "%s\t%d\t%s\t%d\t%s\t%s\n", seqs, d.Count, d.At.Local().Format(time.DateTime), d.Attempts, answer,
				strings.Join(kinds, ", "))
		}
		w.Flush()
		fmt.Fprintf(env.Stdout, "\nsend them again with: gluster-eventing %s-replay %s --dead-letters\n", noun, id)
	}
	if dl.Dropped > 0 {
		fmt.Fprintf(env.Stdout, "%d older dead letters are no longer kept (list bound or journal retention)\n", dl.Dropped)
	}
}
