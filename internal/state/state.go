// Package state keeps the daemon's one picture of the cluster: a table of
// peers, volumes and bricks that the API, D-Bus and the dashboard read and
// never ask glusterd for themselves. Gluster's own monitoring has no such
// thing: its events are edges (a brick went down) repeated on every
// heartbeat, and nothing remembers the level.
//
// The table is built from "gluster --mode=script --xml" (pool list, volume
// info all, volume status all detail) and then follows the journal like any
// other consumer (its cursor is "state"): events with everything they need
// (BRICK_CONNECTED/DISCONNECTED, VOLUME_START/STOP/DELETE,
// PEER_CONNECT/DISCONNECT) are applied at once; those that only say that
// something changed (VOLUME_CREATE, SET, RESET, add/remove/replace brick,
// PEER_ATTACH/DETACH, QUORUM_*, BRICK_CONNECTED's new port and pid) make it
// ask glusterd again shortly after. It also asks glusterd every Interval
// (60 s; from 5 s while glusterd does not answer), on Refresh, and when
// glusterd stops, starts or comes back (its PID changes, a PEER_CONNECT
// arrives, or the periodic check succeeds again).
//
// Each node's glusterd announces only its own bricks (to its own node's
// daemon): a brick of another node that dies is learnt from the client
// side events of this node's processes (AFR_*, EC_MIN_BRICKS_*, which make
// the table ask glusterd) or at the next reconciliation. The bricks of a
// peer whose glusterd is disconnected are shown offline (glusterd cannot
// tell), and no BRICK_DISCONNECTED is synthesized for them: the
// PEER_DISCONNECT said it.
//
// One applied event or one reconciliation gives one change set (a []Change)
// to every subscriber; an event that changes nothing (Gluster repeats
// BRICK_DISCONNECTED) gives none.
//
// Missed changes. A difference that only a reconciliation finds (a brick
// that died while the daemon was stopped, a volume deleted meanwhile) is
// journaled as a Gluster event of the matching type (BRICK_DISCONNECTED,
// BRICK_CONNECTED, VOLUME_CREATE, VOLUME_START, VOLUME_STOP, VOLUME_DELETE,
// PEER_ATTACH, PEER_DETACH, PEER_CONNECT, PEER_DISCONNECT) with the extra
// field synthesized=reconcile and source "gluster-eventing", so that
// webhooks and every other consumer learn of it. Objects an event named
// since the previous reconciliation are not synthesized for (the event
// said it). The table is kept in the journal's state blob "state:table",
// so a difference between the last table of the previous run and what
// glusterd says at start is found too. The first start ever (no blob)
// synthesizes nothing.
//
// Health of a volume, derived from its layout and which bricks are online:
//
//   - unknown: the volume is not Started, or glusterd does not answer (the
//     table is then as of its last answer, and Snapshot.Status says so).
//   - ok: Started and every brick online.
//   - degraded: some brick offline, but every subvolume still serves: each
//     replica set has a data brick (not the arbiter) online, each disperse
//     set at least DisperseCount-RedundancyCount bricks.
//   - down: some subvolume cannot serve, so part or all of the data is
//     unreachable. In a pure distribute volume every brick is its own
//     subvolume: one brick offline is down.
//
// Imported by daemon/ (which feeds it and serves it) and by the D-Bus
// export; it imports no daemon code.
package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/gluster"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// The table's types are the API's wire types.
type (
	Snapshot = api.State
	Peer     = api.Peer
	Volume   = api.Volume
	Brick    = api.Brick
)

// Change kinds and objects.
const (
	Added   = "added"
	Changed = "changed"
	Removed = "removed"

	ObjectPeer   = "peer"
	ObjectVolume = "volume"
	ObjectBrick  = "brick"
)

