package clustertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/glustertest"
)

// TestClusterExecNotifier: an exec notifier added on node1 reaches every
// node's config and daemon; events emitted on every node run the command
// on that node (the brick events only: its filter); notifier-test from
// node2 runs it on every node and reports the node where it fails;
// notifier-del on node3 stops it everywhere.
func TestClusterExecNotifier(t *testing.T) {
	glustertest.Require(t)
	bin := glustertest.BuildEventing(t, moduleRoot())
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{Prefix: "gnotif", Nodes: 3, PeerProgram: bin})
	n1, n2, n3 := c.Node(1), c.Node(2), c.Node(3)
	nodes := []*glustertest.Node{n1, n2, n3}
	for _, n := range nodes {
		n.StartDaemon()
	}
	// /tmp is shared by the nodes: one script, one log of every run.
	dir := t.TempDir()
	log := filepath.Join(dir, "runs")
	script := filepath.Join(dir, "record.sh")
	body := fmt.Sprintf(`#!/bin/sh
cat > /dev/null
echo "$GLUSTER_EVENT_NODE $GLUSTER_EVENT $GLUSTER_FIELD_BRICK" >> "$1"
if [ "$GLUSTER_EVENT" = TEST ] && [ "$GLUSTER_EVENT_NODE" = %q ]; then echo "pager unreachable from here" >&2; exit 3; fi
if [ "$GLUSTER_FIELD_BRICK" = stuck:/b ]; then echo "brick handler failed" >&2; exit 5; fi
`, n3.UUID())
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := cli(t, n1, bin, "notifier-add", "exec", "--name", "pager", "--filter", "category:brick", "--json", "--", script, log)
	if code != 0 {
		t.Fatalf("notifier-add on node1: exit %d\n%s%s", code, out, errOut)
	}
	var added struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.ID == "" {
		t.Fatalf("notifier-add --json: %v\n%s", err, out)
	}
	for _, n := range nodes {
		cl, err := config.LoadCluster(n.HostPath(config.ClusterPath(config.DefaultGlusterdWorkdir)))
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		if len(cl.Notifiers) != 1 || cl.Notifiers[0].ID != added.ID || cl.Notifiers[0].Exec == nil || cl.Notifiers[0].Exec.Command[0] != script {
			t.Errorf("%s: notifiers %+v", n.Name, cl.Notifiers)
		}
	}

	runs := func() string {
		b, _ := os.ReadFile(log)
		return string(b)
	}
	waitRuns := func(what string, want func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !want(runs()) {
			if time.Now().After(deadline) {
				t.Fatalf("after 30s, %s; the runs:\n%s", what, runs())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, n := range nodes {
		for _, args := range [][]string{{"VOLUME_START", "name=gv0"}, {"BRICK_DISCONNECTED", "peer=p", "volume=gv0", "brick=" + n.Name + ":/b0"}} {
			if o, err := n.Run(nil, append([]string{bin, "emit"}, args...)...); err != nil {
				t.Fatalf("emit on %s: %v: %s", n.Name, err, o)
			}
		}
	}
	waitRuns("not every node ran the command for its brick event", func(s string) bool {
		for _, n := range nodes {
			if !strings.Contains(s, n.UUID()+" BRICK_DISCONNECTED "+n.Name+":/b0\n") {
				return false
			}
		}
		return true
	})
	if strings.Contains(runs(), "VOLUME_START") {
		t.Errorf("the command ran for VOLUME_START (filter category:brick):\n%s", runs())
	}
	for _, n := range nodes {
		st, err := n.API().Status(t.Context())
		if err != nil {
			t.Fatalf("%s: status: %v", n.Name, err)
		}
		if len(st.Notifiers) != 1 || st.Notifiers[0].ID != added.ID || st.Notifiers[0].Kind != "exec" {
			t.Errorf("%s: status notifiers %+v", n.Name, st.Notifiers)
		}
	}

	// notifier-test from node2: OK on node1 and node2, the failure and its
	// stderr on node3, exit 4 (some nodes failed).
	out, errOut, code = cli(t, n2, bin, "notifier-test", "pager", "--json")
	if code != 4 {
		t.Errorf("notifier-test: exit %d, want 4\n%s%s", code, out, errOut)
	}
	var tested struct {
		Nodes []struct {
			NodeID string `json:"nodeid"`
			OK     bool   `json:"ok"`
			Error  string `json:"error"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &tested); err != nil || len(tested.Nodes) != 3 {
		t.Fatalf("notifier-test --json: %v\n%s", err, out)
	}
	for _, row := range tested.Nodes {
		switch {
		case row.NodeID == n3.UUID() && (row.OK || !strings.Contains(row.Error, "exit status 3: pager unreachable from here")):
			t.Errorf("notifier-test: node3's row %+v, want its failure", row)
		case row.NodeID != n3.UUID() && !row.OK:
			t.Errorf("notifier-test: row %+v not ok", row)
		}
	}
	for _, n := range nodes {
		if !strings.Contains(runs(), n.UUID()+" TEST ") {
			t.Errorf("notifier-test: no test run on %s:\n%s", n.Name, runs())
		}
	}
	out, _, _ = cli(t, n2, bin, "notifier-test", "pager")
	if !strings.Contains(out, "pager unreachable from here") {
		t.Errorf("notifier-test's table does not show node3's error:\n%s", out)
	}

	// A delivery failing on node3 shows in status from node1: the cell and
	// a warning naming the node and the command's error.
	if o, err := n3.Run(nil, bin, "emit", "BRICK_DISCONNECTED", "peer=p", "volume=gv0", "brick=stuck:/b"); err != nil {
		t.Fatalf("emit on node3: %v: %s", err, o)
	}
	waitRuns("node3 did not run the command for the stuck brick", func(s string) bool { return strings.Contains(s, "stuck:/b") })
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, errOut, _ = cli(t, n1, bin, "status")
		if strings.Contains(errOut, "on "+n3.Addr+": exec notifier "+added.ID+" (pager): failing since") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status from node1 does not warn of node3's failing notifier:\n%s%s", out, errOut)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(errOut, "last error exit status 5: brick handler failed") {
		t.Errorf("status warning lacks the command's error:\n%s", errOut)
	}
	if !strings.Contains(out, "none; notifiers 0 ok, 1 FAILING") || !strings.Contains(out, "none; notifiers 1 ok") {
		t.Errorf("status table lacks the notifier summaries:\n%s", out)
	}
	out, errOut, _ = cli(t, n1, bin, "status", "--json")
	var st struct {
		Nodes []struct {
			NodeID           string `json:"nodeid"`
			NotifiersOK      int    `json:"notifiers_ok"`
			NotifiersFailing []struct {
				ID        string `json:"id"`
				State     string `json:"state"`
				LastError string `json:"last_error"`
			} `json:"notifiers_failing"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Nodes) != 3 {
		t.Fatalf("status --json: %v\n%s%s", err, out, errOut)
	}
	for _, row := range st.Nodes {
		failing := row.NodeID == n3.UUID()
		if failing && (row.NotifiersOK != 0 || len(row.NotifiersFailing) != 1 || row.NotifiersFailing[0].ID != added.ID ||
			row.NotifiersFailing[0].State != "retrying" || !strings.Contains(row.NotifiersFailing[0].LastError, "brick handler failed")) ||
			!failing && (row.NotifiersOK != 1 || len(row.NotifiersFailing) != 0) {
			t.Errorf("status --json: node %+v", row)
		}
	}

	// Deleted on node3: no daemon runs it any more.
	if out, errOut, code := cli(t, n3, bin, "notifier-del", "pager"); code != 0 {
		t.Fatalf("notifier-del on node3: exit %d\n%s%s", code, out, errOut)
	}
	for _, n := range nodes {
		deadline := time.Now().Add(30 * time.Second)
		for {
			st, err := n.API().Status(t.Context())
			if err == nil && len(st.Notifiers) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still runs the notifier after notifier-del: %v %+v", n.Name, err, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
