package daemon

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
)

// syncTimeout bounds one catch-up: glusterd transactions retry while
// another is in progress.
const syncTimeout = 2 * time.Minute

// A check that could not ask every node (a peer just probed, a glusterd
// restarting, a transaction that failed) is tried again after retryMin,
// doubling up to retryMax, whatever peer_sync_interval says: the node
// that was missing is the one that may need the config.
//
// A PEER_ATTACH or PEER_CONNECT is followed by a check peerSettle later,
// not at once: the event comes as soon as the probe or the connection
// succeeds, before the peers have finished their handshake, and a
// `system:: execute` glusterd starts in that moment can wait on the new
// peer for its frame timeout (600 s) while holding the cluster lock, so
// that every gluster command of every node fails with "Locking failed"
// meanwhile (seen in TestCatchUpWithoutSync: node1's check, started
// 0.2 s after it probed node4, held the lock for over a minute).
const (
	retryMin   = 2 * time.Second
	retryMax   = time.Minute
	peerSettle = 5 * time.Second
)

// configSync keeps this node's cluster config the newest any node holds:
// a node that was down during a change, or was just probed into the pool,
// catches up by itself, without anyone running sync. It compares versions
// at start, every peer_sync_interval and peerSettle after the intake
// journals PEER_CONNECT or PEER_ATTACH, and pulls a newer config through glusterd
// (cluster.Fetch, then cluster.Install, as the peer program installs a
// pushed one). It also notices events/webhooks.json changed behind our
// back.
type configSync struct {
	d    *Daemon
	poke chan struct{} // buffered 1: requests coalesce

	mu       sync.Mutex
	status   api.SyncStatus
	drifted  bool // warned about webhooks.json already
	settling bool // a check after a peer event is due
}

func newConfigSync(d *Daemon) *configSync {
	return &configSync{d: d, poke: make(chan struct{}, 1)}
}

// request asks for a catch-up soon; it never blocks.
func (s *configSync) request() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

// peerChanged asks for a check peerSettle from now (see peerSettle); the
// peer events of a storm share one check.
func (s *configSync) peerChanged() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settling {
		return
	}
	s.settling = true
	time.AfterFunc(peerSettle, func() {
		s.mu.Lock()
		s.settling = false
		s.mu.Unlock()
		s.request()
	})
}

func (s *configSync) run(ctx context.Context) {
	s.request()             // at start
	var retry time.Duration // 0: the last check reached every node
	for {
		s.d.mu.Lock()
		interval := time.Duration(s.d.node.PeerSyncInterval)
		s.d.mu.Unlock()
		if retry > 0 && (interval <= 0 || retry < interval) {
			interval = retry
		}
		var tick <-chan time.Time
		var t *time.Timer
		if interval > 0 {
			t = time.NewTimer(interval)
			tick = t.C
		}
		select {
		case <-ctx.Done():
		case <-s.poke:
		case <-tick:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return
		}
		switch st := s.once(ctx); {
		case st.State != "failed" && len(st.Unreachable) == 0:
			retry = 0
		case retry == 0:
			retry = retryMin
		default:
			retry = min(2*retry, retryMax)
		}
	}
}

// once compares versions with every node and installs a newer config. It
// returns what it found (also kept for status).
func (s *configSync) once(ctx context.Context) (st api.SyncStatus) {
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	d := s.d
	d.mu.Lock()
	node, cur := d.node, d.cluster
	d.mu.Unlock()
	s.checkMirror(node, cur)

	st = api.SyncStatus{Checked: time.Now()}
	defer func() {
		s.mu.Lock()
		s.status = st
		s.mu.Unlock()
	}()
	if node.ClusterConfigPath() != config.ClusterPath(node.GlusterdWorkdir) {
		st.State = "off"
		st.Error = "cluster_config is set: the file is not the one glusterd's peers share"
		return
	}
	ch := &cluster.Channel{Workdir: node.GlusterdWorkdir, Log: d.log.With("component", "cluster")}
	versions, err := ch.Versions(ctx)
	if errors.Is(err, cluster.ErrNoCluster) {
		st.State, st.Error = "local", err.Error()
		return
	}
	if versions == nil {
		st.State, st.Error = "failed", err.Error()
		d.log.Warn("cannot compare the config with the peers", "err", err)
		return
	}
	mine := cluster.VersionOf(cur)
	for _, nv := range versions {
		if nv.Err != nil {
			st.Unreachable = append(st.Unreachable, nv.Node.Hostname)
		} else if nv.Exists && !nv.Version.Same(mine) {
			st.Diverged = append(st.Diverged, nv.Node.Hostname)
		}
	}
	newest, ok := cluster.Newest(versions, &mine)
	if !ok {
		switch {
		case len(st.Unreachable) == len(versions):
			st.State, st.Error = "failed", "no node answered"
			if err != nil {
				st.Error += ": " + err.Error()
			}
		case len(st.Diverged) > 0:
			st.State = "newest" // the others will pull this one
		default:
			st.State = "in sync"
		}
		return
	}
	if err := s.pull(ctx, ch, node, newest.Node); err != nil {
		st.State, st.Error = "failed", err.Error()
		d.log.Warn("cannot catch up with a newer cluster config", "node", newest.Node.Hostname, "version", newest.Version.String(), "err", err)
		return
	}
	st.State, st.PulledFrom, st.Pulled = "caught up", newest.Node.Hostname, time.Now()
	st.Diverged = nil
	return st
}

// pull installs the config of node from, then reloads.
func (s *configSync) pull(ctx context.Context, ch *cluster.Channel, node *config.Node, from cluster.Node) error {
	res, err := cluster.CatchUp(ctx, ch, node.GlusterdWorkdir, from)
	if err != nil || !res.Installed {
		return err
	}
	s.d.log.Info("caught up with the cluster config of a peer", "node", from.Hostname, "version", res.Version.String(),
		"previous", res.Previous.String())
	if err := s.d.Reload(); err != nil {
		return fmt.Errorf("installed %s, but the reload failed: %w", res.Version, err)
	}
	return nil
}

// checkMirror warns, once per change, when events/webhooks.json no longer
// mirrors the cluster config's webhooks.
func (s *configSync) checkMirror(node *config.Node, c *config.Cluster) {
	drift, err := config.MirrorDrift(filepath.Dir(node.ClusterConfigPath()), c)
	if err != nil {
		return
	}
	s.mu.Lock()
	warn := drift && !s.drifted
	s.drifted = drift
	s.mu.Unlock()
	if warn {
		s.d.log.Warn("events/webhooks.json was changed outside gluster-eventing (by Gluster's gluster-eventsapi or a script?) " +
			"and no longer lists the configured webhooks; 'gluster-eventing import' adopts it, any webhook command rewrites it")
	}
}

func (s *configSync) snapshot() api.SyncStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.MirrorDrift = s.drifted
	return st
}
