package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/gluster/gluster-eventing/gfevent"
)

// ListenCmd prints datagrams as they arrive: a debugging sink that needs no
// daemon (stop the daemon first if it holds the port).
type ListenCmd struct {
	Addr  string `help:"UDP address to listen on; [::]:PORT is dual-stack (IPv4 and IPv6)." default:"[::]:55555"`
	Count int    `help:"Exit after this many datagrams (0: run until interrupted)."`
}

type listenLine struct {
	Source string            `json:"source"`
	Raw    string            `json:"raw"`
	Event  string            `json:"event,omitempty"`
	ID     int               `json:"id"`
	TS     int64             `json:"ts,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
	Flags  []string          `json:"flags,omitempty"`
	Reject string            `json:"reject,omitempty"`
}

func (c *ListenCmd) Run(env *Env, g *Globals) error {
	pc, err := net.ListenPacket("udp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.Addr, err)
	}
	go func() { <-env.Ctx.Done(); pc.Close() }()
	fmt.Fprintf(env.Stderr, "listening on %s\n", pc.LocalAddr())
	buf := make([]byte, gfevent.MaxDatagram+1)
	for n := 0; c.Count == 0 || n < c.Count; n++ {
		sz, from, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) && env.Ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read %s: %w", c.Addr, err)
		}
		line := listenLine{Raw: string(buf[:sz]), ID: -1}
		if ua, ok := from.(*net.UDPAddr); ok {
			line.Source = ua.AddrPort().Addr().Unmap().String()
		}
		ev, perr := gfevent.Parse(buf[:sz])
		if perr != nil {
			var pe *gfevent.ParseError
			if errors.As(perr, &pe) {
				line.Reject = pe.Reason.String()
			}
		} else {
			line.Event, line.ID, line.TS, line.Flags = ev.Type.String(), int(ev.Type), ev.Time, ev.Flags.Names()
			line.Fields = make(map[string]string, len(ev.Fields))
			for _, f := range ev.Fields {
				line.Fields[f.Key] = f.Value
			}
		}
		if g.JSON {
			b, _ := json.Marshal(line)
			fmt.Fprintf(env.Stdout, "%s\n", b)
			continue
		}
		if line.Reject != "" {
			fmt.Fprintf(env.Stdout, "%s REJECT %s %q\n", line.Source, line.Reject, line.Raw)
			continue
		}
		fmt.Fprintf(env.Stdout, "%s %d %s", line.Source, ev.Time, ev.Type)
		for _, f := range ev.Fields {
			fmt.Fprintf(env.Stdout, " %q=%q", f.Key, f.Value)
		}
		fmt.Fprintln(env.Stdout)
	}
	return nil
}
