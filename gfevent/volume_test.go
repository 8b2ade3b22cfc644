package gfevent_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/gfevent"
)

func TestVolume(t *testing.T) {
	for _, tt := range []struct {
		typ    gfevent.Type
		fields []gfevent.Field
		want   string
	}{
		{gfevent.VolumeStart, []gfevent.Field{{Key: "name", Value: "gv0"}, {Key: "force", Value: "0"}}, "gv0"},
		{gfevent.BrickReplace, []gfevent.Field{{Key: "Volume", Value: "gv0"}}, "gv0"},
		{gfevent.GeorepStart, []gfevent.Field{{Key: "primary", Value: "gv0"}, {Key: "secondary", Value: "h::gv9"}}, "gv0"},
		{gfevent.GeorepFaulty, []gfevent.Field{{Key: "primary_volume", Value: "gv0"}}, "gv0"},
		{gfevent.SnapshotCreated, []gfevent.Field{{Key: "snapshot_name", Value: "s"}, {Key: "volume_name", Value: "gv0"}}, "gv0"},
		{gfevent.QuotaCrossedSoftLimit, []gfevent.Field{{Key: "Usage", Value: "1"}, {Key: "volume", Value: "gv0"}}, "gv0"},
		{gfevent.BrickDisconnected, []gfevent.Field{{Key: "peer", Value: "n"}, {Key: "volume", Value: "gv0"}}, "gv0"},
		{gfevent.SvcConnected, []gfevent.Field{{Key: "volume", Value: "gv0"}, {Key: "svc_name", Value: "snapd"}}, "gv0"},
		{gfevent.QuorumLost, []gfevent.Field{{Key: "volume", Value: "gv0"}}, "gv0"},
		{gfevent.AfrSplitBrain, []gfevent.Field{{Key: "client-pid", Value: "-6"}, {Key: " subvol", Value: "my-vol-replicate-12"}}, "my-vol"},
		{gfevent.EcMinBricksUp, []gfevent.Field{{Key: "subvol", Value: "gv0-disperse-0"}}, "gv0"},
		{gfevent.DhtDiskUsage, []gfevent.Field{{Key: "volume", Value: "gv0"}, {Key: "subvol", Value: "gv0-client-1"}}, "gv0"},
		{gfevent.VolumeRebalanceComplete, []gfevent.Field{{Key: "volume", Value: "gv0"}}, "gv0"},
		// No volume.
		{gfevent.SvcConnected, []gfevent.Field{{Key: "svc_name", Value: "glustershd"}}, ""},
		{gfevent.ClientConnect, []gfevent.Field{{Key: "brick_path", Value: "/b"}, {Key: "volume", Value: "x"}}, ""},
		{gfevent.PeerConnect, []gfevent.Field{{Key: "host", Value: "h"}}, ""},
		{gfevent.SvcReconfigureFailed, []gfevent.Field{{Key: "volume", Value: "x"}}, ""},
		{gfevent.ImportBrickFailed, []gfevent.Field{{Key: "volume", Value: "x"}}, ""},
		{gfevent.VolumeStart, []gfevent.Field{{Key: "name", Value: "(null)"}}, ""},
		{gfevent.Type(9999), []gfevent.Field{{Key: "volume", Value: "x"}}, ""},
	} {
		e := &gfevent.Event{Type: tt.typ, Fields: tt.fields}
		got, ok := e.Volume()
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s %v: Volume() = %q, %v; want %q", tt.typ, tt.fields, got, ok, tt.want)
		}
	}
	e := &gfevent.Event{Type: gfevent.AfrSubvolsDown, Fields: []gfevent.Field{{Key: " subvol", Value: "gv0-replicate-0"}}}
	if n := testing.AllocsPerRun(100, func() { e.Volume() }); n != 0 {
		t.Errorf("Volume allocates %v times", n)
	}
}

// TestVolumeOfLiveTypes checks that every live type whose catalogue fields
// (GLUSTER-EVENTS.md §3) name a volume has a volume key, by sending each
// the union of the keys Gluster uses for it.
func TestVolumeOfLiveTypes(t *testing.T) {
	keys := []string{"name", "Volume", "volume", "volume_name", "primary", "primary_volume", " subvol"}
	var none []string
	for _, typ := range gfevent.Types() {
		if typ.Info().Dead {
			continue
		}
		e := &gfevent.Event{Type: typ}
		for _, k := range keys {
			e.Fields = append(e.Fields, gfevent.Field{Key: k, Value: "gv0"})
		}
		if _, ok := e.Volume(); !ok {
			none = append(none, typ.String())
		}
	}
	// The live events whose bodies name no volume.
	want := "[BITROT_BAD_FILE CLIENT_AUTH_REJECT CLIENT_CONNECT CLIENT_DISCONNECT IMPORT_BRICK_FAILED NOTIFY_UNKNOWN_OP PEER_ATTACH PEER_CONNECT PEER_DETACH PEER_DISCONNECT PEER_NOT_FOUND PEER_REJECT PEER_RPC_CREATE_FAILED PEER_STORE_FAILURE POSIX_ACL_NOT_SUPPORTED POSIX_ALREADY_PART_OF_VOLUME POSIX_BRICK_NOT_IN_VOLUME POSIX_BRICK_VERIFICATION_FAILED POSIX_HEALTH_CHECK_FAILED POSIX_SAME_GFID SNAPSHOT_ACTIVATED SNAPSHOT_ACTIVATE_FAILED SNAPSHOT_CLONED SNAPSHOT_CLONE_FAILED SNAPSHOT_CONFIG_UPDATED SNAPSHOT_CONFIG_UPDATE_FAILED SNAPSHOT_DEACTIVATED SNAPSHOT_DEACTIVATE_FAILED SNAPSHOT_DELETED SNAPSHOT_DELETE_FAILED SNAPSHOT_RESTORE_FAILED SVC_RECONFIGURE_FAILED UNKNOWN_PEER]"
	slices.Sort(none)
	if got := "[" + strings.Join(none, " ") + "]"; got != want {
		t.Errorf("live types without a volume:\n got %s\nwant %s", got, want)
	}
}
