package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// EventQuery selects events, as GET /v1/events and GET /v1/events/stream
// take them: a start and the filter parameters of the filter language
// (internal/filter), which the daemon parses once per request.
type EventQuery struct {
	// Since is where to start: a cursor (what Event.Cursor and Events.Next
	// hold), a seq of this node, "E-N", an RFC 3339 time or a duration ago
	// ("10m"); "" means from now, "0" from the oldest event kept.
	Since string
	// Limit bounds the events of one GET /v1/events answer (0: the
	// daemon's default).
	Limit int
	// Wait makes GET /v1/events wait up to this long for an event when
	// there is none yet (a long poll); 0 answers at once.
	Wait time.Duration
	// Types are event name patterns (VOLUME_*, Volume.*); any matches.
	Types []string
	// Category, Severity (the minimum), Volume and Node narrow further;
	// each is one value, "" for any.
	Category, Severity, Volume, Node string
	// Filter is a whole filter expression; Channel names a filter defined
	// in the cluster config. Both apply on top of the above.
	Filter, Channel string
	// Local selects this node's events only (scope=local); by default a
	// daemon serves the whole cluster's.
	Local bool
}

// Values encodes q as query parameters.
func (q *EventQuery) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("since", q.Since)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Wait > 0 {
		v.Set("wait", q.Wait.String())
	}
	for _, t := range q.Types {
		v.Add("type", t)
	}
	set("category", q.Category)
	set("severity", q.Severity)
	set("volume", q.Volume)
	set("node", q.Node)
	set("filter", q.Filter)
	set("channel", q.Channel)
	if q.Local {
		v.Set("scope", "local")
	}
	return v
}

// GoneError is a 410 answer: the position asked for is no longer kept (it
// fell out of retention, or names a journal that was replaced). Oldest is
// the oldest position the daemon still has; asking from it loses nothing
// more.
type GoneError struct {
	Path    string
	Message string
	Oldest  string
}

func (e *GoneError) Error() string {
	if e.Message != "" {
		return "the events asked for are no longer kept: " + e.Message
	}
	return "the events asked for are no longer kept"
}

// Events fetches one page of events (GET /v1/events). With q.Wait set it
// waits that long for the first event when none is there yet. A position
// no longer kept is a *GoneError.
func (c *Client) Events(ctx context.Context, q EventQuery) (*Events, error) {
	path := "/v1/events?" + q.Values().Encode()
	if q.Wait > 0 && c.Timeout > 0 {
		// The long poll is the daemon's to end: a timeout shorter than
		// the wait would call a healthy daemon stuck.
		cc := *c
		cc.Timeout = c.Timeout + q.Wait
		c = &cc
	}
	var out Events
	if err := c.do(ctx, http.MethodGet, path, &out); err != nil {
		return nil, gone(err)
	}
	return &out, nil
}

// gone turns a 410 *Error into a *GoneError.
func gone(err error) error {
	var ae *Error
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusGone {
		return err
	}
	g := &GoneError{Path: ae.Path, Message: ae.Message}
	if ae.body != nil {
		var b Gone
		if json.Unmarshal(ae.body, &b) == nil {
			g.Oldest = b.Oldest
			if b.Error != "" {
				g.Message = b.Error
			}
		}
	}
	return g
}

// Hint is the "hint" of the answer's JSON body, "" if it has none: the
// event API's 400 answers say there how to fix the request.
func (e *Error) Hint() string {
	var b struct {
		Hint string `json:"hint"`
	}
	if json.Unmarshal(e.body, &b) != nil {
		return ""
	}
	return b.Hint
}

// StreamEvent is one event of a stream.
type StreamEvent struct {
	// ID is the SSE id, the cursor after this event: what Last-Event-ID
	// resumes from.
	ID string
	// Data is the event's JSON as the daemon sent it (an Event).
	Data  json.RawMessage
	Event Event
}

// EventStream reads the server-sent events of GET /v1/events/stream.
type EventStream struct {
	body  io.ReadCloser
	r     *bufio.Reader
	idle  time.Duration
	timer *time.Timer
	stop  context.CancelFunc
	// Retry is the reconnection delay the daemon asked for (SSE
	// "retry:"), 0 if it did not.
	Retry time.Duration
}

