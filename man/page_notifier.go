package man

// pNotifiers documents notifiers on gluster-eventing-webhooks(8); their
// keys are in gluster-eventing.toml(5), [[notifier]].
const pNotifiers = "Notifiers get events like webhooks, through the same delivery machinery (their own cursor, order, " +
	"retries with backoff until --max-age, dead letters, health in status and /metrics), but deliver them otherwise: " +
	"notifier-add exec runs a command for each event, or with --batch once for the events at hand. " +
	"gluster-eventing notifier-add exec --name pager --filter 'severity:critical' -- /usr/local/bin/page-oncall --team storage " +
	"runs page-oncall (an absolute path: there is no shell) for every critical event, the event's standard JSON body on its " +
	"standard input and the event in its environment (GLUSTER_EVENT, GLUSTER_EVENT_SEQ, GLUSTER_EVENT_NODE, GLUSTER_EVENT_TS, " +
	"GLUSTER_EVENT_CATEGORY, GLUSTER_EVENT_SEVERITY and GLUSTER_FIELD_KEY for each field); exit status 0 delivers it, any " +
	"other exit or a run past --timeout (which kills its process group) is retried, and the first line of its standard error " +
	"is the notifier's last error in notifier-list and status. --max-in-flight (--concurrency) bounds the commands running at " +
	"once. notifier-mod changes a notifier (notifier-mod pager -- /new/program args replaces the command), notifier-del " +
	"removes it, notifier-list shows them with their health on this node, and notifier-test sends a TEST event (seq 0, not " +
	"journaled) through one from every node, so a command missing on one node shows there. notifier-dead-letters and " +
	"notifier-replay --since or --dead-letters act on this node's notifier as webhook-dead-letters and webhook-replay do on " +
	"a webhook."
