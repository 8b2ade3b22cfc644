package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/gfevent"
)

const channelsCluster = `version = 1
generation = 3
log-level = "INFO"
port = 55555

[channels.alerts]
filter = "category:brick category:quorum severity:warning"
description = "brick and quorum trouble"

[channels.everything]
filter = ""

[[webhook]]
url = "https://example.com/a"
channel = "alerts"

[[webhook]]
url = "https://example.com/b"
filter = "VOLUME_* !VOLUME_SET"
events = ["VOLUME_S*"]

[[webhook]]
url = "https://example.com/c"
filter = "volume:gv0"
channel = "alerts"

[[webhook]]
url = "https://example.com/d"
`

func event(t gfevent.Type, kv ...string) *gfevent.Event {
	e := &gfevent.Event{Type: t}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Fields = append(e.Fields, gfevent.Field{Key: kv[i], Value: kv[i+1]})
	}
	return e
}

func TestChannels(t *testing.T) {
	path := writeTemp(t, "c.toml", channelsCluster)
	c, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ChannelNames(); strings.Join(got, ",") != "alerts,everything" {
		t.Errorf("ChannelNames = %q", got)
	}
	if c.Channels["alerts"].Description != "brick and quorum trouble" {
		t.Errorf("description = %q", c.Channels["alerts"].Description)
	}
	const node = "3f2a9c1e-0000-4000-8000-000000000001"
	brickDown := event(gfevent.BrickDisconnected, "volume", "gv0")
	brickDownGv1 := event(gfevent.BrickDisconnected, "volume", "gv1")
	brickUp := event(gfevent.BrickConnected, "volume", "gv0")
	start := event(gfevent.VolumeStart, "name", "gv0")
	set := event(gfevent.VolumeSet, "name", "gv0")
	stop := event(gfevent.VolumeStop, "name", "gv0")
	create := event(gfevent.VolumeCreate, "name", "gv0")
	for _, tt := range []struct {
		hook  int
		ev    *gfevent.Event
		match bool
	}{
		{0, brickDown, true}, {0, brickDownGv1, true}, {0, brickUp, false}, {0, start, false},
		// events (case-sensitive globs, as always) AND filter
		{1, start, true}, {1, stop, true}, {1, set, false}, {1, create, false}, {1, brickDown, false},
		// filter AND channel
		{2, brickDown, true}, {2, brickDownGv1, false}, {2, brickUp, false},
		{3, brickUp, true}, {3, set, true},
	} {
		w := &c.Webhooks[tt.hook]
		if got := w.Compiled().Match(tt.ev, node); got != tt.match {
			t.Errorf("webhook %s: Match(%s %v) = %v, want %v", w.URL, tt.ev.Type, tt.ev.Fields, got, tt.match)
		}
	}
	if c.Webhooks[3].Resolved != nil || c.Webhooks[3].Compiled() != nil {
		t.Error("a webhook without filter, channel or events has a filter")
	}

	// The file round-trips, and a rewritten config resolves the same.
	if err := WriteCluster(path, c); err != nil {
		t.Fatal(err)
	}
	again, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(again.Encode()) != string(c.Encode()) {
		t.Errorf("round trip changed the file:\n%s\n---\n%s", c.Encode(), again.Encode())
	}
	if !strings.Contains(string(c.Encode()), "[channels.alerts]\n  filter = \"category:brick category:quorum severity:warning\"") &&
		!strings.Contains(string(c.Encode()), "[channels.alerts]\nfilter = ") {
		t.Errorf("encoded config lacks the channel:\n%s", c.Encode())
	}
	for i := range c.Webhooks {
		if !c.Webhooks[i].Resolved.Equal(again.Webhooks[i].Resolved) {
			t.Errorf("webhook %d resolves differently after a round trip", i)
		}
	}

	// Clone copies the channels: changing the clone's leaves c alone.
	cl := c.Clone()
	cl.Channels["alerts"] = Channel{Filter: "severity:critical"}
	if c.Channels["alerts"].Filter != "category:brick category:quorum severity:warning" {
		t.Error("Clone shares the channels map")
	}
	// Changing a channel changes the filters of the webhooks using it.
	if err := cl.Validate(); err != nil {
		t.Fatal(err)
	}
	if cl.Webhooks[0].Resolved.Equal(c.Webhooks[0].Resolved) {
		t.Error("a changed channel resolves to the same filter")
	}
	if cl.Webhooks[0].Compiled().Match(event(gfevent.PeerAttach), node) {
		t.Error("changed channel: PEER_ATTACH matches severity:critical")
	}
}

