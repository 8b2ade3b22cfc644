package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/filter"
	"github.com/gluster/gluster-eventing/internal/hub"
)

// Bounds of the event API.
const (
	defaultEventsLimit = 100
	maxEventsLimit     = 10_000
	maxWait            = 5 * time.Minute
	// keepaliveEvery is how often an idle stream gets a comment (SSE) or a
	// ping (WebSocket), so that proxies and clients see it alive.
	keepaliveEvery = 15 * time.Second
	// writeTimeout is how long a stream client may take to accept what it
	// is sent before it is dropped: a stuck client holds no memory of the
	// daemon's beyond its socket buffer.
	writeTimeout = 10 * time.Second
	// sseRetry is the reconnection delay the SSE stream asks browsers for.
	sseRetry = 5 * time.Second
)

// selection is what a request of the event API asks for: where to start,
// which events, from which nodes.
type selection struct {
	cursor eventlog.Cursor
	opts   hub.SubOptions
	expr   string // the filter expression, canonical
}

// badRequest is a client error of the event API, answered 400 with a hint.
type badRequest struct {
	msg, hint string
}

func (e *badRequest) Error() string { return e.msg }

// filterParams are the query parameters that select events; each adds
// terms of the filter language ("type" bare names, the others key:value).
var filterParams = []string{"type", "category", "severity", "volume", "node", "channel"}

// selectionParams are every query parameter a selection reads.
var selectionParams = append([]string{"since", "filter", "scope"}, filterParams...)

// parseSelection reads since (or lastEventID, which wins), the filter
// parameters and scope.
func (d *Daemon) parseSelection(q url.Values, lastEventID string) (*selection, error) {
	src := d.hub.Source()
	sel := &selection{}
	since := q.Get("since")
	if lastEventID != "" {
		since = lastEventID
	}
	c, err := parseSince(src, since, time.Now())
	if err != nil {
		return nil, err
	}
	sel.cursor = c

	var terms []string
	for _, p := range filterParams {
		for _, v := range q[p] {
			for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
				neg := strings.HasPrefix(t, "!")
				t = strings.TrimPrefix(t, "!")
				if p != "type" {
					t = p + ":" + t
				}
				if neg {
					t = "!" + t
				}
				terms = append(terms, t)
			}
		}
	}
	terms = append(terms, q["filter"]...)
	f, err := filter.Parse(strings.Join(terms, " "), d.channelExpr)
	if err != nil {
		return nil, &badRequest{msg: err.Error(),
			hint: "see gluster-eventing.toml(5) for the filter language: names (VOLUME_*, Volume.*), category:, severity:, volume:, node:, channel:, !term"}
	}
	sel.opts.Match = f
	sel.expr = f.String()

	switch scope := q.Get("scope"); scope {
	case "", "cluster":
	case "local":
		sel.opts.Origin = d.nodeID
	default:
		return nil, &badRequest{msg: fmt.Sprintf("scope %q is not local or cluster", scope)}
	}
	return sel, nil
}

// parseSince turns a since value into a cursor: "" or "now" the current
// end, "0", "start" or "oldest" the oldest retained event, an RFC 3339
// time or a duration ago ("10m") the first event received then, anything
// else a cursor (node.epoch.seq,... or the local seq N or EPOCH-N).
func parseSince(src eventlog.Source, since string, now time.Time) (eventlog.Cursor, error) {
	since = strings.TrimSpace(since)
	switch since {
	case "", "now", "end":
		return eventlog.Now(src), nil
	case "0", "start", "oldest":
		return eventlog.Start(src), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, since); err == nil {
		return hub.CursorAt(src, t)
	}
	if dur, err := time.ParseDuration(since); err == nil && strings.ContainsAny(since, "hmsuµn") {
		if dur < 0 {
			return eventlog.Cursor{}, &badRequest{msg: fmt.Sprintf("since %q: a duration ago must not be negative", since)}
		}
		return hub.CursorAt(src, now.Add(-dur))
	}
	c, err := eventlog.ParseCursor(since)
	if err != nil {
		return c, &badRequest{msg: "since: " + err.Error(),
			hint: "since takes a cursor (an event's \"cursor\", the SSE id), a seq, an RFC 3339 time, a duration ago (10m), \"start\" or \"now\""}
	}
	return c, nil
}

