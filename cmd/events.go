package cmd

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/eventlog"
)

// EventsCmd prints the cluster's events from the local daemon's event log:
// journalctl for Gluster events.
type EventsCmd struct {
	Since    string        `help:"Start after this position: a cursor (as --json prints and the stream's ids are), a seq of this node, an RFC 3339 time (2026-12-02T01:00:00Z), a duration ago (10m, 2h), or 'start' for the oldest event kept." placeholder:"POS|TIME|DURATION"`
	Follow   bool          `short:"f" help:"Keep printing events as they arrive (after the last 10 unless --since or --lines say otherwise); reconnects by itself when the daemon restarts. Ctrl-C ends."`
	Lines    *int          `short:"n" help:"Print only the last N events (of those --since selects, if given)." placeholder:"N"`
	Type     []string      `help:"Only events whose name matches: VOLUME_STOP, a glob (VOLUME_*) or Gluster's dotted spelling (Volume.*); repeat or comma-separate for any of them." placeholder:"PATTERN"`
	Category string        `help:"Only events of this category: volume, brick, peer, quorum, georep, quota, snapshot, ..." placeholder:"NAME"`
	Severity string        `help:"Only events of this severity or worse: info, warning or critical." placeholder:"LEVEL"`
	Volume   string        `help:"Only events about this volume." placeholder:"NAME"`
	Node     string        `help:"Only events received by this node: its glusterd UUID, a prefix of it, or its hostname as the state table knows it." placeholder:"NODE"`
	Filter   string        `help:"Only events matching this filter expression ('category:brick severity:warning !BRICK_CONNECTED'); the language is in gluster-eventing.toml(5)." placeholder:"EXPR"`
	Channel  string        `help:"Only events of this channel (a filter named in the cluster config's [channels.NAME])." placeholder:"NAME"`
	Local    bool          `help:"Only this node's events (by default every node's, as the cluster view has them)."`
	Color    string        `help:"Colour severities: auto (on a terminal, unless NO_COLOR is set), always or never." enum:"auto,always,never" default:"auto"`
	Timeout  time.Duration `help:"How long to wait for each answer of this node's daemon." default:"10s"`
}

// Help is the detail of events --help.
func (c *EventsCmd) Help() string {
	return "Each line is: the time the event was received (UTC), the node that received it (its hostname when " +
		"the daemon's state table knows it, else the start of its UUID), the event's name, severity and category, " +
		"and its fields. With --json, one JSON object per event and line (cursor, node, epoch, seq, event, category, " +
		"severity, ts, received, source, message): an event's cursor, given to --since, resumes after it on any node. " +
		"Without --since, --lines or --follow every event kept is printed, oldest first; --follow alone starts with the " +
		"last 10. When the daemon goes away, --follow says so on standard error and resumes without a gap when it is back. " +
		"When this node does not get its peers' events (forwarding off, or a pull failing), a note on standard error says so. " +
		"A position that is no longer kept (retention, or a journal that was replaced) is an error that names the oldest one kept."
}

// pageSize is how many events one GET /v1/events asks for.
const pageSize = 1000

// followLines is how many events --follow alone starts with, as
// journalctl -f.
const followLines = 10

func (c *EventsCmd) Run(env *Env, g *Globals) error {
	since, err := sinceArg(c.Since)
	if err != nil {
		return err
	}
	lines := -1
	if c.Lines != nil {
		if *c.Lines < 0 {
			return errorf(ExitUsage, "--lines %d: want 0 or more", *c.Lines)
		}
		lines = *c.Lines
	}
	if c.Follow && c.Since == "" && lines < 0 {
		lines = followLines
	}
	node, err := loadNode(g)
	if err != nil {
		return err
	}
	client := api.NewClient(node.APISocket)
	client.Timeout = c.Timeout
	p := &eventPrinter{out: env.Stdout, json: g.JSON, color: useColor(c.Color, env.Stdout, env.Getenv),
		names: newNodeNames(client.State)}
	nodeID, err := nodeArg(env.Ctx, c.Node, p.names)
	if err != nil {
		return err
	}
	q := api.EventQuery{Types: c.Type, Category: c.Category, Severity: c.Severity, Volume: c.Volume,
		Node: nodeID, Filter: c.Filter, Channel: c.Channel, Local: c.Local, Limit: pageSize}
	r := &eventReader{client: client, q: q}

	if !c.Local {
		viewNote(env, client)
	}
	var next string
	switch {
	case since == "" && lines >= 0:
		next, err = r.tail(env.Ctx, lines, p.print)
	case since == "":
		next, err = r.all(env.Ctx, "0", lines, p.print)
	default:
		next, err = r.all(env.Ctx, since, lines, p.print)
	}
	switch {
	case env.Ctx.Err() != nil:
		return nil // Ctrl-C
	case err != nil:
		return eventsError(err, client.Socket)
	case !c.Follow:
		return nil
	}
	err = r.follow(env, next, p.print)
	if env.Ctx.Err() != nil {
		return nil
	}
	return eventsError(err, client.Socket)
}

