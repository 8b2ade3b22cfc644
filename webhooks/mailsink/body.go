package mailsink

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gluster/gluster-eventing/webhooks"
)

// event is one event as a mail shows it.
type event struct {
	Seq      uint64
	Time     time.Time // the sender's clock
	Name     string
	Severity string
	Category string
	Volume   string
	Fields   [][2]string // key (trimmed), value; in the order Gluster sent them
}

// summary is what a mail is made of: its events and what the subject
// says about them.
type summary struct {
	node, epoch string
	first, last uint64
	test        bool
	events      []event
	worst       string // the worst severity
}

// severityRank orders severities, worst last.
func severityRank(s string) int {
	switch s {
	case "info":
		return 1
	case "warning":
		return 2
	case "critical":
		return 3
	}
	return 0
}

// digest extracts what the mail shows from a message.
func digest(m *webhooks.Message) *summary {
	d := &summary{node: m.Node, epoch: m.Epoch, first: m.First, last: m.Last, test: m.Test}
	for i, b := range m.Bodies() {
		rec := m.Records[i]
		ev := event{Seq: b.Seq, Time: time.Unix(b.TS, 0).UTC(), Name: b.Event, Severity: b.Severity, Category: b.Category}
		if !m.Test {
			ev.Volume, _ = rec.Event.Volume()
			for _, f := range rec.Event.Fields {
				ev.Fields = append(ev.Fields, [2]string{strings.TrimSpace(f.Key), f.Value})
			}
		}
		if d.worst == "" || severityRank(ev.Severity) > severityRank(d.worst) {
			d.worst = ev.Severity
		}
		d.events = append(d.events, ev)
	}
	return d
}

// names returns the distinct event names, the most frequent first (then
// by name), at most n of them and then "...".
func (d *summary) names(n int) string {
	counts := map[string]int{}
	var order []string
	for _, ev := range d.events {
		if counts[ev.Name] == 0 {
			order = append(order, ev.Name)
		}
		counts[ev.Name]++
	}
	slices.SortStableFunc(order, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	if len(order) > n {
		order = append(order[:n], "...")
	}
	return strings.Join(order, ", ")
}

// BodyInfo is what a mail's text says about where it comes from.
type BodyInfo struct {
	Host     string // this node's host name
	Notifier string // the notifier's name or id
	Filter   string // its filter expression, "" for every event
}

// Body is the text of a mail: a line saying how many events and how bad,
// a table of them (one line each), then each event with its fields, and
// a signature saying which node, journal and notifier sent it.
func Body(d *summary, info BodyInfo) string {
	var b strings.Builder
	n := len(d.events)
	switch {
	case d.test:
		fmt.Fprintf(&b, "A test mail from gluster-eventing on %s (notifier-test): the notifier can reach you.\n\n", info.Host)
	case n == 1:
		fmt.Fprintf(&b, "1 Gluster event on %s, severity %s.\n\n", info.Host, d.worst)
	default:
		fmt.Fprintf(&b, "%d Gluster events on %s, the worst %s.\n\n", n, info.Host, d.worst)
	}

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tSEVERITY\tEVENT\tVOLUME\tCATEGORY\tSEQ")
	for _, ev := range d.events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", ev.Time.Format(time.DateTime), ev.Severity, ev.Name, dash(ev.Volume), ev.Category, ev.Seq)
	}
	tw.Flush()

	b.WriteString("\nEvents\n")
	for _, ev := range d.events {
		fmt.Fprintf(&b, "\n#%d  %s UTC  %s  (%s, %s)\n", ev.Seq, ev.Time.Format(time.DateTime), ev.Name, ev.Severity, ev.Category)
		width := 0
		for _, f := range ev.Fields {
			width = max(width, len(f[0]))
		}
		for _, f := range ev.Fields {
			fmt.Fprintf(&b, "    %-*s  %s\n", width, f[0], oneLineValue(f[1]))
		}
		if len(ev.Fields) == 0 {
			b.WriteString("    (no fields)\n")
		}
	}

	b.WriteString("\n-- \n")
	fmt.Fprintf(&b, "Sent by gluster-eventing on %s (glusterd UUID %s)", info.Host, d.node)
	if !d.test {
		fmt.Fprintf(&b, ",\njournal epoch %s, seqs %d to %d", d.epoch, d.first, d.last)
	}
	b.WriteString(".\n")
	if info.Notifier != "" {
		filter := "every event"
		if info.Filter != "" {
			filter = "filter " + info.Filter
		}
		fmt.Fprintf(&b, "Notifier %s, %s.\n", info.Notifier, filter)
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLineValue keeps a field on its line: Gluster's free-text fields can
// hold newlines.
func oneLineValue(s string) string {
	return strings.NewReplacer("\r\n", " | ", "\n", " | ", "\r", " | ").Replace(s)
}
