package daemon

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/webhooks"
)

// metricsHandler serves GET /metrics: the daemon's status, the process
// collector and the Go runtime collector, through a registry of its own
// (never the global default one, so two daemons in one test binary do not
// share metrics). client_golang writes the exposition format, label value
// escaping included.
func (d *Daemon) metricsHandler() http.Handler {
	return newMetricsHandler(d.status, d.log.With("component", "metrics"))
}

func newMetricsHandler(status func() api.Status, log *slog.Logger) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newStatusCollector(status),
		newNotifierCollector(status),
		newForwardCollector(status),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		// A collector that fails (the process collector on an unreadable
		// /proc) must not hide the others; the failure is logged and
		// counted in promhttp_metric_handler_errors_total.
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slogPrintln{log},
		Registry:      reg,
	})
}

// slogPrintln adapts a slog.Logger to promhttp.Logger.
type slogPrintln struct{ log *slog.Logger }

func (l slogPrintln) Println(v ...any) {
	l.log.Warn(strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

// statusCollector turns one Status snapshot per scrape into constant
// metrics. The status is the single source of the numbers, so /metrics and
// "status --json" always agree, and every sample of one scrape comes from the
// same instant.
type statusCollector struct {
	status func() api.Status

	received, rejected, truncated, repaired, journaled  *prometheus.Desc
	lastSeq, firstSeq, records, bytes, trimmed, commits *prometheus.Desc
	disabled                                            *prometheus.Desc
	webhook                                             []webhookMetric
	streams                                             []streamMetric
}

// streamMetric is one family of the stream hub's counters.
type streamMetric struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
	val  func(s *api.StreamStatus) float64
}

// webhookMetric is one per-webhook family, labelled webhook=<id> and
// url=<redacted URL>.
type webhookMetric struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
	val  func(h *api.Webhook) uint64
}

func newStatusCollector(status func() api.Status) *statusCollector {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("gluster_eventing_"+name, help, labels, nil)
	}
	hook := func(name string, typ prometheus.ValueType, help string, val func(h *api.Webhook) uint64) webhookMetric {
		return webhookMetric{desc("webhook_"+name, help, "webhook", "url"), typ, val}
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	stream := func(name string, typ prometheus.ValueType, help string, val func(s *api.StreamStatus) float64) streamMetric {
		return streamMetric{desc("stream_"+name, help), typ, val}
	}
	return &statusCollector{
		streams: []streamMetric{
			stream("clients", gauge, "Event API stream clients (SSE, WebSocket, long polls) connected now.", func(s *api.StreamStatus) float64 { return float64(s.Clients) }),
			stream("events_sent_total", counter, "Events sent to stream clients.", func(s *api.StreamStatus) float64 { return float64(s.Sent) }),
			stream("clients_lagged_total", counter, "Times a stream client fell behind the in-memory window and read the journal.", func(s *api.StreamStatus) float64 { return float64(s.Lagged) }),
			stream("clients_dropped_total", counter, "Stream clients disconnected because they did not read what they were sent in time.", func(s *api.StreamStatus) float64 { return float64(s.Dropped) }),
			stream("gone_total", counter, "Stream requests answered 410: their cursor fell out of retention.", func(s *api.StreamStatus) float64 { return float64(s.Gone) }),
		},
		status:    status,
		received:  desc("datagrams_received_total", "UDP datagrams read by the intake."),
		rejected:  desc("datagrams_rejected_total", "Datagrams not journaled, by reason.", "reason"),
		truncated: desc("datagrams_truncated_total", "Datagrams larger than 65535 bytes, cut to that size."),
		repaired:  desc("events_repaired_total", "Accepted events the tolerant parser had to repair."),
		journaled: desc("events_journaled_total", "Events committed to the journal."),
		disabled:  desc("events_disabled_total", "Events dropped before the journal because the cluster config disables them, by event name.", "event"),
		lastSeq:   desc("journal_last_seq", "Newest journal sequence number."),
		firstSeq:  desc("journal_first_seq", "Oldest retained journal sequence number."),
		records:   desc("journal_records", "Records retained in the journal."),
		bytes:     desc("journal_bytes", "Bytes of event data retained in the journal."),
		trimmed:   desc("journal_trimmed_total", "Records removed by retention (size or age)."),
		commits:   desc("journal_commits_total", "Group commits."),
		webhook: []webhookMetric{
			hook("delivered_total", counter, "Events delivered (2xx).", func(h *api.Webhook) uint64 { return h.Delivered }),
			hook("failed_total", counter, "Failed delivery attempts.", func(h *api.Webhook) uint64 { return h.Failed }),
			hook("retried_total", counter, "Retried delivery attempts.", func(h *api.Webhook) uint64 { return h.Retried }),
			hook("dead_lettered_total", counter, "Events given up on.", func(h *api.Webhook) uint64 { return h.DeadLettered }),
			hook("lost_retention_total", counter, "Events that fell out of the journal before delivery.", func(h *api.Webhook) uint64 { return h.LostRetention }),
			hook("queue_depth", gauge, "Journaled events not yet delivered.", func(h *api.Webhook) uint64 { return h.QueueDepth }),
			hook("consecutive_failures", gauge, "Failed attempts since the last success.", func(h *api.Webhook) uint64 { return h.ConsecutiveFailures }),
			hook("up", gauge, "1 while the webhook delivers, 0 while it retries or is disabled.", func(h *api.Webhook) uint64 {
				if h.State == webhooks.StateOK {
					return 1
				}
				return 0
			}),
		},
	}
}

