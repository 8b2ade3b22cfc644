package clustertest

import (
	"testing"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// TestClusterChannels: a channel defined on node2 and a webhook using it
// added on node1 reach every node's config and daemon: of the events
// emitted on every node only the brick and quorum alerts of warning or
// worse arrive; the channel redefined on node3 changes what the webhook
// gets from every node.
func TestClusterChannels(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: "gchan", Nodes: 3, PeerProgram: bin})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	nodes := []*glustertest.Node{n1, n2, n3}
	for _, n := range nodes {
		n.StartDaemon()
	}
	rec, url := serveReceiver(t, n1)

	const alerts = "category:brick category:quorum severity:warning"
	if out, errOut, code := cli(t, n2, bin, "channel-add", "alerts", alerts, "--description", "pager"); code != 0 {
		t.Fatalf("channel-add on node2: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := cli(t, n1, bin, "webhook-add", "--format", "legacy", url, "--channel", "alerts", "--filter", "!volume:scratch"); code != 0 {
		t.Fatalf("webhook-add --channel on node1: exit %d\n%s%s", code, out, errOut)
	}
	// Refused on node3 before any node is touched: an unknown name.
	if out, errOut, code := cli(t, n3, bin, "channel-add", "ops", "Volume.Strat"); code != 7 {
		t.Errorf("channel-add with an unknown name: exit %d, want 7\n%s%s", code, out, errOut)
	}
	for _, n := range nodes {
		cl, err := config.LoadCluster(n.HostPath(config.ClusterPath(config.DefaultGlusterdWorkdir)))
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		if ch := cl.Channels["alerts"]; ch.Filter != alerts || ch.Description != "pager" || len(cl.Channels) != 1 {
			t.Errorf("%s: channels %v", n.Name, cl.Channels)
		}
		if len(cl.Webhooks) != 1 || cl.Webhooks[0].Channel != "alerts" || cl.Webhooks[0].Filter != "!volume:scratch" {
			t.Errorf("%s: webhooks %v", n.Name, cl.Webhooks)
		}
	}

	emit := func(args ...string) {
		t.Helper()
		for _, n := range nodes {
			if o, err := n.Run(nil, append([]string{bin, "emit"}, args...)...); err != nil {
				t.Fatalf("emit on %s: %v: %s", n.Name, err, o)
			}
		}
	}
	// Deliveries are in journal order: once the last event arrives from a
	// node, any earlier one the filter let through would have too.
	emit("VOLUME_START", "name=gv0")
	emit("BRICK_CONNECTED", "peer=p", "volume=gv0", "brick=h:/b0")
	emit("BRICK_DISCONNECTED", "peer=p", "volume=scratch", "brick=h:/b9")
	emit("QUORUM_LOST", "volume=gv0")
	waitReceived(t, rec, nodes, "QUORUM_LOST")
	for _, n := range nodes {
		for _, ev := range []string{"VOLUME_START", "BRICK_CONNECTED", "BRICK_DISCONNECTED"} {
			if rec.has(n.UUID(), ev) {
				t.Errorf("%s from %s reached the webhook through channel alerts and !volume:scratch", ev, n.Name)
			}
		}
	}

	// Redefined on node3: every daemon follows.
	if out, errOut, code := cli(t, n3, bin, "channel-add", "alerts", "category:volume", "--replace"); code != 0 {
		t.Fatalf("channel-add --replace on node3: exit %d\n%s%s", code, out, errOut)
	}
	emit("QUORUM_REGAINED", "volume=gv0")
	emit("VOLUME_STOP", "name=gv0")
	waitReceived(t, rec, nodes, "VOLUME_STOP")
	for _, n := range nodes {
		if rec.has(n.UUID(), "QUORUM_REGAINED") {
			t.Errorf("QUORUM_REGAINED from %s reached the webhook after alerts became category:volume", n.Name)
		}
	}
	// A channel in use is not deleted, on any node.
	if out, errOut, code := cli(t, n2, bin, "channel-del", "alerts"); code != 7 {
		t.Errorf("channel-del of a channel in use: exit %d, want 7\n%s%s", code, out, errOut)
	}
}
