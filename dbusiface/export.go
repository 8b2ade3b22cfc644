package dbusiface

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/internal/state"
)

// State is the state table the export shows (internal/state.Table).
type State interface {
	Snapshot() state.Snapshot
	// Subscribe delivers every change set after the returned snapshot; a
	// nil set means "resync from Snapshot()".
	Subscribe(n int) (state.Snapshot, <-chan []state.Change, func())
	Refresh(ctx context.Context) error
}

// Journal is what the export reads of the journal (internal/journal.Journal).
type Journal interface {
	Read(from uint64, max int) ([]journal.Record, error)
	LastSeq() uint64
	FirstSeq() uint64
	Wait(ctx context.Context, after uint64) error
	Epoch() string
}

// Daemon is what the export needs of the running daemon.
type Daemon interface {
	// Reload re-reads the configuration and returns once it is applied
	// (or refused).
	Reload(ctx context.Context) error
	Info() Info
	// Webhooks is the webhooks' delivery health.
	Webhooks() []api.Webhook
}

// Options configure an Export.
type Options struct {
	// Conn is the bus connection; the Export requests BusName on it and
	// releases it in Close, but does not close Conn.
	Conn     *dbus.Conn
	Version  string
	NodeUUID string
	State    State
	Journal  Journal
	Daemon   Daemon
	Logger   *slog.Logger
	// Channels resolves the channel:NAME terms of GetEvents' filter
	// option to the cluster config's channels; nil knows none.
	Channels func(name string) (expr string, ok bool)

	// FlushInterval is the shortest time between two PropertiesChanged
	// of one object: changes within it are coalesced into one signal.
	// Default 100 ms.
	FlushInterval time.Duration
	// PollInterval is how often the Manager's counters and the webhooks'
	// health are read. Default 1 s.
	PollInterval time.Duration
	// MaxEventLag bounds how far the Event signals may fall behind the
	// journal; beyond it they skip ahead after an EventsLost. Default
	// 10,000 events.
	MaxEventLag uint64
}