// Change is one object that appeared, changed or went away in a change set,
// with the names of the properties that changed (CamelCase, as the D-Bus
// properties: Online, Port, PID, Status, Health, OnlineBrickCount, Options,
// Connected, ...; every property for added and removed).
type Change struct {
	Kind   string // Added, Changed or Removed
	Object string // ObjectPeer, ObjectVolume or ObjectBrick
	Key    string // peer UUID, volume name or brick ID
	Props  []string
	Seq    uint64 // the table's Seq after the change set
}

// Gluster is what the table asks glusterd; *gluster.CLI implements it.
type Gluster interface {
	Pool(ctx context.Context) ([]gluster.PoolPeer, error)
	VolumeInfo(ctx context.Context) ([]gluster.Volume, error)
	VolumeStatus(ctx context.Context) ([]gluster.BrickStatus, error)
}

var _ Gluster = (*gluster.CLI)(nil)

// Journal is what the table needs of the daemon's journal;
// *journal.Journal implements it.
type Journal interface {
	Read(from uint64, max int) ([]journal.Record, error)
	Wait(ctx context.Context, after uint64) error
	LastSeq() uint64
	Append(ctx context.Context, data ...[]byte) (first uint64, err error)
	SetCursor(name string, seq uint64) error
	Cursor(name string) (seq uint64, ok bool, err error)
	PutState(name string, b []byte) error
	State(name string) ([]byte, error)
}

var _ Journal = (*journal.Journal)(nil)

const (
	// ConsumerName is the table's journal cursor; StateKey its state blob.
	ConsumerName = "state"
	StateKey     = "state:table"
	// DefaultInterval is how often the table is reconciled with glusterd.
	DefaultInterval = 60 * time.Second
	// retryInterval is how soon a glusterd that does not answer is asked
	// again, so that its return is noticed soon; the pause doubles with
	// each failure up to half the Interval (a node without glusterd must
	// not run the gluster CLI every few seconds forever).
	retryInterval = 5 * time.Second
	// followUpDelay is how long after an event that only says "something
	// changed" glusterd is asked (events come in bursts: one ask for all).
	followUpDelay = 200 * time.Millisecond
	// hintDelay is followUpDelay for the client-side events that only
	// hint that a brick of some node changed (AFR_*, EC_MIN_BRICKS_*).
	hintDelay = 2 * time.Second
	// minGap is the least time between two reconciliations that events
	// asked for (a storm of VOLUME_SET must not become a storm of gluster
	// commands).
	minGap = time.Second
	// pidCheck is how often Options.GlusterdPID is called.
	pidCheck = 2 * time.Second
	// callTimeout bounds one reconciliation's gluster commands.
	callTimeout = 30 * time.Second
	// startWait bounds how long Start waits for the first reconciliation.
	startWait = 5 * time.Second
	readBatch = 256

	// SynthesizedKey=SynthesizedReconcile marks the events the table
	// journals for changes only a reconciliation saw; their Source is
	// SynthesizedSource.
	SynthesizedKey       = "synthesized"
	SynthesizedReconcile = "reconcile"
	SynthesizedSource    = "gluster-eventing"
)

// Glusterd states of a Snapshot.
const (
	GlusterdRunning = "running"
	GlusterdStopped = "stopped"
	GlusterdUnknown = "unknown"
)

// Options configure a Table.
type Options struct {
	Gluster Gluster // required
	Journal Journal // required
	// Interval is the period of reconciliations; 0 means DefaultInterval.
	Interval time.Duration
	// GlusterdPID, if set, returns the PID of the running glusterd, 0 if
	// none; it is called every 2 s and must be cheap (the daemon reads
	// glusterd's pid file). A change (glusterd stopped, started or
	// restarted) makes the table ask glusterd at once, instead of at the
	// next period.
	GlusterdPID func() int
	// Now is the clock of LastChange and Reconciled; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger // nil discards
}

