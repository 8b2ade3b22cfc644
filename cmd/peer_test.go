package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/service"
)

const peerTestUUID = "5755dd3b-0000-4000-8000-00000000abcd"

// peerNode is a node for the peer program: a glusterd workdir with a
// glusterd.info, a node config pointing to it, and no daemon.
type peerNode struct {
	config  string // node config path
	workdir string
	node    *config.Node
}

func newPeerNode(t *testing.T) *peerNode {
	t.Helper()
	dir := t.TempDir()
	wd := filepath.Join(dir, "glusterd")
	if err := os.MkdirAll(wd, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wd, "glusterd.info"), []byte("UUID="+peerTestUUID+"\noperating-version=100000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n := config.DefaultNode()
	n.GlusterdWorkdir = wd
	n.StateDir = filepath.Join(dir, "state")
	n.APISocket = filepath.Join(dir, "run", "api.sock")
	n.PIDFile = filepath.Join(dir, "run", "gluster-eventing.pid")
	n.Bus = "none"
	path := filepath.Join(dir, "node.toml")
	if err := config.WriteNode(path, n); err != nil {
		t.Fatal(err)
	}
	return &peerNode{config: path, workdir: wd, node: n}
}

// run runs the peer program in-process and checks what every action must
// do: exit 0, nothing on stderr, and only Reply lines with this node's id,
// each shorter than glusterd's line limit.
func (pn *peerNode) run(t *testing.T, args ...string) []cluster.Reply {
	t.Helper()
	var stdout, stderr bytes.Buffer
	t.Setenv("GLUSTER_EVENTING_CONFIG", pn.config)
	code := Main(ProgPeerHelper, args, strings.NewReader(""), &stdout, &stderr, VersionInfo{Version: "test"})
	if code != 0 {
		t.Errorf("%q: exit code %d", args, code)
	}
	if stderr.Len() > 0 {
		t.Errorf("%q: stderr: %s", args, &stderr)
	}
	return checkReplyLines(t, args, stdout.String(), peerTestUUID)
}

func checkReplyLines(t *testing.T, args []string, out, nodeID string) []cluster.Reply {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("%q: output does not end in a newline: %q", args, out)
	}
	var replies []cluster.Reply
	for line := range strings.SplitSeq(strings.TrimSuffix(out, "\n"), "\n") {
		if len(line)+1 >= cluster.MaxLine {
			t.Errorf("%q: a %d-byte line (glusterd cuts at %d)", args, len(line)+1, cluster.MaxLine)
		}
		var r cluster.Reply
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Errorf("%q: line is no Reply (%v): %s", args, err, line)
			continue
		}
		if r.NodeID != nodeID {
			t.Errorf("%q: nodeid %q, want %q", args, r.NodeID, nodeID)
		}
		replies = append(replies, r)
	}
	return replies
}

