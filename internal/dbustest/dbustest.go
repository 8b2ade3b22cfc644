// Package dbustest starts a private dbus-daemon configured as a system bus,
// with the system bus's own default policy and the project's policy file
// included, so that tests of the D-Bus export talk to a real bus through
// real clients (busctl, gdbus, dbus-monitor) and see the policy applied as
// it would be on a node. Imported by tests only.
package dbustest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// RequireTool returns the path of a tool of a Debian package, or stops the
// test (fatal under CI=true) when it is missing.
func RequireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	testenv.Require(t, err == nil, fmt.Sprintf("%s (Debian package %s)", name, pkg))
	return path
}

// StartSystemBus starts a dbus-daemon configured as a system bus that
// includes the policy file at policy, and returns its address and its
// process. The bus stops at the end of the test; its log is shown when the
// test failed.
func StartSystemBus(t testing.TB, policy string) (string, *exec.Cmd) {
	t.Helper()
	daemon := RequireTool(t, "dbus-daemon", "dbus-daemon")
	policy, err := filepath.Abs(policy)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// An unprivileged client must reach the socket: t.TempDir makes
	// its directory and the test's 0700.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(dir, "bus.sock")
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, sock, policy), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("dbus-daemon's log:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading dbus-daemon's address: %v", err)
	}
	return strings.TrimSpace(line), cmd
}

// busConfig is the system bus's own policy (Debian's system.conf, without
// activation and the user switch), plus the policy file under test.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>%s</include>
</busconfig>
`
