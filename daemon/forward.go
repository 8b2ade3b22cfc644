package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/forward"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// ReplicaFile is the replica store's name in the state dir.
const ReplicaFile = "replicas.db"

// forwarding is node-to-node event forwarding in the daemon: the replica
// store (opened whenever peer_listen is set, so that the event API is
// cluster-wide from the start), and, once the cluster config has a peer
// key, the peer listener and the Forwarder pulling the peers.
type forwarding struct {
	d      *Daemon
	listen string // node config peer_listen
	store  *forward.Store
	src    *forward.Source
	server *forward.Server
	fwd    *forward.Forwarder
	keys   atomic.Pointer[forward.Keys]

	mu      sync.Mutex
	started bool
	reason  string // why forwarding is off, "" when on
	srv     *http.Server
	addr    string
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// startForward opens the replica store and makes d.events the cluster
// Source, then starts serving and pulling if the cluster config has a
// key. With peer_listen empty, d.events stays this node's journal.
func (d *Daemon) startForward(ctx context.Context, node *config.Node, cluster *config.Cluster) error {
	f := &forwarding{d: d, listen: node.PeerListen}
	d.fwd = f
	if node.PeerListen == "" {
		f.reason = "peer_listen is empty in the node config"
		return nil
	}
	store, err := forward.OpenStore(filepath.Join(node.StateDir, ReplicaFile), forward.StoreOptions{
		MaxBytes: int64(node.Journal.MaxBytes),
		MaxAge:   time.Duration(node.Journal.MaxAge),
		Logger:   d.log.With("component", "forward"),
	})
	if err != nil {
		return err
	}
	f.store = store
	f.src = forward.NewSource(d.journal, d.nodeID, store)
	d.events = f.src
	_, port, _ := net.SplitHostPort(node.PeerListen)
	log := d.log.With("component", "forward")
	f.server = forward.NewServer(f.src, f.keys.Load, log)
	f.fwd = forward.NewForwarder(forward.Options{
		Node: d.nodeID, Source: f.src, Store: store, Keys: f.keys.Load, Port: port, Peers: d.forwardPeers, Logger: log,
	})
	f.apply(ctx, cluster)
	return nil
}

// apply takes the cluster config's keys (at start and on reload) and
// starts forwarding when there is a key for the first time.
func (f *forwarding) apply(ctx context.Context, cluster *config.Cluster) {
	if f == nil || f.store == nil {
		return
	}
	keys := forward.NewKeys(cluster.Peer)
	f.keys.Store(keys)
	f.mu.Lock()
	defer f.mu.Unlock()
	if keys == nil {
		if !f.started {
			f.reason = "the cluster config has no peer key: the first cluster config change on a node with peers " +
				"(or 'gluster-eventing sync' there) makes one"
		}
		return
	}
	if f.started {
		return
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		f.reason = fmt.Sprintf("cannot listen on peer_listen %s: %v (tried again at the next reload)", f.listen, err)
		f.d.log.Error("event forwarding is off", "err", err, "peer_listen", f.listen)
		return
	}
	f.started, f.reason, f.addr = true, "", ln.Addr().String()
	f.srv = &http.Server{Handler: f.server, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	ctx, f.cancel = context.WithCancel(ctx)
	f.wg.Go(func() { f.srv.Serve(ln) })
	f.wg.Go(func() { f.fwd.Run(ctx) })
	f.wg.Go(func() { f.feedState(ctx) })
	f.wg.Go(func() { f.retain(ctx) })
	f.d.log.Info("event forwarding on", "peer_listen", f.addr, "key_id", keys.ID())
}

// stop stops serving and pulling and closes the store; the state table
// and the journal are still open.
func (f *forwarding) stop() {
	if f == nil || f.store == nil {
		return
	}
	f.mu.Lock()
	if f.cancel != nil {
		f.cancel()
		f.srv.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	if err := f.store.Close(); err != nil {
		f.d.log.Error("closing the replica store", "err", err)
	}
}

// retain applies the replicas' max_age every minute (Put applies both
// bounds to the origin it adds to).
func (f *forwarding) retain(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := f.store.Trim(); err != nil {
				f.d.log.Error("replica retention", "err", err)
			}
		}
	}
}

// forwardPeers are the other nodes of the pool, from the state table
// (which asks glusterd): their UUIDs and every name glusterd knows them by.
func (d *Daemon) forwardPeers(context.Context) []forward.Peer {
	if d.table == nil {
		return nil
	}
	var out []forward.Peer
	for _, p := range d.table.Snapshot().Peers {
		if p.Self || p.UUID == d.nodeID {
			continue
		}
		addrs := []string{}
		for _, h := range append([]string{p.Hostname}, p.Hostnames...) {
			if h != "" && h != "localhost" && !contains(addrs, h) {
				addrs = append(addrs, h)
			}
		}
		out = append(out, forward.Peer{UUID: p.UUID, Addrs: addrs})
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// feedState hands the events forwarded from other nodes to the state
// table (a second consumer, of the replica store): those stored after
// the daemon started, each once. They are not journaled here.
func (f *forwarding) feedState(ctx context.Context) {
	if f.d.table == nil {
		return
	}
	start := time.Now()
	type pos struct {
		epoch string
		last  uint64
	}
	at := map[string]pos{}
	for _, o := range f.store.Origins() {
		at[o.Node] = pos{o.Epoch, o.Last} // what was held before the start: the table reconciled since
	}
	for ctx.Err() == nil {
		changed := f.store.Changed()
		for _, o := range f.store.Origins() {
			p, ok := at[o.Node]
			if !ok || p.epoch != o.Epoch {
				p = pos{o.Epoch, o.First - 1} // new here: from the oldest held, older ones filtered by time
				if o.Last-o.First > 10000 {
					p.last = o.Last - 10000
				}
			}
			for ctx.Err() == nil {
				epoch, recs, err := f.store.Read(o.Node, p.last, 512)
				if te, ok := errors.AsType[*journal.TrimmedError](err); ok {
					p.last = te.Oldest - 1
					continue
				}
				if err != nil || len(recs) == 0 || epoch != p.epoch {
					break
				}
				var evs []*evrec.Record
				for _, r := range recs {
					if r.Time.Before(start) {
						continue
					}
					if ev, err := evrec.Unmarshal(r.Seq, r.Data); err == nil {
						evs = append(evs, ev)
					}
				}
				if len(evs) > 0 {
					if err := f.d.table.ApplyRemote(ctx, o.Node, evs); err != nil {
						return
					}
				}
				p.last = recs[len(recs)-1].Seq
			}
			at[o.Node] = p
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// status is forwarding in GET /v1/status.
func (f *forwarding) status() *api.ForwardStatus {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	st := &api.ForwardStatus{State: "on", Reason: f.reason, Listen: f.addr, Peers: []api.ForwardPeer{}}
	started := f.started
	f.mu.Unlock()
	if !started {
		st.State = "off"
	}
	if k := f.keys.Load(); k != nil {
		st.KeyID = k.ID()
	} else if started {
		st.Reason = "the cluster config has no peer key any more: peers' pulls are refused"
	}
	if f.server != nil {
		ss := f.server.Stats()
		st.Served, st.Refused, st.LastRefusal, st.LastRefusalFrom = ss.Served, ss.Refused, ss.LastRefusal, ss.LastRefusalFrom
	}
	if started {
		st.Peers = f.fwd.Status()
	}
	return st
}
