package man

import "time"

// PageDate is the date in the footer of the committed gluster-eventing(8).
// It is fixed so that regenerating the page from an unchanged command tree
// changes nothing; move it forward when the page's content changes.
var PageDate = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

// PageOptions returns the hand-written parts of gluster-eventing(8). The
// caller adds ExitCodes (cmd.ExitCodes), so that the table is not written
// down twice.
func PageOptions() Options {
	return Options{
		Section: 8,
		Date:    PageDate,
		Manual:  "System Manager's Manual",
		Names:   []string{"gluster-eventing", "glustereventsd", "gluster-eventsapi", "peer_gluster-eventing"},
		Summary: "Gluster eventing daemon and command line",
		Synopsis: []string{
			"glustereventsd [-p PATH] [--config=PATH]",
			"gluster-eventsapi COMMAND [ARGUMENTS]",
			"peer_gluster-eventing COMMAND [ARGUMENTS]",
		},
		Description: []string{
			"gluster-eventing receives the events GlusterFS nodes announce as UDP datagrams " +
				"(\"<time> <id> key=value;...\" on port 55555, IPv4 and IPv6), " +
				"writes every accepted event once to a durable local journal with a per-node sequence number, " +
				"and delivers it from there to webhooks, the local HTTP API and D-Bus (org.gluster.Eventing1: volumes, bricks and peers as objects, an Event signal per event). " +
				"A state table of peers, volumes and bricks with each volume's health is built from gluster --xml, follows the events, " +
				"and is reconciled periodically; a change only reconciliation saw (a brick that died while the daemon was down) " +
				"is journaled as a synthesized event (synthesized=reconcile), so webhooks learn about it too. " +
				"Nothing accepted is lost on reload, restart or a receiver outage: every consumer is a cursor into the journal. " +
				"Datagrams that cannot be parsed are counted by reason, never fatal.",
			"One binary answers to several names. " +
				"As gluster-eventing it is the daemon (the daemon command) and the command line that manages it across the cluster. " +
				"As glustereventsd it runs the daemon and accepts the legacy -p/--pid-file option, " +
				"so that it replaces Gluster's Python glustereventsd service. " +
				"As gluster-eventsapi it takes the legacy command line, with the same commands, --json output and exit codes, " +
				"so that existing automation keeps working. " +
				"As peer_gluster-eventing, installed in glusterd's libexec directory, " +
				"it is the node-side half of the cluster commands, run by glusterd's system:: execute.",
			"The cluster commands (start, stop, restart, reload, status, webhook-add, webhook-mod, webhook-del, webhook-test, " +
				"config-set, config-reset and sync) run from any node and act on every node of the Gluster cluster, " +
				"reaching them the way Gluster's own tools do, through glusterd (gluster system:: execute and system:: copy file): " +
				"no new port, no new secret. Each prints a table of NODE, NODE STATUS (DOWN: its glusterd did not answer) " +
				"and the action's status per node (OK, or NOT OK and why), or with --json gluster-eventsapi's shape; " +
				"the exit status is 3 when the action failed on every node and 4 when on some. " +
				"On a machine without glusterd, or a node without peers, they act on this node alone and say so in one line; " +
				"on a node of a cluster whose glusterd is down, a change is refused (exit status 8 or 9) rather than made on that node alone.",
			"The cluster-shared configuration carries a generation, the node the change was made on, and a digest. " +
				"A change is checked on the node where it is typed (a bad URL, unknown key or invalid value is refused " +
				"before any other node is touched), is made on top of the newest configuration any node holds, " +
				"and goes to every node with the next generation; each node checks the copy's digest before it installs it, " +
				"so that a truncated copy is never loaded, and reloads its daemon. " +
				"Of two changes made at once on two nodes, every node keeps the same one (the higher generation, then the lower node UUID), " +
				"and the other command fails, saying that its change was not applied. " +
				"A node that was down catches up by itself when it returns; sync makes every node hold this node's configuration.",
			"status shows, per node, whether the daemon runs (UP, DOWN, NOT RESPONDING), the configuration generation it holds, " +
				"its journal's last sequence number and how its webhooks are doing, and flags nodes whose configuration differs; " +
				"it exits 4 when some daemons are not up and 3 when none is. " +
				"status --local and reload --local talk only to this node's daemon, over HTTP on the unix socket " +
				"/run/gluster-eventing/api.sock; reload returns only when the new configuration is in effect.",
			"Webhooks: webhook-add gives each webhook a stable id, shown in webhook-list, which webhook-mod, webhook-del, " +
				"webhook-replay and webhook-dead-letters accept like the webhook's name or URL; webhook-mod --url changes the URL " +
				"(to rotate a credential in it) without losing the events queued for the webhook. " +
				"A new webhook gets the events journaled from then on. " +
				"The native webhook-add defaults to --format standard, whose bodies are always signed: without --signing-secret it " +
				"generates a secret and prints it once (with --json, as the signing_secret key); give it to the receiver. " +
				"Every failed delivery but 410 Gone is retried until the webhook's max_age (72 hours by default), " +
				"then dead-lettered and kept for webhook-replay --dead-letters.",
			"Secrets on the command line (--bearer-token, --secret, --signing-secret) can be read by every local user in the process list. " +
				"Prefer --bearer-token-file, --secret-file and --signing-secret-file, which read the secret from a file, " +
				"or from standard input when given -; the flags stay for gluster-eventsapi compatibility.",
			"Configuration is TOML, described in gluster-eventing.toml(5). " +
				"On first start, Gluster's events/webhooks.json and events/config.json are imported.",
		},
		Environment: []Item{
			{"GLUSTER_EVENTING_CONFIG", "Path of the node-local configuration file, used when --config is not given."},
			{"NOTIFY_SOCKET", "Set by systemd for Type=notify services. The daemon reports READY=1 when it receives events, " +
				"RELOADING=1 around reloads, STOPPING=1 on shutdown and a STATUS= line with its counters."},
			{"WATCHDOG_USEC", "Set by systemd when WatchdogSec= is configured. " +
				"The daemon pings the watchdog at half the interval while its intake is alive."},
			{"LISTEN_FDS", "Set by systemd socket activation, with LISTEN_PID and LISTEN_FDNAMES. " +
				"The daemon takes its UDP sockets from the passed descriptors instead of binding the listen addresses."},
			{"JOURNAL_STREAM", "Set by systemd when standard error goes to the journal; the daemon then leaves the time out of its log lines."},
		},
		Files: []Item{
			{"/etc/gluster-eventing/gluster-eventing.toml", "Node-local configuration: listen addresses, directories, API socket, log level, " +
				"D-Bus, allowed sources, journal retention. See gluster-eventing.toml(5)."},
			{"/var/lib/glusterd/events/gluster-eventing.toml", "Cluster-shared configuration, identical on every peer: webhooks and their secrets, " +
				"and the legacy gluster-eventsapi keys. Mode 0600. It lives in glusterd's working directory " +
				"(glusterd_workdir in the node-local file)."},
			{"/var/lib/glusterd/events/webhooks.json", "Gluster's webhook list, imported on first start."},
			{"/var/lib/glusterd/events/config.json", "Gluster's eventing configuration, imported on first start."},
			{"/var/lib/gluster-eventing/", "State directory: the event journal, delivery cursors and retry state."},
			{"/run/gluster-eventing/api.sock", "The daemon's local HTTP API (status, webhook health, metrics, reload)."},
			{"/run/gluster-eventing/gluster-eventing.pid", "PID file of the daemon, held locked while it runs."},
		},
		Signals: []Item{
			{"SIGHUP, SIGUSR2", "Reload the configuration, as the reload command does. " +
				"SIGUSR2 is what Gluster's glustereventsd.service sends on reload."},
			{"SIGTERM, SIGINT", "Stop: stop receiving, let in-flight webhook requests finish (for at most 10 seconds) and exit. " +
				"Events not yet delivered stay in the journal and are delivered after the next start."},
		},
		Examples: []Example{
			{"Send a test event to the local daemon and show what it has seen:",
				"gluster-eventing emit VOLUME_START name=gv0 && gluster-eventing status --local"},
			{"See every node's daemon, config generation and webhooks, and whether the nodes' configs agree:",
				"gluster-eventing status"},
			{"Add a webhook, on every node of the cluster, that gets Gluster's legacy JSON body:",
				"gluster-eventing webhook-add --format legacy https://alerts.example.com/gluster"},
			{"Add a webhook whose bearer token is read from standard input rather than the command line:",
				"printf '%s' \"$TOKEN\" | gluster-eventing webhook-add --format legacy --bearer-token-file - https://alerts.example.com/gluster"},
			{"Rotate the token in a webhook's URL; events queued during the outage the old token caused are delivered to the new URL:",
				"gluster-eventing webhook-mod 3f2a9c01d4e5b6a7 --url 'https://alerts.example.com/gluster?token=NEW'"},
			{"List the events a webhook gave up on, and send them again once the receiver is fixed:",
				"gluster-eventing webhook-dead-letters 3f2a9c01d4e5b6a7 && gluster-eventing webhook-replay 3f2a9c01d4e5b6a7 --dead-letters"},
			{"Send again everything of the last two hours (the events keep their ids):",
				"gluster-eventing webhook-replay 3f2a9c01d4e5b6a7 --since 2h"},
			{"Watch the datagrams arriving on a port, without a daemon:",
				"gluster-eventing listen --addr 127.0.0.1:55556"},
		},
		SeeAlso: []string{
			"gluster-eventing.toml(5)", "gluster(8)", "glusterd(8)", "systemd.service(5)", "sd_notify(3)", "busctl(1)",
		},
	}
}
