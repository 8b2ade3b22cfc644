package daemon_test

// End-to-end tests of the event API against the real daemon binary: the
// SSE stream, long polls, the WebSocket stream, 410 after retention, the
// slow-client bound and the TCP listener's token and TLS. Helpers start
// with "st".

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gluster/gluster-eventing/internal/api"
)

// stBase is the daemon's HTTP API base URL (its TCP listener).
func stBase(t testing.TB, n *rtNode) string {
	t.Helper()
	st := n.Status(t)
	if st.HTTP == "" {
		t.Fatal("the daemon reports no HTTP listener")
	}
	return "http://" + st.HTTP
}

// stFrame is one SSE event.
type stFrame struct {
	ID, Event string
	Data      api.Event
}

// stSSE is an SSE client reading into a channel.
type stSSE struct {
	resp   *http.Response
	frames chan stFrame
	lines  chan string // comment and retry lines
	done   chan error
	cancel context.CancelFunc
}

// stOpenSSE opens an SSE stream at url; lastID, if set, is sent as
// Last-Event-ID. It fails the test on a non-200 answer.
func stOpenSSE(t testing.TB, url, lastID string, hdr map[string]string) *stSSE {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("GET %s: HTTP %d: %s", url, resp.StatusCode, b)
	}
	s := &stSSE{resp: resp, frames: make(chan stFrame, 100000), lines: make(chan string, 1000), done: make(chan error, 1), cancel: cancel}
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var f stFrame
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if f.ID != "" || f.Event != "" {
					s.frames <- f
				}
				f = stFrame{}
			case strings.HasPrefix(line, "id: "):
				f.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				f.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(line[6:]), &f.Data); err != nil {
					s.done <- fmt.Errorf("bad data line %q: %w", line, err)
					return
				}
			default:
				select {
				case s.lines <- line:
				default:
				}
			}
		}
		s.done <- sc.Err()
	}()
	t.Cleanup(s.Close)
	return s
}

func (s *stSSE) Close() {
	s.cancel()
	s.resp.Body.Close()
}

// Next returns the next n frames, failing the test after rtDeliverTimeout.
func (s *stSSE) Next(t testing.TB, n int) []stFrame {
	t.Helper()
	var out []stFrame
	timeout := time.After(rtDeliverTimeout)
	for len(out) < n {
		select {
		case f := <-s.frames:
			out = append(out, f)
		case err := <-s.done:
			t.Fatalf("stream ended after %d of %d frames: %v", len(out), n, err)
		case <-timeout:
			t.Fatalf("got %d of %d frames within %s", len(out), n, rtDeliverTimeout)
		}
	}
	return out
}

// stMarkers are the "name" fields of frames.
func stMarkers(fs []stFrame) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Data.Message["name"]
	}
	return out
}

// stSendN sends markers prefix-from .. prefix-(to-1), waiting for each
// batch to be journaled so that the order is the order sent.
func stSendN(t testing.TB, s *rtSender, n *rtNode, prefix string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		s.SendMarker(t, n.Addr4(), fmt.Sprintf("%s-%d", prefix, i))
	}
}

func stWantMarkers(t testing.TB, got []stFrame, prefix string, from, to int) {
	t.Helper()
	ms := stMarkers(got)
	if len(ms) != to-from {
		t.Fatalf("got %d events, want %d: %v", len(ms), to-from, ms)
	}
	for i, m := range ms {
		if want := fmt.Sprintf("%s-%d", prefix, from+i); m != want {
			t.Fatalf("event %d is %q, want %q (every event once, in order): %v", i, m, want, ms)
		}
	}
}

