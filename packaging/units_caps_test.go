package packaging

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/glustertest"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// unitDirectives returns the values of key= in the [Service] section of
// the service unit, in order.
func unitDirectives(t *testing.T, key string) []string {
	t.Helper()
	b, err := os.ReadFile("gluster-eventing.service")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	section := ""
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && section == "[Service]" && k == key {
			out = append(out, v)
		}
	}
	return out
}

// TestServiceCapabilitiesSuffice runs the daemon on a real glusterd node
// with what the service unit leaves a root process: the capability
// bounding set of CapabilityBoundingSet= and NoNewPrivileges=, applied by
// setpriv as systemd applies them (before exec). The daemon must still do
// what needs privileges: run the gluster CLI against glusterd (its state
// table is built from it) and force its 64MiB UDP receive buffer above
// net.core.rmem_max (SO_RCVBUFFORCE, CAP_NET_ADMIN). The rest of the
// sandbox (ProtectSystem=, the system call filter) needs systemd as PID 1
// and is not exercised here.
func TestServiceCapabilitiesSuffice(t *testing.T) {
	glustertest.Require(t)
	setpriv, err := exec.LookPath("setpriv")
	testenv.Require(t, err == nil, "setpriv (Debian package util-linux)")
	caps := unitDirectives(t, "CapabilityBoundingSet")
	if len(caps) != 1 {
		t.Fatalf("gluster-eventing.service: CapabilityBoundingSet= %q, want one line", caps)
	}
	bounding := "-all"
	var mask uint64
	for _, c := range strings.Fields(caps[0]) {
		name := strings.ToLower(strings.TrimPrefix(c, "CAP_"))
		bit, ok := map[string]uint{"net_admin": 12, "net_bind_service": 10, "dac_override": 1, "dac_read_search": 2}[name]
		if !ok {
			t.Fatalf("capability %s: add its number to this test", c)
		}
		bounding += ",+" + name
		mask |= 1 << bit
	}
	if nnp := unitDirectives(t, "NoNewPrivileges"); len(nnp) != 1 || nnp[0] != "yes" {
		t.Fatalf("gluster-eventing.service: NoNewPrivileges= %q, want yes", nnp)
	}

	bin := glustertest.BuildEventing(t, "..")
	wrapper := filepath.Join(t.TempDir(), "sandboxed-gluster-eventing")
	script := fmt.Sprintf("#!/bin/sh\nexec %s --bounding-set=%s --inh-caps=-all --no-new-privs -- %s \"$@\"\n", setpriv, bounding, bin)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c := glustertest.StartCluster(t, glustertest.ClusterConfig{
		Prefix: "unitcaps", Nodes: 1, PeerProgram: bin, Daemon: wrapper, EventsDir: true,
	})
	n := c.Node(1)
	n.StartDaemon()
	pid := n.DaemonPID()
	if pid == 0 {
		t.Fatal("no daemon pid")
	}

	// The daemon really runs with the unit's limits.
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for line := range strings.SplitSeq(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	if bnd, _ := strconv.ParseUint(fields["CapBnd"], 16, 64); bnd != mask {
		t.Fatalf("daemon CapBnd %s, want %#x: the sandbox was not applied", fields["CapBnd"], mask)
	}
	if fields["NoNewPrivs"] != "1" {
		t.Fatalf("daemon NoNewPrivs %q, want 1", fields["NoNewPrivs"])
	}

	// The gluster CLI reached glusterd: the state table has this node.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := n.API().Refresh(ctx)
	if err != nil {
		t.Fatalf("state refresh: %v", err)
	}
	self := false
	for _, p := range st.Peers {
		self = self || (p.Self && p.UUID == n.UUID())
	}
	if st.Glusterd != "running" || !self {
		t.Errorf("state table with the unit's capabilities: glusterd %q, peers %+v, status %q; want running with this node", st.Glusterd, st.Peers, st.Status)
	}

	// SO_RCVBUFFORCE took: the kernel doubles the value set, and plain
	// SO_RCVBUF would stop at twice net.core.rmem_max.
	want := uint64(n.NodeConfig().ReceiveBuffer)
	rmem, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := strconv.ParseUint(strings.TrimSpace(string(rmem)), 10, 64); m >= want {
		t.Skipf("net.core.rmem_max %d is not below receive_buffer %d: the receive buffer cannot tell SO_RCVBUFFORCE from SO_RCVBUF here (the rest passed)", m, want)
	}
	out, err := n.Run(nil, "ss", "-u", "-l", "-n", "-m", "-p")
	if err != nil {
		t.Fatalf("ss: %v\n%s", err, out)
	}
	rb := "rb" + strconv.FormatUint(2*want, 10)
	found := false
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.Contains(l, ":55555 ") && i+1 < len(lines) && strings.Contains(lines[i+1], rb+",") {
			found = true
		}
	}
	if !found {
		t.Errorf("no UDP socket on port 55555 with %s (receive_buffer %d forced): \n%s", rb, want, out)
	}
}
