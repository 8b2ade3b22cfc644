package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// busConf is a private system-type bus that lets everyone own and talk to
// everything: the benchmark measures the export's cost, not the policy.
const busConf = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
`

// privateBus is a dbus-daemon of the sandbox and a dbus-monitor on it that
// counts the daemon's Event signals: a listener, as a desktop or a
// storaged-style client would be.
type privateBus struct {
	addr    string
	daemon  *exec.Cmd
	monitor *exec.Cmd
	events  atomic.Int64
	done    chan struct{}
}

func startBus(sb *sandbox) (*privateBus, error) {
	sock := sb.path("run/bus.sock")
	conf := sb.path("bus.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConf, sock), 0o644); err != nil {
		return nil, err
	}
	b := &privateBus{addr: "unix:path=" + sock, done: make(chan struct{})}
	b.daemon = exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile")
	b.daemon.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := b.daemon.Start(); err != nil {
		return nil, fmt.Errorf("dbus-daemon: %w", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.stop()
			return nil, fmt.Errorf("dbus-daemon: no socket %s after 5s", sock)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.monitor = exec.Command("dbus-monitor", "--address", b.addr,
		"type='signal',interface='org.gluster.Eventing1.Manager',member='Event'")
	b.monitor.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := b.monitor.StdoutPipe()
	if err != nil {
		b.stop()
		return nil, err
	}
	if err := b.monitor.Start(); err != nil {
		b.stop()
		return nil, fmt.Errorf("dbus-monitor: %w", err)
	}
	go func() {
		defer close(b.done)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "signal ") && strings.Contains(line, "member=Event") {
				b.events.Add(1)
			}
		}
	}()
	return b, nil
}

func (b *privateBus) stop() {
	for _, c := range []*exec.Cmd{b.monitor, b.daemon} {
		if c != nil && c.Process != nil {
			c.Process.Kill()
			c.Wait()
		}
	}
}