func stGetJSON(t testing.TB, url string, hdr map[string]string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: HTTP %d, body %q: %v", url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// TestSSEResumeAfterRestart: an SSE client reads part of the stream, the
// daemon restarts (same journal), more events come, and the client
// resumes with Last-Event-ID: every event exactly once, in order. The
// same through long-poll pages from the same cursor, and SSE framing is
// what browsers expect (retry, id, event, data).
func TestSSEResumeAfterRestart(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	s := rtNewSender(t)
	p := n.Start(t)
	p.WaitReady(n)
	base := stBase(t, n)

	sse := stOpenSSE(t, base+"/v1/events/stream?type=VOLUME_START", "", nil)
	if l := <-sse.lines; l != "retry: 5000" {
		t.Fatalf("first line %q, want retry: 5000", l)
	}
	stSendN(t, s, n, "a", 0, 30)
	first := sse.Next(t, 20)
	stWantMarkers(t, first, "a", 0, 20)
	last := first[len(first)-1]
	if last.Event != "VOLUME_START" || last.ID != last.Data.Cursor || last.Data.Seq != 20 || last.Data.Node != n.Status(t).NodeID {
		t.Fatalf("frame %+v: want event VOLUME_START, id = data.cursor, seq 20, this node", last)
	}
	sse.Close()

	p.Stop()
	p = n.Start(t)
	p.WaitReady(n)
	base = stBase(t, n) // port 0: a new port
	stSendN(t, s, n, "a", 30, 50)
	rtEventually(t, rtDeliverTimeout, "50 events journaled", func() (bool, string) {
		st := n.Status(t)
		return st.Journal.LastSeq == 50, fmt.Sprint(st.Journal.LastSeq)
	})
	resumed := stOpenSSE(t, base+"/v1/events/stream?since=start", last.ID, nil) // Last-Event-ID wins over since
	stWantMarkers(t, resumed.Next(t, 30), "a", 20, 50)

	// Long polls from the same cursor, 7 at a time.
	var got []stFrame
	cursor := last.ID
	for len(got) < 30 {
		var page api.Events
		if code := stGetJSON(t, base+"/v1/events?limit=7&since="+url.QueryEscape(cursor), nil, &page); code != 200 {
			t.Fatalf("GET /v1/events: HTTP %d", code)
		}
		if len(page.Events) == 0 || len(page.Events) > 7 {
			t.Fatalf("page of %d events after %s", len(page.Events), cursor)
		}
		for _, e := range page.Events {
			got = append(got, stFrame{ID: e.Cursor, Event: e.Event, Data: e})
		}
		if page.Next != page.Events[len(page.Events)-1].Cursor {
			t.Fatalf("next %q is not the last event's cursor %q", page.Next, page.Events[len(page.Events)-1].Cursor)
		}
		cursor = page.Next
	}
	stWantMarkers(t, got, "a", 20, 50)
	p.Stop()
}

// TestLongPollWaits: a long poll with nothing new waits, and answers as
// soon as an event arrives; without wait it answers at once, empty, with
// the cursor to go on from.
func TestLongPollWaits(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	s := rtNewSender(t)
	p := n.Start(t)
	p.WaitReady(n)
	base := stBase(t, n)

	var empty api.Events
	if code := stGetJSON(t, base+"/v1/events", nil, &empty); code != 200 || len(empty.Events) != 0 || empty.Next == "" {
		t.Fatalf("GET /v1/events without wait: HTTP %d, %+v", code, empty)
	}
	type result struct {
		page api.Events
		code int
		took time.Duration
	}
	res := make(chan result, 1)
	go func() {
		start := time.Now()
		var page api.Events
		code := stGetJSON(t, base+"/v1/events?wait=60s&since="+url.QueryEscape(empty.Next), nil, &page)
		res <- result{page, code, time.Since(start)}
	}()
	rtEventually(t, rtStartTimeout, "the long poll to be waiting", func() (bool, string) {
		st := n.Status(t)
		return st.Streams != nil && st.Streams.Clients == 1, fmt.Sprintf("%+v", st.Streams)
	})
	select {
	case r := <-res:
		t.Fatalf("the long poll answered before any event: %+v", r)
	default:
	}
	s.SendMarker(t, n.Addr4(), "late")
	select {
	case r := <-res:
		if r.code != 200 || len(r.page.Events) != 1 || r.page.Events[0].Message["name"] != "late" {
			t.Fatalf("long poll: HTTP %d, %+v", r.code, r.page)
		}
		if r.took > 50*time.Second {
			t.Fatalf("the long poll took %s: it waited for wait, not for the event", r.took)
		}
	case <-time.After(rtDeliverTimeout):
		t.Fatal("the long poll did not answer after the event")
	}
	p.Stop()
}

// TestStreamGoneAfterRetention: with a tiny journal the first events fall
// out of retention; a cursor before them is answered 410 with the oldest
// cursor, on GET /v1/events and on the SSE stream, and that cursor works.
func TestStreamGoneAfterRetention(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	n.Extra = "\n[journal]\nmax_bytes = \"2KiB\"\n"
	n.WriteNodeConfig(t)
	s := rtNewSender(t)
	p := n.Start(t)
	p.WaitReady(n)
	base := stBase(t, n)
	s.SendMarker(t, n.Addr4(), "first")
	var page api.Events
	rtEventually(t, rtDeliverTimeout, "the first event", func() (bool, string) {
		stGetJSON(t, base+"/v1/events?since=start", nil, &page)
		return len(page.Events) == 1, fmt.Sprintf("%+v", page)
	})
	cursor := page.Events[0].Cursor
	stSendN(t, s, n, "fill", 0, 200)
	rtEventually(t, rtDeliverTimeout, "retention to remove the first events", func() (bool, string) {
		st := n.Status(t)
		return st.Journal.FirstSeq > 3 && st.Journal.LastSeq == 201, fmt.Sprintf("%+v", st.Journal)
	})
	var gone api.Gone
	if code := stGetJSON(t, base+"/v1/events?since="+url.QueryEscape(cursor), nil, &gone); code != http.StatusGone {
		t.Fatalf("GET /v1/events from a trimmed cursor: HTTP %d, want 410", code)
	}
	if gone.Oldest == "" || !strings.Contains(gone.Error, "retention") {
		t.Fatalf("410 body %+v: want the oldest cursor and why", gone)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/events/stream", nil)
	req.Header.Set("Last-Event-ID", cursor)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Fatalf("SSE from a trimmed cursor: HTTP %d, want 410", resp.StatusCode)
	}
	first := n.Status(t).Journal.FirstSeq
	var from api.Events
	if code := stGetJSON(t, base+"/v1/events?limit=1&since="+url.QueryEscape(gone.Oldest), nil, &from); code != 200 || len(from.Events) != 1 {
		t.Fatalf("GET /v1/events from the oldest cursor %s: HTTP %d, %+v", gone.Oldest, code, from)
	}
	if from.Events[0].Seq < first {
		t.Fatalf("the oldest cursor gave seq %d, the journal's first is %d", from.Events[0].Seq, first)
	}
	if st := n.Status(t); st.Streams.Gone < 2 {
		t.Fatalf("streams.gone = %d, want 2", st.Streams.Gone)
	}
	p.Stop()
}

// TestSlowStreamClientDropped: an SSE and a WebSocket client that never
// read (small receive buffers) are disconnected once a write blocks past
// the deadline and counted, while another client gets every event; the daemon's memory is
// bounded by the socket buffers, not by the backlog.
func TestSlowStreamClientDropped(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	s := rtNewSender(t)
	p := n.Start(t)
	p.WaitReady(n)
	base := stBase(t, n)
	addr := strings.TrimPrefix(base, "http://")

	d := net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	stuck, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	fmt.Fprintf(stuck, "GET /v1/events/stream HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	// A WebSocket client that never reads either (nor answers pings).
	stuckWS, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuckWS.Close()
	fmt.Fprintf(stuckWS, "GET /v1/events/ws?since=now HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", addr)
	good := stOpenSSE(t, base+"/v1/events/stream", "", nil)
	rtEventually(t, rtStartTimeout, "the three clients subscribed", func() (bool, string) {
		st := n.Status(t)
		return st.Streams.Clients == 3, fmt.Sprintf("%+v", st.Streams)
	})

	// 8 KiB events: a few MB fill the daemon's socket buffer for the
	// stuck client.
	pad := strings.Repeat("x", 8000)
	const total = 1500
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range total {
			s.Send(t, n.Addr4(), fmt.Appendf(nil, "%d 3 name=big-%d;force=0;pad=%s", rtEventTS, i, pad))
			if i%100 == 99 {
				// Let the intake keep up (UDP is lossy when flooded).
				want := uint64(i + 1)
				rtEventually(t, rtDeliverTimeout, "the batch journaled", func() (bool, string) {
					st := n.Status(t)
					return st.Journal.LastSeq >= want, fmt.Sprint(st.Journal.LastSeq)
				})
			}
		}
	})
	got := good.Next(t, total)
	wg.Wait()
	stWantMarkers(t, got, "big", 0, total)

	rtEventually(t, 3*rtDeliverTimeout, "the stuck clients to be dropped", func() (bool, string) {
		st := n.Status(t)
		return st.Streams.Dropped == 2 && st.Streams.Clients == 1, fmt.Sprintf("%+v", st.Streams)
	})
	// Its connection is closed: after what the buffers hold, EOF.
	stuck.SetReadDeadline(time.Now().Add(rtDeliverTimeout))
	if _, err := io.Copy(io.Discard, stuck); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("reading the dropped connection: %v (want EOF)", err)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "gluster_eventing_stream_clients_dropped_total 2\n") {
		t.Fatalf("/metrics lacks gluster_eventing_stream_clients_dropped_total 2")
	}
	p.Stop()
}

