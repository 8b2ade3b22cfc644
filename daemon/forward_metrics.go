package daemon

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gluster/gluster-eventing/internal/api"
)

// forwardCollector exports status.forwarding: the peer protocol's
// counters, and per peer whether it answers and how far behind this node
// is with each origin the peer holds.
type forwardCollector struct {
	status                                 func() api.Status
	on, served, refused, up, authFail, lag *prometheus.Desc
	lost                                   *prometheus.Desc
}

func newForwardCollector(status func() api.Status) *forwardCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("gluster_eventing_forward_"+name, help, labels, nil)
	}
	return &forwardCollector{status: status,
		on:       d("on", "1 while this node forwards events (serves and pulls), 0 while it is off (no peer key, no peer_listen)."),
		served:   d("served_total", "Peers' pulls answered."),
		refused:  d("refused_total", "Peers' pulls refused: bad or missing signature, another key, clock skew, replay."),
		up:       d("peer_up", "1 while the peer answers this node's pulls.", "peer"),
		authFail: d("peer_auth_failures_total", "The peer's answers or refusals whose authentication failed.", "peer"),
		lag:      d("lag_events", "Events of origin that the peer holds and this node does not yet.", "peer", "origin"),
		lost:     d("lost_events", "Events of origin that this node never got: they left every holder's retention first.", "origin"),
	}
}

func (c *forwardCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.on, c.served, c.refused, c.up, c.authFail, c.lag, c.lost} {
		ch <- d
	}
}

func (c *forwardCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.status().Forwarding
	if f == nil {
		return
	}
	on := 0.0
	if f.State == "on" {
		on = 1
	}
	ch <- prometheus.MustNewConstMetric(c.on, prometheus.GaugeValue, on)
	ch <- prometheus.MustNewConstMetric(c.served, prometheus.CounterValue, float64(f.Served))
	ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(f.Refused))
	lost := map[string]uint64{}
	for _, p := range f.Peers {
		up := 0.0
		if p.Connected {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, p.Node)
		ch <- prometheus.MustNewConstMetric(c.authFail, prometheus.CounterValue, float64(p.AuthFailures), p.Node)
		for _, o := range p.Origins {
			ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(o.Lag), p.Node, o.Node)
			lost[o.Node] = max(lost[o.Node], o.Lost)
		}
	}
	for o, n := range lost {
		ch <- prometheus.MustNewConstMetric(c.lost, prometheus.GaugeValue, float64(n), o)
	}
}
