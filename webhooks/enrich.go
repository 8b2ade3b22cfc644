package webhooks

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/gluster/gluster-eventing/gfevent"
)

// Enrichment: what a body says about an event beyond Gluster's strings.
//
// The standard body always carries "category" (the subsystem,
// gfevent.Category), "severity", "scope" (Gluster's user/local/cluster) and
// "fields": the event's fields typed the way glustereventsd types its
// legacy body, so that a receiver need not parse "0" and "1" itself:
//
//   - booleans (glustereventsd's boolify: 1, on, true, yes in any case are
//     true, anything else false): force, push_pem, no_verify,
//     reset_sync_time, and glustereventsd's spellings push-pem and
//     no-verify;
//   - integers, as JSON numbers when the value is one (CPython's int()
//     rules) and within 64 bits, else left a string: ssh_port and ssh-port,
//     client-pid, op and count;
//   - VOLUME_SET's options ",k1,v1,k2,v2" as a list of [key, value] pairs,
//     as in the legacy body;
//   - every other field a string.
//
// "data" keeps every field a string, as it always was: receivers rely on it.
//
// The legacy body stays glustereventsd's byte for byte; a webhook with
// enrich = true gets the "category" and "severity" keys added to it (in
// sorted key order, as json.dumps(sort_keys=True) would place them).

var (
	// fieldBoolKeys are the fields typed as booleans in "fields": the
	// legacy body's (legacyBoolKeys) and the spellings Gluster's CLI
	// really sends.
	fieldBoolKeys = []string{"force", "push-pem", "no-verify", "push_pem", "no_verify", "reset_sync_time"}
	// fieldIntKeys are the fields typed as integers in "fields".
	fieldIntKeys = []string{"ssh-port", "ssh_port", "client-pid", "op", "count"}
)

// TypedFields returns ev's fields for the standard body's "fields": keys
// trimmed of surrounding spaces (the last of duplicate keys wins, as in
// "data"), values typed as described above.
func TypedFields(ev *gfevent.Event) map[string]any {
	out := make(map[string]any, len(ev.Fields))
	for _, f := range ev.Fields {
		out[strings.TrimSpace(f.Key)] = typedValue(ev.Type, strings.TrimSpace(f.Key), f.Value)
	}
	return out
}

func typedValue(t gfevent.Type, key, v string) any {
	switch {
	case t == gfevent.VolumeSet && key == "options":
		return volumeSetOptions(v)
	case slices.Contains(fieldBoolKeys, key):
		return pyBoolify(v)
	case slices.Contains(fieldIntKeys, key):
		if num, ok := pyInt(v); ok {
			if _, err := strconv.ParseInt(num, 10, 64); err == nil {
				return json.Number(num)
			}
		}
	}
	return v
}

// volumeSetOptions splits VOLUME_SET's options as appendVolumeSetOptions
// does: ",k1,v1,k2,v2" is [["k1", "v1"], ["k2", "v2"]], an odd count
// leaves a one-element list at the end.
func volumeSetOptions(v string) [][]string {
	items := strings.Split(strings.Trim(v, ","), ",")
	out := make([][]string, 0, (len(items)+1)/2)
	for i := 0; i < len(items); i += 2 {
		out = append(out, items[i:min(i+2, len(items))])
	}
	return out
}

// AppendLegacyBodyEnriched appends the legacy body of ev (see
// AppendLegacyBody) with the "category" and "severity" keys of the event
// type added, for webhooks with enrich = true:
// {"category": ..., "event": ..., "message": {...}, "nodeid": ...,
// "severity": ..., "ts": N}.
func AppendLegacyBodyEnriched(b []byte, nodeID string, ev *gfevent.Event) []byte {
	category, severity := "unknown", "unknown"
	if ev.Type.Valid() {
		info := ev.Type.Info()
		category, severity = info.Category.String(), info.Severity.String()
	}
	b = append(b, `{"category": `...)
	b = appendPyString(b, category)
	b = append(b, `, "event": `...)
	b = appendPyString(b, ev.Type.String())
	b = append(b, `, "message": `...)
	b = appendLegacyMessage(b, ev)
	b = append(b, `, "nodeid": `...)
	b = appendPyString(b, nodeID)
	b = append(b, `, "severity": `...)
	b = appendPyString(b, severity)
	b = append(b, `, "ts": `...)
	b = strconv.AppendInt(b, ev.Time, 10)
	return append(b, '}')
}

// AppendLegacy appends the legacy body of ev, enriched when enrich is set
// (a webhook's enrich setting).
func AppendLegacy(b []byte, nodeID string, ev *gfevent.Event, enrich bool) []byte {
	if enrich {
		return AppendLegacyBodyEnriched(b, nodeID, ev)
	}
	return AppendLegacyBody(b, nodeID, ev)
}

// enrichTestMessage gives the legacy test body (webhook-test) of an
// enriching webhook the test event's category and severity, "test" and
// "info" as in the standard test body.
func enrichTestMessage(m *message, nodeID string) {
	b := append([]byte(`{"category": "test", "event": "TEST", "message": {}, "nodeid": `), appendPyString(nil, nodeID)...)
	b = append(b, `, "severity": "info", "ts": `...)
	b = strconv.AppendInt(b, m.ts, 10)
	m.body = append(b, '}')
}
