package snmpsink

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
// notifications it accepts, decoded with the shipped MIB.
type trapd struct {
	Addr string // 127.0.0.1:PORT

	mu    sync.Mutex
	traps []trap
	log   strings.Builder
	cond  chan struct{} // closed and replaced at each trap
}

// startTrapd runs snmptrapd with the given snmptrapd.conf lines until the
// test ends.
func startTrapd(t *testing.T, conf ...string) *trapd {
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
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		d, err := tryTrapd(t, path, dir, confPath)
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
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func tryTrapd(t *testing.T, path, dir, confPath string) (*trapd, error) {
	port := freeUDPPort(t)
	d := &trapd{Addr: "127.0.0.1:" + strconv.Itoa(port), cond: make(chan struct{})}
	cmd := exec.Command(path, "-f", "-Lo", "-n", "-C", "-c", confPath,
		"-M", mibDirs(t), "-m", "GLUSTER-EVENTING-MIB:SNMPv2-MIB",
		"-F", `TRAP %P\t%v\n`, "udp:"+d.Addr)
	cmd.Env = append(os.Environ(), "SNMP_PERSISTENT_DIR="+filepath.Join(dir, "persist"), "HOME="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		once := sync.OnceFunc(func() { close(ready) })
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			if sec, vars, ok := strings.Cut(strings.TrimPrefix(line, "TRAP "), "\t"); ok && strings.HasPrefix(line, "TRAP ") {
				d.traps = append(d.traps, trap{Security: sec, Vars: strings.Split(vars, "\t")})
				close(d.cond)
				d.cond = make(chan struct{})
			} else {
				d.log.WriteString(line + "\n")
			}
			d.mu.Unlock()
			if strings.HasPrefix(line, "NET-SNMP version") {
				once()
			}
		}
	}()
	stop := func() {
		cmd.Process.Kill()
		<-exited
		cmd.Wait()
	}
	select {
	case <-ready:
	case <-exited:
		cmd.Wait()
		return nil, fmt.Errorf("snmptrapd exited:\n%s", d.logText())
	case <-time.After(20 * time.Second):
		stop()
		return nil, fmt.Errorf("snmptrapd printed no start line in 20s:\n%s", d.logText())
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("snmptrapd log:\n%s", d.logText())
		}
	})
	return d, nil
}

func (d *trapd) logText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

// wait waits until snmptrapd logged n notifications and returns them.
func (d *trapd) wait(t *testing.T, n int, timeout time.Duration) []trap {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		d.mu.Lock()
		got, ch := append([]trap(nil), d.traps...), d.cond
		d.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("snmptrapd logged %d notifications in %s, want %d; its log:\n%s", len(got), timeout, n, d.logText())
		}
	}
}

// count is the number of notifications logged so far.
func (d *trapd) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.traps)
}
