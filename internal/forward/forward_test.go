package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// testNode is one in-process node: a journal, a replica store, a Server
// on 127.0.0.<i>:port and a Forwarder pulling from the other nodes.
type testNode struct {
	t      *testing.T
	i      int
	uuid   string
	ip     string
	dir    string
	j      *journal.Journal
	store  *Store
	src    *Source
	srv    *Server
	fwd    *Forwarder
	keys   *Keys
	keysMu sync.Mutex

	http   *http.Server
	cancel context.CancelFunc
	done   chan struct{}
}

type testCluster struct {
	t     *testing.T
	port  string
	nodes []*testNode
}

func nodeUUID(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012d", 0x10000000*i, i) }

// freePort finds a port free on 127.0.0.1-3.
func freePort(t *testing.T, n int) string {
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		ok := true
		for i := 1; i <= n; i++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0."+strconv.Itoa(i), port))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return port
		}
	}
	t.Fatal("no port free on 127.0.0.1-3")
	return ""
}

func newTestCluster(t *testing.T, n int, key string) *testCluster {
	c := &testCluster{t: t, port: freePort(t, n)}
	for i := 1; i <= n; i++ {
		nd := &testNode{t: t, i: i, uuid: nodeUUID(i), ip: "127.0.0." + strconv.Itoa(i), dir: t.TempDir(),
			keys: NewKeys(config.PeerKeys{Key: key})}
		j, err := journal.Open(filepath.Join(nd.dir, "journal.db"), journal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		nd.j = j
		t.Cleanup(func() { j.Close() })
		c.nodes = append(c.nodes, nd)
	}
	for _, nd := range c.nodes {
		nd.start(c)
	}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			nd.stop()
		}
	})
	return c
}

func (nd *testNode) Keys() *Keys {
	nd.keysMu.Lock()
	defer nd.keysMu.Unlock()
	return nd.keys
}

func (nd *testNode) setKeys(k *Keys) {
	nd.keysMu.Lock()
	defer nd.keysMu.Unlock()
	nd.keys = k
}

