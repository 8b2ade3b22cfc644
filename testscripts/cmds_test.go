package testscripts

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/api"
)

// defaultTimeout bounds every wait command that is not given a TIMEOUT.
const defaultTimeout = 10 * time.Second

// pollInterval is how often the wait commands look again.
const pollInterval = 10 * time.Millisecond

// commands returns the custom script commands. README.md documents each;
// keep the two in step.
func commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"exec-rc":       cmdExecRC,
		"webhookd":      cmdWebhookd,
		"webhookd-wait": cmdWebhookdWait,
		"sendevent":     cmdSendevent,
		"sendraw":       cmdSendraw,
		"freeport":      cmdFreeport,
		"waitfor":       cmdWaitfor,
		"notifysock":    cmdNotifysock,
		"notify-wait":   cmdNotifyWait,
		"jsonq":         cmdJSONQ,
		"jsonvar":       cmdJSONVar,
		"envsubst":      cmdEnvsubst,
		"signal":        cmdSignal,
		"statuswait":    cmdStatusWait,
		"fakeapi":       cmdFakeAPI,
		"stopatend":     cmdStopAtEnd,
	}
}

// stateKey indexes the per-script state in testscript.Env.Values.
type stateKey struct{}

// scriptState is what the custom commands of one script share. Scripts run
// in parallel, so nothing of this lives in package variables.
type scriptState struct {
	mu    sync.Mutex
	names map[string]string // NAME → command that claimed it
}

func state(ts *testscript.TestScript) *scriptState {
	return ts.Value(stateKey{}).(*scriptState)
}

// claim reserves NAME for one fake per script, so that two webhookd (or a
// webhookd and a notifysock) cannot silently share files and variables.
func (s *scriptState) claim(ts *testscript.TestScript, cmd, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if by, ok := s.names[name]; ok {
		ts.Fatalf("%s: name %q already used by %s", cmd, name, by)
	}
	if s.names == nil {
		s.names = map[string]string{}
	}
	s.names[name] = cmd
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkName(ts *testscript.TestScript, cmd, name string) {
	if !envName.MatchString(name) {
		ts.Fatalf("%s: NAME %q must be a variable name ([A-Za-z_][A-Za-z0-9_]*)", cmd, name)
	}
}

func noNeg(ts *testscript.TestScript, neg bool, cmd string) {
	if neg {
		ts.Fatalf("unsupported: ! %s", cmd)
	}
}

// parseInterspersed parses flags wherever they appear among the positional
// arguments ("webhookd hook -fail 2" and "webhookd -fail 2 hook") and returns
// the positional ones. Everything after "--" is positional.
func parseInterspersed(ts *testscript.TestScript, fs *flag.FlagSet, args []string) []string {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			ts.Fatalf("%s: %v", fs.Name(), err)
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...)
		}
		if len(rest) == 0 {
			return pos
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseTimeout reads an optional TIMEOUT argument: a Go duration ("500ms",
// "2s") or a number of seconds.
func parseTimeout(ts *testscript.TestScript, cmd string, args []string, i int, neg bool) time.Duration {
	if len(args) <= i {
		if neg {
			ts.Fatalf("! %s needs an explicit TIMEOUT", cmd)
		}
		return defaultTimeout
	}
	s := args[i]
	d, err := time.ParseDuration(s)
	if n, ferr := strconv.ParseFloat(s, 64); ferr == nil {
		d, err = time.Duration(n*float64(time.Second)), nil
	}
	if err != nil || d <= 0 {
		ts.Fatalf("%s: bad TIMEOUT %q", cmd, s)
	}
	return d
}

// poll calls cond until it reports true or timeout passes. It returns
// whether cond became true.
func poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollInterval)
	}
}

// waitResult turns the outcome of a bounded wait into the script's verdict.
// Without !, the thing must happen before the timeout; with !, it must not.
func waitResult(ts *testscript.TestScript, neg, happened bool, timeout time.Duration, what string, detail func() string) {
	switch {
	case happened && neg:
		ts.Fatalf("%s happened within %v, want it not to%s", what, timeout, detail())
	case !happened && !neg:
		ts.Fatalf("timed out after %v waiting for %s%s", timeout, what, detail())
	}
}

