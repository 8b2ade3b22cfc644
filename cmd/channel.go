package cmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/filter"
)

// Channels are named filters in the cluster config ([channels.NAME]) that
// webhooks (--channel), filters (channel:NAME) and stream clients
// (?channel=NAME) refer to. channel-add and channel-del are cluster
// changes like webhook-add.

// filterHint is the hint of a filter expression that does not parse.
const filterHint = "a filter is terms separated by spaces: event names or globs (VOLUME_*, Volume.*), category:NAME " +
	"(volume, brick, peer, quorum, heal, ...), severity:LEVEL (warning means warning or worse), volume:NAME, node:UUID-PREFIX, " +
	"channel:NAME, and !TERM to exclude; the same key ORs, different keys AND; see FILTERS in gluster-eventing.toml(5)"

// filterError is the *Error of an expression that does not parse (the
// error itself suggests the closest names of an unknown one).
func filterError(err error) *Error {
	return &Error{Code: ExitInvalidConfig, Err: err, Hints: []string{filterHint}}
}

// ChannelAddCmd defines a channel on every node.
type ChannelAddCmd struct {
	Name        string `arg:"" help:"The channel's name: letters, digits, '.', '-', '_'."`
	Filter      string `arg:"" help:"The channel's filter expression (quote it): category:brick severity:warning, VOLUME_*, ..."`
	Description string `help:"What the channel is for, shown by channel-list." placeholder:"TEXT"`
	Replace     bool   `help:"Redefine the channel if it exists; webhooks, notifiers and streams using it follow the new filter."`
}

// Help is the detail of channel-add --help.
func (c *ChannelAddCmd) Help() string {
	return "A channel is a named filter, defined once in the cluster config and referenced by webhooks " +
		"(webhook-add --channel NAME), by other filters (channel:NAME) and by stream clients (?channel=NAME). " +
		"The filter is checked before any node is changed: an unknown event name is refused with the closest known names. " +
		"Exit status 5 when the channel exists (without --replace), 2 when it is defined exactly so already."
}

func (c *ChannelAddCmd) Run(env *Env, g *Globals) error {
	out := map[string]any{"channel": c.Name}
	done := "channel " + c.Name + " added"
	if c.Replace {
		done = "channel " + c.Name + " defined"
	}
	return changeCluster(env, g, change{done: done, extra: out, syncFailed: ExitConfigSyncFailed, fn: func(cl *config.Cluster) error {
		want := config.Channel{Filter: c.Filter, Description: c.Description}
		if old, ok := cl.Channels[c.Name]; ok {
			switch {
			case old == want:
				return errorf(ExitNoChange, "channel %s is defined so already", c.Name)
			case !c.Replace:
				return &Error{Code: ExitWebhookExists, Err: fmt.Errorf("channel %s already exists (filter %q)", c.Name, old.Filter),
					Hints: []string{"channel-add --replace redefines it; everything using it follows"}}
			}
		}
		if cl.Channels == nil {
			cl.Channels = map[string]config.Channel{}
		}
		cl.Channels[c.Name] = want
		// Parsed with the new definition in place, so that a channel that
		// refers to itself is caught too.
		f, err := filter.Parse(c.Filter, cl.ChannelExpr)
		if err != nil {
			return filterError(err)
		}
		out["filter"] = f.String()
		return nil
	}})
}

// ChannelDelCmd deletes a channel on every node.
type ChannelDelCmd struct {
	Name string `arg:"" help:"The channel's name."`
}

// Help is the detail of channel-del --help.
func (c *ChannelDelCmd) Help() string {
	return "A channel that a webhook, a notifier or another channel uses is not deleted: change those first " +
		"(webhook-mod --channel '' or --filter). Exit status 6 when there is no such channel."
}

func (c *ChannelDelCmd) Run(env *Env, g *Globals) error {
	return changeCluster(env, g, change{done: "channel " + c.Name + " deleted", syncFailed: ExitConfigSyncFailed, fn: func(cl *config.Cluster) error {
		if _, ok := cl.Channels[c.Name]; !ok {
			return missingChannel(cl, c.Name)
		}
		if users := channelUsers(cl, c.Name); len(users) > 0 {
			return &Error{Code: ExitInvalidConfig, Err: fmt.Errorf("channel %s is used by %s", c.Name, strings.Join(users, ", ")),
				Hints: []string{"change those first: webhook-mod WEBHOOK --channel '' (or --filter), channel-add --replace"}}
		}
		delete(cl.Channels, c.Name)
		return nil
	}})
}

