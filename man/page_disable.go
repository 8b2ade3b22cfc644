package man

// pDisable documents selective disable on gluster-eventing-config(8).
const pDisable = "disable, enable and disabled turn event keys off and on cluster-wide, the way Gluster's eventing design " +
	"promised (gluster-eventsapi disable Volume.*): a pattern is an event name (VOLUME_START), a glob (VOLUME_*) or Gluster's " +
	"dotted spelling (Volume.*, Georep.State.Faulty), in any case. disable and enable are cluster changes like config-set: " +
	"checked on this node first (a name that matches no event is refused with the closest known names, exit status 7), " +
	"then carried to every node with the cluster configuration's \"disabled\" list. Every daemon drops disabled events " +
	"as they arrive, before the journal: no webhook, notifier, stream or D-Bus client sees them, and status --local and " +
	"/metrics (gluster_eventing_events_disabled_total) count them per event name. enable turns on exactly the events its " +
	"patterns name: enable VOLUME_START while Volume.* is disabled keeps the other volume events off and records the " +
	"exception !VOLUME_START. Both exit 2 (no change) when there is nothing to change. The state table learns of what a " +
	"disabled event would have told it at its next reconciliation with glusterd (every minute)."
