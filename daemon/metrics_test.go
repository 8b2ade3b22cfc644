package daemon

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/webhooks"
)

// scrape serves GET /metrics for st through the handler the daemon uses and
// returns the body.
func scrape(t *testing.T, st api.Status) string {
	t.Helper()
	h := newMetricsHandler(func() api.Status { return st }, slog.New(slog.NewTextHandler(t.Output(), nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: HTTP %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text format 0.0.4", ct)
	}
	b, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A sample line of the text exposition format. A label value may hold any
// UTF-8 except a raw `"`, `\` or newline, and only three escapes: \\, \" and
// \n (https://prometheus.io/docs/instrumenting/exposition_formats/).
var sampleLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*` +
	`(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})?` +
	` (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)$`)

// Every sample line must be valid exposition format, every family must
// have HELP and TYPE, and the numbers must be the status's.
func TestMetricsFormat(t *testing.T) {
	st := api.Status{
		Intake:  api.IntakeStatus{Received: 7, Journaled: 5, Denied: 1, Rejected: map[string]uint64{"bad_type": 1}},
		Journal: api.JournalStatus{LastSeq: 5, FirstSeq: 1, Records: 5, Bytes: 640},
		Webhooks: []api.Webhook{
			{URL: `http://h/a"b`, ID: "webhook:aaaa", State: webhooks.StateOK, Delivered: 5},
			{URL: "http://h/down", ID: "webhook:bbbb", State: webhooks.StateRetrying, QueueDepth: 5, ConsecutiveFailures: 3},
		},
	}
	out := scrape(t, st)
	typed := map[string]bool{}
	helped := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name := strings.Fields(rest)[0]
			if !helped[name] {
				t.Errorf("TYPE before HELP: %q", line)
			}
			typed[name] = true
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			helped[strings.Fields(rest)[0]] = true
			continue
		}
		if !sampleLine.MatchString(line) {
			t.Errorf("not a valid sample line: %q", line)
			continue
		}
		name := strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ' ' })[0]
		if !typed[name] && !typed[strings.TrimSuffix(strings.TrimSuffix(name, "_sum"), "_count")] {
			t.Errorf("sample before its TYPE: %q", line)
		}
	}
	for _, want := range []string{
		"# TYPE gluster_eventing_datagrams_received_total counter\n",
		"# HELP gluster_eventing_datagrams_rejected_total Datagrams not journaled, by reason.\n",
		"# TYPE gluster_eventing_journal_last_seq gauge\n",
		"# TYPE gluster_eventing_webhook_up gauge\n",
		"gluster_eventing_datagrams_received_total 7\n",
		"gluster_eventing_events_journaled_total 5\n",
		`gluster_eventing_datagrams_rejected_total{reason="bad_type"} 1` + "\n",
		`gluster_eventing_datagrams_rejected_total{reason="unknown_type"} 0` + "\n",
		`gluster_eventing_datagrams_rejected_total{reason="source_denied"} 1` + "\n",
		`gluster_eventing_datagrams_rejected_total{reason="journal_error"} 0` + "\n",
		"gluster_eventing_journal_bytes 640\n",
		"gluster_eventing_journal_first_seq 1\n",
		`gluster_eventing_webhook_delivered_total{url="http://h/a\"b",webhook="webhook:aaaa"} 5` + "\n",
		`gluster_eventing_webhook_queue_depth{url="http://h/down",webhook="webhook:bbbb"} 5` + "\n",
		`gluster_eventing_webhook_consecutive_failures{url="http://h/down",webhook="webhook:bbbb"} 3` + "\n",
		`gluster_eventing_webhook_up{url="http://h/down",webhook="webhook:bbbb"} 0` + "\n",
		`gluster_eventing_webhook_up{url="http://h/a\"b",webhook="webhook:aaaa"} 1` + "\n",
		// The standard collectors.
		"# TYPE process_cpu_seconds_total counter\n",
		"# TYPE process_resident_memory_bytes gauge\n",
		"# TYPE go_goroutines gauge\n",
		"# TYPE go_memstats_heap_alloc_bytes gauge\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", out)
	}
}

// Label values are escaped as the exposition format says: only \, " and
// newline are escaped (as \\, \" and \n); a tab and non-ASCII are written
// as they are (not as Go's %q would: \t, \u00fc); bytes that are not UTF-8
// become U+FFFD instead of failing the scrape.
func TestMetricsLabelEscaping(t *testing.T) {
	for _, tc := range []struct {
		name, url, want string
	}{
		{"plain", "http://h/hook", `url="http://h/hook"`},
		{"quote", `http://h/a"b`, `url="http://h/a\"b"`},
		{"backslash", `http://h/a\b`, `url="http://h/a\\b"`},
		{"newline", "http://h/a\nb", `url="http://h/a\nb"`},
		{"tab", "http://h/a\tb", "url=\"http://h/a\tb\""},
		{"non-ASCII", "http://h/hook/ünï", `url="http://h/hook/ünï"`},
		{"all", "http://h/hook/ünï\"co\\de\n\t", "url=\"http://h/hook/ünï\\\"co\\\\de\\n\t\""},
		{"invalid UTF-8", "http://h/a\xffb", "url=\"http://h/a\uFFFDb\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := scrape(t, api.Status{Webhooks: []api.Webhook{
				{URL: tc.url, ID: "webhook:1", State: webhooks.StateOK, Delivered: 3},
			}})
			want := "gluster_eventing_webhook_delivered_total{" + tc.want + `,webhook="webhook:1"} 3` + "\n"
			if !strings.Contains(out, want) {
				t.Errorf("metrics lack %q; webhook lines:\n%s", want, grepLines(out, "gluster_eventing_webhook_delivered_total{"))
			}
			if line := strings.TrimSuffix(want, "\n"); !sampleLine.MatchString(line) {
				t.Errorf("the wanted line %q does not match the format's sample regexp", line)
			}
		})
	}
}

// The format regexp itself: Go's escapes that the format does not have are
// rejected.
func TestMetricsSampleRegexp(t *testing.T) {
	for line, ok := range map[string]bool{
		`m{l="a\"b"} 1`:      true,
		`m{l="a\\b"} 1`:      true,
		`m{l="a\nb"} 1`:      true,
		"m{l=\"a\tb\"} 1":    true,
		`m{l="ü"} 1`:         true,
		`m{l="a",k="b"} 1.5`: true,
		`go_gc_duration_seconds{quantile="0.5"} 1.2e-05`: true,
		`m NaN`:           true,
		`m{l="a\tb"} 1`:   false,
		`m{l="\u00fc"} 1`: false,
		`m{l="\x41"} 1`:   false,
		`m{l="a"b"} 1`:    false,
		"m{l=\"a\nb\"} 1": false,
		`m{l="a\"} 1`:     false,
	} {
		if got := sampleLine.MatchString(line); got != ok {
			t.Errorf("sampleLine.MatchString(%q) = %v, want %v", line, got, ok)
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
