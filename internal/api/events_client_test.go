package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEventQueryValues(t *testing.T) {
	for _, tc := range []struct {
		q    EventQuery
		want string
	}{
		{EventQuery{}, ""},
		{EventQuery{Since: "3f2a9c1e.9b1c0d2e.4812", Limit: 100, Wait: 30 * time.Second}, "limit=100&since=3f2a9c1e.9b1c0d2e.4812&wait=30s"},
		{EventQuery{Types: []string{"VOLUME_*", "Brick.*"}, Category: "brick", Severity: "warning", Volume: "gv0",
			Node: "3f2a", Filter: "!BRICK_CONNECTED", Channel: "alerts", Local: true},
			"category=brick&channel=alerts&filter=%21BRICK_CONNECTED&node=3f2a&scope=local&severity=warning&type=VOLUME_%2A&type=Brick.%2A&volume=gv0"},
		{EventQuery{Since: "2026-12-02T01:00:00+01:00"}, "since=2026-12-02T01%3A00%3A00%2B01%3A00"},
	} {
		if got := tc.q.Values().Encode(); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.q, got, tc.want)
		}
	}
}

func TestEvents(t *testing.T) {
	var got url.Values
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/events" {
			http.NotFound(w, r)
			return
		}
		got = r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"events":[{"cursor":"aaaaaaaa.bbbbbbbb.7","node":"aaaaaaaa-1","epoch":"bbbbbbbb","seq":7,"event":"VOLUME_STOP",`+
			`"category":"volume","severity":"warning","ts":1700000000,"received":"2026-12-02T01:02:03Z","message":{"name":"gv0"}}],"next":"aaaaaaaa.bbbbbbbb.7"}`)
	})
	evs, err := NewClient(path).Events(ctxTimeout(t, 10*time.Second), EventQuery{Since: "0", Types: []string{"VOLUME_*"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Get("since") != "0" || got.Get("type") != "VOLUME_*" {
		t.Errorf("query = %v", got)
	}
	want := Event{Cursor: "aaaaaaaa.bbbbbbbb.7", Node: "aaaaaaaa-1", Epoch: "bbbbbbbb", Seq: 7, Event: "VOLUME_STOP",
		Category: "volume", Severity: "warning", TS: 1700000000, Received: time.Date(2026, 12, 2, 1, 2, 3, 0, time.UTC),
		Message: map[string]string{"name": "gv0"}}
	if len(evs.Events) != 1 || !reflect.DeepEqual(evs.Events[0], want) || evs.Next != "aaaaaaaa.bbbbbbbb.7" {
		t.Errorf("events = %+v", evs)
	}
}

func TestEventsGone(t *testing.T) {
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusGone)
		fmt.Fprint(w, `{"error":"cursor position of node aaaaaaaa is no longer available","oldest":"aaaaaaaa.bbbbbbbb.41"}`)
	})
	c := NewClient(path)
	_, err := c.Events(ctxTimeout(t, 10*time.Second), EventQuery{Since: "aaaaaaaa.bbbbbbbb.3"})
	var g *GoneError
	if !errors.As(err, &g) || g.Oldest != "aaaaaaaa.bbbbbbbb.41" || !strings.Contains(g.Error(), "no longer available") {
		t.Fatalf("err = %v (%T), want a GoneError with the oldest cursor", err, err)
	}
	_, err = c.Stream(ctxTimeout(t, 10*time.Second), EventQuery{Since: "aaaaaaaa.bbbbbbbb.3"}, "")
	if !errors.As(err, &g) || g.Oldest != "aaaaaaaa.bbbbbbbb.41" {
		t.Fatalf("stream err = %v (%T), want a GoneError", err, err)
	}
}

func TestEventsBadRequestHint(t *testing.T) {
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"filter: unknown event VOLUME_STAPT","hint":"see the filter language"}`)
	})
	_, err := NewClient(path).Events(ctxTimeout(t, 10*time.Second), EventQuery{Types: []string{"VOLUME_STAPT"}})
	var ae *Error
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Message != "filter: unknown event VOLUME_STAPT" || ae.Hint() != "see the filter language" {
		t.Fatalf("err = %v, want the 400 with its hint", err)
	}
}

