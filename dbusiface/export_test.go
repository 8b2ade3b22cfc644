package dbusiface

import (
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/internal/state"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml from the current introspection data")

// fakeState is a state table the test changes by hand; it keeps
// Subscribe's contract (a subscriber that does not keep up gets nil, then
// the sets that follow).
type fakeState struct {
	mu        sync.Mutex
	snap      state.Snapshot
	subs      []chan []state.Change
	resync    map[chan []state.Change]bool
	refreshes int
}

func (f *fakeState) Snapshot() state.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return cloneSnap(f.snap)
}

func cloneSnap(s state.Snapshot) state.Snapshot {
	s.Peers = slices.Clone(s.Peers)
	s.Bricks = slices.Clone(s.Bricks)
	s.Volumes = slices.Clone(s.Volumes)
	return s
}

func (f *fakeState) Subscribe(n int) (state.Snapshot, <-chan []state.Change, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan []state.Change, n)
	f.subs = append(f.subs, ch)
	return cloneSnap(f.snap), ch, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.subs = slices.DeleteFunc(f.subs, func(c chan []state.Change) bool { return c == ch })
	}
}

func (f *fakeState) Refresh(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	return nil
}

// change applies edit to the table and delivers the change set.
func (f *fakeState) change(edit func(s *state.Snapshot) []state.Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	set := edit(&f.snap)
	f.snap.Seq++
	if f.resync == nil {
		f.resync = map[chan []state.Change]bool{}
	}
	for _, ch := range f.subs {
		if f.resync[ch] {
			select {
			case ch <- nil:
				f.resync[ch] = false
			default:
				continue
			}
		}
		select {
		case ch <- set:
		default:
			f.resync[ch] = true
		}
	}
}

type fakeDaemon struct {
	mu      sync.Mutex
	info    Info
	hooks   []api.Webhook
	reloads int
}

func (d *fakeDaemon) Reload(context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reloads++
	return nil
}

func (d *fakeDaemon) Info() Info {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.info
}

func (d *fakeDaemon) Webhooks() []api.Webhook {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.hooks)
}

const (
	hostA = "1b2c3d4e-0000-4000-8000-00000000000a"
	hostB = "1b2c3d4e-0000-4000-8000-00000000000b"
)

func testSnapshot() state.Snapshot {
	b1 := state.Brick{ID: hostA + ":/bricks/gv-1/b", Volume: "gv-1", HostUUID: hostA, Hostname: "node-a",
		Path: "/bricks/gv-1/b", Local: true, Online: true, Port: 49152, PID: 1234}
	b2 := state.Brick{ID: hostB + ":/bricks/gv-1/b", Volume: "gv-1", HostUUID: hostB, Hostname: "node-b",
		Path: "/bricks/gv-1/b", Online: true, Port: 49153, PID: 2345}
	return state.Snapshot{
		Peers: []state.Peer{
			{UUID: hostA, Hostname: "node-a", Hostnames: []string{"node-a", "10.0.0.1"}, State: "Peer in Cluster", Connected: true, Self: true},
			{UUID: hostB, Hostname: "node-b", Hostnames: []string{"node-b"}, State: "Peer in Cluster", Connected: true},
		},
		Volumes: []state.Volume{{Name: "gv-1", UUID: "0e1f0000-0000-4000-8000-000000000001", Type: "Replicate",
			Status: "Started", Health: "ok", Transport: "tcp", ReplicaCount: 2, BrickCount: 2, OnlineBrickCount: 2,
			Options: map[string]string{"performance.readdir-ahead": "on"}, Bricks: []string{b1.ID, b2.ID},
			LastChange: time.UnixMicro(1700000000000000)}},
		Bricks:   []state.Brick{b1, b2},
		Seq:      7,
		Glusterd: "running",
	}
}

type testExport struct {
	addr    string
	conn    *dbus.Conn // a client connection of the test's own (root)
	state   *fakeState
	daemon  *fakeDaemon
	journal *journal.Journal
	export  *Export
}