// StreamIdle is how long a stream may stay silent before Next gives up on
// it: the daemon sends a keep-alive comment every 15 seconds, so three
// missed ones mean the connection is gone without a FIN (a daemon
// frozen, a network cut).
const StreamIdle = 45 * time.Second

// ErrStreamIdle is Next's error when nothing, not even a keep-alive,
// arrived for StreamIdle.
var ErrStreamIdle = errors.New("the event stream fell silent (no keep-alive for 45s)")

// Stream opens the event stream (GET /v1/events/stream): the events after
// lastEventID when it is set (as a browser resumes, with Last-Event-ID,
// which wins over q.Since), else after q.Since. q.Limit and q.Wait do not
// apply. The call returns once the daemon has answered: a position no
// longer kept is a *GoneError, a daemon that is not running
// ErrUnreachable. c.Timeout bounds only that answer, not the stream.
func (c *Client) Stream(ctx context.Context, q EventQuery, lastEventID string) (*EventStream, error) {
	q.Limit, q.Wait = 0, 0
	path := "/v1/events/stream?" + q.Values().Encode()
	sctx, stop := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, "http://gluster-eventing"+path, nil)
	if err != nil {
		stop()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	// c.Timeout bounds the wait for the answer's headers; a timer that
	// fired has cancelled the request, whatever Do returned.
	var answerTimer *time.Timer
	if c.Timeout > 0 {
		answerTimer = time.AfterFunc(c.Timeout, stop)
	}
	resp, err := c.hc.Do(req)
	if answerTimer != nil && !answerTimer.Stop() {
		if err == nil {
			resp.Body.Close()
		}
		stop()
		return nil, &timeoutError{method: http.MethodGet, path: path, socket: c.Socket, waited: roundWait(c.Timeout)}
	}
	if err != nil {
		stop()
		return nil, c.classify(ctx, http.MethodGet, path, c.Timeout, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		stop()
		return nil, gone(answerError(http.MethodGet, path, resp))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		stop()
		return nil, fmt.Errorf("GET %s on %s: the answer is %q, not an event stream", path, c.Socket, ct)
	}
	s := &EventStream{body: resp.Body, r: bufio.NewReaderSize(resp.Body, 64<<10), idle: StreamIdle, stop: stop}
	s.timer = time.AfterFunc(s.idle, stop)
	return s, nil
}

// Next returns the next event. Comments (keep-alives) and fields other
// than id, event, data and retry are read and skipped. At the end of the
// stream it returns io.EOF or the read's error: reconnect from the last
// ID then. ErrStreamIdle says the stream fell silent; a "gone" event (the
// stream's position fell out of retention while it lagged) is a
// *GoneError.
func (s *EventStream) Next() (*StreamEvent, error) {
	var id, name string
	var data []byte
	hasData := false
	for {
		line, err := s.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// An event larger than the buffer: read the rest of the line.
			rest, rerr := s.r.ReadBytes('\n')
			line, err = append(bytes.Clone(line), rest...), rerr
		}
		if err != nil {
			if !s.timer.Stop() {
				return nil, ErrStreamIdle
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			return nil, err
		}
		s.timer.Reset(s.idle)
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if !hasData {
				id, name = "", ""
				continue
			}
			if name == "gone" {
				g := &GoneError{Path: "/v1/events/stream"}
				var b Gone
				if json.Unmarshal(data, &b) == nil {
					g.Message, g.Oldest = b.Error, b.Oldest
				}
				return nil, g
			}
			ev := &StreamEvent{ID: id, Data: bytes.Clone(data)}
			if err := json.Unmarshal(ev.Data, &ev.Event); err != nil {
				return nil, fmt.Errorf("event stream: an event that is not JSON (id %q): %w", id, err)
			}
			if ev.ID == "" {
				ev.ID = ev.Event.Cursor
			}
			return ev, nil
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "id":
			id = string(value)
		case "event":
			name = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
		case "retry":
			if ms, err := strconv.Atoi(string(value)); err == nil && ms >= 0 {
				s.Retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
}

// Close ends the stream.
func (s *EventStream) Close() error {
	s.timer.Stop()
	s.stop()
	return s.body.Close()
}
