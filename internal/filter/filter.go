// Package filter is the one language in which gluster-eventing selects
// events: for webhooks and notifiers, the streams and the events command,
// D-Bus GetEvents and channels. Having one language means an operator learns
// it once and a channel defined in the cluster config means the same thing
// to every consumer.
//
// An expression is a list of terms separated by spaces or commas:
//
//	VOLUME_*  Volume.Create  Georep.State.Faulty   event names (globs, dotted spelling)
//	category:brick                                 the subsystem (gfevent.Category)
//	severity:warning                               warning or worse
//	volume:gv0                                     the volume the event is about (globs)
//	node:3f2a9c1e                                  the node's UUID or a prefix of it
//	channel:alerts                                 a named filter from the cluster config
//	!term                                          excludes what term selects
//
// Terms with the same key are alternatives (OR), different keys must all
// hold (AND), and an event that any negated term selects is excluded. An
// empty expression selects everything.
//
// Expressions are parsed once (at config load or request start) into a
// Filter whose Match does not allocate: the name, category and severity
// terms become one table indexed by event type.
package filter

import (
	"fmt"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gluster/gluster-eventing/gfevent"
)

// Filter is a parsed expression. A nil *Filter selects every event.
type Filter struct {
	// types says which event types the name, category and severity terms
	// (with their negations) let through.
	types [gfevent.NumTypes]bool
	// typed is set when some term constrains the type, so that an event
	// of a type outside the catalogue does not match.
	typed bool

	vols, notVols   []pattern
	nodes, notNodes []string // lower-case prefixes
	chans, notChans []*Filter
	// and are filters that must all match too (see All).
	and []*Filter
	// canon is the canonical expression.
	canon string
}

// maxDepth bounds channels referring to channels.
const maxDepth = 8

// MaxLen is the longest expression Parse accepts: filters come from URLs
// and D-Bus calls too, and no sensible one comes near it.
const MaxLen = 4096

// Error is a parse error. Pos is the 1-based byte offset of the term in
// Expr; Suggest are the known names closest to an unknown event name.
type Error struct {
	Expr    string
	Pos     int
	Term    string
	Msg     string
	Suggest []string
	// Channel names the channel whose expression had the error, if any.
	Channel string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Channel != "" {
		fmt.Fprintf(&b, "channel %q: ", e.Channel)
	}
	fmt.Fprintf(&b, "filter %q: at column %d: %s", e.Expr, e.Pos, e.Msg)
	if len(e.Suggest) > 0 {
		fmt.Fprintf(&b, " (did you mean %s?)", orList(e.Suggest))
	}
	return b.String()
}

func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Keys are the term keys the language knows, in canonical order; a term
// without a key is an event name pattern.
func Keys() []string {
	return []string{"category", "severity", "volume", "node", "channel"}
}

// Parse parses an expression. channels resolves "channel:NAME" terms to
// their expression; it may be nil when there are none. An empty expression
// gives a nil Filter, which matches everything.
func Parse(expr string, channels func(name string) (expr string, ok bool)) (*Filter, error) {
	return parse(expr, channels, nil)
}

// term is one parsed term.
type term struct {
	neg   bool
	key   string // "" for names
	value string // canonical value
	pos   int
	raw   string
}

