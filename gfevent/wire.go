package gfevent

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Port is the UDP port Gluster 10 and later send events to. It is
// hard-coded in Gluster's C emitter (EVENT_PORT); Gluster 9 and older used
// 24009.
const Port = 55555

// MaxDatagram is the largest payload a UDP datagram can carry. Gluster's
// glustereventsd truncated everything beyond 8192 bytes; we read it all.
const MaxDatagram = 65535

// Field is one key=value pair of an event body. Key and Value are exactly as
// sent (Gluster's AFR events send the key " subvol" with a leading space),
// except that invalid UTF-8 is replaced by U+FFFD.
type Field struct {
	Key   string
	Value string
}

// Event is one parsed datagram.
type Event struct {
	// Time is the sender's clock in unix seconds (1-second resolution).
	Time int64
	Type Type
	// Fields are the body's pairs in wire order.
	Fields []Field
	// Flags record what the tolerant parser had to repair.
	Flags Flags
}

// Flags record the irregularities the parser met and repaired. A non-zero
// value never means the event was dropped; it lets callers count and flag
// the quirks of real Gluster senders.
type Flags uint16

const (
	// FlagNullBody: the body was "(null)" (BITROT_ENABLE, BITROT_DISABLE and
	// BITROT_SCRUB_ONDEMAND always send that); the event has no fields.
	FlagNullBody Flags = 1 << iota
	// FlagNoBody: the datagram had a timestamp and an id but no body.
	FlagNoBody
	// FlagEmptyPair: the body had empty pairs (";;" or a trailing ";").
	FlagEmptyPair
	// FlagJoinedPair: a segment without "=" was joined to the previous
	// value with ";" (free text such as error messages may contain ";").
	FlagJoinedPair
	// FlagBareKey: the first segment had no "="; it became a key with an
	// empty value.
	FlagBareKey
	// FlagInvalidUTF8: invalid UTF-8 was replaced by U+FFFD.
	FlagInvalidUTF8
	// FlagDuplicateKey: a key occurred more than once (the last one wins
	// in the legacy body, all are kept in Fields).
	FlagDuplicateKey
	// FlagSpaceInKey: a key had leading or trailing spaces.
	FlagSpaceInKey
)

// Repairs are the flags that mean the parser changed or completed what was
// sent (as opposed to noting a quirk it kept, such as a key with spaces).
const Repairs = FlagNullBody | FlagNoBody | FlagEmptyPair | FlagJoinedPair | FlagBareKey | FlagInvalidUTF8

var flagNames = [...]string{"null_body", "no_body", "empty_pair", "joined_pair", "bare_key", "invalid_utf8", "duplicate_key", "space_in_key"}

// Names returns the flags as short snake_case words, in bit order.
func (f Flags) Names() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func (f Flags) String() string { return strings.Join(f.Names(), ",") }

// Reason classifies why a datagram could not be parsed at all. Callers count
// rejects by reason.
type Reason uint8

const (
	ReasonEmpty        Reason = iota + 1 // nothing but whitespace
	ReasonNoType                         // no id after the timestamp
	ReasonBadTimestamp                   // the timestamp is not a decimal integer
	ReasonBadType                        // the id is not a decimal integer
	ReasonUnknownType                    // the id is negative or beyond the catalogue
)

// Reasons returns every Reason in order, for metrics that must show zero
// counts too.
func Reasons() []Reason {
	return []Reason{ReasonEmpty, ReasonNoType, ReasonBadTimestamp, ReasonBadType, ReasonUnknownType}
}

// NumReasons is one more than the largest Reason, to size arrays indexed by
// Reason.
const NumReasons = int(ReasonUnknownType) + 1

func (r Reason) String() string {
	switch r {
	case ReasonEmpty:
		return "empty"
	case ReasonNoType:
		return "no_type"
	case ReasonBadTimestamp:
		return "bad_timestamp"
	case ReasonBadType:
		return "bad_type"
	case ReasonUnknownType:
		return "unknown_type"
	}
	return "unknown"
}

// ParseError is returned by Parse for datagrams that carry no usable event.
type ParseError struct {
	Reason Reason
	// Token is the offending token (truncated to 64 bytes), if any.
	Token string
}

func (e *ParseError) Error() string {
	if e.Token == "" {
		return "gfevent: parse: " + e.Reason.String()
	}
	return fmt.Sprintf("gfevent: parse: %s: %q", e.Reason, e.Token)
}

func parseErr(r Reason, tok string) *ParseError {
	if len(tok) > 64 {
		tok = tok[:64]
	}
	return &ParseError{Reason: r, Token: strings.ToValidUTF8(tok, "\uFFFD")}
}

