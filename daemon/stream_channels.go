package daemon

import "github.com/gluster/gluster-eventing/internal/config"

// channelFilter is the filter expression of the cluster config's
// [channels.NAME].
func channelFilter(c *config.Cluster, name string) (string, bool) {
	if c == nil {
		return "", false
	}
	return c.ChannelExpr(name)
}
