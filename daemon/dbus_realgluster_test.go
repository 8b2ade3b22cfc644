package daemon_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gluster/gluster-eventing/dbusiface"
	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// dbusWatch records the signals of org.gluster.Eventing1 a client gets.
type dbusWatch struct {
	mu   sync.Mutex
	sigs []*dbus.Signal
	ping chan struct{}
}

func newDBusWatch(t *testing.T, addr string) (*dbusWatch, *dbus.Conn) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.AddMatchSignal(dbus.WithMatchSender(dbusiface.BusName)); err != nil {
		t.Fatal(err)
	}
	ch := make(chan *dbus.Signal, 1024)
	conn.Signal(ch)
	w := &dbusWatch{ping: make(chan struct{}, 1)}
	go func() {
		for s := range ch {
			w.mu.Lock()
			w.sigs = append(w.sigs, s)
			w.mu.Unlock()
			select {
			case w.ping <- struct{}{}:
			default:
			}
		}
	}()
	return w, conn
}

// find returns the signals named name ("Interface.Member") on path that
// match, from index from on.
func (w *dbusWatch) find(from int, path dbus.ObjectPath, name string, match func(*dbus.Signal) bool) []*dbus.Signal {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []*dbus.Signal
	for _, s := range w.sigs[min(from, len(w.sigs)):] {
		if s.Path == path && s.Name == name && (match == nil || match(s)) {
			out = append(out, s)
		}
	}
	return out
}

func (w *dbusWatch) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.sigs)
}

func (w *dbusWatch) wait(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-w.ping:
		case <-deadline:
			t.Fatalf("no %s within %s", what, timeout)
		}
	}
	return time.Since(start)
}

// changes reports whether a PropertiesChanged carries prop (changed or
// invalidated).
func changes(prop string) func(*dbus.Signal) bool {
	return func(s *dbus.Signal) bool {
		if len(s.Body) != 3 {
			return false
		}
		changed, _ := s.Body[1].(map[string]dbus.Variant)
		invalidated, _ := s.Body[2].([]string)
		_, ok := changed[prop]
		for _, p := range invalidated {
			ok = ok || p == prop
		}
		return ok
	}
}

func changedValue(s *dbus.Signal, prop string) any {
	changed, _ := s.Body[1].(map[string]dbus.Variant)
	return changed[prop].Value()
}

const (
	propsChanged = "org.freedesktop.DBus.Properties.PropertiesChanged"
	ifAdded      = "org.freedesktop.DBus.ObjectManager.InterfacesAdded"
	ifRemoved    = "org.freedesktop.DBus.ObjectManager.InterfacesRemoved"
)

