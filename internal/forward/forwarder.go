package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
)

// Peer is a node to pull from: its glusterd UUID and the names or
// addresses it is known by (glusterd's hostnames), without port.
type Peer struct {
	UUID  string
	Addrs []string
}

// Options configure a Forwarder.
type Options struct {
	// Node is this node's glusterd UUID.
	Node   string
	Source *Source
	Store  *Store
	// Keys returns the current peer keys; nil stops pulling (the status
	// says there is no key).
	Keys func() *Keys
	// Port is the peer_listen port every peer serves on.
	Port string
	// Peers returns the other nodes (glusterd's pool); an empty answer
	// (glusterd down) keeps the last known ones.
	Peers func(ctx context.Context) []Peer
	// Wait is the long-poll wait; 0 means 20s. MaxBackoff bounds the
	// pause after failed pulls; 0 means 10s.
	Wait, MaxBackoff time.Duration
	// Client overrides the HTTP client (tests).
	Client *http.Client
	Logger *slog.Logger
	// OnApplied, if set, is called after records of a remote origin were
	// stored (the daemon's state table feed uses the store's Changed
	// instead; tests use this).
	OnApplied func(origin string, n int)
}

// Forwarder pulls every peer's events into the store: from each origin
// itself while it answers, and the origins of nodes that do not answer
// from the peer that holds most of them.
type Forwarder struct {
	o      Options
	client *http.Client
	log    *slog.Logger

	mu      sync.Mutex
	pullers map[string]*puller
	known   map[string][]string // last non-empty peer list, saved in the store
}

// puller is the state of pulling from one peer; its fields are guarded by
// Forwarder.mu.
type puller struct {
	uuid  string
	addrs []string
	next  int // index of the address to dial

	connected    bool
	since        time.Time
	lastContact  time.Time
	err          string
	failures     int
	authFailures uint64
	addr         string
	advertised   map[string]OriginInfo

	usePrev   bool               // sign with the previous key: the peer lacks the current one
	cancelReq context.CancelFunc // the request in flight
	kicked    bool
	stop      context.CancelFunc
	done      chan struct{}
}

// NewForwarder returns a Forwarder; Run runs it.
func NewForwarder(o Options) *Forwarder {
	if o.Wait <= 0 {
		o.Wait = 20 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = maxBackoff
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c := o.Client
	if c == nil {
		c = &http.Client{Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: o.Wait + 5*time.Second,
		}}
	}
	return &Forwarder{o: o, client: c, log: o.Logger, pullers: map[string]*puller{}}
}

// peerRefresh is how often the peer list is asked for again; maxBackoff
// bounds the pause between failed pulls (a dial, every 10 s, for a peer
// that is down: it catches up within that of its return).
const (
	peerRefresh = 5 * time.Second
	maxBackoff  = 10 * time.Second
)

// Run pulls until ctx ends.
func (f *Forwarder) Run(ctx context.Context) {
	if saved, err := f.o.Store.Peers(); err == nil && len(saved) > 0 {
		f.known = saved
	}
	t := time.NewTicker(peerRefresh)
	defer t.Stop()
	for {
		f.refresh(ctx)
		select {
		case <-ctx.Done():
			f.mu.Lock()
			ps := slices.Collect(maps.Values(f.pullers))
			f.mu.Unlock()
			for _, p := range ps {
				p.stop()
				<-p.done
			}
			return
		case <-t.C:
		}
	}
}

