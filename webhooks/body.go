package webhooks

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/evrec"
)

// StandardBody is the JSON body of a "standard" (Standard Webhooks) POST.
// Field order is the order of the encoding.
type StandardBody struct {
	// ID is evrec.ID: stable across retries, restarts and redeliveries, and
	// the value of the webhook-id header.
	ID string `json:"id"`
	// Type is "gluster." and the lower-case event name, e.g.
	// "gluster.volume_start".
	Type string `json:"type"`
	// Timestamp is when the daemon received the event (RFC 3339, UTC).
	Timestamp time.Time `json:"timestamp"`
	// Seq and Epoch place the event in the node's journal: receivers order
	// by Seq and detect a new journal by a changed Epoch.
	Seq   uint64 `json:"seq"`
	Epoch string `json:"epoch"`
	// Node is the sending node's glusterd UUID.
	Node string `json:"node"`
	// Data are the event's fields, keys trimmed of surrounding spaces; the
	// last of duplicate keys wins, as in the legacy body.
	Data map[string]string `json:"data"`
	// Fields are Data typed: booleans, integers and VOLUME_SET's option
	// pairs as JSON values (see TypedFields); every other field a string.
	Fields map[string]any `json:"fields"`
	// Event is Gluster's event name, e.g. "VOLUME_START".
	Event string `json:"event"`
	// TS is the sender's clock, unix seconds, as in the legacy body.
	TS       int64  `json:"ts"`
	Severity string `json:"severity"`
	// Category is the subsystem (gfevent.Category: "brick", "volume", ...).
	Category string `json:"category"`
	// Scope is Gluster's user/local/cluster classification.
	Scope string `json:"scope"`
}

// NewStandardBody builds the standard body of a journaled record.
func NewStandardBody(nodeID, epoch string, rec *evrec.Record) *StandardBody {
	ev := &rec.Event
	data := make(map[string]string, len(ev.Fields))
	for _, f := range ev.Fields {
		data[strings.TrimSpace(f.Key)] = f.Value
	}
	severity, category, scope := "unknown", "unknown", "unknown"
	if ev.Type.Valid() {
		info := ev.Type.Info()
		severity, category, scope = info.Severity.String(), info.Category.String(), info.Scope.String()
	}
	return &StandardBody{
		ID:        evrec.ID(nodeID, epoch, rec.Seq),
		Type:      StandardType(ev.Type),
		Timestamp: rec.Received.UTC(),
		Seq:       rec.Seq,
		Epoch:     epoch,
		Node:      nodeID,
		Data:      data,
		Fields:    TypedFields(ev),
		Event:     ev.Type.String(),
		TS:        ev.Time,
		Severity:  severity,
		Category:  category,
		Scope:     scope,
	}
}

// StandardType is the Standard Webhooks "type" of an event type:
// "gluster.volume_start" for VOLUME_START.
func StandardType(t gfevent.Type) string {
	return "gluster." + strings.ToLower(t.String())
}

// AppendStandardBody appends the compact JSON encoding of b.
func AppendStandardBody(dst []byte, b *StandardBody) ([]byte, error) {
	if b.Fields == nil {
		// "fields" is an object, like "data", even when built without one.
		c := *b
		c.Fields = map[string]any{}
		b = &c
	}
	enc, err := json.Marshal(b)
	if err != nil {
		return dst, fmt.Errorf("standard body %s: %w", b.ID, err)
	}
	return append(dst, enc...), nil
}
