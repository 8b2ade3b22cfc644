// Package gfevent is the Gluster eventing wire protocol in Go: the catalogue
// of the 142 event types with Gluster's own ids, the parser for the legacy
// datagram "<ts> <id> k=v;k=v", and a sender that emits those datagrams the
// way Gluster's C gf_event() does.
//
// It exists as a public package because Gluster's eventing design promised a
// Go gf_event for other Go programs; gluster-eventing itself uses it for the
// daemon's intake and for the emit command. It has no dependencies outside
// the standard library.
package gfevent

import (
	"fmt"
	"strconv"
	"strings"
)

// Type is an event type id, the index in Gluster's events/eventskeygen.py
// keys list (identical to glusterfs 10.3).
type Type int

// NumTypes is the number of event types Gluster 10.3 defines (EVENT_LAST).
const NumTypes = Type(len(catalogue))

// Category says where an event comes from, as in Gluster's eventing design.
type Category uint8

const (
	// CategoryUser events are user-driven: the gluster CLI sends them on
	// the node where the command ran, and only on success.
	CategoryUser Category = iota + 1
	// CategoryLocal events describe the processes of one node: bricks,
	// clients, daemons, self-heal, geo-replication workers.
	CategoryLocal
	// CategoryCluster events describe membership and cluster-wide state:
	// peers, quorum, configuration import between peers.
	CategoryCluster
)

func (c Category) String() string {
	switch c {
	case CategoryUser:
		return "user"
	case CategoryLocal:
		return "local"
	case CategoryCluster:
		return "cluster"
	}
	return "unknown"
}

// Severity says how urgently an operator should look at an event.
//
// Critical means data availability or integrity is at risk now (a brick
// crashed, quorum lost, split brain, a bad file); Warning means something
// failed or degraded and needs attention; Info is a normal state change.
type Severity uint8

const (
	SeverityInfo Severity = iota + 1
	SeverityWarning
	SeverityCritical
)

func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityCritical:
		return "critical"
	}
	return "unknown"
}

// ParseSeverity turns "info", "warning" or "critical" into a Severity.
func ParseSeverity(s string) (Severity, error) {
	for _, v := range []Severity{SeverityInfo, SeverityWarning, SeverityCritical} {
		if strings.EqualFold(s, v.String()) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or critical)", s)
}

// Info describes one event type.
type Info struct {
	// Name is the published name, without Gluster's EVENT_ prefix.
	Name     string
	Category Category
	Severity Severity
	// Dead is true for ids no process of glusterfs 10.x emits (removed
	// features, never-wired failures, and the three BITROT events whose
	// body is always "(null)").
	Dead bool
}

// Valid reports whether t is a known event type.
func (t Type) Valid() bool { return t >= 0 && t < NumTypes }

// Info returns the catalogue entry of t. It panics if t is not Valid.
func (t Type) Info() Info { return catalogue[t] }

// String returns the published name, or "UNKNOWN_<id>".
func (t Type) String() string {
	if !t.Valid() {
		return "UNKNOWN_" + strconv.Itoa(int(t))
	}
	return catalogue[t].Name
}

// Types returns every event type in id order.
func Types() []Type {
	ts := make([]Type, NumTypes)
	for i := range ts {
		ts[i] = Type(i)
	}
	return ts
}

// Lookup finds an event type by published name (case-insensitive, with or
// without the EVENT_ prefix) or by decimal id.
func Lookup(s string) (Type, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		t := Type(n)
		return t, t.Valid()
	}
	s = strings.ToUpper(strings.TrimPrefix(strings.ToUpper(s), "EVENT_"))
	for i := range catalogue {
		if catalogue[i].Name == s {
			return Type(i), true
		}
	}
	return -1, false
}
