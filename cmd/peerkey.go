package cmd

import (
	"github.com/gluster/gluster-eventing/internal/config"
)

// PeerKeyRotateCmd replaces the key the daemons authenticate event
// forwarding with.
type PeerKeyRotateCmd struct{}

// Help is the detail of peer-key-rotate --help.
func (c *PeerKeyRotateCmd) Help() string {
	return "Node-to-node event forwarding signs every request and answer with HMAC-SHA256 under a key kept in the cluster config " +
		"([peer] key, mode 0600, never printed: status and this command show its fingerprint). The first cluster change " +
		"(or sync) makes one; this command makes a new one, on every node, and keeps the old one accepted as previous_key " +
		"until the next rotation, so that a node which has not installed the new config yet still forwards. " +
		"Rotate when a copy of the cluster config may have leaked. The channel is authenticated, not encrypted."
}

func (c *PeerKeyRotateCmd) Run(env *Env, g *Globals) error {
	extra := map[string]any{}
	return changeCluster(env, g, change{done: "peer key rotated", syncFailed: ExitConfigSyncFailed, extra: extra,
		fn: func(cl *config.Cluster) error {
			cl.RotatePeerKey()
			extra["key_id"] = config.PeerKeyID(cl.Peer.Key)
			if cl.Peer.PreviousKey != "" {
				extra["previous_key_id"] = config.PeerKeyID(cl.Peer.PreviousKey)
			}
			return nil
		}})
}
