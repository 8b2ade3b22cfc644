package daemon_test

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// TestDisabledEvents: the real daemon with a cluster config disabling
// Volume.* but VOLUME_STOP drops VOLUME_START before the journal, delivers
// the rest in order, counts the drop in its status and in /metrics (which
// promtool accepts), and after a reload with nothing disabled delivers
// VOLUME_START again; the count stays, since the daemon started.
func TestDisabledEvents(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	testenv.Require(t, err == nil, "promtool (Debian package prometheus)")

	n := rtNewNode(t)
	rc := rtNewReceiver(t)
	hook := rtHook{URL: rc.URL, Format: "standard"}
	writeCluster := func(disabled string) {
		text := rtClusterConfig(hook)
		if disabled != "" {
			text = strings.Replace(text, "version = 1\n", "version = 1\ndisabled = "+disabled+"\n", 1)
		}
		rtWriteFileAtomic(t, n.ClusterPath, text)
	}
	writeCluster(`["Volume.*", "!VOLUME_STOP"]`)
	p := n.Start(t)
	p.WaitReady(n)

	s := rtNewSender(t)
	s.SendMarker(t, n.Addr4(), "start1") // VOLUME_START: disabled
	s.Send(t, n.Addr4(), fmt.Appendf(nil, "%d 4 name=stop1;force=1", rtEventTS))
	s.Send(t, n.Addr4(), fmt.Appendf(nil, "%d 77 peer=n1;volume=gv0;brick=n1:/b0;name=brick1", rtEventTS))
	rc.WaitMarker("brick1")
	st := n.WaitCaughtUp(t)

	var got []string
	for _, d := range rc.Got() {
		got = append(got, d.Event+" "+d.Marker())
	}
	if diff := cmp.Diff([]string{"VOLUME_STOP stop1", "BRICK_CONNECTED brick1"}, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if st.Journal.LastSeq != 2 || st.Intake.Journaled != 2 || st.Intake.Received != 3 {
		t.Errorf("journal last seq %d, journaled %d, received %d; want 2, 2, 3", st.Journal.LastSeq, st.Intake.Journaled, st.Intake.Received)
	}
	if st.Intake.Disabled["VOLUME_START"] != 1 {
		t.Errorf("status intake.disabled = %v, want VOLUME_START 1", st.Intake.Disabled)
	}
	if _, ok := st.Intake.Disabled["VOLUME_STOP"]; ok {
		t.Errorf("status intake.disabled lists VOLUME_STOP, the exception: %v", st.Intake.Disabled)
	}
	if !slices.Equal(st.Config.Disabled, []string{"Volume.*", "!VOLUME_STOP"}) {
		t.Errorf("status config.disabled = %q", st.Config.Disabled)
	}
	// The standard body is enriched: category, scope, typed fields.
	for _, d := range rc.Got() {
		if d.Event == "VOLUME_STOP" && !strings.Contains(string(d.Raw), `"fields":{"force":true,"name":"stop1"}`) {
			t.Errorf("VOLUME_STOP body has no typed fields: %s", d.Raw)
		}
		if d.Event == "BRICK_CONNECTED" && !strings.Contains(string(d.Raw), `"category":"brick","scope":"local"`) {
			t.Errorf("BRICK_CONNECTED body: %s", d.Raw)
		}
	}

	body, _ := rtScrape(t, n.APISocket)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	for _, want := range []string{
		"# TYPE gluster_eventing_events_disabled_total counter",
		`gluster_eventing_events_disabled_total{event="VOLUME_START"} 1`,
		`gluster_eventing_events_disabled_total{event="VOLUME_CREATE"} 0`,
	} {
		if !hasLine(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, `events_disabled_total{event="VOLUME_STOP"}`) {
		t.Error("/metrics counts VOLUME_STOP, which is not disabled")
	}

	// Nothing disabled any more.
	writeCluster("")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if res, err := n.Client().Reload(ctx); err != nil || !res.OK {
		t.Fatalf("reload: %+v, %v", res, err)
	}
	s.SendMarker(t, n.Addr4(), "start2")
	rc.WaitMarker("start2")
	st = n.Status(t)
	if diff := cmp.Diff(map[string]uint64{"VOLUME_START": 1}, st.Intake.Disabled); diff != "" {
		t.Errorf("after enabling, intake.disabled (-want +got):\n%s", diff)
	}
	if len(st.Config.Disabled) != 0 {
		t.Errorf("after enabling, config.disabled = %q", st.Config.Disabled)
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}
