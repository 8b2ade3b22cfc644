// Package daemon wires the running gluster-eventing daemon: UDP intake, the
// durable journal, webhook delivery, the local HTTP API and metrics, systemd
// notification, the pid file and reload. It owns no domain logic of its own;
// that lives in gfevent, internal/journal, internal/config and webhooks. Only
// cmd/ imports it.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/gluster"
	"github.com/gluster/gluster-eventing/internal/hub"
	"github.com/gluster/gluster-eventing/internal/journal"
	"github.com/gluster/gluster-eventing/internal/state"
	"github.com/gluster/gluster-eventing/webhooks"
)

// Options configure Run.
type Options struct {
	// ConfigPath is the node-local config file; a missing file means the
	// embedded defaults.
	ConfigPath string
	// PIDFile overrides the config's pid_file (the legacy -p flag).
	PIDFile string
	// Version is reported by the API and the User-Agent.
	Version string
	// Stderr receives the logs.
	Stderr io.Writer
	// Getenv reads JOURNAL_STREAM, which decides the log format; nil means
	// os.Getenv. (NOTIFY_SOCKET, WATCHDOG_USEC and LISTEN_FDS are read
	// from the process environment by go-systemd, not through it.)
	Getenv func(string) string
}

// Daemon is one running instance. It is created and driven by Run.
type Daemon struct {
	opts    Options
	log     *slog.Logger
	level   *slog.LevelVar
	started time.Time
	nodeID  string
	notify  *notifier

	journal  *journal.Journal
	intake   *intake
	counters intakeCounters
	disabled disabledEvents
	hooks    *webhooks.Manager
	evlog    *eventsLog
	peers    *peerAddrs
	sync     *configSync
	table    *state.Table
	fwd      *forwarding // node-to-node event forwarding

	// events is the event log the event API reads (this node's journal,
	// or the cluster's with forwarding); hub fans it out to the streams.
	events        eventlog.Source
	hub           *hub.Hub
	http          *httpServer    // the TCP listener, nil when off
	activatedHTTP []net.Listener // a socket-activated "http" socket
	streamsCtx    context.Context
	stopStreams   context.CancelFunc // ends every stream: the API shuts down

	// reloadMu serialises reloads. It is not mu: a reload can wait up to
	// 30 s for webhook attempts in flight, and status, STATUS= and the
	// watchdog pings (which take mu) must go on meanwhile.
	reloadMu sync.Mutex

	mu         sync.Mutex // guards the fields below; written under reloadMu too
	node       *config.Node
	cluster    *config.Cluster
	reloads    uint64
	lastReload error
	stopping   bool
	configSum  string // of both files as last loaded; the watcher skips no-ops

	runCtx context.Context // ends when the daemon stops
}

