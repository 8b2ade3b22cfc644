package clustertest

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// waitLog polls a process log until re matches, for at most timeout.
func waitLog(t *testing.T, p *glustertest.Proc, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(p.Log)
		if m := re.FindStringSubmatch(string(b)); m != nil {
			return m
		}
		if time.Now().After(deadline) || p.Exited() {
			t.Fatalf("%s: no %q after %s:\n%s", p.Name, re, timeout, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clusterWebhooks returns the URLs of the webhooks in node n's copy of
// the cluster config.
func clusterWebhooks(t *testing.T, n *glustertest.Node) []string {
	t.Helper()
	cl, err := config.LoadCluster(n.HostPath(config.ClusterPath(config.DefaultGlusterdWorkdir)))
	if err != nil {
		t.Fatalf("%s: %v", n.Name, err)
	}
	var urls []string
	for _, w := range cl.Webhooks {
		urls = append(urls, w.URL)
	}
	return urls
}

// TestListenRegister: 'listen --register' typed on node1 of a real
// 2-node cluster adds itself to every node's config through glusterd,
// receives the signed deliveries of both nodes (verified with the secret
// it generated, each event printed once with its node), and on SIGINT
// deletes itself from every node's config.
func TestListenRegister(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: prefix, Nodes: 2, PeerProgram: bin, ProbeByName: true})
	n1, n2 := c.Node(1), c.Node(2)
	for _, n := range []*glustertest.Node{n1, n2} {
		n.StartDaemon()
	}

	l := n1.Start("listen", nil, bin, "listen", n1.Addr+":0", "--register", "--json")
	m := waitLog(t, l, regexp.MustCompile(`registered as webhook ([0-9a-f]{16}) \((http://[^ ,]+)`), time.Minute)
	id, url := m[1], m[2]
	if !strings.HasPrefix(url, "http://"+n1.Addr+":") {
		t.Errorf("registered URL %s, want node1's address %s and the bound port", url, n1.Addr)
	}
	for _, n := range []*glustertest.Node{n1, n2} {
		if got := clusterWebhooks(t, n); len(got) != 1 || got[0] != url {
			t.Fatalf("%s: webhooks %v after listen --register, want [%s]", n.Name, got, url)
		}
	}

	for _, n := range []*glustertest.Node{n1, n2} {
		if o, err := n.Run(nil, bin, "emit", "VOLUME_START", "name=gv0", "force=0"); err != nil {
			t.Fatalf("emit on %s: %v: %s", n.Name, err, o)
		}
	}
	waitLog(t, l, regexp.MustCompile(`(?s)"node":"`+n1.UUID()+`".*"node":"`+n2.UUID()+`"|"node":"`+n2.UUID()+`".*"node":"`+n1.UUID()+`"`), time.Minute)
	if err := l.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Done():
	case <-time.After(time.Minute):
		t.Fatal("listen did not exit within a minute of SIGINT")
	}
	b, _ := os.ReadFile(l.Log)
	if err := l.Err(); err != nil {
		t.Fatalf("listen: %v\n%s", err, b)
	}
	seen := map[string]int{}
	for line := range strings.Lines(string(b)) {
		var d struct {
			Node     string   `json:"node"`
			Event    string   `json:"event"`
			Format   string   `json:"format"`
			Verified []string `json:"verified"`
		}
		if !strings.HasPrefix(line, "{") {
			continue
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("listen --json line %q: %v", line, err)
		}
		if d.Event != "VOLUME_START" || d.Format != "standard" || strings.Join(d.Verified, ",") != "signature" {
			t.Errorf("delivery %s", line)
		}
		seen[d.Node]++
	}
	if seen[n1.UUID()] != 1 || seen[n2.UUID()] != 1 || len(seen) != 2 {
		t.Errorf("deliveries per node %v, want one from each of %s and %s\n%s", seen, n1.UUID(), n2.UUID(), b)
	}
	if !strings.Contains(string(b), "deleted webhook "+id) {
		t.Errorf("listen did not say it deleted webhook %s:\n%s", id, b)
	}
	for _, n := range []*glustertest.Node{n1, n2} {
		if got := clusterWebhooks(t, n); len(got) != 0 {
			t.Errorf("%s: webhooks %v after listen exited, want none", n.Name, got)
		}
	}
}