// ---- exec-rc ---------------------------------------------------------------

// cmdExecRC: exec-rc CODE PROG [ARGS...] runs PROG like exec and checks that
// it exits with exactly CODE. stdout and stderr are kept for the next
// stdout/stderr/cmp commands.
func cmdExecRC(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "exec-rc (give the expected CODE instead)")
	if len(args) < 2 {
		ts.Fatalf("usage: exec-rc CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exec-rc: CODE %q is not a number", args[0])
	}
	if strings.HasPrefix(args[len(args)-1], "&") {
		ts.Fatalf("exec-rc: background commands are not supported; use exec ... & and wait")
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exec-rc: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with code %d, want %d", args[1], got, want)
	}
}

// ---- webhookd --------------------------------------------------------------

// hookRecord is one request webhookd received, as written to
// $WORK/NAME/NNNNNN.json.
type hookRecord struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	Status  int               `json:"status"`
}

type hookServer struct {
	dir    string
	status int
	fail   int
	delay  time.Duration
	token  string // if set, answer 401 to a request without "Bearer <token>"

	mu sync.Mutex
	n  int
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.n++
	n := h.n
	h.mu.Unlock()
	status := h.status
	if n <= h.fail {
		status = http.StatusServiceUnavailable
	}
	if h.token != "" && r.Header.Get("Authorization") != "Bearer "+h.token {
		status = http.StatusUnauthorized
	}
	rec := hookRecord{Method: r.Method, Path: r.URL.RequestURI(), Headers: map[string]string{},
		Body: string(body), Status: status}
	for k, v := range r.Header {
		rec.Headers[k] = strings.Join(v, ", ")
	}
	if r.Host != "" {
		rec.Headers["Host"] = r.Host
	}
	// The record exists before the sender gets its answer, so a script that
	// saw a delivery complete always finds it on disk.
	if err := writeRecord(h.dir, n, &rec); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if h.delay > 0 {
		t := time.NewTimer(h.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	w.WriteHeader(status)
}

// writeRecord writes rec as NNNNNN.json through a temp file and a rename, so
// readers never see half a record.
func writeRecord(dir string, n int, rec *hookRecord) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rec); err != nil {
		return err
	}
	name := filepath.Join(dir, fmt.Sprintf("%06d.json", n))
	tmp := filepath.Join(dir, fmt.Sprintf(".%06d.json.tmp", n))
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// cmdWebhookd: webhookd NAME [-status CODE] [-fail N] [-delay D]
func cmdWebhookd(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "webhookd")
	fs := flag.NewFlagSet("webhookd", flag.ContinueOnError)
	status := fs.Int("status", http.StatusOK, "status of every answer after the first -fail ones")
	fail := fs.Int("fail", 0, "answer the first N requests with 503")
	delay := fs.Duration("delay", 0, "wait this long before answering")
	token := fs.String("token", "", "answer 401 to requests without Authorization: Bearer TOKEN")
	pos := parseInterspersed(ts, fs, args)
	if len(pos) != 1 {
		ts.Fatalf("usage: webhookd NAME [-status CODE] [-fail N] [-delay D] [-token TOKEN]")
	}
	name := pos[0]
	checkName(ts, "webhookd", name)
	if *status < 100 || *status > 599 {
		ts.Fatalf("webhookd: -status %d is not an HTTP status", *status)
	}
	state(ts).claim(ts, "webhookd", name)
	dir := filepath.Join(ts.Getenv("WORK"), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		ts.Fatalf("webhookd: %v", err)
	}
	h := &hookServer{dir: dir, status: *status, fail: *fail, delay: *delay, token: *token}
	srv := httptest.NewUnstartedServer(h)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.Fatalf("webhookd: %v", err)
	}
	srv.Listener = l
	srv.Start()
	ts.Defer(srv.Close)
	ts.Setenv(strings.ToUpper(name)+"_URL", srv.URL+"/"+name)
}

