package cmd

import (
	"bytes"
	"context"
	"crypto/tls"
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
	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/webhooks"
)

// ListenCmd is a webhook receiver for people: it prints each event
// delivered to it, verifying the delivery's bearer token, Gluster JWT or
// Standard Webhooks signature when given the secret, and with --register
// adds itself to the cluster's webhooks for as long as it runs (what
// Gluster's eventsdash.py was used for). With --udp it prints the raw
// event datagrams arriving on a UDP address instead, a debugging sink that
// needs no daemon.
type ListenCmd struct {
	Addr string `arg:"" optional:"" help:"Address to receive on: HOST:PORT for webhook deliveries (default :9000, every interface); with --udp the datagram address (default [::]:55555, dual-stack)." placeholder:"ADDR"`
	HTTP string `name:"http" help:"Receive webhook deliveries on this address: the same as ADDR (the default mode)." placeholder:"ADDR"`
	UDP  bool   `name:"udp" help:"Print the Gluster event datagrams arriving on ADDR instead of webhook deliveries (no daemon needed: stop the daemon first if it holds the port)."`
	// UDPAddr is --addr, the datagram address of the first versions: it
	// implies --udp, so that scripts written then keep working.
	UDPAddr string `name:"addr" help:"Print the datagrams arriving on this UDP address: the same as --udp ADDR." placeholder:"ADDR"`
	Path    string `help:"The URL path deliveries are accepted at; a POST to any other is answered 404." default:"/listen" placeholder:"PATH"`
	Count   int    `help:"Exit after this many events (deliveries that passed verification, or datagrams; 0: run until interrupted)."`

	BearerToken       string   `name:"bearer-token" help:"Accept only deliveries with 'Authorization: Bearer TOKEN' (webhook-add --bearer-token). Visible in the process list: prefer --bearer-token-file." placeholder:"TOKEN"`
	BearerTokenFile   string   `name:"bearer-token-file" help:"Read the bearer token from this file, or from standard input if '-'." placeholder:"PATH"`
	JWTSecret         string   `name:"jwt-secret" help:"Accept only deliveries with a Gluster JWT (HS256, iss gluster, not expired, sub the body's event) signed with this secret (webhook-add --secret). Visible in the process list: prefer --jwt-secret-file." placeholder:"SECRET"`
	JWTSecretFile     string   `name:"jwt-secret-file" help:"Read the JWT secret from this file, or from standard input if '-'." placeholder:"PATH"`
	SigningSecret     []string `name:"signing-secret" help:"Accept only deliveries whose Standard Webhooks signature (webhook-id, webhook-timestamp within 5 minutes, webhook-signature) matches this secret, whsec_<base64>; repeat to accept the old and the new one while rotating. Visible in the process list: prefer --signing-secret-file." placeholder:"WHSEC"`
	SigningSecretFile string   `name:"signing-secret-file" help:"Read a Standard Webhooks signing secret from this file, or from standard input if '-'." placeholder:"PATH"`

	Register    bool       `help:"Add this receiver as a webhook of the cluster (on every node, as webhook-add does) while it runs, and delete it on exit (Ctrl-C, SIGTERM or --count). Without a secret given, a Standard Webhooks signing secret is generated and deliveries are verified with it."`
	RegisterURL string     `name:"register-url" help:"The URL the nodes deliver to (default: http(s)://HOST:PORT/PATH from ADDR, this machine's hostname when ADDR has no host or a wildcard one)." placeholder:"URL"`
	Format      bodyFormat `help:"With --register: the body format of the webhook, standard (signed) or legacy (glustereventsd's body); default standard, legacy with --jwt-secret." placeholder:"standard|legacy"`
	Filter      string     `help:"With --register: the nodes deliver only the events this filter expression selects ('category:brick severity:warning'; see FILTERS in gluster-eventing.toml(5))." placeholder:"EXPR"`
	Channel     string     `help:"With --register: the nodes deliver only the events of this channel (channel-list)." placeholder:"NAME"`

	TLSCert string `name:"tls-cert" help:"Serve HTTPS with this certificate (PEM, with its chain); needs --tls-key. The nodes verify it: with --register it must chain to their system CAs (webhook-mod --ca-file gives a webhook another bundle)." placeholder:"PATH" type:"path"`
	TLSKey  string `name:"tls-key" help:"The private key of --tls-cert (PEM)." placeholder:"PATH" type:"path"`
	Color   string `help:"Colour severities: auto (on a terminal, unless NO_COLOR is set), always or never." enum:"auto,always,never" default:"auto"`
}

