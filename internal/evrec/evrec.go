// Package evrec defines the event record the daemon writes to its journal:
// the parsed event plus what the daemon knows about its arrival (when, from
// where). Every consumer of the journal (webhook workers, streams, the state
// table) decodes the same record, so the format lives here, below daemon/
// and webhooks/.
package evrec

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
)

// Record is one journaled event.
type Record struct {
	// Seq is the per-node sequence number the journal assigned. It is not
	// part of the encoding: the journal key carries it.
	Seq uint64
	// Received is when the daemon read the datagram.
	Received time.Time
	// Source is the sender's IP address.
	Source string
	// Event is the parsed datagram.
	Event gfevent.Event
}

// format is the first byte of every encoded record; a new encoding gets a
// new value so old journals stay readable.
const format byte = 1

// Marshal encodes r for the journal: a compact binary form (the format
// byte, then varints and length-prefixed strings), cheap to decode for
// every consumer of every event.
func (r *Record) Marshal() ([]byte, error) {
	n := 32 + len(r.Source)
	for _, f := range r.Event.Fields {
		n += 4 + len(f.Key) + len(f.Value)
	}
	b := make([]byte, 0, n)
	b = append(b, format)
	b = binary.AppendVarint(b, r.Received.UnixNano())
	b = appendString(b, r.Source)
	b = binary.AppendVarint(b, r.Event.Time)
	b = binary.AppendUvarint(b, uint64(r.Event.Type))
	b = binary.AppendUvarint(b, uint64(r.Event.Flags))
	b = binary.AppendUvarint(b, uint64(len(r.Event.Fields)))
	for _, f := range r.Event.Fields {
		b = appendString(b, f.Key)
		b = appendString(b, f.Value)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Unmarshal decodes a journaled record; seq is the journal's key.
func Unmarshal(seq uint64, b []byte) (*Record, error) {
	d := decoder{b: b}
	if len(b) == 0 || b[0] != format {
		return nil, fmt.Errorf("evrec: record %d: unknown format", seq)
	}
	d.b = d.b[1:]
	r := &Record{Seq: seq}
	r.Received = time.Unix(0, d.varint()).UTC()
	r.Source = d.string()
	r.Event.Time = d.varint()
	r.Event.Type = gfevent.Type(d.uvarint())
	r.Event.Flags = gfevent.Flags(d.uvarint())
	if n := d.uvarint(); n > 0 && n <= uint64(len(d.b)) {
		r.Event.Fields = make([]gfevent.Field, n)
		for i := range r.Event.Fields {
			r.Event.Fields[i] = gfevent.Field{Key: d.string(), Value: d.string()}
		}
	} else if n > 0 {
		d.err = true
	}
	if d.err || len(d.b) != 0 {
		return nil, fmt.Errorf("evrec: record %d: corrupt", seq)
	}
	return r, nil
}

// decoder reads the binary form; a short or malformed input sets err.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err, d.b = true, nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// ID is the event's stable identity across retries, restarts and nodes:
// "evt_<first 8 hex of node uuid>_<journal epoch>_<seq>".
func ID(nodeID, epoch string, seq uint64) string {
	node := strings.ReplaceAll(nodeID, "-", "")
	if len(node) > 8 {
		node = node[:8]
	}
	return fmt.Sprintf("evt_%s_%s_%d", node, epoch, seq)
}

// PeekType returns the event type of an encoded record without decoding
// the rest: a consumer whose filter rejects most types (a webhook for brick
// alerts) skips the others for the cost of three varints. ok is false for
// a record Unmarshal would refuse at its head; decode those to report them.
func PeekType(b []byte) (t gfevent.Type, ok bool) {
	if len(b) == 0 || b[0] != format {
		return 0, false
	}
	d := decoder{b: b[1:]}
	d.varint() // received
	if n := d.uvarint(); n <= uint64(len(d.b)) {
		d.b = d.b[n:] // source
	} else {
		return 0, false
	}
	d.varint() // the event's time
	t = gfevent.Type(d.uvarint())
	return t, !d.err
}
