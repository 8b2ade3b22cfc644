package webhooks

import (
	"slices"
	"strings"

	"github.com/gluster/gluster-eventing/gfevent"
)

// maxSubjects bounds what a dedup webhook remembers; past it the memory
// starts afresh (the next event about each subject goes out).
const maxSubjects = 10_000

// repeats is the memory of a webhook with dedup set: per subject (a brick,
// a volume, a peer, a service), the last event it let through about it.
// Gluster repeats some events while nothing changes (BRICK_DISCONNECTED on
// every reconnect attempt of a brick that stays down); such a repeat says
// nothing new, so it is not delivered. It lives in memory: after a restart
// the first of a run of repeats goes out again. Only the pump goroutine
// uses it.
type repeats struct {
	last map[string]string
}

// repeat reports whether ev says what the last event about its subject
// said (same type, same fields), and remembers ev otherwise. Events about
// no known subject are never repeats.
func (r *repeats) repeat(ev *gfevent.Event) bool {
	subject := subjectOf(ev)
	if subject == "" {
		return false
	}
	sig := signature(ev)
	if r.last[subject] == sig {
		return true
	}
	if r.last == nil || len(r.last) >= maxSubjects {
		r.last = make(map[string]string)
	}
	r.last[subject] = sig
	return false
}

// subjectOf names what an event is about, from its type's family and the
// fields Gluster puts in it; "" when it is about nothing we can name.
func subjectOf(ev *gfevent.Event) string {
	field := func(keys ...string) string {
		for _, k := range keys {
			for _, f := range ev.Fields {
				if strings.TrimSpace(f.Key) == k {
					return f.Value
				}
			}
		}
		return ""
	}
	name := ev.Type.String()
	switch {
	case strings.HasPrefix(name, "BRICK_"):
		if b := field("brick"); b != "" {
			return "brick\x00" + field("volume") + "\x00" + field("peer", "host") + "\x00" + b
		}
	case strings.HasPrefix(name, "VOLUME_"):
		if v := field("name", "volume"); v != "" {
			return "volume\x00" + v
		}
	case strings.HasPrefix(name, "PEER_"):
		if p := field("peer", "host", "uuid"); p != "" {
			return "peer\x00" + p
		}
	case strings.HasPrefix(name, "SVC_"):
		if s := field("svc_name"); s != "" {
			return "svc\x00" + s + "\x00" + field("volume")
		}
	}
	return ""
}

// signature is the event's type and fields, in key order.
func signature(ev *gfevent.Event) string {
	parts := make([]string, 0, len(ev.Fields))
	for _, f := range ev.Fields {
		parts = append(parts, strings.TrimSpace(f.Key)+"="+f.Value)
	}
	slices.Sort(parts)
	return ev.Type.String() + "\x00" + strings.Join(parts, "\x00")
}