// Table is the state table. Make it with New, run it with Start, stop it
// with Stop before the journal closes.
type Table struct {
	g        Gluster
	j        Journal
	pid      func() int
	log      *slog.Logger
	now      func() time.Time
	interval time.Duration

	mu         sync.Mutex // guards the fields below
	peers      map[string]Peer
	vols       map[string]Volume
	bricks     map[string]Brick
	seq        uint64
	glusterd   string
	status     string
	reconciled time.Time
	subs       map[*subscriber]struct{}

	// Owned by the loop goroutine.
	baseline      bool            // the table holds what glusterd said once: differences are missed changes
	touchedVols   map[string]bool // named by events since the last reconciliation
	touchedBricks map[string]bool
	touchedPeers  map[string]bool
	allPeers      bool // a PEER_ATTACH/DETACH since the last reconciliation
	followAt      time.Time
	lastAsk       time.Time
	lastErr       string
	failures      int // reconciliations failed in a row

	refreshc chan chan error
	remote   chan remoteBatch // ApplyRemote's events, applied by the loop
	cancel   context.CancelFunc
	done     chan struct{}
}

// persisted is the state blob.
type persisted struct {
	Version    int       `json:"version"`
	Peers      []Peer    `json:"peers"`
	Volumes    []Volume  `json:"volumes"`
	Bricks     []Brick   `json:"bricks"`
	Reconciled time.Time `json:"reconciled"`
}

// New loads the table the previous run left in the journal (shown, marked
// stale, until glusterd answers) and the table's cursor; a first start
// begins after the journal's last record.
func New(opts Options) (*Table, error) {
	if opts.Gluster == nil || opts.Journal == nil {
		return nil, errors.New("state: Gluster and Journal are required")
	}
	t := &Table{
		g: opts.Gluster, j: opts.Journal, pid: opts.GlusterdPID, log: opts.Logger, now: opts.Now, interval: opts.Interval,
		peers: map[string]Peer{}, vols: map[string]Volume{}, bricks: map[string]Brick{},
		glusterd: GlusterdUnknown, status: "glusterd not asked yet",
		subs: map[*subscriber]struct{}{}, refreshc: make(chan chan error), remote: make(chan remoteBatch),
		touchedVols: map[string]bool{}, touchedBricks: map[string]bool{}, touchedPeers: map[string]bool{},
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.interval <= 0 {
		t.interval = DefaultInterval
	}
	b, err := t.j.State(StateKey)
	if err != nil {
		return nil, fmt.Errorf("state: reading the saved table: %w", err)
	}
	if len(b) > 0 {
		var p persisted
		if err := json.Unmarshal(b, &p); err != nil || p.Version != 1 {
			t.log.Warn("discarding an unreadable saved state table", "err", err)
		} else {
			for _, x := range p.Peers {
				t.peers[x.UUID] = x
			}
			for _, x := range p.Volumes {
				x.Health = HealthUnknown // until glusterd answers
				t.vols[x.Name] = x
			}
			for _, x := range p.Bricks {
				t.bricks[x.ID] = x
			}
			t.reconciled = p.Reconciled
			t.baseline = true
		}
	}
	seq, ok, err := t.j.Cursor(ConsumerName)
	if err != nil {
		return nil, fmt.Errorf("state: reading the cursor: %w", err)
	}
	if !ok {
		seq = t.j.LastSeq()
	}
	t.seq = seq
	return t, nil
}

// Start runs the table until Stop: it applies what the journal holds past
// its cursor, reconciles with glusterd (waiting up to 5 s for that, so that
// the first Snapshot is current) and then follows the journal.
func (t *Table) Start(ctx context.Context) {
	ctx, t.cancel = context.WithCancel(ctx)
	t.done = make(chan struct{})
	first := make(chan struct{})
	go t.loop(ctx, first)
	select {
	case <-first:
	case <-time.After(startWait):
		t.log.Warn("glusterd has not answered yet; the state table follows when it does")
	case <-ctx.Done():
	}
}

// Stop stops the table and saves it and its cursor to the journal (they
// become durable with the journal's next commit, its Close at the latest).
func (t *Table) Stop() {
	if t.cancel == nil {
		return
	}
	t.cancel()
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	for s := range t.subs {
		delete(t.subs, s)
		close(s.ch)
	}
}

// Snapshot returns the table now. Its maps and slices are the caller's.
func (t *Table) Snapshot() Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.snapshotLocked()
}