func startExport(t *testing.T, mod func(*Options)) *testExport {
	t.Helper()
	addr := privateBus(t)
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	te := &testExport{addr: addr, conn: connect(t, addr), state: &fakeState{snap: testSnapshot()}, journal: j,
		daemon: &fakeDaemon{info: Info{ConfigGeneration: 3, ConfigDigest: "sha256:abc", EventsReceived: 10},
			hooks: []api.Webhook{{ID: "wh-1", Name: "ops", URL: "https://example.com/hook", Format: "standard", State: "ok"}}}}
	opts := Options{Conn: connect(t, addr), Version: "1.2.3", NodeUUID: hostA, State: te.state, Journal: j,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)), Daemon: te.daemon, FlushInterval: 100 * time.Millisecond, PollInterval: time.Hour}
	if mod != nil {
		mod(&opts)
	}
	te.export, err = Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(te.export.Close)
	return te
}

func (te *testExport) obj(path dbus.ObjectPath) dbus.BusObject { return te.conn.Object(BusName, path) }

func (te *testExport) get(t *testing.T, path dbus.ObjectPath, iface, name string) any {
	t.Helper()
	v, err := te.obj(path).GetProperty(iface + "." + name)
	if err != nil {
		t.Fatalf("Get %s %s.%s: %v", path, iface, name, err)
	}
	return v.Value()
}

var brickA = BrickPath(hostA, "/bricks/gv-1/b")

