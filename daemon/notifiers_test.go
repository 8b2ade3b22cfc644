package daemon_test

// A real daemon with an exec notifier: events sent over UDP run a real
// script, the notifier's filter holds, its health is in the status and
// /metrics, and a changed cluster config (filter cleared, notifier
// removed) takes effect on reload.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// rtNotifierConfig is a cluster config with one exec notifier running
// script with out as its argument, and filter (if any).
func rtNotifierConfig(script, out, filter string) string {
	cfg := "version = 1\n\n[[notifier]]\nid = \"n1\"\nname = \"pager\"\nkind = \"exec\"\n"
	if filter != "" {
		cfg += fmt.Sprintf("filter = %q\n", filter)
	}
	return cfg + fmt.Sprintf("\n[notifier.exec]\ncommand = [%q, %q]\n", script, out)
}

func TestDaemonExecNotifier(t *testing.T) {
	t.Parallel()
	n := rtNewNode(t)
	out := filepath.Join(n.Dir, "runs")
	script := filepath.Join(n.Dir, "record.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$GLUSTER_EVENT $GLUSTER_FIELD_NAME $GLUSTER_EVENT_SEQ\" >> \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	rtWriteFileAtomic(t, n.ClusterPath, rtNotifierConfig(script, out, "category:volume"))
	p := n.Start(t)
	p.WaitReady(n)

	brick := func(name string) []byte {
		return fmt.Appendf(nil, "%d %d volume=gv0;peer=node2;brick=/b/%s;name=%s", rtEventTS, int(gfevent.BrickDisconnected), name, name)
	}
	s := rtNewSender(t)
	s.SendMarker(t, n.Addr4(), "m1")
	s.Send(t, n.Addr4(), brick("b1"))
	s.SendMarker(t, n.Addr4(), "m2")
	runs := func() []string {
		b, _ := os.ReadFile(out)
		return strings.Fields(strings.ReplaceAll(string(b), "\n", " | "))
	}
	rtEventually(t, rtDeliverTimeout, "the volume events to run the script", func() (bool, string) {
		st := n.Status(t)
		return len(st.Notifiers) == 1 && st.Notifiers[0].Cursor == 3, fmt.Sprintf("%+v", st.Notifiers)
	})
	got, _ := os.ReadFile(out)
	if want := "VOLUME_START m1 1\nVOLUME_START m2 3\n"; string(got) != want {
		t.Errorf("the script ran for %q, want %q (category:volume only)", got, want)
	}
	st := n.Status(t)
	h := st.Notifiers[0]
	if h.ID != "n1" || h.Name != "pager" || h.Kind != "exec" || h.Target != script+" "+out || h.State != "ok" || h.Delivered != 2 {
		t.Errorf("notifier health %+v", h)
	}
	body, _ := rtScrape(t, n.APISocket)
	t.Run("promtool", func(t *testing.T) {
		promtool, err := exec.LookPath("promtool")
		testenv.Require(t, err == nil, "promtool (Debian package prometheus)")
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	})
	for _, want := range []string{
		`gluster_eventing_notifier_delivered_total{kind="exec",notifier="n1"} 2`,
		`gluster_eventing_notifier_up{kind="exec",notifier="n1"} 1`,
		`gluster_eventing_notifier_queue_depth{kind="exec",notifier="n1"} 0`,
	} {
		if !hasLine(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// The filter cleared: the next brick event runs it too.
	rtWriteFileAtomic(t, n.ClusterPath, rtNotifierConfig(script, out, ""))
	rtEventually(t, rtDeliverTimeout, "the reload", func() (bool, string) {
		st := n.Status(t)
		return st.Config.Reloads > 0, fmt.Sprintf("reloads %d", st.Config.Reloads)
	})
	s.Send(t, n.Addr4(), brick("b2"))
	rtEventually(t, rtDeliverTimeout, "the brick event to run the script", func() (bool, string) {
		r := runs()
		return len(r) > 0 && strings.Contains(strings.Join(r, " "), "BRICK_DISCONNECTED b2 4"), strings.Join(r, " ")
	})

	// Removed: gone from the status, and nothing runs any more.
	rtWriteFileAtomic(t, n.ClusterPath, "version = 1\n")
	rtEventually(t, rtDeliverTimeout, "the notifier removed", func() (bool, string) {
		st := n.Status(t)
		return len(st.Notifiers) == 0, fmt.Sprintf("%+v", st.Notifiers)
	})
	if st := n.Status(t); st.Notifiers == nil {
		t.Error("status notifiers is null, want []")
	}
}
