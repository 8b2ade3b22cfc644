package cmd

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/internal/api"
)

// What 'state' prints for a two-node cluster: a replica volume with one
// brick down, a stopped disperse volume, and a peer whose glusterd is down.
func TestPrintState(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	a, b := "aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"
	st := &api.State{
		Glusterd: "running", Reconciled: now.Add(-12 * time.Second),
		Peers: []api.Peer{
			{UUID: a, Hostname: "localhost", Connected: true, Self: true},
			{UUID: b, Hostname: "node2", State: "Peer in Cluster"},
		},
		Volumes: []api.Volume{
			{Name: "ev", Type: "Disperse", Status: "Stopped", Health: "unknown", DisperseCount: 3, RedundancyCount: 1, BrickCount: 3,
				Bricks: []string{a + ":/b/e1", b + ":/b/e2", a + ":/b/e3"}},
			{Name: "rv", Type: "Replicate", Status: "Started", Health: "degraded", ReplicaCount: 2, BrickCount: 2, OnlineBrickCount: 1,
				Bricks: []string{a + ":/b/r1", b + ":/b/r2"}},
		},
		Bricks: []api.Brick{
			{ID: a + ":/b/e1", Volume: "ev", Hostname: "node1", Path: "/b/e1"},
			{ID: a + ":/b/e3", Volume: "ev", Hostname: "node1", Path: "/b/e3"},
			{ID: a + ":/b/r1", Volume: "rv", Hostname: "node1", Path: "/b/r1", Online: true, Port: 49152, PID: 1234},
			{ID: b + ":/b/e2", Volume: "ev", Hostname: "node2", Path: "/b/e2"},
			{ID: b + ":/b/r2", Volume: "rv", Hostname: "node2", Path: "/b/r2"},
		},
	}
	var out strings.Builder
	printState(&out, st, now)
	want := `Glusterd: running, last answered 12s ago

PEER       UUID                                  CONNECTED  STATE
localhost  aaaaaaaa-0000-0000-0000-000000000001  yes        this node
node2      bbbbbbbb-0000-0000-0000-000000000002  no         Peer in Cluster

VOLUME  TYPE                  STATUS   HEALTH    BRICKS ONLINE
ev      Disperse 1 x (2 + 1)  Stopped  unknown   0 of 3
rv      Replicate 1 x 2       Started  degraded  1 of 2

BRICK        VOLUME  ONLINE  PORT   PID
node1:/b/e1  ev      NO      -      -
node2:/b/e2  ev      NO      -      -
node1:/b/e3  ev      NO      -      -
node1:/b/r1  rv      yes     49152  1234
node2:/b/r2  rv      NO      -      -
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if got := volumesSummary(st); got != "2 (1 degraded, 1 unknown)" {
		t.Errorf("summary %q", got)
	}
	empty := &api.State{Glusterd: "stopped", Status: "glusterd is not running: ..."}
	if got := volumesSummary(empty); got != "none (glusterd is not running: ...)" {
		t.Errorf("summary %q", got)
	}
}