// sinceArg checks --since and returns what the daemon is asked with: the
// positions, times and durations the API takes, "start" as "0".
func sinceArg(s string) (string, error) {
	switch s = strings.TrimSpace(s); {
	case s == "":
		return "", nil
	case s == "start" || s == "0":
		return "0", nil
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return s, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return "", errorf(ExitUsage, "--since %s: a duration ago must be positive", s)
		}
		return s, nil
	}
	if _, err := eventlog.ParseCursor(s); err == nil {
		return s, nil
	}
	return "", &Error{Code: ExitUsage, Err: fmt.Errorf("--since %q is not a position, a time or a duration", s),
		Hints: []string{"a cursor as 'events --json' prints it (3f2a9c1e.9b1c0d2e.4812,...), a seq of this node (4812), " +
			"an RFC 3339 time (2026-12-02T01:00:00Z), a duration ago (10m) or 'start'"}}
}

// viewNote says on stderr when the cluster view is partial: the daemon
// does not pull its peers' events (forwarding off), or a peer's pull is
// not connected. Nothing when the status cannot be had: reading the
// events reports that.
func viewNote(env *Env, client *api.Client) {
	st, err := client.Status(env.Ctx)
	if err != nil || st.State == nil {
		return
	}
	names := map[string]string{}
	peers := 0
	for _, p := range st.State.Peers {
		if !p.Self {
			peers++
			names[p.UUID] = p.Hostname
		}
	}
	if peers == 0 {
		return
	}
	f := st.Forwarding
	if f == nil || f.State != "on" {
		why := "off"
		if f != nil && f.Reason != "" {
			why = "off: " + f.Reason
		}
		fmt.Fprintf(env.Stderr, "%s: note: this node does not receive its peers' events (forwarding %s): only its own are shown\n", env.Prog, why)
		return
	}
	for _, p := range f.Peers {
		if !p.Connected {
			fmt.Fprintf(env.Stderr, "%s: note: %s's events may be missing or late: pulling them is failing (%s)\n",
				env.Prog, cmp.Or(names[p.Node], shortNode(p.Node)), cmp.Or(p.Error, "not connected"))
		}
	}
}

// nodeArg turns --node into what the filter's node: takes, a UUID or a
// prefix of one: a hostname the state table knows is its node's UUID.
func nodeArg(ctx context.Context, s string, names *nodeNames) (string, error) {
	if s == "" || strings.Trim(strings.ToLower(s), "0123456789abcdef-") == "" {
		return s, nil
	}
	if id, ok := names.uuidOf(ctx, s); ok {
		return id, nil
	}
	return "", &Error{Code: ExitUsage, Err: fmt.Errorf("--node %s: no node of that hostname in the state table, and not a UUID", s),
		Hints: []string{"'gluster-eventing state' lists the peers with their hostnames and UUIDs"}}
}

// eventsError gives the errors of reading events their exit code and
// hints: a position no longer kept names the oldest one; a filter the
// daemon refused is a usage error.
func eventsError(err error, socket string) error {
	var g *api.GoneError
	if errors.As(err, &g) {
		e := &Error{Code: ExitError, Err: err}
		if g.Oldest != "" {
			e.Hints = append(e.Hints, fmt.Sprintf("'gluster-eventing events --since %s' (or --since start) starts at the oldest event kept", g.Oldest))
		} else {
			e.Hints = append(e.Hints, "'gluster-eventing events --since start' starts at the oldest event kept")
		}
		return e
	}
	var ae *api.Error
	if errors.As(err, &ae) && ae.StatusCode == http.StatusBadRequest {
		e := &Error{Code: ExitUsage, Err: errors.New(ae.Message)} // "filter ...: unknown event name ... (did you mean ...?)"
		if strings.Contains(ae.Message, "unknown channel") {
			e.Hints = append(e.Hints, "'gluster-eventing channel-list' lists the channels of the cluster config")
		}
		if h := ae.Hint(); h != "" {
			e.Hints = append(e.Hints, h)
		}
		return e
	}
	return apiError(err, socket, "")
}

