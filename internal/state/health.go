package state

import "strings"

// Health values of a volume.
const (
	HealthOK       = "ok"       // Started, every brick online
	HealthDegraded = "degraded" // some brick offline, every subvolume still serves
	HealthDown     = "down"     // some subvolume cannot serve: part or all of the data is unreachable
	HealthUnknown  = "unknown"  // not Started, or glusterd not running (the table is stale)
)

// Health derives a volume's health from its layout and which of its bricks
// are online: bricks are v's bricks in layout order. See the package
// comment for the rules.
func Health(v *Volume, bricks []Brick) string {
	if v.Status != "Started" || len(bricks) == 0 {
		return HealthUnknown
	}
	size, need := setSize(v)
	all := true
	for start := 0; start < len(bricks); start += size {
		end := min(start+size, len(bricks))
		up := 0
		for _, b := range bricks[start:end] {
			switch {
			case !b.Online:
				all = false
			case !b.Arbiter: // an arbiter holds metadata only: it serves no data
				up++
			}
		}
		if up < need {
			return HealthDown
		}
	}
	if all {
		return HealthOK
	}
	return HealthDegraded
}

// setSize returns the number of bricks in each subvolume (replica or
// disperse set, or a single brick of a pure distribute volume) and how many
// of them must be online for the subvolume to serve.
func setSize(v *Volume) (size, need int) {
	switch {
	case v.DisperseCount > 0 || strings.Contains(v.Type, "Disperse"):
		if v.DisperseCount <= 0 {
			return 1, 1
		}
		return v.DisperseCount, max(v.DisperseCount-v.RedundancyCount, 1)
	case v.ReplicaCount > 1:
		return v.ReplicaCount, 1
	}
	return 1, 1
}
