// Package evrec defines the event record the daemon writes to its journal:
// the parsed event plus what the daemon knows about its arrival (when, from
// where). Every consumer of the journal (webhook workers, streams, the state
// table) decodes the same record, so the format lives here, below daemon/
// and webhooks/.
package evrec

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
)

// Record is one journaled event.
type Record struct {
	// Seq is the per-node sequence number the journal assigned. It is not
	// part of the encoding: the journal key carries it.
	Seq uint64 `json:"-"`
	// Received is when the daemon read the datagram.
	Received time.Time `json:"received"`
	// Source is the sender's IP address.
	Source string `json:"source,omitempty"`
	// Event is the parsed datagram.
	Event gfevent.Event `json:"-"`
}

type wire struct {
	Received time.Time   `json:"received"`
	Source   string      `json:"source,omitempty"`
	TS       int64       `json:"ts"`
	Type     int         `json:"type"`
	Fields   [][2]string `json:"fields,omitempty"`
	Flags    uint16      `json:"flags,omitempty"`
}

// Marshal encodes r for the journal.
func (r *Record) Marshal() ([]byte, error) {
	w := wire{Received: r.Received, Source: r.Source, TS: r.Event.Time, Type: int(r.Event.Type), Flags: uint16(r.Event.Flags)}
	if n := len(r.Event.Fields); n > 0 {
		w.Fields = make([][2]string, n)
		for i, f := range r.Event.Fields {
			w.Fields[i] = [2]string{f.Key, f.Value}
		}
	}
	return json.Marshal(&w)
}

// Unmarshal decodes a journaled record; seq is the journal's key.
func Unmarshal(seq uint64, b []byte) (*Record, error) {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("evrec: record %d: %w", seq, err)
	}
	r := &Record{Seq: seq, Received: w.Received, Source: w.Source}
	r.Event = gfevent.Event{Time: w.TS, Type: gfevent.Type(w.Type), Flags: gfevent.Flags(w.Flags)}
	if len(w.Fields) > 0 {
		r.Event.Fields = make([]gfevent.Field, len(w.Fields))
		for i, f := range w.Fields {
			r.Event.Fields[i] = gfevent.Field{Key: f[0], Value: f[1]}
		}
	}
	return r, nil
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
