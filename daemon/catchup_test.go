package daemon_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// catchupPrefix names this package's real clusters (unique in the module).
const catchupPrefix = "gcd"

// generationOf reads the generation of the cluster config a node holds.
func generationOf(t *testing.T, n *glustertest.Node) int64 {
	t.Helper()
	c, err := config.LoadCluster(filepath.Join(n.EventsDir(), config.ClusterFileName))
	if err != nil {
		return -1
	}
	return c.Generation
}

// waitStatus polls the node's daemon status until cond holds.
func waitStatus(t *testing.T, n *glustertest.Node, timeout time.Duration, what string, cond func(*api.Status) bool) *api.Status {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last *api.Status
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		st, err := n.API().Status(ctx)
		cancel()
		if err == nil {
			last = st
			if cond(st) {
				return st
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out after %v waiting for %s (last status config: %+v, err %v)", n.Name, timeout, what, last, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A node whose glusterd and daemon were down during a change catches up by
// itself when it comes back, and a node probed into the pool after the
// change gets the config too: nobody runs sync. The periodic check is off
// (peer_sync_interval = 0), so what brings them up to date is the check
// at start and the one on PEER_CONNECT/PEER_ATTACH.
func TestCatchUpWithoutSync(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, "..")
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{
		Prefix: catchupPrefix, Nodes: 4, Join: 3, PeerProgram: bin, EventsDir: true,
		NodeConfig: func(_ int, nc *config.Node) { nc.PeerSyncInterval = 0 },
	})
	n1, n3, n4 := c.Node(1), c.Node(3), c.Node(4)
	for _, n := range c.Nodes {
		n.StartDaemon()
	}

	// Node 3 goes away, glusterd and daemon; a change is made on node 1.
	if err := n3.StopDaemon(); err != nil {
		t.Fatal(err)
	}
	n3.StopGlusterd()
	out, err := n1.Run(nil, bin, "config-set", "log-level", "DEBUG")
	t.Logf("config-set with node3 down:\n%s", out)
	if err == nil {
		t.Errorf("config-set with a node down exited 0, want 4 (partial)")
	}
	want := generationOf(t, n1)
	if want < 1 || generationOf(t, c.Node(2)) != want {
		t.Fatalf("config-set did not reach node2: node1 generation %d, node2 %d", want, generationOf(t, c.Node(2)))
	}
	if generationOf(t, n3) >= want {
		t.Fatalf("node3 got the change while its glusterd was down")
	}

	// Node 3 comes back: its daemon's check at start pulls the change.
	n3.StartGlusterd()
	n3.StartDaemon()
	st := waitStatus(t, n3, 30*time.Second, "the new generation", func(st *api.Status) bool { return st.Config.Generation == want })
	if st.Config.Sync.State != "caught up" || st.Config.Sync.PulledFrom == "" {
		t.Errorf("node3 sync status %+v", st.Config.Sync)
	}
	b, err := os.ReadFile(filepath.Join(n3.EventsDir(), config.ClusterFileName))
	if want, _ := os.ReadFile(filepath.Join(n1.EventsDir(), config.ClusterFileName)); err != nil || string(b) != string(want) {
		t.Errorf("node3's file differs from node1's (%v)", err)
	}

	// Node 3's daemon runs, its glusterd restarts: it reconnects to the
	// peers (PEER_CONNECT) and pulls a change made meanwhile.
	n3.StopGlusterd()
	if out, err := n1.Run(nil, bin, "config-set", "disable-events-log", "true"); err == nil {
		t.Errorf("config-set with node3's glusterd down exited 0:\n%s", out)
	}
	want = generationOf(t, n1)
	n3.StartGlusterd()
	waitStatus(t, n3, 30*time.Second, "the change made while its glusterd was down", func(st *api.Status) bool {
		return st.Config.Generation == want
	})

	// Node 4 was never in the pool: probed now, its daemon (running on the
	// defaults until then) gets the config.
	if generationOf(t, n4) >= want {
		t.Fatalf("node4 has generation %d before joining", generationOf(t, n4))
	}
	c.Probe(4)
	waitStatus(t, n4, 60*time.Second, "the config after joining", func(st *api.Status) bool { return st.Config.Generation == want })
}

// A running Gluster eventing setup (the same events/webhooks.json and
// config.json on every node, as gluster-eventsapi synced them) becomes one
// cluster config on the first start, byte for byte the same on every node,
// whichever node starts first; webhooks.json stays its mirror.
func TestMigrationIsTheSameEverywhere(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, "..")
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{
		Prefix: catchupPrefix, Nodes: 3, PeerProgram: bin, EventsDir: true,
		NodeConfig: func(_ int, nc *config.Node) { nc.PeerSyncInterval = 0 },
	})
	webhooksJSON := `{"http://10.0.0.9:9000/listen": {"token": "tok", "secret": "s3"}, "http://10.0.0.8/hook": "plain"}`
	for _, n := range c.Nodes {
		if err := os.WriteFile(filepath.Join(n.EventsDir(), "webhooks.json"), []byte(webhooksJSON), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(n.EventsDir(), "config.json"), []byte(`{"log-level": "DEBUG"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.Node(2).StartDaemon()
	c.Node(3).StartDaemon()
	c.Node(1).StartDaemon()
	var first []byte
	for _, n := range c.Nodes {
		b, err := os.ReadFile(filepath.Join(n.EventsDir(), config.ClusterFileName))
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		if first == nil {
			first = b
		} else if string(b) != string(first) {
			t.Errorf("%s imported a different config:\n%s\nnode1:\n%s", n.Name, b, first)
		}
	}
	cl, err := config.LoadCluster(filepath.Join(c.Node(1).EventsDir(), config.ClusterFileName))
	if err != nil || len(cl.Webhooks) != 2 || cl.LogLevel != "DEBUG" || cl.Webhooks[1].Secret != "s3" {
		t.Fatalf("imported %+v, %v", cl, err)
	}
	for _, n := range c.Nodes {
		if drift, err := config.MirrorDrift(n.EventsDir(), cl); drift || err != nil {
			t.Errorf("%s: webhooks.json is not the mirror (%v)", n.Name, err)
		}
	}
	st := waitStatus(t, c.Node(1), 30*time.Second, "a sync check", func(st *api.Status) bool { return st.Config.Sync.State != "" })
	if st.Config.Sync.State != "in sync" {
		t.Errorf("node1 sync status %+v", st.Config.Sync)
	}
}
