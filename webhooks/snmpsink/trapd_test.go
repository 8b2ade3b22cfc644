package snmpsink

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// mibDirs is the MIB search path of the tests: the standard SMIv2 modules
// GLUSTER-EVENTING-MIB imports (testdata/mibs, see its README: Debian's
// main archive has none) and the shipped MIB.
func mibDirs(t *testing.T) string {
	t.Helper()
	dirs := []string{"testdata/mibs", "../../packaging"}
	for i, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			t.Fatal(err)
		}
		dirs[i] = abs
	}
	return strings.Join(dirs, ":")
}

// trap is one notification as snmptrapd decoded it.
type trap struct {
	// Security is snmptrapd's %P: "TRAP2, SNMP v2c, community public" or
	// the v3 user and context.
	Security string
	// Vars are the variable bindings in order, "NAME = TYPE: VALUE".
	Vars []string
}

// value returns the value of the binding named name ("TYPE: VALUE").
func (tr trap) value(name string) (string, bool) {
	for _, v := range tr.Vars {
		if n, val, ok := strings.Cut(v, " = "); ok && n == name {
			return val, true
		}
	}
	return "", false
}

// trapd is a real Net-SNMP snmptrapd on a loopback UDP port, logging the
// notifications it accepts to a file, decoded with the shipped MIB. (A
// file, not a pipe: snmptrapd blocked on a test reading its output slowly
// would stop reading its socket and drop notifications.)
type trapd struct {
	Addr string // 127.0.0.1:PORT
	log  string // its log file
}

// startTrapd runs snmptrapd on 127.0.0.1 with the given snmptrapd.conf
// lines until the test ends.
func startTrapd(t *testing.T, conf ...string) *trapd {
	t.Helper()
	return startTrapdOn(t, "127.0.0.1", conf...)
}

// startTrapdOn runs snmptrapd on a loopback address, 127.0.0.1 or ::1.
func startTrapdOn(t *testing.T, ip string, conf ...string) *trapd {
	t.Helper()
	path, err := exec.LookPath("snmptrapd")
	if err != nil {
		path = "/usr/sbin/snmptrapd"
		if _, err := os.Stat(path); err != nil {
			testenv.Require(t, false, "snmptrapd (Debian package snmptrapd)")
		}
	}
	dir := t.TempDir()
	confPath := filepath.Join(dir, "snmptrapd.conf")
	// A receive buffer as large as the kernel allows (net.core.rmem_max):
	// the default one holds a couple of hundred notifications, less than
	// a loaded test machine can make snmptrapd fall behind by.
	conf = append([]string{"[snmp] serverRecvBuf 8388608"}, conf...)
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		d, err := tryTrapd(t, ip, path, dir, confPath, attempt)
		if err == nil {
			return d
		}
		if attempt == 5 {
			t.Fatalf("snmptrapd did not start: %v", err)
		}
		t.Logf("snmptrapd did not start (%v); trying another port", err)
	}
}

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	return freeUDPPortOn(t, "127.0.0.1")
}

func freeUDPPortOn(t *testing.T, ip string) int {
	t.Helper()
	c, err := net.ListenPacket("udp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func tryTrapd(t *testing.T, ip, path, dir, confPath string, attempt int) (*trapd, error) {
	port := freeUDPPortOn(t, ip)
	transport := "udp:"
	if strings.Contains(ip, ":") {
		transport = "udp6:"
	}
	d := &trapd{Addr: net.JoinHostPort(ip, strconv.Itoa(port)), log: filepath.Join(dir, fmt.Sprintf("snmptrapd-%d.log", attempt))}
	cmd := exec.Command(path, "-f", "-Lf", d.log, "-n", "-C", "-c", confPath,
		"-M", mibDirs(t), "-m", "GLUSTER-EVENTING-MIB:SNMPv2-MIB",
		"-F", `TRAP %P\t%v\n`, transport+d.Addr)
	cmd.Env = append(os.Environ(), "SNMP_PERSISTENT_DIR="+filepath.Join(dir, "persist"), "HOME="+dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(d.logText(), "NET-SNMP version") {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("snmptrapd exited (%v):\n%s%s", err, out.String(), d.logText())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("snmptrapd logged no start line in 20s:\n%s", d.logText())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("snmptrapd log (without notifications):\n%s", d.otherLines())
		}
	})
	return d, nil
}

func (d *trapd) logText() string {
	b, _ := os.ReadFile(d.log)
	return string(b)
}

// parse returns the notifications logged so far and the other lines.
func (d *trapd) parse() (traps []trap, other string) {
	var b strings.Builder
	for line := range strings.Lines(d.logText()) {
		line = strings.TrimSuffix(line, "\n")
		if rest, ok := strings.CutPrefix(line, "TRAP "); ok {
			if sec, vars, ok := strings.Cut(rest, "\t"); ok {
				traps = append(traps, trap{Security: sec, Vars: strings.Split(vars, "\t")})
				continue
			}
		}
		b.WriteString(line + "\n")
	}
	return traps, b.String()
}

func (d *trapd) otherLines() string {
	_, other := d.parse()
	return other
}

// wait polls until snmptrapd logged n notifications and returns them.
func (d *trapd) wait(t *testing.T, n int, timeout time.Duration) []trap {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, other := d.parse()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("snmptrapd logged %d notifications in %s, want %d; its other lines:\n%s", len(got), timeout, n, other)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// count is the number of notifications logged so far.
func (d *trapd) count() int {
	got, _ := d.parse()
	return len(got)
}