// hookRecords returns the names of the complete records in dir, in order.
func hookRecords(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if n := e.Name(); len(n) == len("000000.json") && strings.HasSuffix(n, ".json") && n[0] != '.' {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// cmdWebhookdWait: [!] webhookd-wait NAME COUNT [TIMEOUT]
func cmdWebhookdWait(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: webhookd-wait NAME COUNT [TIMEOUT]")
	}
	name := args[0]
	checkName(ts, "webhookd-wait", name)
	count, err := strconv.Atoi(args[1])
	if err != nil || count < 0 {
		ts.Fatalf("webhookd-wait: bad COUNT %q", args[1])
	}
	timeout := parseTimeout(ts, "webhookd-wait", args, 2, neg)
	dir := filepath.Join(ts.Getenv("WORK"), name)
	if _, err := os.Stat(dir); err != nil {
		ts.Fatalf("webhookd-wait: no webhookd %s in this script", name)
	}
	ok := poll(timeout, func() bool { return len(hookRecords(dir)) >= count })
	waitResult(ts, neg, ok, timeout, fmt.Sprintf("%d requests to webhookd %s", count, name), func() string {
		names := hookRecords(dir)
		var b strings.Builder
		fmt.Fprintf(&b, "; it recorded %d:", len(names))
		for _, n := range names {
			data, _ := os.ReadFile(filepath.Join(dir, n))
			fmt.Fprintf(&b, "\n%s/%s:\n%s", name, n, data)
		}
		return b.String()
	})
}

// ---- sendevent, sendraw ----------------------------------------------------

func eventsAddr(ts *testscript.TestScript, cmd, flagAddr string) string {
	addr := flagAddr
	if addr == "" {
		addr = ts.Getenv("EVENTS_ADDR")
	}
	if addr == "" {
		ts.Fatalf("%s: no -addr and $EVENTS_ADDR is not set", cmd)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		ts.Fatalf("%s: address %q: %v", cmd, addr, err)
	}
	return addr
}

// cmdSendevent: sendevent [-addr HOST:PORT] [-time UNIX] TYPE [KEY=VALUE...]
func cmdSendevent(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sendevent (use sendraw for malformed datagrams)")
	fs := flag.NewFlagSet("sendevent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "", "daemon UDP address (default $EVENTS_ADDR)")
	unix := fs.Int64("time", 0, "event time in unix seconds (default now)")
	if err := fs.Parse(args); err != nil || fs.NArg() < 1 {
		ts.Fatalf("usage: sendevent [-addr HOST:PORT] [-time UNIX] TYPE [KEY=VALUE...]")
	}
	t, ok := gfevent.Lookup(fs.Arg(0))
	if !ok {
		ts.Fatalf("sendevent: unknown event type %q", fs.Arg(0))
	}
	var fields []gfevent.Field
	for _, kv := range fs.Args()[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("sendevent: field %q is not KEY=VALUE", kv)
		}
		fields = append(fields, gfevent.Field{Key: k, Value: v})
	}
	em := &gfevent.Emitter{Addr: eventsAddr(ts, "sendevent", *addr)}
	if *unix != 0 {
		em.Now = func() time.Time { return time.Unix(*unix, 0) }
	}
	dg, err := em.Datagram(t, fields...)
	if err != nil {
		ts.Fatalf("sendevent: %v", err)
	}
	send(ts, "sendevent", em, dg)
}

// cmdSendraw: sendraw [-addr HOST:PORT] RAW
func cmdSendraw(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sendraw")
	fs := flag.NewFlagSet("sendraw", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "", "daemon UDP address (default $EVENTS_ADDR)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		ts.Fatalf("usage: sendraw [-addr HOST:PORT] RAW  (quote RAW; Go escapes such as \\x00 \\n \\xff are interpreted)")
	}
	raw, err := strconv.Unquote(`"` + fs.Arg(0) + `"`)
	if err != nil {
		ts.Fatalf("sendraw: %q is not a valid Go string body (write \\\" for a double quote): %v", fs.Arg(0), err)
	}
	send(ts, "sendraw", &gfevent.Emitter{Addr: eventsAddr(ts, "sendraw", *addr)}, []byte(raw))
}

func send(ts *testscript.TestScript, cmd string, em *gfevent.Emitter, dg []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := em.Send(ctx, dg); err != nil {
		ts.Fatalf("%s: %v", cmd, err)
	}
	ts.Logf("%s: sent %q to %s", cmd, dg, em.Addr)
}

// ---- freeport --------------------------------------------------------------

// handedOut holds the ports freeport gave to any script of this test
// process, so that two parallel scripts never get the same one.
var handedOut struct {
	sync.Mutex
	ports map[int]bool
}

// cmdFreeport: freeport NAME
func cmdFreeport(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "freeport")
	if len(args) != 1 {
		ts.Fatalf("usage: freeport NAME")
	}
	checkName(ts, "freeport", args[0])
	port, err := freePort()
	if err != nil {
		ts.Fatalf("freeport: %v", err)
	}
	ts.Setenv(args[0], strconv.Itoa(port))
}