// channelExpr resolves channel:NAME from the running cluster config.
func (d *Daemon) channelExpr(name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return channelFilter(d.cluster, name)
}

// parseLimit reads limit (default def, at most maxEventsLimit).
func parseLimit(q url.Values, def int) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, &badRequest{msg: fmt.Sprintf("limit %q is not a positive number", s)}
	}
	return min(n, maxEventsLimit), nil
}

// parseWait reads wait: a Go duration or seconds, at most maxWait.
func parseWait(q url.Values) (time.Duration, error) {
	s := q.Get("wait")
	if s == "" {
		return 0, nil
	}
	w, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.ParseFloat(s, 64)
		if nerr != nil {
			return 0, &badRequest{msg: fmt.Sprintf("wait %q is not a duration (30s, 5m) or a number of seconds", s)}
		}
		w = time.Duration(n * float64(time.Second))
	}
	if w < 0 {
		return 0, &badRequest{msg: fmt.Sprintf("wait %q is negative", s)}
	}
	return min(w, maxWait), nil
}

// writeSelectionError answers a request whose selection failed: 410 with
// the oldest cursor for a cursor out of retention, 400 for a bad request,
// 500 otherwise.
func writeSelectionError(w http.ResponseWriter, src eventlog.Source, err error) {
	if g, ok := goneBody(src, err); ok {
		writeJSON(w, http.StatusGone, g)
		return
	}
	if errors.Is(err, hub.ErrBusy) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error(),
			"hint": fmt.Sprintf("the daemon serves at most %d streams and long polls at once; close some, or retry", hub.DefaultMaxClients)})
		return
	}
	var br *badRequest
	if errors.As(err, &br) {
		body := map[string]string{"error": br.msg}
		if br.hint != "" {
			body["hint"] = br.hint
		}
		writeJSON(w, http.StatusBadRequest, body)
		return
	}
	writeError(w, http.StatusInternalServerError, err)
}

// goneBody is the 410 answer for err, if it says a cursor is gone.
func goneBody(src eventlog.Source, err error) (api.Gone, bool) {
	if !eventlog.IsGone(err) {
		return api.Gone{}, false
	}
	oldest := eventlog.Start(src)
	var g *eventlog.GoneError
	if errors.As(err, &g) {
		oldest = g.Oldest
	}
	return api.Gone{Error: err.Error(), Oldest: oldest.String()}, true
}

// streamRoutes adds the event API: GET /v1/events (a page, long-polled
// with wait), GET /v1/events/stream (SSE) and GET /v1/events/ws
// (WebSocket).
func (d *Daemon) streamRoutes(mux *http.ServeMux) {
	s := &streamAPI{d: d, keepalive: keepaliveEvery}
	mux.HandleFunc("GET /v1/events", s.serveEvents)
	mux.HandleFunc("GET /v1/events/stream", s.serveSSE)
	mux.HandleFunc("GET /v1/events/ws", s.serveWebSocket)
}

// streamAPI serves the event API of d.
type streamAPI struct {
	d *Daemon
	// keepalive is how often an idle stream gets a comment or a ping.
	keepalive time.Duration
}