// start opens the store and serves and pulls.
func (nd *testNode) start(c *testCluster) {
	t := nd.t
	store, err := OpenStore(filepath.Join(nd.dir, "replicas.db"), StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nd.store = store
	nd.src = NewSource(nd.j, nd.uuid, store)
	nd.srv = NewServer(nd.src, nd.Keys, nil)
	ln, err := net.Listen("tcp", net.JoinHostPort(nd.ip, c.port))
	if err != nil {
		t.Fatal(err)
	}
	nd.http = &http.Server{Handler: nd.srv}
	go nd.http.Serve(ln)
	nd.fwd = NewForwarder(Options{Node: nd.uuid, Source: nd.src, Store: store, Keys: nd.Keys, Port: c.port, Wait: 2 * time.Second, MaxBackoff: 300 * time.Millisecond,
		Peers: func(context.Context) []Peer {
			var out []Peer
			for _, o := range c.nodes {
				if o != nd {
					out = append(out, Peer{UUID: o.uuid, Addrs: []string{o.ip}})
				}
			}
			return out
		}})
	ctx, cancel := context.WithCancel(context.Background())
	nd.cancel, nd.done = cancel, make(chan struct{})
	go func() {
		defer close(nd.done)
		nd.fwd.Run(ctx)
	}()
}

// stop stops serving and pulling (the journal stays open: events can still
// be journaled, as by a node whose network is down).
func (nd *testNode) stop() {
	if nd.cancel == nil {
		return
	}
	nd.cancel()
	<-nd.done
	nd.http.Close()
	nd.store.Close()
	nd.cancel = nil
}

// emit journals n events on nd, named by tag.
func (nd *testNode) emit(n int, tag string) {
	nd.t.Helper()
	for i := range n {
		r := evrec.Record{Received: time.Now(), Source: nd.ip,
			Event: gfevent.Event{Time: time.Now().Unix(), Type: gfevent.VolumeSet,
				Fields: []gfevent.Field{{Key: "name", Value: tag}, {Key: "i", Value: strconv.Itoa(i)}}}}
		b, err := r.Marshal()
		if err != nil {
			nd.t.Fatal(err)
		}
		if _, err := nd.j.Append(context.Background(), b); err != nil {
			nd.t.Fatal(err)
		}
	}
}

// readAll reads every event of every origin of src after cursor c, and
// checks each origin's seqs are consecutive.
func readAll(t *testing.T, src eventlog.Source, c eventlog.Cursor) (map[string][]eventlog.Event, eventlog.Cursor) {
	t.Helper()
	c = c.Clone()
	out := map[string][]eventlog.Event{}
	for _, o := range src.Origins() {
		_, after, _ := c.Get(o.Node)
		for {
			evs, err := src.Read(o.Node, after, 100)
			if err != nil {
				t.Fatalf("Read %s after %d: %v", o.Node, after, err)
			}
			if len(evs) == 0 {
				break
			}
			for _, e := range evs {
				if e.Seq != after+1 {
					t.Fatalf("origin %s: seq %d after %d: a gap or a duplicate", o.Node, e.Seq, after)
				}
				after = e.Seq
				out[o.Node] = append(out[o.Node], e)
				c.Set(o.Node, e.Epoch, e.Seq)
			}
		}
	}
	return out, c
}

// waitAll waits until every node's Source holds want[i] events of node i
// (after cursor from, if set).
func (c *testCluster) waitAll(want map[int]int, nodes ...*testNode) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		bad := ""
		for _, nd := range nodes {
			got, _ := readAll(c.t, nd.src, eventlog.Cursor{})
			for i, n := range want {
				if len(got[nodeUUID(i)]) != n {
					bad += fmt.Sprintf("node%d holds %d events of node%d, want %d; ", nd.i, len(got[nodeUUID(i)]), i, n)
				}
			}
		}
		if bad == "" {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out: %s", bad)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestForwardCluster(t *testing.T) {
	key := config.NewPeerKey()
	c := newTestCluster(t, 3, key)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]

	// Every node sees every node's events, each once, in order.
	n1.emit(5, "a")
	n2.emit(3, "b")
	n3.emit(4, "c")
	c.waitAll(map[int]int{1: 5, 2: 3, 3: 4}, n1, n2, n3)
	got, _ := readAll(t, n2.src, eventlog.Cursor{})
	for i, e := range got[n1.uuid] {
		if v, _ := e.Rec.Event.Get("i"); v != strconv.Itoa(i) || e.Epoch != n1.j.Epoch() {
			t.Fatalf("node2's copy of node1's event %d: %+v (epoch %s)", i, e.Rec.Event, e.Epoch)
		}
	}
	if o := n2.src.Origins(); len(o) != 3 || o[0].Node != n2.uuid || o[1].Node != n1.uuid || o[2].Node != n3.uuid {
		t.Fatalf("node2's origins %+v: want itself first, then by node", o)
	}

	// A cursor taken on node 1 resumes on node 2: no gap, no duplicate.
	_, cur := readAll(t, n1.src, eventlog.Cursor{})
	tok := cur.String()
	n1.emit(2, "a2")
	n3.emit(1, "c2")
	c.waitAll(map[int]int{1: 7, 2: 3, 3: 5}, n2)
	resumed, err := eventlog.ParseCursor(tok)
	if err != nil {
		t.Fatal(err)
	}
	if resumed, err = eventlog.Check(n2.src, resumed); err != nil {
		t.Fatal(err)
	}
	rest, _ := readAll(t, n2.src, resumed)
	if len(rest[n1.uuid]) != 2 || rest[n1.uuid][0].Seq != 6 || len(rest[n3.uuid]) != 1 || rest[n3.uuid][0].Seq != 5 || len(rest[n2.uuid]) != 0 {
		t.Fatalf("resumed on node2 from node1's cursor %s: %d/%d/%d events", tok, len(rest[n1.uuid]), len(rest[n2.uuid]), len(rest[n3.uuid]))
	}

	// Node 2 is unreachable while node 1 and node 3 go on; then node 1
	// goes away too, and node 2 returns: it gets node 1's events from
	// node 3, and node 3's from node 3, with no gap and no duplicate.
	n2.stop()
	n1.emit(10, "while node2 away")
	n3.emit(6, "while node2 away")
	c.waitAll(map[int]int{1: 17, 3: 11}, n3)
	n1.stop()
	n1.emit(1, "while node1 away") // nobody can have it yet
	n2.start(c)
	c.waitAll(map[int]int{1: 17, 2: 3, 3: 11}, n2)
	st := n2.fwd.Status()
	for _, p := range st {
		if p.Node == n1.uuid && p.Connected {
			t.Errorf("status: node1 connected while it is down: %+v", p)
		}
		if p.Node == n3.uuid && !p.Connected {
			t.Errorf("status: node3 not connected: %+v", p)
		}
	}
	// Node 1 returns: node 2 and node 3 get its last event.
	n1.start(c)
	c.waitAll(map[int]int{1: 18, 2: 3, 3: 11}, n2, n3)
	waitFor(t, "node2's status to show node1 connected with no lag", func() bool {
		for _, p := range n2.fwd.Status() {
			if p.Node == n1.uuid {
				return p.Connected && len(p.Origins) > 0 && p.Origins[0].Lag == 0
			}
		}
		return false
	})

	// Changed fires for a forwarded event.
	ch := n3.src.Changed()
	n2.emit(1, "wake")
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("node3's Changed did not fire for node2's event")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, 20*time.Second, what, cond)
}

