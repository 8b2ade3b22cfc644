package cmd

import (
	"context"
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
	hook, client, err := onDaemon(g, c.Ref, (*config.Cluster).Find, missingWebhook)
	if err != nil {
		return err
	}
	return replay(env, g, client, client.Replay, req, "webhook", hook.Key(), func(res *api.Replayed) string {
		return fmt.Sprintf("replaying %d events (seq %d-%d) to webhook %s (%s) from this node, with their original ids",
			res.Records, res.From, res.To, hook.Key(), config.RedactURL(hook.URL))
	})
}

// replay has the local daemon (client) send req again with send, to the
// webhook or notifier (noun) id, and prints what it does: started, when
// there are events to send.
func replay(env *Env, g *Globals, client *api.Client, send func(context.Context, string, api.ReplayRequest) (*api.Replayed, error),
	req api.ReplayRequest, noun, id string, started func(*api.Replayed) string) error {
	res, err := send(env.Ctx, id, req)
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
		fmt.Fprintf(env.Stdout, "%s %s has no dead letters to replay\n", noun, id)
	case res.Records == 0:
		fmt.Fprintf(env.Stdout, "no events to replay to %s %s: the journal ends at seq %d\n", noun, id, res.To)
	default:
		fmt.Fprintln(env.Stdout, started(res))
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

// onDaemon finds the webhook or notifier ref names in the cluster config
// with find, and returns it with a client of the local daemon, which
// delivers it; missing is the error when find finds none.
func onDaemon[T any](g *Globals, ref string, find func(*config.Cluster, string) *T, missing func(string) error) (*T, *api.Client, error) {
	node, cl, err := nodeCluster(g)
	if err != nil {
		return nil, nil, err
	}
	found := find(cl, ref)
	if found == nil {
		return nil, nil, missing(ref)
	}
	return found, api.NewClient(node.APISocket), nil
}

// WebhookDeadLettersCmd lists what a webhook gave up on.
type WebhookDeadLettersCmd struct {
	Ref string `arg:"" name:"webhook" help:"The webhook's id, name or URL."`
}

func (c *WebhookDeadLettersCmd) Run(env *Env, g *Globals) error {
	hook, client, err := onDaemon(g, c.Ref, (*config.Cluster).Find, missingWebhook)
	if err != nil {
		return err
	}
	return showDeadLetters(env, g, client, client.DeadLetters, "webhook", hook.Key())
}

// showDeadLetters gets the dead letters of the webhook or notifier (noun)
// id from the local daemon (client) with get, and prints them.
func showDeadLetters(env *Env, g *Globals, client *api.Client, get func(context.Context, string) (*api.DeadLetters, error), noun, id string) error {
	dl, err := get(env.Ctx, id)
	if err != nil {
		return apiError(err, client.Socket, "")
	}
	if g.JSON {
		return env.printJSON(dl)
	}
	printDeadLetters(env, dl, noun, id)
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
