package daemon

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// streamTestServer serves the event API of a daemon over an empty journal
// with keep-alives every 50ms.
func streamTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	d := &Daemon{nodeID: "3f2a9c1e-0000-4000-8000-000000000001", cluster: config.DefaultCluster(), journal: j,
		log: slog.New(slog.DiscardHandler)}
	d.events = eventlog.Local(j, d.nodeID)
	d.startStreams()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.hub.Run(ctx) }()
	s := &streamAPI{d: d, keepalive: 50 * time.Millisecond}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/events/stream", s.serveSSE)
	mux.HandleFunc("GET /v1/events/ws", s.serveWebSocket)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		d.stopStreams()
		srv.Close()
		cancel()
		<-done
	})
	return srv
}

// An idle SSE stream gets ": keepalive" comments; an idle WebSocket gets
// pings (the coder client answers them while it reads).
func TestStreamKeepalives(t *testing.T) {
	srv := streamTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/events/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	keepalives := 0
	for keepalives < 3 && sc.Scan() {
		if sc.Text() == ": keepalive" {
			keepalives++
		}
	}
	if keepalives < 3 {
		t.Fatalf("stream ended after %d keep-alives: %v", keepalives, sc.Err())
	}

	pings := make(chan struct{}, 10)
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/v1/events/ws?since=now", &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case pings <- struct{}{}:
			default:
			}
			return true
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}()
	for range 3 {
		select {
		case <-pings:
		case <-ctx.Done():
			t.Fatal("no ping on an idle WebSocket stream")
		}
	}
}
