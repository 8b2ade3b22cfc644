package gfevent_test

import (
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/gfevent"
)

// TestCategoryOfEveryType checks that every catalogue entry has exactly one
// known category and scope, and that the category follows the documented
// rule: the name's first word, with the listed exceptions.
func TestCategoryOfEveryType(t *testing.T) {
	byPrefix := []struct {
		prefix string
		want   gfevent.Category
	}{
		// Exceptions first: the longest prefix wins.
		{"VOLUME_REBALANCE_", gfevent.CategoryRebalance},
		{"REBALANCE_", gfevent.CategoryRebalance},
		{"AFR_QUORUM_", gfevent.CategoryQuorum},
		{"AFR_", gfevent.CategoryHeal},
		{"POSIX_", gfevent.CategoryBrick},
		{"IMPORT_", gfevent.CategoryPeer},
		{"COMPARE_FRIEND_", gfevent.CategoryPeer},
		{"NOTIFY_UNKNOWN_OP", gfevent.CategoryPeer},
		{"UNKNOWN_PEER", gfevent.CategoryPeer},
		{"DHT_", gfevent.CategoryDistribute},
		{"SVC_", gfevent.CategoryDaemon},
		{"VOLUME_", gfevent.CategoryVolume},
		{"BRICK", gfevent.CategoryBrick},
		{"PEER_", gfevent.CategoryPeer},
		{"QUORUM_", gfevent.CategoryQuorum},
		{"EC_", gfevent.CategoryEC},
		{"GEOREP_", gfevent.CategoryGeorep},
		{"BITROT_", gfevent.CategoryBitrot},
		{"QUOTA_", gfevent.CategoryQuota},
		{"SNAPSHOT_", gfevent.CategorySnapshot},
		{"TIER_", gfevent.CategoryTier},
		{"NFS_", gfevent.CategoryNFS},
		{"CLIENT_", gfevent.CategoryClient},
	}
	used := make(map[gfevent.Category]int)
	for _, typ := range gfevent.Types() {
		info := typ.Info()
		if info.Category.String() == "unknown" {
			t.Errorf("%s: no category", info.Name)
		}
		if info.Scope.String() == "unknown" {
			t.Errorf("%s: no scope", info.Name)
		}
		var want gfevent.Category
		for _, p := range byPrefix {
			if strings.HasPrefix(info.Name, p.prefix) {
				want = p.want
				break
			}
		}
		if want == 0 {
			t.Errorf("%s: no rule in this test says its category (is %s)", info.Name, info.Category)
		} else if info.Category != want {
			t.Errorf("%s: category %s, want %s", info.Name, info.Category, want)
		}
		used[info.Category]++
	}
	for _, c := range gfevent.Categories() {
		if used[c] == 0 {
			t.Errorf("category %s has no event", c)
		}
		got, err := gfevent.ParseCategory(strings.ToUpper(c.String()))
		if err != nil || got != c {
			t.Errorf("ParseCategory(%q) = %v, %v", strings.ToUpper(c.String()), got, err)
		}
	}
	if len(gfevent.Categories()) != gfevent.NumCategories-1 {
		t.Errorf("Categories() has %d, NumCategories = %d", len(gfevent.Categories()), gfevent.NumCategories)
	}
}

func TestParseCategory(t *testing.T) {
	for in, want := range map[string]gfevent.Category{
		"brick": gfevent.CategoryBrick, "Quorum": gfevent.CategoryQuorum, "svc": gfevent.CategoryDaemon,
		"afr": gfevent.CategoryHeal, "disperse": gfevent.CategoryEC, "dht": gfevent.CategoryDistribute,
	} {
		if got, err := gfevent.ParseCategory(in); err != nil || got != want {
			t.Errorf("ParseCategory(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	_, err := gfevent.ParseCategory("bricks")
	if err == nil || !strings.Contains(err.Error(), "volume, brick, peer") {
		t.Errorf("ParseCategory(bricks) error = %v, want the list of categories", err)
	}
	if s := gfevent.Category(200).String(); s != "unknown" {
		t.Errorf("Category(200) = %q", s)
	}
}

// TestDottedNames checks Gluster's dotted design spelling against the whole
// catalogue: every name round-trips through Dotted and Lookup, in any case.
func TestDottedNames(t *testing.T) {
	for _, typ := range gfevent.Types() {
		d := typ.Dotted()
		for _, s := range []string{d, strings.ToLower(d), strings.ToUpper(d), "EVENT_" + typ.String(), strings.ToLower(typ.String())} {
			if got, ok := gfevent.Lookup(s); !ok || got != typ {
				t.Errorf("Lookup(%q) = %v, %v; want %v", s, got, ok, typ)
			}
		}
		if a := typ.Alias(); a != "" {
			if got, ok := gfevent.Lookup(a); !ok || got != typ {
				t.Errorf("Lookup(alias %q) = %v, %v; want %v", a, got, ok, typ)
			}
			if _, clash := gfevent.Lookup(a); clash && a == typ.String() {
				t.Errorf("%s: alias equals the name", typ)
			}
		}
	}
	for in, want := range map[string]gfevent.Type{
		"Volume.Create":               gfevent.VolumeCreate,
		"Georep.State.Faulty":         gfevent.GeorepFaulty,
		"georep.state.active":         gfevent.GeorepActive,
		"Georep.Checkpoint.Completed": gfevent.GeorepCheckpointCompleted,
		"Volume.Rebalance.Start":      gfevent.VolumeRebalanceStart,
		"Afr.Split.Brain":             gfevent.AfrSplitBrain,
	} {
		if got, ok := gfevent.Lookup(in); !ok || got != want {
			t.Errorf("Lookup(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if got := gfevent.GeorepCheckpointCompleted.Dotted(); got != "Georep.Checkpoint.Completed" {
		t.Errorf("Dotted = %q", got)
	}
	for _, bad := range []string{"Volume.Creat", "Volume..Create", "Georep.State", ""} {
		if got, ok := gfevent.Lookup(bad); ok {
			t.Errorf("Lookup(%q) = %v, want not found", bad, got)
		}
	}
}
