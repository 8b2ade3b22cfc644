package cmd

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/sys/unix"

	"github.com/gluster/gluster-eventing/internal/api"
)

// The one readable form of an event, shared by `events` and `listen`:
//
//	2026-12-02T01:02:03Z node1 VOLUME_STOP          warning  volume   force=0 name=gv0
//
// time (UTC, whole seconds), node (hostname when known, else the first 8
// characters of its UUID), event name, severity, category, then the
// fields sorted by key, each value quoted when it holds spaces, quotes or
// '=' (or is empty).

// eventLine is what a readable line shows of an event.
type eventLine struct {
	Time     time.Time
	Node     string // UUID (or a name)
	Event    string
	Severity string
	Category string
	Fields   map[string]string
}

func lineOf(ev *api.Event) eventLine {
	t := ev.Received
	if t.IsZero() && ev.TS != 0 {
		t = time.Unix(ev.TS, 0)
	}
	return eventLine{Time: t, Node: ev.Node, Event: ev.Event, Severity: ev.Severity, Category: ev.Category, Fields: ev.Message}
}

// ANSI colours of the severities (on a terminal only).
const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
)

// Column widths of a line, and the length of a short node UUID.
const (
	eventWidth    = 22
	severityWidth = 8
	categoryWidth = 8
	shortNodeLen  = 8
)

// writeEventLine writes l as one line; names turns a node UUID into what
// is shown (nil: the short UUID).
func writeEventLine(w io.Writer, l eventLine, names *nodeNames, color bool) error {
	var b strings.Builder
	ts := "-"
	if !l.Time.IsZero() {
		ts = l.Time.UTC().Format(time.RFC3339)
	}
	node := shortNode(l.Node)
	if names != nil {
		node = names.name(l.Node)
	}
	if node == "" {
		node = "-"
	}
	sev := orDash(l.Severity)
	if color {
		ts = ansiDim + ts + ansiReset
	}
	fmt.Fprintf(&b, "%s %s ", ts, node)
	ev := fmt.Sprintf("%-*s", eventWidth, orDash(l.Event))
	sevCol := fmt.Sprintf("%-*s", severityWidth, sev)
	if color {
		switch sev {
		case "critical":
			ev, sevCol = ansiRed+ev+ansiReset, ansiRed+sevCol+ansiReset
		case "warning":
			ev, sevCol = ansiYellow+ev+ansiReset, ansiYellow+sevCol+ansiReset
		}
	}
	fmt.Fprintf(&b, "%s %s %-*s", ev, sevCol, categoryWidth, orDash(l.Category))
	for _, k := range slices.Sorted(maps.Keys(l.Fields)) {
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(quoteValue(l.Fields[k]))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, strings.TrimRight(b.String(), " \n")+"\n")
	return err
}

// quoteValue quotes a field value that would not read back as one word.
func quoteValue(v string) string {
	if v == "" || strings.ContainsFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || r == '"' || r == '=' || r == '\\' || !unicode.IsPrint(r)
	}) {
		return strconv.Quote(v)
	}
	return v
}

func shortNode(uuid string) string {
	if len(uuid) > shortNodeLen {
		return uuid[:shortNodeLen]
	}
	return uuid
}

// useColor says whether to colour output to w: --color always, or auto
// on a terminal unless NO_COLOR is set (https://no-color.org) or TERM is
// dumb.
func useColor(mode string, w io.Writer, getenv func(string) string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// nodeNames shows node UUIDs as hostnames, from the local daemon's state
// table: this node by its own hostname, peers by the name glusterd knows
// them by. A UUID it does not know is shown short; an unknown one makes
// it ask the daemon again, at most every refreshEvery.
type nodeNames struct {
	fetch func(context.Context) (*api.State, error) // nil: no names
	self  string                                    // this machine's hostname

	mu      sync.Mutex
	names   map[string]string
	fetched time.Time
}

const refreshEvery = 30 * time.Second

func newNodeNames(fetch func(context.Context) (*api.State, error)) *nodeNames {
	self, _ := os.Hostname()
	self, _, _ = strings.Cut(self, ".")
	return &nodeNames{fetch: fetch, self: self, names: map[string]string{}}
}

func (n *nodeNames) name(uuid string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if name, ok := n.names[uuid]; ok {
		return name
	}
	if n.fetch != nil && time.Since(n.fetched) > refreshEvery {
		n.refreshLocked()
		if name, ok := n.names[uuid]; ok {
			return name
		}
	}
	return shortNode(uuid)
}

// uuidOf returns the UUID of the node named name (a hostname, as name
// shows them, or one of its other hostnames), asking the daemon.
func (n *nodeNames) uuidOf(ctx context.Context, name string) (string, bool) {
	if n.fetch == nil {
		return "", false
	}
	st, err := n.fetch(ctx)
	if err != nil {
		return "", false
	}
	for _, p := range st.Peers {
		self := p.Self || p.Hostname == "localhost"
		if self && (strings.EqualFold(name, n.self) || name == "localhost") ||
			strings.EqualFold(p.Hostname, name) && p.Hostname != "localhost" ||
			slices.ContainsFunc(p.Hostnames, func(h string) bool { return strings.EqualFold(h, name) }) {
			return p.UUID, true
		}
	}
	return "", false
}

func (n *nodeNames) refreshLocked() {
	n.fetched = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := n.fetch(ctx)
	if err != nil {
		return
	}
	for _, p := range st.Peers {
		name := p.Hostname
		if p.Self || name == "localhost" {
			name = cmp.Or(n.self, name)
		}
		if name != "" {
			n.names[p.UUID] = name
		}
	}
}