// Describe sends every family's Desc, so that the registry checks names and
// label sets once, at registration.
func (c *statusCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.received, c.rejected, c.truncated, c.repaired, c.journaled,
		c.lastSeq, c.firstSeq, c.records, c.bytes, c.trimmed, c.commits, c.disabled,
	} {
		ch <- d
	}
	for _, m := range c.webhook {
		ch <- m.desc
	}
	for _, m := range c.streams {
		ch <- m.desc
	}
}

// Collect takes one status snapshot and sends it as constant metrics.
func (c *statusCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.status()
	in, j := s.Intake, s.Journal
	send := func(d *prometheus.Desc, typ prometheus.ValueType, v float64, labels ...string) {
		// Label values must be UTF-8; a URL is sanitized rather than
		// failing the whole scrape.
		for i, l := range labels {
			labels[i] = strings.ToValidUTF8(l, "\uFFFD")
		}
		m, err := prometheus.NewConstMetric(d, typ, v, labels...)
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	send(c.received, counter, float64(in.Received))
	for _, r := range gfevent.Reasons() {
		send(c.rejected, counter, float64(in.Rejected[r.String()]), r.String())
	}
	send(c.rejected, counter, float64(in.Denied), "source_denied")
	send(c.rejected, counter, float64(in.JournalErrors), "journal_error")
	send(c.truncated, counter, float64(in.Truncated))
	send(c.repaired, counter, float64(in.Repaired))
	send(c.journaled, counter, float64(in.Journaled))
	for name, n := range in.Disabled {
		send(c.disabled, counter, float64(n), name)
	}
	send(c.lastSeq, gauge, float64(j.LastSeq))
	send(c.firstSeq, gauge, float64(j.FirstSeq))
	send(c.records, gauge, float64(j.Records))
	send(c.bytes, gauge, float64(j.Bytes))
	send(c.trimmed, counter, float64(j.Trimmed))
	send(c.commits, counter, float64(j.Commits))
	if s.Streams != nil {
		for _, m := range c.streams {
			send(m.desc, m.typ, m.val(s.Streams))
		}
	}
	for _, m := range c.webhook {
		for i := range s.Webhooks {
			h := &s.Webhooks[i]
			send(m.desc, m.typ, float64(m.val(h)), h.ID, h.URL)
		}
	}
}