// TestWebSocketStream drives /v1/events/ws with the coder/websocket
// client: subscribe messages, a filter, a resubscribe with another
// selection, a bad subscribe answered without closing, and gone.
func TestWebSocketStream(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	s := rtNewSender(t)
	p := n.Start(t)
	p.WaitReady(n)
	base := stBase(t, n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*rtDeliverTimeout)
	defer cancel()

	stSendN(t, s, n, "w", 0, 5)
	s.Send(t, n.Addr4(), fmt.Appendf(nil, "%d 4 name=stopped;force=0", rtEventTS)) // VOLUME_STOP
	rtEventually(t, rtDeliverTimeout, "6 events journaled", func() (bool, string) {
		return n.Status(t).Journal.LastSeq == 6, ""
	})
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/v1/events/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	read := func() map[string]any {
		t.Helper()
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("websocket read: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("websocket message %q: %v", b, err)
		}
		return m
	}
	send := func(v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		if err := c.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	send(map[string]string{"op": "subscribe", "since": "start", "type": "VOLUME_START"})
	if m := read(); m["type"] != "subscribed" || m["filter"] != "VOLUME_START" {
		t.Fatalf("first message %v, want subscribed with the filter", m)
	}
	var cursor string
	for i := range 5 {
		m := read()
		ev, _ := m["event"].(map[string]any)
		msg, _ := ev["message"].(map[string]any)
		if m["type"] != "event" || ev["event"] != "VOLUME_START" || msg["name"] != fmt.Sprintf("w-%d", i) {
			t.Fatalf("message %d: %v", i, m)
		}
		cursor, _ = ev["cursor"].(string)
	}
	// Another selection on the same connection: from the cursor, all.
	send(map[string]string{"op": "subscribe", "since": cursor})
	if m := read(); m["type"] != "subscribed" || m["cursor"] != cursor {
		t.Fatalf("resubscribe: %v", m)
	}
	if m := read(); m["type"] != "event" || m["event"].(map[string]any)["event"] != "VOLUME_STOP" {
		t.Fatalf("after resubscribing from the last VOLUME_START: %v, want the VOLUME_STOP", m)
	}
	send(map[string]string{"op": "subscribe", "type": "NO_SUCH_EVENT"})
	if m := read(); m["type"] != "error" || !strings.Contains(fmt.Sprint(m["error"]), "NO_SUCH_EVENT") {
		t.Fatalf("bad subscribe: %v", m)
	}
	send(map[string]string{"op": "subscribe", "since": "local.ffffffff.1"})
	if m := read(); m["type"] != "gone" || m["oldest"] == "" {
		t.Fatalf("subscribe with another epoch: %v, want gone with the oldest cursor", m)
	}
	// Live events after a subscribe from now.
	send(map[string]string{"op": "subscribe"})
	if m := read(); m["type"] != "subscribed" {
		t.Fatalf("subscribe from now: %v", m)
	}
	s.SendMarker(t, n.Addr4(), "live")
	if m := read(); m["event"].(map[string]any)["message"].(map[string]any)["name"] != "live" {
		t.Fatalf("live event: %v", m)
	}
	c.Close(websocket.StatusNormalClosure, "")

	// Selection in the URL: the stream starts at once.
	c2, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/v1/events/ws?since=start&volume=nothing-here,stopped", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	_, b, err := c2.Read(ctx)
	if err != nil || !strings.Contains(string(b), `"subscribed"`) {
		t.Fatalf("query subscribe: %s, %v", b, err)
	}
	_, b, err = c2.Read(ctx)
	if err != nil || !strings.Contains(string(b), `"name":"stopped"`) {
		t.Fatalf("query subscribe, first event: %s, %v", b, err)
	}
	// A bad query is a plain 400 before any upgrade.
	var bad map[string]string
	if code := stGetJSON(t, base+"/v1/events/ws?severity=loud", nil, &bad); code != 400 || bad["error"] == "" {
		t.Fatalf("bad query: HTTP %d %v", code, bad)
	}
	p.Stop()
}

// stToken writes a token file with mode and returns its path and token.
func stToken(t testing.TB, dir string, mode os.FileMode) (string, string) {
	t.Helper()
	tok := "s3cret-token-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	path := filepath.Join(dir, "http.token")
	if err := os.WriteFile(path, []byte(tok+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path, tok
}