// Export serves the org.gluster.Eventing1 objects on a bus connection.
// All bus work runs in its own goroutines: the state table and the journal
// never wait for it, a slow bus only makes its signals coalesce or skip.
type Export struct {
	opts Options
	conn *dbus.Conn
	log  *slog.Logger

	mu      sync.Mutex // guards objects and pending
	objects map[dbus.ObjectPath]*object
	// pending holds the names of the properties changed since the last
	// PropertiesChanged of each object.
	pending map[dbus.ObjectPath]map[string]bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start exports the objects, requests BusName and starts following the
// state table, the webhooks and the journal. A name that cannot be owned
// (another daemon has it, the policy forbids it) is an error and nothing
// stays exported.
func Start(opts Options) (*Export, error) {
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 100 * time.Millisecond
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.MaxEventLag == 0 {
		opts.MaxEventLag = 10000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Export{opts: opts, conn: opts.Conn, log: opts.Logger,
		objects: map[dbus.ObjectPath]*object{}, pending: map[dbus.ObjectPath]map[string]bool{}}

	snap, changes, unsubscribe := opts.State.Subscribe(256)
	e.apply(e.build(snap), false)
	if err := e.exportHandlers(); err != nil {
		unsubscribe()
		e.unexport()
		return nil, err
	}
	reply, err := e.conn.RequestName(BusName, dbus.NameFlagDoNotQueue)
	if err == nil && reply != dbus.RequestNameReplyPrimaryOwner {
		err = fmt.Errorf("another process owns it (reply %d)", reply)
	}
	if err != nil {
		unsubscribe()
		e.unexport()
		return nil, fmt.Errorf("requesting D-Bus name %s: %w", BusName, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	next := opts.Journal.LastSeq() + 1
	e.wg.Go(func() {
		defer unsubscribe()
		e.follow(ctx, changes)
	})
	e.wg.Go(func() { e.events(ctx, next) })
	return e, nil
}

// Close stops the signals, releases BusName and un-exports the objects.
// It does not close the connection.
func (e *Export) Close() {
	e.cancel()
	e.wg.Wait()
	if _, err := e.conn.ReleaseName(BusName); err != nil && !errors.Is(err, dbus.ErrClosed) {
		e.log.Warn("releasing D-Bus name", "err", err)
	}
	e.unexport()
}

func (e *Export) exportHandlers() error {
	props, intro := &propertiesHandler{e}, &introspectHandler{e}
	exports := []struct {
		v       any
		path    dbus.ObjectPath
		iface   string
		subtree bool
	}{
		{props, RootPath, propertiesInterface, true},
		{intro, RootPath, introspectInterface, true},
		{&objectManager{e}, RootPath, ObjectManagerInterface, false},
		// An exact export hides the subtree's: the Manager path gets
		// its own.
		{&manager{e}, ManagerPath, ManagerInterface, false},
		{props, ManagerPath, propertiesInterface, false},
		{intro, ManagerPath, introspectInterface, false},
	}
	for _, x := range exports {
		var err error
		if x.subtree {
			err = e.conn.ExportSubtree(x.v, x.path, x.iface)
		} else {
			err = e.conn.Export(x.v, x.path, x.iface)
		}
		if err != nil {
			return fmt.Errorf("exporting %s on %s: %w", x.iface, x.path, err)
		}
	}
	return nil
}

func (e *Export) unexport() {
	for _, iface := range []string{propertiesInterface, introspectInterface, ObjectManagerInterface} {
		_ = e.conn.ExportSubtree(nil, RootPath, iface)
		_ = e.conn.Export(nil, RootPath, iface)
	}
	for _, iface := range []string{ManagerInterface, propertiesInterface, introspectInterface} {
		_ = e.conn.Export(nil, ManagerPath, iface)
	}
}

// build is the full set of objects as they should be now.
func (e *Export) build(snap state.Snapshot) map[dbus.ObjectPath]*object {
	objs := map[dbus.ObjectPath]*object{ManagerPath: {managerKind, e.managerProps(snap)}}
	stateObjects(objs, snap)
	if e.opts.Daemon != nil {
		for _, w := range e.opts.Daemon.Webhooks() {
			objs[WebhookPath(w.ID)] = &object{webhookKind, webhookProps(w)}
		}
	}
	return objs
}

func (e *Export) managerProps(snap state.Snapshot) map[string]any {
	var info Info
	if e.opts.Daemon != nil {
		info = e.opts.Daemon.Info()
	}
	glusterd := snap.Glusterd
	if glusterd == "" {
		glusterd = "unknown"
	}
	return map[string]any{
		"Version":          e.opts.Version,
		"NodeUUID":         e.opts.NodeUUID,
		"GlusterdState":    glusterd,
		"StateStatus":      snap.Status,
		"StreamEpoch":      e.opts.Journal.Epoch(),
		"LastSeq":          e.opts.Journal.LastSeq(),
		"OldestSeq":        e.opts.Journal.FirstSeq(),
		"ConfigGeneration": info.ConfigGeneration,
		"ConfigDigest":     info.ConfigDigest,
		"EventsReceived":   info.EventsReceived,
		"EventsDropped":    info.EventsDropped,
	}
}

// follow keeps the objects in step with the state table and polls the
// rest, until ctx ends. It is the only goroutine that changes the objects
// or emits their signals, so the signals go out in the order of the
// changes.
func (e *Export) follow(ctx context.Context, changes <-chan []state.Change) {
	poll := time.NewTicker(e.opts.PollInterval)
	defer poll.Stop()
	flush := time.NewTimer(0)
	<-flush.C
	armed := false
	var last time.Time // of the last flush
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.conn.Context().Done():
			// The bus went away (restarted, or the connection broke):
			// nothing can be exported any more; the daemon runs on.
			e.log.Warn("lost the D-Bus connection; the export stops until the daemon restarts", "err", context.Cause(e.conn.Context()))
			return
		case _, ok := <-changes:
			if !ok {
				changes = nil
				continue
			}
			// Every set waiting is covered by one new snapshot.
			for drained := false; !drained; {
				select {
				case _, ok := <-changes:
					if !ok {
						changes, drained = nil, true
					}
				default:
					drained = true
				}
			}
			e.apply(e.build(e.opts.State.Snapshot()), true)
		case <-poll.C:
			e.apply(e.build(e.opts.State.Snapshot()), true)
		case <-flush.C:
			armed = false
			e.flush()
			last = time.Now()
		}
		if !armed && e.hasPending() {
			flush.Reset(max(0, time.Until(last.Add(e.opts.FlushInterval))))
			armed = true
		}
	}
}

func (e *Export) hasPending() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pending) > 0
}