func TestEventsWaitOutlastsTimeout(t *testing.T) {
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // the daemon's long poll, not a test wait
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"events":[],"next":"x.y.1"}`)
	})
	c := NewClient(path)
	c.Timeout = 100 * time.Millisecond
	evs, err := c.Events(ctxTimeout(t, 10*time.Second), EventQuery{Wait: time.Second})
	if err != nil || evs.Next != "x.y.1" {
		t.Fatalf("a long poll within its wait: %v, %v", evs, err)
	}
	_, err = c.Events(ctxTimeout(t, 10*time.Second), EventQuery{})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("without a wait the timeout applies: %v", err)
	}
}

// sseServer answers the stream with frames, written and flushed one by
// one, then ends the response (or blocks until the client leaves).
func sseServer(t *testing.T, frames []string, hang bool, lastID *string) string {
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/events/stream" {
			http.NotFound(w, r)
			return
		}
		if lastID != nil {
			*lastID = r.Header.Get("Last-Event-ID")
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		for _, f := range frames {
			io.WriteString(w, f)
			rc.Flush()
		}
		if hang {
			<-r.Context().Done()
		}
	})
}

func TestStream(t *testing.T) {
	var lastID string
	frames := []string{
		"retry: 5000\n: stream of all events from a.b.0\n\n",
		"id: a.b.1\nevent: VOLUME_START\ndata: {\"cursor\":\"a.b.1\",\"event\":\"VOLUME_START\",\"seq\":1,\"message\":{\"name\":\"gv0\"}}\n\n",
		": keepalive\n\n",
		"id: a.b.2\r\nevent: VOLUME_STOP\r\ndata: {\"cursor\":\"a.b.2\",\r\ndata: \"event\":\"VOLUME_STOP\",\"seq\":2}\r\n\r\n",
		"unknown: field\nid: a.b.3\nevent: PEER_CONNECT\ndata:{\"cursor\":\"a.b.3\",\"event\":\"PEER_CONNECT\",\"seq\":3}\n\n",
	}
	path := sseServer(t, frames, false, &lastID)
	s, err := NewClient(path).Stream(ctxTimeout(t, 10*time.Second), EventQuery{}, "a.b.0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if lastID != "a.b.0" {
		t.Errorf("Last-Event-ID = %q", lastID)
	}
	for i, want := range []string{"VOLUME_START", "VOLUME_STOP", "PEER_CONNECT"} {
		ev, err := s.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if ev.Event.Event != want || ev.ID != fmt.Sprintf("a.b.%d", i+1) || ev.Event.Seq != uint64(i+1) {
			t.Errorf("event %d = %+v", i, ev)
		}
	}
	if s.Retry != 5*time.Second {
		t.Errorf("retry = %v", s.Retry)
	}
	if _, err := s.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the end: %v, want EOF", err)
	}
}

func TestStreamGoneEvent(t *testing.T) {
	path := sseServer(t, []string{
		"retry: 5000\n\n",
		"event: gone\ndata: {\"error\":\"fell out of retention\",\"oldest\":\"a.b.90\"}\n\n",
	}, true, nil)
	s, err := NewClient(path).Stream(ctxTimeout(t, 10*time.Second), EventQuery{}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Next()
	var g *GoneError
	if !errors.As(err, &g) || g.Oldest != "a.b.90" {
		t.Fatalf("Next = %v, want a GoneError", err)
	}
}

func TestStreamIdle(t *testing.T) {
	path := sseServer(t, []string{"retry: 5000\n\n"}, true, nil)
	s, err := NewClient(path).Stream(ctxTimeout(t, 10*time.Second), EventQuery{}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.idle = 100 * time.Millisecond
	s.timer.Reset(s.idle)
	if _, err := s.Next(); !errors.Is(err, ErrStreamIdle) {
		t.Fatalf("Next on a silent stream = %v, want ErrStreamIdle", err)
	}
}

func TestStreamUnreachable(t *testing.T) {
	_, path := listen(t)
	c := NewClient(path + ".none")
	if _, err := c.Stream(ctxTimeout(t, 10*time.Second), EventQuery{}, ""); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Stream to no socket = %v, want ErrUnreachable", err)
	}
}

func TestStreamAnswerTimeout(t *testing.T) {
	path := serve(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := NewClient(path)
	c.Timeout = 100 * time.Millisecond
	if _, err := c.Stream(ctxTimeout(t, 10*time.Second), EventQuery{}, ""); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Stream to a daemon that never answers = %v, want ErrTimeout", err)
	}
}

func TestStreamNotAStream(t *testing.T) {
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	})
	if _, err := NewClient(path).Stream(ctxTimeout(t, 10*time.Second), EventQuery{}, ""); err == nil || !strings.Contains(err.Error(), "not an event stream") {
		t.Fatalf("Stream of a JSON answer = %v", err)
	}
}
