package webhooks_test

// The differential test: GlusterFS's real glustereventsd (Python) and
// AppendLegacyBody must produce the same webhook body, byte for byte, for
// every datagram glustereventsd publishes.
//
// The test re-executes its own binary under
// "unshare --net --mount --propagation private", so glustereventsd's UDP
// port 55555 and the bind mounts over /var/lib/glusterd and /var/log/glusterfs
// exist only in a private namespace; parallel test packages and the host's
// Gluster are not touched. The helper (TestLegacyDiffHelper in the child)
// starts an HTTP receiver and glustereventsd, sends the corpus, and prints
// what glustereventsd POSTed as one JSON line on stdout.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/corpus"
	"github.com/gluster/gluster-eventing/webhooks"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

const (
	diffHelperEnv    = "GLUSTER_EVENTING_DIFF_HELPER"
	diffParentNSEnv  = "GLUSTER_EVENTING_DIFF_PARENT_NS"
	diffResultPrefix = "GLUSTER-EVENTING-DIFF-RESULT: "
	diffNodeID       = "9a1f3c5e-2b4d-4e6f-8a0b-1c2d3e4f5a6b"
	glustereventsd   = "/usr/sbin/glustereventsd"
	systemPython     = "/usr/bin/python3"
	// glustereventsd reads glusterd.info and webhooks.json from the
	// glusterd workdir and logs to LOG_FILE; both paths are hard-coded.
	glusterdWorkdir = "/var/lib/glusterd"
	glusterLogDir   = "/var/log/glusterfs"
	// diffTSBase: timestamps of sent corpus datagrams; probes use
	// diffProbeBase. Both are 10 digits, like the corpus's own, so the
	// rewrite keeps every datagram's length (the 8192-byte cut depends on it).
	diffTSBase    = 1796000000
	diffProbeBase = 1000000000
)

// diffDatagram is a corpus datagram as it is sent: with a unique timestamp
// when it has a plain 10-digit one, so the bodies glustereventsd POSTs (in
// any order: one thread per datagram) can be matched by "ts".
type diffDatagram struct {
	corpus.Datagram
	Sent []byte
	// TSKey is the "ts" glustereventsd would publish, as JSON text; empty
	// when it cannot publish one.
	TSKey string
}

var tenDigits = regexp.MustCompile(`^[1-9][0-9]{9}$`)

func diffDatagrams() []diffDatagram {
	var out []diffDatagram
	for i, d := range corpus.Datagrams() {
		sent := d.Raw
		trimmed := bytes.TrimLeft(d.Raw, " \t\n\r\v\f")
		tok, _, _ := bytes.Cut(trimmed, []byte(" "))
		if tenDigits.Match(tok) {
			lead := len(d.Raw) - len(trimmed)
			sent = slices.Concat(d.Raw[:lead], []byte(strconv.Itoa(diffTSBase+i)), trimmed[len(tok):])
			tok = sent[lead : lead+len(tok)]
		}
		out = append(out, diffDatagram{Datagram: d, Sent: sent, TSKey: pyIntText(string(tok))})
	}
	return out
}

// pyIntText is the JSON text of Python's int(tok) for ASCII decimal tokens
// (what glustereventsd's publish() does with the timestamp), or "".
func pyIntText(tok string) string {
	neg := strings.HasPrefix(tok, "-")
	tok = strings.TrimLeft(tok, "+-")
	if tok == "" || strings.Trim(tok, "0123456789") != "" {
		return ""
	}
	tok = strings.TrimLeft(tok, "0")
	switch {
	case tok == "":
		return "0"
	case neg:
		return "-" + tok
	}
	return tok
}

// diffPost is one request glustereventsd made to the webhook.
type diffPost struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

type diffResult struct {
	Posts     []diffPost
	IPv6      bool   // datagrams were sent alternately to [::1] and 127.0.0.1
	EventsLog string // /var/log/glusterfs/events.log
	Stderr    string
}

