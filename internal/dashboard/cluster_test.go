package dashboard

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/browsertest"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// TestClusterBrickDown is issue 11's "done means" for the dashboard: on a
// real 2-node Gluster cluster, a browser on node 1's dashboard shows a
// brick of node 2 going down within a second of its crash. Node 2's
// glusterd tells only node 2's daemon; node 1 learns it through event
// forwarding (its stream carries node 2's events and its state table
// applies them), and the page turns the brick red with no reload. The
// browser runs inside node 1's network namespace and reads the dashboard
// on node 1's loopback, as a browser on node 1 would.
func TestClusterBrickDown(t *testing.T) {
	glustertest.Require(t)
	browsertest.Chromium(t)
	bin := glustertest.BuildEventing(t, "../..")
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{
		Prefix:      "gdash",
		Nodes:       2,
		PeerProgram: bin,
		EventsDir:   true,
		NodeConfig: func(i int, nc *config.Node) {
			nc.HTTP.Listen = "127.0.0.1:55556" // each node's own loopback
		},
	})
	n1, n2 := c.Node(1), c.Node(2)
	for _, n := range c.Nodes {
		n.StartDaemon()
	}
	// The first cluster change makes the cluster's peer key, which the
	// config carries to every node: forwarding starts.
	hook := startHookReceiver(t, n1, n1.Addr) // node 2 delivers to it too
	n1.MustRun(nil, bin, "webhook-add", hook, "--name", "alerts")
	waitFor(t, 60*time.Second, "both daemons with the webhook, forwarding from each other", func() bool {
		for _, n := range c.Nodes {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			st, err := n.API().Status(ctx)
			cancel()
			if err != nil || len(st.Webhooks) != 1 || st.Forwarding == nil || st.Forwarding.State != "on" ||
				len(st.Forwarding.Peers) != 1 || !st.Forwarding.Peers[0].Connected {
				return false
			}
		}
		return true
	})

	dir1, dir2 := n1.BrickDir("cv"), n2.BrickDir("cv")
	b1, b2 := dir1+"/b1", dir2+"/b2"
	n1.Gluster("volume", "create", "cv", "replica", "2", n1.Name+":"+b1, n2.Name+":"+b2, "force")
	n1.Gluster("volume", "start", "cv")
	brick2 := n2.UUID() + ":" + b2

	b := browsertest.Start(t, browsertest.Options{NetnsPID: n1.HolderPID()})
	b.Navigate(dashURL)
	b.WaitFor("node 1's page live, both peers connected", jsLive+` && document.querySelectorAll('#peers li.peer.health-ok').length === 2`, 30*time.Second)
	b.WaitFor("node 2's brick online and the volume ok", jsHealth("data-brick-id", brick2)+` === 'ok' && `+jsHealth("data-volume", "cv")+` === 'ok'`, 60*time.Second)
	b.WaitFor("node 2's row saying its events are forwarded", fmt.Sprintf(`(document.querySelector('[data-peer=%s] .fwd') || {dataset: {}}).dataset.forwarding === 'ok'`, js(n2.UUID())), 30*time.Second)
	b.WaitFor("node 2's events on node 1's page", fmt.Sprintf(`[...document.querySelectorAll('#event-list li.ev')].some(e => e.dataset.node === %s)`, js(n2.UUID())), 30*time.Second)

	killed := time.Now() // the wait for the kill's reaping counts too
	n2.KillBrick("cv", b2)
	b.WaitFor("node 2's brick down on node 1's page", jsHealth("data-brick-id", brick2)+` === 'down' && `+jsHealth("data-volume", "cv")+` === 'degraded'`, 15*time.Second)
	took := time.Since(killed)
	t.Logf("node 1's dashboard showed node 2's brick down %s after the kill", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("node 2's brick turned red on node 1's page %s after the kill, want within a second", took)
	}
	b.WaitFor("node 2's BRICK_DISCONNECTED listed on node 1", fmt.Sprintf(`[...document.querySelectorAll('#event-list li.ev')].some(e => e.dataset.event === 'BRICK_DISCONNECTED' && e.dataset.node === %s)`, js(n2.UUID())), 10*time.Second)
	b.Screenshot("cluster-node2-brick-down")
	noProblems(t, b)
}
