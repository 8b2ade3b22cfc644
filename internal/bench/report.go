package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

type row struct {
	Metric string   `json:"metric"`
	Unit   string   `json:"unit,omitempty"`
	Ours   *float64 `json:"gluster_eventing"`
	Stock  *float64 `json:"glustereventsd"`
	Ratio  *float64 `json:"ratio"`
}

type table struct {
	Title  string `json:"title"`
	Single bool   `json:"single,omitempty"` // one value column (the ceilings)
	// Columns name the two value columns when they are not
	// gluster-eventing and glustereventsd.
	Columns []string `json:"columns,omitempty"`
	Rows    []row    `json:"rows"`
	Notes   []string `json:"notes,omitempty"`
}

func ptr(v float64) *float64 { return &v }

// merge lines up two results metric by metric: ours' order, then metrics
// only the stock daemon has.
func merge(o, s *result) []row {
	var rows []row
	seen := map[string]bool{}
	add := func(m metric) {
		if seen[m.Name] {
			return
		}
		seen[m.Name] = true
		r := row{Metric: m.Name, Unit: m.Unit}
		if o != nil {
			if v, ok := o.get(m.Name); ok {
				r.Ours = ptr(v)
			}
		}
		if s != nil {
			if v, ok := s.get(m.Name); ok {
				r.Stock = ptr(v)
			}
		}
		if r.Ours != nil && r.Stock != nil && *r.Stock != 0 {
			r.Ratio = ptr(*r.Ours / *r.Stock)
		}
		rows = append(rows, r)
	}
	for _, r := range []*result{o, s} {
		if r != nil {
			for _, m := range r.Metrics {
				add(m)
			}
		}
	}
	return rows
}

func pickRows(rows []row, rename map[string]string, names ...string) []row {
	var out []row
	for _, n := range names {
		for _, r := range rows {
			if r.Metric == n {
				if rn, ok := rename[n]; ok {
					r.Metric = rn
				}
				out = append(out, r)
			}
		}
	}
	return out
}

func (b *bench) tables(ceil1, ceil4 float64) []table {
	o := b.o
	var ts []table
	reps := func(s string) string {
		if n := b.reps(s); n > 1 {
			return fmt.Sprintf("; median of %d runs", n)
		}
		return ""
	}
	if m := b.median("ceiling", "", ""); m != nil {
		t := table{Title: fmt.Sprintf("ceiling: bare Go HTTP client -> the webhook receiver, ~400-byte JSON, %s each%s", o.CeilingDur, reps("ceiling")), Single: true}
		for _, x := range m.Metrics {
			t.Rows = append(t.Rows, row{Metric: x.Name, Unit: x.Unit, Ours: ptr(x.Value)})
		}
		ts = append(ts, t)
	}
	if o.want("burst") {
		ts = append(ts, table{
			Title: fmt.Sprintf("burst: %d datagrams from one sender as fast as it can, 1 webhook; wait until %s quiet or %s%s", o.N, o.Quiet, o.BurstDeadline, reps("burst")),
			Rows:  merge(b.median("burst", "", ours), b.median("burst", "", stock)),
		})
	}
	if o.want("sustained") {
		for _, v := range []struct {
			mif     int
			ceiling float64
		}{{1, ceil1}, {4, ceil4}} {
			variant := fmt.Sprintf("max_in_flight=%d", v.mif)
			t := table{
				Title: fmt.Sprintf("sustained, gluster-eventing %s: constant rate for %s, 1 webhook; throughput measured while sending, after the first %s%s",
					variant, o.SustainedDur, min(2*time.Second, o.SustainedDur/5), reps("sustained")),
				Rows: merge(b.median("sustained", variant, ours), b.median("sustained", "", stock)),
			}
			t.Notes = append(t.Notes, fmt.Sprintf("gluster-eventing is offered its matching ceiling (%.0f req/s over %d connection(s)); glustereventsd, which posts sequentially, the 1-connection ceiling (%.0f req/s); waiting for the rest ends %s after the last send (deadline hit) or after %s without a delivery; glustereventsd runs once", v.ceiling, v.mif, ceil1, o.SustainedDeadline, o.Quiet))
			ts = append(ts, t)
		}
	}
	if o.want("latency") {
		ts = append(ts, table{
			Title: fmt.Sprintf("latency: %d events/s for %s, 1 webhook; send -> receipt%s", o.LatencyRate, o.LatencyDur, reps("latency")),
			Rows:  merge(b.median("latency", "", ours), b.median("latency", "", stock)),
		})
	}
	if o.want("fanout") {
		mo, ms := b.median("fanout", "", ours), b.median("fanout", "", stock)
		t := table{
			Title: fmt.Sprintf("fan-out: %d events/s for %s to a daemon with %d webhooks%s", o.FanoutRate, o.FanoutDur, o.FanoutHooks, reps("fanout")),
			Rows:  merge(mo, ms),
		}
		for _, x := range []struct {
			name string
			r    *result
		}{{"gluster-eventing", mo}, {"glustereventsd", ms}} {
			if x.r != nil && x.r.Extra["lost_per_webhook"] != nil {
				t.Notes = append(t.Notes, fmt.Sprintf("lost per webhook, %s: %v", x.name, x.r.Extra["lost_per_webhook"]))
			}
		}
		ts = append(ts, t)
	}
	if o.want("backlog") && o.wantDaemon(ours) {
		ts = append(ts, table{
			Title: fmt.Sprintf("backlog (gluster-eventing only): %d events sent while the webhook's port is closed, then the receiver starts (max_in_flight=%d); drain watched for %s", o.BacklogN, o.BacklogInFlight, o.BacklogDrain),
			Rows:  merge(b.median("backlog", "", ours), nil),
			Notes: []string{"glustereventsd is not run: it does not retry, so a closed port drops every event"},
		})
	}

	if o.want("dbus") && o.wantDaemon(ours) {
		ts = append(ts, table{
			Title: fmt.Sprintf("D-Bus export (gluster-eventing only): %d events/s for %s, 1 webhook, with the export on a private bus and a dbus-monitor listening to every Event signal, and without D-Bus%s",
				o.LatencyRate, o.LatencyDur, reps("dbus")),
			Columns: []string{"with D-Bus", "without"},
			Rows:    merge(b.median("dbus", busVariant(true), ours), b.median("dbus", busVariant(false), ours)),
			Notes:   []string{"ratio = with / without; CPU time is the daemon's alone (dbus-daemon and the listener are not counted)"},
		})
	}

	if o.want("filter") && o.wantDaemon(ours) {
		ts = append(ts, b.filterTable())
	}
	if o.want("streams") && o.wantDaemon(ours) {
		ts = append(ts, b.streamsTable())
	}

	// Memory and CPU, gathered from the scenarios.
	mem := table{Title: "memory and CPU (the daemon's process tree: glustereventsd is two processes)"}
	add := func(scenario, oursVariant, label string) {
		rows := merge(b.median(scenario, oursVariant, ours), b.median(scenario, "", stock))
		if scenario == "burst" {
			mem.Rows = append(mem.Rows, pickRows(rows, map[string]string{"RSS idle": "RSS idle after start"}, "RSS idle")...)
		}
		mem.Rows = append(mem.Rows, pickRows(rows, map[string]string{
			"RSS peak":                "RSS peak, " + label,
			"CPU time":                "CPU time, " + label,
			"CPU per 1000 deliveries": "CPU per 1000 deliveries, " + label,
		}, "RSS peak", "CPU time", "CPU per 1000 deliveries")...)
	}
	for _, s := range []struct{ scenario, variant, label string }{
		{"burst", "", "burst"},
		{"sustained", "max_in_flight=1", "sustained (ours mif=1)"},
		{"sustained", "max_in_flight=4", "sustained (ours mif=4)"},
		{"latency", "", "latency"},
		{"fanout", "", "fan-out"},
	} {
		if o.want(s.scenario) {
			add(s.scenario, s.variant, s.label)
		}
	}
	if len(mem.Rows) > 0 {
		ts = append(ts, mem)
	}
	return ts
}