// asciiSpace is what Python's bytes.strip() removes, which is what
// glustereventsd applies to every datagram.
const asciiSpace = " \t\n\r\v\f"

// Parse parses one legacy datagram "<ts> <id> k=v;k=v".
//
// It is tolerant where glustereventsd drops events: values may contain "=",
// a segment without "=" is taken as part of the previous value (a ";" in free
// text), empty pairs are skipped, "(null)" and missing bodies give an event
// without fields, invalid UTF-8 is replaced. It rejects, with a *ParseError,
// only datagrams without a decimal timestamp and a known id. It never panics.
func Parse(b []byte) (*Event, error) {
	b = bytes.Trim(b, asciiSpace)
	if len(b) == 0 {
		return nil, parseErr(ReasonEmpty, "")
	}
	var flags Flags
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		flags |= FlagInvalidUTF8
	}
	tsTok, rest, _ := strings.Cut(s, " ")
	rest = strings.TrimLeft(rest, " ")
	idTok, body, hasBody := strings.Cut(rest, " ")
	if idTok == "" {
		return nil, parseErr(ReasonNoType, tsTok)
	}
	ts, err := strconv.ParseInt(tsTok, 10, 64)
	if err != nil {
		return nil, parseErr(ReasonBadTimestamp, tsTok)
	}
	id, err := strconv.Atoi(idTok)
	if err != nil {
		return nil, parseErr(ReasonBadType, idTok)
	}
	t := Type(id)
	if !t.Valid() {
		return nil, parseErr(ReasonUnknownType, idTok)
	}
	ev := &Event{Time: ts, Type: t}
	switch {
	case !hasBody || strings.Trim(body, asciiSpace) == "":
		flags |= FlagNoBody
	case body == "(null)":
		flags |= FlagNullBody
	default:
		ev.Fields, flags = parseBody(body, flags)
	}
	ev.Flags = flags
	return ev, nil
}

func parseBody(body string, flags Flags) ([]Field, Flags) {
	fields := make([]Field, 0, strings.Count(body, ";")+1)
	for seg := range strings.SplitSeq(body, ";") {
		if strings.Trim(seg, asciiSpace) == "" {
			flags |= FlagEmptyPair
			continue
		}
		k, v, ok := strings.Cut(seg, "=")
		if !ok {
			if n := len(fields); n > 0 {
				fields[n-1].Value += ";" + seg
				flags |= FlagJoinedPair
				continue
			}
			k, v = seg, ""
			flags |= FlagBareKey
		}
		if strings.Trim(k, " ") != k {
			flags |= FlagSpaceInKey
		}
		fields = append(fields, Field{Key: k, Value: v})
	}
	if hasDuplicateKey(fields) {
		flags |= FlagDuplicateKey
	}
	return fields, flags
}

func hasDuplicateKey(fields []Field) bool {
	if len(fields) <= 16 {
		for i := range fields {
			for j := i + 1; j < len(fields); j++ {
				if fields[i].Key == fields[j].Key {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(fields))
	for _, f := range fields {
		if _, ok := seen[f.Key]; ok {
			return true
		}
		seen[f.Key] = struct{}{}
	}
	return false
}

// Get returns the value of the last field whose key, with surrounding spaces
// removed, is key; so Get("subvol") finds Gluster's " subvol".
func (e *Event) Get(key string) (string, bool) {
	for i := len(e.Fields) - 1; i >= 0; i-- {
		if strings.TrimSpace(e.Fields[i].Key) == key {
			return e.Fields[i].Value, true
		}
	}
	return "", false
}

// AppendWire appends the legacy datagram for e to b.
func (e *Event) AppendWire(b []byte) []byte {
	b = strconv.AppendInt(b, e.Time, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(e.Type), 10)
	b = append(b, ' ')
	for i, f := range e.Fields {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, f.Key...)
		b = append(b, '=')
		b = append(b, f.Value...)
	}
	return b
}

// CheckField reports whether a field can be represented on the wire: the
// key must be non-empty without "=" or ";", the value must not contain ";".
func CheckField(f Field) error {
	switch {
	case strings.TrimSpace(f.Key) == "":
		return fmt.Errorf("empty key")
	case strings.ContainsAny(f.Key, "=;"):
		return fmt.Errorf("key %q contains '=' or ';'", f.Key)
	case strings.Contains(f.Value, ";"):
		return fmt.Errorf("value of %q contains ';', which the wire format cannot carry", f.Key)
	}
	return nil
}