// apply makes objs the exported objects: new ones are added (then
// announced with InterfacesAdded), gone ones announced with
// InterfacesRemoved (then removed), and the changed properties of the
// others are noted for the next flush.
func (e *Export) apply(objs map[dbus.ObjectPath]*object, signal bool) {
	var added, removed []dbus.ObjectPath
	e.mu.Lock()
	for path, o := range objs {
		cur, ok := e.objects[path]
		if !ok || cur.kind != o.kind {
			if ok {
				removed = append(removed, path)
				continue // re-added on the next apply
			}
			e.objects[path] = o
			added = append(added, path)
			continue
		}
		for name, v := range o.props {
			if reflect.DeepEqual(cur.props[name], v) {
				continue
			}
			if e.pending[path] == nil {
				e.pending[path] = map[string]bool{}
			}
			e.pending[path][name] = true
		}
		cur.props = o.props
	}
	for path := range e.objects {
		if _, ok := objs[path]; !ok {
			removed = append(removed, path)
		}
	}
	e.sortPaths(added, false)
	e.sortPaths(removed, true)
	addedProps := make([]map[string]map[string]dbus.Variant, len(added))
	for i, path := range added {
		addedProps[i] = e.interfacesLocked(path)
	}
	e.mu.Unlock()

	if !signal {
		e.mu.Lock()
		for _, path := range removed {
			delete(e.objects, path)
			delete(e.pending, path)
		}
		e.mu.Unlock()
		return
	}
	for i, path := range added {
		e.emit(RootPath, interfacesAdded, path, addedProps[i])
	}
	for _, path := range removed {
		e.mu.Lock()
		iface := e.objects[path].kind.iface
		e.mu.Unlock()
		e.emit(RootPath, interfacesRemoved, path, []string{iface})
		e.mu.Lock()
		delete(e.objects, path)
		delete(e.pending, path)
		e.mu.Unlock()
	}
}

// sortPaths orders paths by kind (peers, volumes, bricks, webhooks), then
// by path; reversed for removals. e.mu is held.
func (e *Export) sortPaths(paths []dbus.ObjectPath, reverse bool) {
	slices.SortFunc(paths, func(a, b dbus.ObjectPath) int {
		c := cmp.Or(cmp.Compare(e.objects[a].kind.order, e.objects[b].kind.order), strings.Compare(string(a), string(b)))
		if reverse {
			return -c
		}
		return c
	})
}

// flush emits one PropertiesChanged per object with pending changes,
// carrying every changed property (Options only by name: it is
// EmitInvalidates).
func (e *Export) flush() {
	type signal struct {
		path        dbus.ObjectPath
		iface       string
		changed     map[string]dbus.Variant
		invalidated []string
	}
	e.mu.Lock()
	sigs := make([]signal, 0, len(e.pending))
	for path, names := range e.pending {
		o := e.objects[path]
		s := signal{path: path, iface: o.kind.iface, changed: map[string]dbus.Variant{}, invalidated: []string{}}
		for name := range names {
			spec, _ := o.kind.prop(name)
			switch spec.emit {
			case emitInvalidates:
				s.invalidated = append(s.invalidated, name)
			case emitTrue:
				s.changed[name] = dbus.MakeVariant(o.props[name])
			}
		}
		slices.Sort(s.invalidated)
		if len(s.changed)+len(s.invalidated) > 0 {
			sigs = append(sigs, s)
		}
	}
	clear(e.pending)
	e.mu.Unlock()
	slices.SortFunc(sigs, func(a, b signal) int { return strings.Compare(string(a.path), string(b.path)) })
	for _, s := range sigs {
		e.emit(s.path, propertiesChanged, s.iface, s.changed, s.invalidated)
	}
}

func (e *Export) emit(path dbus.ObjectPath, name string, values ...any) {
	if err := e.conn.Emit(path, name, values...); err != nil && !errors.Is(err, dbus.ErrClosed) {
		e.log.Warn("emitting D-Bus signal", "signal", name, "path", path, "err", err)
	}
}

// interfacesLocked is the object's a{sa{sv}} for GetManagedObjects and
// InterfacesAdded, from its current values. e.mu is held.
func (e *Export) interfacesLocked(path dbus.ObjectPath) map[string]map[string]dbus.Variant {
	o := e.objects[path]
	return map[string]map[string]dbus.Variant{o.kind.iface: variants(o.props)}
}