func parse(expr string, channels func(string) (string, bool), stack []string) (*Filter, error) {
	if len(expr) > MaxLen {
		return nil, &Error{Expr: expr[:32] + "...", Pos: MaxLen + 1, Msg: fmt.Sprintf("expression longer than %d bytes", MaxLen)}
	}
	terms, err := split(expr)
	if err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return nil, nil
	}
	f := &Filter{}
	fail := func(t term, format string, args ...any) *Error {
		return &Error{Expr: expr, Pos: t.pos, Term: t.raw, Msg: fmt.Sprintf(format, args...)}
	}
	// Per type-based key: the union of positive terms, or nil when the key
	// has none; and the union of every negated term.
	var pos [3]*[gfevent.NumTypes]bool
	var neg [gfevent.NumTypes]bool
	keyIndex := map[string]int{"": 0, "category": 1, "severity": 2}
	for i := range terms {
		t := &terms[i]
		var sel *[gfevent.NumTypes]bool
		switch t.key {
		case "", "category", "severity":
			m, canon, err := typeTerm(t.key, t.value)
			if err != nil {
				e := fail(*t, "%s", err.msg)
				e.Suggest = err.suggest
				return nil, e
			}
			t.value, sel = canon, m
		case "volume":
			if _, err := path.Match(t.value, ""); err != nil {
				return nil, fail(*t, "bad volume pattern %q: %v", t.value, err)
			}
			if t.neg {
				f.notVols = append(f.notVols, compilePattern(t.value))
			} else {
				f.vols = append(f.vols, compilePattern(t.value))
			}
			continue
		case "node":
			t.value = strings.ToLower(t.value)
			if strings.Trim(t.value, "0123456789abcdef-") != "" {
				return nil, fail(*t, "node %q is not a glusterd UUID or a prefix of one (hex digits and -)", t.value)
			}
			if t.neg {
				f.notNodes = append(f.notNodes, t.value)
			} else {
				f.nodes = append(f.nodes, t.value)
			}
			continue
		case "channel":
			if channels == nil {
				return nil, fail(*t, "unknown channel %q (no channels are defined)", t.value)
			}
			if slices.Contains(stack, t.value) {
				return nil, fail(*t, "channel %q refers to itself (%s)", t.value, strings.Join(append(stack, t.value), " -> "))
			}
			if len(stack) >= maxDepth {
				return nil, fail(*t, "channels nest deeper than %d", maxDepth)
			}
			sub, ok := channels(t.value)
			if !ok {
				return nil, fail(*t, "unknown channel %q", t.value)
			}
			cf, err := parse(sub, channels, append(stack, t.value))
			if err != nil {
				if e, ok := err.(*Error); ok && e.Channel == "" {
					e.Channel = t.value
				}
				return nil, err
			}
			if cf == nil {
				cf = all() // an empty channel selects everything
			}
			if t.neg {
				f.notChans = append(f.notChans, cf)
			} else {
				f.chans = append(f.chans, cf)
			}
			continue
		default:
			return nil, fail(*t, "unknown key %q (want %s, or an event name pattern)", t.key, orList(Keys()))
		}
		if t.neg {
			for i, ok := range sel {
				neg[i] = neg[i] || ok
			}
			f.typed = true
			continue
		}
		k := keyIndex[t.key]
		if pos[k] == nil {
			pos[k] = new([gfevent.NumTypes]bool)
		}
		for i, ok := range sel {
			pos[k][i] = pos[k][i] || ok
		}
		f.typed = true
	}
	for i := range f.types {
		ok := !neg[i]
		for _, p := range pos {
			if p != nil && !p[i] {
				ok = false
			}
		}
		f.types[i] = ok
	}
	f.canon = canonical(terms)
	return f, nil
}

// all returns a Filter that selects every event.
func all() *Filter {
	f := &Filter{}
	for i := range f.types {
		f.types[i] = true
	}
	return f
}

// split cuts an expression into terms, recording each one's position.
func split(expr string) ([]term, error) {
	var terms []term
	i := 0
	for i < len(expr) {
		c := expr[i]
		if c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		start := i
		for i < len(expr) && !strings.ContainsRune(" ,\t\n\r", rune(expr[i])) {
			i++
		}
		raw := expr[start:i]
		t := term{pos: start + 1, raw: raw}
		s := raw
		if strings.HasPrefix(s, "!") {
			t.neg, s = true, s[1:]
		}
		if k, v, ok := strings.Cut(s, ":"); ok {
			t.key, s = strings.ToLower(k), v
			if t.key == "event" || t.key == "type" {
				t.key = ""
			}
		}
		if s == "" {
			what := "an event name"
			if t.key != "" {
				what = "a value after " + t.key + ":"
			}
			return nil, &Error{Expr: expr, Pos: t.pos, Term: raw, Msg: fmt.Sprintf("%q: want %s", raw, what)}
		}
		t.value = s
		terms = append(terms, t)
	}
	return terms, nil
}

type typeErr struct {
	msg     string
	suggest []string
}

