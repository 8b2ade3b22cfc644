package dbusiface

import (
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/state"
)

// object is one exported object: its interface and the current values of
// its properties, as the Go types whose D-Bus signature the kind declares.
type object struct {
	kind  *kind
	props map[string]any
}

// WebhookPath is the object path of the webhook with id id.
func WebhookPath(id string) dbus.ObjectPath {
	return WebhooksPath + "/" + dbus.ObjectPath(PathElement(id))
}

// brickPathByID is BrickPath of a brick id (hostUUID + ":" + path).
func brickPathByID(id string) dbus.ObjectPath {
	return BricksPath + "/" + dbus.ObjectPath(PathElement(id))
}

// Info is what the Manager object shows of the daemon besides the state
// table and the journal.
type Info struct {
	ConfigGeneration uint64
	ConfigDigest     string
	EventsReceived   uint64
	EventsDropped    uint64
}

func usec(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func u32(n int) uint32 {
	if n < 0 {
		return 0
	}
	if uint64(n) > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(n)
}

func peerProps(p state.Peer) map[string]any {
	hostnames := p.Hostnames
	if hostnames == nil {
		hostnames = []string{}
	}
	return map[string]any{
		"UUID":      p.UUID,
		"Hostname":  p.Hostname,
		"Hostnames": hostnames,
		"State":     p.State,
		"Connected": p.Connected,
		"Self":      p.Self,
	}
}

func volumeProps(v state.Volume) map[string]any {
	bricks := make([]dbus.ObjectPath, len(v.Bricks))
	for i, id := range v.Bricks {
		bricks[i] = brickPathByID(id)
	}
	opts := make(map[string]string, len(v.Options))
	for k, val := range v.Options {
		opts[k] = val
	}
	return map[string]any{
		"Name":             v.Name,
		"UUID":             v.UUID,
		"Type":             v.Type,
		"Status":           v.Status,
		"Health":           v.Health,
		"Bricks":           bricks,
		"BrickCount":       u32(v.BrickCount),
		"OnlineBrickCount": u32(v.OnlineBrickCount),
		"ReplicaCount":     u32(v.ReplicaCount),
		"ArbiterCount":     u32(v.ArbiterCount),
		"DisperseCount":    u32(v.DisperseCount),
		"RedundancyCount":  u32(v.RedundancyCount),
		"Transport":        v.Transport,
		"Options":          opts,
		"LastChange":       usec(v.LastChange),
	}
}

func brickProps(b state.Brick) map[string]any {
	// "/" is the D-Bus null object path: no such object.
	peer := dbus.ObjectPath("/")
	if b.HostUUID != "" {
		peer = PeerPath(b.HostUUID)
	}
	return map[string]any{
		"Volume":   VolumePath(b.Volume),
		"Peer":     peer,
		"HostUUID": b.HostUUID,
		"Hostname": b.Hostname,
		"Path":     b.Path,
		"Arbiter":  b.Arbiter,
		"Local":    b.Local,
		"Online":   b.Online,
		"Port":     u32(b.Port),
		"PID":      u32(b.PID),
	}
}

func webhookProps(w api.Webhook) map[string]any {
	depth := w.QueueDepth
	if depth > 1<<32-1 {
		depth = 1<<32 - 1
	}
	fails := w.ConsecutiveFailures
	if fails > 1<<32-1 {
		fails = 1<<32 - 1
	}
	return map[string]any{
		"ID":                  w.ID,
		"Name":                w.Name,
		"URL":                 w.URL,
		"Format":              w.Format,
		"State":               w.State,
		"Enabled":             w.State != "disabled" && w.State != "stopped",
		"QueueDepth":          uint32(depth),
		"Delivered":           w.Delivered,
		"Failed":              w.Failed,
		"DeadLetters":         w.DeadLetters,
		"ConsecutiveFailures": uint32(fails),
		"LastAttempt":         usec(w.LastAttempt),
		"LastStatus":          int32(w.LastStatus),
		"LastError":           w.LastError,
	}
}

// stateObjects adds the peers, volumes and bricks of snap to objs.
func stateObjects(objs map[dbus.ObjectPath]*object, snap state.Snapshot) {
	for _, p := range snap.Peers {
		objs[PeerPath(p.UUID)] = &object{peerKind, peerProps(p)}
	}
	for _, v := range snap.Volumes {
		objs[VolumePath(v.Name)] = &object{volumeKind, volumeProps(v)}
	}
	for _, b := range snap.Bricks {
		objs[brickPathByID(b.ID)] = &object{brickKind, brickProps(b)}
	}
}

// snapshotDict is GetState's answer: the table as the objects' properties,
// each with its object path under "Path".
func snapshotDict(snap state.Snapshot) map[string]dbus.Variant {
	list := func(n int, f func(i int) (dbus.ObjectPath, map[string]any)) []map[string]dbus.Variant {
		out := make([]map[string]dbus.Variant, n)
		for i := range n {
			path, props := f(i)
			d := variants(props)
			d["Path"] = dbus.MakeVariant(path)
			out[i] = d
		}
		return out
	}
	return map[string]dbus.Variant{
		"Glusterd":   dbus.MakeVariant(snap.Glusterd),
		"Status":     dbus.MakeVariant(snap.Status),
		"Reconciled": dbus.MakeVariant(usec(snap.Reconciled)),
		"Peers": dbus.MakeVariant(list(len(snap.Peers), func(i int) (dbus.ObjectPath, map[string]any) {
			return PeerPath(snap.Peers[i].UUID), peerProps(snap.Peers[i])
		})),
		"Volumes": dbus.MakeVariant(list(len(snap.Volumes), func(i int) (dbus.ObjectPath, map[string]any) {
			return VolumePath(snap.Volumes[i].Name), volumeProps(snap.Volumes[i])
		})),
		"Bricks": dbus.MakeVariant(list(len(snap.Bricks), func(i int) (dbus.ObjectPath, map[string]any) {
			return brickPathByID(snap.Bricks[i].ID), brickProps(snap.Bricks[i])
		})),
	}
}

func variants(props map[string]any) map[string]dbus.Variant {
	out := make(map[string]dbus.Variant, len(props))
	for k, v := range props {
		out[k] = dbus.MakeVariant(v)
	}
	return out
}
