package api

import _ "embed"

// StreamStatus counts the event API's stream clients (SSE, WebSocket and
// long polls), in GET /v1/status and /metrics.
type StreamStatus struct {
	// Clients are connected now.
	Clients int64 `json:"clients"`
	// Sent counts events sent to clients.
	Sent uint64 `json:"sent"`
	// Lagged counts the times a client fell behind the in-memory window of
	// recent events and was served from the journal instead.
	Lagged uint64 `json:"lagged"`
	// Dropped counts clients disconnected because they did not take what
	// they were sent within 10 seconds.
	Dropped uint64 `json:"dropped"`
	// Gone counts requests answered 410: their cursor fell out of
	// retention or named a replaced journal.
	Gone uint64 `json:"gone"`
}

// Login is the answer to POST /v1/login and /v1/logout. Auth is "token"
// when the listener requires one (the session cookie is set), "none" when
// it does not.
type Login struct {
	OK   bool   `json:"ok"`
	Auth string `json:"auth"`
}

//go:embed openapi.json
var openapi []byte

// OpenAPI returns the OpenAPI 3.1 document of the daemon's HTTP API, served
// at GET /openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openapi...) }