// typeTerm turns a name pattern, category or severity into the set of event
// types it selects, and the value's canonical spelling.
func typeTerm(key, value string) (*[gfevent.NumTypes]bool, string, *typeErr) {
	var m [gfevent.NumTypes]bool
	switch key {
	case "category":
		c, err := gfevent.ParseCategory(value)
		if err != nil {
			return nil, "", &typeErr{msg: err.Error()}
		}
		for _, t := range gfevent.Types() {
			m[t] = t.Info().Category == c
		}
		return &m, c.String(), nil
	case "severity":
		s, err := gfevent.ParseSeverity(value)
		if err != nil {
			return nil, "", &typeErr{msg: err.Error()}
		}
		for _, t := range gfevent.Types() {
			m[t] = t.Info().Severity >= s
		}
		return &m, s.String(), nil
	}
	types, err := Names(value)
	if err != nil {
		e := &typeErr{msg: err.Error()}
		if ne, ok := err.(*NameError); ok {
			e.msg, e.suggest = ne.msg(), ne.Suggest
		}
		return nil, "", e
	}
	for _, t := range types {
		m[t] = true
	}
	canon := gfevent.CanonicalName(value)
	if len(types) == 1 && !hasMeta(canon) {
		canon = types[0].String()
	}
	return &m, canon, nil
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// NameError is an event name pattern that selects no event.
type NameError struct {
	Pattern string
	// Suggest are the closest known names, best first.
	Suggest []string
}

func (e *NameError) msg() string {
	if hasMeta(gfevent.CanonicalName(e.Pattern)) {
		return fmt.Sprintf("pattern %q matches no event", e.Pattern)
	}
	return fmt.Sprintf("unknown event name %q", e.Pattern)
}

func (e *NameError) Error() string {
	if len(e.Suggest) == 0 {
		return e.msg()
	}
	return fmt.Sprintf("%s (did you mean %s?)", e.msg(), orList(e.Suggest))
}

// Names returns the event types a name pattern selects, in id order: a
// name or glob ("VOLUME_*", "volume_st?rt"), in Gluster's dotted spelling
// ("Volume.*", "Georep.State.Faulty"), or a decimal id. Case does not
// matter. A pattern that selects nothing is a *NameError with the closest
// known names.
func Names(pattern string) ([]gfevent.Type, error) {
	canon := gfevent.CanonicalName(pattern)
	if canon == "" {
		return nil, &NameError{Pattern: pattern}
	}
	if !hasMeta(canon) {
		if t, ok := gfevent.Lookup(pattern); ok {
			return []gfevent.Type{t}, nil
		}
		if _, err := strconv.Atoi(pattern); err == nil {
			return nil, fmt.Errorf("event id %s is not in the catalogue (0 to %d)", pattern, gfevent.NumTypes-1)
		}
		return nil, &NameError{Pattern: pattern, Suggest: suggest(canon)}
	}
	if _, err := path.Match(canon, ""); err != nil {
		return nil, fmt.Errorf("bad event name pattern %q: %w", pattern, err)
	}
	var out []gfevent.Type
	for _, t := range gfevent.Types() {
		ok, _ := path.Match(canon, t.String())
		if a := t.Alias(); !ok && a != "" {
			ok, _ = path.Match(canon, a)
		}
		if ok {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, &NameError{Pattern: pattern, Suggest: suggest(strings.Trim(canon, `*?`))}
	}
	return out, nil
}

// suggest returns up to three catalogue names closest to s by edit
// distance, within a distance that keeps the suggestions plausible, and
// otherwise names that contain s.
func suggest(s string) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	if len(s) > 64 {
		return nil // longer than any name
	}
	limit := max(2, len(s)/3)
	for _, t := range gfevent.Types() {
		d := distance(s, t.String())
		if a := t.Alias(); a != "" {
			d = min(d, distance(s, a))
		}
		if d <= limit {
			cs = append(cs, cand{t.String(), d})
		}
	}
	if len(cs) == 0 && len(s) >= 3 {
		for _, t := range gfevent.Types() {
			if strings.Contains(t.String(), s) {
				cs = append(cs, cand{t.String(), 0})
			}
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	var out []string
	for _, c := range cs {
		if len(out) == 3 || c.d > cs[0].d {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// distance is the Levenshtein distance of a and b (bytes; names are ASCII).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// canonical writes the terms in canonical order: names, then each key of
// Keys, positives before negations, duplicates removed.
func canonical(terms []term) string {
	var out []string
	for _, key := range append([]string{""}, Keys()...) {
		for _, neg := range []bool{false, true} {
			for _, t := range terms {
				if t.key != key || t.neg != neg {
					continue
				}
				s := t.value
				if key != "" {
					s = key + ":" + s
				}
				if neg {
					s = "!" + s
				}
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	return strings.Join(out, " ")
}

// String returns the canonical expression: Parse(f.String()) selects the
// same events. A nil Filter is "".
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	return f.canon
}

// Match reports whether f selects ev, received on node (a glusterd UUID).
// It does not allocate.
func (f *Filter) Match(ev *gfevent.Event, node string) bool {
	if f == nil {
		return true
	}
	if ev.Type.Valid() {
		if !f.types[ev.Type] {
			return false
		}
	} else if f.typed {
		return false
	}
	if len(f.vols) > 0 || len(f.notVols) > 0 {
		v, ok := ev.Volume()
		if len(f.vols) > 0 && (!ok || !matchAny(f.vols, v)) {
			return false
		}
		if ok && matchAny(f.notVols, v) {
			return false
		}
	}
	if len(f.nodes) > 0 && !prefixAny(f.nodes, node) {
		return false
	}
	if prefixAny(f.notNodes, node) {
		return false
	}
	if len(f.chans) > 0 {
		ok := false
		for _, c := range f.chans {
			if c.Match(ev, node) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, c := range f.notChans {
		if c.Match(ev, node) {
			return false
		}
	}
	for _, c := range f.and {
		if !c.Match(ev, node) {
			return false
		}
	}
	return true
}

// MayMatchType reports whether f can select an event of type t: false means
// no event of that type matches, whatever its fields and node, so a
// consumer can skip the event without decoding it. (True promises nothing.)
func (f *Filter) MayMatchType(t gfevent.Type) bool {
	if f == nil {
		return true
	}
	if t.Valid() {
		if !f.types[t] {
			return false
		}
	} else if f.typed {
		return false
	}
	if len(f.chans) > 0 {
		ok := false
		for _, c := range f.chans {
			if c.MayMatchType(t) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, c := range f.and {
		if !c.MayMatchType(t) {
			return false
		}
	}
	return true
}

// All returns a Filter that selects what every one of fs selects; nil
// entries select everything, and All of nothing but nil is nil. Its String
// is theirs joined by " AND " and does not parse: All combines what was
// configured separately (a webhook's events list, its filter and its
// channel).
func All(fs ...*Filter) *Filter {
	var and []*Filter
	var canon []string
	for _, f := range fs {
		if f != nil {
			and = append(and, f)
			canon = append(canon, "("+f.String()+")")
		}
	}
	switch len(and) {
	case 0:
		return nil
	case 1:
		return and[0]
	}
	f := all()
	f.and, f.canon = and, strings.Join(canon, " AND ")
	return f
}

// OfTypes returns a Filter that selects the events of the given types; its
// String lists their names.
func OfTypes(types []gfevent.Type) *Filter {
	f := &Filter{typed: true}
	var names []string
	for _, t := range types {
		if t.Valid() && !f.types[t] {
			f.types[t] = true
			names = append(names, t.String())
		}
	}
	f.canon = strings.Join(names, " ")
	if f.canon == "" {
		f.canon = "!*" // nothing
	}
	return f
}

// Equal reports whether f and g are the same filter: the same expression
// with the same channel definitions. (go-cmp uses it.)
func (f *Filter) Equal(g *Filter) bool {
	return reflect.DeepEqual(f, g)
}

// pattern is a volume name or glob, with the common globs (one '*' and
// nothing else special: "gv*", "*-prod", "v*05") matched by comparing a
// prefix and a suffix rather than by path.Match.
type pattern struct {
	s              string
	glob           bool   // s has glob syntax
	star           bool   // s is prefix + "*" + suffix
	prefix, suffix string // when star
}

func compilePattern(s string) pattern {
	p := pattern{s: s, glob: hasMeta(s)}
	if pre, suf, ok := strings.Cut(s, "*"); ok && !hasMeta(pre) && !hasMeta(suf) {
		p.star, p.prefix, p.suffix = true, pre, suf
	}
	return p
}

func (p *pattern) match(v string) bool {
	switch {
	case !p.glob:
		return p.s == v
	case p.star:
		return len(v) >= len(p.prefix)+len(p.suffix) && strings.HasPrefix(v, p.prefix) && strings.HasSuffix(v, p.suffix)
	}
	ok, _ := path.Match(p.s, v)
	return ok
}

func matchAny(patterns []pattern, v string) bool {
	for i := range patterns {
		if patterns[i].match(v) {
			return true
		}
	}
	return false
}

func prefixAny(prefixes []string, node string) bool {
	for _, p := range prefixes {
		if len(node) >= len(p) && strings.EqualFold(node[:len(p)], p) {
			return true
		}
	}
	return false
}
