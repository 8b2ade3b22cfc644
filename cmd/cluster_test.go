package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/cluster"
	"github.com/gluster/gluster-eventing/internal/config"
)

// These tests drive the cluster commands' tables, JSON and exit codes
// with a fake channel: the nodes' answers, including the failures a real
// cluster gives only by accident (a node refusing a change because a
// concurrent one won, a copy that did not reach an up node). The real
// cluster's tests are in cmd/clustertest.

const (
	uuid1 = "11111111-1111-1111-1111-111111111111"
	uuid2 = "22222222-2222-2222-2222-222222222222"
	uuid3 = "33333333-3333-3333-3333-333333333333"
)

var testNodes = []cluster.Node{
	{UUID: uuid1, Hostname: "localhost", Connected: true, Self: true},
	{UUID: uuid2, Hostname: "node2", Connected: true},
	{UUID: uuid3, Hostname: "node3", Connected: true},
}

// fakeChannel answers for testNodes. Its push installs the config on this
// node for real (in the test's workdir), as node-install-config would;
// pushResult decides the other nodes' answers.
type fakeChannel struct {
	t       *testing.T
	workdir string
	calls   []string
	// versions are the nodes' versions (this node's is read from its file
	// when nil).
	versions func() []cluster.NodeVersion
	fetch    func(uuid string) ([]byte, cluster.Version, error)
	// pushResult gives node i's result of a push; nil = installed.
	pushResult func(i int, v cluster.Version) *cluster.Result
	exec       func(action string, args []string) ([]cluster.Result, error)
	pushed     []cluster.Version
	// openErr, if set, is the error of opening the channel (no cluster).
	openErr error
}

func (f *fakeChannel) Execute(ctx context.Context, action string, args ...string) ([]cluster.Result, error) {
	f.calls = append(f.calls, action+" "+strings.Join(args, " "))
	return f.exec(action, args)
}

func (f *fakeChannel) Versions(ctx context.Context) ([]cluster.NodeVersion, error) {
	f.calls = append(f.calls, "versions")
	if f.versions != nil {
		return f.versions(), nil
	}
	own := f.ownVersion()
	out := make([]cluster.NodeVersion, len(testNodes))
	for i, n := range testNodes {
		out[i] = cluster.NodeVersion{Node: n, Version: own, Exists: true}
	}
	return out, nil
}

func (f *fakeChannel) ownVersion() cluster.Version {
	cl, err := config.LoadCluster(config.ClusterPath(f.workdir))
	if err != nil && !errors.Is(err, config.ErrNotExist) {
		f.t.Fatal(err)
	}
	return cluster.VersionOf(cl)
}

func (f *fakeChannel) Fetch(ctx context.Context, uuid string) ([]byte, cluster.Version, error) {
	f.calls = append(f.calls, "fetch "+uuid)
	return f.fetch(uuid)
}

func (f *fakeChannel) PushOver(ctx context.Context, content []byte, v, base cluster.Version) ([]cluster.Result, error) {
	if own := f.ownVersion(); !own.Same(base) {
		f.t.Errorf("change pushed over %s, but this node holds %s", base, own)
	}
	return f.Push(ctx, content, v, false)
}

func (f *fakeChannel) Push(ctx context.Context, content []byte, v cluster.Version, force bool) ([]cluster.Result, error) {
	f.calls = append(f.calls, fmt.Sprintf("push %d force=%v", v.Generation, force))
	f.pushed = append(f.pushed, v)
	name, err := cluster.Stage(f.workdir, content, v.Origin)
	if err != nil {
		f.t.Fatal(err)
	}
	var results []cluster.Result
	for i, n := range testNodes {
		if f.pushResult != nil {
			if r := f.pushResult(i, v); r != nil {
				r.Node = n
				results = append(results, *r)
				continue
			}
		}
		res := cluster.InstallResult{Installed: true, Version: v}
		if n.Self {
			if res, err = cluster.Install(f.workdir, name, v, force); err != nil {
				f.t.Fatal(err)
			}
		}
		results = append(results, cluster.Result{Node: n, Replies: []cluster.Reply{okReply(n.UUID, res)}})
	}
	return results, nil
}

func okReply(uuid string, output any) cluster.Reply {
	b, _ := json.Marshal(output)
	return cluster.Reply{OK: true, NodeID: uuid, Output: b}
}

