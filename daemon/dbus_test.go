package daemon_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gluster/gluster-eventing/dbusiface"
	"github.com/gluster/gluster-eventing/internal/dbustest"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// dbusPrivateBus starts a private system-type bus that includes the
// packaged policy file (internal/dbustest) and returns its address.
func dbusPrivateBus(t *testing.T) string {
	t.Helper()
	addr, _ := dbustest.StartSystemBus(t, "../packaging/org.gluster.Eventing1.conf")
	return addr
}

func dbusBusctl(t *testing.T, addr string, args ...string) string {
	t.Helper()
	_, err := exec.LookPath("busctl")
	testenv.Require(t, err == nil, "busctl (Debian package systemd)")
	out, err := exec.Command("busctl", append([]string{"--address=" + addr}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("busctl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// The daemon exports its Manager and the Event signals on the system bus
// the node config names, and stops owning the name when it stops.
func TestDBusExport(t *testing.T) {
	addr := dbusPrivateBus(t)
	n := rtNewNode(t)
	rtWriteFileAtomic(t, n.NodePath, strings.Replace(n.NodeConfig(), `bus = "none"`, `bus = "system"`, 1))

	client, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.AddMatchSignal(dbus.WithMatchInterface(dbusiface.ManagerInterface), dbus.WithMatchMember("Event")); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 64)
	client.Signal(sigs)

	rcv := rtNewReceiver(t)
	n.WriteCluster(t, rtHook{URL: rcv.URL, Format: "standard"})
	p := n.Start(t, "DBUS_SYSTEM_BUS_ADDRESS="+addr)
	p.WaitReady(n)
	st := n.Status(t)
	if len(st.Webhooks) != 1 {
		t.Fatalf("webhooks: %+v", st.Webhooks)
	}
	hook := dbusiface.WebhookPath(st.Webhooks[0].ID)
	rtEventually(t, 10*time.Second, "the name on the bus", func() (bool, string) {
		var has bool
		err := client.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, dbusiface.BusName).Store(&has)
		return has, fmt.Sprint(err)
	})
	if got := dbusBusctl(t, addr, "get-property", dbusiface.BusName, string(dbusiface.ManagerPath),
		dbusiface.ManagerInterface, "NodeUUID"); got != fmt.Sprintf("s %q\n", st.NodeID) {
		t.Errorf("NodeUUID = %s, want %s", got, st.NodeID)
	}
	tree := dbusBusctl(t, addr, "tree", "--list", dbusiface.BusName)
	if !strings.Contains(tree, string(dbusiface.ManagerPath)+"\n") {
		t.Errorf("busctl tree:\n%s", tree)
	}
	state := dbusBusctl(t, addr, "call", dbusiface.BusName, string(dbusiface.ManagerPath), dbusiface.ManagerInterface,
		"GetState", "a{sv}", "0")
	if !strings.Contains(state, `"Glusterd" s`) {
		t.Errorf("GetState: %s", state)
	}

	rtNewSender(t).SendMarker(t, n.Addr4(), "dbus-marker")
	deadline := time.After(10 * time.Second)
	for found := false; !found; {
		select {
		case s := <-sigs:
			if len(s.Body) == 5 && s.Body[1] == "VOLUME_START" {
				data, _ := s.Body[4].(map[string]dbus.Variant)
				found = data["name"].Value() == "dbus-marker"
			}
		case <-deadline:
			t.Fatal("no Event signal for the datagram within 10s")
		}
	}

	// The webhook's health follows (polled every second).
	rcv.WaitMarker("dbus-marker")
	rtEventually(t, 10*time.Second, "the webhook object's Delivered", func() (bool, string) {
		v, err := client.Object(dbusiface.BusName, hook).GetProperty(dbusiface.WebhookInterface + ".Delivered")
		return err == nil && v.Value() == uint64(1), fmt.Sprint(v, err)
	})
	if got := dbusBusctl(t, addr, "get-property", dbusiface.BusName, string(hook), dbusiface.WebhookInterface, "URL"); got != fmt.Sprintf("s %q\n", rcv.URL) {
		t.Errorf("webhook URL = %s", got)
	}

	// Reload, as root, is the daemon's reload.
	dbusBusctl(t, addr, "call", dbusiface.BusName, string(dbusiface.ManagerPath), dbusiface.ManagerInterface, "Reload", "a{sv}", "0")
	if st := n.Status(t); st.Config.Reloads != 1 {
		t.Errorf("after Manager.Reload: %d reloads", st.Config.Reloads)
	}

	p.Stop()
	var has bool
	if err := client.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, dbusiface.BusName).Store(&has); err != nil || has {
		t.Errorf("after the daemon stopped, the name is owned: %v %v", has, err)
	}
}

// A system bus that cannot be reached is a warning; the daemon runs.
func TestDBusUnreachable(t *testing.T) {
	n := rtNewNode(t)
	rtWriteFileAtomic(t, n.NodePath, strings.Replace(n.NodeConfig(), `bus = "none"`, `bus = "system"`, 1))
	p := n.Start(t, "DBUS_SYSTEM_BUS_ADDRESS=unix:path="+filepath.Join(n.Dir, "no-bus.sock"))
	p.WaitReady(n)
	rtNewSender(t).SendMarker(t, n.Addr4(), "no-bus")
	n.WaitCaughtUp(t)
	p.Stop()
	if got := strings.Count(p.Stderr.String(), "no D-Bus export"); got != 1 {
		t.Errorf("%d warnings about the bus, want 1:\n%s", got, p.Stderr.String())
	}
}
