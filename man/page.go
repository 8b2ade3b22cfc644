package man

import "time"

// PageDate is the date in the footer of the committed pages. It is fixed so
// that regenerating them from an unchanged command tree changes nothing;
// move it forward when a page's content changes.
var PageDate = time.Date(2026, time.December, 2, 0, 0, 0, 0, time.UTC)

// The command families: kong group titles (cmd/cli.go) and the page that
// documents each in full.
const (
	GroupDaemon   = "Daemon"
	GroupWebhooks = "Webhooks"
	GroupConfig   = "Config"
	GroupTools    = "Tools"
)

// Page is one generated page: its file in man/ and what goes on it.
type Page struct {
	File string
	// Peer says whether the page documents peer_gluster-eventing's node
	// actions as well (Options.Trees, which the caller fills in: this
	// package does not import cmd).
	Peer    bool
	Options Options
}

// familyPages maps each group to its page name.
var familyPages = map[string]string{
	GroupDaemon:   "gluster-eventing-daemon",
	GroupWebhooks: "gluster-eventing-webhooks",
	GroupConfig:   "gluster-eventing-config",
	GroupTools:    "gluster-eventing-tools",
}

// Hand-written paragraphs, some on more than one page.
var (
	pIntro = "gluster-eventing receives the events GlusterFS nodes announce as UDP datagrams " +
		"(\"<time> <id> key=value;...\" on port 55555, IPv4 and IPv6), " +
		"writes every accepted event once to a durable local journal with a per-node sequence number, " +
		"and delivers it from there to webhooks and notifiers (a command, mail, SNMP traps), each with its own filter, to the HTTP API (events since a cursor, Server-Sent Events and WebSocket streams that resume on any node, a live dashboard) and to D-Bus (org.gluster.Eventing1: volumes, bricks and peers as objects, an Event signal per event). " +
		"Every daemon also holds the other nodes' events, forwarded over an authenticated channel, so that any node shows the whole cluster. " +
		"A state table of peers, volumes and bricks with each volume's health is built from gluster --xml, follows the events, " +
		"and is reconciled periodically; a change only reconciliation saw (a brick that died while the daemon was down) " +
		"is journaled as a synthesized event (synthesized=reconcile), so webhooks learn about it too. " +
		"Nothing accepted is lost on reload, restart or a receiver outage: every consumer is a cursor into the journal. " +
		"Datagrams that cannot be parsed are counted by reason, never fatal."
	pNames = "One binary answers to several names. " +
		"As gluster-eventing it is the daemon (the daemon command) and the command line that manages it across the cluster. " +
		"As glustereventsd it runs the daemon and accepts the legacy -p/--pid-file option, " +
		"so that it replaces Gluster's Python glustereventsd service. " +
		"As gluster-eventsapi it takes the legacy command line, with the same commands, --json output and exit codes, " +
		"so that existing automation keeps working. " +
		"As peer_gluster-eventing, installed in glusterd's libexec directory, " +
		"it is the node-side half of the cluster commands, run by glusterd's system:: execute."
	pCluster = "The cluster commands (start, stop, restart, reload, status, webhook-add, webhook-mod, webhook-del, webhook-test, " +
		"config-set, config-reset and sync) run from any node and act on every node of the Gluster cluster, " +
		"reaching them the way Gluster's own tools do, through glusterd (gluster system:: execute and system:: copy file): " +
		"no new port, no new secret. Each prints a table of NODE, NODE STATUS (DOWN: its glusterd did not answer) " +
		"and the action's status per node (OK, or NOT OK and why), or with --json gluster-eventsapi's shape; " +
		"the exit status is 3 when the action failed on every node and 4 when on some. " +
		"On a machine without glusterd, or a node without peers, they act on this node alone and say so in one line; " +
		"on a node of a cluster whose glusterd is down, a change is refused (exit status 8 or 9) rather than made on that node alone."
	pClusterConfig = "The cluster-shared configuration carries a generation, the node the change was made on, and a digest. " +
		"A change is checked on the node where it is typed (a bad URL, unknown key or invalid value is refused " +
		"before any other node is touched), is made on top of the newest configuration any node holds, " +
		"and goes to every node with the next generation; each node checks the copy's digest before it installs it, " +
		"so that a truncated copy is never loaded, and reloads its daemon. " +
		"Of two changes made at once on two nodes, every node keeps the same one (the higher generation, then the lower node UUID), " +
		"and the other command fails, saying that its change was not applied. " +
		"A node that was down catches up by itself when it returns; sync makes every node hold this node's configuration."
	pStatus = "status shows, per node, whether the daemon runs (UP, DOWN, NOT RESPONDING), the configuration generation it holds, " +
		"its journal's last sequence number and how its webhooks are doing, and flags nodes whose configuration differs; " +
		"it exits 4 when some daemons are not up and 3 when none is. " +
		"status --local and reload --local talk only to this node's daemon, over HTTP on the unix socket " +
		"/run/gluster-eventing/api.sock; reload returns only when the new configuration is in effect."
	pDashboard = "The daemon serves a live dashboard at / on its HTTP listener ([http] listen, http://127.0.0.1:55556/ by default): " +
		"peers, volumes and bricks coloured by health (ok, degraded, down, unknown), each webhook's delivery health and counters, " +
		"the daemon's counters, whether each peer's events reach this node, and the cluster's events as they arrive, newest first, " +
		"filtered by type, category, severity, volume, node or a filter expression. " +
		"It follows the event stream: no polling, no reloads; after a disconnect it resumes from the last event it showed, " +
		"and when that is older than the journal keeps it says so and goes on from the current state. " +
		"With [http] token_file set it asks for the token and signs in with a session cookie. " +
		"Its files are embedded in the binary and load nothing from elsewhere (Content-Security-Policy default-src 'self')."
	pWebhooks = "Webhooks: webhook-add gives each webhook a stable id, shown in webhook-list, which webhook-mod, webhook-del, " +
		"webhook-replay and webhook-dead-letters accept like the webhook's name or URL; webhook-mod --url changes the URL " +
		"(to rotate a credential in it) without losing the events queued for the webhook. " +
		"A new webhook gets the events journaled from then on. " +
		"The native webhook-add defaults to --format standard, whose bodies are always signed: without --signing-secret it " +
		"generates a secret and prints it once (with --json, as the signing_secret key); give it to the receiver. " +
		"Every failed delivery but 410 Gone is retried until the webhook's max_age (72 hours by default), " +
		"then dead-lettered and kept for webhook-replay --dead-letters."
	pSecrets = "Secrets on the command line (--bearer-token, --secret, --signing-secret) can be read by every local user in the process list. " +
		"Prefer --bearer-token-file, --secret-file and --signing-secret-file, which read the secret from a file, " +
		"or from standard input when given -; the flags stay for gluster-eventsapi compatibility."
	pConfig = "Configuration is TOML, described in gluster-eventing.toml(5). " +
		"On first start, Gluster's events/webhooks.json and events/config.json are imported."
	pFamilies = "The commands are documented by family: gluster-eventing-daemon(8) for the daemon and its lifecycle " +
		"(daemon, start, stop, restart, reload, status, state), gluster-eventing-webhooks(8) for webhooks and their deliveries, " +
		"gluster-eventing-config(8) for the configuration and the cluster (config-get, config-set, config-reset, sync, import, " +
		"and the node actions glusterd runs through peer_gluster-eventing), and gluster-eventing-tools(8) for emit, listen and version. " +
		"Every command takes --help."
	pUnits = "Under systemd the daemon runs as gluster-eventing.service (Type=notify): it reports READY=1 once it receives events, " +
		"pings the watchdog (WatchdogSec=) while its intake readers are alive, and systemctl reload runs reload --local, " +
		"which returns when the new configuration is applied. The unit runs the daemon sandboxed (ProtectSystem=strict, " +
		"only CAP_NET_ADMIN); its comments say what each remaining exposure is for. " +
		"The optional gluster-eventing.socket holds the UDP socket (port 55555, IPv4 and IPv6) for the daemon: " +
		"enable it with systemctl enable --now gluster-eventing.socket, and datagrams sent while the service restarts " +
		"or is upgraded wait in the socket's receive queue instead of being refused. The daemon takes the sockets systemd passes " +
		"(LISTEN_FDS, named events) instead of binding the listen addresses of its configuration. " +
		"gluster-eventing.service conflicts with Gluster's glustereventsd.service: both use port 55555."
	pDaemon = "The daemon command runs the daemon in the foreground, as the service does; start, stop and restart act on the " +
		"service of every node (systemctl, or the daemon directly where systemd is not running), reload reloads every node's " +
		"daemon, and state shows the state table this node's daemon keeps."
	pPeer = "peer_gluster-eventing is installed in glusterd's libexec directory (/usr/libexec/glusterfs on RPM systems, " +
		"/usr/lib/<multiarch>/glusterfs on Debian), where glusterd's system:: execute finds it. The cluster commands run it on " +
		"every node; an administrator has no reason to. Each action prints JSON replies, one per line, and it always exits 0 " +
		"(a non-zero exit on one node would fail glusterd's whole transaction): failures travel in the replies."
	pTools = "These commands need no cluster and, but for emit, no daemon: emit sends a Gluster event datagram, in the format " +
		"Gluster's gf_event() sends (\"<time> <id> key=value;...\"), to the local daemon or any address; listen prints the datagrams " +
		"arriving on a UDP address, or with --http the webhook deliveries arriving on a TCP address, one JSON line each; " +
		"version prints the version (with --json, the commit, build date and Go version too)."

	envVars = []Item{
		{"GLUSTER_EVENTING_CONFIG", "Path of the node-local configuration file, used when --config is not given."},
		{"NOTIFY_SOCKET", "Set by systemd for Type=notify services. The daemon reports READY=1 when it receives events, " +
			"RELOADING=1 around reloads, STOPPING=1 on shutdown and a STATUS= line with its counters."},
		{"WATCHDOG_USEC", "Set by systemd when WatchdogSec= is configured. " +
			"The daemon pings the watchdog at half the interval while its intake is alive."},
		{"LISTEN_FDS", "Set by systemd socket activation, with LISTEN_PID and LISTEN_FDNAMES. " +
			"The daemon takes its UDP sockets from the passed descriptors instead of binding the listen addresses."},
		{"JOURNAL_STREAM", "Set by systemd when standard error goes to the journal; the daemon then leaves the time out of its log lines."},
	}
	files = []Item{
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
	}
	signals = []Item{
		{"SIGHUP, SIGUSR2", "Reload the configuration, as the reload command does. " +
			"SIGUSR2 is what Gluster's glustereventsd.service sends on reload."},
		{"SIGTERM, SIGINT", "Stop: stop receiving, let in-flight webhook requests finish (for at most 10 seconds) and exit. " +
			"Events not yet delivered stay in the journal and are delivered after the next start."},
	}
)