// Help is the detail of listen --help.
func (c *ListenCmd) Help() string {
	return "Each event is printed as 'gluster-eventing events' prints it (with --json, one JSON object per delivery: the " +
		"event's fields as in events --json, and format, verified, webhook_id, path and remote), whichever body it came in: " +
		"glustereventsd's legacy body or a Standard Webhooks one. A delivery that fails verification is answered 401 " +
		"(the sending daemon retries it) and reported on standard error; a redelivery of a webhook-id already printed is answered " +
		"200 and not printed again; a GET on any path is answered 200, for health checks. " +
		"With --register the webhook is added through the cluster config like webhook-add, so the nodes deliver only events " +
		"journaled from then on; it is deleted when listen exits, and a failure to delete it is an error saying how to."
}

// Default addresses of the two modes.
const (
	defaultHTTPAddr = ":9000"
	defaultUDPAddr  = "[::]:55555"
	maxDelivery     = 1 << 20 // bytes of a delivery body read
)

func (c *ListenCmd) Run(env *Env, g *Globals) error {
	if c.UDP || c.UDPAddr != "" {
		return c.datagrams(env, g)
	}
	addr, err := listenAddr("--http", c.HTTP, c.Addr, defaultHTTPAddr)
	if err != nil {
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errorf(ExitUsage, "--tls-cert and --tls-key go together")
	}
	if !c.Register && (c.Filter != "" || c.Channel != "") {
		return &Error{Code: ExitUsage, Err: errors.New("--filter and --channel choose what the nodes send: they go with --register"),
			Hints: []string{"for a webhook added by hand, give them to webhook-add"}}
	}
	if !strings.HasPrefix(c.Path, "/") {
		return errorf(ExitUsage, "--path %q: want a path starting with /", c.Path)
	}
	v, err := c.credentials(env)
	if err != nil {
		return err
	}
	if c.Register && c.registerFormat(v) == config.FormatStandard && len(v.keys) == 0 {
		// Registered without a secret: a generated one proves that what
		// arrives comes from the cluster.
		secret, err := newSigningSecret()
		if err != nil {
			return err
		}
		key, _ := webhooks.ParseSigningSecret(secret)
		v.keys, v.registerSecret = [][]byte{key}, secret
	}
	var tlsConf *tls.Config
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return &Error{Code: ExitUsage, Err: fmt.Errorf("--tls-cert/--tls-key: %w", err)}
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("listen %s: %w", addr, err)}
	}
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	r := &receiver{env: env, json: g.JSON, path: c.Path, count: c.Count, v: v, done: make(chan struct{}),
		color: useColor(c.Color, env.Stdout, env.Getenv)}
	if node, err := loadNode(g); err == nil {
		client := api.NewClient(node.APISocket)
		client.Timeout = 2 * time.Second
		r.names = newNodeNames(client.State)
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	scheme := "http"
	if tlsConf != nil {
		scheme = "https"
	}
	fmt.Fprintf(env.Stderr, "%s: receiving webhook deliveries on %s://%s%s\n", env.Prog, scheme, ln.Addr(), c.Path)
	if v.none() {
		fmt.Fprintf(env.Stderr, "%s: note: verifying nothing: every delivery is printed; give --signing-secret-file, --jwt-secret-file or --bearer-token-file to verify\n", env.Prog)
	}

	var reg *registration
	if c.Register {
		url := c.RegisterURL
		if url == "" {
			url = registerURL(scheme, addr, ln.Addr(), c.Path)
		}
		reg, err = c.register(env, g, url, v)
		if err != nil {
			shutdown(srv)
			return err
		}
	}
	select {
	case <-env.Ctx.Done():
	case <-r.done:
	case err = <-served:
		err = fmt.Errorf("serving %s: %w", addr, err)
	}
	shutdown(srv)
	if reg != nil {
		if uerr := reg.remove(env, g); uerr != nil {
			return uerr
		}
	}
	return err
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if srv.Shutdown(ctx) != nil {
		srv.Close()
	}
}

// verifier checks deliveries with the credentials given: a request must
// carry one of the authorization credentials (the bearer token or a JWT
// of the secret) when any is set, and a valid signature when signing keys
// are set.
type verifier struct {
	token     string
	jwtSecret string
	keys      [][]byte
	// registerSecret is a signing secret generated for --register.
	registerSecret string
	now            func() time.Time
}