// eventPrinter prints events as lines or JSON lines.
type eventPrinter struct {
	out   io.Writer
	json  bool
	color bool
	names *nodeNames
}

func (p *eventPrinter) print(ev *api.Event) error {
	if p.json {
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encoding event %s: %w", ev.Cursor, err)
		}
		_, err = fmt.Fprintf(p.out, "%s\n", b)
		return err
	}
	return writeEventLine(p.out, lineOf(ev), p.names, p.color)
}

// eventReader reads events from the daemon's event API.
type eventReader struct {
	client *api.Client
	q      api.EventQuery
}

// all reads every event after since up to the current end, passing each
// to fn, or with last >= 0 only the last that many; it returns the cursor
// after what it read.
func (r *eventReader) all(ctx context.Context, since string, last int, fn func(*api.Event) error) (string, error) {
	var ring []api.Event
	keep := func(ev *api.Event) error {
		if last < 0 {
			return fn(ev)
		}
		if last == 0 {
			return nil
		}
		if len(ring) == last {
			ring = slices.Delete(ring, 0, 1)
		}
		ring = append(ring, *ev)
		return nil
	}
	next, err := r.read(ctx, since, keep)
	if err != nil {
		return "", err
	}
	for i := range ring {
		if err := fn(&ring[i]); err != nil {
			return "", err
		}
	}
	return next, nil
}

// read pages through the events after since until an answer has none,
// and returns the cursor after the last.
func (r *eventReader) read(ctx context.Context, since string, fn func(*api.Event) error) (string, error) {
	q := r.q
	q.Since = since
	for {
		page, err := r.client.Events(ctx, q)
		if err != nil {
			return "", err
		}
		for i := range page.Events {
			if err := fn(&page.Events[i]); err != nil {
				return "", err
			}
		}
		if page.Next != "" {
			q.Since = page.Next
		}
		if len(page.Events) == 0 {
			return q.Since, nil
		}
	}
}

// tail passes the last n events (by time received) to fn, oldest first,
// and returns the cursor after the current end. It reads back from the
// end a window of n events per node, and a window four times as large
// until it has n matching events or reached the oldest of every node:
// a filter that matches little costs more reads, never a scan of the
// whole journal to print ten lines.
func (r *eventReader) tail(ctx context.Context, n int, fn func(*api.Event) error) (string, error) {
	end, err := r.end(ctx)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return end, nil
	}
	ends, ok := positionsOf(end)
	if !ok {
		// A cursor this client cannot take apart: read everything.
		return r.all(ctx, "0", n, fn)
	}
	floor := map[string]uint64{} // node -> oldest position kept, after a 410
	for window := uint64(n); ; {
		start := eventlog.Cursor{}
		reachedAll := true
		for _, p := range ends {
			s := uint64(0)
			if p.seq > window {
				s = p.seq - window
			}
			if f, ok := floor[p.node]; ok && s <= f {
				s = f
			}
			if s > floor[p.node] {
				reachedAll = false
			}
			start.Set(p.node, p.epoch, s)
		}
		var got []api.Event
		next, err := r.read(ctx, start.String(), func(ev *api.Event) error {
			got = append(got, *ev)
			return nil
		})
		var g *api.GoneError
		if errors.As(err, &g) {
			oldest, ok := positionsOf(g.Oldest)
			if !ok || !raiseFloor(floor, oldest) {
				return "", err
			}
			continue // the same window again, from the floor
		}
		if err != nil {
			return "", err
		}
		if len(got) >= n || reachedAll {
			slices.SortStableFunc(got, func(a, b api.Event) int { return a.Received.Compare(b.Received) })
			for i := range got[max(0, len(got)-n):] {
				if err := fn(&got[max(0, len(got)-n)+i]); err != nil {
					return "", err
				}
			}
			return next, nil
		}
		window *= 4
	}
}

