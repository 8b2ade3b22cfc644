package service

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// TestDirectStartStopRestart runs the real daemon binary without systemd:
// Start spawns it and returns once its API answers, a second Start leaves
// it alone, Restart replaces it, Stop waits until it has exited.
func TestDirectStartStopRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	_, file, _, _ := runtime.Caller(0)
	bin := glustertest.BuildEventing(t, filepath.Join(filepath.Dir(file), "..", ".."))
	dir := t.TempDir()
	n := config.DefaultNode()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.Listen = []string{pc.LocalAddr().String()} // free a moment ago
	pc.Close()
	n.APISocket = filepath.Join(dir, "api.sock")
	n.PIDFile = filepath.Join(dir, "daemon.pid")
	n.StateDir = filepath.Join(dir, "state")
	n.GlusterdWorkdir = filepath.Join(dir, "glusterd")
	n.Bus = "none"
	path := filepath.Join(dir, "node.toml")
	if err := config.WriteNode(path, n); err != nil {
		t.Fatal(err)
	}
	no := false
	ctl := &Control{Node: n, NodeConfig: path, Binary: bin, UseSystemd: &no, Timeout: 30 * time.Second}
	ctx := context.Background()
	t.Cleanup(func() { ctl.Stop(ctx) })

	out, err := ctl.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Running || !out.Changed || out.PID == 0 || out.Via != "direct" {
		t.Fatalf("start: %+v", out)
	}
	st, err := api.NewClient(n.APISocket).Status(ctx)
	if err != nil || st.PID != out.PID {
		t.Fatalf("status after start: %+v, %v; want pid %d", st, err, out.PID)
	}
	again, err := ctl.Start(ctx)
	if err != nil || again.Changed || again.PID != out.PID {
		t.Errorf("second start: %+v, %v; want the running daemon left alone", again, err)
	}
	re, err := ctl.Restart(ctx)
	if err != nil || !re.Running || re.PID == out.PID || alive(out.PID) {
		t.Fatalf("restart: %+v, %v (old pid %d alive %v)", re, err, out.PID, alive(out.PID))
	}
	stop, err := ctl.Stop(ctx)
	if err != nil || !stop.Changed || stop.Running || alive(re.PID) {
		t.Fatalf("stop: %+v, %v", stop, err)
	}
	if _, err := api.NewClient(n.APISocket).Status(ctx); err == nil {
		t.Error("the API still answers after stop")
	}
	stop, err = ctl.Stop(ctx)
	if err != nil || stop.Changed {
		t.Errorf("stop without a daemon: %+v, %v", stop, err)
	}
	// A daemon that cannot start is an error with its log.
	bad := *n
	badPath := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(badPath, []byte("version = 1\nbogus = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctlBad := &Control{Node: &bad, NodeConfig: badPath, Binary: bin, UseSystemd: &no, Timeout: 30 * time.Second}
	if _, err := ctlBad.Start(ctx); err == nil {
		t.Error("a daemon with an invalid config started")
	} else {
		t.Logf("expected start error: %v", err)
	}
}
