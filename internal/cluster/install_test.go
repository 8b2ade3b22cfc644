package cluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/config"
)

// installFixture is a glusterd workdir whose live config is cur (none if
// nil).
func installFixture(t *testing.T, cur *config.Cluster) string {
	t.Helper()
	wd := t.TempDir()
	if cur != nil {
		if err := config.WriteCluster(config.ClusterPath(wd), cur); err != nil {
			t.Fatal(err)
		}
	}
	return wd
}

func configGen(t *testing.T, gen int64, origin, url string) *config.Cluster {
	t.Helper()
	c := config.DefaultCluster()
	c.Generation, c.Origin = gen, origin
	w := config.DefaultWebhook()
	w.ID, w.URL, w.Token = "hook1", url, "tok-"+url[len(url)-1:]
	c.Webhooks = append(c.Webhooks, w)
	return c
}

func stage(t *testing.T, wd string, c *config.Cluster) (string, Version) {
	t.Helper()
	name, err := Stage(wd, c.Encode(), c.Origin)
	if err != nil {
		t.Fatal(err)
	}
	return name, VersionOf(c)
}

func live(t *testing.T, wd string) string {
	t.Helper()
	b, err := os.ReadFile(config.ClusterPath(wd))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestInstall(t *testing.T) {
	old := configGen(t, 3, uuid1, "https://a.example.com/1")
	wd := installFixture(t, old)
	// The events dir of a fresh node may be missing; Stage creates it.
	newer := configGen(t, 4, uuid2, "https://b.example.com/2")
	name, v := stage(t, wd, newer)
	if fi, err := os.Stat(filepath.Join(wd, "events", name)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("staged file: %v, %v; want mode 0600", fi, err)
	}
	res, err := Install(wd, name, v, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Installed || res.Version != v || res.Previous != VersionOf(old) || !res.PreviousExists {
		t.Errorf("result %+v", res)
	}
	if got := live(t, wd); got != string(newer.Encode()) {
		t.Errorf("live config is not the installed one:\n%s", got)
	}
	if fi, _ := os.Stat(config.ClusterPath(wd)); fi.Mode().Perm() != 0o600 {
		t.Errorf("live config mode %v", fi.Mode())
	}
	if exists(filepath.Join(wd, "events", name)) {
		t.Error("the staged file is still there")
	}
	mirror, err := os.ReadFile(filepath.Join(wd, "events", "webhooks.json"))
	if err != nil || string(mirror) != string(newer.LegacyWebhooks()) {
		t.Errorf("webhooks.json = %q, %v; want %q", mirror, err, newer.LegacyWebhooks())
	}
	// Installing it again changes nothing.
	name, v = stage(t, wd, newer)
	if res, err := Install(wd, name, v, false); err != nil || res.Installed {
		t.Errorf("same config again: %+v, %v", res, err)
	}
	if exists(filepath.Join(wd, "events", name)) {
		t.Error("the staged file of an unchanged config is still there")
	}
}

func TestInstallOnFreshNode(t *testing.T) {
	wd := t.TempDir() // no events/ dir, no config
	c := configGen(t, 1, uuid1, "https://a.example.com/1")
	name, v := stage(t, wd, c)
	res, err := Install(wd, name, v, false)
	if err != nil || !res.Installed || res.PreviousExists {
		t.Fatalf("%+v, %v", res, err)
	}
}

func TestInstallRefusesTruncatedAndForeign(t *testing.T) {
	old := configGen(t, 3, uuid1, "https://a.example.com/1")
	newer := configGen(t, 4, uuid2, "https://b.example.com/2")
	for _, tc := range []struct {
		name    string
		content func() []byte
	}{
		// glusterd's copy writes in place: a peer can see half a file.
		{"truncated", func() []byte { b := newer.Encode(); return b[:len(b)/2] }},
		// Another push of the same origin staged something else.
		{"foreign", func() []byte { return configGen(t, 4, uuid2, "https://c.example.com/3").Encode() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := installFixture(t, old)
			before := live(t, wd)
			staged := filepath.Join(wd, "events", StagedName(uuid2))
			if err := os.WriteFile(staged, tc.content(), 0o600); err != nil {
				t.Fatal(err)
			}
			res, err := Install(wd, StagedName(uuid2), VersionOf(newer), true) // not even force loads it
			if err == nil || res.Installed || !strings.Contains(err.Error(), "digest") {
				t.Fatalf("%+v, %v; want a digest refusal", res, err)
			}
			if live(t, wd) != before {
				t.Error("the live config changed")
			}
			if !exists(staged) {
				t.Error("a staged file that is not ours was removed")
			}
		})
	}
	wd := installFixture(t, old)
	if _, err := Install(wd, StagedName(uuid2), VersionOf(newer), false); err == nil || !strings.Contains(err.Error(), "did not reach") {
		t.Errorf("no staged file: %v", err)
	}
	for _, name := range []string{"../../etc/passwd", "gluster-eventing.toml", ".gluster-eventing.toml.x/../../y.staged"} {
		if _, err := Install(wd, name, VersionOf(newer), true); err == nil {
			t.Errorf("Install(%q) did not refuse the name", name)
		}
	}
}

func TestInstallRefusesNewerLocalUnlessForced(t *testing.T) {
	cur := configGen(t, 5, uuid3, "https://a.example.com/1")
	offered := configGen(t, 4, uuid1, "https://b.example.com/2")
	wd := installFixture(t, cur)
	name, v := stage(t, wd, offered)
	res, err := Install(wd, name, v, false)
	var ne *NewerError
	if !errors.As(err, &ne) || ne.Have != VersionOf(cur) || res.Installed || res.Previous != VersionOf(cur) {
		t.Fatalf("%+v, %v; want a NewerError naming generation 5", res, err)
	}
	if live(t, wd) != string(cur.Encode()) {
		t.Error("the newer live config was replaced")
	}
	if exists(filepath.Join(wd, "events", name)) {
		t.Error("the refused staged file is still there")
	}
	// Same generation, the lower origin wins: uuid1 < uuid3.
	same := configGen(t, 5, uuid1, "https://c.example.com/3")
	name, v = stage(t, wd, same)
	if res, err := Install(wd, name, v, false); err != nil || !res.Installed {
		t.Fatalf("generation 5 from the lower origin: %+v, %v", res, err)
	}
	// force (sync) installs the older one anyway.
	name, v = stage(t, wd, offered)
	if res, err := Install(wd, name, v, true); err != nil || !res.Installed {
		t.Fatalf("forced: %+v, %v", res, err)
	}
	if live(t, wd) != string(offered.Encode()) {
		t.Error("force did not install")
	}
}

func TestInstallKeepsOldFileWhenInvalid(t *testing.T) {
	old := configGen(t, 3, uuid1, "https://a.example.com/1")
	wd := installFixture(t, old)
	before := live(t, wd)
	for _, tc := range []struct {
		name, content, errPart string
		v                      func(content []byte) Version
	}{
		{"unknown key", "version = 1\ngeneration = 4\norigin = \"" + uuid2 + "\"\nbogus = 1\n", "bogus", nil},
		{"bad url", "version = 1\ngeneration = 4\norigin = \"" + uuid2 + "\"\n[[webhook]]\nurl = \"ftp://x\"\n", "url", nil},
		{"generation mismatch", string(configGen(t, 9, uuid2, "https://b.example.com/2").Encode()), "generation 9", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.content)
			name, err := Stage(wd, b, uuid2)
			if err != nil {
				t.Fatal(err)
			}
			v := Version{Generation: 4, Origin: uuid2, Digest: DigestOf(b)}
			res, err := Install(wd, name, v, true)
			if err == nil || res.Installed || !strings.Contains(err.Error(), tc.errPart) {
				t.Fatalf("%+v, %v; want an error about %s", res, err, tc.errPart)
			}
			if live(t, wd) != before {
				t.Error("the old config was replaced")
			}
			if exists(filepath.Join(wd, "events", name)) {
				t.Error("the invalid staged file is still there")
			}
		})
	}
}