// A peer whose journal is replaced (a new epoch) starts anew in every
// replica, and a cursor naming the old epoch is gone.
func TestForwardNewEpoch(t *testing.T) {
	c := newTestCluster(t, 2, config.NewPeerKey())
	n1, n2 := c.nodes[0], c.nodes[1]
	n1.emit(4, "old")
	c.waitAll(map[int]int{1: 4}, n2)
	_, old := readAll(t, n2.src, eventlog.Cursor{})

	n1.stop()
	n1.j.Close()
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	n1.j = j
	n1.start(c)
	n1.emit(2, "new")
	c.waitAll(map[int]int{1: 2}, n2)
	// Reads see a Put's records as soon as it commits, Origin a moment
	// later (when Put updates its summary): wait for it, bounded.
	var o OriginInfo
	waitFor(t, "node2's replica of node1 to show the new epoch", func() bool {
		o, _ = n2.store.Origin(n1.uuid)
		return o.Epoch == j.Epoch()
	})
	if o.First != 1 || o.Last != 2 {
		t.Fatalf("node2's replica of node1: %+v, want the new epoch %s, 1-2", o, j.Epoch())
	}
	if _, err := eventlog.Check(n2.src, old); !eventlog.IsGone(err) {
		t.Fatalf("Check of a cursor of node1's old journal = %v, want gone", err)
	}
}

// A request signed with another key is refused (401) and counted on both
// sides; a replayed request is refused; a response that was tampered with
// is refused by the client.
func TestForwardAuth(t *testing.T) {
	key := config.NewPeerKey()
	c := newTestCluster(t, 2, key)
	n1, n2 := c.nodes[0], c.nodes[1]
	n1.emit(1, "x")
	c.waitAll(map[int]int{1: 1}, n2)
	c.waitAll(map[int]int{}, n1) // and node 1 holds nothing of node 2's yet

	// Another key on node 2: node 1 refuses its pulls.
	other := NewKeys(config.PeerKeys{Key: config.NewPeerKey()})
	n2.setKeys(other)
	waitFor(t, "node1 to refuse node2's pulls", func() bool { return n1.srv.Stats().Refused > 0 })
	waitFor(t, "node2 to count the refusals", func() bool {
		for _, p := range n2.fwd.Status() {
			if p.Node == n1.uuid {
				return !p.Connected && p.AuthFailures > 0
			}
		}
		return false
	})
	n1.emit(1, "not for node2")
	after := n1.srv.Stats().Refused
	waitFor(t, "a pull refused after the event", func() bool { return n1.srv.Stats().Refused > after })
	if o, _ := n2.store.Origin(n1.uuid); o.Last != 1 {
		t.Fatalf("node2 got events with the wrong key: %+v", o)
	}

	// A rotation: node 1 has the new key and still accepts the old one.
	// Node 1 signs with the new key, which node 2 does not have: node 1
	// falls back to the previous one.
	rotated := config.PeerKeys{Key: config.NewPeerKey(), PreviousKey: key}
	n1.setKeys(NewKeys(rotated))
	n2.setKeys(NewKeys(config.PeerKeys{Key: key}))
	n2.emit(1, "during the rotation")
	c.waitAll(map[int]int{1: 2, 2: 1}, n1, n2)
	// Node 2 installs the rotated config too: both sign with the new key.
	n2.setKeys(NewKeys(rotated))
	n2.emit(1, "after the rotation")
	n1.emit(1, "after the rotation")
	c.waitAll(map[int]int{1: 3, 2: 2}, n1, n2)
	// The previous key dropped on node 2 (the next rotation): node 1,
	// which signed with it last, goes back to the current one.
	n2.setKeys(NewKeys(config.PeerKeys{Key: rotated.Key}))
	n2.emit(1, "after the next rotation")
	c.waitAll(map[int]int{1: 3, 2: 3}, n1, n2)

	// A direct request with a wrong key: 401.
	keys := n2.Keys()
	body, _ := json.Marshal(PullRequest{Node: n2.uuid, Want: []Want{{Origin: n1.uuid}}})
	send := func(k *Keys, mutate func(*http.Request)) (*http.Response, []byte, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+net.JoinHostPort(n1.ip, c.port)+PullPath, bytes.NewReader(body))
		sig := k.signRequest(req, n2.uuid, body, time.Now())
		if mutate != nil {
			mutate(req)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b, sig
	}
	refused := n1.srv.Stats().Refused
	if resp, b, _ := send(other, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong key: HTTP %d %s, want 401", resp.StatusCode, b)
	}
	if n1.srv.Stats().Refused != refused+1 {
		t.Fatalf("the refusal was not counted: %+v", n1.srv.Stats())
	}
	// Replay: the same headers twice.
	var saved http.Header
	if resp, _, _ := send(keys, func(r *http.Request) { saved = r.Header.Clone() }); resp.StatusCode != http.StatusOK {
		t.Fatalf("good request: HTTP %d", resp.StatusCode)
	}
	if resp, b, _ := send(keys, func(r *http.Request) { r.Header = saved }); resp.StatusCode != http.StatusUnauthorized || !bytes.Contains(b, []byte("replayed")) {
		t.Fatalf("replayed request: HTTP %d %s, want 401 replayed", resp.StatusCode, b)
	}
	// A request that is too old.
	if resp, b, _ := send(keys, func(r *http.Request) {}); resp.StatusCode != http.StatusOK {
		t.Fatalf("good request: HTTP %d %s", resp.StatusCode, b)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+net.JoinHostPort(n1.ip, c.port)+PullPath, bytes.NewReader(body))
	keys.signRequest(req, n2.uuid, body, time.Now().Add(-10*time.Minute))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old request: %v %v, want 401", resp, err)
	}

	// A good response, tampered with: the client refuses it.
	resp, b, sig := send(keys, nil)
	if err := verifyResponse(keys, sig, resp, b); err != nil {
		t.Fatalf("the untampered response does not verify: %v", err)
	}
	tampered := bytes.Replace(b, []byte(`"node"`), []byte(`"nodE"`), 1)
	if err := verifyResponse(keys, sig, resp, tampered); err == nil {
		t.Fatal("a tampered response verified")
	}
	if err := verifyResponse(keys, "another request's signature", resp, b); err == nil {
		t.Fatal("a response to another request verified")
	}
}