func missingChannel(cl *config.Cluster, name string) error {
	hint := "'gluster-eventing channel-list' shows the channels"
	if len(cl.Channels) == 0 {
		hint = "no channels are defined; channel-add NAME FILTER defines one"
	}
	return &Error{Code: ExitWebhookMissing, Err: fmt.Errorf("channel %s does not exist", name), Hints: []string{hint}}
}

// channelUsers names the webhooks, notifiers and channels that refer to
// channel name, by their channel or a channel:NAME term.
func channelUsers(cl *config.Cluster, name string) []string {
	var users []string
	for _, w := range cl.Webhooks {
		if w.Channel == name || mentionsChannel(w.Filter, name) {
			users = append(users, "webhook "+w.Key())
		}
	}
	for i := range cl.Notifiers {
		n := &cl.Notifiers[i]
		if n.Channel == name || mentionsChannel(n.Filter, name) {
			users = append(users, "notifier "+n.Key())
		}
	}
	for _, other := range cl.ChannelNames() {
		if other != name && mentionsChannel(cl.Channels[other].Filter, name) {
			users = append(users, "channel "+other)
		}
	}
	return users
}

// mentionsChannel reports whether expr has a channel:name or !channel:name
// term.
func mentionsChannel(expr, name string) bool {
	for _, t := range strings.FieldsFunc(expr, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r' }) {
		k, v, ok := strings.Cut(strings.TrimPrefix(t, "!"), ":")
		if ok && strings.EqualFold(k, "channel") && v == name {
			return true
		}
	}
	return false
}

// ChannelListCmd lists the channels.
type ChannelListCmd struct{}

// listedChannel is one entry of channel-list --json.
type listedChannel struct {
	Name        string   `json:"name"`
	Filter      string   `json:"filter"`
	Description string   `json:"description"`
	UsedBy      []string `json:"used_by"`
}

func (c *ChannelListCmd) Run(env *Env, g *Globals) error {
	_, cl, err := env.shownCluster(g)
	if err != nil {
		return err
	}
	out := []listedChannel{}
	for _, name := range cl.ChannelNames() {
		ch := cl.Channels[name]
		users := channelUsers(cl, name)
		out = append(out, listedChannel{Name: name, Filter: ch.Filter, Description: ch.Description, UsedBy: nonNil(users)})
	}
	if g.JSON {
		return env.printJSON(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(env.Stdout, "no channels")
		return nil
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tFILTER\tUSED BY\tDESCRIPTION")
	for _, ch := range out {
		filterText := ch.Filter
		if filterText == "" {
			filterText = "(every event)"
		}
		users := "-"
		if len(ch.UsedBy) > 0 {
			users = strings.Join(ch.UsedBy, ", ")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", ch.Name, filterText, users, orDash(ch.Description))
	}
	return w.Flush()
}

// filterFlags are webhook-add's and webhook-mod's --filter and --channel;
// nil means not given (webhook-mod keeps the value), "" clears.
type filterFlags struct {
	Filter  *string `help:"Only the events this filter expression selects, such as 'category:brick category:quorum severity:warning' (see FILTERS in gluster-eventing.toml(5)); '' clears. Combined with --events and --channel: an event must pass all." placeholder:"EXPR"`
	Channel *string `help:"Only the events of this channel (channel-list); '' clears." placeholder:"NAME"`
}

// set sets w's filter and channel from the flags, refusing an expression
// that does not parse or a channel cl does not define.
func (f *filterFlags) set(cl *config.Cluster, w *config.Webhook) error {
	if f.Filter != nil {
		if _, err := filter.Parse(*f.Filter, cl.ChannelExpr); err != nil {
			return filterError(err)
		}
		w.Filter = strings.TrimSpace(*f.Filter)
	}
	if f.Channel != nil {
		if *f.Channel != "" {
			if _, ok := cl.Channels[*f.Channel]; !ok {
				return missingChannel(cl, *f.Channel)
			}
		}
		w.Channel = *f.Channel
	}
	return nil
}

// webhookFilterText is the FILTER cell of webhook-list: the channel and the
// expression as one expression, "-" for neither.
func webhookFilterText(w *config.Webhook) string {
	var parts []string
	if w.Channel != "" {
		parts = append(parts, "channel:"+w.Channel)
	}
	if w.Filter != "" {
		parts = append(parts, w.Filter)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}