// freePort finds a port that is free for UDP and TCP on 127.0.0.1 and, where
// IPv6 works, on [::1].
func freePort() (int, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = map[int]bool{}
	}
	ipv6 := hasIPv6Loopback()
	for range 100 {
		u, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := u.LocalAddr().(*net.UDPAddr).Port
		closers := []io.Closer{u}
		ok := !handedOut.ports[port]
		if ok {
			ok = tryBind(&closers, "tcp4", "127.0.0.1", port)
		}
		if ok && ipv6 {
			ok = tryBind(&closers, "udp6", "::1", port) && tryBind(&closers, "tcp6", "::1", port)
		}
		for _, c := range closers {
			c.Close()
		}
		if ok {
			handedOut.ports[port] = true
			return port, nil
		}
	}
	return 0, errors.New("no port free for both UDP and TCP after 100 tries")
}

func tryBind(closers *[]io.Closer, network, host string, port int) bool {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var c io.Closer
	var err error
	if strings.HasPrefix(network, "udp") {
		c, err = net.ListenPacket(network, addr)
	} else {
		c, err = net.Listen(network, addr)
	}
	if err != nil {
		return false
	}
	*closers = append(*closers, c)
	return true
}

// ---- waitfor ---------------------------------------------------------------

// cmdWaitfor: [!] waitfor file|sock|http|udp TARGET [TIMEOUT]
func cmdWaitfor(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: waitfor file PATH|sock PATH|http URL|udp HOST:PORT [TIMEOUT]")
	}
	kind, target := args[0], args[1]
	timeout := parseTimeout(ts, "waitfor", args, 2, neg)
	var cond func() bool
	var what string
	lastErr := func() string { return "" }
	switch kind {
	case "file":
		path := ts.MkAbs(target)
		what = "file " + target
		cond = func() bool { _, err := os.Stat(path); return err == nil }
	case "sock":
		path := ts.MkAbs(target)
		what = "unix socket " + target + " to accept connections"
		var last error
		lastErr = func() string { return fmt.Sprintf(" (last error: %v)", last) }
		cond = func() bool {
			c, err := net.DialTimeout("unix", path, time.Second)
			if err != nil {
				last = err
				return false
			}
			c.Close()
			return true
		}
	case "http":
		what = "GET " + target + " to answer 2xx"
		client := &http.Client{Timeout: time.Second}
		last := "no attempt"
		lastErr = func() string { return " (last: " + last + ")" }
		cond = func() bool {
			resp, err := client.Get(target)
			if err != nil {
				last = err.Error()
				return false
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			last = resp.Status
			return resp.StatusCode/100 == 2
		}
	case "udp":
		host, portStr, err := net.SplitHostPort(target)
		port, perr := strconv.Atoi(portStr)
		if err != nil || perr != nil {
			ts.Fatalf("waitfor udp: %q is not HOST:PORT", target)
		}
		what = "a UDP socket bound to " + target
		cond = func() bool { return udpBound(host, port) }
	default:
		ts.Fatalf("waitfor: unknown kind %q (want file, sock, http or udp)", kind)
	}
	waitResult(ts, neg, poll(timeout, cond), timeout, what, lastErr)
}