func one(t *testing.T, rs []cluster.Reply) cluster.Reply {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("%d replies, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}

func decode(t *testing.T, r cluster.Reply, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Output, v); err != nil {
		t.Fatalf("output %s: %v", r.Output, err)
	}
}

// manyWebhooks writes a cluster config of n webhooks to the node.
func (pn *peerNode) manyWebhooks(t *testing.T, n int) *config.Cluster {
	t.Helper()
	c := config.DefaultCluster()
	c.Generation, c.Origin = 12, peerTestUUID
	for i := range n {
		w := config.DefaultWebhook()
		w.ID = fmt.Sprintf("hook-%03d", i)
		w.Name = fmt.Sprintf("receiver-number-%03d", i)
		w.URL = fmt.Sprintf("https://user:pw@receiver-%03d.example.com/some/long/path/to/the/gluster/events?key=%d", i, i)
		w.Token = strings.Repeat("s", 64)
		c.Webhooks = append(c.Webhooks, w)
	}
	if err := config.WriteCluster(config.ClusterPath(pn.workdir), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPeerUsageErrorsAreReplies(t *testing.T) {
	pn := newPeerNode(t)
	for _, args := range [][]string{
		nil,
		{"--"},
		{"status"}, // a CLI command, not a node action
		{"webhook-add", "https://x.example.com/"},
		{"daemon"},
		{"node-nosuch"},
		{"node-install-config"},
		{"node-install-config", "x", "y", "z", "w"},
		{"node-config", "bogus"},
		{"node-status", "--no-such-flag"},
		{"--bogus"},
	} {
		r := one(t, pn.run(t, args...))
		if r.OK || r.Error == "" {
			t.Errorf("%q: %+v, want ok:false with an error", args, r)
		}
	}
	r := one(t, pn.run(t, "webhook-list"))
	if !strings.Contains(r.Error, `unknown node action "webhook-list"`) || !strings.Contains(r.Error, "node-status") {
		t.Errorf("unknown action error: %q", r.Error)
	}
}

func TestPeerStatus(t *testing.T) {
	pn := newPeerNode(t)
	// No daemon, no config: it answers all the same.
	r := one(t, pn.run(t, "node-status"))
	var st peerStatus
	decode(t, r, &st)
	if !r.OK || st.Status != "DOWN" || st.Daemon != "DOWN" || st.ConfigExists || st.Generation != 0 {
		t.Errorf("%+v %+v", r, st)
	}
	// glusterd passes "--" first; it is ignored.
	one(t, pn.run(t, "--", "node-status"))

	// Webhooks beyond one line are cut, and counted.
	c := pn.manyWebhooks(t, 200)
	r = one(t, pn.run(t, "node-status"))
	st = peerStatus{}
	decode(t, r, &st)
	if !r.OK || len(st.Webhooks) == 0 || st.More == 0 || len(st.Webhooks)+st.More != 200 {
		t.Fatalf("%d webhooks and %d more, want 200 in all, some left out", len(st.Webhooks), st.More)
	}
	if st.Version != cluster.VersionOf(c) || !st.ConfigExists {
		t.Errorf("version %+v, want %+v", st.Version, cluster.VersionOf(c))
	}
	if strings.Contains(string(r.Output), "pw@") || strings.Contains(string(r.Output), "key=1") {
		t.Errorf("URLs not redacted: %s", r.Output)
	}
}

func TestPeerConfig(t *testing.T) {
	pn := newPeerNode(t)
	r := one(t, pn.run(t, "node-config"))
	var info cluster.ConfigInfo
	decode(t, r, &info)
	if !r.OK || info.Exists || info.Version != cluster.VersionOf(config.DefaultCluster()) {
		t.Errorf("no config: %+v", info)
	}
	c := pn.manyWebhooks(t, 80)
	r = one(t, pn.run(t, "node-config"))
	info = cluster.ConfigInfo{}
	decode(t, r, &info)
	if !info.Exists || info.Version != cluster.VersionOf(c) || info.Parts != 0 {
		t.Errorf("version only: %+v", info)
	}
	// Content for another node's UUID: only the version.
	one(t, pn.run(t, "node-config", "content", "00000000-1111-4000-8000-000000000000"))
	for _, args := range [][]string{{"node-config", "content"}, {"node-config", "content", peerTestUUID}} {
		rs := pn.run(t, args...)
		if len(rs) < 3 {
			t.Fatalf("%q: %d lines for a %d-byte config", args, len(rs), len(c.Encode()))
		}
		var chunks []cluster.ConfigInfo
		for _, r := range rs {
			var ch cluster.ConfigInfo
			decode(t, r, &ch)
			chunks = append(chunks, ch)
		}
		content, v, err := cluster.Reassemble(chunks)
		if err != nil || string(content) != string(c.Encode()) || v != cluster.VersionOf(c) {
			t.Errorf("%q: reassembled %v", args, err)
		}
	}
}

func TestPeerPrepareAndInstall(t *testing.T) {
	pn := newPeerNode(t)
	events := filepath.Join(pn.workdir, "events")
	r := one(t, pn.run(t, "node-prepare"))
	if fi, err := os.Stat(events); !r.OK || err != nil || !fi.IsDir() {
		t.Fatalf("%+v, %v", r, err)
	}
	c := pn.configFor(t, 2, "")
	name, err := cluster.Stage(pn.workdir, c.Encode(), c.Origin)
	if err != nil {
		t.Fatal(err)
	}
	v := cluster.VersionOf(c)
	// A wrong digest: refused, and the reply says why.
	r = one(t, pn.run(t, "node-install-config", "2", "-", strings.Repeat("0", 64)))
	if r.OK || !strings.Contains(r.Error, "digest") {
		t.Errorf("wrong digest: %+v", r)
	}
	r = one(t, pn.run(t, "node-install-config", "2", "-", v.Digest))
	var res cluster.InstallResult
	decode(t, r, &res)
	if !r.OK || !res.Installed || res.Reloaded || res.Version != v {
		t.Errorf("%+v %+v", r, res)
	}
	if _, err := os.Stat(filepath.Join(events, name)); err == nil {
		t.Error("staged file left")
	}
	// An older one is refused, naming the winner; force installs it.
	older := pn.configFor(t, 1, "")
	for _, force := range []bool{false, true} {
		if _, err := cluster.Stage(pn.workdir, older.Encode(), ""); err != nil {
			t.Fatal(err)
		}
		args := []string{"node-install-config", "1", "-", cluster.VersionOf(older).Digest}
		if force {
			args = append(args, "force")
		}
		r = one(t, pn.run(t, args...))
		res = cluster.InstallResult{}
		decode(t, r, &res)
		if r.OK == !force || res.Installed != force || res.Previous != v {
			t.Errorf("force=%v: %+v %+v", force, r, res)
		}
	}
}

// configFor is a valid config of generation gen.
func (pn *peerNode) configFor(t *testing.T, gen int64, origin string) *config.Cluster {
	t.Helper()
	c := config.DefaultCluster()
	c.Generation, c.Origin = gen, origin
	w := config.DefaultWebhook()
	w.ID, w.URL = "h1", fmt.Sprintf("https://r%d.example.com/", gen)
	c.Webhooks = append(c.Webhooks, w)
	return c
}

func TestPeerWebhookTest(t *testing.T) {
	pn := newPeerNode(t)
	var got []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r)
		if strings.HasSuffix(r.URL.Path, "/fail") {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	r := one(t, pn.run(t, "node-webhook-test", srv.URL+"/ok", "tok", "."))
	var out struct {
		Status int    `json:"status"`
		URL    string `json:"url"`
	}
	decode(t, r, &out)
	if !r.OK || out.Status != 200 || len(got) != 1 || got[0].Header.Get("Authorization") != "Bearer tok" {
		t.Fatalf("%+v %+v (%d requests)", r, out, len(got))
	}
	r = one(t, pn.run(t, "node-webhook-test", srv.URL+"/fail"))
	decode(t, r, &out)
	if r.OK || out.Status != 500 || !strings.Contains(r.Error, "500") {
		t.Errorf("%+v %+v", r, out)
	}
	// A configured webhook, by id.
	c := pn.configFor(t, 1, "")
	c.Webhooks[0].URL = srv.URL + "/configured"
	if err := config.WriteCluster(config.ClusterPath(pn.workdir), c); err != nil {
		t.Fatal(err)
	}
	r = one(t, pn.run(t, "node-webhook-test", "h1"))
	if !r.OK || got[len(got)-1].URL.Path != "/configured" {
		t.Errorf("by id: %+v", r)
	}
	// Nothing listens: an error in the reply.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r = one(t, pn.run(t, "node-webhook-test", "http://"+addr+"/"))
	if r.OK || r.Error == "" {
		t.Errorf("refused connection: %+v", r)
	}
	one(t, pn.run(t, "node-webhook-test", "not a url"))
}

func TestPeerReloadAndStopWithoutDaemon(t *testing.T) {
	pn := newPeerNode(t)
	r := one(t, pn.run(t, "node-reload"))
	if r.OK || r.Error == "" {
		t.Errorf("reload without a daemon: %+v", r)
	}
	if service.Systemd() {
		t.Skip("systemd is PID 1 here: node-stop would stop the host's gluster-eventing.service")
	}
	r = one(t, pn.run(t, "node-stop"))
	var out service.Outcome
	decode(t, r, &out)
	if !r.OK || out.Changed || out.Running || out.Via != "direct" {
		t.Errorf("stop without a daemon: %+v %+v", r, out)
	}
}

func TestPeerNodeConfigMissing(t *testing.T) {
	var stdout, stderr bytes.Buffer
	t.Setenv("GLUSTER_EVENTING_CONFIG", filepath.Join(t.TempDir(), "missing.toml"))
	code := Main(ProgPeerHelper, []string{"node-status"}, strings.NewReader(""), &stdout, &stderr, VersionInfo{})
	if code != 0 || stderr.Len() > 0 {
		t.Fatalf("exit %d, stderr %s", code, &stderr)
	}
	var r cluster.Reply
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil || r.OK || !strings.Contains(r.Error, "does not exist") {
		t.Errorf("%s: %+v %v", &stdout, r, err)
	}
}

func TestPeerLineLimit(t *testing.T) {
	long := strings.Repeat("é\"<", 3000)
	for _, r := range []cluster.Reply{
		{OK: true, NodeID: peerTestUUID, Output: json.RawMessage(`"` + strings.Repeat("x", 5000) + `"`)},
		{OK: false, NodeID: peerTestUUID, Error: long},
		{OK: false, NodeID: peerTestUUID, Error: long, Output: json.RawMessage(`"` + strings.Repeat("x", 5000) + `"`)},
	} {
		line := peerLine(r)
		checkReplyLines(t, []string{"peerLine"}, string(line), peerTestUUID)
		var back cluster.Reply
		json.Unmarshal(line, &back)
		if back.OK || back.Error == "" {
			t.Errorf("a cut reply must say so: %s", line)
		}
	}
	short := cluster.Reply{OK: true, NodeID: peerTestUUID, Output: json.RawMessage(`{"a":1}`)}
	if got := string(peerLine(short)); got != `{"ok":true,"nodeid":"`+peerTestUUID+`","output":{"a":1}}`+"\n" {
		t.Errorf("a short reply changed: %s", got)
	}
}
