package daemon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// TestRealGlusterState runs the daemon next to a REAL glusterd and follows
// its state table through a replica volume's life: created and started
// (Started, ok, bricks online), a brick killed (offline, degraded, within
// two seconds), a brick killed while the daemon was stopped (a synthesized
// BRICK_DISCONNECTED reaches the webhook after the next start, and the
// table says offline), glusterd stopped and started again (stale, then
// current), the volume deleted (gone).
func TestRealGlusterState(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, "..")
	n := glustertest.StartNode(t, glustertest.Config{})
	rcv := startRGReceiver(t, n)

	dir := filepath.Join(n.Dir, "gluster-eventing")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	nodeCfg, clusterCfg := filepath.Join(dir, "node.toml"), filepath.Join(dir, "cluster.toml")
	rgWriteFile(t, nodeCfg, fmt.Sprintf(`version = 1
api_socket = %q
state_dir = %q
pid_file = %q
glusterd_workdir = "/var/lib/glusterd"
cluster_config = %q
bus = "none"
`, filepath.Join(dir, "api.sock"), filepath.Join(dir, "state"), filepath.Join(dir, "daemon.pid"), clusterCfg))
	rgWriteFile(t, clusterCfg, fmt.Sprintf("version = 1\n\n[[webhook]]\nurl = %q\nformat = \"legacy\"\n", rcv.url))
	env := []string{"GLUSTER_EVENTING_CONFIG=" + nodeCfg}
	client := api.NewClient(filepath.Join(dir, "api.sock")) // a unix socket: reachable from the host
	startDaemon := func() *glustertest.Proc {
		d := n.Start("gluster-eventing", env, bin, "daemon")
		rgWaitFor(t, 15*time.Second, "daemon API", func() error {
			if d.Exited() {
				t.Fatalf("daemon exited: %v", d.Err())
			}
			_, err := client.Status(context.Background())
			return err
		})
		return d
	}
	state := func() *api.State {
		st, err := client.State(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// waitState polls the table (a few ms per GET) until cond holds.
	waitState := func(timeout time.Duration, what string, cond func(*api.State) error) *api.State {
		t.Helper()
		start := time.Now()
		var st *api.State
		rgWaitFor(t, timeout, what, func() error { st = state(); return cond(st) })
		t.Logf("%s: after %s", what, time.Since(start).Round(time.Millisecond))
		return st
	}
	d := startDaemon()
	if st := state(); st.Glusterd != "running" || st.Status != "" || len(st.Peers) != 1 || !st.Peers[0].Self || len(st.Volumes) != 0 {
		t.Fatalf("state at start: %+v", st)
	}

	brickDir := n.BrickDir("rv")
	b := func(i int) string { return fmt.Sprintf("%s/b%d", brickDir, i) }
	n.Gluster("volume", "create", "rv", "replica", "3", n.Name+":"+b(1), n.Name+":"+b(2), n.Name+":"+b(3), "force")
	n.Gluster("volume", "start", "rv")
	uuid := n.UUID()
	id := func(i int) string { return uuid + ":" + b(i) }
	brick := func(st *api.State, i int) *api.Brick {
		for j := range st.Bricks {
			if st.Bricks[j].ID == id(i) {
				return &st.Bricks[j]
			}
		}
		return nil
	}
	volume := func(st *api.State) *api.Volume {
		for j := range st.Volumes {
			if st.Volumes[j].Name == "rv" {
				return &st.Volumes[j]
			}
		}
		return nil
	}
	st := waitState(10*time.Second, "volume started, every brick online with port and pid", func(st *api.State) error {
		v := volume(st)
		if v == nil || v.Status != "Started" || v.Health != "ok" || v.OnlineBrickCount != 3 {
			return fmt.Errorf("volume %+v", v)
		}
		for i := 1; i <= 3; i++ {
			if br := brick(st, i); br == nil || !br.Online || br.Port == 0 || br.PID == 0 || !br.Local {
				return fmt.Errorf("brick %d: %+v", i, br)
			}
		}
		return nil
	})
	if v := volume(st); v.Type != "Replicate" || v.ReplicaCount != 3 || v.BrickCount != 3 || v.UUID == "" {
		t.Errorf("volume %+v", v)
	}

	// A brick crash: BRICK_DISCONNECTED from glusterd flips it at once.
	pid := n.KillBrick("rv", b(2))
	st = waitState(2*time.Second, "killed brick offline, volume degraded", func(st *api.State) error {
		if br, v := brick(st, 2), volume(st); br.Online || v.Health != "degraded" || v.OnlineBrickCount != 2 {
			return fmt.Errorf("brick %+v, volume %+v", br, v)
		}
		return nil
	})
	if br := brick(st, 2); br.PID != 0 || br.Port != 0 {
		t.Errorf("a dead brick (was pid %d) has port %d pid %d", pid, br.Port, br.PID)
	}

	// Bring it back, then kill another brick while the daemon is stopped.
	n.Gluster("volume", "start", "rv", "force")
	waitState(10*time.Second, "brick back", func(st *api.State) error {
		if v := volume(st); v.Health != "ok" {
			return fmt.Errorf("volume %+v", v)
		}
		return nil
	})
	if err := d.Stop(15 * time.Second); err != nil {
		t.Fatalf("stopping the daemon: %v", err)
	}
	n.KillBrick("rv", b(3))
	startDaemon()
	st = state() // the start reconciled before the API answered
	if br, v := brick(st, 3), volume(st); br.Online || v.Health != "degraded" {
		t.Errorf("after the restart: brick %+v, volume %+v", br, v)
	}
	rcv.wait(t, 10*time.Second, "synthesized BRICK_DISCONNECTED", []rgWant{{event: "BRICK_DISCONNECTED",
		msg: map[string]any{"peer": n.Name, "volume": "rv", "brick": b(3), "synthesized": "reconcile"}}})

	// glusterd stops (its bricks run on): the table is stale and says so,
	// until glusterd is back.
	n.StopGlusterd()
	waitState(5*time.Second, "glusterd stopped", func(st *api.State) error {
		if v := volume(st); st.Glusterd != "stopped" || v == nil || v.Health != "unknown" || !strings.Contains(st.Status, "glusterd is not running") {
			return fmt.Errorf("glusterd %q (%s), volume %+v", st.Glusterd, st.Status, v)
		}
		return nil
	})
	n.StartGlusterd()
	waitState(5*time.Second, "glusterd back", func(st *api.State) error {
		if v := volume(st); st.Glusterd != "running" || st.Status != "" || v == nil || v.Health == "unknown" {
			return fmt.Errorf("glusterd %q (%s), volume %+v", st.Glusterd, st.Status, v)
		}
		return nil
	})

	// Deleted: gone from the table.
	n.Gluster("volume", "stop", "rv")
	n.Gluster("volume", "delete", "rv")
	waitState(5*time.Second, "volume deleted", func(st *api.State) error {
		if len(st.Volumes) != 0 || len(st.Bricks) != 0 {
			return fmt.Errorf("volumes %+v bricks %+v", st.Volumes, st.Bricks)
		}
		return nil
	})
}
