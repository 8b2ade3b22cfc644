package clustertest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// TestClusterDisable: "gluster-eventsapi disable Volume.*" typed on node1
// reaches every node's config and daemon: VOLUME_START emitted on each
// node is dropped there and counted, BRICK_CONNECTED still reaches the
// webhook from every node; "enable Volume.*" typed on node2 restores
// VOLUME_START everywhere.
func TestClusterDisable(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: "gdis", Nodes: 3, PeerProgram: bin})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	nodes := []*glustertest.Node{n1, n2, n3}
	for _, n := range nodes {
		n.StartDaemon()
	}
	alias := filepath.Join(t.TempDir(), "gluster-eventsapi")
	if err := os.Symlink(bin, alias); err != nil {
		t.Fatal(err)
	}

	rec, url := serveReceiver(t, n1)
	if out, errOut, code := cli(t, n1, bin, "webhook-add", "--format", "legacy", url); code != 0 {
		t.Fatalf("webhook-add: exit %d\n%s%s", code, out, errOut)
	}

	// Gluster's design's spelling, through the legacy alias, on node1.
	out, errOut, code := cli(t, n1, alias, "disable", "Volume.*", "--json")
	if code != 0 {
		t.Fatalf("gluster-eventsapi disable Volume.*: exit %d\n%s%s", code, out, errOut)
	}
	var legacy struct {
		Output []map[string]string `json:"output"`
	}
	if err := json.Unmarshal([]byte(out), &legacy); err != nil || len(legacy.Output) != 3 {
		t.Fatalf("gluster-eventsapi disable --json: %v\n%s", err, out)
	}
	for _, row := range legacy.Output {
		if row["sync_status"] != "OK" || row["node_status"] != "UP" {
			t.Errorf("gluster-eventsapi disable --json: row %v", row)
		}
	}
	for _, n := range nodes {
		cl, err := config.LoadCluster(n.HostPath(config.ClusterPath(config.DefaultGlusterdWorkdir)))
		if err != nil || !slices.Equal(cl.Disabled, []string{"Volume.*"}) {
			t.Errorf("%s: disabled list %v (%v), want [Volume.*]", n.Name, cl.Disabled, err)
		}
	}
	// Asked again, from node3: nothing to change, exit 2.
	if out, errOut, code := cli(t, n3, bin, "disable", "VOLUME_START"); code != 2 {
		t.Errorf("disable VOLUME_START after Volume.*: exit %d, want 2\n%s%s", code, out, errOut)
	}

	// On every node, VOLUME_START (then BRICK_CONNECTED) is emitted: only
	// the brick events arrive, and each node counts its dropped event.
	for _, n := range nodes {
		if o, err := n.Run(nil, bin, "emit", "VOLUME_START", "name=gdis"); err != nil {
			t.Fatalf("emit on %s: %v: %s", n.Name, err, o)
		}
		if o, err := n.Run(nil, bin, "emit", "BRICK_CONNECTED", "peer="+n.Addr, "volume=gv0", "brick="+n.Addr+":/b0"); err != nil {
			t.Fatalf("emit on %s: %v: %s", n.Name, err, o)
		}
	}
	waitReceived(t, rec, nodes, "BRICK_CONNECTED")
	for _, n := range nodes {
		if rec.has(n.UUID(), "VOLUME_START") {
			t.Errorf("a disabled VOLUME_START from %s reached the webhook", n.Name)
		}
		st := status(t, n)
		if got := st.Intake.Disabled["VOLUME_START"]; got != 1 {
			t.Errorf("%s: status intake.disabled = %v, want VOLUME_START 1", n.Name, st.Intake.Disabled)
		}
		if !slices.Equal(st.Config.Disabled, []string{"Volume.*"}) {
			t.Errorf("%s: the daemon runs disabled = %q", n.Name, st.Config.Disabled)
		}
	}
	out, errOut, code = cli(t, n2, bin, "status", "--local")
	if code != 0 || !regexp.MustCompile(`(?m)^Disabled: +Volume\.\*; dropped 1 \(VOLUME_START 1\)$`).MatchString(out) {
		t.Errorf("status --local on node2: exit %d\n%s%s", code, out, errOut)
	}

	// enable on node2 restores the volume events on every node.
	if out, errOut, code := cli(t, n2, bin, "enable", "Volume.*"); code != 0 {
		t.Fatalf("enable Volume.*: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = cli(t, n3, bin, "disabled", "--json")
	var listed struct {
		Disabled []string `json:"disabled"`
	}
	if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil || len(listed.Disabled) != 0 {
		t.Errorf("disabled --json on node3 after enable: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	for _, n := range nodes {
		if o, err := n.Run(nil, bin, "emit", "VOLUME_START", "name=gdis"); err != nil {
			t.Fatalf("emit on %s: %v: %s", n.Name, err, o)
		}
	}
	waitReceived(t, rec, nodes, "VOLUME_START")
}

// waitReceived waits up to 30s until rec has event from every node.
func waitReceived(t *testing.T, rec *receiver, nodes []*glustertest.Node, event string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		missing := slices.ContainsFunc(nodes, func(n *glustertest.Node) bool { return !rec.has(n.UUID(), event) })
		if !missing {
			return
		}
		select {
		case <-rec.got:
		case <-deadline:
			rec.mu.Lock()
			defer rec.mu.Unlock()
			t.Fatalf("after 30s the receiver has %v; want %s from every node", rec.nodes, event)
		}
	}
}

func status(t *testing.T, n *glustertest.Node) *api.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := n.API().Status(ctx)
	if err != nil {
		t.Fatalf("%s: status: %v", n.Name, err)
	}
	return st
}
