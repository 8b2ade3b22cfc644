package forward

import "time"

// PullPath is the one endpoint of the peer protocol: a long-poll. The
// client says which origins it wants from this server and how far it has
// them; the server answers with the events after that (at once when it
// has some, else when the next one arrives or Wait runs out) and with
// every origin it holds, so the client learns of origins and of how far
// behind it is.
const PullPath = "/v1/peer/pull"

// maxWait bounds a pull's Wait; MaxBatch the events per origin per answer.
const (
	maxWait  = 30 * time.Second
	MaxBatch = 1024
	// maxBody bounds a request body and a response body.
	maxRequest  = 1 << 20
	maxResponse = 64 << 20
)

// PullRequest is the body of a pull.
type PullRequest struct {
	// Node is the requester's glusterd UUID.
	Node string `json:"node"`
	// Want are the origins the requester wants from this server.
	Want []Want `json:"want"`
	// Max bounds the events per origin in the answer (at most MaxBatch).
	Max int `json:"max"`
	// WaitMS is how long the server may wait for an event when it has
	// none to send now.
	WaitMS int64 `json:"wait_ms"`
}

// Want is a position in one origin's journal: the requester holds it up
// to After in Epoch ("" when it holds nothing of it).
type Want struct {
	Origin string `json:"origin"`
	Epoch  string `json:"epoch"`
	After  uint64 `json:"after"`
}

// PullResponse is the answer to a pull.
type PullResponse struct {
	// Node is the server's glusterd UUID.
	Node string `json:"node"`
	// Origins are every origin the server holds, its own first.
	Origins []OriginInfo `json:"origins"`
	Batches []Batch      `json:"batches,omitempty"`
}

// Batch is events of one origin after the requester's position (or from
// the oldest held, for another epoch or when that position is no longer
// held: Gap).
type Batch struct {
	Origin string `json:"origin"`
	Epoch  string `json:"epoch"`
	// Gap is set when the events between the requester's position and
	// the first one here are held by this server no longer.
	Gap    bool        `json:"gap,omitempty"`
	Events []WireEvent `json:"events"`
}

// WireEvent is one Record on the wire.
type WireEvent struct {
	Seq  uint64 `json:"seq"`
	Time int64  `json:"time"` // unix nanoseconds
	Data []byte `json:"data"` // base64 in JSON
}
