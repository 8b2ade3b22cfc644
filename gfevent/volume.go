package gfevent

import "strings"

// Volume returns the name of the volume an event is about, and whether the
// event says one. Gluster names it differently per event: "name" (VOLUME_*
// lifecycle, BITROT_SCRUB_*), "Volume" (BRICK_RESET_*, BRICK_REPLACE),
// "volume" (quota, brick, quorum, rebalance, import, SVC_*, DHT_*, add and
// remove brick), "volume_name" (snapshots), "primary" and "primary_volume"
// (geo-replication), and the client-side translators send only their
// subvolume ("gv0-replicate-0", "gv0-disperse-0"), whose volume is the part
// before the translator's suffix. CLIENT_*, POSIX_* and BITROT_BAD_FILE name
// a brick, not a volume.
//
// Volume does not allocate.
func (e *Event) Volume() (string, bool) {
	key := volumeKey(e.Type)
	if key == "" {
		return "", false
	}
	v, ok := e.Get(key)
	if !ok || v == "" || v == "(null)" {
		return "", false
	}
	if key == "subvol" {
		v = subvolVolume(v)
	}
	return v, true
}

// volumeKey is the body key that carries the volume of events of type t.
func volumeKey(t Type) string {
	switch {
	case t >= VolumeCreate && t <= VolumeReset,
		t >= BitrotScrubThrottle && t <= BitrotScrubOption:
		return "name"
	case t >= BrickResetStart && t <= BrickReplace:
		return "Volume"
	case t >= GeorepCreate && t <= GeorepConfigReset:
		return "primary"
	case t >= GeorepFaulty && t <= GeorepPassive:
		return "primary_volume"
	case t == SnapshotCreated, t == SnapshotCreateFailed, t == SnapshotSoftLimitReached,
		t == SnapshotHardLimitReached, t == SnapshotRestored:
		return "volume_name"
	case t >= QuotaEnable && t <= QuotaDefaultSoftLimit, t == QuotaCrossedSoftLimit,
		t >= SvcManagerFailed && t <= SvcDisconnected && t != SvcReconfigureFailed,
		t >= BrickStartFailed && t <= BrickpathResolveFailed,
		t >= QuorumLost && t <= CompareFriendVolumeFailed && t != ImportBrickFailed,
		t >= VolumeAddBrick && t <= VolumeRebalanceComplete,
		t == DhtDiskUsage, t == DhtInodesUsage:
		return "volume"
	case t == EcMinBricksNotUp, t == EcMinBricksUp, t >= AfrQuorumMet && t <= AfrSplitBrain:
		return "subvol"
	}
	return ""
}

// subvolVolume strips a cluster translator's suffix from a subvolume name:
// "gv0-replicate-0" is volume "gv0".
func subvolVolume(s string) string {
	for _, x := range []string{"-replicate-", "-disperse-", "-dht", "-client-"} {
		if i := strings.LastIndex(s, x); i > 0 {
			return s[:i]
		}
	}
	return s
}
