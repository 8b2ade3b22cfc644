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

// Scope says where an event comes from, as in Gluster's eventing design
// (which calls it the event's category: user, local or cluster).
type Scope uint8

const (
	// ScopeUser events are user-driven: the gluster CLI sends them on
	// the node where the command ran, and only on success.
	ScopeUser Scope = iota + 1
	// ScopeLocal events describe the processes of one node: bricks,
	// clients, daemons, self-heal, geo-replication workers.
	ScopeLocal
	// ScopeCluster events describe membership and cluster-wide state:
	// peers, quorum, configuration import between peers.
	ScopeCluster
)

func (s Scope) String() string {
	switch s {
	case ScopeUser:
		return "user"
	case ScopeLocal:
		return "local"
	case ScopeCluster:
		return "cluster"
	}
	return "unknown"
}

// Category is the subsystem an event is about, so that consumers can select
// "everything about bricks" without listing names. Every catalogue entry has
// exactly one. Most follow the first word of the name; the exceptions are
// POSIX_* (the brick's storage checks: brick), AFR_QUORUM_* (quorum), the
// other AFR_* (heal), VOLUME_REBALANCE_* and REBALANCE_* (rebalance),
// IMPORT_*, COMPARE_FRIEND_VOLUME_FAILED, NOTIFY_UNKNOWN_OP and UNKNOWN_PEER
// (the peer handshake: peer), DHT_* (distribute) and SVC_* (daemon: the
// daemons glusterd manages, such as self-heal, quotad, bitd and snapd).
type Category uint8

const (
	CategoryVolume     Category = iota + 1 // volume lifecycle, options, add/remove brick
	CategoryBrick                          // brick processes and their storage (POSIX_*)
	CategoryPeer                           // peers and the glusterd handshake
	CategoryQuorum                         // server quorum (QUORUM_*) and replica quorum (AFR_QUORUM_*)
	CategoryHeal                           // replication: subvolumes up/down, split brain (AFR_*)
	CategoryEC                             // disperse volumes (EC_*)
	CategoryDistribute                     // distribute's disk and inode usage (DHT_*)
	CategoryRebalance                      // rebalance
	CategoryGeorep                         // geo-replication
	CategoryBitrot                         // bitrot detection and scrubbing
	CategoryQuota                          // quota
	CategorySnapshot                       // snapshots and the snapshot scheduler
	CategoryTier                           // tiering (removed from Gluster; never emitted)
	CategoryNFS                            // NFS-Ganesha exports
	CategoryDaemon                         // glusterd-managed daemons (SVC_*)
	CategoryClient                         // client connections
)

// NumCategories is one more than the largest Category, to size arrays
// indexed by Category.
const NumCategories = int(CategoryClient) + 1

// categoryNames are the names of the categories in order, "unknown" first.
const categoryNames = "unknown volume brick peer quorum heal ec distribute rebalance georep bitrot quota snapshot tier nfs daemon client"

func (c Category) String() string {
	if int(c) >= NumCategories {
		return "unknown"
	}
	name, rest := "", categoryNames
	for range int(c) + 1 {
		name, rest, _ = strings.Cut(rest, " ")
	}
	return name
}

// Categories returns every Category in order.
func Categories() []Category {
	cs := make([]Category, 0, NumCategories-1)
	for c := CategoryVolume; int(c) < NumCategories; c++ {
		cs = append(cs, c)
	}
	return cs
}

// ParseCategory turns a category name ("brick", case-insensitive) or one of
// its aliases ("afr", "svc", "dht", ...) into a Category.
func ParseCategory(s string) (Category, error) {
	for _, c := range Categories() {
		if strings.EqualFold(s, c.String()) {
			return c, nil
		}
	}
	switch strings.ToLower(s) {
	case "svc":
		return CategoryDaemon, nil
	case "afr", "replicate":
		return CategoryHeal, nil
	case "disperse":
		return CategoryEC, nil
	case "dht":
		return CategoryDistribute, nil
	case "posix":
		return CategoryBrick, nil
	case "geo-replication":
		return CategoryGeorep, nil
	}
	_, names, _ := strings.Cut(categoryNames, " ")
	return 0, fmt.Errorf("unknown category %q (want one of %s)", s, strings.ReplaceAll(names, " ", ", "))
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
	Name string
	// Category is the subsystem the event is about.
	Category Category
	// Scope is Gluster's user/local/cluster classification.
	Scope    Scope
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
	s = CanonicalName(s)
	for i := range catalogue {
		if catalogue[i].Name == s || (s != "" && Type(i).Alias() == s) {
			return Type(i), true
		}
	}
	return -1, false
}

// CanonicalName turns any spelling of an event name (or name pattern) into
// the catalogue's: upper case, without Gluster's EVENT_ prefix, and with
// Gluster's dotted design spelling ("Volume.Create", "Georep.State.Faulty")
// turned into words joined by "_" ("VOLUME_CREATE", "GEOREP_STATE_FAULTY";
// see Alias for the names the design spelled differently).
func CanonicalName(s string) string {
	s = strings.TrimPrefix(strings.ToUpper(s), "EVENT_")
	return strings.ReplaceAll(s, ".", "_")
}

// Alias returns the other name of an event type that Gluster's eventing
// design spelled differently from the catalogue ("Georep.State.Faulty" is
// GEOREP_FAULTY), in canonical form, or "" if there is none. Lookup and
// name patterns accept both.
func (t Type) Alias() string {
	switch t {
	case GeorepFaulty:
		return "GEOREP_STATE_FAULTY"
	case GeorepActive:
		return "GEOREP_STATE_ACTIVE"
	case GeorepPassive:
		return "GEOREP_STATE_PASSIVE"
	}
	return ""
}

// Dotted returns the name in Gluster's dotted design spelling:
// "Volume.Create" for VOLUME_CREATE. CanonicalName reverses it.
func (t Type) Dotted() string {
	words := strings.Split(t.String(), "_")
	for i, w := range words {
		words[i] = w[:1] + strings.ToLower(w[1:])
	}
	return strings.Join(words, ".")
}
