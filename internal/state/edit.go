package state

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
)

// edit collects the originals of the objects a change touches, so that the
// change set is the difference between them and the result, whatever the
// steps in between. The table's mutex is held while an edit is open.
type edit struct {
	t      *Table
	peers  map[string]*Peer // original value, nil if absent
	vols   map[string]*Volume
	bricks map[string]*Brick
	dirty  map[string]bool // volumes whose derived fields need computing
}

func (t *Table) newEdit() *edit {
	return &edit{t: t, peers: map[string]*Peer{}, vols: map[string]*Volume{}, bricks: map[string]*Brick{}, dirty: map[string]bool{}}
}

func (e *edit) touchPeer(k string) {
	if _, ok := e.peers[k]; !ok {
		e.peers[k] = ptr(e.t.peers, k)
	}
}

func (e *edit) touchVolume(k string) {
	if _, ok := e.vols[k]; !ok {
		e.vols[k] = ptr(e.t.vols, k)
	}
	e.dirty[k] = true
}

func (e *edit) touchBrick(k string) {
	if _, ok := e.bricks[k]; !ok {
		e.bricks[k] = ptr(e.t.bricks, k)
	}
	if b, ok := e.t.bricks[k]; ok {
		e.touchVolume(b.Volume)
	}
}

func ptr[V any](m map[string]V, k string) *V {
	v, ok := m[k]
	if !ok {
		return nil
	}
	return &v
}

func (e *edit) putPeer(p Peer) { e.touchPeer(p.UUID); e.t.peers[p.UUID] = p }
func (e *edit) delPeer(k string) {
	e.touchPeer(k)
	delete(e.t.peers, k)
}
func (e *edit) putVolume(v Volume) { e.touchVolume(v.Name); e.t.vols[v.Name] = v }
func (e *edit) delVolume(k string) {
	e.touchVolume(k)
	delete(e.t.vols, k)
}
func (e *edit) putBrick(b Brick) {
	e.touchBrick(b.ID)
	e.t.bricks[b.ID] = b
	e.touchVolume(b.Volume)
}
func (e *edit) delBrick(k string) {
	e.touchBrick(k)
	delete(e.t.bricks, k)
}

// derive computes the fields of volume v that follow from its bricks.
func (t *Table) derive(v *Volume) {
	bricks := make([]Brick, 0, len(v.Bricks))
	online := 0
	for _, id := range v.Bricks {
		b := t.bricks[id]
		bricks = append(bricks, b)
		if b.Online {
			online++
		}
	}
	v.BrickCount, v.OnlineBrickCount = len(v.Bricks), online
	v.Health = HealthUnknown
	if t.glusterd == GlusterdRunning {
		v.Health = Health(v, bricks)
	}
}

