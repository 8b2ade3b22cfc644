package gluster_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/gluster/gluster-eventing/internal/gluster"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml from a real glusterd")

// TestRealVolumeXML runs the parsers on a REAL glusterd's answers for a
// replica 3 volume with one brick killed; with -update it records those
// answers as the testdata the unit tests parse.
func TestRealVolumeXML(t *testing.T) {
	glustertest.Require(t)
	n := glustertest.StartNode(t, glustertest.Config{})
	dir := n.BrickDir("rv")
	save := func(name string, args ...string) {
		out := n.Gluster(append([]string{"--xml"}, args...)...)
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", name), []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	save("volume-info-none.xml", "volume", "info", "all")
	save("volume-status-none.xml", "volume", "status", "all", "detail")
	n.Gluster("volume", "create", "rv", "replica", "3", n.Name+":"+dir+"/b1", n.Name+":"+dir+"/b2", n.Name+":"+dir+"/b3", "force")
	save("volume-status-stopped.xml", "volume", "status", "all", "detail")
	n.Gluster("volume", "start", "rv")
	n.Gluster("volume", "set", "rv", "performance.readdir-ahead", "off")
	n.Gluster("volume", "create", "dv", n.Name+":"+dir+"/d1", "force")
	n.KillBrick("rv", dir+"/b2")
	save("volume-info-2.xml", "volume", "info", "all")
	save("volume-status-detail.xml", "volume", "status", "all", "detail")
	save("pool-list-1.xml", "pool", "list")

	cli := &gluster.CLI{Path: n.WrapCommand("gluster")}
	ctx := context.Background()
	vols, err := cli.VolumeInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vols) != 2 {
		t.Fatalf("got %d volumes, want 2: %+v", len(vols), vols)
	}
	st, err := cli.VolumeStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	online := map[string]bool{}
	for _, b := range st {
		online[b.Path] = b.Online
	}
	if !online[dir+"/b1"] || online[dir+"/b2"] || !online[dir+"/b3"] {
		t.Errorf("online bricks %v, want b1 and b3 only", online)
	}
}