func formatValue(v *float64, unit string) string {
	if v == nil {
		return "-"
	}
	x := *v
	switch unit {
	case "ms", "s":
		if math.Abs(x) >= 100 {
			return fmt.Sprintf("%.0f", x)
		}
		return fmt.Sprintf("%.2f", x)
	case "MiB", "%":
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.0f", x)
	}
}

func formatRatio(r row) string {
	switch {
	case r.Ratio != nil:
		if *r.Ratio >= 100 {
			return fmt.Sprintf("%.0f", *r.Ratio)
		}
		return fmt.Sprintf("%.2f", *r.Ratio)
	case r.Ours != nil && r.Stock != nil && *r.Stock == 0 && *r.Ours != 0:
		return "inf"
	default:
		return "-"
	}
}

func (t table) print(w io.Writer) {
	header := []string{"metric", "gluster-eventing", "glustereventsd", "ratio"}
	if len(t.Columns) == 2 {
		header = []string{"metric", t.Columns[0], t.Columns[1], "ratio"}
	}
	if t.Single {
		header = []string{"metric", "value"}
	}
	cells := [][]string{header}
	for _, r := range t.Rows {
		name := r.Metric
		if r.Unit != "" {
			name += " (" + r.Unit + ")"
		}
		if t.Single {
			cells = append(cells, []string{name, formatValue(r.Ours, r.Unit)})
		} else {
			cells = append(cells, []string{name, formatValue(r.Ours, r.Unit), formatValue(r.Stock, r.Unit), formatRatio(r)})
		}
	}
	width := make([]int, len(header))
	for _, c := range cells {
		for i, s := range c {
			width[i] = max(width[i], len(s))
		}
	}
	fmt.Fprintf(w, "\n== %s\n", t.Title)
	for n, c := range cells {
		var parts []string
		for i, s := range c {
			if i == 0 {
				parts = append(parts, fmt.Sprintf("%-*s", width[i], s))
			} else {
				parts = append(parts, fmt.Sprintf("%*s", width[i], s))
			}
		}
		fmt.Fprintln(w, strings.Join(parts, " | "))
		if n == 0 {
			var dashes []string
			for _, wd := range width {
				dashes = append(dashes, strings.Repeat("-", wd))
			}
			fmt.Fprintln(w, strings.Join(dashes, "-|-"))
		}
	}
	for _, n := range t.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}