// A change made on top of base installs where the node holds base or
// something older, and is refused where another change made at the same
// time got there first, even one that Newer ranks below it.
func TestInstallOver(t *testing.T) {
	base := configGen(t, 4, uuid2, "https://base.example.com/1")
	mine := configGen(t, 5, uuid1, "https://mine.example.com/2")
	for _, tc := range []struct {
		name    string
		cur     *config.Cluster
		install bool
	}{
		{"holds the base", base, true},
		{"missed changes", configGen(t, 2, uuid3, "https://old.example.com/3"), true},
		{"fresh node", nil, true},
		{"a concurrent change that ranks lower got there first", configGen(t, 5, uuid3, "https://other.example.com/4"), false},
		{"a concurrent change that ranks higher got there first", configGen(t, 5, "", "https://other.example.com/5"), false},
		{"a newer config", configGen(t, 6, uuid3, "https://newer.example.com/6"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := installFixture(t, tc.cur)
			name, v := stage(t, wd, mine)
			res, err := InstallOver(wd, name, v, VersionOf(base))
			var ne *NewerError
			switch {
			case tc.install && (err != nil || !res.Installed):
				t.Fatalf("%+v, %v; want it installed", res, err)
			case !tc.install && (!errors.As(err, &ne) || ne.Have != VersionOf(tc.cur) || !res.Refused || res.Installed):
				t.Fatalf("%+v, %v; want a NewerError naming the config held", res, err)
			}
			want := mine
			if !tc.install {
				want = tc.cur
			}
			if live(t, wd) != string(want.Encode()) {
				t.Error("wrong live config")
			}
		})
	}
	// The same change again (a retried push): nothing to do, no error.
	wd := installFixture(t, mine)
	name, v := stage(t, wd, mine)
	if res, err := InstallOver(wd, name, v, VersionOf(base)); err != nil || res.Installed {
		t.Errorf("again: %+v, %v", res, err)
	}
}

