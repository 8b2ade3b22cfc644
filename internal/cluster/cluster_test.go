package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/gluster"
)

// fakeGluster stands in for the gluster CLI in tests of the error paths.
type fakeGluster struct {
	peers   []gluster.Peer
	poolErr error
	// execute answers system:: execute; calls counts them.
	execute func(call int, args []string) ([]byte, error)
	calls   int
	copy    func() error
}

func (f *fakeGluster) PoolList(context.Context) ([]gluster.Peer, error) { return f.peers, f.poolErr }

func (f *fakeGluster) Execute(_ context.Context, name string, args ...string) ([]byte, error) {
	f.calls++
	if name != PeerProgram {
		return nil, fmt.Errorf("execute %s", name)
	}
	return f.execute(f.calls, args)
}

func (f *fakeGluster) CopyFile(context.Context, string) error {
	if f.copy == nil {
		return nil
	}
	return f.copy()
}

const (
	uuid1 = "11111111-1111-4111-8111-111111111111"
	uuid2 = "22222222-2222-4222-8222-222222222222"
	uuid3 = "33333333-3333-4333-8333-333333333333"
)

func threePeers() []gluster.Peer {
	return []gluster.Peer{
		{UUID: uuid2, Hostname: "10.0.0.2", Connected: true},
		{UUID: uuid2, Hostname: "node2", Connected: true},
		{UUID: uuid3, Hostname: "10.0.0.3", Connected: true},
		{UUID: uuid1, Hostname: "localhost", Connected: true},
	}
}

func replyLine(id string, ok bool, out any) string {
	b, _ := json.Marshal(out)
	r, _ := json.Marshal(Reply{OK: ok, NodeID: id, Output: b})
	return string(r)
}

func runErr(out string) error {
	return &gluster.RunError{Args: []string{"system::", "execute"}, Output: out, Err: errors.New("exit status 1")}
}

func TestNodesSelfFirstOnePerUUID(t *testing.T) {
	c := &Channel{cli: &fakeGluster{peers: threePeers()}}
	nodes, err := c.Nodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	seen := map[Node]bool{} // a Node is comparable: callers may key maps by it
	for _, n := range nodes {
		seen[n] = true
		got = append(got, fmt.Sprintf("%s %s %v %v", n.UUID[:1], n.Hostname, n.Connected, n.Self))
	}
	want := "1 localhost true true|2 10.0.0.2 true false|3 10.0.0.3 true false"
	if s := strings.Join(got, "|"); s != want {
		t.Errorf("nodes = %s, want %s", s, want)
	}
}

func TestNoCluster(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      *fakeGluster
		reason string
	}{
		{"not installed", &fakeGluster{poolErr: &gluster.RunError{Err: exec.ErrNotFound}}, "gluster is not installed"},
		{"glusterd down", &fakeGluster{poolErr: runErr("Connection failed. Please check if gluster daemon is operational.")}, "glusterd is not running"},
		{"no peers", &fakeGluster{peers: []gluster.Peer{{UUID: uuid1, Hostname: "localhost", Connected: true}}}, "this node has no peers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Channel{cli: tc.f}
			res, err := c.Execute(context.Background(), ActionStatus)
			var nc *NoClusterError
			if !errors.Is(err, ErrNoCluster) || !errors.As(err, &nc) || nc.Reason != tc.reason || res != nil {
				t.Fatalf("Execute = %v, %v; want ErrNoCluster (%s) and no results", res, err, tc.reason)
			}
		})
	}
	// Any other pool list failure is no "no cluster": the caller must not
	// go on as if alone.
	c := &Channel{cli: &fakeGluster{poolErr: runErr("something else")}}
	if _, err := c.Nodes(context.Background()); err == nil || errors.Is(err, ErrNoCluster) {
		t.Fatalf("Nodes = %v, want an error that is not ErrNoCluster", err)
	}
}

