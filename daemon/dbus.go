package daemon

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/gluster/gluster-eventing/dbusiface"
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
)

// startDBus exports org.gluster.Eventing1 on the bus the node config names
// (bus = "system", the default, or "session"; "none" exports nothing) and
// returns the function that stops the export; call it before the state
// table and the journal stop. A bus that cannot be reached, or a name the
// daemon may not own, is one warning: the daemon runs on without D-Bus.
// The system bus is DBUS_SYSTEM_BUS_ADDRESS when set.
func (d *Daemon) startDBus(node *config.Node) (stop func()) {
	stop = func() {}
	var connect func(...dbus.ConnOption) (*dbus.Conn, error)
	switch node.Bus {
	case "system":
		connect = dbus.ConnectSystemBus
	case "session":
		connect = dbus.ConnectSessionBus
	default:
		return stop
	}
	log := d.log.With("component", "dbus")
	conn, err := connect()
	if err != nil {
		log.Warn(fmt.Sprintf("no D-Bus export: cannot reach the %s bus", node.Bus), "err", err)
		return stop
	}
	x, err := dbusiface.Start(dbusiface.Options{
		Conn:     conn,
		Version:  d.opts.Version,
		NodeUUID: d.nodeID,
		State:    d.table,
		Journal:  d.journal,
		Daemon:   dbusDaemon{d},
		Logger:   log,
		Channels: d.channelExpr,
	})
	if err != nil {
		conn.Close()
		log.Warn(fmt.Sprintf("no D-Bus export on the %s bus", node.Bus), "err", err)
		return stop
	}
	log.Info("exporting on D-Bus", "bus", node.Bus, "name", dbusiface.BusName)
	return func() {
		x.Close()
		conn.Close()
	}
}

// dbusDaemon is what the D-Bus export sees of the daemon.
type dbusDaemon struct{ d *Daemon }

func (x dbusDaemon) Reload(context.Context) error { return x.d.Reload() }

func (x dbusDaemon) Webhooks() []api.Webhook { return webhookHealth(x.d.hooks.Health()) }

// Info counts as dropped every datagram not journaled: rejected by the
// parser, denied by the allow-list, truncated, or lost to a journal error.
func (x dbusDaemon) Info() dbusiface.Info {
	d := x.d
	c := &d.counters
	d.mu.Lock()
	gen, digest := d.cluster.Generation, d.cluster.Digest()
	d.mu.Unlock()
	return dbusiface.Info{
		ConfigGeneration: uint64(max(gen, 0)),
		ConfigDigest:     digest,
		EventsReceived:   c.Received.Load(),
		EventsDropped:    d.rejectedTotal() + c.Denied.Load() + c.Truncated.Load() + c.JournalErrs.Load(),
	}
}
