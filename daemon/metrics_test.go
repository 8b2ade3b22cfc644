package daemon

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/webhooks"
)

// Every sample line must be valid exposition format, every family must
// have HELP and TYPE, and the numbers must be the status's.
func TestWriteMetrics(t *testing.T) {
	st := Status{
		Intake:  IntakeStatus{Received: 7, Journaled: 5, Denied: 1, Rejected: map[string]uint64{"bad_type": 1}},
		Journal: JournalStatus{Stats: journal.Stats{LastSeq: 5, FirstSeq: 1, Records: 5, Bytes: 640}},
		Webhooks: []webhooks.Health{
			{URL: `http://h/a"b`, ID: "webhook:aaaa", State: webhooks.StateOK, Delivered: 5},
			{URL: "http://h/down", ID: "webhook:bbbb", State: webhooks.StateRetrying, QueueDepth: 5, ConsecutiveFailures: 3},
		},
	}
	var b strings.Builder
	writeMetrics(&b, st)
	out := b.String()
	sample := regexp.MustCompile(`^[a-z_]+(\{[a-z_]+="(?:[^"\\]|\\.)*"(,[a-z_]+="(?:[^"\\]|\\.)*")*\})? -?[0-9.e+]+$`)
	typed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			typed[strings.Fields(name)[0]] = true
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		if !sample.MatchString(line) {
			t.Errorf("not a valid sample line: %q", line)
			continue
		}
		if name := strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ' ' })[0]; !typed[name] {
			t.Errorf("sample before its TYPE: %q", line)
		}
	}
	for _, want := range []string{
		"gluster_eventing_datagrams_received_total 7\n",
		"gluster_eventing_events_journaled_total 5\n",
		`gluster_eventing_datagrams_rejected_total{reason="bad_type"} 1` + "\n",
		`gluster_eventing_datagrams_rejected_total{reason="unknown_type"} 0` + "\n",
		`gluster_eventing_datagrams_rejected_total{reason="source_denied"} 1` + "\n",
		"gluster_eventing_journal_bytes 640\n",
		`gluster_eventing_webhook_delivered_total{webhook="webhook:aaaa",url="http://h/a\"b"} 5` + "\n",
		`gluster_eventing_webhook_queue_depth{webhook="webhook:bbbb",url="http://h/down"} 5` + "\n",
		`gluster_eventing_webhook_up{webhook="webhook:bbbb",url="http://h/down"} 0` + "\n",
		`gluster_eventing_webhook_up{webhook="webhook:aaaa",url="http://h/a\"b"} 1` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