func TestChannelErrors(t *testing.T) {
	for _, tt := range []struct {
		name, toml, want string
	}{
		{"bad channel filter", `
[channels.alerts]
filter = "category:bricks"
`, `channels.alerts.filter: filter "category:bricks": at column 1: unknown category "bricks"`},
		{"unknown name in channel", `
[channels.ops]
filter = "VOLUME_STRAT"
`, `channels.ops.filter: filter "VOLUME_STRAT": at column 1: unknown event name "VOLUME_STRAT" (did you mean VOLUME_START?)`},
		{"bad channel name", `
[channels."a b"]
filter = ""
`, `channels.a b: "a b" is not 1 to 64 letters`},
		{"channel loop", `
[channels.a]
filter = "channel:b"
[channels.b]
filter = "channel:a"
`, `channel "a" refers to itself (a -> b -> a)`},
		{"unknown channel", `
[channels.alerts]
filter = ""
[[webhook]]
url = "https://example.com/a"
channel = "alert"
`, `webhook[0].channel: unknown channel "alert" (defined: alerts)`},
		{"unknown channel, none defined", `
[[webhook]]
url = "https://example.com/a"
channel = "alerts"
`, `webhook[0].channel: unknown channel "alerts": no channels are defined`},
		{"unknown channel in filter", `
[[webhook]]
url = "https://example.com/a"
filter = "channel:alerts"
`, `webhook[0].filter: filter "channel:alerts": at column 1: unknown channel "alerts"`},
		{"bad webhook filter", `
[[webhook]]
url = "https://example.com/a"
filter = "severity:bad"
`, `webhook[0].filter: filter "severity:bad": at column 1: unknown severity "bad"`},
		{"channel key typo", `
[channels.alerts]
filtre = "x"
`, `filtre`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "c.toml", "version = 1\n"+tt.toml)
			_, err := LoadCluster(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadCluster error:\n%v\nwant it to contain\n%s", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), filepath.Base(path)) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestCompiledWithoutCluster(t *testing.T) {
	const node = "n"
	w := DefaultWebhook()
	w.URL = "https://example.com/a"
	w.Filter = "category:brick"
	if f := w.Compiled(); !f.Match(event(gfevent.BrickConnected), node) || f.Match(event(gfevent.VolumeStart), node) {
		t.Errorf("Compiled() of an unvalidated webhook = %v", f)
	}
	w.Channel = "alerts" // cannot be resolved: selects nothing, not everything
	if w.Compiled().Match(event(gfevent.BrickConnected), node) {
		t.Error("an unresolvable channel selects events")
	}
	// A lone webhook's Validate checks the expression but not the channel.
	if err := w.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	w.Filter = "VOLUME_STRAT"
	if err := w.Validate(); err == nil || !strings.Contains(err.Error(), `unknown event name "VOLUME_STRAT" (did you mean VOLUME_START?)`) {
		t.Errorf("Validate: %v", err)
	}
}

func TestCompileFilter(t *testing.T) {
	c := DefaultCluster()
	c.Channels = map[string]Channel{"alerts": {Filter: "severity:warning"}}
	f, err := c.CompileFilter("category:brick", "alerts")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Match(event(gfevent.BrickDisconnected), "n") || f.Match(event(gfevent.BrickConnected), "n") || f.Match(event(gfevent.QuorumLost), "n") {
		t.Errorf("CompileFilter = %v", f)
	}
	if f, err := c.CompileFilter("", ""); f != nil || err != nil {
		t.Errorf("CompileFilter of nothing = %v, %v", f, err)
	}
	if _, err := c.CompileFilter("", "nope"); err == nil || err.Error() != `unknown channel "nope" (defined: alerts)` {
		t.Errorf("CompileFilter unknown channel: %v", err)
	}
}
