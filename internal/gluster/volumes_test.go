package gluster

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testdata/volume-*.xml were recorded from a real glusterd by
// TestRealVolumeXML -update: a replica 3 volume "rv" (started, brick b2
// killed, one option set) and a distribute volume "dv" (created only).
const rtRoot = "node1:/tmp/ge-real-172263127/bricks/rv/"

func TestParseVolumeInfo(t *testing.T) {
	vols, err := parseVolumeInfo(readTestdata(t, "volume-info-2.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(vols) != 2 {
		t.Fatalf("got %d volumes", len(vols))
	}
	dv, rv := vols[0], vols[1]
	if dv.Name != "dv" || dv.Status != "Created" || dv.Type != "Distribute" || dv.BrickCount != 1 || len(dv.Bricks) != 1 {
		t.Errorf("dv = %+v", dv)
	}
	uuid := "539d7809-0565-4868-93e6-cee65cf500d2"
	wantBricks := []VolumeBrick{{Name: rtRoot + "b1", HostUUID: uuid}, {Name: rtRoot + "b2", HostUUID: uuid}, {Name: rtRoot + "b3", HostUUID: uuid}}
	if diff := cmp.Diff(wantBricks, rv.Bricks); diff != "" {
		t.Errorf("rv bricks (-want +got)\n%s", diff)
	}
	if rv.Name != "rv" || rv.UUID != "4ab7e3c4-9194-4594-a9d9-6690afa0b46f" || rv.Status != "Started" || rv.Type != "Replicate" ||
		rv.ReplicaCount != 3 || rv.DistCount != 1 || rv.Transport != "tcp" || rv.Options["performance.readdir-ahead"] != "off" {
		t.Errorf("rv = %+v", rv)
	}
	if h, p := rv.Bricks[0].Host(), rv.Bricks[0].Path(); h != "node1" || p != "/tmp/ge-real-172263127/bricks/rv/b1" {
		t.Errorf("Host, Path = %q, %q", h, p)
	}
	none, err := parseVolumeInfo(readTestdata(t, "volume-info-none.xml"))
	if err != nil || len(none) != 0 {
		t.Errorf("no volumes: %v, %v", none, err)
	}
	if _, err := parseVolumeInfo(readTestdata(t, "op-failed.xml")); !errors.As(err, new(*OpError)) {
		t.Errorf("opRet -1: got %v, want an OpError", err)
	}
}

func TestParseVolumeStatus(t *testing.T) {
	got, err := parseVolumeStatus(readTestdata(t, "volume-status-detail.xml"))
	if err != nil {
		t.Fatal(err)
	}
	p := "/tmp/ge-real-172263127/bricks/rv/"
	uuid := "539d7809-0565-4868-93e6-cee65cf500d2"
	// b2 is down: its "N/A" port and -1 pid are 0.
	want := []BrickStatus{
		{Volume: "rv", Hostname: "node1", Path: p + "b1", PeerID: uuid, Online: true, Port: 52179, PID: 5365},
		{Volume: "rv", Hostname: "node1", Path: p + "b2", PeerID: uuid},
		{Volume: "rv", Hostname: "node1", Path: p + "b3", PeerID: uuid, Online: true, Port: 59741, PID: got[2].PID},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	for _, f := range []string{"volume-status-none.xml", "volume-status-stopped.xml"} {
		if got, err := parseVolumeStatus(readTestdata(t, f)); err != nil || len(got) != 0 {
			t.Errorf("%s: %v, %v", f, got, err)
		}
	}
	if _, err := parseVolumeStatus(readTestdata(t, "op-failed.xml")); !errors.As(err, new(*OpError)) {
		t.Errorf("opRet -1: got %v, want an OpError", err)
	}
}

func TestParsePool(t *testing.T) {
	got, err := parsePool(readTestdata(t, "pool-list-2.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []PoolPeer{
		{UUID: "58f05947-1c2d-4e5f-8a9b-0c1d2e3f4a5b", Hostname: "10.77.0.2", Hostnames: []string{"10.77.0.2", "node2"}, Connected: true, State: "Peer in Cluster"},
		{UUID: "ea301ba8-4257-4b63-8881-8e868866d038", Hostname: "localhost", Connected: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
