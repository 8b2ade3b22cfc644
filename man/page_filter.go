package man

// pFilters documents filters and channels on gluster-eventing-webhooks(8);
// the language itself is in gluster-eventing.toml(5), FILTERS.
const pFilters = "webhook-add --filter EXPR and --channel NAME give a webhook only some events: " +
	"gluster-eventing webhook-add URL --filter 'category:brick category:quorum severity:warning' sends only brick and quorum " +
	"alerts of severity warning or worse to URL. A filter is terms separated by spaces: event names or globs (VOLUME_*, " +
	"Gluster's dotted Volume.*, Georep.State.Faulty), category:NAME (volume, brick, peer, quorum, heal, ec, distribute, " +
	"rebalance, georep, bitrot, quota, snapshot, daemon, client, ...), severity:LEVEL (that level or worse), volume:NAME, " +
	"node:UUID-PREFIX, channel:NAME and !TERM to exclude; terms with the same key are alternatives, different keys must all " +
	"hold (see FILTERS in gluster-eventing.toml(5)). The filter is checked before any node is changed: an unknown event name " +
	"is refused with the closest known names (exit status 7). --filter '' and --channel '' clear them; --events, --filter and " +
	"--channel combine, an event must pass all three. channel-add NAME FILTER defines a channel, a named filter in the " +
	"cluster configuration that webhooks, other filters (channel:NAME) and stream clients (?channel=NAME) refer to; " +
	"redefining it (channel-add --replace) changes what all of them get, and channel-del refuses to delete a channel in use."
