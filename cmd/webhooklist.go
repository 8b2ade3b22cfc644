package cmd

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
)

// WebhookListCmd lists the configured webhooks with secrets redacted, and
// how each is doing on this node when the daemon answers.
type WebhookListCmd struct {
	Timeout time.Duration `help:"How long to wait for the daemon's delivery health." default:"5s"`
}

// listedWebhook is one entry of webhook-list --json: the webhook's config
// (secrets redacted) and its delivery health on this node, null when the
// daemon does not answer.
type listedWebhook struct {
	config.Webhook
	Health *api.Webhook `json:"health"`
}

func (c *WebhookListCmd) Run(env *Env, g *Globals) error {
	node, cl, err := env.shownCluster(g)
	if err != nil {
		return err
	}
	red := cl.Redacted()
	if g.Legacy && g.JSON {
		return env.printJSON(red.Webhooks)
	}
	health := map[string]*api.Webhook{}
	client := api.NewClient(node.APISocket)
	client.Timeout = c.Timeout
	hs, herr := client.Webhooks(env.Ctx)
	for i := range hs {
		health[hs[i].ID] = &hs[i]
	}
	if g.JSON {
		out := make([]listedWebhook, len(red.Webhooks))
		for i, w := range red.Webhooks {
			out[i] = listedWebhook{Webhook: w, Health: health[w.Key()]}
		}
		return env.printJSON(out)
	}
	if len(red.Webhooks) == 0 {
		fmt.Fprintln(env.Stdout, "no webhooks")
		return nil
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tURL\tFORMAT\tAUTH\tEVENTS\tFILTER\tSTATE\tQUEUE\tDEAD\tLAST ANSWER")
	for _, h := range red.Webhooks {
		auth := "-"
		switch {
		case h.Secret != "":
			auth = "jwt"
		case h.Token != "":
			auth = "token"
		}
		if h.SigningSecret != "" {
			auth += "+signed"
		}
		if h.Enrich {
			h.Format += "+enrich" // legacy body with category and severity
		}
		events := "all"
		if len(h.Events) > 0 {
			events = strings.Join(h.Events, ",")
		}
		state, queue, dead, answer := "?", "?", "?", "?"
		if hh := health[h.Key()]; hh != nil {
			state, answer = webhookState(hh), lastAnswer(hh)
			queue, dead = fmt.Sprint(hh.QueueDepth), fmt.Sprint(hh.DeadLetters)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Key(), orDash(h.Name), h.URL, h.Format, auth, events,
			webhookFilterText(&h), state, queue, dead, answer)
	}
	w.Flush()
	if herr != nil {
		fmt.Fprintf(env.Stderr, "%s: note: no delivery health (STATE ?): %v\n", env.Prog, herr)
	}
	warnFailing(env.Stderr, env.Prog, "", hs)
	return nil
}

// webhookState is a webhook's state for tables: "ok", or what is wrong
// and since when.
func webhookState(h *api.Webhook) string { return deliveryState(h.State, h.FailingSince) }

// deliveryState is a webhook's or notifier's state (api.Webhook.State)
// for tables: "ok", or what is wrong and, when it is failing, since when.
func deliveryState(state string, failingSince time.Time) string {
	switch {
	case state == "retrying" && !failingSince.IsZero():
		return "FAILING since " + since(failingSince)
	case state == "ok":
		return "ok"
	}
	return strings.ToUpper(state)
}

// lastAnswer is what the receiver last said: "HTTP 401 Unauthorized", a
// transport error, or "-" before the first attempt.
func lastAnswer(h *api.Webhook) string {
	switch {
	case h.LastError != "" && h.LastStatus == 0:
		return h.LastError
	case h.LastStatus != 0:
		return fmt.Sprintf("HTTP %d %s", h.LastStatus, http.StatusText(h.LastStatus))
	}
	return "-"
}

// since formats a past time in local time, with the date only when it is
// not today.
func since(t time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y == time.Now().Year() && m == time.Now().Month() && d == time.Now().Day() {
		return t.Format(time.TimeOnly)
	}
	return t.Format(time.DateTime)
}

// warnFailing writes one line to stderr for every webhook that is not
// delivering, so that a failing webhook is never only a cell in a table;
// where ("on node2: ") says on which node, "" for this one.
func warnFailing(w io.Writer, prog Program, where string, hs []api.Webhook) {
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
			what = append(what, fmt.Sprintf("failing since %s, last answer %s, %d events waiting", since(h.FailingSince), lastAnswer(h), h.QueueDepth))
		case "disabled":
			what = append(what, "disabled: its receiver answered 410 Gone; change its config (webhook-mod) to enable it")
		case "stopped":
			what = append(what, "stopped: "+lastAnswer(h))
		}
		if h.DeadLetters > 0 {
			what = append(what, fmt.Sprintf("%d events dead-lettered (webhook-dead-letters %s)", h.DeadLetters, h.ID))
		}
		fmt.Fprintf(w, "%s: warning: %swebhook %s %s: %s\n", prog, where, name, h.URL, strings.Join(what, "; "))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