// serveEvents answers GET /v1/events: up to limit events after since, as
// soon as there is one or when wait has passed.
func (s *streamAPI) serveEvents(w http.ResponseWriter, r *http.Request) {
	d := s.d
	q := r.URL.Query()
	src := d.hub.Source()
	sel, err := d.parseSelection(q, "")
	if err != nil {
		writeSelectionError(w, src, err)
		return
	}
	limit, err := parseLimit(q, defaultEventsLimit)
	if err != nil {
		writeSelectionError(w, src, err)
		return
	}
	wait, err := parseWait(q)
	if err != nil {
		writeSelectionError(w, src, err)
		return
	}
	sub, err := d.hub.Subscribe(sel.cursor, sel.opts)
	if err != nil {
		writeSelectionError(w, src, err)
		return
	}
	defer sub.Close()

	body := []byte(`{"events":[`)
	n := 0
	emit := func(f *hub.Frame) error {
		if n > 0 {
			body = append(body, ',')
		}
		body = f.AppendJSON(body)
		n++
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	ctx, stop := d.streamContext(ctx)
	defer stop()
	if _, err := sub.Next(ctx, limit, emit); err != nil {
		writeSelectionError(w, src, err)
		return
	}
	// What else is there now, without waiting.
	done, cancelDone := context.WithCancel(r.Context())
	cancelDone()
	for n > 0 && n < limit {
		got, err := sub.Next(done, limit-n, emit)
		if err != nil {
			writeSelectionError(w, src, err)
			return
		}
		if got == 0 {
			break
		}
	}
	next, _ := json.Marshal(sub.Cursor().String())
	body = append(body, `],"next":`...)
	body = append(body, next...)
	body = append(body, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}

// serveSSE answers GET /v1/events/stream with Server-Sent Events: each
// event as "id: <cursor>", "event: <NAME>", "data: <api.Event>"; a
// Last-Event-ID header resumes (and wins over since).
func (s *streamAPI) serveSSE(w http.ResponseWriter, r *http.Request) {
	d := s.d
	src := d.hub.Source()
	sel, err := d.parseSelection(r.URL.Query(), r.Header.Get("Last-Event-ID"))
	if err != nil {
		writeSelectionError(w, src, err)
		return
	}
	sub, err := d.hub.Subscribe(sel.cursor, sel.opts)
	if err != nil {
		writeSelectionError(w, src, err)
		return
	}
	defer sub.Close()
	ctx, stop := d.streamContext(r.Context())
	defer stop()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	h.Set("X-Gluster-Eventing-Cursor", sub.Cursor().String())
	w.WriteHeader(http.StatusOK)

	var buf []byte
	flush := func() error {
		start := time.Now()
		if err := rc.SetWriteDeadline(start.Add(writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		_, err := w.Write(buf)
		if err == nil {
			err = rc.Flush()
		}
		buf = buf[:0]
		if err != nil && time.Since(start) >= writeTimeout {
			return &stuckError{err}
		}
		return err
	}
	buf = fmt.Appendf(buf, "retry: %d\n: stream of %s from %s\n\n", sseRetry.Milliseconds(), orAll(sel.expr), sub.Cursor())
	if err := flush(); err != nil {
		d.dropStream(r, "sse", err)
		return
	}
	emit := func(f *hub.Frame) error {
		buf = append(buf, "id: "...)
		buf = append(buf, f.Cursor...)
		buf = append(buf, "\nevent: "...)
		buf = append(buf, f.Name...)
		buf = append(buf, "\ndata: "...)
		buf = f.AppendJSON(buf)
		buf = append(buf, "\n\n"...)
		return nil
	}
	for ctx.Err() == nil {
		wctx, cancel := context.WithTimeout(ctx, s.keepalive)
		n, err := sub.Next(wctx, 256, emit)
		cancel()
		if g, ok := goneBody(src, err); ok {
			buf = append(buf, "event: gone\ndata: "...)
			buf = appendGone(buf, g)
			buf = append(buf, "\n\n"...)
			_ = flush()
			return
		}
		if err != nil {
			d.log.Warn("event stream failed", "err", err)
			return
		}
		if n == 0 {
			if ctx.Err() != nil {
				return
			}
			buf = append(buf, ": keepalive\n\n"...)
		}
		if err := flush(); err != nil {
			d.dropStream(r, "sse", err)
			return
		}
	}
}

func orAll(expr string) string {
	if expr == "" {
		return "all events"
	}
	return strconv.Quote(expr)
}

func appendGone(b []byte, g api.Gone) []byte {
	j, _ := json.Marshal(g)
	return append(b, j...)
}

// stuckError is a write that did not complete within writeTimeout: the
// client does not read.
type stuckError struct{ err error }

func (e *stuckError) Error() string {
	return "client did not read for " + writeTimeout.String() + ": " + e.err.Error()
}
func (e *stuckError) Unwrap() error { return e.err }

// dropStream ends a stream after a failed write: a client that did not
// take what it was sent is counted and logged; one that went away is not.
func (d *Daemon) dropStream(r *http.Request, kind string, err error) {
	if _, stuck := errors.AsType[*stuckError](err); !stuck {
		return
	}
	d.hub.Dropped()
	d.log.Info("dropped a stream client that did not read", "stream", kind, "remote", r.RemoteAddr,
		"timeout", writeTimeout.String())
}

// streamContext is ctx, also done when the daemon stops serving streams
// (a shutdown must not wait for them).
func (d *Daemon) streamContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(d.streamsCtx, cancel)
	return ctx, func() { stop(); cancel() }
}
