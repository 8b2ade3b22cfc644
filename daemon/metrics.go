package daemon

import (
	"fmt"
	"io"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/webhooks"
)

// writeMetrics writes s in the Prometheus text exposition format (0.0.4).
// The status is the single source of the numbers, so /metrics and
// "status --json" always agree.
func writeMetrics(w io.Writer, s Status) {
	header := func(name, typ, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	scalar := func(name, typ, help string, v any) {
		header(name, typ, help)
		fmt.Fprintf(w, "%s %v\n", name, v)
	}
	in, j := s.Intake, s.Journal
	scalar("gluster_eventing_datagrams_received_total", "counter", "UDP datagrams read by the intake.", in.Received)
	header("gluster_eventing_datagrams_rejected_total", "counter", "Datagrams not journaled, by reason.")
	for _, r := range gfevent.Reasons() {
		fmt.Fprintf(w, "gluster_eventing_datagrams_rejected_total{reason=%q} %d\n", r.String(), in.Rejected[r.String()])
	}
	fmt.Fprintf(w, "gluster_eventing_datagrams_rejected_total{reason=\"source_denied\"} %d\n", in.Denied)
	fmt.Fprintf(w, "gluster_eventing_datagrams_rejected_total{reason=\"journal_error\"} %d\n", in.JournalErrors)
	scalar("gluster_eventing_datagrams_truncated_total", "counter", "Datagrams larger than 65535 bytes, cut to that size.", in.Truncated)
	scalar("gluster_eventing_events_repaired_total", "counter", "Accepted events the tolerant parser had to repair.", in.Repaired)
	scalar("gluster_eventing_events_journaled_total", "counter", "Events committed to the journal.", in.Journaled)
	scalar("gluster_eventing_journal_last_seq", "gauge", "Newest journal sequence number.", j.LastSeq)
	scalar("gluster_eventing_journal_first_seq", "gauge", "Oldest retained journal sequence number.", j.FirstSeq)
	scalar("gluster_eventing_journal_records", "gauge", "Records retained in the journal.", j.Records)
	scalar("gluster_eventing_journal_bytes", "gauge", "Bytes of event data retained in the journal.", j.Bytes)
	scalar("gluster_eventing_journal_trimmed_total", "counter", "Records removed by retention (size or age).", j.Trimmed)
	scalar("gluster_eventing_journal_commits_total", "counter", "Group commits.", j.Commits)
	for _, sr := range []struct {
		name, typ, help string
		val             func(h *webhooks.Health) uint64
	}{
		{"gluster_eventing_webhook_delivered_total", "counter", "Events delivered (2xx).", func(h *webhooks.Health) uint64 { return h.Delivered }},
		{"gluster_eventing_webhook_failed_total", "counter", "Failed delivery attempts.", func(h *webhooks.Health) uint64 { return h.Failed }},
		{"gluster_eventing_webhook_retried_total", "counter", "Retried delivery attempts.", func(h *webhooks.Health) uint64 { return h.Retried }},
		{"gluster_eventing_webhook_dead_lettered_total", "counter", "Events given up on.", func(h *webhooks.Health) uint64 { return h.DeadLettered }},
		{"gluster_eventing_webhook_lost_retention_total", "counter", "Events that fell out of the journal before delivery.", func(h *webhooks.Health) uint64 { return h.LostRetention }},
		{"gluster_eventing_webhook_queue_depth", "gauge", "Journaled events not yet delivered.", func(h *webhooks.Health) uint64 { return h.QueueDepth }},
		{"gluster_eventing_webhook_consecutive_failures", "gauge", "Failed attempts since the last success.", func(h *webhooks.Health) uint64 { return h.ConsecutiveFailures }},
		{"gluster_eventing_webhook_up", "gauge", "1 while the webhook delivers, 0 while it retries or is disabled.", func(h *webhooks.Health) uint64 {
			if h.State == webhooks.StateOK {
				return 1
			}
			return 0
		}},
	} {
		header(sr.name, sr.typ, sr.help)
		for i := range s.Webhooks {
			h := &s.Webhooks[i]
			fmt.Fprintf(w, "%s{webhook=%q,url=%q} %d\n", sr.name, h.ID, h.URL, sr.val(h))
		}
	}
}