// end returns the cursor of the current end of the event log: the next
// of a request from now, which has no events.
func (r *eventReader) end(ctx context.Context) (string, error) {
	q := r.q
	q.Since, q.Limit, q.Wait = "", 1, 0
	page, err := r.client.Events(ctx, q)
	if err != nil {
		return "", err
	}
	return page.Next, nil
}

// position is one node's entry of a cursor.
type position struct {
	node, epoch string
	seq         uint64
}

// positionsOf takes a cursor of the full form ("node.epoch.seq,...")
// apart.
func positionsOf(c string) ([]position, bool) {
	if c == "" {
		return nil, false
	}
	var ps []position
	for part := range strings.SplitSeq(c, ",") {
		f := strings.Split(part, ".")
		if len(f) != 3 {
			return nil, false
		}
		seq, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			return nil, false
		}
		ps = append(ps, position{f[0], f[1], seq})
	}
	return ps, true
}

// raiseFloor records the oldest positions of a 410 and reports whether
// any rose: if none did, asking again would get the same answer.
func raiseFloor(floor map[string]uint64, oldest []position) bool {
	rose := false
	for _, p := range oldest {
		if f, ok := floor[p.node]; !ok || p.seq > f {
			floor[p.node] = p.seq
			rose = true
		}
	}
	return rose
}

// Reconnection delays of --follow: from minRetry doubling up to the
// daemon's "retry:" (maxRetry if it sent none) while it stays away.
const (
	minRetry = 250 * time.Millisecond
	maxRetry = 5 * time.Second
)

// follow streams the events after from until ctx ends, reconnecting with
// Last-Event-ID when the stream breaks and saying so on stderr. It
// returns an error only for what reconnecting cannot fix: the first
// connection failing, a position no longer kept, a refused filter.
func (r *eventReader) follow(env *Env, from string, fn func(*api.Event) error) error {
	ctx := env.Ctx
	last := from
	if last == "" {
		// Resume from a known position even if the first connection
		// breaks before an event arrived.
		var err error
		if last, err = r.end(ctx); err != nil {
			return err
		}
	}
	q := r.q
	q.Since = last
	connected := false
	var lost error // why the stream broke, nil while it runs
	delay, ceiling := minRetry, maxRetry
	for {
		s, err := r.client.Stream(ctx, q, last)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !connected:
			return err
		case err != nil && !retryable(err):
			return err
		case err != nil:
			if lost == nil {
				lost = err
				fmt.Fprintf(env.Stderr, "%s: note: lost the daemon (%v); reconnecting\n", env.Prog, err)
			}
			if !sleepCtx(ctx, delay) {
				return nil
			}
			delay = min(2*delay, ceiling)
			continue
		}
		if lost != nil {
			fmt.Fprintf(env.Stderr, "%s: note: reconnected; resuming after %s\n", env.Prog, orDash(last))
			lost = nil
		}
		connected = true
		delay = minRetry
		for {
			ev, err := s.Next()
			if err != nil {
				s.Close()
				if ctx.Err() != nil {
					return nil
				}
				if !retryable(err) {
					return err
				}
				if s.Retry > 0 { // the daemon's "retry:", read with the stream
					ceiling = max(s.Retry, minRetry)
				}
				lost = err
				if errors.Is(err, io.EOF) {
					lost = errors.New("the stream ended")
				}
				fmt.Fprintf(env.Stderr, "%s: note: lost the daemon (%v); reconnecting\n", env.Prog, lost)
				break
			}
			if ev.ID != "" {
				last = ev.ID
			}
			if err := fn(&ev.Event); err != nil {
				s.Close()
				return err
			}
		}
		// Reconnect at once the first time: a daemon that restarted is
		// usually back, and the dial says when it is not.
	}
}

// retryable says whether a failed reconnection is worth trying again: the
// daemon is away, slow or gone mid-answer, not refusing the request.
func retryable(err error) bool {
	var g *api.GoneError
	var ae *api.Error
	switch {
	case errors.As(err, &g):
		return false
	case errors.As(err, &ae):
		return ae.StatusCode >= 500
	case errors.Is(err, api.ErrPermission):
		return false
	}
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