func TestTreeAndIntrospectionGolden(t *testing.T) {
	te := startExport(t, nil)
	tree := busctl(t, te.addr, "tree", "--list", BusName)
	for _, p := range []dbus.ObjectPath{RootPath, ManagerPath, VolumePath("gv-1"), brickA,
		BrickPath(hostB, "/bricks/gv-1/b"), PeerPath(hostA), PeerPath(hostB), WebhookPath("wh-1")} {
		if !slices.Contains(strings.Fields(tree), string(p)) {
			t.Errorf("busctl tree lacks %s:\n%s", p, tree)
		}
	}
	for name, path := range map[string]dbus.ObjectPath{
		"root": RootPath, "manager": ManagerPath, "volume": VolumePath("gv-1"), "brick": brickA,
		"peer": PeerPath(hostA), "webhook": WebhookPath("wh-1"), "volumes": VolumesPath,
	} {
		var xml string
		if err := te.obj(path).Call(introspectInterface+".Introspect", 0).Store(&xml); err != nil {
			t.Fatalf("Introspect %s: %v", path, err)
		}
		golden := filepath.Join("testdata", name+".xml")
		if *update {
			if err := os.WriteFile(golden, []byte(xml), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if xml != string(want) {
			t.Errorf("Introspect %s differs from %s (go test -update rewrites it):\n%s", path, golden, xml)
		}
	}
	// busctl reads the annotations: a const name and a property that
	// emits changes.
	out := busctl(t, te.addr, "introspect", BusName, string(VolumePath("gv-1")), VolumeInterface)
	for _, want := range [][]string{{".Name", "property", "s", `"gv-1"`, "const"},
		{".Status", "property", "s", `"Started"`, "emits-change"}, {".Options", "property", "a{ss}", "1",
			`"performance.readdir-ahead"`, `"on"`, "emits-invalidation"}} {
		found := false
		for line := range strings.Lines(out) {
			found = found || slices.Equal(strings.Fields(line), want)
		}
		if !found {
			t.Errorf("busctl introspect lacks %q:\n%s", want, out)
		}
	}
	// gdbus parses every node's XML (strictly) and walks the tree.
	requireTool(t, "gdbus", "libglib2.0-bin")
	gd, err := client(t, "", "gdbus", "introspect", "--address", te.addr, "--dest", BusName, "--object-path", string(RootPath), "--recurse")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"interface org.freedesktop.DBus.ObjectManager {", "GetManagedObjects(out a{oa{sa{sv}}} objects);",
		"InterfacesAdded(o object_path,", "interface org.gluster.Eventing1.Manager {",
		"GetEvents(in  t since,", "Event(t seq,", "readonly s Health = 'ok';", "readonly b Online = true;",
		"readonly ao Bricks = [", "node /org/gluster/Eventing1/webhooks/wh_2d1 {", `@org.freedesktop.DBus.Property.EmitsChangedSignal("const")`} {
		if !strings.Contains(gd, want) {
			t.Errorf("gdbus introspect --recurse lacks %q:\n%s", want, gd)
		}
	}
	if _, err := client(t, "", "busctl", "--address="+te.addr, "introspect", BusName, "/org/gluster/Eventing1/volumes/nosuch"); err == nil {
		t.Error("introspecting a volume that does not exist succeeded")
	}
}

func TestPropertiesAndManagedObjects(t *testing.T) {
	te := startExport(t, nil)
	if got := busctl(t, te.addr, "get-property", BusName, string(VolumePath("gv-1")), VolumeInterface, "Status"); got != "s \"Started\"\n" {
		t.Errorf("Status = %q", got)
	}
	if got := te.get(t, brickA, BrickInterface, "Volume"); got != VolumePath("gv-1") {
		t.Errorf("brick's Volume = %v", got)
	}
	if got := te.get(t, VolumePath("gv-1"), VolumeInterface, "Bricks"); !slices.Equal(got.([]dbus.ObjectPath),
		[]dbus.ObjectPath{brickA, BrickPath(hostB, "/bricks/gv-1/b")}) {
		t.Errorf("volume's Bricks = %v", got)
	}
	for name, want := range map[string]any{"Version": "1.2.3", "NodeUUID": hostA, "GlusterdState": "running",
		"ConfigGeneration": uint64(3), "ConfigDigest": "sha256:abc", "EventsReceived": uint64(10), "StreamEpoch": te.journal.Epoch()} {
		if got := te.get(t, ManagerPath, ManagerInterface, name); got != want {
			t.Errorf("Manager.%s = %v, want %v", name, got, want)
		}
	}
	if got := te.get(t, WebhookPath("wh-1"), WebhookInterface, "URL"); got != "https://example.com/hook" {
		t.Errorf("webhook URL = %v", got)
	}
	if err := te.obj(ManagerPath).SetProperty(ManagerInterface+".Version", dbus.MakeVariant("x")); err == nil {
		t.Error("Set of a read-only property succeeded")
	}

	m := startMonitor(t, te.addr, te.conn)
	te.state.change(func(s *state.Snapshot) []state.Change {
		s.Volumes[0].Status = "Stopped"
		return []state.Change{{Kind: "changed", Object: "volume", Key: "gv-1", Props: []string{"Status"}}}
	})
	m.count(t, VolumePath("gv-1"), "PropertiesChanged", 1)
	// gdbus, a real client, reads the live values: not the ones of the
	// start.
	requireTool(t, "gdbus", "libglib2.0-bin")
	out, err := client(t, "", "gdbus", "call", "--address", te.addr, "--dest", BusName, "--object-path", string(RootPath),
		"--method", ObjectManagerInterface+".GetManagedObjects")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`'/org/gluster/Eventing1/volumes/gv_2d1': {'org.gluster.Eventing1.Volume': {`,
		`'Status': <'Stopped'>`, `'/org/gluster/Eventing1/Manager': {'org.gluster.Eventing1.Manager'`,
		`'Online': <true>`, `'/org/gluster/Eventing1/webhooks/wh_2d1'`} {
		if !strings.Contains(out, want) {
			t.Errorf("GetManagedObjects lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "'Started'") {
		t.Errorf("GetManagedObjects answered a stale Status:\n%s", out)
	}
}

func TestInterfacesAddedRemoved(t *testing.T) {
	te := startExport(t, nil)
	m := startMonitor(t, te.addr, te.conn)
	gv2 := VolumePath("gv2")
	te.state.change(func(s *state.Snapshot) []state.Change {
		s.Volumes = append(s.Volumes, state.Volume{Name: "gv2", UUID: "u2", Type: "Distribute", Status: "Created", Health: "unknown"})
		return []state.Change{{Kind: "added", Object: "volume", Key: "gv2"}}
	})
	added := m.count(t, RootPath, "InterfacesAdded", 1)
	if !strings.Contains(added[0].body, `object path "/org/gluster/Eventing1/volumes/gv2"`) || !strings.Contains(added[0].body, `"Created"`) {
		t.Errorf("InterfacesAdded:\n%s", added[0].body)
	}
	// Announced only once it answers.
	if got := te.get(t, gv2, VolumeInterface, "Status"); got != "Created" {
		t.Errorf("new volume's Status = %v", got)
	}
	te.state.change(func(s *state.Snapshot) []state.Change {
		s.Volumes = s.Volumes[:1]
		return []state.Change{{Kind: "removed", Object: "volume", Key: "gv2"}}
	})
	removed := m.count(t, RootPath, "InterfacesRemoved", 1)
	if !strings.Contains(removed[0].body, `object path "/org/gluster/Eventing1/volumes/gv2"`) || !strings.Contains(removed[0].body, `"org.gluster.Eventing1.Volume"`) {
		t.Errorf("InterfacesRemoved:\n%s", removed[0].body)
	}
	if _, err := te.obj(gv2).GetProperty(VolumeInterface + ".Status"); err == nil {
		t.Error("a removed volume still answers")
	}
}

// marker changes the second peer's Hostname and waits for its signal:
// every signal sent before it has then been seen (one sender's messages
// arrive in order).
func marker(t *testing.T, te *testExport, m *monitor, n int) {
	t.Helper()
	te.state.change(func(s *state.Snapshot) []state.Change {
		s.Peers[1].Hostname = "node-b-" + string(rune('a'+n))
		return []state.Change{{Kind: "changed", Object: "peer", Key: hostB, Props: []string{"Hostname"}}}
	})
	m.count(t, PeerPath(hostB), "PropertiesChanged", n)
}

func TestOnePropertiesChangedPerChangeSet(t *testing.T) {
	te := startExport(t, nil)
	m := startMonitor(t, te.addr, te.conn)
	te.state.change(func(s *state.Snapshot) []state.Change {
		s.Bricks[0].Online, s.Bricks[0].Port, s.Bricks[0].PID = false, 0, 0
		s.Volumes[0].OnlineBrickCount, s.Volumes[0].Health = 1, "degraded"
		s.Volumes[0].Options = map[string]string{"performance.readdir-ahead": "off"}
		return []state.Change{
			{Kind: "changed", Object: "brick", Key: s.Bricks[0].ID, Props: []string{"Online", "Port", "PID"}},
			{Kind: "changed", Object: "volume", Key: "gv-1", Props: []string{"OnlineBrickCount", "Health", "Options"}},
		}
	})
	m.count(t, brickA, "PropertiesChanged", 1)
	m.count(t, VolumePath("gv-1"), "PropertiesChanged", 1)
	marker(t, te, m, 1)
	bricks, vols := m.find(brickA, "PropertiesChanged"), m.find(VolumePath("gv-1"), "PropertiesChanged")
	if len(bricks) != 1 || len(vols) != 1 {
		t.Fatalf("PropertiesChanged: %d for the brick, %d for the volume; want 1 each", len(bricks), len(vols))
	}
	for _, want := range []string{`string "Online"`, `boolean false`, `string "Port"`, `string "PID"`} {
		if !strings.Contains(bricks[0].body, want) {
			t.Errorf("brick's PropertiesChanged lacks %s:\n%s", want, bricks[0].body)
		}
	}
	// Options is EmitInvalidates: named, without its value.
	if !strings.Contains(vols[0].body, `string "Health"`) || !strings.Contains(vols[0].body, `string "Options"`) || strings.Contains(vols[0].body, "readdir") {
		t.Errorf("volume's PropertiesChanged:\n%s", vols[0].body)
	}
}

func TestStormIsBounded(t *testing.T) {
	te := startExport(t, nil)
	m := startMonitor(t, te.addr, te.conn)
	// 10,000 repeats of a change already applied change nothing.
	for range 10000 {
		te.state.change(func(s *state.Snapshot) []state.Change {
			s.Bricks[0].Online = true
			return []state.Change{{Kind: "changed", Object: "brick", Key: s.Bricks[0].ID, Props: []string{"Online"}}}
		})
	}
	marker(t, te, m, 1)
	if n := len(m.find(brickA, "PropertiesChanged")); n != 0 {
		t.Errorf("10,000 repeated changes that change nothing gave %d PropertiesChanged", n)
	}
	// 10,000 flaps (and more, for at least 300ms: several flush
	// intervals) are coalesced: a bounded number of signals, and the last
	// value wins.
	start := time.Now()
	for i := 0; i < 10000 || time.Since(start) < 300*time.Millisecond; i++ {
		te.state.change(func(s *state.Snapshot) []state.Change {
			s.Bricks[0].Online = i%2 == 0
			return []state.Change{{Kind: "changed", Object: "brick", Key: s.Bricks[0].ID, Props: []string{"Online"}}}
		})
	}
	te.state.change(func(s *state.Snapshot) []state.Change {
		s.Bricks[0].Online = false
		return []state.Change{{Kind: "changed", Object: "brick", Key: s.Bricks[0].ID, Props: []string{"Online"}}}
	})
	elapsed := time.Since(start)
	marker(t, te, m, 2)
	n := len(m.find(brickA, "PropertiesChanged"))
	// At most one per FlushInterval while the storm lasts, plus the last.
	if bound := int(elapsed/(100*time.Millisecond)) + 2; n < 1 || n > bound {
		t.Errorf("10,000 flaps in %v gave %d PropertiesChanged, want 1..%d", elapsed, n, bound)
	}
	if got := te.get(t, brickA, BrickInterface, "Online"); got != false {
		t.Errorf("Online after the storm = %v, want the last value, false", got)
	}
}

func TestPolicy(t *testing.T) {
	te := startExport(t, nil)
	requireTool(t, "busctl", "systemd")
	nobody := func(args ...string) (string, error) {
		return client(t, "nobody", "busctl", append([]string{"--address=" + te.addr}, args...)...)
	}
	for _, args := range [][]string{
		{"introspect", BusName, string(VolumePath("gv-1"))},
		{"get-property", BusName, string(brickA), BrickInterface, "Online"},
		{"call", BusName, string(ManagerPath), propertiesInterface, "GetAll", "s", ManagerInterface},
		{"call", BusName, string(RootPath), ObjectManagerInterface, "GetManagedObjects"},
		{"call", BusName, string(ManagerPath), ManagerInterface, "GetState", "a{sv}", "0"},
		{"call", BusName, string(ManagerPath), ManagerInterface, "GetEvents", "tua{sv}", "0", "10", "0"},
	} {
		if out, err := nobody(args...); err != nil {
			t.Errorf("as nobody, %v was refused: %v", args, err)
		} else if args[0] == "get-property" && out != "b true\n" {
			t.Errorf("as nobody, %v = %q", args, out)
		}
	}
	for _, method := range []string{"Reload", "Refresh"} {
		_, err := nobody("call", BusName, string(ManagerPath), ManagerInterface, method, "a{sv}", "0")
		if err == nil || !strings.Contains(err.Error(), "Access denied") {
			t.Errorf("as nobody, %s: %v; want access denied", method, err)
		}
	}
	if _, err := nobody("call", BusName, string(ManagerPath), propertiesInterface, "Set", "ssv", ManagerInterface, "Version", "s", "x"); err == nil ||
		!strings.Contains(err.Error(), "Access denied") {
		t.Errorf("as nobody, Properties.Set: %v; want access denied", err)
	}
	counts := func() (reloads, refreshes int) {
		te.daemon.mu.Lock()
		defer te.daemon.mu.Unlock()
		te.state.mu.Lock()
		defer te.state.mu.Unlock()
		return te.daemon.reloads, te.state.refreshes
	}
	if reloads, refreshes := counts(); reloads != 0 || refreshes != 0 {
		t.Fatalf("a denied call ran: %d reloads, %d refreshes", reloads, refreshes)
	}
	busctl(t, te.addr, "call", BusName, string(ManagerPath), ManagerInterface, "Reload", "a{sv}", "0")
	busctl(t, te.addr, "call", BusName, string(ManagerPath), ManagerInterface, "Refresh", "a{sv}", "0")
	if reloads, refreshes := counts(); reloads != 1 || refreshes != 1 {
		t.Errorf("as root: %d reloads, %d refreshes; want 1 each", reloads, refreshes)
	}
	// Only root may own the name (asked with DBUS_NAME_FLAG_DO_NOT_QUEUE).
	requireTool(t, "gdbus", "libglib2.0-bin")
	out, err := client(t, "nobody", "gdbus", "call", "--address", te.addr, "--dest", "org.freedesktop.DBus",
		"--object-path", "/org/freedesktop/DBus", "--method", "org.freedesktop.DBus.RequestName", BusName, "4")
	if err == nil || !strings.Contains(err.Error(), "org.freedesktop.DBus.Error.AccessDenied") {
		t.Errorf("nobody requesting %s: %s %v; want AccessDenied", BusName, out, err)
	}
}

func appendEvents(t *testing.T, j *journal.Journal, types ...gfevent.Type) uint64 {
	t.Helper()
	var data [][]byte
	for i, typ := range types {
		rec := evrec.Record{Received: time.Now(), Source: "127.0.0.1", Event: gfevent.Event{Time: 1700000000 + int64(i), Type: typ,
			Fields: []gfevent.Field{{Key: "name", Value: "gv-1"}}}}
		b, err := rec.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, b)
	}
	first, err := j.Append(context.Background(), data...)
	if err != nil {
		t.Fatal(err)
	}
	return first
}

func TestEventSignalsAndGetEvents(t *testing.T) {
	start, _ := gfevent.Lookup("VOLUME_START")
	stop, _ := gfevent.Lookup("VOLUME_STOP")
	te := startExport(t, func(o *Options) {
		// Journaled before the export starts: GetEvents has it, no signal.
		appendEvents(t, o.Journal.(*journal.Journal), start)
		o.MaxEventLag = 5
	})
	m := startMonitor(t, te.addr, te.conn)
	first := appendEvents(t, te.journal, start, stop)
	ev := m.count(t, ManagerPath, "Event", 2)
	if !strings.Contains(ev[0].body, `string "VOLUME_START"`) || !strings.Contains(ev[1].body, `string "VOLUME_STOP"`) ||
		!strings.Contains(ev[1].body, `int64 1700000001000000`) || !strings.Contains(ev[1].body, `string "`+hostA+`"`) ||
		!strings.Contains(ev[1].body, `string "name"`) {
		t.Errorf("Event signals:\n%s%s", ev[0].body, ev[1].body)
	}
	if !strings.Contains(ev[0].body, "uint64 "+itoa(first)) {
		t.Errorf("first Event is not seq %d:\n%s", first, ev[0].body)
	}

	// A burst beyond MaxEventLag is skipped with one EventsLost.
	burst := make([]gfevent.Type, 20)
	for i := range burst {
		burst[i] = stop
	}
	bfirst := appendEvents(t, te.journal, burst...)
	lost := m.count(t, ManagerPath, "EventsLost", 1)
	if !strings.Contains(lost[0].body, "uint64 "+itoa(bfirst)) {
		t.Errorf("EventsLost does not start at %d:\n%s", bfirst, lost[0].body)
	}
	m.count(t, ManagerPath, "Event", 3)

	// GetEvents reads the journal itself, filtered.
	var events []map[string]dbus.Variant
	var next uint64
	var truncated bool
	call := te.obj(ManagerPath).Call(ManagerInterface+".GetEvents", 0, uint64(0), uint32(2),
		map[string]dbus.Variant{"types": dbus.MakeVariant([]string{"VOLUME_STOP"})})
	if err := call.Store(&events, &next, &truncated); err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0]["type"].Value() != "VOLUME_STOP" || events[0]["seq"].Value() != first+1 || !truncated || next != bfirst {
		t.Errorf("GetEvents(0, 2, VOLUME_STOP) = %d events (%v), next %d, truncated %v", len(events), events, next, truncated)
	}
	call = te.obj(ManagerPath).Call(ManagerInterface+".GetEvents", 0, te.journal.LastSeq()-1, uint32(0), map[string]dbus.Variant{})
	if err := call.Store(&events, &next, &truncated); err != nil || len(events) != 1 || truncated || next != te.journal.LastSeq() {
		t.Errorf("GetEvents(last-1) = %d events, next %d, truncated %v, %v", len(events), next, truncated, err)
	}
	err := te.obj(ManagerPath).Call(ManagerInterface+".GetEvents", 0, uint64(0), uint32(0),
		map[string]dbus.Variant{"bogus": dbus.MakeVariant(1)}).Err
	if derr, ok := err.(dbus.Error); !ok || derr.Name != ErrorInvalidArgs {
		t.Errorf("GetEvents with a bad filter: %v, want %s", err, ErrorInvalidArgs)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func TestGetState(t *testing.T) {
	te := startExport(t, nil)
	out := busctl(t, te.addr, "--json=short", "call", BusName, string(ManagerPath), ManagerInterface, "GetState", "a{sv}", "0")
	var reply struct {
		Type string `json:"type"`
		Data []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &reply); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if reply.Type != "a{sv}t" || len(reply.Data) != 2 || string(reply.Data[1]) != "7" {
		t.Errorf("GetState reply type %s, seq %s", reply.Type, reply.Data[len(reply.Data)-1])
	}
	for _, want := range []string{`"Glusterd":{"type":"s","data":"running"}`, `"Name":{"type":"s","data":"gv-1"}`,
		`"Path":{"type":"o","data":"/org/gluster/Eventing1/bricks/`} {
		if !strings.Contains(out, want) {
			t.Errorf("GetState lacks %s:\n%s", want, out)
		}
	}
}

func TestNameTaken(t *testing.T) {
	te := startExport(t, nil)
	_, err := Start(Options{Conn: connect(t, te.addr), State: te.state, Journal: te.journal})
	if err == nil || !strings.Contains(err.Error(), "another process owns it") {
		t.Errorf("a second export: %v", err)
	}
	// The first one still answers.
	if got := te.get(t, ManagerPath, ManagerInterface, "Version"); got != "1.2.3" {
		t.Errorf("Version = %v", got)
	}
}

// GetEvents after retention trimmed the journal: since 0 is the oldest
// retained, an older since is NotFound (events were missed).
func TestGetEventsTrimmed(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{MaxBytes: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	start, _ := gfevent.Lookup("VOLUME_START")
	for range 20 {
		appendEvents(t, j, start)
	}
	if j.FirstSeq() <= 2 {
		t.Fatalf("retention kept everything (first seq %d)", j.FirstSeq())
	}
	m := &manager{&Export{opts: Options{Journal: j, NodeUUID: hostA, Logger: slog.New(slog.DiscardHandler)}}}
	events, next, truncated, derr := m.GetEvents(0, 1000, nil)
	if derr != nil || len(events) != int(j.LastSeq()-j.FirstSeq()+1) || events[0]["seq"].Value() != j.FirstSeq() || next != j.LastSeq() || truncated {
		t.Errorf("GetEvents(0) = %d events, next %d, truncated %v, %v; journal %d..%d", len(events), next, truncated, derr, j.FirstSeq(), j.LastSeq())
	}
	if _, _, _, derr := m.GetEvents(1, 10, nil); derr == nil || derr.Name != ErrorNotFound {
		t.Errorf("GetEvents(1) after trimming: %v, want %s", derr, ErrorNotFound)
	}
}

// syncBuffer is a log the export writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A bus that goes away is one warning; the export stops following.
func TestBusLost(t *testing.T) {
	addr, bus := privateBusCmd(t)
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var log syncBuffer
	x, err := Start(Options{Conn: connect(t, addr), State: &fakeState{snap: testSnapshot()}, Journal: j,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(log.String(), "lost the D-Bus connection") {
		select {
		case <-deadline:
			t.Fatalf("no warning after the bus went away; log:\n%s", log.String())
		case <-tick.C:
		}
	}
	x.Close() // returns: both goroutines ended
	if n := strings.Count(log.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, log.String())
	}
}
