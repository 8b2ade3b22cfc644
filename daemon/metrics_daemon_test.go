package daemon_test

// The real daemon's /metrics, checked by Prometheus's own promtool. The
// exposition details (escaping, one family per name) are unit-tested in
// metrics_test.go; this proves that what a running daemon serves on its
// API socket is what a Prometheus server accepts.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// TestMetricsPromtool: after one event delivered to a webhook whose URL
// path has non-ASCII, a quote and a backslash, `promtool check metrics`
// accepts the daemon's /metrics without a lint problem; the output has the
// process and Go collectors and the numbers of the daemon's status.
func TestMetricsPromtool(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	testenv.Require(t, err == nil, "promtool (Debian package prometheus)")

	n := rtNewNode(t)
	rc := rtNewReceiver(t)
	n.WriteCluster(t, rtHook{URL: rc.URL + `/ünï"co\de`, Format: "standard"})
	p := n.Start(t)
	p.WaitReady(n)
	rtNewSender(t).SendMarker(t, n.Addr4(), "m1")
	rc.WaitMarker("m1")
	st := n.WaitCaughtUp(t)
	if len(st.Webhooks) != 1 {
		t.Fatalf("status has %d webhooks, want 1: %+v", len(st.Webhooks), st.Webhooks)
	}
	h := st.Webhooks[0]

	body, ctype := rtScrape(t, n.APISocket)
	if !strings.HasPrefix(ctype, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text format 0.0.4", ctype)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	// The webhook's labels are its id and redacted URL as the status has
	// them, escaped for the format (only \ " and newline are escaped).
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	labels := fmt.Sprintf(`{url="%s",webhook="%s"}`, esc.Replace(h.URL), esc.Replace(h.ID))
	for _, want := range []string{
		fmt.Sprintf("gluster_eventing_events_journaled_total %d", st.Intake.Journaled),
		fmt.Sprintf("gluster_eventing_journal_last_seq %d", st.Journal.LastSeq),
		fmt.Sprintf("gluster_eventing_webhook_delivered_total%s %d", labels, h.Delivered),
		fmt.Sprintf("gluster_eventing_webhook_up%s 1", labels),
		"# TYPE process_cpu_seconds_total counter",
		"# TYPE process_resident_memory_bytes gauge",
		"# TYPE process_open_fds gauge",
		"# TYPE go_goroutines gauge",
		"# TYPE go_info gauge",
		"# TYPE promhttp_metric_handler_errors_total counter",
	} {
		if !hasLine(body, want) {
			t.Errorf("/metrics lacks the line %q", want)
		}
	}
	if h.Delivered != 1 {
		t.Errorf("status: webhook delivered %d, want 1", h.Delivered)
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// rtScrape GETs /metrics on the API socket and returns the body and its
// Content-Type.
func rtScrape(t *testing.T, socket string) (body, contentType string) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}}
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://gluster-eventing/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: HTTP %d: %s", resp.StatusCode, b)
	}
	return string(b), resp.Header.Get("Content-Type")
}

func hasLine(text, line string) bool {
	for l := range strings.SplitSeq(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
