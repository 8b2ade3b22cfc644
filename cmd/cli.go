package cmd

import (
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// DefaultNodeConfig is the node-local config file (a package conffile).
const DefaultNodeConfig = config.DefaultNodePath

// defaultReloadTimeout is how long a config change waits for the local
// daemon to apply it.
const defaultReloadTimeout = 30 * time.Second

// Globals are the flags every command accepts.
type Globals struct {
	JSON   bool   `help:"Print machine-readable JSON on stdout (errors too)."`
	Config string `help:"Node-local config file." default:"${default_config}" env:"GLUSTER_EVENTING_CONFIG" placeholder:"PATH"`
	Legacy bool   `hidden:"" help:"gluster-eventsapi / glustereventsd compatibility (set by the argv[0] aliases)."`
	// ReloadTimeout bounds the reload after a config change. Hidden: it is
	// there for tests and for the odd slow machine, not for every help page.
	ReloadTimeout time.Duration `hidden:"" name:"reload-timeout" default:"30s" help:"How long a config change waits for the local daemon to apply it."`
}

// CLI is the whole command tree. Every command of the product is here from
// the start; one not built yet says so with exit code 12.
type CLI struct {
	Globals

	Daemon  DaemonCmd  `cmd:"" help:"Run the event daemon in the foreground (the glustereventsd alias runs this)." group:"Daemon"`
	Start   StartCmd   `cmd:"" help:"Start the daemon on every node." group:"Daemon"`
	Stop    StopCmd    `cmd:"" help:"Stop the daemon on every node." group:"Daemon"`
	Restart RestartCmd `cmd:"" help:"Restart the daemon on every node." group:"Daemon"`
	Reload  ReloadCmd  `cmd:"" help:"Reload the daemon of every node (--local: this node's); returns when applied." group:"Daemon"`
	Status  StatusCmd  `cmd:"" help:"Show every node's daemon, config generation and webhook health (--local: this node's in detail)." group:"Daemon"`
	State   StateCmd   `cmd:"" help:"Show the cluster's peers, volumes (with health) and bricks as this node's daemon knows them." group:"Daemon"`
	Events  EventsCmd  `cmd:"" help:"Print the cluster's events, since a position or a time, and with --follow as they arrive." group:"Daemon"`

	WebhookAdd  WebhookAddCmd  `cmd:"" help:"Add a webhook, on every node." group:"Webhooks"`
	WebhookMod  WebhookModCmd  `cmd:"" help:"Change a webhook's settings, on every node." group:"Webhooks"`
	WebhookDel  WebhookDelCmd  `cmd:"" help:"Delete a webhook, on every node." group:"Webhooks"`
	WebhookList WebhookListCmd `cmd:"" help:"List webhooks (secrets redacted)." group:"Webhooks"`
	WebhookTest WebhookTestCmd `cmd:"" help:"Send a test event to a webhook from every node and report the HTTP status." group:"Webhooks"`

	WebhookDeadLetters WebhookDeadLettersCmd `cmd:"" name:"webhook-dead-letters" help:"List the events a webhook gave up on, on this node." group:"Webhooks"`
	WebhookReplay      WebhookReplayCmd      `cmd:"" help:"Send a webhook's events again, from a seq or time or its dead letters, on this node." group:"Webhooks"`

	NotifierAdd  NotifierAddCmd  `cmd:"" help:"Add a notifier (a command to run, ...) that gets events like a webhook, on every node." group:"Webhooks"`
	NotifierMod  NotifierModCmd  `cmd:"" help:"Change a notifier's settings, on every node." group:"Webhooks"`
	NotifierDel  NotifierDelCmd  `cmd:"" help:"Delete a notifier, on every node." group:"Webhooks"`
	NotifierList NotifierListCmd `cmd:"" help:"List notifiers (secrets redacted) and their delivery health on this node." group:"Webhooks"`
	NotifierTest NotifierTestCmd `cmd:"" help:"Send a test event through a notifier from every node and report the result." group:"Webhooks"`

	NotifierDeadLetters NotifierDeadLettersCmd `cmd:"" name:"notifier-dead-letters" help:"List the events a notifier gave up on, on this node." group:"Webhooks"`
	NotifierReplay      NotifierReplayCmd      `cmd:"" help:"Send a notifier's events again, from a seq or time or its dead letters, on this node." group:"Webhooks"`

	ChannelAdd  ChannelAddCmd  `cmd:"" help:"Define a channel, a named filter that webhooks, notifiers and event API clients refer to, on every node." group:"Webhooks"`
	ChannelDel  ChannelDelCmd  `cmd:"" help:"Delete a channel, on every node." group:"Webhooks"`
	ChannelList ChannelListCmd `cmd:"" help:"List the channels, their filters and what uses them." group:"Webhooks"`

	ConfigGet   ConfigGetCmd   `cmd:"" help:"Show config values (log-level, port, disable-events-log)." group:"Config"`
	ConfigSet   ConfigSetCmd   `cmd:"" help:"Set a config value, on every node." group:"Config"`
	ConfigReset ConfigResetCmd `cmd:"" help:"Reset a config value (or all) to the default, on every node." group:"Config"`
	Sync        SyncCmd        `cmd:"" help:"Make every node's cluster config this node's and reload every daemon." group:"Config"`
	Import      ImportCmd      `cmd:"" help:"Adopt Gluster's events/webhooks.json and config.json into the cluster config, on every node." group:"Config"`

	PeerKeyRotate PeerKeyRotateCmd `cmd:"" help:"Make a new event forwarding key (the old one stays accepted until the next rotation), on every node." group:"Config"`

	Disable  DisableCmd  `cmd:"" help:"Turn event keys off on every node (Volume.*): the daemons drop those events before the journal, counting them." group:"Config"`
	Enable   EnableCmd   `cmd:"" help:"Turn disabled event keys on again, on every node." group:"Config"`
	Disabled DisabledCmd `cmd:"" help:"List the disabled event keys and the events they name." group:"Config"`

	Emit    EmitCmd    `cmd:"" help:"Send a Gluster event datagram to the local daemon." group:"Tools"`
	Listen  ListenCmd  `cmd:"" help:"Receive webhook deliveries and print each event, verifying them (--register: as a webhook of the cluster while it runs; --udp: print raw datagrams)." group:"Tools"`
	Version VersionCmd `cmd:"" help:"Print the version." group:"Tools"`
}
