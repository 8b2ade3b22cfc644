package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/hub"
)

// wsSubscribeTimeout is how long a WebSocket client without selection
// parameters in its URL has to send its subscribe message.
const wsSubscribeTimeout = 30 * time.Second

// wsRequest is a message a WebSocket client sends: {"op":"subscribe",
// "since":..., "filter":..., "channel":..., ...} with the query
// parameters of GET /v1/events as fields. A later subscribe replaces the
// subscription.
type wsRequest struct {
	Op       string `json:"op"`
	Since    string `json:"since,omitempty"`
	Filter   string `json:"filter,omitempty"`
	Channel  string `json:"channel,omitempty"`
	Type     string `json:"type,omitempty"`
	Category string `json:"category,omitempty"`
	Severity string `json:"severity,omitempty"`
	Volume   string `json:"volume,omitempty"`
	Node     string `json:"node,omitempty"`
	Scope    string `json:"scope,omitempty"`
}

func (m *wsRequest) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"since": m.Since, "filter": m.Filter, "channel": m.Channel, "type": m.Type,
		"category": m.Category, "severity": m.Severity, "volume": m.Volume, "node": m.Node, "scope": m.Scope} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// wsMessage is a message the server sends: "subscribed" (with the
// starting cursor and the filter in force), "event", "gone" (the cursor
// fell out of retention: subscribe again, from oldest or after re-reading
// /v1/state) or "error" (a bad subscribe; the connection stays).
type wsMessage struct {
	Type   string     `json:"type"`
	Cursor string     `json:"cursor,omitempty"`
	Filter string     `json:"filter,omitempty"`
	Error  string     `json:"error,omitempty"`
	Hint   string     `json:"hint,omitempty"`
	Oldest string     `json:"oldest,omitempty"`
	Event  *api.Event `json:"event,omitempty"`
}

// serveWebSocket answers GET /v1/events/ws: the event stream as JSON
// messages over a WebSocket, with the selection from the URL's query or
// from the client's subscribe messages.
func (s *streamAPI) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	d := s.d
	q := r.URL.Query()
	hasQuery := false
	for _, p := range selectionParams {
		hasQuery = hasQuery || q.Has(p)
	}
	// A bad query is answered before the upgrade, as plain HTTP.
	if hasQuery {
		if _, err := d.parseSelection(q, ""); err != nil {
			writeSelectionError(w, d.hub.Source(), err)
			return
		}
	}
	// Accept checks that a browser's Origin is this host: another site's
	// page cannot read the stream with the user's cookie.
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept answered
	}
	defer c.CloseNow()
	c.SetReadLimit(64 << 10)
	ctx, stop := d.streamContext(r.Context())
	defer stop()
	ws := &wsConn{d: d, c: c, r: r, keepalive: s.keepalive}
	if hasQuery {
		ws.pending = &wsRequest{Op: "subscribe"}
		ws.pendingQuery = q
	}
	go ws.readLoop(ctx)
	err = ws.writeLoop(ctx, hasQuery)
	switch {
	case err == nil || ctx.Err() != nil:
		c.Close(websocket.StatusGoingAway, "")
	case errors.As(err, new(*stuckError)):
		d.dropStream(r, "websocket", err)
	default:
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			c.Close(websocket.StatusPolicyViolation, truncate(err.Error(), 120))
		}
	}
}

type wsConn struct {
	d         *Daemon
	c         *websocket.Conn
	r         *http.Request
	keepalive time.Duration

	mu           sync.Mutex
	pending      *wsRequest // a subscribe the write loop has not taken
	pendingQuery url.Values
	wake         context.CancelFunc // ends the write loop's current wait
	readErr      error
}