// TestRealGlusterDBus runs the daemon next to a REAL glusterd with its
// D-Bus export on a private system bus (with the packaged policy): a
// created volume and its bricks appear as objects, a killed brick flips
// its Online and the volume's Health within a second with one
// PropertiesChanged each (and 10,000 repeated BRICK_DISCONNECTED add
// none), and a deleted volume goes with InterfacesRemoved.
func TestRealGlusterDBus(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, "..")
	n := glustertest.StartNode(t, glustertest.Config{})
	addr := dbusPrivateBus(t)
	watch, conn := newDBusWatch(t, addr)

	dir := filepath.Join(n.Dir, "gluster-eventing")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	nodeCfg := filepath.Join(dir, "node.toml")
	rgWriteFile(t, nodeCfg, fmt.Sprintf(`version = 1
api_socket = %q
state_dir = %q
pid_file = %q
glusterd_workdir = "/var/lib/glusterd"
cluster_config = %q
bus = "system"
`, filepath.Join(dir, "api.sock"), filepath.Join(dir, "state"), filepath.Join(dir, "daemon.pid"), filepath.Join(dir, "cluster.toml")))
	d := n.Start("gluster-eventing", []string{"GLUSTER_EVENTING_CONFIG=" + nodeCfg, "DBUS_SYSTEM_BUS_ADDRESS=" + addr}, bin, "daemon")
	rgWaitFor(t, 15*time.Second, "the daemon's name on the bus", func() error {
		if d.Exited() {
			t.Fatalf("daemon exited: %v", d.Err())
		}
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, dbusiface.BusName).Store(&has); err != nil || !has {
			return fmt.Errorf("not owned (%v)", err)
		}
		return nil
	})
	uuid := n.UUID()
	if tree := dbusBusctl(t, addr, "tree", "--list", dbusiface.BusName); !strings.Contains(tree, string(dbusiface.PeerPath(uuid))+"\n") {
		t.Errorf("busctl tree lacks this node's peer:\n%s", tree)
	}

	brickDir := n.BrickDir("rv")
	b := func(i int) string { return fmt.Sprintf("%s/b%d", brickDir, i) }
	vol := dbusiface.VolumePath("rv")
	brick := func(i int) dbus.ObjectPath { return dbusiface.BrickPath(uuid, b(i)) }
	get := func(path dbus.ObjectPath, iface, prop string) any {
		v, err := conn.Object(dbusiface.BusName, path).GetProperty(iface + "." + prop)
		if err != nil {
			return err
		}
		return v.Value()
	}
	n.Gluster("volume", "create", "rv", "replica", "3", n.Name+":"+b(1), n.Name+":"+b(2), n.Name+":"+b(3), "force")
	n.Gluster("volume", "start", "rv")
	watch.wait(t, 15*time.Second, "InterfacesAdded for the volume and its bricks", func() bool {
		for _, p := range []dbus.ObjectPath{vol, brick(1), brick(2), brick(3)} {
			if len(watch.find(0, dbusiface.RootPath, ifAdded, func(s *dbus.Signal) bool { return s.Body[0] == p })) == 0 {
				return false
			}
		}
		return true
	})
	rgWaitFor(t, 15*time.Second, "the volume Started and ok, its bricks online", func() error {
		if h, s := get(vol, dbusiface.VolumeInterface, "Health"), get(vol, dbusiface.VolumeInterface, "Status"); h != "ok" || s != "Started" {
			return fmt.Errorf("Health %v, Status %v", h, s)
		}
		for i := 1; i <= 3; i++ {
			if on := get(brick(i), dbusiface.BrickInterface, "Online"); on != true {
				return fmt.Errorf("brick %d Online %v", i, on)
			}
		}
		return nil
	})
	tree := dbusBusctl(t, addr, "tree", "--list", dbusiface.BusName)
	for _, p := range []dbus.ObjectPath{vol, brick(1), brick(2), brick(3)} {
		if !strings.Contains(tree, string(p)+"\n") {
			t.Errorf("busctl tree lacks %s:\n%s", p, tree)
		}
	}
	if got := dbusBusctl(t, addr, "get-property", dbusiface.BusName, string(brick(2)), dbusiface.BrickInterface, "Volume"); got != fmt.Sprintf("o %q\n", vol) {
		t.Errorf("brick 2's Volume = %s", got)
	}

	// A brick crash.
	from := watch.len()
	n.KillBrick("rv", b(2))
	took := watch.wait(t, 5*time.Second, "Online=false for the brick and Health=degraded for the volume", func() bool {
		return len(watch.find(from, brick(2), propsChanged, changes("Online"))) > 0 &&
			len(watch.find(from, vol, propsChanged, changes("Health"))) > 0
	})
	t.Logf("brick Online and volume Health signalled %s after the kill", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("the brick's and volume's PropertiesChanged took %s, want within 1s", took)
	}
	// Gluster repeats BRICK_DISCONNECTED: a storm of 10,000 of them
	// changes nothing, and gives no signal.
	pc, err := n.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 55555}
	dgram := fmt.Appendf(nil, "%d %d peer=%s;volume=rv;brick=%s", time.Now().Unix(), int(gfevent.BrickDisconnected), n.Name, b(2))
	for range 10000 {
		if _, err := pc.WriteTo(dgram, to); err != nil {
			t.Fatal(err)
		}
	}
	// A later change of the volume (an option set, which the table reads
	// from glusterd after its VOLUME_SET, journaled after the storm)
	// closes the window: the table applies in journal order and the
	// export sends in order.
	n.Gluster("volume", "set", "rv", "performance.readdir-ahead", "off")
	watch.wait(t, 10*time.Second, "Options invalidated", func() bool {
		return len(watch.find(from, vol, propsChanged, changes("Options"))) > 0
	})
	st, err := api.NewClient(filepath.Join(dir, "api.sock")).Status(context.Background())
	if err != nil || st.Intake.Journaled < 10000 {
		t.Fatalf("the storm did not reach the journal: %+v %v", st.Intake, err)
	}
	bricks, vols := watch.find(from, brick(2), propsChanged, nil), watch.find(from, vol, propsChanged, changes("Health"))
	if len(bricks) != 1 || len(vols) != 1 {
		t.Errorf("after the kill and a storm of 10,000 repeats: %d PropertiesChanged for the brick, %d with Health for the volume; want 1 each", len(bricks), len(vols))
	} else if changedValue(bricks[0], "Online") != false || changedValue(vols[0], "Health") != "degraded" {
		t.Errorf("brick %v, volume %v", bricks[0].Body, vols[0].Body)
	}

	// Deleted: InterfacesRemoved, and gone.
	from = watch.len()
	n.Gluster("volume", "stop", "rv")
	n.Gluster("volume", "delete", "rv")
	watch.wait(t, 10*time.Second, "InterfacesRemoved for the volume", func() bool {
		return len(watch.find(from, dbusiface.RootPath, ifRemoved, func(s *dbus.Signal) bool { return s.Body[0] == vol })) > 0
	})
	if _, err := conn.Object(dbusiface.BusName, vol).GetProperty(dbusiface.VolumeInterface + ".Name"); err == nil {
		t.Error("the deleted volume still answers")
	}
	for i := 1; i <= 3; i++ {
		if len(watch.find(from, dbusiface.RootPath, ifRemoved, func(s *dbus.Signal) bool { return s.Body[0] == brick(i) })) != 1 {
			t.Errorf("no InterfacesRemoved for brick %d", i)
		}
	}
}
