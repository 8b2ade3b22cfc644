package config

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/filter"
)

// Channel is a named filter, a [channels.NAME] table of the cluster config:
// defined once, referenced by webhooks, notifiers and stream clients
// ("channel = NAME", "channel:NAME" in an expression, ?channel=NAME).
type Channel struct {
	// Filter is an expression of the filter language (see internal/filter
	// and gluster-eventing.toml(5)); "" selects every event.
	Filter string `toml:"filter" json:"filter"`
	// Description says what the channel is for, for channel-list.
	Description string `toml:"description,omitempty" json:"description,omitempty"`
}

// ChannelExpr resolves a channel name to its filter expression, for
// filter.Parse.
func (c *Cluster) ChannelExpr(name string) (string, bool) {
	ch, ok := c.Channels[name]
	return ch.Filter, ok
}

// ChannelNames returns the channel names in order.
func (c *Cluster) ChannelNames() []string {
	names := make([]string, 0, len(c.Channels))
	for n := range c.Channels {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// CompileFilter parses a consumer's filter expression and channel
// reference against c's channels and combines them (both must select an
// event). It is what webhooks, notifiers and streams call once, when their
// config is loaded or their request starts. Both empty gives nil, which
// selects everything.
func (c *Cluster) CompileFilter(expr, channel string) (*filter.Filter, error) {
	f, err := filter.Parse(expr, c.ChannelExpr)
	if err != nil {
		return nil, err
	}
	if channel == "" {
		return f, nil
	}
	if _, ok := c.Channels[channel]; !ok {
		return nil, unknownChannel(channel, c.ChannelNames())
	}
	ch, err := filter.Parse("channel:"+channel, c.ChannelExpr)
	if err != nil {
		return nil, err
	}
	return filter.All(f, ch), nil
}

func unknownChannel(name string, known []string) error {
	if len(known) == 0 {
		return fmt.Errorf("unknown channel %q: no channels are defined", name)
	}
	return fmt.Errorf("unknown channel %q (defined: %s)", name, strings.Join(known, ", "))
}

// Compiled returns the webhook's filter: its events list and its
// Resolved filter and channel combined. The delivery worker calls it once
// when it starts. A webhook built in code with a filter or channel that
// was never validated in a Cluster is compiled now without channels; one
// that names a channel then selects nothing, rather than everything.
func (w *Webhook) Compiled() *filter.Filter {
	f := w.Resolved
	if f == nil && (w.Filter != "" || w.Channel != "") {
		var err error
		if f, err = (&Cluster{}).CompileFilter(w.Filter, w.Channel); err != nil {
			f = filter.OfTypes(nil)
		}
	}
	return filter.All(eventsFilter(w.Events), f)
}

// eventsFilter is the filter of a webhook's events list: names or
// path.Match globs, case-sensitive, as they always were.
func eventsFilter(globs []string) *filter.Filter {
	if len(globs) == 0 {
		return nil
	}
	var types []gfevent.Type
	for _, t := range gfevent.Types() {
		for _, g := range globs {
			if ok, _ := path.Match(g, t.String()); ok {
				types = append(types, t)
				break
			}
		}
	}
	return filter.OfTypes(types)
}

// validateChannels checks the channel definitions and resolves every
// webhook's filter (see Compiled).
func (c *Cluster) validateChannels(p *problems) {
	for _, name := range c.ChannelNames() {
		if !validName(name) {
			p.add("channels."+name, "%q is not 1 to 64 letters, digits, '.', '-' or '_' (starting with a letter or digit)", name)
			continue
		}
		if _, err := filter.Parse(c.Channels[name].Filter, c.ChannelExpr); err != nil {
			p.add("channels."+name+".filter", "%v", channelErr(err, name))
		}
	}
	for i := range c.Webhooks {
		w := &c.Webhooks[i]
		w.Resolved = nil
		if w.Channel != "" {
			if _, ok := c.Channels[w.Channel]; !ok {
				p.add(fmt.Sprintf("webhook[%d].channel", i), "%v", unknownChannel(w.Channel, c.ChannelNames()))
				continue
			}
		}
		f, err := c.CompileFilter(w.Filter, w.Channel)
		if err != nil {
			p.add(fmt.Sprintf("webhook[%d].filter", i), "%v", err)
			continue
		}
		w.Resolved = f
	}
}

// channelErr drops the "channel NAME:" prefix filter adds for an error in
// the channel's own expression, which the field name already says.
func channelErr(err error, name string) error {
	var fe *filter.Error
	if errors.As(err, &fe) && fe.Channel == name {
		e := *fe
		e.Channel = ""
		return &e
	}
	return err
}

// validateFilter checks a lone webhook's filter expression, without the
// cluster's channels (Cluster.Validate resolves those).
func (w *Webhook) validateFilter(prefix string, p *problems) {
	if _, err := filter.Parse(w.Filter, func(string) (string, bool) { return "", true }); err != nil {
		p.add(prefix+"filter", "%v", err)
	}
	if w.Channel != "" && !validName(w.Channel) {
		p.add(prefix+"channel", "%q is not a channel name", w.Channel)
	}
}