func TestLegacyBodyMatchesGlustereventsd(t *testing.T) {
	if os.Getenv(diffHelperEnv) != "" {
		return // the child runs only TestLegacyDiffHelper
	}
	require := func(ok bool, what string) {
		t.Helper()
		testenv.Require(t, ok, "for the differential test, "+what)
	}
	require(os.Geteuid() == 0, "root (for unshare and bind mounts)")
	for _, f := range []string{glustereventsd, systemPython} {
		_, err := os.Stat(f)
		require(err == nil, f+" (apt-get install glusterfs-server)")
	}
	for _, c := range []string{"unshare", "ip"} {
		_, err := exec.LookPath(c)
		require(err == nil, c+" on PATH")
	}
	err := exec.Command(systemPython, "-c", "import requests").Run()
	require(err == nil, "python3-requests for "+systemPython)

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--net", "--mount", "--propagation", "private",
		os.Args[0], "-test.run=^TestLegacyDiffHelper$", "-test.count=1", "-test.timeout=50s")
	parentNS, err := namespaces()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), diffHelperEnv+"=1", diffParentNSEnv+"="+parentNS)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	runErr := cmd.Run()
	var res *diffResult
	for line := range strings.Lines(stdout.String()) {
		if s, ok := strings.CutPrefix(line, diffResultPrefix); ok {
			res = new(diffResult)
			if err := json.Unmarshal([]byte(s), res); err != nil {
				t.Fatalf("helper result: %v", err)
			}
		}
	}
	if runErr != nil || res == nil {
		t.Fatalf("helper: %v\nstdout:\n%s\nstderr:\n%s", runErr, stdout.String(), stderr.String())
	}
	t.Logf("glustereventsd run took %v, %d POSTs, IPv6 [::1] used: %v", time.Since(start).Round(time.Millisecond), len(res.Posts), res.IPv6)

	// Index the POSTs by "ts".
	byTS := map[string][]diffPost{}
	for _, p := range res.Posts {
		var b struct {
			TS json.Number `json:"ts"`
		}
		if err := json.Unmarshal(p.Body, &b); err != nil {
			t.Errorf("glustereventsd posted a body encoding/json rejects: %v: %q", err, p.Body)
			continue
		}
		byTS[b.TS.String()] = append(byTS[b.TS.String()], p)
	}
	checkHeaders(t, res.Posts)

	var matched, improved, bothDrop, diverged []string
	seen := map[string]bool{}
	for _, d := range diffDatagrams() {
		posts := byTS[d.TSKey]
		if d.TSKey == "" {
			posts = nil
		}
		if d.TSKey != "" {
			if seen[d.TSKey] {
				t.Fatalf("%s: two corpus datagrams publish ts %s; matching by ts needs them unique", d.Name, d.TSKey)
			}
			seen[d.TSKey] = true
		}
		if len(posts) > 1 {
			t.Errorf("%s: glustereventsd posted %d bodies for ts %s", d.Name, len(posts), d.TSKey)
		}
		full, fullErr := gfevent.Parse(d.Sent)
		switch {
		case d.WellFormed && d.Diverges != "":
			if len(posts) == 0 {
				t.Errorf("%s: corpus says glustereventsd publishes it (and we diverge), but it did not post it", d.Name)
				continue
			}
			ours := "rejected: " + fmt.Sprint(fullErr)
			if fullErr == nil {
				ours = string(webhooks.AppendLegacyBody(nil, diffNodeID, full))
			}
			diverged = append(diverged, fmt.Sprintf("%s: python %s; ours %s (%s)", d.Name, posts[0].Body, ours, d.Diverges))
		case d.WellFormed:
			if len(posts) == 0 {
				t.Errorf("%s: corpus says glustereventsd publishes it, but it did not post it\n%s", d.Name, pythonReason(res, d))
				continue
			}
			// glustereventsd read at most 8192 bytes of the datagram.
			seenByPython := d.Sent[:min(len(d.Sent), corpus.LegacyRecvSize)]
			ev, err := gfevent.Parse(seenByPython)
			if err != nil {
				t.Errorf("%s: glustereventsd published it, our Parse rejects it: %v", d.Name, err)
				continue
			}
			want := posts[0].Body
			got := webhooks.AppendLegacyBody(nil, diffNodeID, ev)
			if !bytes.Equal(got, want) {
				t.Errorf("%s: body differs from glustereventsd's\nsent:   %s\npython: %s\nours:   %s", d.Name, clip(d.Sent), clip(want), clip(got))
				continue
			}
			if len(d.Sent) > corpus.LegacyRecvSize {
				if fullErr != nil || len(full.AppendWire(nil)) <= corpus.LegacyRecvSize {
					t.Errorf("%s: our Parse of the whole %d-byte datagram: %v", d.Name, len(d.Sent), fullErr)
				}
				improved = append(improved, fmt.Sprintf("%s: glustereventsd published only the first %d of %d bytes; we keep all", d.Name, corpus.LegacyRecvSize, len(d.Sent)))
			}
			matched = append(matched, d.Name)
		default:
			if len(posts) > 0 {
				t.Errorf("%s: corpus says glustereventsd drops it, but it posted %s", d.Name, clip(posts[0].Body))
				continue
			}
			why := pythonReason(res, d)
			if fullErr != nil {
				bothDrop = append(bothDrop, fmt.Sprintf("%s: python: %s; ours: %v", d.Name, why, fullErr))
				continue
			}
			improved = append(improved, fmt.Sprintf("%s: python: %s; ours: accepted, flags [%v]", d.Name, why, full.Flags))
		}
	}
	var unmatched []string
	for ts, ps := range byTS {
		if n, err := strconv.Atoi(ts); !seen[ts] && (err != nil || n < diffProbeBase || n >= diffProbeBase+1e6) {
			for _, p := range ps {
				unmatched = append(unmatched, string(p.Body))
			}
		}
	}
	if len(unmatched) > 0 {
		t.Errorf("glustereventsd posted bodies no corpus datagram explains:\n%s", strings.Join(unmatched, "\n"))
	}
	t.Logf("identical bodies for %d datagrams glustereventsd publishes", len(matched))
	t.Logf("glustereventsd loses or truncates, gluster-eventing accepts (%d):\n  %s", len(improved), strings.Join(improved, "\n  "))
	t.Logf("both reject (%d):\n  %s", len(bothDrop), strings.Join(bothDrop, "\n  "))
	t.Logf("glustereventsd publishes, we deliberately differ (%d):\n  %s", len(diverged), strings.Join(diverged, "\n  "))
	if t.Failed() {
		t.Logf("glustereventsd stderr:\n%s", clip([]byte(res.Stderr)))
	}
}