func TestExecuteMatchesRepliesAndReportsMissing(t *testing.T) {
	f := &fakeGluster{peers: threePeers(), execute: func(_ int, args []string) ([]byte, error) {
		if strings.Join(args, " ") != "node-status x" {
			return nil, fmt.Errorf("args %q", args)
		}
		// node3 is silent: its glusterd left the transaction.
		return []byte(replyLine(uuid1, true, "UP") + "\n" + replyLine(uuid2, false, nil) + "\n\n"), nil
	}}
	f.peers = append(f.peers, gluster.Peer{UUID: "44444444-4444-4444-8444-444444444444", Hostname: "10.0.0.4"})
	res, err := (&Channel{cli: f}).Execute(context.Background(), ActionStatus, "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 {
		t.Fatalf("%d results, want 4", len(res))
	}
	if res[0].Err != nil || len(res[0].Replies) != 1 || string(res[0].Replies[0].Output) != `"UP"` {
		t.Errorf("node1: %+v", res[0])
	}
	if res[1].Err != nil || len(res[1].Replies) != 1 || res[1].Problem() == nil {
		t.Errorf("node2 (not ok): %+v, problem %v", res[1], res[1].Problem())
	}
	for _, i := range []int{2, 3} {
		if !errors.Is(res[i].Err, ErrNodeDown) {
			t.Errorf("node %s: Err = %v, want ErrNodeDown", res[i].Node.Hostname, res[i].Err)
		}
	}
}

func TestExecuteStrayLine(t *testing.T) {
	f := &fakeGluster{peers: threePeers(), execute: func(int, []string) ([]byte, error) {
		return []byte(replyLine(uuid1, true, nil) + "\nTraceback (most recent call last):\n" +
			replyLine(uuid2, true, nil) + "\n" + replyLine(uuid3, true, nil) + "\n" +
			replyLine("99999999-9999-4999-8999-999999999999", true, nil) + "\n"), nil
	}}
	res, err := (&Channel{cli: f}).Execute(context.Background(), ActionStatus)
	var se *StrayOutputError
	if !errors.As(err, &se) || len(se.Lines) != 2 || !strings.HasPrefix(se.Lines[0], "Traceback") {
		t.Fatalf("err = %v, want a StrayOutputError with the two lines that are no node's reply", err)
	}
	for _, r := range res {
		if r.Problem() != nil {
			t.Errorf("node %s: %v; a stray line belongs to no node", r.Node.Hostname, r.Problem())
		}
	}
}

func TestExecuteCommitFailedNamesTheNode(t *testing.T) {
	f := &fakeGluster{peers: threePeers(), execute: func(int, []string) ([]byte, error) {
		return nil, runErr("Commit failed on node2. Error: Unable to end. Error : Success")
	}}
	res, err := (&Channel{cli: f}).Execute(context.Background(), ActionStatus)
	var ee *ExecError
	if !errors.As(err, &ee) || ee.FailedOn != "node2" || !strings.Contains(err.Error(), "node2") {
		t.Fatalf("err = %v, want an ExecError naming node2", err)
	}
	if !errors.As(res[1].Err, &ee) {
		t.Errorf("node2's Err = %v, want the ExecError", res[1].Err)
	}
	for _, i := range []int{0, 2} {
		if res[i].Err == nil || !strings.Contains(res[i].Err.Error(), "failed on node2") {
			t.Errorf("%s: Err = %v, want 'the transaction failed on node2'", res[i].Node.Hostname, res[i].Err)
		}
	}
}

func TestExecuteRetriesWhileLocked(t *testing.T) {
	f := &fakeGluster{peers: threePeers(), execute: func(call int, _ []string) ([]byte, error) {
		switch call {
		case 1:
			return nil, runErr("Another transaction is in progress. Please try again after some time.")
		case 2:
			return nil, runErr("Locking failed on 10.0.0.3. Please check log file for details.")
		}
		return []byte(replyLine(uuid1, true, nil) + "\n" + replyLine(uuid2, true, nil) + "\n" + replyLine(uuid3, true, nil) + "\n"), nil
	}}
	res, err := (&Channel{cli: f}).Execute(context.Background(), ActionStatus)
	if err != nil || f.calls != 3 {
		t.Fatalf("err = %v after %d calls, want success on the third", err, f.calls)
	}
	for _, r := range res {
		if r.Problem() != nil {
			t.Errorf("%s: %v", r.Node.Hostname, r.Problem())
		}
	}
	// Bounded: a lock that never frees gives up after the Timeout.
	f = &fakeGluster{peers: threePeers(), execute: func(int, []string) ([]byte, error) {
		return nil, runErr("Another transaction is in progress. Please try again after some time.")
	}}
	start := time.Now()
	_, err = (&Channel{cli: f, Timeout: 500 * time.Millisecond}).Execute(context.Background(), ActionStatus)
	if err == nil || !strings.Contains(err.Error(), "Another transaction") || f.calls < 2 {
		t.Fatalf("err = %v after %d calls, want the lock error after retries", err, f.calls)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %s, want about the 500ms timeout", d)
	}
}