// clusterEnv is a node of a Gluster cluster (it has a glusterd.info)
// whose channel is f; its daemon is not running.
func clusterEnv(t *testing.T) (*fakeChannel, string) {
	t.Helper()
	dir := t.TempDir()
	workdir := filepath.Join(dir, "glusterd")
	if err := os.MkdirAll(workdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(workdir, "glusterd.info"), []byte("UUID="+uuid1+"\noperating-version=100000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	nodeCfg := filepath.Join(dir, "node.toml")
	text := fmt.Sprintf("version = 1\nlisten = [\"127.0.0.1:1\"]\nstate_dir = %q\nglusterd_workdir = %q\napi_socket = %q\npid_file = %q\nbus = \"none\"\n",
		filepath.Join(dir, "state"), workdir, filepath.Join(dir, "api.sock"), filepath.Join(dir, "daemon.pid"))
	if err := os.WriteFile(nodeCfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return &fakeChannel{t: t, workdir: workdir}, nodeCfg
}

// run runs the command line (prog's) against f and returns the exit code,
// stdout and stderr.
func run(t *testing.T, f *fakeChannel, prog Program, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{Ctx: context.Background(), Prog: prog, Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }, Version: VersionInfo{Version: "test"},
		channelFor: func(*config.Node) (clusterChannel, error) {
			if f.openErr != nil {
				return nil, f.openErr
			}
			return f, nil
		}}
	code := env.run(args)
	return code, stdout.String(), stderr.String()
}

func TestWebhookAddReachesEveryNode(t *testing.T) {
	f, cfg := clusterEnv(t)
	code, out, errOut := run(t, f, ProgMain, "--config", cfg, "webhook-add", "--format", "legacy", "http://127.0.0.1:9/hook")
	if code != 0 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if len(f.pushed) != 1 || f.pushed[0].Generation != 1 || f.pushed[0].Origin != uuid1 {
		t.Fatalf("pushed %+v, want one push of generation 1 from %s", f.pushed, uuid1)
	}
	cl, err := config.LoadCluster(config.ClusterPath(f.workdir))
	if err != nil || len(cl.Webhooks) != 1 || cl.Origin != uuid1 || cl.Generation != 1 {
		t.Fatalf("local config after the push: %+v, %v", cl, err)
	}
	want := "NODE       NODE STATUS  SYNC STATUS\n" +
		"localhost           UP           OK\n" +
		"node2               UP           OK\n" +
		"node3               UP           OK\n"
	if !strings.Contains(out, "webhook added: id ") || !strings.HasSuffix(out, want) {
		t.Errorf("stdout:\n%s\nwant the id line, then:\n%s", out, want)
	}
}

func TestChangeRefusedBeforeAnyPeer(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"webhook-add", "ftp://example.com/x"}, int(ExitUsage)},
		{[]string{"config-set", "no-such-key", "1"}, int(ExitInvalidConfig)},
		{[]string{"config-set", "port", "abc"}, int(ExitInvalidConfig)},
		{[]string{"config-set", "log-level", "INFO"}, int(ExitNoChange)},
		{[]string{"webhook-del", "nosuch"}, int(ExitWebhookMissing)},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			f, cfg := clusterEnv(t)
			code, _, errOut := run(t, f, ProgMain, append([]string{"--config", cfg}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errOut)
			}
			if len(f.calls) != 0 {
				t.Errorf("the peers were asked %q before the change was refused", f.calls)
			}
		})
	}
}