// udpBound reports whether some process has a UDP socket bound to host:port,
// from /proc/net/udp and /proc/net/udp6. A socket bound to the wildcard
// address counts for every host; an empty host matches any address. This
// lets scripts wait for a listener without sending it anything.
func udpBound(host string, port int) bool {
	var want netip.Addr
	if host != "" && host != "localhost" {
		a, err := netip.ParseAddr(host)
		if err != nil {
			return false
		}
		want = a.Unmap()
	}
	for _, file := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 {
				continue
			}
			a, p, ok := parseProcAddr(fields[1])
			if !ok || p != port {
				continue
			}
			if !want.IsValid() || a.IsUnspecified() || a.Unmap() == want {
				f.Close()
				return true
			}
		}
		f.Close()
	}
	return false
}

// parseProcAddr decodes a /proc/net/udp local_address such as
// "0100007F:D903": the address in host byte order per 32-bit word, the port
// in big-endian hex.
func parseProcAddr(s string) (netip.Addr, int, bool) {
	hexAddr, hexPort, ok := strings.Cut(s, ":")
	if !ok {
		return netip.Addr{}, 0, false
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.Addr{}, 0, false
	}
	b, err := hex.DecodeString(hexAddr)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return netip.Addr{}, 0, false
	}
	for i := 0; i < len(b); i += 4 { // little-endian words
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	a, _ := netip.AddrFromSlice(b)
	return a, int(port), true
}

// ---- notifysock, notify-wait -----------------------------------------------

// maxSockPath keeps socket paths below the 108-byte sun_path limit.
const maxSockPath = 100

// cmdNotifysock: notifysock NAME
func cmdNotifysock(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "notifysock")
	if len(args) != 1 {
		ts.Fatalf("usage: notifysock NAME")
	}
	name := args[0]
	checkName(ts, "notifysock", name)
	state(ts).claim(ts, "notifysock", name)
	work := ts.Getenv("WORK")
	path := filepath.Join(work, name+".sock")
	if len(path) >= maxSockPath {
		dir, err := os.MkdirTemp("/tmp", "ge-notify-")
		if err != nil {
			ts.Fatalf("notifysock: %v", err)
		}
		ts.Defer(func() { os.RemoveAll(dir) })
		path = filepath.Join(dir, "n.sock")
		if len(path) >= maxSockPath {
			ts.Fatalf("notifysock: no short enough directory for %s", path)
		}
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		ts.Fatalf("notifysock: %v", err)
	}
	logFile, err := os.OpenFile(filepath.Join(work, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		conn.Close()
		ts.Fatalf("notifysock: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				return
			}
			// One datagram, one line: newlines between assignments are
			// written as the two characters \n.
			line := strings.ReplaceAll(strings.TrimRight(string(buf[:n]), "\n"), "\n", `\n`)
			logFile.WriteString(line + "\n")
		}
	}()
	ts.Defer(func() {
		conn.Close()
		<-done
		logFile.Close()
	})
	ts.Setenv(name, path)
}

// notifyLines returns the complete lines of $WORK/NAME.log.
func notifyLines(path string) []string {
	data, _ := os.ReadFile(path)
	s := string(data)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.Split(s[:i], "\n")
	}
	return nil
}