func (t *Table) snapshotLocked() Snapshot {
	s := Snapshot{
		Peers: []Peer{}, Volumes: []Volume{}, Bricks: []Brick{},
		Seq: t.seq, Glusterd: t.glusterd, Status: t.status, Reconciled: t.reconciled,
	}
	for _, k := range slices.Sorted(maps.Keys(t.peers)) {
		p := t.peers[k]
		p.Hostnames = slices.Clone(p.Hostnames)
		s.Peers = append(s.Peers, p)
	}
	for _, k := range slices.Sorted(maps.Keys(t.vols)) {
		s.Volumes = append(s.Volumes, cloneVolume(t.vols[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(t.bricks)) {
		s.Bricks = append(s.Bricks, t.bricks[k])
	}
	return s
}

func cloneVolume(v Volume) Volume {
	v.Options = maps.Clone(v.Options)
	v.Bricks = slices.Clone(v.Bricks)
	return v
}

// Peer returns the peer of the given UUID.
func (t *Table) Peer(uuid string) (Peer, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.peers[uuid]
	p.Hostnames = slices.Clone(p.Hostnames)
	return p, ok
}

// Volume returns the volume of the given name.
func (t *Table) Volume(name string) (Volume, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.vols[name]
	return cloneVolume(v), ok
}

// Brick returns the brick of the given ID.
func (t *Table) Brick(id string) (Brick, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.bricks[id]
	return b, ok
}

type subscriber struct {
	ch   chan []Change
	lost bool // a set was dropped: a nil set is owed
}

// Subscribe delivers every change set after the snapshot it returns, in
// order. A subscriber that does not keep up (n sets wait in its channel)
// is not waited for: the sets that do not fit are dropped, and once there
// is room again it gets a nil set, meaning "resync from Snapshot()", then
// the sets that follow. cancel stops the subscription and closes the
// channel; so does Stop.
func (t *Table) Subscribe(n int) (Snapshot, <-chan []Change, func()) {
	s := &subscriber{ch: make(chan []Change, max(n, 1)+1)}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.subs[s] = struct{}{}
	cancel := func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if _, ok := t.subs[s]; ok {
			delete(t.subs, s)
			close(s.ch)
		}
	}
	return t.snapshotLocked(), s.ch, cancel
}

// publishLocked hands a change set to every subscriber without waiting.
// A channel has room for n sets and one nil: a subscriber that lost sets
// gets the nil and the next set together, once both fit.
func (t *Table) publishLocked(set []Change) {
	for s := range t.subs {
		switch {
		case s.lost && len(s.ch)+2 <= cap(s.ch):
			s.ch <- nil
			s.ch <- set
			s.lost = false
		case !s.lost && len(s.ch) < cap(s.ch)-1:
			s.ch <- set
		default:
			s.lost = true
		}
	}
}

// ErrNotRunning is Refresh's error when the table is not running.
var ErrNotRunning = errors.New("state: the table is not running")

// Refresh reconciles the table with glusterd now and returns when it is
// done: nil, or why glusterd could not be asked.
func (t *Table) Refresh(ctx context.Context) error {
	if t.done == nil {
		return ErrNotRunning
	}
	reply := make(chan error, 1)
	select {
	case t.refreshc <- reply:
	case <-t.done:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loop is the table's only writer.
func (t *Table) loop(ctx context.Context, first chan struct{}) {
	defer close(t.done)
	defer t.save()
	wake := make(chan struct{}, 1)
	go t.watch(ctx, wake)

	var pidTick <-chan time.Time
	lastPID := 0
	if t.pid != nil {
		lastPID = t.pid()
		tick := time.NewTicker(pidCheck)
		defer tick.Stop()
		pidTick = tick.C
	}
	t.catchUp(ctx)
	t.reconcile(ctx)
	close(first)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		timer.Reset(max(time.Until(t.nextAsk()), 0))
		select {
		case <-ctx.Done():
			return
		case <-pidTick:
			if pid := t.pid(); pid != lastPID {
				t.log.Info("glusterd changed; asking it", "pid", pid, "was", lastPID)
				lastPID = pid
				t.catchUp(ctx)
				t.reconcile(ctx)
			}
		case <-wake:
			t.catchUp(ctx)
		case b := <-t.remote:
			t.applyRemote(b)
		case reply := <-t.refreshc:
			t.catchUp(ctx)
			reply <- t.reconcile(ctx)
		case <-timer.C:
			t.catchUp(ctx)
			t.reconcile(ctx)
		}
	}
}

// nextAsk is when glusterd is to be asked next.
func (t *Table) nextAsk() time.Time {
	t.mu.Lock()
	running := t.glusterd == GlusterdRunning
	t.mu.Unlock()
	next := t.lastAsk.Add(t.interval)
	if !running && t.failures > 0 {
		retry := min(retryInterval<<min(t.failures-1, 8), t.interval/2)
		next = t.lastAsk.Add(retry)
	}
	if !t.followAt.IsZero() {
		next = minTime(next, maxTime(t.followAt, t.lastAsk.Add(minGap)))
	}
	return next
}

// followUp asks glusterd again soon.
func (t *Table) followUp() {
	if t.followAt.IsZero() {
		t.followAt = time.Now().Add(followUpDelay)
	}
}

// watch wakes the loop whenever the journal has records past the last
// ones it saw.
func (t *Table) watch(ctx context.Context, wake chan<- struct{}) {
	t.mu.Lock()
	last := t.seq
	t.mu.Unlock()
	for {
		if err := t.j.Wait(ctx, last); err != nil {
			return
		}
		last = t.j.LastSeq()
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// catchUp applies every journaled record past the cursor.
func (t *Table) catchUp(ctx context.Context) {
	for ctx.Err() == nil {
		t.mu.Lock()
		next := t.seq + 1
		t.mu.Unlock()
		recs, err := t.j.Read(next, readBatch)
		if te, ok := errors.AsType[*journal.TrimmedError](err); ok {
			t.log.Warn("events fell out of the journal before the state table applied them; asking glusterd", "lost", te.Oldest-next)
			t.mu.Lock()
			t.seq = te.Oldest - 1
			t.mu.Unlock()
			t.followAt = time.Now()
			continue
		}
		if err != nil {
			if !errors.Is(err, journal.ErrClosed) {
				t.log.Error("reading the journal", "err", err)
			}
			return
		}
		if len(recs) == 0 {
			return
		}
		for i := range recs {
			t.applyRecord(&recs[i])
		}
		if err := t.j.SetCursor(ConsumerName, recs[len(recs)-1].Seq); err != nil && !errors.Is(err, journal.ErrClosed) {
			t.log.Error("saving the state table's cursor", "err", err)
		}
	}
}

// save writes the table to the journal's state blob.
func (t *Table) save() {
	t.mu.Lock()
	p := persisted{Version: 1, Reconciled: t.reconciled}
	s := t.snapshotLocked()
	seq := t.seq
	t.mu.Unlock()
	p.Peers, p.Volumes, p.Bricks = s.Peers, s.Volumes, s.Bricks
	b, err := json.Marshal(p)
	if err == nil {
		err = t.j.PutState(StateKey, b)
	}
	if err == nil {
		err = t.j.SetCursor(ConsumerName, seq)
	}
	if err != nil && !errors.Is(err, journal.ErrClosed) {
		t.log.Error("saving the state table", "err", err)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