// Run runs the daemon until ctx is done or SIGTERM/SIGINT arrives. SIGHUP and
// SIGUSR2 (Gluster's reload signal) reload the configuration.
func Run(ctx context.Context, opts Options) (err error) {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	// Signals first: Gluster's tools send SIGUSR2 to the pid in the pid
	// file, which exists long before READY; a reload asked for during
	// start-up is done once the daemon runs, instead of killing it.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	// runCtx ends when the daemon stops; background work (reloads
	// included) derives from it.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := &Daemon{opts: opts, level: new(slog.LevelVar), started: time.Now(), peers: &peerAddrs{gluster: &gluster.CLI{}}, runCtx: runCtx}
	d.log = newLogger(opts.Stderr, d.level, opts.Getenv)
	d.notify = newNotifier(d.log)
	defer func() {
		if err != nil {
			d.notify.send(fmt.Sprintf("STATUS=failed: %v", err))
		}
	}()

	node, err := config.LoadNode(opts.ConfigPath)
	if err != nil && !errors.Is(err, config.ErrNotExist) {
		return fmt.Errorf("loading node config: %w", err)
	}
	if errors.Is(err, config.ErrNotExist) {
		d.log.Info("no node config file, using the embedded defaults", "path", opts.ConfigPath)
	}
	if opts.PIDFile != "" {
		node.PIDFile = opts.PIDFile
	}
	d.node = node
	d.level.Set(parseLevel(node.LogLevel, ""))

	pid, err := lockPIDFile(node.PIDFile)
	if err != nil {
		return err
	}
	defer pid.release()

	if err := os.MkdirAll(node.StateDir, 0o750); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	if d.nodeID, err = NodeID(node.GlusterdWorkdir, node.StateDir); err != nil {
		return err
	}
	cluster, err := d.loadCluster(node)
	if err != nil {
		return err
	}
	d.cluster = cluster
	d.disabled.apply(cluster, d.log)
	d.configSum = configSum(opts.ConfigPath, node.ClusterConfigPath())
	d.level.Set(parseLevel(node.LogLevel, cluster.LogLevel))

	j, err := journal.Open(filepath.Join(node.StateDir, "journal.db"), journal.Options{
		MaxBytes:    int64(node.Journal.MaxBytes),
		MaxAge:      time.Duration(node.Journal.MaxAge),
		CommitDelay: time.Duration(node.Journal.CommitDelay),
		Logger:      d.log.With("component", "journal"),
	})
	if err != nil {
		return err
	}
	d.journal = j
	defer func() {
		if cerr := j.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	d.hooks, err = webhooks.NewManager(webhooks.Options{
		Journal: j,
		NodeID:  d.nodeID,
		Version: opts.Version,
		Logger:  d.log.With("component", "webhooks"),
		Sinks:   Sinks(),
	})
	if err != nil {
		return err
	}
	if err := d.hooks.Apply(ctx, cluster.Webhooks); err != nil {
		return fmt.Errorf("starting webhooks: %w", err)
	}
	if err := d.hooks.ApplyNotifiers(ctx, cluster.Notifiers); err != nil {
		d.stopHooks()
		return fmt.Errorf("starting notifiers: %w", err)
	}

	if node.EventsLog != "" {
		d.evlog = newEventsLog(j, node.EventsLog, d.nodeID, d.log)
		d.evlog.disabled.Store(cluster.DisableEventsLog)
	}

	d.events = eventlog.Local(j, d.nodeID)
	if err := d.startState(runCtx); err != nil {
		d.stopHooks()
		return err
	}
	defer d.stopState() // before the journal closes
	if err := d.startForward(runCtx, node, cluster); err != nil {
		d.stopHooks()
		return err
	}
	defer d.fwd.stop() // before the state table stops and the journal closes
	conns, err := d.openIntake(node)
	if err != nil {
		d.stopHooks()
		return err
	}
	d.sync = newConfigSync(d)
	d.intake = &intake{conns: conns, journal: j, log: d.log.With("component", "intake"), c: &d.counters, now: time.Now,
		peerChange: d.sync.peerChanged, disabled: &d.disabled}
	d.intake.allow.Store(d.buildAllowList(ctx, node))

	d.startStreams()
	api, err := d.startAPI(node.APISocket)
	if err != nil {
		closeAll(conns)
		d.stopHooks()
		return err
	}
	hs, err := d.startHTTP(node, api.srv.Handler, d.activatedHTTP)
	if err != nil {
		api.close()
		closeAll(conns)
		d.stopHooks()
		return err
	}
	d.mu.Lock()
	d.http = hs // under mu: status, which the API already serves, reads it
	d.mu.Unlock()
	stopDBus := d.startDBus(node)
	defer stopDBus() // before the state table and the journal stop

	var wg, readers sync.WaitGroup
	errc := make(chan error, len(conns)+1)
	for _, c := range conns {
		readers.Go(func() {
			if err := d.intake.run(c); err != nil {
				errc <- err
			}
		})
	}
	if d.evlog != nil {
		wg.Go(func() { d.evlog.run(runCtx) })
	}
	wg.Go(func() { d.hub.Run(runCtx) })
	wg.Go(func() { d.watchConfig(runCtx) })
	wg.Go(func() { d.refreshPeers(runCtx) })
	wg.Go(func() { d.sync.run(runCtx) })
	wg.Go(func() { d.notify.loop(runCtx, d.statusLine, d.healthy) })

	d.log.Info("gluster-eventing ready", "version", opts.Version, "node", d.nodeID, "listen", listenAddrs(conns),
		"api", node.APISocket, "http", d.httpAddr(), "webhooks", len(cluster.Webhooks), "journal_last_seq", j.LastSeq())
	d.notify.send("READY=1\n" + d.statusLine())

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-errc:
			runErr = err
			break loop
		case s := <-sigs:
			if s == syscall.SIGTERM || s == syscall.SIGINT {
				d.log.Info("stopping", "signal", s.String())
				break loop
			}
			d.log.Info("reload requested", "signal", s.String())
			// In the background: a reload may wait for webhook attempts,
			// and a SIGTERM meanwhile must still stop the daemon.
			wg.Go(func() { _ = d.Reload() })
		}
	}

	d.mu.Lock()
	d.stopping = true // no READY=1 from a reload still running
	d.mu.Unlock()
	d.notify.send("STOPPING=1")
	d.intake.stop() // read what is already queued in the sockets
	readers.Wait()
	closeAll(conns)
	d.http.close()
	api.close()
	cancel()
	wg.Wait()
	d.stopHooks()
	return runErr
}

