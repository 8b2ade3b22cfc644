package cmd

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
)

// EmitCmd sends one legacy datagram, as Gluster's gf_event() does.
type EmitCmd struct {
	Type   string   `arg:"" help:"Event name (VOLUME_START) or id (3)."`
	Fields []string `arg:"" optional:"" help:"Body fields as KEY=VALUE, sent in this order."`
	Addr   string   `help:"Daemon UDP address (host:port; [::1]:55555 for IPv6, 127.0.0.1:55555 for IPv4)." default:"localhost:55555"`
	Time   int64    `help:"Event timestamp in unix seconds (default: now)."`
}

func (c *EmitCmd) Run(env *Env, g *Globals) error {
	t, ok := gfevent.Lookup(c.Type)
	if !ok {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("unknown event type %q", c.Type),
			Hints: []string{"event types are Gluster's names such as VOLUME_START, or ids 0-" + strconv.Itoa(int(gfevent.NumTypes)-1)}}
	}
	fields := make([]gfevent.Field, 0, len(c.Fields))
	for _, kv := range c.Fields {
		k, v, found := strings.Cut(kv, "=")
		if !found {
			return &Error{Code: ExitUsage, Err: fmt.Errorf("field %q is not KEY=VALUE", kv)}
		}
		fields = append(fields, gfevent.Field{Key: k, Value: v})
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("--addr %q: %w", c.Addr, err)}
	}
	em := &gfevent.Emitter{Addr: c.Addr}
	if c.Time != 0 {
		em.Now = func() time.Time { return time.Unix(c.Time, 0) }
	}
	dg, err := em.Datagram(t, fields...)
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	if err := em.Send(env.Ctx, dg); err != nil {
		return err
	}
	if g.JSON {
		return env.printJSON(map[string]any{"type": t.String(), "id": int(t), "addr": c.Addr, "datagram": string(dg)})
	}
	return nil
}
