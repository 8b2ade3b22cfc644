package api

import "time"

// Event is one event as the event API (GET /v1/events, the SSE and
// WebSocket streams) and `gluster-eventing events --json` show it.
type Event struct {
	// Cursor is the stream position just after this event: a client that
	// resumes from it (Last-Event-ID, ?since=) gets the events after this
	// one, on any node.
	Cursor string `json:"cursor"`
	// Node is the glusterd UUID of the node that received the event; Epoch
	// and Seq are its place in that node's journal.
	Node  string `json:"node"`
	Epoch string `json:"epoch"`
	Seq   uint64 `json:"seq"`
	// Event is Gluster's event name, e.g. "VOLUME_STOP".
	Event    string `json:"event"`
	Category string `json:"category"`
	Severity string `json:"severity"`
	// TS is the sender's clock, unix seconds; Received is when the origin
	// node's daemon read the datagram.
	TS       int64     `json:"ts"`
	Received time.Time `json:"received"`
	// Source is the address the datagram came from.
	Source string `json:"source,omitempty"`
	// Message holds the event's fields, keys trimmed of spaces.
	Message map[string]string `json:"message"`
}

// Events is the answer to GET /v1/events.
type Events struct {
	Events []Event `json:"events"`
	// Next is the cursor to ask from next time: the position after the
	// last event returned, or the request's own when none was.
	Next string `json:"next"`
}

// Gone is the body of a 410 answer: the cursor asked for fell out of
// retention (or names a journal that was replaced); Oldest is the oldest
// position still available.
type Gone struct {
	Error  string `json:"error"`
	Oldest string `json:"oldest"`
}
