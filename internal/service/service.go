// Package service starts, stops and restarts this node's gluster-eventing
// daemon: through systemd where systemd is PID 1, and otherwise directly
// (spawn it detached, signal the pid in its pid file), so that the cluster
// commands also work where there is no systemd, such as the test
// namespaces. The peer program (node-start, node-stop, node-restart) and
// the CLI's local-only mode use it. It has no package-level state.
package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
)

// Unit is the daemon's systemd unit.
const Unit = "gluster-eventing.service"

// Control controls the daemon of one node.
type Control struct {
	// Node is the node config; NodeConfig its path, passed to a daemon
	// started directly ("" = the daemon's default).
	Node       *config.Node
	NodeConfig string
	// Binary is the gluster-eventing executable a direct start runs; "" =
	// this process's executable.
	Binary string
	// Timeout bounds each operation's wait; 0 = 30s.
	Timeout time.Duration
	// UseSystemd says whether to go through systemctl; nil = Systemd().
	UseSystemd *bool
}

// Outcome is what an operation did.
type Outcome struct {
	// Via is "systemd" or "direct".
	Via string `json:"via"`
	// Running says whether the daemon runs afterwards; PID is its pid when
	// known.
	Running bool `json:"running"`
	PID     int  `json:"pid,omitempty"`
	// Changed is false when there was nothing to do (already running,
	// already stopped).
	Changed bool `json:"changed"`
}

// Systemd reports whether systemd manages this machine: it is PID 1
// (/run/systemd/system exists) and systemctl is there.
func Systemd() bool {
	if fi, err := os.Stat("/run/systemd/system"); err != nil || !fi.IsDir() {
		return false
	}
	_, err := exec.LookPath("systemctl")
	return err == nil
}

func (c *Control) systemd() bool {
	if c.UseSystemd != nil {
		return *c.UseSystemd
	}
	return Systemd()
}

func (c *Control) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 30 * time.Second
	}
	return c.Timeout
}

// Start starts the daemon, or leaves a running one alone.
func (c *Control) Start(ctx context.Context) (Outcome, error) {
	if c.systemd() {
		return c.systemctl(ctx, "start")
	}
	out := Outcome{Via: "direct"}
	if pid, ok := c.runningPID(); ok {
		out.Running, out.PID = true, pid
		return out, nil
	}
	pid, err := c.spawn(ctx)
	if err != nil {
		return out, err
	}
	out.Running, out.PID, out.Changed = true, pid, true
	return out, nil
}

// Stop stops the daemon, or does nothing when none runs.
func (c *Control) Stop(ctx context.Context) (Outcome, error) {
	if c.systemd() {
		return c.systemctl(ctx, "stop")
	}
	out := Outcome{Via: "direct"}
	pid, ok := c.runningPID()
	if !ok {
		return out, nil
	}
	if err := c.kill(ctx, pid); err != nil {
		out.Running, out.PID = true, pid
		return out, err
	}
	out.Changed = true
	return out, nil
}

// Restart stops the daemon if it runs and starts it.
func (c *Control) Restart(ctx context.Context) (Outcome, error) {
	if c.systemd() {
		return c.systemctl(ctx, "restart")
	}
	if _, err := c.Stop(ctx); err != nil {
		return Outcome{Via: "direct", Running: true}, err
	}
	out, err := c.Start(ctx)
	out.Changed = true
	return out, err
}

func (c *Control) systemctl(ctx context.Context, verb string) (Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	out := Outcome{Via: "systemd", Changed: true}
	b, err := exec.CommandContext(ctx, "systemctl", verb, Unit).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("systemctl %s %s: %w: %s", verb, Unit, err, strings.TrimSpace(string(b)))
	}
	out.Running = verb != "stop"
	if b, err := exec.CommandContext(ctx, "systemctl", "show", "--property=MainPID", "--value", Unit).Output(); err == nil {
		out.PID, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	return out, nil
}

// runningPID returns the pid of the running daemon: the pid file is held
// locked while the daemon runs, so an unlocked (or missing) pid file is no
// daemon, whatever pid it holds.
func (c *Control) runningPID() (int, bool) {
	path := c.Node.PIDFile
	if path == "" {
		return 0, false
	}
	if _, err := os.Stat(path); err != nil {
		return 0, false
	}
	l := flock.New(path)
	locked, err := l.TryLock()
	if err == nil && locked {
		l.Unlock()
		return 0, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// spawn starts "<binary> daemon --config NODECONFIG" in its own session
// with its output appended to <state_dir>/daemon.log, and waits until its
// API answers.
func (c *Control) spawn(ctx context.Context) (int, error) {
	bin := c.Binary
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return 0, fmt.Errorf("starting the daemon: %w", err)
		}
	}
	if err := os.MkdirAll(c.Node.StateDir, 0o755); err != nil {
		return 0, fmt.Errorf("starting the daemon: %w", err)
	}
	logPath := filepath.Join(c.Node.StateDir, "daemon.log")
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return 0, fmt.Errorf("starting the daemon: %w", err)
	}
	defer logf.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return 0, fmt.Errorf("starting the daemon: %w", err)
	}
	defer devnull.Close()
	args := []string{"gluster-eventing", "daemon"}
	if c.NodeConfig != "" {
		args = append(args, "--config", c.NodeConfig)
	}
	// Not CommandContext: the daemon outlives this process.
	cmd := &exec.Cmd{Path: bin, Args: args, Stdin: devnull, Stdout: logf, Stderr: logf,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true}}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting the daemon: %w", err)
	}
	pid := cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	client := api.NewClient(c.Node.APISocket)
	client.Timeout = time.Second
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := client.Status(ctx); err == nil {
			return pid, nil
		}
		select {
		case err := <-exited:
			return 0, fmt.Errorf("starting the daemon: it exited (%v): %s", err, logTail(logPath))
		case <-ctx.Done():
			return pid, fmt.Errorf("starting the daemon: pid %d runs but its API did not answer within %s: %s",
				pid, c.timeout(), logTail(logPath))
		case <-tick.C:
		}
	}
}

// kill sends SIGTERM to pid and waits until it has exited.
func (c *Control) kill(ctx context.Context, pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("stopping the daemon (pid %d): %w", pid, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if !alive(pid) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopping the daemon: pid %d did not exit within %s of SIGTERM", pid, c.timeout())
		case <-tick.C:
		}
	}
}

// alive reports whether pid exists and is not a zombie (a daemon this
// process did not start is reaped by someone else; one it started and
// that exited is a zombie until then).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return !errors.Is(err, syscall.ESRCH)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// logTail returns the end of the daemon's log, for an error message.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "..." + s[len(s)-600:]
	}
	if s == "" {
		return "(empty log " + path + ")"
	}
	return s
}
