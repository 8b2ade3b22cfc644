package cmd

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
)

// ListenCmd prints datagrams as they arrive: a debugging sink that needs no
// daemon (stop the daemon first if it holds the port). With --http it is a
// webhook receiver instead, printing each delivery.
type ListenCmd struct {
	Addr  string `help:"UDP address to listen on; [::]:PORT is dual-stack (IPv4 and IPv6)." default:"[::]:55555"`
	HTTP  string `name:"http" help:"Instead of datagrams, receive webhook deliveries on this TCP address (127.0.0.1:9000) and print each; every request is answered 200." placeholder:"ADDR"`
	Count int    `help:"Exit after this many datagrams or deliveries (0: run until interrupted)."`
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
	if c.HTTP != "" {
		return c.receive(env, g)
	}
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

// delivery is one webhook request as listen --http --json prints it.
type delivery struct {
	Time   time.Time         `json:"time"`
	Path   string            `json:"path"`
	Event  string            `json:"event,omitempty"`
	Header map[string]string `json:"headers"`
	Body   json.RawMessage   `json:"body,omitempty"`
	Raw    string            `json:"raw,omitempty"` // a body that is not JSON
}

// receive serves webhook deliveries on c.HTTP until ctx ends or c.Count
// requests came, printing each: the event and body, or with --json one
// JSON line per request. It verifies nothing: it shows what arrives.
func (c *ListenCmd) receive(env *Env, g *Globals) error {
	ln, err := net.Listen("tcp", c.HTTP)
	if err != nil {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("--http %s: %w", c.HTTP, err)}
	}
	var mu sync.Mutex
	n := 0
	done := make(chan struct{})
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		d := delivery{Time: time.Now().UTC(), Path: r.URL.Path, Header: map[string]string{}}
		for _, k := range []string{"Content-Type", "User-Agent", "Authorization", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
			if v := r.Header.Get(k); v != "" {
				d.Header[k] = v
			}
		}
		if a := d.Header["Authorization"]; a != "" {
			d.Header["Authorization"] = strings.SplitN(a, " ", 2)[0] + " (not shown)"
		}
		var ev struct {
			Event string `json:"event"`
		}
		if json.Unmarshal(body, &ev) == nil {
			d.Body, d.Event = body, ev.Event
		} else {
			d.Raw = string(body)
		}
		mu.Lock()
		defer mu.Unlock()
		if c.Count > 0 && n >= c.Count {
			http.Error(w, "enough", http.StatusServiceUnavailable)
			return
		}
		n++
		if g.JSON {
			b, _ := json.Marshal(d)
			fmt.Fprintf(env.Stdout, "%s\n", b)
		} else {
			fmt.Fprintf(env.Stdout, "%s %s %s %s\n", d.Time.Format(time.RFC3339), r.Method, d.Path, cmp.Or(d.Event, "-"))
			fmt.Fprintf(env.Stdout, "  %s\n", cmp.Or(string(d.Body), d.Raw))
		}
		w.WriteHeader(http.StatusOK)
		if c.Count > 0 && n == c.Count {
			close(done)
		}
	})}
	fmt.Fprintf(env.Stderr, "receiving webhooks on http://%s/\n", ln.Addr())
	go srv.Serve(ln)
	select {
	case <-env.Ctx.Done():
	case <-done:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}
