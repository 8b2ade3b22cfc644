package state

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/gluster/gluster-eventing/internal/gluster"
)

// reconcile asks glusterd for the whole table, replaces the table with its
// answer, publishes the difference as one change set and journals the
// missed changes (see the package comment). It returns why glusterd could
// not be asked, if it could not.
func (t *Table) reconcile(ctx context.Context) error {
	t.lastAsk, t.followAt = time.Now(), time.Time{}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	peers, vols, bricks, err := t.ask(ctx)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return err // stopping
		}
		return t.unreachable(err)
	}
	now := t.now()
	t.mu.Lock()
	e := t.newEdit()
	for k := range t.peers {
		if _, ok := peers[k]; !ok {
			e.delPeer(k)
		}
	}
	for _, p := range peers {
		e.putPeer(p)
	}
	for k := range t.bricks {
		if _, ok := bricks[k]; !ok {
			e.delBrick(k)
		}
	}
	for _, b := range bricks {
		e.putBrick(b)
	}
	for k := range t.vols {
		if _, ok := vols[k]; !ok {
			e.delVolume(k)
		}
	}
	for _, v := range vols {
		if old, ok := t.vols[v.Name]; ok {
			v.LastChange = old.LastChange
		}
		e.putVolume(v)
	}
	was := t.glusterd
	t.glusterd, t.status, t.reconciled = GlusterdRunning, "", now
	if was != GlusterdRunning {
		for k := range t.vols {
			e.touchVolume(k) // Health is known again
		}
	}
	set := e.finish(now)
	var missed [][]byte
	if t.baseline {
		for _, r := range e.synthesize(now) {
			b, err := r.Marshal()
			if err != nil {
				continue
			}
			missed = append(missed, b)
		}
	}
	t.baseline = true
	clear(t.touchedVols)
	clear(t.touchedBricks)
	clear(t.touchedPeers)
	t.allPeers = false
	// The missed changes are journaled before the change set goes out
	// (under the lock: a Snapshot waits for one group commit), so that a
	// subscriber that sees the set finds the events in the journal.
	if len(missed) > 0 {
		if _, err := t.j.Append(ctx, missed...); err != nil {
			t.log.Error("journaling the changes only reconciliation saw", "err", err, "events", len(missed))
		} else {
			t.log.Info("journaled changes only reconciliation saw", "events", len(missed))
		}
	}
	if len(set) > 0 {
		t.publishLocked(set)
	}
	t.mu.Unlock()
	if was != GlusterdRunning {
		t.log.Info("glusterd answers; state table reconciled", "peers", len(peers), "volumes", len(vols), "bricks", len(bricks))
	}
	t.lastErr, t.failures = "", 0
	t.save()
	return nil
}

// unreachable marks the table stale: glusterd (or the gluster CLI) could
// not be asked. The table keeps its last content; volumes' Health becomes
// unknown. It returns err with the reason Snapshot.Status gives.
func (t *Table) unreachable(err error) error {
	state, why := GlusterdStopped, "glusterd is not running"
	switch {
	case errors.Is(err, exec.ErrNotFound):
		state, why = GlusterdUnknown, "no gluster command"
	case errors.As(err, new(*gluster.OpError)):
		state, why = GlusterdRunning, "glusterd failed a query"
	case errors.Is(err, context.DeadlineExceeded):
		why = "glusterd is not answering"
	}
	err = fmt.Errorf("%s: %w", why, err)
	status := err.Error()
	t.failures++
	if msg := err.Error(); msg != t.lastErr {
		t.lastErr = msg
		t.log.Warn("cannot ask glusterd; the state table is stale until it answers", "err", err)
	}
	t.mu.Lock()
	if len(t.vols)+len(t.peers) > 0 && !t.reconciled.IsZero() {
		status += fmt.Sprintf(" (the table is as of %s)", t.reconciled.UTC().Format(time.RFC3339))
	}
	was := t.glusterd
	t.glusterd, t.status = state, status
	var set []Change
	if was != state {
		e := t.newEdit()
		for k := range t.vols {
			e.touchVolume(k)
		}
		set = e.finish(t.now())
	}
	if len(set) > 0 {
		t.publishLocked(set)
	}
	t.mu.Unlock()
	if len(set) > 0 {
		t.save()
	}
	return err
}

// ask runs the three gluster queries and builds the table from them.
func (t *Table) ask(ctx context.Context) (map[string]Peer, map[string]Volume, map[string]Brick, error) {
	pool, err := t.g.Pool(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	info, err := t.g.VolumeInfo(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	status, err := t.g.VolumeStatus(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	peers := map[string]Peer{}
	self := ""
	for _, p := range pool {
		isSelf := p.Hostname == "localhost"
		if isSelf {
			self = p.UUID
		}
		peers[p.UUID] = Peer{UUID: p.UUID, Hostname: p.Hostname, Hostnames: p.Hostnames, State: p.State,
			Connected: p.Connected, Self: isSelf}
	}
	type key struct{ vol, host, path string }
	running := map[key]gluster.BrickStatus{}
	for _, s := range status {
		running[key{s.Volume, s.PeerID, s.Path}] = s
	}
	vols := map[string]Volume{}
	bricks := map[string]Brick{}
	for _, gv := range info {
		v := Volume{
			Name: gv.Name, UUID: gv.UUID, Type: gv.Type, Status: gv.Status, Transport: gv.Transport,
			ReplicaCount: gv.ReplicaCount, ArbiterCount: gv.ArbiterCount, DisperseCount: gv.DisperseCount,
			RedundancyCount: gv.RedundancyCount, BrickCount: len(gv.Bricks), Options: gv.Options, Bricks: []string{},
		}
		if v.Options == nil {
			v.Options = map[string]string{}
		}
		for _, gb := range gv.Bricks {
			b := Brick{ID: gb.HostUUID + ":" + gb.Path(), Volume: gv.Name, HostUUID: gb.HostUUID, Hostname: gb.Host(),
				Path: gb.Path(), Arbiter: gb.Arbiter, Local: self != "" && gb.HostUUID == self}
			if s, ok := running[key{gv.Name, gb.HostUUID, gb.Path()}]; ok && gv.Status == "Started" {
				b.Online, b.Port, b.PID = s.Online, s.Port, s.PID
			}
			v.Bricks = append(v.Bricks, b.ID)
			bricks[b.ID] = b
		}
		vols[v.Name] = v
	}
	return peers, vols, bricks, nil
}
