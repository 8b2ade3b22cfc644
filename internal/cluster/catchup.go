package cluster

import (
	"context"
	"errors"
	"fmt"
)

// Newest returns the node, other than this one, that holds the newest
// config of versions if it is newer than mine (nil: this node holds none,
// so any config is newer). Nodes that did not answer are left out.
func Newest(versions []NodeVersion, mine *Version) (NodeVersion, bool) {
	best := -1
	for i, nv := range versions {
		if nv.Err != nil || !nv.Exists || nv.Node.Self {
			continue
		}
		if best < 0 || nv.Version.Newer(versions[best].Version) {
			best = i
		}
	}
	if best < 0 || (mine != nil && !versions[best].Version.Newer(*mine)) {
		return NodeVersion{}, false
	}
	return versions[best], true
}

// Fetcher fetches a node's config: *Channel, or a test's fake of it.
type Fetcher interface {
	Fetch(ctx context.Context, nodeUUID string) ([]byte, Version, error)
}

// CatchUp fetches the config of node from and installs it in workdir, as a
// pushed config is installed (Install: digest checked, validated, atomic,
// with its webhooks.json mirror). If this node got a newer config
// meanwhile, nothing is installed and that is no error. It does not reload
// the daemon. The daemon's catch-up and the commands (which make a change
// on top of the newest config) share it.
func CatchUp(ctx context.Context, f Fetcher, workdir string, from Node) (InstallResult, error) {
	content, v, err := f.Fetch(ctx, from.UUID)
	if err != nil {
		return InstallResult{}, err
	}
	name, err := stageAs(workdir, content, fetchedName(v.Origin))
	if err != nil {
		return InstallResult{Version: v}, err
	}
	res, err := Install(workdir, name, v, false)
	if _, lost := errors.AsType[*NewerError](err); lost {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("installing the config of %s: %w", from.Hostname, err)
	}
	return res, nil
}
