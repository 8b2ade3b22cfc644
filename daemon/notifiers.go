package daemon

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/webhooks"
	"github.com/gluster/gluster-eventing/webhooks/mailsink"
	"github.com/gluster/gluster-eventing/webhooks/snmpsink"
)

// Sinks are the notifier kinds this daemon delivers to, each with the
// factory of its sink. The daemon's webhook manager gets them, and
// notifier-test (on every node, through the peer program) builds its one
// test delivery from the same ones.
func Sinks() map[string]webhooks.SinkFactory {
	return map[string]webhooks.SinkFactory{
		config.KindExec:  webhooks.NewExecSink,
		config.KindEmail: mailsink.Factory,
		config.KindSNMP:  snmpsink.Factory,
	}
}

// notifierHealth is the notifiers' health as the API answers it: [] for
// none, never null.
func notifierHealth(hs []api.Notifier) []api.Notifier {
	if hs == nil {
		return []api.Notifier{}
	}
	return hs
}

// notifierCollector exposes every notifier's delivery counters, labelled
// notifier=<id> and kind=<kind>: the webhook families' meanings, under
// gluster_eventing_notifier_*.
type notifierCollector struct {
	status  func() api.Status
	metrics []notifierMetric
}

type notifierMetric struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
	val  func(n *api.Notifier) uint64
}

func newNotifierCollector(status func() api.Status) *notifierCollector {
	m := func(name string, typ prometheus.ValueType, help string, val func(n *api.Notifier) uint64) notifierMetric {
		return notifierMetric{prometheus.NewDesc("gluster_eventing_notifier_"+name, help, []string{"notifier", "kind"}, nil), typ, val}
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	return &notifierCollector{status: status, metrics: []notifierMetric{
		m("delivered_total", counter, "Events delivered (for exec: commands that exited 0, an event per event of a batch).", func(n *api.Notifier) uint64 { return n.Delivered }),
		m("failed_total", counter, "Failed delivery attempts.", func(n *api.Notifier) uint64 { return n.Failed }),
		m("retried_total", counter, "Retried delivery attempts.", func(n *api.Notifier) uint64 { return n.Retried }),
		m("dead_lettered_total", counter, "Events given up on.", func(n *api.Notifier) uint64 { return n.DeadLettered }),
		m("lost_retention_total", counter, "Events that fell out of the journal before delivery.", func(n *api.Notifier) uint64 { return n.LostRetention }),
		m("queue_depth", gauge, "Journaled events not yet delivered.", func(n *api.Notifier) uint64 { return n.QueueDepth }),
		m("consecutive_failures", gauge, "Failed attempts since the last success.", func(n *api.Notifier) uint64 { return n.ConsecutiveFailures }),
		m("up", gauge, "1 while the notifier delivers, 0 while it retries or is disabled.", func(n *api.Notifier) uint64 {
			if n.State == webhooks.StateOK {
				return 1
			}
			return 0
		}),
	}}
}

func (c *notifierCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
}

func (c *notifierCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.status()
	for _, m := range c.metrics {
		for i := range s.Notifiers {
			n := &s.Notifiers[i]
			pm, err := prometheus.NewConstMetric(m.desc, m.typ, float64(m.val(n)), n.ID, n.Kind)
			if err != nil {
				pm = prometheus.NewInvalidMetric(m.desc, err)
			}
			ch <- pm
		}
	}
}

// notifierRoutes adds the notifier endpoints to the API: their health,
// dead letters and replays, on this node's journal.
func (d *Daemon) notifierRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/notifiers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, notifierHealth(d.hooks.NotifierHealth()))
	})
	mux.HandleFunc("GET /v1/notifiers/{id}/dead-letters", d.serveNotifierDeadLetters)
	mux.HandleFunc("POST /v1/notifiers/{id}/replay", func(w http.ResponseWriter, r *http.Request) {
		d.replay(w, r, "notifier", d.hooks.ReplayNotifierFrom, d.hooks.ReplayNotifierDeadLetters)
	})
}

func (d *Daemon) serveNotifierDeadLetters(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	dls, ok := d.hooks.NotifierDeadLetters(id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("no notifier with id %q", id))
		return
	}
	out := api.DeadLetters{ID: id, DeadLetters: []api.DeadLetter{}}
	for _, h := range d.hooks.NotifierHealth() {
		if h.ID == id {
			out.URL, out.Dropped = h.Target, h.DeadLettersDropped
		}
	}
	d.countDeadLetters(&out, dls)
	writeJSON(w, http.StatusOK, out)
}