// readLoop takes the client's messages; a subscribe wakes the write loop.
func (ws *wsConn) readLoop(ctx context.Context) {
	for {
		_, data, err := ws.c.Read(ctx)
		ws.mu.Lock()
		if err != nil {
			ws.readErr = err
		} else {
			var m wsRequest
			if jerr := json.Unmarshal(data, &m); jerr != nil || m.Op != "subscribe" {
				m = wsRequest{Op: "invalid"}
			}
			ws.pending, ws.pendingQuery = &m, m.values()
		}
		if ws.wake != nil {
			ws.wake()
		}
		ws.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// take returns a subscribe to act on (nil if none) and arms wake for the
// next wait.
func (ws *wsConn) take(parent context.Context, timeout time.Duration) (*wsRequest, url.Values, context.Context, context.CancelFunc, error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	m, q := ws.pending, ws.pendingQuery
	ws.pending, ws.pendingQuery = nil, nil
	ctx, cancel := context.WithTimeout(parent, timeout)
	ws.wake = cancel
	return m, q, ctx, cancel, ws.readErr
}

func (ws *wsConn) send(ctx context.Context, m *wsMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return ws.write(ctx, b)
}

func (ws *wsConn) write(ctx context.Context, b []byte) error {
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	err := ws.c.Write(wctx, websocket.MessageText, b)
	if err != nil && time.Since(start) >= writeTimeout {
		return &stuckError{err}
	}
	return err
}

// writeLoop sends events of the current subscription and keep-alive
// pings until the client or the daemon ends it.
func (ws *wsConn) writeLoop(ctx context.Context, subscribed bool) error {
	var sub *hub.Sub
	defer func() {
		if sub != nil {
			sub.Close()
		}
	}()
	src := ws.d.hub.Source()
	var buf []byte
	emit := func(f *hub.Frame) error {
		buf = append(buf[:0], `{"type":"event","event":`...)
		buf = f.AppendJSON(buf)
		buf = append(buf, '}')
		return ws.write(ctx, buf)
	}
	waitFirst := time.Now().Add(wsSubscribeTimeout)
	for ctx.Err() == nil {
		timeout := ws.keepalive
		if sub == nil && !subscribed {
			timeout = time.Until(waitFirst)
		}
		m, q, wctx, cancel, rerr := ws.take(ctx, timeout)
		if rerr != nil {
			cancel()
			return rerr
		}
		if m != nil {
			if sub != nil {
				sub.Close()
				sub = nil
			}
			subscribed = true
			if m.Op != "subscribe" {
				cancel()
				if err := ws.send(ctx, &wsMessage{Type: "error", Error: `want {"op":"subscribe", ...}`}); err != nil {
					return err
				}
				continue
			}
			sel, err := ws.d.parseSelection(q, "")
			if err == nil {
				sub, err = ws.d.hub.Subscribe(sel.cursor, sel.opts)
			}
			if err != nil {
				cancel()
				if err := ws.sendErr(ctx, err); err != nil {
					return err
				}
				continue
			}
			if err := ws.send(ctx, &wsMessage{Type: "subscribed", Cursor: sub.Cursor().String(), Filter: sel.expr}); err != nil {
				cancel()
				return err
			}
		}
		if sub == nil {
			<-wctx.Done()
			cancel()
			if !subscribed && time.Now().After(waitFirst) {
				return errors.New("no subscribe message within " + wsSubscribeTimeout.String())
			}
			continue
		}
		n, err := sub.Next(wctx, 256, emit)
		idle := n == 0 && wctx.Err() == context.DeadlineExceeded
		cancel()
		if err != nil {
			if _, gone := goneBody(src, err); gone {
				sub.Close()
				sub = nil
				if err := ws.sendErr(ctx, err); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if idle {
			start := time.Now()
			pctx, pcancel := context.WithTimeout(ctx, writeTimeout)
			err := ws.c.Ping(pctx)
			pcancel()
			if err != nil && time.Since(start) >= writeTimeout {
				return &stuckError{err} // no pong: a client that does not read
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// sendErr tells the client why its subscribe failed (or ended).
func (ws *wsConn) sendErr(ctx context.Context, err error) error {
	if g, ok := goneBody(ws.d.hub.Source(), err); ok {
		return ws.send(ctx, &wsMessage{Type: "gone", Error: g.Error, Oldest: g.Oldest})
	}
	m := &wsMessage{Type: "error", Error: err.Error()}
	var br *badRequest
	if errors.As(err, &br) {
		m.Hint = br.hint
	}
	return ws.send(ctx, m)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
