package eventlog

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Cursor is a stream position: for each origin node, the epoch of its
// journal and the last seq seen. Its String form is the SSE event id and the
// resume token of every stream:
//
//	<node8>.<epoch8>.<seq>[,<node8>.<epoch8>.<seq>...]
//
// where node8 is the first 8 hex digits of the node's UUID (dashes
// removed) and epoch8 the first 8 characters of its journal epoch: short
// enough for an id line, and unique in any cluster Gluster can form (a
// clash of the first 32 bits of two random UUIDs in one cluster is
// vanishingly unlikely and would show as one node's events missing, never
// as a wrong event).
//
// The zero Cursor names no position. ParseCursor also accepts "N" (seq N of
// the local node's current journal) and "E-N" (seq N of the local journal
// with epoch E); Check binds those to the local origin.
type Cursor struct {
	pos []position // sorted by node
}

type position struct {
	node, epoch string // short forms
	seq         uint64
}

// localNode marks a position that names the local node; Check binds it.
const localNode = "local"

// ParseCursor parses a cursor's String form, "N" or "E-N".
func ParseCursor(s string) (Cursor, error) {
	var c Cursor
	s = strings.TrimSpace(s)
	if s == "" {
		return c, nil
	}
	if seq, err := strconv.ParseUint(s, 10, 64); err == nil {
		c.pos = []position{{node: localNode, seq: seq}}
		return c, nil
	}
	if e, n, ok := strings.Cut(s, "-"); ok && !strings.Contains(s, ".") {
		seq, err := strconv.ParseUint(n, 10, 64)
		if err != nil || e == "" {
			return c, fmt.Errorf("cursor %q: want EPOCH-SEQ, a seq, or node.epoch.seq[,...]", s)
		}
		c.pos = []position{{node: localNode, epoch: shortN(e), seq: seq}}
		return c, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		f := strings.Split(part, ".")
		if len(f) != 3 || f[0] == "" || f[1] == "" {
			return Cursor{}, fmt.Errorf("cursor %q: position %q is not node.epoch.seq", s, part)
		}
		seq, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			return Cursor{}, fmt.Errorf("cursor %q: position %q: bad seq", s, part)
		}
		c.Set(f[0], f[1], seq)
	}
	return c, nil
}

// short is the form of a node UUID or epoch that a cursor holds.
func short(s string) string { return shortN(strings.ReplaceAll(s, "-", "")) }

func shortN(s string) string {
	s = strings.ToLower(s)
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

func (c Cursor) find(node string) (int, bool) {
	return slices.BinarySearchFunc(c.pos, node, func(p position, n string) int { return cmp.Compare(p.node, n) })
}

// Get returns the position of origin (a full UUID or its short form).
func (c Cursor) Get(origin string) (epoch string, seq uint64, ok bool) {
	i, ok := c.find(short(origin))
	if !ok {
		return "", 0, false
	}
	return c.pos[i].epoch, c.pos[i].seq, true
}

// Set records that origin's journal with epoch was seen up to seq. It
// changes c in place; copy with Clone first when c is shared.
func (c *Cursor) Set(origin, epoch string, seq uint64) {
	p := position{node: short(origin), epoch: short(epoch), seq: seq}
	if i, ok := c.find(p.node); ok {
		c.pos[i] = p
	} else {
		c.pos = slices.Insert(c.pos, i, p)
	}
}

// Clone returns a copy of c that Set does not share.
func (c Cursor) Clone() Cursor { return Cursor{pos: slices.Clone(c.pos)} }

// IsZero reports whether c names no position.
func (c Cursor) IsZero() bool { return len(c.pos) == 0 }

// String is the cursor's resume token.
func (c Cursor) String() string {
	var b strings.Builder
	for i, p := range c.pos {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.node)
		b.WriteByte('.')
		b.WriteString(p.epoch)
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(p.seq, 10))
	}
	return b.String()
}

// bind replaces a local-node position with one of o, the local origin.
func (c Cursor) bind(o Origin) Cursor {
	i, ok := c.find(localNode)
	if !ok {
		return c
	}
	p := c.pos[i]
	out := Cursor{pos: slices.Delete(slices.Clone(c.pos), i, i+1)}
	epoch := p.epoch
	if epoch == "" {
		epoch = short(o.Epoch)
	}
	out.Set(o.Node, epoch, p.seq)
	return out
}