// cmdNotifyWait: [!] notify-wait [-count N] NAME REGEX [TIMEOUT]
func cmdNotifyWait(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("notify-wait", flag.ContinueOnError)
	count := fs.Int("count", 1, "wait for this many matching notifications")
	args = parseInterspersed(ts, fs, args)
	if len(args) < 2 || len(args) > 3 || *count < 1 {
		ts.Fatalf("usage: notify-wait [-count N] NAME REGEX [TIMEOUT]")
	}
	name := args[0]
	checkName(ts, "notify-wait", name)
	re, err := regexp.Compile(args[1])
	if err != nil {
		ts.Fatalf("notify-wait: %v", err)
	}
	timeout := parseTimeout(ts, "notify-wait", args, 2, neg)
	logPath := filepath.Join(ts.Getenv("WORK"), name+".log")
	if _, err := os.Stat(logPath); err != nil {
		ts.Fatalf("notify-wait: no notifysock %s in this script", name)
	}
	matches := func() int {
		n := 0
		for _, line := range notifyLines(logPath) {
			if re.MatchString(line) {
				n++
			}
		}
		return n
	}
	ok := poll(timeout, func() bool { return matches() >= *count })
	waitResult(ts, neg, ok, timeout, fmt.Sprintf("%d notifications matching %q on %s", *count, args[1], name), func() string {
		lines := notifyLines(logPath)
		return fmt.Sprintf("; received %d:\n%s", len(lines), strings.Join(lines, "\n"))
	})
}

// ---- signal ---------------------------------------------------------------

// signals are the names signal accepts; testscript's kill knows only INT
// and KILL.
var signals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "KILL": syscall.SIGKILL, "TERM": syscall.SIGTERM,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "QUIT": syscall.SIGQUIT,
}

// cmdSignal: signal SIG PIDFILE|PID sends SIG (HUP, TERM, USR2, ...) to the
// process whose PID is given or written in PIDFILE, such as the daemon's
// pid_file.
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "signal")
	if len(args) != 2 {
		ts.Fatalf("usage: signal SIG PIDFILE|PID")
	}
	sig, ok := signals[strings.TrimPrefix(strings.ToUpper(args[0]), "SIG")]
	if !ok {
		ts.Fatalf("signal: unknown signal %q", args[0])
	}
	pidText := args[1]
	if _, err := strconv.Atoi(pidText); err != nil {
		data, err := os.ReadFile(ts.MkAbs(args[1]))
		if err != nil {
			ts.Fatalf("signal: %v", err)
		}
		pidText = strings.TrimSpace(string(data))
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		ts.Fatalf("signal: %q is not a PID", pidText)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		ts.Fatalf("signal: kill -%s %d: %v", args[0], pid, err)
	}
}

// ---- envsubst -------------------------------------------------------------

// cmdEnvsubst: envsubst FILE... replaces $VAR and ${VAR} in each file with
// the script's variables, in place, so that archive files (configs) can name
// $WORK and ports picked by freeport. $$ is a literal $.
func cmdEnvsubst(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "envsubst")
	if len(args) == 0 {
		ts.Fatalf("usage: envsubst FILE...")
	}
	for _, name := range args {
		path := ts.MkAbs(name)
		data, err := os.ReadFile(path)
		if err != nil {
			ts.Fatalf("envsubst: %v", err)
		}
		out := os.Expand(string(data), func(key string) string {
			if key == "$" {
				return "$"
			}
			return ts.Getenv(key)
		})
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			ts.Fatalf("envsubst: %v", err)
		}
	}
}

// ---- jsonq -----------------------------------------------------------------

// cmdJSONQ: [!] jsonq FILE PATH [EXPECTED]
func cmdJSONQ(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: jsonq FILE PATH [EXPECTED]")
	}
	root, err := decodeJSONValues(ts.ReadFile(args[0]))
	if err != nil {
		ts.Fatalf("jsonq: %s: %v", args[0], err)
	}
	got, err := jsonPath(root, args[1])
	var match bool
	var why string
	switch {
	case err != nil:
		why = err.Error()
	case len(args) == 2:
		match = true
	default:
		match = got == args[2]
		why = fmt.Sprintf("%s is %q, want %q", args[1], got, args[2])
	}
	if match == neg {
		if neg {
			if len(args) == 2 {
				ts.Fatalf("jsonq: %s: %s exists (%s), want it absent", args[0], args[1], got)
			}
			ts.Fatalf("jsonq: %s: %s is %q", args[0], args[1], got)
		}
		ts.Fatalf("jsonq: %s: %s", args[0], why)
	}
}

