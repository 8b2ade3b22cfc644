package daemon

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	sddaemon "github.com/coreos/go-systemd/v22/daemon"
	"github.com/coreos/go-systemd/v22/journal"
	"github.com/fsnotify/fsnotify"
	"github.com/gofrs/flock"
	"golang.org/x/sys/unix"
)

// newLogger logs text to w; under systemd (stderr connected to journald) it
// leaves out the time, which the journal records itself.
func newLogger(w io.Writer, level *slog.LevelVar, getenv func(string) string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if getenv("JOURNAL_STREAM") != "" {
		if ok, _ := journal.StderrIsJournalStream(); ok {
			opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
				if len(groups) == 0 && a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}
		}
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseLevel returns the more verbose of the node's log_level and the
// cluster's legacy log-level (DEBUG, INFO, WARNING, ERROR), so that
// gluster-eventsapi's "config-set log-level DEBUG" works cluster-wide.
func parseLevel(node, cluster string) slog.Level {
	level := slog.LevelInfo
	var l slog.Level
	if err := l.UnmarshalText([]byte(node)); err == nil {
		level = l
	}
	if cluster == "WARNING" {
		cluster = "WARN"
	}
	if err := l.UnmarshalText([]byte(cluster)); err == nil && l < level {
		level = l
	}
	return level
}

// notifier speaks the sd_notify protocol; without NOTIFY_SOCKET it does
// nothing.
type notifier struct {
	log      *slog.Logger
	watchdog time.Duration
}

func newNotifier(log *slog.Logger) *notifier {
	n := &notifier{log: log}
	if iv, err := sddaemon.SdWatchdogEnabled(false); err == nil && iv > 0 {
		n.watchdog = iv / 2
	}
	return n
}

func (n *notifier) send(state string) {
	if _, err := sddaemon.SdNotify(false, state); err != nil {
		n.log.Warn("sd_notify failed", "err", err)
	}
}

// loop refreshes STATUS and, when WatchdogSec is set, pings the watchdog as
// long as healthy() says the intake is alive.
func (n *notifier) loop(ctx context.Context, status func() string, healthy func() bool) {
	every := 5 * time.Second
	if n.watchdog > 0 && n.watchdog < every {
		every = n.watchdog
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			msg := status()
			if n.watchdog > 0 && healthy() {
				msg = "WATCHDOG=1\n" + msg
			}
			n.send(msg)
		}
	}
}

func monotonicUsec() string {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return fmt.Sprintf("MONOTONIC_USEC=%d", ts.Nano()/1000)
}

func (d *Daemon) statusLine() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.statusLineLocked()
}

func (d *Daemon) statusLineLocked() string {
	failing := 0
	for _, h := range d.hooks.Health() {
		if h.ConsecutiveFailures > 0 || h.State == "disabled" {
			failing++
		}
	}
	return fmt.Sprintf("STATUS=received %d, journaled %d, rejected %d; %d webhooks (%d failing)",
		d.counters.Received.Load(), d.counters.Journaled.Load(), d.rejectedTotal(), len(d.cluster.Webhooks), failing)
}

func (d *Daemon) rejectedTotal() uint64 {
	var n uint64
	for i := range d.counters.Rejected {
		n += d.counters.Rejected[i].Load()
	}
	return n
}

// healthy reports whether the daemon may ping the watchdog: every intake
// reader is still reading and the journal commits.
func (d *Daemon) healthy() bool {
	if int(d.intake.running.Load()) != len(d.intake.conns) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return d.journal.Flush(ctx) == nil
}

// pidFile is the pid file, held locked (flock, like Gluster's Python) for
// the whole life of the process, unlike glustereventsd's.
type pidFile struct {
	lock *flock.Flock
	path string
}