// checkHeaders checks the request glustereventsd makes: POST with
// Content-Type application/json and, with an empty token and secret, no
// Authorization header.
func checkHeaders(t *testing.T, posts []diffPost) {
	t.Helper()
	uas := map[string]bool{}
	for _, p := range posts {
		if p.Method != http.MethodPost || p.Path != "/hook" {
			t.Errorf("glustereventsd request %s %s, want POST /hook", p.Method, p.Path)
		}
		if ct := p.Header.Values("Content-Type"); !slices.Equal(ct, []string{"application/json"}) {
			t.Errorf("glustereventsd Content-Type %q, want [application/json]", ct)
		}
		if a := p.Header.Get("Authorization"); a != "" {
			t.Errorf("glustereventsd sent Authorization %q without token or secret", a)
		}
		uas[p.Header.Get("User-Agent")] = true
	}
	if len(posts) > 0 {
		t.Logf("glustereventsd request headers (first POST): %v; User-Agents: %v", posts[0].Header, slices.Sorted(maps.Keys(uas)))
	}
}

// pythonReason finds glustereventsd's log line about a datagram it dropped.
func pythonReason(res *diffResult, d diffDatagram) string {
	tok, _, _ := strings.Cut(strings.TrimSpace(string(d.Sent)), " ")
	if tok != "" {
		for line := range strings.Lines(res.EventsLog) {
			if i := strings.Index(line, "] - "); i >= 0 && strings.Contains(line, tok) && strings.Contains(line, "WARNING") {
				msg := strings.TrimSpace(line[i+4:])
				if m, _, ok := strings.Cut(msg, tok); ok {
					return strings.TrimSpace(m)
				}
				return msg
			}
		}
	}
	if f := strings.Fields(string(d.Sent)); len(f) > 1 && strings.Contains(res.EventsLog, "Unhandled Event: "+f[1]+"\n") {
		return "Unhandled Event: " + f[1]
	}
	return "no events.log line (an exception, traceback on stderr)"
}