func (v *verifier) none() bool { return v.token == "" && v.jwtSecret == "" && len(v.keys) == 0 }

// check verifies a delivery and returns what it verified ("bearer",
// "jwt", "signature").
func (v *verifier) check(h http.Header, body []byte, bodyEvent string) ([]string, error) {
	now := time.Now()
	if v.now != nil {
		now = v.now()
	}
	verified := []string{}
	if v.token != "" || v.jwtSecret != "" {
		auth := h.Get("Authorization")
		var errs []error
		if v.token != "" {
			err := webhooks.VerifyBearer(auth, v.token)
			if err == nil {
				verified = append(verified, "bearer")
			}
			errs = append(errs, err)
		}
		if len(verified) == 0 && v.jwtSecret != "" {
			claims, err := webhooks.VerifyGlusterJWT(webhooks.BearerToken(auth), v.jwtSecret, now)
			if err == nil && bodyEvent != "" && claims.Event != bodyEvent {
				err = fmt.Errorf("the JWT is for a %s event, the body is a %s event", claims.Event, bodyEvent)
			}
			if err == nil {
				verified = append(verified, "jwt")
			}
			errs = append(errs, err)
		}
		if len(verified) == 0 {
			return nil, errors.Join(errs...)
		}
	}
	if len(v.keys) > 0 {
		if err := webhooks.VerifyStandard(v.keys, webhooks.StandardHeadersOf(h), body, now, 0); err != nil {
			return nil, err
		}
		verified = append(verified, "signature")
	}
	return verified, nil
}

// credentials reads the credentials of the flags and their files into a
// verifier.
func (c *ListenCmd) credentials(env *Env) (*verifier, error) {
	v := &verifier{token: c.BearerToken, jwtSecret: c.JWTSecret}
	stdinUsed := ""
	for _, s := range []struct {
		flag, path string
		set        bool
		dst        func(string)
	}{
		{"--bearer-token-file", c.BearerTokenFile, c.BearerToken != "", func(s string) { v.token = s }},
		{"--jwt-secret-file", c.JWTSecretFile, c.JWTSecret != "", func(s string) { v.jwtSecret = s }},
		{"--signing-secret-file", c.SigningSecretFile, false, func(s string) { c.SigningSecret = append(c.SigningSecret, s) }},
	} {
		switch {
		case s.path == "":
			continue
		case s.set:
			return nil, errorf(ExitUsage, "%s and the flag it replaces are both set: give one", s.flag)
		case s.path == "-" && stdinUsed != "":
			return nil, errorf(ExitUsage, "%s and %s both read standard input: give one a file", stdinUsed, s.flag)
		case s.path == "-":
			stdinUsed = s.flag
		}
		secret, err := readSecret(env, s.flag, s.path)
		if err != nil {
			return nil, err
		}
		s.dst(secret)
	}
	for _, s := range c.SigningSecret {
		key, err := webhooks.ParseSigningSecret(s)
		if err != nil {
			return nil, &Error{Code: ExitUsage, Err: fmt.Errorf("--signing-secret: %w", err),
				Hints: []string{"the secret webhook-add printed (or that --signing-secret-file gave it), whsec_ followed by base64"}}
		}
		v.keys = append(v.keys, key)
	}
	if c.Register {
		switch f := c.registerFormat(v); {
		case f == config.FormatStandard && v.jwtSecret != "":
			return nil, errorf(ExitUsage, "--register --format standard with --jwt-secret: standard webhooks are signed (--signing-secret), legacy ones carry the JWT")
		case f == config.FormatLegacy && len(v.keys) > 0:
			return nil, errorf(ExitUsage, "--register --format legacy with --signing-secret: legacy webhooks carry a JWT (--jwt-secret), standard ones are signed")
		}
	}
	return v, nil
}

// receiver serves the webhook deliveries.
type receiver struct {
	env   *Env
	json  bool
	color bool
	path  string
	count int
	v     *verifier
	names *nodeNames

	mu   sync.Mutex // serialises output, n and seen
	n    int
	done chan struct{} // closed after count events
	seen recentIDs     // webhook-ids printed
}

// recentIDs remembers the last maxRecentIDs webhook-ids, so that a
// redelivery (the sender retried after a timeout, though the first
// attempt got here) is not printed twice.
type recentIDs struct {
	set  map[string]struct{}
	ring []string
	next int
}

const maxRecentIDs = 4096

func (r *recentIDs) has(id string) bool {
	_, ok := r.set[id]
	return ok
}