// children lists the names of the nodes directly under path, and whether
// path is an object or has any below it.
func (e *Export) children(path dbus.ObjectPath) (names []string, exists bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	prefix := string(path) + "/"
	if path == RootPath {
		// The directories exist even when empty.
		names = []string{"Manager", "bricks", "peers", "volumes", "webhooks"}
		return names, true
	}
	_, exists = e.objects[path]
	seen := map[string]bool{}
	for p := range e.objects {
		rest, ok := strings.CutPrefix(string(p), prefix)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	switch path {
	case VolumesPath, BricksPath, PeersPath, WebhooksPath:
		exists = true
	}
	return names, exists || len(names) > 0
}

func pathOf(msg dbus.Message) dbus.ObjectPath {
	p, _ := msg.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	return p
}

func unknownObject(path dbus.ObjectPath) *dbus.Error {
	return dbus.NewError("org.freedesktop.DBus.Error.UnknownObject", []any{fmt.Sprintf("no object at %s", path)})
}

// propertiesHandler is org.freedesktop.DBus.Properties on every object.
type propertiesHandler struct{ e *Export }

func (h *propertiesHandler) lookup(path dbus.ObjectPath, iface string) (*object, *dbus.Error) {
	o, ok := h.e.objects[path]
	if !ok {
		return nil, unknownObject(path)
	}
	if iface != o.kind.iface {
		return nil, dbus.NewError("org.freedesktop.DBus.Error.UnknownInterface",
			[]any{fmt.Sprintf("%s has no interface %s", path, iface)})
	}
	return o, nil
}

func (h *propertiesHandler) Get(msg dbus.Message, iface, name string) (dbus.Variant, *dbus.Error) {
	h.e.mu.Lock()
	defer h.e.mu.Unlock()
	o, derr := h.lookup(pathOf(msg), iface)
	if derr != nil {
		return dbus.Variant{}, derr
	}
	v, ok := o.props[name]
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty",
			[]any{fmt.Sprintf("%s has no property %s", iface, name)})
	}
	return dbus.MakeVariant(v), nil
}

func (h *propertiesHandler) GetAll(msg dbus.Message, iface string) (map[string]dbus.Variant, *dbus.Error) {
	h.e.mu.Lock()
	defer h.e.mu.Unlock()
	o, derr := h.lookup(pathOf(msg), iface)
	if derr != nil {
		return nil, derr
	}
	return variants(o.props), nil
}

func (h *propertiesHandler) Set(msg dbus.Message, iface, name string, _ dbus.Variant) *dbus.Error {
	h.e.mu.Lock()
	defer h.e.mu.Unlock()
	if _, derr := h.lookup(pathOf(msg), iface); derr != nil {
		return derr
	}
	return dbus.NewError("org.freedesktop.DBus.Error.PropertyReadOnly",
		[]any{fmt.Sprintf("%s.%s is read-only", iface, name)})
}

// introspectHandler is org.freedesktop.DBus.Introspectable on every node.
type introspectHandler struct{ e *Export }

func (h *introspectHandler) Introspect(msg dbus.Message) (string, *dbus.Error) {
	path := pathOf(msg)
	children, exists := h.e.children(path)
	if !exists {
		return "", unknownObject(path)
	}
	var k *kind
	h.e.mu.Lock()
	if o, ok := h.e.objects[path]; ok {
		k = o.kind
	}
	h.e.mu.Unlock()
	return introspectXML(path, k, children), nil
}

// objectManager is org.freedesktop.DBus.ObjectManager on RootPath.
type objectManager struct{ e *Export }

// GetManagedObjects answers from the live properties, under the lock the
// changes are made under: never a value older than a signal already sent.
func (m *objectManager) GetManagedObjects() (map[dbus.ObjectPath]map[string]map[string]dbus.Variant, *dbus.Error) {
	m.e.mu.Lock()
	defer m.e.mu.Unlock()
	out := make(map[dbus.ObjectPath]map[string]map[string]dbus.Variant, len(m.e.objects))
	for path := range m.e.objects {
		out[path] = m.e.interfacesLocked(path)
	}
	return out, nil
}

// callerAllowed reports whether sender may call a method that changes
// something: root, or the daemon's own user (a session bus). The system
// bus policy says the same; this holds on any bus.
func (e *Export) callerAllowed(sender dbus.Sender) bool {
	var uid uint32
	err := e.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixUser", 0, string(sender)).Store(&uid)
	if err != nil {
		e.log.Warn("asking the bus for a caller's uid", "sender", sender, "err", err)
		return false
	}
	return uid == 0 || int(uid) == os.Geteuid()
}