// seeAlso is the SEE ALSO list of a page: the other pages of the product,
// then the ones outside it.
func seeAlso(self string, more ...string) []string {
	var out []string
	for _, p := range []string{"gluster-eventing(8)", "gluster-eventing-daemon(8)", "gluster-eventing-webhooks(8)",
		"gluster-eventing-config(8)", "gluster-eventing-tools(8)", "gluster-eventing.toml(5)"} {
		if p != self+"(8)" {
			out = append(out, p)
		}
	}
	return append(append(out, more...), "gluster(8)", "glusterd(8)")
}

// family returns the options of a command family's page.
func family(group, summary string, description []string) Options {
	name := familyPages[group]
	return Options{
		Section:           8,
		Date:              PageDate,
		Manual:            "System Manager's Manual",
		Name:              name,
		Summary:           summary,
		Groups:            []string{group},
		GlobalOptionsPage: "gluster-eventing(8)",
		Description:       description,
		SeeAlso:           seeAlso(name),
	}
}

// Pages returns every generated page, gluster-eventing(8) first. The
// caller adds ExitCodes (cmd.ExitCodes) to each, so that the table is not
// written down twice, and the peer tree to the page with Peer set.
func Pages() []Page {
	daemon := family(GroupDaemon, "run the Gluster eventing daemon and manage it on every node",
		[]string{pDaemon, pIntro, pStatus, pDashboard, pUnits, pCluster})
	daemon.Environment = envVars
	daemon.Files = files
	daemon.Signals = signals
	daemon.Examples = []Example{
		{"Send a test event to the local daemon and show what it has seen:",
			"gluster-eventing emit VOLUME_START name=gv0 && gluster-eventing status --local"},
		{"See every node's daemon, config generation and webhooks, and whether the nodes' configs agree:",
			"gluster-eventing status"},
		{"Follow the brick events of every node, warnings and worse, starting with the last 10:",
			"gluster-eventing events -f --category brick --severity warning"},
		{"Print the volume events of the last hour as JSON lines, and resume later after the last one printed:",
			"gluster-eventing events --since 1h --type 'VOLUME_*' --json; gluster-eventing events --since CURSOR"},
		{"Open node1's dashboard from a workstation, through SSH (then browse http://127.0.0.1:55556/):",
			"ssh -N -L 55556:127.0.0.1:55556 root@node1"},
	}
	daemon.SeeAlso = seeAlso(daemon.Name, "systemd.service(5)", "systemd.socket(5)", "sd_notify(3)", "busctl(1)")

	webhooks := family(GroupWebhooks, "manage the webhooks of the Gluster eventing daemon",
		[]string{pWebhooks, pSecrets, pFilters, pNotifiers, pEmailSNMP, pCluster})
	webhooks.Examples = []Example{
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
		{"Send only brick and quorum alerts of severity warning or worse to a pager:",
			"gluster-eventing webhook-add https://pager.example.com/gluster --filter 'category:brick category:quorum severity:warning'"},
		{"Define that once as a channel, and have a second webhook use it:",
			"gluster-eventing channel-add alerts 'category:brick category:quorum severity:warning' && gluster-eventing webhook-mod 3f2a9c01d4e5b6a7 --channel alerts"},
		{"Run a command for every critical event, the event as JSON on its standard input, and check it works on every node:",
			"gluster-eventing notifier-add exec --name pager --filter severity:critical -- /usr/local/bin/page-oncall && gluster-eventing notifier-test pager"},
	}

	config := family(GroupConfig, "configure the Gluster eventing daemon across the cluster",
		[]string{pConfig, pClusterConfig, pCluster, pDisable})
	config.Files = files
	config.Examples = []Example{
		{"Show the legacy gluster-eventsapi settings, then raise the log level on every node:",
			"gluster-eventing config-get && gluster-eventing config-set log-level DEBUG"},
		{"Make every node hold this node's cluster configuration (after a node was restored from a backup):",
			"gluster-eventing sync"},
		{"Stop emitting the volume events cluster-wide, but for VOLUME_START, and list what is disabled:",
			"gluster-eventing disable 'Volume.*' && gluster-eventing enable VOLUME_START && gluster-eventing disabled"},
	}
	config.SeeAlso = seeAlso(config.Name)

	tools := family(GroupTools, "send, watch and identify Gluster events without the cluster",
		[]string{pTools})
	tools.Examples = []Example{
		{"Print every event the cluster delivers, as a webhook of every node while it runs, verifying each signature:",
			"gluster-eventing listen --register"},
		{"Receive a webhook added with a JWT secret (webhook-add --format legacy --secret-file jwt.txt http://HOST:9000/listen):",
			"gluster-eventing listen :9000 --jwt-secret-file jwt.txt"},
		{"Watch the datagrams arriving on a port, without a daemon:",
			"gluster-eventing listen --udp 127.0.0.1:55556"},
	}

	return []Page{
		{File: "gluster-eventing.8", Options: Options{
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
			Description: []string{pIntro, pNames, pFamilies, pCluster, pConfig},
			GroupPages: map[string]string{
				GroupDaemon:   "gluster-eventing-daemon(8)",
				GroupWebhooks: "gluster-eventing-webhooks(8)",
				GroupConfig:   "gluster-eventing-config(8)",
				GroupTools:    "gluster-eventing-tools(8)",
			},
			Environment: envVars,
			Files:       files,
			Signals:     signals,
			Examples: []Example{
				{"Send a test event to the local daemon and show what it has seen:",
					"gluster-eventing emit VOLUME_START name=gv0 && gluster-eventing status --local"},
				{"See every node's daemon, config generation and webhooks, and whether the nodes' configs agree:",
					"gluster-eventing status"},
				{"Add a webhook, on every node of the cluster, that gets Gluster's legacy JSON body:",
					"gluster-eventing webhook-add --format legacy https://alerts.example.com/gluster"},
				{"Follow the events of every node as they arrive:",
					"gluster-eventing events --follow"},
			},
			SeeAlso: seeAlso("gluster-eventing", "glustereventsd(8)", "systemd.service(5)", "sd_notify(3)", "busctl(1)"),
		}},
		{File: "gluster-eventing-daemon.8", Options: daemon},
		{File: "gluster-eventing-webhooks.8", Options: webhooks},
		{File: "gluster-eventing-config.8", Peer: true, Options: config},
		{File: "gluster-eventing-tools.8", Options: tools},
	}
}

// PeerTree is the section of gluster-eventing-config(8) that documents
// peer_gluster-eventing's node actions; the caller sets App.
func PeerTree() Tree {
	return Tree{Title: "Node actions", Text: pPeer}
}