// add records id, forgetting the oldest beyond maxRecentIDs.
func (r *recentIDs) add(id string) {
	if r.has(id) {
		return
	}
	if r.set == nil {
		r.set = make(map[string]struct{}, maxRecentIDs)
	}
	if len(r.ring) < maxRecentIDs {
		r.ring = append(r.ring, id)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = id
		r.next = (r.next + 1) % maxRecentIDs
	}
	r.set[id] = struct{}{}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Method == http.MethodGet || req.Method == http.MethodHead:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "gluster-eventing listen: POST webhook deliveries to %s\n", r.path)
		return
	case req.Method != http.MethodPost:
		w.Header().Set("Allow", "GET, HEAD, POST")
		answer(w, http.StatusMethodNotAllowed, "POST deliveries to "+r.path)
		return
	case req.URL.Path != r.path:
		r.note("rejected POST %s from %s: not %s (404)", req.URL.Path, req.RemoteAddr, r.path)
		answer(w, http.StatusNotFound, "deliveries go to "+r.path)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxDelivery+1))
	if err != nil {
		answer(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	if len(body) > maxDelivery {
		r.note("rejected POST %s from %s: body larger than %d KiB (413)", req.URL.Path, req.RemoteAddr, maxDelivery>>10)
		answer(w, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	d := parseDelivery(body)
	verified, err := r.v.check(req.Header, body, d.Event)
	if err != nil {
		r.note("rejected POST %s from %s: %v (401)", req.URL.Path, req.RemoteAddr, err)
		answer(w, http.StatusUnauthorized, err.Error())
		return
	}
	d.Verified, d.Path, d.Remote = verified, req.URL.Path, req.RemoteAddr
	d.WebhookID = req.Header.Get("Webhook-Id")
	d.Delivered = time.Now().UTC()

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.count > 0 && r.n >= r.count {
		answer(w, http.StatusServiceUnavailable, "this receiver is done")
		return
	}
	if d.WebhookID != "" && r.seen.has(d.WebhookID) {
		fmt.Fprintf(r.env.Stderr, "%s: %s again (the sender retried a delivery that arrived): printed once\n", r.env.Prog, d.WebhookID)
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := r.print(d); err != nil {
		answer(w, http.StatusInternalServerError, "printing the event: "+err.Error())
		return
	}
	if d.WebhookID != "" {
		r.seen.add(d.WebhookID)
	}
	w.WriteHeader(http.StatusOK)
	r.n++
	if r.count > 0 && r.n == r.count {
		close(r.done)
	}
}

func answer(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(append(b, '\n'))
}

func (r *receiver) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.env.Stderr, "%s: %s\n", r.env.Prog, fmt.Sprintf(format, args...))
}

func (r *receiver) print(d *delivery) error {
	if r.json {
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(r.env.Stdout, "%s\n", b)
		return err
	}
	if d.Event == "" {
		if d.Raw == nil || *d.Raw == "" {
			_, err := fmt.Fprintf(r.env.Stdout, "%s %s: an empty body (Gluster's webhook-test sends one)\n", d.Delivered.Format(time.RFC3339), d.Path)
			return err
		}
		_, err := fmt.Fprintf(r.env.Stdout, "%s %s: not an event: %s\n", d.Delivered.Format(time.RFC3339), d.Path, quoteValue(truncate(*d.Raw, 200)))
		return err
	}
	l := eventLine{Time: d.Received, Node: d.Node, Event: d.Event, Severity: d.Severity, Category: d.Category, Fields: d.fields}
	if l.Time.IsZero() {
		l.Time = time.Unix(d.TS, 0)
	}
	return writeEventLine(r.env.Stdout, l, r.names, r.color)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// delivery is one webhook delivery as listen --json prints it: the
// event's fields under the names of events --json, and how it came.
type delivery struct {
	Node     string          `json:"node,omitempty"`
	Epoch    string          `json:"epoch,omitempty"`
	Seq      uint64          `json:"seq,omitempty"`
	Event    string          `json:"event,omitempty"`
	Category string          `json:"category,omitempty"`
	Severity string          `json:"severity,omitempty"`
	TS       int64           `json:"ts,omitempty"`
	Received time.Time       `json:"received,omitzero"`
	Message  json.RawMessage `json:"message,omitempty"`
	// Format is "standard" or "legacy", "" for a body that is neither;
	// Raw is then the body.
	Format string  `json:"format,omitempty"`
	Raw    *string `json:"raw,omitempty"`
	// Verified lists what the delivery proved: "bearer", "jwt",
	// "signature"; empty when nothing was asked.
	Verified  []string  `json:"verified"`
	WebhookID string    `json:"webhook_id,omitempty"`
	Path      string    `json:"path"`
	Remote    string    `json:"remote"`
	Delivered time.Time `json:"delivered"`

	fields map[string]string // Message as text, for the readable line
}

// parseDelivery reads a body in either format: Standard Webhooks (id,
// type, data, ...) or glustereventsd's ({"event", "message", "nodeid",
// "ts"}, whose values may be booleans, numbers or lists).
func parseDelivery(body []byte) *delivery {
	d := &delivery{}
	var std struct {
		ID        string            `json:"id"`
		Type      string            `json:"type"`
		Timestamp time.Time         `json:"timestamp"`
		Seq       uint64            `json:"seq"`
		Epoch     string            `json:"epoch"`
		Node      string            `json:"node"`
		Data      map[string]string `json:"data"`
		Event     string            `json:"event"`
		TS        int64             `json:"ts"`
		Severity  string            `json:"severity"`
		Category  string            `json:"category"`
	}
	if json.Unmarshal(body, &std) == nil && std.Event != "" && strings.HasPrefix(std.Type, "gluster.") {
		d.Format = "standard"
		d.Node, d.Epoch, d.Seq, d.Event, d.TS, d.Received = std.Node, std.Epoch, std.Seq, std.Event, std.TS, std.Timestamp
		d.Severity, d.Category = std.Severity, std.Category
		d.fields = std.Data
		d.Message, _ = json.Marshal(std.Data)
		return d
	}
	var legacy struct {
		Event   string                     `json:"event"`
		Message map[string]json.RawMessage `json:"message"`
		NodeID  string                     `json:"nodeid"`
		TS      int64                      `json:"ts"`
	}
	if json.Unmarshal(body, &legacy) == nil && legacy.Event != "" {
		d.Format = "legacy"
		d.Event, d.Node, d.TS = legacy.Event, legacy.NodeID, legacy.TS
		d.Severity, d.Category = "unknown", "unknown"
		if t, ok := gfevent.Lookup(legacy.Event); ok && t.Valid() {
			info := t.Info()
			d.Severity, d.Category = info.Severity.String(), info.Category.String()
		}
		d.fields = make(map[string]string, len(legacy.Message))
		for k, raw := range legacy.Message {
			var s string
			var compact bytes.Buffer
			switch {
			case json.Unmarshal(raw, &s) == nil:
				d.fields[k] = s
			case json.Compact(&compact, raw) == nil:
				d.fields[k] = compact.String() // true, 22, [["k","v"]]
			default:
				d.fields[k] = string(raw)
			}
		}
		if legacy.Message == nil {
			d.Message = json.RawMessage("{}")
		} else {
			d.Message, _ = json.Marshal(legacy.Message)
		}
		return d
	}
	raw := string(body)
	d.Raw = &raw
	return d
}

// listenAddr is the address listen listens on: flag (the value of the
// flag name) or the ADDR argument arg, which agree when both are given, or
// else def.
func listenAddr(name, flag, arg, def string) (string, error) {
	switch {
	case flag != "" && arg != "" && flag != arg:
		return "", errorf(ExitUsage, "%s %s and ADDR %s disagree: give one", name, flag, arg)
	case flag != "":
		return flag, nil
	case arg == "":
		return def, nil
	}
	return arg, nil
}

// datagrams prints the event datagrams arriving on the UDP address.
func (c *ListenCmd) datagrams(env *Env, g *Globals) error {
	addr, err := listenAddr("--addr", c.UDPAddr, c.Addr, defaultUDPAddr)
	if err != nil {
		return err
	}
	if c.HTTP != "" || c.Register || c.TLSCert != "" {
		return errorf(ExitUsage, "--udp receives datagrams: --http, --register and --tls-cert are for webhook deliveries")
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
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
			return fmt.Errorf("read %s: %w", addr, err)
		}
		line := datagramLine{Raw: string(buf[:sz]), ID: -1}
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

// datagramLine is one datagram as listen --udp --json prints it.
type datagramLine struct {
	Source string            `json:"source"`
	Raw    string            `json:"raw"`
	Event  string            `json:"event,omitempty"`
	ID     int               `json:"id"`
	TS     int64             `json:"ts,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
	Flags  []string          `json:"flags,omitempty"`
	Reject string            `json:"reject,omitempty"`
}