func TestVersionArg(t *testing.T) {
	for _, v := range []Version{{3, uuid1, "abc"}, {0, "", "def"}} {
		got, err := DecodeVersionArg(encodeVersion(v))
		if err != nil || got != v {
			t.Errorf("%+v: %+v, %v", v, got, err)
		}
	}
	for _, bad := range []string{"", "1,2", "x,-,d", "1,-,d,e"} {
		if _, err := DecodeVersionArg(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

type fetchFunc func(ctx context.Context, node string) ([]byte, Version, error)

func (f fetchFunc) Fetch(ctx context.Context, node string) ([]byte, Version, error) {
	return f(ctx, node)
}

// TestCatchUpLeavesAPushAlone: a push of origin X's config may be staged
// on this node (its node-install-config not run yet) while this node's
// daemon catches up on a config of the same origin. The catch-up must not
// take or remove the push's staged copy, or the push fails ("no staged
// copy") on this node.
func TestCatchUpLeavesAPushAlone(t *testing.T) {
	wd := installFixture(t, configGen(t, 3, uuid1, "https://a.example.com/0"))
	pushed := configGen(t, 5, uuid2, "https://a.example.com/2")
	pushName, pushV := stage(t, wd, pushed)
	fetched := configGen(t, 4, uuid2, "https://a.example.com/1")
	f := fetchFunc(func(context.Context, string) ([]byte, Version, error) {
		return fetched.Encode(), VersionOf(fetched), nil
	})
	res, err := CatchUp(context.Background(), f, wd, Node{UUID: uuid2, Hostname: "node2"})
	if err != nil || !res.Installed {
		t.Fatalf("CatchUp = %+v, %v", res, err)
	}
	if !exists(filepath.Join(wd, "events", pushName)) {
		t.Fatal("the catch-up removed the push's staged copy")
	}
	if res, err := Install(wd, pushName, pushV, false); err != nil || !res.Installed {
		t.Fatalf("installing the push after the catch-up = %+v, %v", res, err)
	}
	left, _ := filepath.Glob(filepath.Join(wd, "events", ".*.staged"))
	if len(left) != 0 {
		t.Fatalf("staged files left: %v", left)
	}
}