// Events an origin's journal dropped before a peer fetched them are a gap
// that the peer accepts from the origin itself, counted as lost; the
// replica goes on from the oldest event the origin still has.
func TestForwardGapFromOrigin(t *testing.T) {
	c := newTestCluster(t, 2, config.NewPeerKey())
	n1, n2 := c.nodes[0], c.nodes[1]
	n1.emit(5, "early")
	c.waitAll(map[int]int{1: 5}, n2)
	n2.stop()

	// Node 1's journal is reopened with a small max_bytes: most of what
	// it journals while node 2 is away is trimmed.
	n1.stop()
	path := filepath.Join(n1.dir, "journal.db")
	n1.j.Close()
	j, err := journal.Open(path, journal.Options{MaxBytes: 2000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	n1.j = j
	n1.start(c)
	n1.emit(200, "while node2 away")
	first := j.FirstSeq()
	if first <= 6 {
		t.Fatalf("node1's journal kept seq %d: retention did not trim", first)
	}
	n2.start(c)
	waitFor(t, "node2 to catch up with node1", func() bool {
		o, _ := n2.store.Origin(n1.uuid)
		return o.Last == j.LastSeq()
	})
	o, _ := n2.store.Origin(n1.uuid)
	if o.First != first || o.Lost != first-6 {
		t.Fatalf("node2's replica of node1: %+v, want first %d, %d lost", o, first, first-6)
	}
	waitFor(t, "the loss in node2's status", func() bool {
		for _, p := range n2.fwd.Status() {
			for _, or := range p.Origins {
				if or.Node == n1.uuid {
					return or.Lost == first-6 && or.Lag == 0
				}
			}
		}
		return false
	})
}

// A peer that returns to a large backlog catches up in full batches, one
// after the other, without waiting for the long poll between them.
func TestForwardBulkCatchUp(t *testing.T) {
	c := newTestCluster(t, 2, config.NewPeerKey())
	n1, n2 := c.nodes[0], c.nodes[1]
	n2.stop()
	const total = 20000
	batch := make([][]byte, 0, 1000)
	for i := range total {
		r := evrec.Record{Received: time.Now(), Source: n1.ip, Event: gfevent.Event{Time: time.Now().Unix(), Type: gfevent.VolumeSet,
			Fields: []gfevent.Field{{Key: "name", Value: "bulk"}, {Key: "i", Value: strconv.Itoa(i)}}}}
		b, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if batch = append(batch, b); len(batch) == cap(batch) {
			if _, err := n1.j.Append(context.Background(), batch...); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	start := time.Now()
	n2.start(c)
	waitFor(t, "node2 to catch up with 20,000 events", func() bool {
		o, _ := n2.store.Origin(n1.uuid)
		return o.Last == total
	})
	// Far less than a long-poll wait (2s here) per batch of MaxBatch.
	if d := time.Since(start); d > time.Duration(total/MaxBatch)*time.Second {
		t.Errorf("catching up with %d events took %s", total, d)
	}
	t.Logf("node2 caught up with %d events in %s", total, time.Since(start).Round(time.Millisecond))
	got, _ := readAll(t, n2.src, eventlog.Cursor{})
	if len(got[n1.uuid]) != total {
		t.Fatalf("node2 holds %d of node1's events, want %d", len(got[n1.uuid]), total)
	}
}
