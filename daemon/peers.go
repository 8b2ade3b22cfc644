package daemon

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/gluster"
)

// allowList decides which senders may submit events.
type allowList struct {
	// restricted is false when allow_sources is empty: everyone may send.
	restricted bool
	prefixes   []netip.Prefix
}

func (a *allowList) allowed(ip netip.Addr) bool {
	if a == nil || !a.restricted {
		return true
	}
	ip = ip.Unmap()
	for _, p := range a.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// peerRefresh is how often the "peers" allow-list keyword is looked up again
// (peers join and leave without telling us).
const peerRefresh = time.Minute

// peerAddrs resolves the "peers" keyword of allow_sources: the addresses of
// every peer in "gluster pool list". The last good answer is kept when
// glusterd cannot be asked.
type peerAddrs struct {
	gluster *gluster.CLI
	mu      sync.Mutex
	last    []netip.Prefix
}

func (p *peerAddrs) lookup(ctx context.Context, d *Daemon) []netip.Prefix {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	peers, err := p.gluster.PoolList(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		d.log.Warn("cannot list the peers for allow_sources \"peers\"; keeping the last known addresses", "err", err, "addresses", len(p.last))
		return p.last
	}
	var out []netip.Prefix
	for _, peer := range peers {
		if peer.Hostname == "localhost" {
			continue // this node: its own senders use loopback or its addresses below
		}
		addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", peer.Hostname)
		if err != nil {
			d.log.Warn("cannot resolve a peer for allow_sources \"peers\"", "peer", peer.Hostname, "err", err)
			continue
		}
		for _, a := range addrs {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	p.last = out
	return out
}

// buildAllowList turns a node config into the intake's allow-list; ctx
// bounds the peer lookup.
func (d *Daemon) buildAllowList(ctx context.Context, node *config.Node) *allowList {
	a := &allowList{restricted: len(node.AllowSources) > 0, prefixes: node.AllowPrefixes()}
	if node.AllowsPeers() {
		a.prefixes = append(a.prefixes, d.peers.lookup(ctx, d)...)
	}
	return a
}

// refreshPeers re-reads the peers periodically while "peers" is allowed.
func (d *Daemon) refreshPeers(ctx context.Context) {
	t := time.NewTicker(peerRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// Under reloadMu, so that a reload's allow-list is never
			// replaced by one built from the config it replaced.
			d.reloadMu.Lock()
			d.mu.Lock()
			node := d.node
			d.mu.Unlock()
			if node.AllowsPeers() {
				d.intake.allow.Store(d.buildAllowList(ctx, node))
			}
			d.reloadMu.Unlock()
		}
	}
}