func lockPIDFile(path string) (*pidFile, error) {
	if path == "" {
		return &pidFile{}, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("pid file: %w", err)
	}
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	if !ok {
		other, _ := os.ReadFile(path)
		return nil, fmt.Errorf("pid file %s is locked: another daemon is running (pid %s)", path, strings.TrimSpace(string(other)))
	}
	// The lock is on the inode, so writing through another descriptor keeps it.
	if err := os.WriteFile(path, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
		l.Unlock()
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	return &pidFile{lock: l, path: path}, nil
}

func (p *pidFile) release() {
	if p.lock == nil {
		return
	}
	os.Remove(p.path)
	p.lock.Unlock()
}

// NodeID is glusterd's UUID (the UUID= line of <workdir>/glusterd.info), as
// glustereventsd publishes it. Without Gluster, a UUID kept in the state dir
// stands in.
func NodeID(workdir, stateDir string) (string, error) {
	if id, ok := LookupNodeID(workdir, stateDir); ok {
		return id, nil
	}
	path := filepath.Join(stateDir, "node-id")
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", err
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	id := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	if err := os.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("node id: %w", err)
	}
	return id, nil
}

// LookupNodeID is NodeID without creating anything: the CLI uses it.
func LookupNodeID(workdir, stateDir string) (string, bool) {
	if id, err := readGlusterdUUID(filepath.Join(workdir, "glusterd.info")); err == nil {
		return id, true
	}
	if b, err := os.ReadFile(filepath.Join(stateDir, "node-id")); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), true
	}
	return "", false
}

func readGlusterdUUID(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "UUID="); ok && v != "" {
			return v, nil
		}
	}
	return "", errors.New("no UUID= line in " + path)
}

// activatedConns returns the UDP sockets systemd passed (LISTEN_FDS), named
// "events" or unnamed, and the stream sockets named "http" (the HTTP API's
// TCP listener); other sockets are closed with a warning.
// FilesWithNames is called once: it unsets LISTEN_*.
func activatedConns(log *slog.Logger) ([]net.PacketConn, []net.Listener, error) {
	var conns []net.PacketConn
	var lns []net.Listener
	for name, fs := range activation.FilesWithNames() {
		for _, f := range fs {
			if name == "http" {
				ln, err := net.FileListener(f)
				f.Close()
				if err != nil {
					log.Warn("ignoring the socket-activated http fd: not a stream socket", "err", err)
					continue
				}
				lns = append(lns, ln)
				continue
			}
			pc, err := net.FilePacketConn(f)
			f.Close()
			if _, udp := pc.(*net.UDPConn); err != nil || !udp || (name != "events" && name != "unknown" && name != "") {
				if pc != nil {
					pc.Close()
				}
				log.Warn("ignoring a socket-activated fd that is not the UDP events socket", "name", name, "err", err)
				continue
			}
			conns = append(conns, pc)
		}
	}
	return conns, lns, nil
}

// configSum identifies the contents of the two config files (a missing
// file counts as empty).
func configSum(nodePath, clusterPath string) string {
	h := sha256.New()
	for _, p := range []string{nodePath, clusterPath} {
		b, _ := os.ReadFile(p)
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// watchConfig reloads when either config file changes. It watches the
// directories, since atomic writes replace the files; SIGHUP stays the
// primary trigger.
func (d *Daemon) watchConfig(ctx context.Context) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		d.log.Warn("config watch unavailable, reload with SIGHUP", "err", err)
		return
	}
	defer w.Close()
	d.mu.Lock()
	files := []string{d.opts.ConfigPath, d.node.ClusterConfigPath()}
	d.mu.Unlock()
	watched := map[string]bool{}
	for _, f := range files {
		dir := filepath.Dir(f)
		if watched[dir] {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err == nil {
			if err := w.Add(dir); err == nil {
				watched[dir] = true
			}
		}
	}
	var debounce <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-w.Events:
			for _, f := range files {
				if filepath.Clean(ev.Name) == filepath.Clean(f) {
					debounce = time.After(200 * time.Millisecond)
				}
			}
		case err := <-w.Errors:
			d.log.Warn("config watch", "err", err)
		case <-debounce:
			d.mu.Lock()
			same := d.configSum == configSum(files[0], files[1])
			d.mu.Unlock()
			if same {
				continue // already applied, e.g. by the CLI's own reload
			}
			d.log.Info("config file changed, reloading")
			_ = d.Reload()
		}
	}
}
