package daemon_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/glustertest"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// TestRealGlusterEmailAndSNMP is "mail me critical events, at most one
// mail a minute" and "send SNMP traps to the NMS" against a REAL glusterd
// and real receivers: the daemon runs next to glusterd in a node's
// namespaces with an email notifier (a 2s interval) and an SNMP notifier,
// both for critical brick events; a brick killed with SIGKILL makes
// glusterd send BRICK_DISCONNECTED, which arrives as a mail at Python's
// aiosmtpd and as a glusterEventNotification at Net-SNMP's snmptrapd,
// decoded with the shipped MIB. Nothing else Gluster sent (the volume's
// creation and start, the brick's connection) is selected.
func TestRealGlusterEmailAndSNMP(t *testing.T) {
	glustertest.Require(t)
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import aiosmtpd").Run()
	testenv.Require(t, err == nil, "Python's aiosmtpd (Debian package python3-aiosmtpd)")
	trapd, err := exec.LookPath("snmptrapd")
	if err != nil {
		trapd = "/usr/sbin/snmptrapd"
	}
	_, err = os.Stat(trapd)
	testenv.Require(t, err == nil, "snmptrapd (Debian package snmptrapd)")
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	smtpdScript, mibs := abs("../webhooks/mailsink/testdata/smtpd.py"), abs("../webhooks/snmpsink/testdata/mibs")+":"+abs("../packaging")

	bin := glustertest.BuildEventing(t, "..")
	n := glustertest.StartNode(t, glustertest.Config{})
	uuid := n.UUID()

	// The receivers, in the node's own network namespace (fixed ports are
	// free there), on its address.
	mailDir := filepath.Join(n.Dir, "mail")
	if err := os.MkdirAll(mailDir, 0o755); err != nil {
		t.Fatal(err)
	}
	n.Start("smtpd", nil, python, smtpdScript, "--dir", mailDir, "--host", n.Addr, "--port", "2525")
	trapLog := filepath.Join(n.Dir, "traps.log")
	trapConf := filepath.Join(n.Dir, "snmptrapd.conf")
	rgWriteFile(t, trapConf, "[snmp] serverRecvBuf 8388608\nauthCommunity log gluster-nms\n")
	n.Start("snmptrapd", []string{"SNMP_PERSISTENT_DIR=" + filepath.Join(n.Dir, "snmp")}, trapd, "-f", "-Lf", trapLog, "-n", "-C",
		"-c", trapConf, "-M", mibs, "-m", "GLUSTER-EVENTING-MIB:SNMPv2-MIB", "-F", `TRAP %P\t%v\n`, "udp:"+n.Addr+":162")
	rgWaitFor(t, 30*time.Second, "smtpd and snmptrapd listening", func() error {
		smtpdLog, _ := os.ReadFile(filepath.Join(n.Dir, "smtpd.log"))
		trapdLog, _ := os.ReadFile(trapLog)
		if !strings.Contains(string(smtpdLog), "READY 2525") || !strings.Contains(string(trapdLog), "NET-SNMP version") {
			return fmt.Errorf("smtpd log %q, snmptrapd log %q", smtpdLog, trapdLog)
		}
		return nil
	})

	state := filepath.Join(n.Dir, "gluster-eventing")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	nodeCfg := filepath.Join(state, "node.toml")
	rgWriteFile(t, nodeCfg, fmt.Sprintf(`version = 1
api_socket = %q
state_dir = %q
pid_file = %q
glusterd_workdir = "/var/lib/glusterd"
bus = "none"

[http]
listen = ""
`, filepath.Join(state, "api.sock"), filepath.Join(state, "state"), filepath.Join(state, "gluster-eventing.pid")))
	env := []string{"GLUSTER_EVENTING_CONFIG=" + nodeCfg}
	d := n.Start("gluster-eventing", env, bin, "daemon")
	rgWaitFor(t, 15*time.Second, "daemon status", func() error {
		if d.Exited() {
			t.Fatalf("daemon exited: %v", d.Err())
		}
		_, err := n.Run(env, bin, "status", "--local", "--json")
		return err
	})
	// Each is one command, as an operator types it.
	const filter = "category:brick severity:critical"
	nkRun(t, n, env, bin, "notifier-add", "email", "--name", "ops-mail", "--to", "ops@example.com", "--filter", filter,
		"--interval", "2s", "--smtp", n.Addr+":2525", "--tls", "none", "--from", "gluster@example.com")
	nkRun(t, n, env, bin, "notifier-add", "snmp", "--name", "nms", "--target", n.Addr, "--community", "gluster-nms", "--filter", filter)
	rgWaitFor(t, 15*time.Second, "the notifiers running", func() error {
		out, err := n.Run(env, bin, "status", "--local", "--json")
		if err != nil || strings.Count(out, `"kind": "email"`)+strings.Count(out, `"kind":"email"`) == 0 ||
			strings.Count(out, `"kind": "snmp"`)+strings.Count(out, `"kind":"snmp"`) == 0 {
			return fmt.Errorf("status: %v: %s", err, out)
		}
		return nil
	})

	brickDir := n.BrickDir("nv")
	b1, b2 := brickDir+"/b1", brickDir+"/b2"
	n.Gluster("volume", "create", "nv", n.Name+":"+b1, n.Name+":"+b2, "force")
	n.Gluster("volume", "start", "nv")
	n.KillBrick("nv", b2)

	var mail string
	rgWaitFor(t, 60*time.Second, "a mail with BRICK_DISCONNECTED", func() error {
		names, _ := filepath.Glob(filepath.Join(mailDir, "*.eml"))
		slices.Sort(names)
		var all strings.Builder
		for _, name := range names {
			b, _ := os.ReadFile(name)
			all.Write(b)
		}
		mail = strings.ReplaceAll(all.String(), "\r\n", "\n")
		if !strings.Contains(mail, "BRICK_DISCONNECTED") {
			return fmt.Errorf("%d mails: %q", len(names), mail)
		}
		return nil
	})
	for _, want := range []string{
		"X-Gluster-Eventing-Node: " + uuid,
		"X-Gluster-Eventing-Severity: critical",
		"Subject: [gluster critical] 1 event on ",
	} {
		if !strings.Contains(mail, want) {
			t.Errorf("the mail lacks %q:\n%s", want, mail)
		}
	}
	if !regexp.MustCompile(`(?m)^    brick +` + regexp.QuoteMeta(b2) + `$`).MatchString(mail) {
		t.Errorf("the mail does not show the brick %s:\n%s", b2, mail)
	}
	if strings.Contains(mail, "BRICK_CONNECTED") || strings.Contains(mail, "VOLUME_START") {
		t.Errorf("the mail has events the filter does not select:\n%s", mail)
	}

	var traps []string
	rgWaitFor(t, 30*time.Second, "a BRICK_DISCONNECTED trap", func() error {
		b, _ := os.ReadFile(trapLog)
		traps = traps[:0]
		for line := range strings.Lines(string(b)) {
			if strings.HasPrefix(line, "TRAP ") {
				traps = append(traps, line)
			}
		}
		if len(traps) == 0 {
			return fmt.Errorf("snmptrapd log: %q", b)
		}
		return nil
	})
	for _, tr := range traps {
		for _, want := range []string{
			"community gluster-nms",
			"SNMPv2-MIB::snmpTrapOID.0 = OID: GLUSTER-EVENTING-MIB::glusterEventNotification",
			"GLUSTER-EVENTING-MIB::glusterEventName.0 = STRING: BRICK_DISCONNECTED",
			"GLUSTER-EVENTING-MIB::glusterEventNode.0 = STRING: " + uuid,
			"GLUSTER-EVENTING-MIB::glusterEventSeverity.0 = INTEGER: critical(3)",
			"GLUSTER-EVENTING-MIB::glusterEventVolume.0 = STRING: nv",
			"brick=" + b2,
		} {
			if !strings.Contains(tr, want) {
				t.Errorf("trap lacks %q: %s", want, tr)
			}
		}
	}
}

// nkRun runs a command in the node and fails the test, with its output,
// unless it succeeds.
func nkRun(t *testing.T, n *glustertest.Node, env []string, argv ...string) {
	t.Helper()
	stdout, stderr, err := n.Output(env, argv...)
	if err != nil {
		t.Fatalf("%q: %v\nstdout:\n%s\nstderr:\n%s", argv, err, stdout, stderr)
	}
}