func TestChangeWithANodeDown(t *testing.T) {
	f, cfg := clusterEnv(t)
	f.pushResult = func(i int, v cluster.Version) *cluster.Result {
		if i == 2 {
			return &cluster.Result{Err: fmt.Errorf("%w: not connected", cluster.ErrNodeDown)}
		}
		return nil
	}
	code, out, errOut := run(t, f, ProgMain, "--config", cfg, "config-set", "log-level", "DEBUG")
	if code != int(ExitPartial) {
		t.Fatalf("exit %d, want 4; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "node3             DOWN  NOT OK: Node is not connected\n") {
		t.Errorf("stdout does not show node3 DOWN:\n%s", out)
	}
	// gluster-eventsapi's JSON.
	code, out, _ = run(t, f, ProgLegacyAPI, "--config", cfg, "config-set", "log-level", "WARNING", "--json")
	if code != int(ExitPartial) {
		t.Fatalf("legacy exit %d, want 4", code)
	}
	var legacy struct {
		Output []map[string]string `json:"output"`
		Error  string              `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &legacy); err != nil {
		t.Fatalf("legacy --json: %v:\n%s", err, out)
	}
	if len(legacy.Output) != 3 || legacy.Output[2]["node_status"] != "DOWN" || legacy.Output[0]["sync_status"] != "OK" ||
		legacy.Output[2]["sync_status"] != "NOT OK: Node is not connected" {
		t.Errorf("legacy --json output: %s", out)
	}
}

func TestChangeCopyFailedOnAnUpNode(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code ExitCode
	}{
		{[]string{"webhook-add", "--format", "legacy", "http://127.0.0.1:9/hook"}, ExitWebhookSyncFailed},
		{[]string{"config-set", "log-level", "DEBUG"}, ExitConfigSyncFailed},
	} {
		f, cfg := clusterEnv(t)
		f.pushResult = func(i int, v cluster.Version) *cluster.Result {
			if i == 1 {
				b, _ := json.Marshal(cluster.InstallResult{Version: v})
				return &cluster.Result{Replies: []cluster.Reply{{NodeID: uuid2, Output: b, Error: "no staged copy"}},
					Err: errors.New("installing the config: no staged copy (copy file failed on node2)")}
			}
			return nil
		}
		code, out, errOut := run(t, f, ProgMain, append([]string{"--config", cfg}, tc.args...)...)
		if code != int(tc.code) {
			t.Errorf("%v: exit %d, want %d; stdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, out, errOut)
		}
	}
}

func TestConcurrentChangeLost(t *testing.T) {
	f, cfg := clusterEnv(t)
	f.pushResult = func(i int, v cluster.Version) *cluster.Result {
		if i == 1 {
			won := cluster.Version{Generation: v.Generation, Origin: "00000000-aaaa", Digest: "ab"}
			return &cluster.Result{Replies: []cluster.Reply{{NodeID: uuid2, Error: "newer"}},
				Err: &cluster.NewerError{Have: won, Offered: v}}
		}
		return nil
	}
	code, out, errOut := run(t, f, ProgMain, "--config", cfg, "config-set", "log-level", "DEBUG")
	if code != int(ExitError) {
		t.Fatalf("exit %d, want 1; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "another change won: generation 1 from node 00000000-aaaa") ||
		!strings.Contains(errOut, "yours was not applied; run the command again") {
		t.Errorf("stderr does not report the lost change:\n%s", errOut)
	}
	if !regexp.MustCompile(`node2 +UP +NOT OK: holds a newer config \(generation 1 from node 00000000-aaaa`).MatchString(out) {
		t.Errorf("stdout does not show node2's refusal:\n%s", out)
	}
	if strings.Contains(out, "config updated") {
		t.Errorf("stdout says the lost change was made:\n%s", out)
	}

	// A lost webhook-add shows no id or secret of a webhook that exists
	// nowhere; --json says it lost.
	code, out, errOut = run(t, f, ProgMain, "--config", cfg, "webhook-add", "http://127.0.0.1:9/lost", "--json")
	if code != int(ExitError) || !strings.Contains(out, `"lost": true`) || strings.Contains(out, "signing_secret") || strings.Contains(out, `"id"`) {
		t.Errorf("lost webhook-add: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestChangeCatchesUpFirst(t *testing.T) {
	f, cfg := clusterEnv(t)
	// node2 holds generation 5 with a webhook this node has never seen.
	newer := config.DefaultCluster()
	w := config.DefaultWebhook()
	w.ID, w.URL = "0123456789abcdef", "http://127.0.0.1:9/theirs"
	newer.Webhooks = append(newer.Webhooks, w)
	newer.Generation, newer.Origin = 5, uuid2
	content := newer.Encode()
	nv := cluster.Version{Generation: 5, Origin: uuid2, Digest: cluster.DigestOf(content)}
	f.versions = func() []cluster.NodeVersion {
		own := f.ownVersion()
		return []cluster.NodeVersion{
			{Node: testNodes[0], Version: own, Exists: own.Generation > 0},
			{Node: testNodes[1], Version: nv, Exists: true},
			{Node: testNodes[2], Err: cluster.ErrNodeDown},
		}
	}
	f.fetch = func(uuid string) ([]byte, cluster.Version, error) {
		if uuid != uuid2 {
			t.Errorf("fetched from %s, want node2", uuid)
		}
		return content, nv, nil
	}
	code, out, errOut := run(t, f, ProgMain, "--config", cfg, "webhook-add", "--format", "legacy", "http://127.0.0.1:9/mine")
	if code != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	cl, err := config.LoadCluster(config.ClusterPath(f.workdir))
	if err != nil {
		t.Fatal(err)
	}
	if cl.Generation != 6 || len(cl.Webhooks) != 2 || cl.Origin != uuid1 {
		t.Errorf("after the change: generation %d, %d webhooks, origin %s; want 6, both webhooks, %s",
			cl.Generation, len(cl.Webhooks), cl.Origin, uuid1)
	}
	if !strings.Contains(errOut, "installed node2's") {
		t.Errorf("stderr does not say this node caught up:\n%s", errOut)
	}
}

// statusReplies is node-status answered by node 1 (daemon up), node 2
// (daemon down, an older config) and node 3 (glusterd down).
func statusReplies(action string, args []string) ([]cluster.Result, error) {
	if action != cluster.ActionStatus {
		return nil, fmt.Errorf("unexpected action %s", action)
	}
	v := cluster.Version{Generation: 4, Origin: uuid1, Digest: "d4"}
	up := peerStatus{Status: "UP", Daemon: "UP", PID: 42, Version: v, ConfigExists: true, JournalLastSeq: 17, RunningGeneration: 4,
		Webhooks: []peerWebhook{{ID: "a", URL: "http://x/a", State: "ok"}, {ID: "b", URL: "http://x/b", State: "retrying"}}}
	down := peerStatus{Status: "DOWN", Daemon: "DOWN", DaemonError: "not running",
		Version: cluster.Version{Generation: 3, Origin: uuid1, Digest: "d3"}, ConfigExists: true, Webhooks: []peerWebhook{}}
	return []cluster.Result{
		{Node: testNodes[0], Replies: []cluster.Reply{okReply(uuid1, up)}},
		{Node: testNodes[1], Replies: []cluster.Reply{okReply(uuid2, down)}},
		{Node: testNodes[2], Err: fmt.Errorf("%w: not connected", cluster.ErrNodeDown)},
	}, nil
}

func TestStatusTellsTheTruth(t *testing.T) {
	f, cfg := clusterEnv(t)
	f.exec = statusReplies
	code, out, errOut := run(t, f, ProgMain, "--config", cfg, "status")
	if code != int(ExitPartial) {
		t.Fatalf("exit %d, want 4; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := "NODE       NODE STATUS                  DAEMON STATUS  GENERATION  JOURNAL SEQ         WEBHOOKS\n" +
		"localhost           UP                             UP           4           17  1 ok, 1 FAILING\n" +
		"node2               UP                           DOWN         3 *            -             none\n" +
		"node3             DOWN  NOT OK: Node is not connected           -            -                -\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if !strings.Contains(errOut, "configs differ") || !strings.Contains(errOut, "node2 holds generation 3") {
		t.Errorf("stderr does not flag node2's divergence:\n%s", errOut)
	}

	code, out, _ = run(t, f, ProgMain, "--config", cfg, "status", "--json")
	if code != int(ExitPartial) {
		t.Fatalf("--json exit %d, want 4", code)
	}
	var js struct {
		OK        bool         `json:"ok"`
		Divergent bool         `json:"divergent"`
		Nodes     []statusNode `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if js.OK || !js.Divergent || len(js.Nodes) != 3 || js.Nodes[0].Daemon != "UP" || js.Nodes[1].Daemon != "DOWN" ||
		!js.Nodes[1].Diverges || js.Nodes[0].Diverges || js.Nodes[2].NodeStatus != "DOWN" || js.Nodes[0].JournalLastSeq != 17 {
		t.Errorf("status --json:\n%s", out)
	}

	// gluster-eventsapi: its shape, the true daemon state, exit 0.
	code, out, _ = run(t, f, ProgLegacyAPI, "--config", cfg, "status")
	wantLegacy := "Webhooks: \nNone\n\n" +
		"NODE       NODE STATUS          GLUSTEREVENTSD STATUS\n" +
		"localhost           UP                             UP\n" +
		"node2               UP                           DOWN\n" +
		"node3             DOWN  NOT OK: Node is not connected\n"
	if code != 0 || out != wantLegacy {
		t.Errorf("gluster-eventsapi status: exit %d, stdout:\n%s\nwant:\n%s", code, out, wantLegacy)
	}
	code, out, _ = run(t, f, ProgLegacyAPI, "--config", cfg, "status", "--json")
	if code != 0 {
		t.Fatalf("legacy exit %d, want 0", code)
	}
	var legacy struct {
		Output   []map[string]string `json:"output"`
		Webhooks []string            `json:"webhooks"`
	}
	if err := json.Unmarshal([]byte(out), &legacy); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(legacy.Output) != 3 || legacy.Output[0]["glustereventsd_status"] != "UP" || legacy.Output[1]["glustereventsd_status"] != "DOWN" {
		t.Errorf("legacy status --json:\n%s", out)
	}
}

func TestStatusAllDaemonsDown(t *testing.T) {
	f, cfg := clusterEnv(t)
	f.exec = func(action string, args []string) ([]cluster.Result, error) {
		down := peerStatus{Status: "DOWN", Daemon: "DOWN", DaemonError: "not running", Webhooks: []peerWebhook{}}
		var rs []cluster.Result
		for _, n := range testNodes {
			rs = append(rs, cluster.Result{Node: n, Replies: []cluster.Reply{okReply(n.UUID, down)}})
		}
		return rs, nil
	}
	if code, out, _ := run(t, f, ProgMain, "--config", cfg, "status"); code != int(ExitAllNodesFailed) {
		t.Errorf("exit %d, want 3:\n%s", code, out)
	}
}

func TestWebhookTestPerNode(t *testing.T) {
	f, cfg := clusterEnv(t)
	f.exec = func(action string, args []string) ([]cluster.Result, error) {
		if action != cluster.ActionWebhookTest || len(args) != 3 || args[0] != "http://127.0.0.1:9/hook" || args[1] != "tok" || args[2] != "." {
			t.Errorf("ran %s %q", action, args)
		}
		return []cluster.Result{
			{Node: testNodes[0], Replies: []cluster.Reply{okReply(uuid1, map[string]any{"status": 200})}},
			{Node: testNodes[1], Replies: []cluster.Reply{{NodeID: uuid2, Error: "webhook test http://127.0.0.1:9/hook: HTTP 500"}}},
			{Node: testNodes[2], Replies: []cluster.Reply{okReply(uuid3, map[string]any{"status": 204})}},
		}, nil
	}
	code, out, errOut := run(t, f, ProgMain, "--config", cfg, "webhook-test", "-t", "tok", "http://127.0.0.1:9/hook")
	if code != int(ExitPartial) {
		t.Fatalf("exit %d, want 4; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{`localhost +UP +OK \(HTTP 200\)\n`, `node2 +UP +NOT OK: webhook test http://127.0.0.1:9/hook: HTTP 500\n`, `node3 +UP +OK \(HTTP 204\)\n`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run(t, f, ProgLegacyAPI, "--config", cfg, "webhook-test", "-t", "tok", "http://127.0.0.1:9/hook", "--json")
	if code != int(ExitPartial) || !strings.Contains(out, `"webhook_status": "OK"`) {
		t.Errorf("legacy exit %d:\n%s", code, out)
	}
}

func TestSyncBumpsAndForces(t *testing.T) {
	f, cfg := clusterEnv(t)
	cl := config.DefaultCluster()
	cl.Generation = 2
	if err := config.WriteCluster(config.ClusterPath(f.workdir), cl); err != nil {
		t.Fatal(err)
	}
	f.versions = func() []cluster.NodeVersion {
		return []cluster.NodeVersion{
			{Node: testNodes[0], Version: f.ownVersion(), Exists: true},
			{Node: testNodes[1], Version: cluster.Version{Generation: 7, Origin: uuid2, Digest: "x"}, Exists: true},
			{Node: testNodes[2], Err: cluster.ErrNodeDown},
		}
	}
	f.exec = func(action string, args []string) ([]cluster.Result, error) {
		var rs []cluster.Result
		for _, n := range testNodes {
			rs = append(rs, cluster.Result{Node: n, Replies: []cluster.Reply{okReply(n.UUID, map[string]any{"reloaded": true})}})
		}
		return rs, nil
	}
	code, out, errOut := run(t, f, ProgLegacyAPI, "--config", cfg, "sync", "--json")
	if code != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if len(f.pushed) != 1 || f.pushed[0].Generation != 8 || f.pushed[0].Origin != uuid1 {
		t.Errorf("pushed %+v, want generation 8 from this node", f.pushed)
	}
	if !strings.Contains(strings.Join(f.calls, ";"), "push 8 force=true") {
		t.Errorf("calls %q: no forced push", f.calls)
	}
	var legacy struct {
		Output []map[string]string `json:"output"`
	}
	if err := json.Unmarshal([]byte(out), &legacy); err != nil || len(legacy.Output) != 3 || legacy.Output[1]["sync_status"] != "OK" {
		t.Errorf("sync --json: %v\n%s", err, out)
	}
}

func TestNodeTableAlignment(t *testing.T) {
	var b bytes.Buffer
	rows := []nodeResult{
		{Node: "localhost", Up: true, OK: true},
		{Node: "a-much-longer-name", Up: false, Error: "Node is not connected"},
	}
	if err := writeNodeTable(&b, "reload", rows, nil, nil); err != nil {
		t.Fatal(err)
	}
	want := "NODE                NODE STATUS                  RELOAD STATUS\n" +
		"localhost                    UP                             OK\n" +
		"a-much-longer-name         DOWN  NOT OK: Node is not connected\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestResultsCode(t *testing.T) {
	ok, bad := nodeResult{OK: true}, nodeResult{}
	for _, tc := range []struct {
		rows []nodeResult
		want ExitCode
	}{
		{[]nodeResult{ok, ok}, ExitOK},
		{[]nodeResult{ok, bad}, ExitPartial},
		{[]nodeResult{bad, bad}, ExitAllNodesFailed},
		{nil, ExitAllNodesFailed},
	} {
		if got := resultsCode(tc.rows); got != tc.want {
			t.Errorf("resultsCode(%v) = %d, want %d", tc.rows, got, tc.want)
		}
	}
}

// A node that belongs to a cluster (glusterd has its peers on record) but
// whose glusterd does not answer makes no change alone: it would fork its
// config from the others'. A node without peers makes it, with the note.
func TestChangeWithGlusterdDown(t *testing.T) {
	f, cfg := clusterEnv(t)
	f.openErr = &cluster.NoClusterError{Reason: "glusterd is not running"}
	code, _, errOut := run(t, f, ProgMain, "--config", cfg, "config-set", "log-level", "DEBUG")
	if code != 0 || !strings.Contains(errOut, "note: no Gluster cluster here (glusterd is not running): this node only") {
		t.Fatalf("without peers: exit %d, want 0 and the note:\n%s", code, errOut)
	}
	if err := os.MkdirAll(filepath.Join(f.workdir, "peers"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.workdir, "peers", uuid2), []byte("uuid="+uuid2+"\nstate=3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(config.ClusterPath(f.workdir))
	for _, tc := range []struct {
		args []string
		code ExitCode
	}{
		{[]string{"config-set", "log-level", "ERROR"}, ExitConfigSyncFailed},
		{[]string{"webhook-add", "--format", "legacy", "http://127.0.0.1:9/hook"}, ExitWebhookSyncFailed},
		{[]string{"sync"}, ExitConfigSyncFailed},
	} {
		code, _, errOut := run(t, f, ProgMain, append([]string{"--config", cfg}, tc.args...)...)
		if code != int(tc.code) || !strings.Contains(errOut, "belongs to a Gluster cluster") {
			t.Errorf("%v with peers on record: exit %d, want %d:\n%s", tc.args, code, tc.code, errOut)
		}
	}
	if after, _ := os.ReadFile(config.ClusterPath(f.workdir)); string(after) != string(before) {
		t.Errorf("the config changed:\n%s", after)
	}
}

// webhook-list and config-get show this node's copy and say when the
// nodes' copies differ.
func TestListsFlagDivergence(t *testing.T) {
	f, cfg := clusterEnv(t)
	same := true
	f.versions = func() []cluster.NodeVersion {
		own := f.ownVersion()
		other := own
		if !same {
			other = cluster.Version{Generation: own.Generation + 1, Origin: uuid3, Digest: "ff"}
		}
		return []cluster.NodeVersion{
			{Node: testNodes[0], Version: own, Exists: true},
			{Node: testNodes[1], Version: own, Exists: true},
			{Node: testNodes[2], Version: other, Exists: true},
		}
	}
	for _, args := range [][]string{{"webhook-list"}, {"config-get"}} {
		same = true
		code, _, errOut := run(t, f, ProgMain, append([]string{"--config", cfg}, args...)...)
		if code != 0 || strings.Contains(errOut, "differ") {
			t.Errorf("%v, every node the same: exit %d\n%s", args, code, errOut)
		}
		same = false
		code, _, errOut = run(t, f, ProgMain, append([]string{"--config", cfg}, args...)...)
		if code != 0 || !strings.Contains(errOut, "the nodes' configs differ: node3 has the newest") ||
			!strings.Contains(errOut, "localhost holds generation 0, node2 holds generation 0") {
			t.Errorf("%v, node3 newer: exit %d\n%s", args, code, errOut)
		}
	}
}