func clip(b []byte) string {
	const max = 400
	if len(b) > max {
		return fmt.Sprintf("%q… (%d bytes)", b[:max], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// namespaces identifies this process's mount and network namespaces.
func namespaces() (string, error) {
	mnt, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return "", err
	}
	netns, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return "", err
	}
	return mnt + " " + netns, nil
}

// TestLegacyDiffHelper runs inside the private namespaces; it does nothing
// in a normal test run.
func TestLegacyDiffHelper(t *testing.T) {
	if os.Getenv(diffHelperEnv) != "1" {
		return
	}
	// Refuse to bind-mount over the host's directories: the parent passes
	// its namespaces, ours must differ.
	self, err := namespaces()
	if err != nil || self == "" || self == os.Getenv(diffParentNSEnv) {
		t.Fatalf("helper must run in private namespaces (ours %q, parent's %q, %v)", self, os.Getenv(diffParentNSEnv), err)
	}
	res, err := runGlustereventsd(t)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("\n%s%s\n", diffResultPrefix, b)
}

func runGlustereventsd(t *testing.T) (*diffResult, error) {
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip link set lo up: %v: %s", err, out)
	}
	tmp := t.TempDir()
	workdir := filepath.Join(tmp, "glusterd")
	logdir := filepath.Join(tmp, "log")
	bin := filepath.Join(tmp, "bin")
	for _, d := range []string{filepath.Join(workdir, "events"), logdir, bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}

	// The webhook receiver.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var (
		mu    sync.Mutex
		posts []diffPost
		last  time.Time
	)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, diffPost{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		last = time.Now()
		mu.Unlock()
	})}
	go srv.Serve(ln)
	defer srv.Close()
	count := func() (int, time.Time) {
		mu.Lock()
		defer mu.Unlock()
		return len(posts), last
	}

	files := map[string]string{
		filepath.Join(workdir, "glusterd.info"):           "UUID=" + diffNodeID + "\noperating-version=100000\n",
		filepath.Join(workdir, "events", "webhooks.json"): fmt.Sprintf(`{"http://%s/hook": {"token": "", "secret": ""}}`, ln.Addr()),
		// eventsapiconf.py runs "gluster system:: getwd" at import to find
		// the workdir; this stand-in fails, so it uses /var/lib/glusterd.
		filepath.Join(bin, "gluster"): "#!/bin/sh\nexit 1\n",
	}
	for f, c := range files {
		if err := os.WriteFile(f, []byte(c), 0o755); err != nil {
			return nil, err
		}
	}
	for src, dst := range map[string]string{workdir: glusterdWorkdir, logdir: glusterLogDir} {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return nil, err
		}
		if err := syscall.Mount(src, dst, "", syscall.MS_BIND, ""); err != nil {
			return nil, fmt.Errorf("bind-mount %s over %s: %w", src, dst, err)
		}
		defer syscall.Unmount(dst, syscall.MNT_DETACH)
	}

	// glustereventsd with the environment glustereventsd.service gives it.
	stderrFile := filepath.Join(tmp, "stderr")
	errf, err := os.Create(stderrFile)
	if err != nil {
		return nil, err
	}
	defer errf.Close()
	py := exec.Command(systemPython, glustereventsd, "--pid-file", filepath.Join(tmp, "glustereventsd.pid"))
	py.Env = []string{
		"PATH=" + bin + ":/usr/sbin:/usr/bin:/sbin:/bin",
		"PYTHONPATH=/usr/lib/python3/dist-packages",
		"LANG=C.UTF-8",
		"HOME=" + tmp,
	}
	py.Dir = tmp
	py.Stdout, py.Stderr = errf, errf
	py.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := py.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { py.Wait(); close(exited) }()
	// glustereventsd forks a webhook process; both are in the process
	// group of the one we started, and nothing else is.
	defer func() {
		syscall.Kill(-py.Process.Pid, syscall.SIGKILL)
		<-exited
	}()
	stderr := func() string { b, _ := os.ReadFile(stderrFile); return string(b) }

	send := func(addr string, b []byte) error {
		c, err := net.Dial("udp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write(b)
		return err
	}
	v4 := net.JoinHostPort("127.0.0.1", strconv.Itoa(gfevent.Port))
	v6 := net.JoinHostPort("::1", strconv.Itoa(gfevent.Port))
	// probe sends a well-formed datagram until glustereventsd posts it:
	// then the UDP server and the webhook process are both up.
	probeN := 0
	probe := func(addr string, within time.Duration) (bool, error) {
		deadline := time.Now().Add(within)
		n0, _ := count()
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				return false, fmt.Errorf("glustereventsd exited early: %s", stderr())
			default:
			}
			probeN++
			send(addr, fmt.Appendf(nil, "%d 5 name=probe", diffProbeBase+probeN))
			for range 10 {
				time.Sleep(20 * time.Millisecond)
				if n, _ := count(); n > n0 {
					return true, nil
				}
			}
		}
		return false, nil
	}
	if ok, err := probe(v4, 20*time.Second); err != nil || !ok {
		return nil, fmt.Errorf("glustereventsd never posted a probe event (err %v)\nstderr: %s", err, stderr())
	}
	ipv6, _ := probe(v6, 2*time.Second)
	time.Sleep(100 * time.Millisecond) // let stray probe POSTs arrive before we count
	n0, _ := count()

	want := 0
	for i, d := range diffDatagrams() {
		if d.WellFormed {
			want++
		}
		addr := v4
		if ipv6 && i%2 == 1 {
			addr = v6
		}
		if err := send(addr, d.Sent); err != nil {
			return nil, fmt.Errorf("send %s: %w", d.Name, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	// Wait until all expected POSTs arrived and it is quiet, or no POST
	// came for a while.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		n, at := count()
		quiet := time.Since(at)
		if (n-n0 >= want && quiet > 300*time.Millisecond) || quiet > 2*time.Second {
			break
		}
	}
	syscall.Kill(-py.Process.Pid, syscall.SIGKILL)
	<-exited
	logb, err := os.ReadFile(filepath.Join(glusterLogDir, "events.log"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	return &diffResult{Posts: posts[n0:], IPv6: ipv6, EventsLog: string(logb), Stderr: stderr()}, nil
}
