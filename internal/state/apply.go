package state

import (
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// applyRecord applies one journaled record and publishes its change set,
// if any.
func (t *Table) applyRecord(jr *journal.Record) {
	r, err := evrec.Unmarshal(jr.Seq, jr.Data)
	t.mu.Lock()
	t.seq = jr.Seq
	if err != nil {
		t.mu.Unlock()
		t.log.Warn("state table: skipping an undecodable journal record", "err", err)
		return
	}
	set := t.applyLocked(&r.Event)
	if len(set) > 0 {
		t.publishLocked(set)
	}
	t.mu.Unlock()
	if len(set) > 0 {
		t.save()
	}
}

// applyLocked applies ev to the table and returns the change set. Events
// the table made itself (synthesized) are skipped: they describe what it
// already knew when it made them, and applying them later could undo an
// event journaled in between.
func (t *Table) applyLocked(ev *gfevent.Event) []Change {
	if v, _ := ev.Get(SynthesizedKey); v == SynthesizedReconcile {
		return nil
	}
	get := func(k string) string { v, _ := ev.Get(k); return v }
	e := t.newEdit()
	switch ev.Type {
	case gfevent.BrickConnected, gfevent.BrickDisconnected:
		id := t.findBrick(get("volume"), get("peer"), get("brick"))
		if id == "" {
			t.followUp() // a brick the table does not know yet
			return nil
		}
		t.touchedBricks[id] = true
		b := t.bricks[id]
		b.Online = ev.Type == gfevent.BrickConnected
		if b.Online {
			t.followUp() // for its new port and pid
		} else {
			b.Port, b.PID = 0, 0
		}
		e.putBrick(b)
	case gfevent.VolumeStart, gfevent.VolumeStop:
		name := get("name")
		t.touchedVols[name] = true
		t.followUp()
		v, ok := t.vols[name]
		if !ok {
			return nil
		}
		if ev.Type == gfevent.VolumeStart {
			v.Status = "Started" // its bricks announce themselves
		} else {
			v.Status = "Stopped"
			for _, id := range v.Bricks {
				if b, ok := t.bricks[id]; ok {
					b.Online, b.Port, b.PID = false, 0, 0
					e.putBrick(b)
				}
			}
		}
		e.putVolume(v)
	case gfevent.VolumeDelete:
		name := get("name")
		t.touchedVols[name] = true
		v, ok := t.vols[name]
		if !ok {
			return nil
		}
		for _, id := range v.Bricks {
			e.delBrick(id)
		}
		e.delVolume(name)
	case gfevent.VolumeCreate, gfevent.VolumeSet, gfevent.VolumeReset:
		t.touchedVols[get("name")] = true
		t.followUp()
	case gfevent.VolumeAddBrick, gfevent.VolumeRemoveBrickCommit, gfevent.VolumeRemoveBrickForce,
		gfevent.QuorumLost, gfevent.QuorumRegained:
		t.touchedVols[get("volume")] = true
		t.followUp()
	case gfevent.BrickReplace, gfevent.BrickResetCommit:
		t.touchedVols[get("Volume")] = true
		t.followUp()
	case gfevent.AfrQuorumMet, gfevent.AfrQuorumFail, gfevent.AfrSubvolUp, gfevent.AfrSubvolsDown,
		gfevent.EcMinBricksNotUp, gfevent.EcMinBricksUp:
		// From this node's client processes (self-heal daemon, mounts),
		// which also see the bricks of other nodes, whose glusterd tells
		// only its own node: a hint to ask glusterd. They come from every
		// client process at once, so later than the other follow-ups.
		if t.followAt.IsZero() {
			t.followAt = time.Now().Add(hintDelay)
		}
		return nil
	case gfevent.PeerAttach, gfevent.PeerDetach:
		t.allPeers = true
		t.followUp()
	case gfevent.PeerConnect, gfevent.PeerDisconnect:
		uuid := get("uuid")
		t.touchedPeers[uuid] = true
		if ev.Type == gfevent.PeerConnect {
			// Also what glusterd sends when it comes back (for each
			// peer it reconnects to): ask it what changed meanwhile.
			t.followUp()
		}
		p, ok := t.peers[uuid]
		if !ok {
			t.followUp()
			return nil
		}
		p.Connected = ev.Type == gfevent.PeerConnect
		if s := get("state"); s != "" {
			p.State = s
		}
		e.putPeer(p)
	default:
		return nil
	}
	return e.finish(t.now())
}

// findBrick returns the ID of volume vol's brick at path on host (a
// BRICK_* event's volume, brick and peer fields), or "".
func (t *Table) findBrick(vol, host, path string) string {
	v, ok := t.vols[vol]
	if !ok {
		return ""
	}
	var found []string
	for _, id := range v.Bricks {
		if b := t.bricks[id]; b.Path == path {
			if b.Hostname == host {
				return id
			}
			found = append(found, id)
		}
	}
	if len(found) == 1 {
		return found[0] // glusterd names the host as the brick was given, or by another of its names
	}
	return ""
}