// cmdJSONVar: jsonvar FILE PATH VAR sets $VAR to the value at PATH, for
// later commands to use (an id the daemon picked, say).
func cmdJSONVar(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "jsonvar")
	if len(args) != 3 {
		ts.Fatalf("usage: jsonvar FILE PATH VAR")
	}
	root, err := decodeJSONValues(ts.ReadFile(args[0]))
	if err != nil {
		ts.Fatalf("jsonvar: %s: %v", args[0], err)
	}
	got, err := jsonPath(root, args[1])
	if err != nil {
		ts.Fatalf("jsonvar: %s: %v", args[0], err)
	}
	ts.Setenv(args[2], got)
}

// decodeJSONValues decodes one JSON value, or a stream of them (JSON lines),
// which it returns as an array.
func decodeJSONValues(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var vals []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	switch len(vals) {
	case 0:
		return nil, errors.New("no JSON value")
	case 1:
		return vals[0], nil
	}
	return vals, nil
}

// jsonPath follows a dot path such as ".message.name" or ".0.url" (".-1"
// is the last element) and renders the value it reaches: strings as they
// are, everything else as compact JSON. A string met before the end of the
// path is decoded as JSON, so ".body.event" reaches into a recorded body.
func jsonPath(v any, path string) (string, error) {
	if !strings.HasPrefix(path, ".") {
		return "", fmt.Errorf("path %q must start with '.'", path)
	}
	var segs []string
	if path != "." {
		segs = strings.Split(path[1:], ".")
	}
	for i, seg := range segs {
		at := "." + strings.Join(segs[:i], ".")
		if s, ok := v.(string); ok {
			dv, err := decodeJSONValues(s)
			if err != nil {
				return "", fmt.Errorf("%s is a string that is not JSON: %v", at, err)
			}
			v = dv
		}
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[seg]
			if !ok {
				return "", fmt.Errorf("%s has no key %q", at, seg)
			}
			v = next
		case []any:
			n, err := strconv.Atoi(seg)
			if n < 0 {
				n += len(c)
			}
			if err != nil || n < 0 || n >= len(c) {
				return "", fmt.Errorf("%s has no element %q (length %d)", at, seg, len(c))
			}
			v = c[n]
		default:
			return "", fmt.Errorf("%s is not an object or array", at)
		}
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// ---- statuswait ------------------------------------------------------------

// cmdStatusWait: statuswait SOCKET PATH EXPECTED [TIMEOUT] polls the daemon's
// GET /v1/status on the unix socket SOCKET until the JSON value at PATH (as
// jsonq reads it) is EXPECTED. The daemon counts datagrams asynchronously,
// so a script checks counters with this instead of one status call.
func cmdStatusWait(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "statuswait")
	if len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: statuswait SOCKET PATH EXPECTED [TIMEOUT]")
	}
	timeout := parseTimeout(ts, "statuswait", args, 3, false)
	client := api.NewClient(ts.MkAbs(args[0]))
	var last string
	ok := poll(timeout, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		st, err := client.Status(ctx)
		if err != nil {
			last = err.Error()
			return false
		}
		b, _ := json.Marshal(st)
		root, err := decodeJSONValues(string(b))
		if err != nil {
			last = err.Error()
			return false
		}
		last, err = jsonPath(root, args[1])
		if err != nil {
			last = err.Error()
			return false
		}
		return last == args[2]
	})
	waitResult(ts, false, ok, timeout, fmt.Sprintf("status %s = %q", args[1], args[2]), func() string {
		return fmt.Sprintf(" (last: %q)", last)
	})
}