// stopHooks drains the webhook workers within a bound: in-flight requests
// finish, nothing new starts. Undelivered events stay in the journal.
func (d *Daemon) stopHooks() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d.hooks.Stop(ctx)
}

func (d *Daemon) loadCluster(node *config.Node) (*config.Cluster, error) {
	path := node.ClusterConfigPath()
	c, err := config.LoadCluster(path)
	if err == nil {
		d.warnConfig(c)
		return c, nil
	}
	if !errors.Is(err, config.ErrNotExist) {
		return nil, fmt.Errorf("loading cluster config: %w", err)
	}
	// First start: migrate Gluster's webhooks.json and config.json if any,
	// under the config's lock, unless a command wrote the file meanwhile.
	imported, ierr := config.ImportLegacy(filepath.Dir(path))
	if ierr != nil {
		return nil, fmt.Errorf("importing legacy glustereventsd config: %w", ierr)
	}
	if imported.Digest() == config.DefaultCluster().Digest() {
		return c, nil
	}
	c, err = config.Update(path, func(cur *config.Cluster) error {
		if cur.Digest() == config.DefaultCluster().Digest() {
			imported.Generation = cur.Generation
			*cur = *imported
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("writing imported config: %w", err)
	}
	d.log.Info("imported glustereventsd webhooks and config", "webhooks", len(c.Webhooks), "path", path)
	return c, nil
}

// warnConfig logs what the cluster config file holds that loads but
// deserves the operator's attention.
func (d *Daemon) warnConfig(c *config.Cluster) {
	for _, w := range c.Warnings {
		d.log.Warn("cluster config: " + w)
	}
}

func (d *Daemon) openIntake(node *config.Node) ([]net.PacketConn, error) {
	conns, lns, err := activatedConns(d.log)
	d.activatedHTTP = lns
	if err != nil {
		return nil, err
	}
	if len(conns) > 0 {
		d.log.Info("using socket-activated UDP sockets", "count", len(conns))
		return conns, nil
	}
	for _, addr := range node.Listen {
		c, err := listenUDP(addr, int(node.ReceiveBuffer), d.log)
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// Reload re-reads both config files and applies them in place: webhooks are
// added, changed and removed without losing or duplicating events (each
// worker resumes at its journal cursor). An invalid config is reported and
// the running config stays.
func (d *Daemon) Reload() error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	d.notify.send("RELOADING=1\n" + monotonicUsec())
	err := d.reloadLocked()
	d.mu.Lock()
	d.reloads++
	d.lastReload = err
	stopping := d.stopping
	d.mu.Unlock()
	if !stopping {
		d.notify.send("READY=1\n" + d.statusLine())
	}
	if err != nil {
		d.log.Error("reload failed, keeping the running config", "err", err)
		return err
	}
	return nil
}

// reloadLocked loads both configs and, only when both are valid, applies
// them; d.reloadMu is held.
func (d *Daemon) reloadLocked() error {
	sum := configSum(d.opts.ConfigPath, d.node.ClusterConfigPath())
	node, err := config.LoadNode(d.opts.ConfigPath)
	if err != nil && !errors.Is(err, config.ErrNotExist) {
		return fmt.Errorf("node config: %w", err)
	}
	if d.opts.PIDFile != "" {
		node.PIDFile = d.opts.PIDFile
	}
	cluster, err := config.LoadCluster(node.ClusterConfigPath())
	if err != nil && !errors.Is(err, config.ErrNotExist) {
		return fmt.Errorf("cluster config: %w", err)
	}
	if cluster != nil {
		d.warnConfig(cluster)
	}
	if restart := restartNeeded(d.node, node); restart != "" {
		d.log.Warn("changed setting needs a restart to take effect", "setting", restart)
	}
	// From here on the new config is applied, whatever happens: status
	// must show what runs.
	ctx, cancel := context.WithTimeout(d.runCtx, 30*time.Second)
	defer cancel()
	if err := d.hooks.Apply(ctx, cluster.Webhooks); err != nil {
		if ctx.Err() == nil {
			return fmt.Errorf("applying webhooks: %w", err)
		}
		// Attempts in flight were cancelled (after 30s, or because the
		// daemon stops); their events go out again from the journal. The
		// new config is in place.
		d.log.Warn("reload cancelled webhook attempts still in flight; they will be retried", "err", err)
	}
	if err := d.hooks.ApplyNotifiers(ctx, cluster.Notifiers); err != nil {
		if ctx.Err() == nil {
			return fmt.Errorf("applying notifiers: %w", err)
		}
		d.log.Warn("reload cancelled notifier attempts still in flight; they will be retried", "err", err)
	}
	d.level.Set(parseLevel(node.LogLevel, cluster.LogLevel))
	d.fwd.apply(d.runCtx, cluster)
	if d.evlog != nil {
		d.evlog.disabled.Store(cluster.DisableEventsLog)
	}
	d.disabled.apply(cluster, d.log)
	d.mu.Lock()
	d.node, d.cluster = node, cluster
	d.configSum = sum
	d.mu.Unlock()
	d.intake.allow.Store(d.buildAllowList(context.Background(), node))
	d.log.Info("reloaded", "webhooks", len(cluster.Webhooks), "generation", cluster.Generation)
	return nil
}

func restartNeeded(old, cur *config.Node) string {
	switch {
	case fmt.Sprint(old.Listen) != fmt.Sprint(cur.Listen):
		return "listen"
	case old.APISocket != cur.APISocket:
		return "api_socket"
	case old.StateDir != cur.StateDir:
		return "state_dir"
	case old.Journal != cur.Journal:
		return "journal"
	case old.EventsLog != cur.EventsLog:
		return "events_log"
	case old.ReceiveBuffer != cur.ReceiveBuffer:
		return "receive_buffer"
	case old.PeerListen != cur.PeerListen:
		return "peer_listen"
	case old.HTTP != cur.HTTP:
		return "http"
	}
	return ""
}

func closeAll(conns []net.PacketConn) {
	for _, c := range conns {
		c.Close()
	}
}

func listenAddrs(conns []net.PacketConn) []string {
	out := make([]string, len(conns))
	for i, c := range conns {
		out[i] = c.LocalAddr().String()
	}
	return out
}