func TestNewer(t *testing.T) {
	const a, b = "aaaa", "bbbb" // origins, a < b
	v := func(gen int64, origin, digest string) Version { return Version{gen, origin, digest} }
	for _, tc := range []struct {
		x, y Version
		want bool // x.Newer(y)
	}{
		{v(2, b, "d2"), v(1, a, "d1"), true},     // higher generation wins
		{v(1, a, "d1"), v(2, b, "d2"), false},    // ... whatever the origin
		{v(3, "", "d1"), v(2, a, "d2"), true},    // "" origin and higher generation
		{v(2, a, "d1"), v(2, b, "d2"), true},     // equal generation: lower origin wins
		{v(2, b, "d2"), v(2, a, "d1"), false},    //
		{v(2, "", "d9"), v(2, a, "d1"), true},    // "" is the lowest origin
		{v(2, a, "d1"), v(2, "", "d9"), false},   //
		{v(2, a, "d1"), v(2, a, "d2"), true},     // equal origin: lower digest
		{v(2, a, "d2"), v(2, a, "d1"), false},    //
		{v(2, a, "d1"), v(2, a, "d1"), false},    // the same config
		{v(2, a, "d1"), v(2, b, "d1"), false},    // same generation and digest: the same, whatever origin
		{v(0, "", "d1"), v(0, "", "d2"), true},   // defaults on two nodes
		{v(-1, "", "d1"), v(0, "", "d1"), false}, //
	} {
		if got := tc.x.Newer(tc.y); got != tc.want {
			t.Errorf("%+v.Newer(%+v) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
		// A strict order: never both newer.
		if tc.x.Newer(tc.y) && tc.y.Newer(tc.x) {
			t.Errorf("%+v and %+v are both newer than the other", tc.x, tc.y)
		}
		if !tc.x.Same(tc.y) && !tc.x.Newer(tc.y) && !tc.y.Newer(tc.x) {
			t.Errorf("%+v and %+v differ but neither is newer", tc.x, tc.y)
		}
	}
}

// bigConfig is a valid cluster config of many webhooks, far over one
// glusterd line.
func bigConfig(t *testing.T, n int) *config.Cluster {
	t.Helper()
	c := config.DefaultCluster()
	c.Generation, c.Origin = 7, uuid2
	for i := range n {
		w := config.DefaultWebhook()
		w.ID = fmt.Sprintf("wh%03d", i)
		w.URL = fmt.Sprintf("https://receiver-%d.example.com/gluster/events?tenant=%d", i, i)
		w.Token = strings.Repeat("t", 40)
		w.Events = []string{"VOLUME_*", "PEER_*"}
		c.Webhooks = append(c.Webhooks, w)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChunksRoundTrip(t *testing.T) {
	c := bigConfig(t, 60)
	content := c.Encode()
	if len(content) < 3*4096 {
		t.Fatalf("config is only %d bytes; the test needs several lines' worth", len(content))
	}
	v := VersionOf(c)
	chunks := Chunks(v, true, content)
	if len(chunks) < 3 {
		t.Fatalf("%d chunks", len(chunks))
	}
	// Each chunk, as the reply line the peer prints, fits glusterd's line.
	var lines []ConfigInfo
	for _, ch := range chunks {
		out, _ := json.Marshal(ch)
		line, _ := json.Marshal(Reply{OK: true, NodeID: uuid2, Output: out})
		if len(line)+1 >= MaxLine {
			t.Errorf("chunk %d/%d is a %d-byte line", ch.Part, ch.Parts, len(line)+1)
		}
		var back Reply
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatal(err)
		}
		var info ConfigInfo
		if err := decodeOutput(back, &info); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, info)
	}
	// Out of order is fine.
	lines[0], lines[len(lines)-1] = lines[len(lines)-1], lines[0]
	got, gv, err := Reassemble(lines)
	if err != nil || string(got) != string(content) || gv != v {
		t.Fatalf("Reassemble: %v (equal %v, version %+v)", err, string(got) == string(content), gv)
	}
	// A missing part, a part of another version, a corrupted part: errors.
	if _, _, err := Reassemble(lines[1:]); err == nil {
		t.Error("a missing chunk was not noticed")
	}
	bad := append([]ConfigInfo(nil), lines...)
	bad[1].Data = append([]byte("x"), bad[1].Data[1:]...)
	if _, _, err := Reassemble(bad); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Errorf("a corrupted chunk: %v, want a digest error", err)
	}
	bad = append([]ConfigInfo(nil), lines...)
	bad[2].Generation++
	if _, _, err := Reassemble(bad); err == nil {
		t.Error("chunks of two versions were joined")
	}
	// An empty config is one chunk.
	if ch := Chunks(Version{Digest: DigestOf(nil)}, false, nil); len(ch) != 1 {
		t.Errorf("%d chunks for nothing", len(ch))
	} else if _, _, err := Reassemble(ch); err != nil {
		t.Error(err)
	}
}

func TestFetchThroughExecute(t *testing.T) {
	c := bigConfig(t, 30)
	content, v := c.Encode(), VersionOf(c)
	f := &fakeGluster{peers: threePeers(), execute: func(_ int, args []string) ([]byte, error) {
		if strings.Join(args, " ") != "node-config content "+uuid2 {
			return nil, fmt.Errorf("args %q", args)
		}
		var b strings.Builder
		b.WriteString(replyLine(uuid1, true, ConfigInfo{Version: Version{Generation: 3}, Exists: true}) + "\n")
		for _, ch := range Chunks(v, true, content) {
			b.WriteString(replyLine(uuid2, true, ch) + "\n")
		}
		b.WriteString(replyLine(uuid3, true, ConfigInfo{Version: Version{Generation: 5}, Exists: true}) + "\n")
		return []byte(b.String()), nil
	}}
	got, gv, err := (&Channel{cli: f}).Fetch(context.Background(), uuid2)
	if err != nil || string(got) != string(content) || gv != v {
		t.Fatalf("Fetch: %v", err)
	}
	if _, _, err := (&Channel{cli: f}).Fetch(context.Background(), "nobody"); err == nil {
		t.Error("Fetch of a node not in pool list")
	}
}

// Push's error paths: content that is not v touches nothing; a failed copy
// still runs the install (nodes that got the copy install it) and the
// nodes that fail say the copy failed; a refusal for a newer config is a
// NewerError.
func TestPushErrorPaths(t *testing.T) {
	c := bigConfig(t, 2)
	content, v := c.Encode(), VersionOf(c)
	newer := Version{Generation: 9, Origin: uuid3, Digest: "ee"}
	var ran []string
	f := &fakeGluster{peers: threePeers(),
		copy: func() error {
			return runErr("Commit failed on 10.0.0.2. Error: Unable to open /var/lib/glusterd//events/x")
		},
		execute: func(_ int, args []string) ([]byte, error) {
			ran = append(ran, args[0])
			switch args[0] {
			case ActionPrepare:
				return []byte(replyLine(uuid1, true, nil) + "\n" + replyLine(uuid2, true, nil) + "\n" + replyLine(uuid3, true, nil) + "\n"), nil
			case ActionInstallConfig:
				if strings.Join(args[1:], " ") != fmt.Sprintf("%d %s %s over=3,-,bb", v.Generation, v.Origin, v.Digest) {
					return nil, fmt.Errorf("args %q", args)
				}
				refused, _ := json.Marshal(Reply{NodeID: uuid3, Error: "newer",
					Output: mustJSON(InstallResult{Version: v, Previous: newer, PreviousExists: true, Refused: true})})
				digest, _ := json.Marshal(Reply{NodeID: uuid2, Error: "the staged copy is not the config offered (digest ...)"})
				return []byte(replyLine(uuid1, true, InstallResult{Installed: true, Version: v}) + "\n" + string(digest) + "\n" + string(refused) + "\n"), nil
			}
			return nil, fmt.Errorf("unexpected %q", args)
		}}
	ch := &Channel{cli: f, Workdir: t.TempDir()}
	if _, err := ch.Push(context.Background(), content[1:], v, false); err == nil || len(ran) > 0 {
		t.Fatalf("content that is not v: %v, ran %v", err, ran)
	}
	res, err := ch.PushOver(context.Background(), content, v, Version{Generation: 3, Digest: "bb"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ran, " ") != "node-prepare node-install-config" {
		t.Errorf("ran %v", ran)
	}
	if res[0].Err != nil {
		t.Errorf("node1: %v", res[0].Err)
	}
	if res[1].Err == nil || !strings.Contains(res[1].Err.Error(), "copy file failed on 10.0.0.2") {
		t.Errorf("node2: %v, want the copy failure named", res[1].Err)
	}
	var ne *NewerError
	if !errors.As(res[2].Err, &ne) || ne.Have != newer {
		t.Errorf("node3: %v, want a NewerError naming generation 9", res[2].Err)
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
