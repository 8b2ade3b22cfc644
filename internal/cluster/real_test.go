package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// realPrefix names this package's test clusters (unique among the
// packages that start one).
const realPrefix = "clch"

// channelIn returns a Channel that runs gluster inside node n (through
// nsenter into its holder's namespaces) and stages files in n's glusterd
// workdir, as a Channel on that node would.
func channelIn(t *testing.T, n *glustertest.Node) *Channel {
	t.Helper()
	return &Channel{Gluster: n.WrapCommand("gluster"), Workdir: n.HostPath("/var/lib/glusterd"), Timeout: 60 * time.Second}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func byUUID(t *testing.T, res []Result, uuid string) Result {
	t.Helper()
	for _, r := range res {
		if r.Node.UUID == uuid {
			return r
		}
	}
	t.Fatalf("no result for node %s", uuid)
	return Result{}
}

// checkRawLines checks the raw output of an action: every line is a Reply
// and shorter than glusterd's limit.
func checkRawLines(t *testing.T, ch *Channel, action string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []byte
	err := ch.retry(ctx, action, func(ctx context.Context) error { // the daemons' catch-up runs transactions too
		var err error
		out, err = ch.runner().Execute(ctx, PeerProgram, append([]string{action}, args...)...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	n := 0
	for line := range strings.SplitSeq(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		n++
		if len(line)+1 >= MaxLine {
			t.Errorf("%s: a %d-byte line", action, len(line)+1)
		}
		var r Reply
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.NodeID == "" {
			t.Errorf("%s: not a Reply: %q", action, line)
		}
	}
	if n < 3 {
		t.Errorf("%s: %d lines from 3 nodes", action, n)
	}
}

// TestRealCluster drives the channel on a real 3-node cluster whose peer
// program is the product: every action runs on every node within the line
// limit, Push from node1 installs everywhere (node2 and node3 have no
// events/ dir at first), Versions and Fetch agree, and with node3's
// glusterd down Push reports it down and installs on the others.
func TestRealCluster(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot(t))
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: realPrefix, Nodes: 3, PeerProgram: bin})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	ch := channelIn(t, n1)
	ctx := context.Background()

	nodes, err := ch.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 3 || !nodes[0].Self || nodes[0].UUID != n1.UUID() {
		t.Fatalf("nodes %+v", nodes)
	}

	// A config of many webhooks: several lines of node-config content.
	cfg := config.DefaultCluster()
	cfg.Generation, cfg.Origin = 1, n1.UUID()
	for i := range 40 {
		w := config.DefaultWebhook()
		w.ID = fmt.Sprintf("hook%02d", i)
		w.URL = fmt.Sprintf("https://receiver%02d.example.com/gluster/events", i)
		w.Token = strings.Repeat("k", 48)
		cfg.Webhooks = append(cfg.Webhooks, w)
	}
	content, v := cfg.Encode(), VersionOf(cfg)
	for _, n := range []*glustertest.Node{n2, n3} {
		if _, err := os.Stat(n.EventsDir()); err == nil {
			t.Fatalf("%s has an events dir already; the test wants it missing", n.Name)
		}
	}
	res, err := ch.Push(ctx, content, v, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if p := r.Problem(); p != nil {
			t.Errorf("push on %s: %v", r.Node.Hostname, p)
		}
	}
	for _, n := range c.Nodes {
		b, err := os.ReadFile(filepath.Join(n.EventsDir(), config.ClusterFileName))
		if err != nil || string(b) != string(content) {
			t.Errorf("%s: config not installed (%v)", n.Name, err)
		}
		if _, err := os.Stat(filepath.Join(n.EventsDir(), config.LegacyWebhooksFile)); err != nil {
			t.Errorf("%s: no webhooks.json: %v", n.Name, err)
		}
		if m, _ := filepath.Glob(filepath.Join(n.EventsDir(), "*.staged")); len(m) > 0 {
			t.Errorf("%s: staged files left: %v", n.Name, m)
		}
	}

	vs, err := ch.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, nv := range vs {
		if nv.Err != nil || !nv.Exists || nv.Version != v {
			t.Errorf("version of %s: %+v", nv.Node.Hostname, nv)
		}
	}
	got, gv, err := ch.Fetch(ctx, n3.UUID())
	if err != nil || string(got) != string(content) || gv != v {
		t.Errorf("Fetch from node3: %v", err)
	}

	// Every node action, on 3 nodes, within the line limit.
	for _, a := range [][]string{
		{ActionStatus}, {ActionReload}, {ActionConfig}, {ActionConfig, "content"}, {ActionPrepare},
		{ActionWebhookTest, "hook01"}, {"node-nosuch"}, {ActionInstallConfig, "1", "-", "x"},
		{ActionStop}, {ActionStart}, {ActionRestart}, {ActionStop},
	} {
		checkRawLines(t, ch, a[0], a[1:]...)
	}

	// node-start starts every daemon (directly: no systemd in the nodes),
	// node-status sees them up on the installed config, node-stop stops
	// them.
	res, err = ch.Execute(ctx, ActionStart)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if p := r.Problem(); p != nil {
			t.Errorf("node-start on %s: %v", r.Node.Hostname, p)
		}
	}
	for _, n := range c.Nodes {
		if n.DaemonPID() == 0 {
			t.Errorf("%s: no daemon after node-start", n.Name)
		}
	}

	// An older config is refused by every node, naming the winner.
	older := cfg.Clone()
	older.Generation, older.Origin = 1, "ffffffff-ffff-4fff-8fff-ffffffffffff"
	older.Webhooks = older.Webhooks[:1]
	res, err = ch.Push(ctx, older.Encode(), VersionOf(older), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		var ne *NewerError
		if !errors.As(r.Err, &ne) || ne.Have != v {
			t.Errorf("%s: %v, want a NewerError naming %s", r.Node.Hostname, r.Err, v)
		}
	}

	// Two changes at once from node1 and node2, both on top of the same
	// config: their glusterd transactions collide (retried), the one
	// glusterd serializes first is installed on every node, the other is
	// refused by every node (a NewerError), never installed and replaced.
	ch2 := channelIn(t, n2)
	a, b := cfg.Clone(), cfg.Clone()
	a.Generation, a.Origin, a.Webhooks = 2, n1.UUID(), a.Webhooks[:2]
	b.Generation, b.Origin, b.Webhooks = 2, n2.UUID(), b.Webhooks[:3]
	type outcome struct {
		c   *config.Cluster
		res []Result
		err error
	}
	done := make(chan outcome, 2)
	for _, p := range []struct {
		ch *Channel
		c  *config.Cluster
	}{{ch, a}, {ch2, b}} {
		go func() {
			res, err := p.ch.PushOver(ctx, p.c.Encode(), VersionOf(p.c), v)
			done <- outcome{p.c, res, err}
		}()
	}
	var winner *config.Cluster
	for range 2 {
		o := <-done
		if o.err != nil {
			t.Fatalf("concurrent push: %v", o.err)
		}
		lost := 0
		for _, r := range o.res {
			var ne *NewerError
			switch {
			case errors.As(r.Err, &ne):
				lost++
			case r.Problem() != nil:
				t.Errorf("concurrent push on %s: %v", r.Node.Hostname, r.Problem())
			}
		}
		switch lost {
		case 0:
			if winner != nil {
				t.Fatal("both concurrent changes were installed everywhere")
			}
			winner = o.c
		case len(o.res):
		default:
			t.Errorf("a concurrent change lost on %d of %d nodes: both would be half in", lost, len(o.res))
		}
	}
	if winner == nil {
		t.Fatal("neither concurrent change won")
	}
	for _, n := range c.Nodes {
		if b, _ := os.ReadFile(filepath.Join(n.EventsDir(), config.ClusterFileName)); string(b) != string(winner.Encode()) {
			t.Errorf("%s does not hold the winner of the concurrent changes (%s)", n.Name, VersionOf(winner))
		}
	}
	cfg, content = winner, winner.Encode()

	// The daemons reloaded on install: they run the winner.
	res, err = ch.Execute(ctx, ActionStatus)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		var st struct {
			Status            string `json:"status"`
			Generation        int64  `json:"generation"`
			RunningGeneration int64  `json:"running_generation"`
		}
		if p := r.Problem(); p != nil || decodeOutput(r.Replies[0], &st) != nil || st.Status != "UP" ||
			st.Generation != 2 || st.RunningGeneration != 2 {
			t.Errorf("node-status on %s: %v %+v", r.Node.Hostname, p, st)
		}
	}
	res, err = ch.Execute(ctx, ActionStop)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if p := r.Problem(); p != nil {
			t.Errorf("node-stop on %s: %v", r.Node.Hostname, p)
		}
	}
	for _, n := range c.Nodes {
		if pid := n.DaemonPID(); pid != 0 {
			t.Errorf("%s: daemon %d still runs after node-stop", n.Name, pid)
		}
	}

	// A truncated copy (glusterd writes in place: a copy cut short) is
	// never loaded: node2 got half the file, node1 and node3 all of it.
	trunc := cfg.Clone()
	trunc.Generation, trunc.Origin = 5, n1.UUID()
	tc, tv := trunc.Encode(), VersionOf(trunc)
	for _, n := range c.Nodes {
		data := tc
		if n == n2 {
			data = tc[:len(tc)/2]
		}
		if err := os.WriteFile(filepath.Join(n.EventsDir(), StagedName(tv.Origin)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err = ch.Execute(ctx, ActionInstallConfig, fmt.Sprint(tv.Generation), OriginArg(tv.Origin), tv.Digest)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		p := r.Problem()
		if r.Node.UUID == n2.UUID() {
			if p == nil || !strings.Contains(p.Error(), "digest") {
				t.Errorf("node2 with a truncated copy: %v, want a digest refusal", p)
			}
			if b, _ := os.ReadFile(filepath.Join(n2.EventsDir(), config.ClusterFileName)); string(b) != string(content) {
				t.Error("node2's config changed")
			}
		} else if p != nil {
			t.Errorf("%s with a whole copy: %v", r.Node.Hostname, p)
		}
	}
	os.Remove(filepath.Join(n2.EventsDir(), StagedName(tv.Origin)))
	cfg, content = trunc, tc

	// node3's glusterd down: reported, the others install; node3 itself
	// has no cluster to talk to.
	n3.StopGlusterd()
	if _, err := channelIn(t, n3).Nodes(ctx); !errors.Is(err, ErrNoCluster) || !strings.Contains(err.Error(), "glusterd is not running") {
		t.Errorf("Nodes on node3 without glusterd: %v, want ErrNoCluster (glusterd is not running)", err)
	}
	next := cfg.Clone()
	next.Generation, next.Origin = 6, n1.UUID()
	next.Webhooks = next.Webhooks[:1]
	res, err = ch.Push(ctx, next.Encode(), VersionOf(next), false)
	if err != nil {
		t.Fatal(err)
	}
	if r := byUUID(t, res, n3.UUID()); !errors.Is(r.Err, ErrNodeDown) {
		t.Errorf("node3: %v, want ErrNodeDown", r.Err)
	}
	for _, n := range []*glustertest.Node{n1, n2} {
		if p := byUUID(t, res, n.UUID()).Problem(); p != nil {
			t.Errorf("%s: %v", n.Name, p)
		}
		if b, _ := os.ReadFile(filepath.Join(n.EventsDir(), config.ClusterFileName)); string(b) != string(next.Encode()) {
			t.Errorf("%s: generation 6 not installed", n.Name)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(n3.EventsDir(), config.ClusterFileName)); string(b) != string(content) {
		t.Errorf("node3 (down) changed")
	}
}
