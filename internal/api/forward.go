package api

import "time"

// ForwardStatus is node-to-node event forwarding in status --json: this
// node serves its events (and the replicas it holds) to its peers and
// pulls theirs.
type ForwardStatus struct {
	// State is "on", or "off" with Reason saying why (no peer key in the
	// cluster config, peer_listen is empty, the port is taken, ...).
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	// Listen is the peer_listen address served; KeyID the fingerprint of
	// the peer key in use (never the key).
	Listen string `json:"listen,omitempty"`
	KeyID  string `json:"key_id,omitempty"`
	// Served counts the peers' pulls answered, Refused those refused
	// (bad signature, another key, clock skew, replay), with the last
	// refusal's reason and sender.
	Served          uint64 `json:"served"`
	Refused         uint64 `json:"refused"`
	LastRefusal     string `json:"last_refusal,omitempty"`
	LastRefusalFrom string `json:"last_refusal_from,omitempty"`
	// Peers are the nodes this one pulls from, by UUID.
	Peers []ForwardPeer `json:"peers"`
}

// ForwardPeer is the pull from one peer.
type ForwardPeer struct {
	Node string `json:"node"`
	// Address is the host:port last dialled.
	Address   string    `json:"address"`
	Connected bool      `json:"connected"`
	Since     time.Time `json:"since,omitzero"` // of the current connected state
	// LastContact is the last answer that verified; Error the last
	// failure, Failures the failures in a row, AuthFailures the answers
	// and refusals whose authentication failed, ever.
	LastContact  time.Time `json:"last_contact,omitzero"`
	Error        string    `json:"error,omitempty"`
	Failures     int       `json:"failures"`
	AuthFailures uint64    `json:"auth_failures"`
	// Origins is what the peer holds, beside what this node holds.
	Origins []ForwardOrigin `json:"origins"`
}

// ForwardOrigin compares one origin's events on a peer with this node's
// copy: Lag is how many of the peer's this node lacks.
type ForwardOrigin struct {
	Node  string `json:"node"`
	Epoch string `json:"epoch"`
	// PeerLast is the last seq the peer holds, Held the last this node
	// holds (of the same epoch; 0 if none).
	PeerLast uint64 `json:"peer_last"`
	Held     uint64 `json:"held"`
	Lag      uint64 `json:"lag"`
	// Lost counts events of this origin that this node never got: they
	// left every holder's retention first.
	Lost uint64 `json:"lost,omitempty"`
}