// refresh starts and stops pullers to match the peer list.
func (f *Forwarder) refresh(ctx context.Context) {
	peers := map[string][]string{}
	for _, p := range f.o.Peers(ctx) {
		if p.UUID != "" && p.UUID != f.o.Node && len(p.Addrs) > 0 {
			peers[p.UUID] = p.Addrs
		}
	}
	if len(peers) == 0 {
		peers = f.known // glusterd does not answer: the last known pool
	} else if !maps.EqualFunc(peers, f.known, slices.Equal) {
		f.known = peers
		if err := f.o.Store.SavePeers(peers); err != nil {
			f.log.Warn("saving the peer list", "err", err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for uuid, p := range f.pullers {
		if _, ok := peers[uuid]; !ok {
			delete(f.pullers, uuid)
			go func() { p.stop(); <-p.done }()
		}
	}
	for uuid, addrs := range peers {
		if p, ok := f.pullers[uuid]; ok {
			if !slices.Equal(p.addrs, addrs) {
				p.addrs, p.next = addrs, 0
			}
			continue
		}
		pctx, stop := context.WithCancel(ctx)
		p := &puller{uuid: uuid, addrs: addrs, stop: stop, done: make(chan struct{}), advertised: map[string]OriginInfo{}}
		f.pullers[uuid] = p
		go func() {
			defer close(p.done)
			f.pull(pctx, p)
		}()
	}
}

// kickOthersLocked makes every puller but p plan its next request again
// now (a peer came or went, so who serves which origin changed).
func (f *Forwarder) kickOthersLocked(p *puller) {
	for _, q := range f.pullers {
		if q != p && q.cancelReq != nil {
			q.kicked = true
			q.cancelReq()
		}
	}
}

// pull is one peer's loop.
func (f *Forwarder) pull(ctx context.Context, p *puller) {
	wait := time.Duration(0) // the first answer at once: it tells the lag
	for ctx.Err() == nil {
		keys := f.o.Keys()
		f.mu.Lock()
		usePrev := p.usePrev
		f.mu.Unlock()
		if prev := keys.withPrevious(); usePrev && prev != nil {
			keys = prev
		}
		if keys == nil {
			f.fail(p, errNoKey, false)
			if !sleep(ctx, 5*time.Second) {
				return
			}
			continue
		}
		reqCtx, cancel := context.WithCancel(ctx)
		f.mu.Lock()
		want := f.planLocked(p)
		p.cancelReq, p.kicked = cancel, false
		f.mu.Unlock()

		resp, addr, err := f.request(reqCtx, p, keys, PullRequest{Node: f.o.Node, Want: want, Max: MaxBatch, WaitMS: wait.Milliseconds()})
		cancel()
		f.mu.Lock()
		p.cancelReq = nil
		kicked := p.kicked
		f.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if err != nil && kicked && errors.Is(err, context.Canceled) {
			wait = 0
			continue
		}
		if err != nil {
			var ae *AuthError
			isAuth := errors.As(err, &ae)
			if isAuth && ae.UnknownKey && keys.prevID != "" {
				// Either side of a rotation: try the other key of ours.
				f.mu.Lock()
				p.usePrev = !p.usePrev
				f.mu.Unlock()
			}
			f.fail(p, err, isAuth)
			f.mu.Lock()
			backoff := min(time.Second<<min(p.failures-1, 4), f.o.MaxBackoff)
			f.mu.Unlock()
			if !sleep(ctx, backoff) {
				return
			}
			continue
		}
		full := f.apply(p, resp)
		f.succeed(p, addr, resp)
		wait = f.o.Wait
		if full {
			wait = 0
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (f *Forwarder) fail(p *puller, err error, auth bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p.err != err.Error() || p.failures == 0 {
		f.log.Warn("cannot pull events from a peer", "peer", p.uuid, "address", p.addr, "err", err)
	}
	p.err = err.Error()
	p.failures++
	if auth {
		p.authFailures++
	}
	if len(p.addrs) > 0 {
		p.next = (p.next + 1) % len(p.addrs)
	}
	if p.connected || p.since.IsZero() {
		p.connected, p.since = false, time.Now()
		f.kickOthersLocked(p)
	}
}

func (f *Forwarder) succeed(p *puller, addr string, resp *PullResponse) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !p.connected {
		if p.failures > 0 {
			f.log.Info("pulling events from a peer again", "peer", p.uuid, "address", addr)
		}
		p.connected, p.since = true, time.Now()
		f.kickOthersLocked(p)
	}
	p.addr, p.err, p.failures, p.lastContact = addr, "", 0, time.Now()
	p.advertised = map[string]OriginInfo{}
	for _, o := range resp.Origins {
		p.advertised[o.Node] = o
	}
}

// planLocked is what to ask p for: its own events, and those of origins
// whose node does not answer and of which p holds the most (that this
// node can take without a gap).
func (f *Forwarder) planLocked(p *puller) []Want {
	want := []Want{f.position(p.uuid)}
	origins := map[string]bool{}
	for _, q := range f.pullers {
		for o := range q.advertised {
			origins[o] = true
		}
	}
	for _, o := range f.o.Store.Origins() {
		origins[o.Node] = true
	}
	for _, o := range slices.Sorted(maps.Keys(origins)) {
		if o == f.o.Node || o == p.uuid {
			continue
		}
		if q, ok := f.pullers[o]; ok && q.connected {
			continue // from the origin itself
		}
		if f.bestHolderLocked(o) == p {
			want = append(want, f.position(o))
		}
	}
	return want
}

// bestHolderLocked is the answering peer (not origin itself) that holds
// the most of origin and can give it without a gap, nil if none.
func (f *Forwarder) bestHolderLocked(origin string) *puller {
	cur, have := f.o.Store.Origin(origin)
	var best *puller
	var bestLast uint64
	for _, uuid := range slices.Sorted(maps.Keys(f.pullers)) {
		q := f.pullers[uuid]
		a, ok := q.advertised[origin]
		if uuid == origin || !q.connected || !ok {
			continue
		}
		if have && (a.Epoch != cur.Epoch || a.Last <= cur.Last || a.First > cur.Last+1) {
			continue // another journal (only the origin decides), nothing new, or a gap
		}
		if best == nil || a.Last > bestLast {
			best, bestLast = q, a.Last
		}
	}
	return best
}

// position is this node's position in origin.
func (f *Forwarder) position(origin string) Want {
	if o, ok := f.o.Store.Origin(origin); ok {
		return Want{Origin: origin, Epoch: o.Epoch, After: o.Last}
	}
	return Want{Origin: origin}
}

// request sends one signed pull to p and verifies the signed answer.
func (f *Forwarder) request(ctx context.Context, p *puller, keys *Keys, req PullRequest) (*PullResponse, string, error) {
	f.mu.Lock()
	if len(p.addrs) == 0 {
		f.mu.Unlock()
		return nil, "", errors.New("no address known")
	}
	addr := net.JoinHostPort(p.addrs[p.next%len(p.addrs)], f.o.Port)
	p.addr = addr
	f.mu.Unlock()
	body, err := json.Marshal(req)
	if err != nil {
		return nil, addr, err
	}
	// The server answers within the wait; beyond it the connection is
	// dead (a cut network sends no FIN).
	ctx, cancel := context.WithTimeout(ctx, time.Duration(req.WaitMS)*time.Millisecond+5*time.Second)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+PullPath, bytes.NewReader(body))
	if err != nil {
		return nil, addr, err
	}
	hr.Header.Set("Content-Type", "application/json")
	sig := keys.signRequest(hr, f.o.Node, body, time.Now())
	resp, err := f.client.Do(hr)
	if err != nil {
		return nil, addr, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, addr, fmt.Errorf("reading the answer of %s: %w", addr, err)
	}
	if len(rb) > maxResponse {
		return nil, addr, fmt.Errorf("the answer of %s is larger than %d MiB", addr, maxResponse>>20)
	}
	if resp.StatusCode == http.StatusUnauthorized && resp.Header.Get(HeaderSignature) == "" {
		var e refusal
		json.Unmarshal(rb, &e)
		return nil, addr, &AuthError{Reason: fmt.Sprintf("%s refused this node's request: %s", addr, e.Error), UnknownKey: e.UnknownKey}
	}
	if err := verifyResponse(keys, sig, resp, rb); err != nil {
		return nil, addr, err
	}
	if node := resp.Header.Get(HeaderNode); node != p.uuid {
		return nil, addr, fmt.Errorf("%s is node %s, not %s (a peer's address changed?)", addr, node, p.uuid)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		json.Unmarshal(rb, &e)
		return nil, addr, fmt.Errorf("%s answered HTTP %d: %s", addr, resp.StatusCode, e.Error)
	}
	var out PullResponse
	if err := json.Unmarshal(rb, &out); err != nil {
		return nil, addr, fmt.Errorf("the answer of %s: %w", addr, err)
	}
	return &out, addr, nil
}

// apply stores the batches of an answer of p; full reports that some
// batch was as large as allowed (there is more: ask again at once).
func (f *Forwarder) apply(p *puller, resp *PullResponse) (full bool) {
	for _, b := range resp.Batches {
		if b.Origin == f.o.Node || b.Origin == "" || b.Epoch == "" {
			continue
		}
		cur, have := f.o.Store.Origin(b.Origin)
		gapOK := !have
		switch {
		case have && cur.Epoch != b.Epoch && b.Origin != p.uuid:
			continue // another journal of a third node: only the node itself says
		case have && cur.Epoch != b.Epoch:
			// the peer's journal was replaced: Put starts anew
		case b.Gap && b.Origin == p.uuid:
			gapOK = true // the origin itself no longer has them: lost
		case b.Gap && have:
			continue // a third node lacks them: wait for one that has them
		}
		n, err := f.o.Store.Put(b.Origin, b.Epoch, fromWire(b.Events), gapOK)
		if err != nil {
			f.log.Error("storing a peer's events", "peer", p.uuid, "origin", b.Origin, "err", err)
			continue
		}
		if len(b.Events) >= MaxBatch {
			full = true
		}
		if n > 0 && f.o.OnApplied != nil {
			f.o.OnApplied(b.Origin, n)
		}
	}
	return full
}

// Status is the forwarding part of status: one entry per peer, by UUID.
func (f *Forwarder) Status() []api.ForwardPeer {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []api.ForwardPeer{}
	for _, uuid := range slices.Sorted(maps.Keys(f.pullers)) {
		p := f.pullers[uuid]
		fp := api.ForwardPeer{Node: uuid, Address: p.addr, Connected: p.connected, Since: p.since, LastContact: p.lastContact,
			Error: p.err, Failures: p.failures, AuthFailures: p.authFailures, Origins: []api.ForwardOrigin{}}
		if fp.Address == "" && len(p.addrs) > 0 {
			fp.Address = net.JoinHostPort(p.addrs[0], f.o.Port)
		}
		for _, o := range slices.Sorted(maps.Keys(p.advertised)) {
			a := p.advertised[o]
			fo := api.ForwardOrigin{Node: o, Epoch: a.Epoch, PeerLast: a.Last}
			if o == f.o.Node {
				fo.Held = f.o.Source.j.LastSeq()
			} else if cur, ok := f.o.Store.Origin(o); ok && cur.Epoch == a.Epoch {
				fo.Held, fo.Lost = cur.Last, cur.Lost
			}
			if a.Last > fo.Held {
				fo.Lag = a.Last - fo.Held
			}
			fp.Origins = append(fp.Origins, fo)
		}
		out = append(out, fp)
	}
	return out
}
