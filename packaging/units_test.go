package packaging

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// The service unit states its "systemd-analyze security" score in a
// comment; the real tool must rate it no worse, so that loosening the
// sandbox means changing (and justifying) the stated score.
func TestServiceHardeningScore(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	testenv.Require(t, err == nil, "systemd-analyze (Debian package systemd)")
	unit, err := os.ReadFile("gluster-eventing.service")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`systemd-analyze security --offline=yes" \(systemd \d+\) rates\n# this unit (\d+\.\d) `).FindSubmatch(unit)
	if m == nil {
		t.Fatal(`gluster-eventing.service has no comment "systemd-analyze security --offline=yes" (systemd N) rates / # this unit X.Y ..."`)
	}
	stated, _ := strconv.ParseFloat(string(m[1]), 64)
	// The exit status says whether a --threshold was exceeded, not
	// whether the analysis ran: the output must have the overall line.
	out, _ := exec.Command(sa, "security", "--offline=yes", "--no-pager", "./gluster-eventing.service").CombinedOutput()
	o := regexp.MustCompile(`Overall exposure level for gluster-eventing\.service: (\d+\.\d)`).FindSubmatch(out)
	if o == nil {
		t.Fatalf("systemd-analyze security printed no overall exposure level:\n%s", out)
	}
	got, _ := strconv.ParseFloat(string(o[1]), 64)
	if got > stated {
		t.Errorf("systemd-analyze security rates gluster-eventing.service %.1f, the unit's comment states %.1f:\n%s", got, stated, out)
	}
	t.Logf("exposure %.1f (stated %.1f)", got, stated)
}

// The socket unit passes what the daemon takes: one datagram socket named
// "events" (daemon/lifecycle.go accepts only that name) on the port of the
// default listen address, for gluster-eventing.service.
func TestSocketUnitMatchesDaemon(t *testing.T) {
	b, err := os.ReadFile("gluster-eventing.socket")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = append(keys[k], v)
		}
	}
	def := config.DefaultNode()
	if len(def.Listen) != 1 {
		t.Fatalf("default listen %q: want one address", def.Listen)
	}
	_, port, _ := strings.Cut(def.Listen[0], "]:")
	for k, want := range map[string]string{
		"ListenDatagram":     port,
		"FileDescriptorName": "events",
		"Service":            "gluster-eventing.service",
		"BindIPv6Only":       "both",
	} {
		if got := keys[k]; len(got) != 1 || got[0] != want {
			t.Errorf("gluster-eventing.socket: %s=%q, want %q", k, got, want)
		}
	}
	if _, ok := keys["ListenStream"]; ok {
		t.Errorf("gluster-eventing.socket has a ListenStream=, which the daemon closes as not its UDP socket")
	}
}