// finish derives the dirty volumes, sets LastChange on those that changed
// and returns the change set (added and changed objects peers first, then
// volumes, then bricks; removed ones in the reverse order, so that a
// listener always meets a volume before its bricks).
func (e *edit) finish(now time.Time) []Change {
	t := e.t
	for name := range e.dirty {
		v, ok := t.vols[name]
		if !ok {
			continue
		}
		t.derive(&v)
		if o := e.vols[name]; o == nil || len(volumeProps(o, &v)) > 0 {
			v.LastChange = now
		}
		t.vols[name] = v
	}
	var added, removed []Change
	add := func(obj, key string, props []string, was, is bool) {
		switch {
		case !was && is:
			added = append(added, Change{Kind: Added, Object: obj, Key: key, Props: props, Seq: t.seq})
		case was && !is:
			removed = append(removed, Change{Kind: Removed, Object: obj, Key: key, Props: props, Seq: t.seq})
		case was && is && len(props) > 0:
			added = append(added, Change{Kind: Changed, Object: obj, Key: key, Props: props, Seq: t.seq})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(e.peers)) {
		o, n := e.peers[k], ptr(t.peers, k)
		add(ObjectPeer, k, peerProps(o, n), o != nil, n != nil)
	}
	for _, k := range slices.Sorted(maps.Keys(e.vols)) {
		o, n := e.vols[k], ptr(t.vols, k)
		add(ObjectVolume, k, volumeProps(o, n), o != nil, n != nil)
	}
	for _, k := range slices.Sorted(maps.Keys(e.bricks)) {
		o, n := e.bricks[k], ptr(t.bricks, k)
		add(ObjectBrick, k, brickProps(o, n), o != nil, n != nil)
	}
	slices.Reverse(removed)
	return append(added, removed...)
}

var (
	allPeerProps   = []string{"UUID", "Hostname", "Hostnames", "State", "Connected", "Self"}
	allVolumeProps = []string{"Name", "UUID", "Type", "Status", "Health", "Transport", "ReplicaCount", "ArbiterCount",
		"DisperseCount", "RedundancyCount", "BrickCount", "OnlineBrickCount", "Options", "Bricks", "LastChange"}
	allBrickProps = []string{"ID", "Volume", "HostUUID", "Hostname", "Path", "Arbiter", "Local", "Online", "Port", "PID"}
)

func peerProps(a, b *Peer) []string {
	if a == nil || b == nil {
		return allPeerProps
	}
	var p []string
	p = prop(p, "Hostname", a.Hostname != b.Hostname)
	p = prop(p, "Hostnames", !slices.Equal(a.Hostnames, b.Hostnames))
	p = prop(p, "State", a.State != b.State)
	p = prop(p, "Connected", a.Connected != b.Connected)
	p = prop(p, "Self", a.Self != b.Self)
	return p
}

// volumeProps compares everything but LastChange, which changes with the
// others (and is then named too).
func volumeProps(a, b *Volume) []string {
	if a == nil || b == nil {
		return allVolumeProps
	}
	var p []string
	p = prop(p, "UUID", a.UUID != b.UUID)
	p = prop(p, "Type", a.Type != b.Type)
	p = prop(p, "Status", a.Status != b.Status)
	p = prop(p, "Health", a.Health != b.Health)
	p = prop(p, "Transport", a.Transport != b.Transport)
	p = prop(p, "ReplicaCount", a.ReplicaCount != b.ReplicaCount)
	p = prop(p, "ArbiterCount", a.ArbiterCount != b.ArbiterCount)
	p = prop(p, "DisperseCount", a.DisperseCount != b.DisperseCount)
	p = prop(p, "RedundancyCount", a.RedundancyCount != b.RedundancyCount)
	p = prop(p, "BrickCount", a.BrickCount != b.BrickCount)
	p = prop(p, "OnlineBrickCount", a.OnlineBrickCount != b.OnlineBrickCount)
	p = prop(p, "Options", !maps.Equal(a.Options, b.Options))
	p = prop(p, "Bricks", !slices.Equal(a.Bricks, b.Bricks))
	if len(p) > 0 && !a.LastChange.Equal(b.LastChange) {
		p = append(p, "LastChange")
	}
	return p
}

func brickProps(a, b *Brick) []string {
	if a == nil || b == nil {
		return allBrickProps
	}
	var p []string
	p = prop(p, "Volume", a.Volume != b.Volume)
	p = prop(p, "HostUUID", a.HostUUID != b.HostUUID)
	p = prop(p, "Hostname", a.Hostname != b.Hostname)
	p = prop(p, "Path", a.Path != b.Path)
	p = prop(p, "Arbiter", a.Arbiter != b.Arbiter)
	p = prop(p, "Local", a.Local != b.Local)
	p = prop(p, "Online", a.Online != b.Online)
	p = prop(p, "Port", a.Port != b.Port)
	p = prop(p, "PID", a.PID != b.PID)
	return p
}

func prop(p []string, name string, changed bool) []string {
	if changed {
		return append(p, name)
	}
	return p
}

// synthesize returns the events for the differences of e that no event
// announced: see the package comment. Called by reconcile, under the lock,
// after finish.
func (e *edit) synthesize(now time.Time) []evrec.Record {
	t := e.t
	var out []evrec.Record
	ev := func(typ gfevent.Type, kv ...string) {
		r := evrec.Record{Received: now, Source: SynthesizedSource, Event: gfevent.Event{Time: now.Unix(), Type: typ}}
		for i := 0; i+1 < len(kv); i += 2 {
			r.Event.Fields = append(r.Event.Fields, gfevent.Field{Key: kv[i], Value: kv[i+1]})
		}
		r.Event.Fields = append(r.Event.Fields, gfevent.Field{Key: SynthesizedKey, Value: SynthesizedReconcile})
		out = append(out, r)
	}
	peersTouched := t.allPeers
	for _, k := range slices.Sorted(maps.Keys(e.peers)) {
		o, n := e.peers[k], ptr(t.peers, k)
		if peersTouched || t.touchedPeers[k] || (o != nil && o.Self) || (n != nil && n.Self) {
			continue
		}
		switch {
		case o == nil && n != nil:
			ev(gfevent.PeerAttach, "host", n.Hostname)
		case o != nil && n == nil:
			ev(gfevent.PeerDetach, "host", o.Hostname)
		case o.Connected && !n.Connected:
			ev(gfevent.PeerDisconnect, "peer", n.Hostname, "uuid", k, "state", n.State)
		case !o.Connected && n.Connected:
			ev(gfevent.PeerConnect, "host", n.Hostname, "uuid", k)
		}
	}
	started := func(v *Volume) bool { return v != nil && v.Status == "Started" }
	for _, k := range slices.Sorted(maps.Keys(e.vols)) {
		o, n := e.vols[k], ptr(t.vols, k)
		if t.touchedVols[k] {
			continue
		}
		if o == nil && n != nil {
			var names []string
			for _, id := range n.Bricks {
				b := t.bricks[id]
				names = append(names, b.Hostname+":"+b.Path)
			}
			ev(gfevent.VolumeCreate, "name", k, "bricks", " "+strings.Join(names, " "))
		}
		switch {
		case o != nil && n == nil:
			ev(gfevent.VolumeDelete, "name", k)
		case !started(o) && started(n):
			ev(gfevent.VolumeStart, "name", k, "force", "0")
		case started(o) && n != nil && !started(n):
			ev(gfevent.VolumeStop, "name", k, "force", "0")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(e.bricks)) {
		o, n := e.bricks[k], ptr(t.bricks, k)
		if o == nil || n == nil || o.Online == n.Online || t.touchedBricks[k] {
			continue
		}
		// Only a started volume's bricks come and go on their own; a
		// volume start or stop says it for its bricks.
		if !started(e.vols[n.Volume]) || !started(ptr(t.vols, n.Volume)) {
			continue
		}
		// A peer whose glusterd is away cannot say; its PEER_DISCONNECT
		// (journaled, or synthesized above) said it.
		if p, ok := t.peers[n.HostUUID]; ok && !p.Connected {
			continue
		}
		if p := e.peers[n.HostUUID]; p != nil && !p.Connected {
			continue
		}
		typ := gfevent.BrickConnected
		if !n.Online {
			typ = gfevent.BrickDisconnected
		}
		ev(typ, "peer", n.Hostname, "volume", n.Volume, "brick", n.Path)
	}
	return out
}
