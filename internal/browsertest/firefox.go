package browsertest

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// FirefoxPath returns the path of the system's Firefox (Debian's
// firefox-esr), stopping the test (skip, or fail under CI=true) when it is
// not installed.
func FirefoxPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Require(t, false, "firefox-esr (browser test; apt-get install firefox-esr)")
	return ""
}

// Firefox is one running headless Firefox with one tab, driven over
// WebDriver BiDi, the W3C protocol Firefox speaks natively (no
// geckodriver): a JSON command per WebSocket message, its answer by id,
// and events (the console) in between.
type Firefox struct {
	t       testing.TB
	conn    *websocket.Conn
	tab     string // the browsing context
	readErr chan error

	mu       sync.Mutex
	nextID   int
	pending  map[int]chan bidiReply
	console  []string
	problems []string
	shots    int
}

type bidiReply struct {
	Type    string          `json:"type"` // "success" or "error"
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// StartFirefox starts Firefox with a fresh profile and opens a session.
// The test's cleanup closes it (its whole process group). Options.NetnsPID
// is not supported.
func StartFirefox(t testing.TB, opts Options) *Firefox {
	t.Helper()
	exe := opts.ExecPath
	if exe == "" {
		exe = FirefoxPath(t)
	}
	if opts.Width == 0 {
		opts.Width, opts.Height = 1280, 900
	}
	profile := t.TempDir()
	// What an automated run wants beside the protocol's own recommended
	// preferences: no first-run pages, no update or telemetry traffic.
	prefs := strings.Join([]string{
		`user_pref("browser.shell.checkDefaultBrowser", false);`,
		`user_pref("browser.startup.homepage_override.mstone", "ignore");`,
		`user_pref("datareporting.policy.dataSubmissionEnabled", false);`,
		`user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);`,
		`user_pref("app.update.disabledForTesting", true);`,
		`user_pref("network.captive-portal-service.enabled", false);`,
		`user_pref("network.connectivity-service.enabled", false);`,
		`user_pref("network.proxy.type", 0);`,
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(prefs), 0o644); err != nil {
		t.Fatalf("browsertest: firefox profile: %v", err)
	}
	cmd := exec.Command(exe, "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port", "0",
		"--width", fmt.Sprint(opts.Width), "--height", fmt.Sprint(opts.Height), "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1", "HOME="+profile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its content processes go with it
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = nil
	var out lockedBuffer
	if err := cmd.Start(); err != nil {
		t.Fatalf("browsertest: starting %s: %v", exe, err)
	}
	exited := make(chan struct{})
	wsURL := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			out.Write([]byte(line + "\n"))
			if m := bidiListening.FindStringSubmatch(line); m != nil {
				select {
				case wsURL <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		cmd.Wait()
		close(exited)
	}()
	f := &Firefox{t: t, pending: map[int]chan bidiReply{}, readErr: make(chan error, 1)}
	t.Cleanup(func() {
		if f.conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, _ = f.call(ctx, "browser.close", struct{}{})
			cancel()
			f.conn.CloseNow()
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
		// Whatever is left of the process group this test started.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		if t.Failed() {
			f.logConsole()
			t.Logf("firefox output (tail):\n%s", tail(out.String(), 40))
		}
	})
	var u string
	select {
	case u = <-wsURL:
	case <-exited:
		t.Fatalf("browsertest: %s exited before it listened: %s", exe, tail(out.String(), 40))
	case <-time.After(60 * time.Second):
		t.Fatalf("browsertest: %s did not start WebDriver BiDi within a minute: %s", exe, tail(out.String(), 40))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f.conn, _, err = websocket.Dial(ctx, u+"/session", nil)
	if err != nil {
		t.Fatalf("browsertest: connecting to firefox at %s: %v", u, err)
	}
	f.conn.SetReadLimit(256 << 20) // screenshots
	go f.readLoop()
	if _, err := f.call(ctx, "session.new", map[string]any{"capabilities": map[string]any{}}); err != nil {
		t.Fatalf("browsertest: firefox session.new: %v", err)
	}
	if _, err := f.call(ctx, "session.subscribe", map[string]any{"events": []string{"log.entryAdded"}}); err != nil {
		t.Fatalf("browsertest: firefox session.subscribe: %v", err)
	}
	tree, err := f.call(ctx, "browsingContext.getTree", map[string]any{})
	if err != nil {
		t.Fatalf("browsertest: firefox browsingContext.getTree: %v", err)
	}
	var contexts struct {
		Contexts []struct{ Context string } `json:"contexts"`
	}
	if err := json.Unmarshal(tree, &contexts); err != nil || len(contexts.Contexts) == 0 {
		t.Fatalf("browsertest: firefox has no tab: %s (%v)", tree, err)
	}
	f.tab = contexts.Contexts[0].Context
	return f
}

// call sends a BiDi command and waits for its answer.
func (f *Firefox) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	f.mu.Lock()
	f.nextID++
	id := f.nextID
	ch := make(chan bidiReply, 1)
	f.pending[id] = ch
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.pending, id)
		f.mu.Unlock()
	}()
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	if err := f.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Type == "error" {
			return nil, fmt.Errorf("%s: %s: %s", method, r.Error, r.Message)
		}
		return r.Result, nil
	case err := <-f.readErr:
		f.readErr <- err
		return nil, fmt.Errorf("%s: the connection to firefox broke: %w", method, err)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (f *Firefox) readLoop() {
	for {
		_, data, err := f.conn.Read(context.Background())
		if err != nil {
			f.readErr <- err
			return
		}
		var m struct {
			ID     *int            `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			bidiReply
		}
		if err := json.Unmarshal(data, &m); err != nil {
			continue
		}
		if m.ID != nil {
			f.mu.Lock()
			ch := f.pending[*m.ID]
			f.mu.Unlock()
			if ch != nil {
				ch <- m.bidiReply
			}
			continue
		}
		if m.Method == "log.entryAdded" {
			var e struct {
				Type, Level, Text string
				Timestamp         int64
			}
			json.Unmarshal(m.Params, &e)
			line := fmt.Sprintf("%s %s %s: %s", time.UnixMilli(e.Timestamp).Format("15:04:05.000"), e.Type, e.Level, e.Text)
			f.mu.Lock()
			f.console = append(f.console, line)
			if e.Type == "javascript" && e.Level == "error" {
				f.problems = append(f.problems, line)
			}
			f.mu.Unlock()
		}
	}
}

// Navigate loads url and waits until the document is complete.
func (f *Firefox) Navigate(url string) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := f.call(ctx, "browsingContext.navigate", map[string]any{"context": f.tab, "url": url, "wait": "complete"}); err != nil {
		f.fail("navigating to %s: %v", url, err)
	}
}

// EvalJSON evaluates a JavaScript expression in the page and returns its
// value as JSON (a promise is awaited).
func (f *Firefox) EvalJSON(expr string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.call(ctx, "script.evaluate", map[string]any{
		"expression":   "(async () => JSON.stringify(await (" + expr + ")))()",
		"target":       map[string]string{"context": f.tab},
		"awaitPromise": true,
	})
	if err != nil {
		return nil, err
	}
	var r struct {
		Type   string `json:"type"`
		Result struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return nil, fmt.Errorf("script.evaluate: %w: %s", err, res)
	}
	if r.Type == "exception" {
		return nil, fmt.Errorf("%s: %s", expr, r.ExceptionDetails.Text)
	}
	if r.Result.Type != "string" {
		return nil, fmt.Errorf("%s: its value does not encode as JSON (%s)", expr, r.Result.Type)
	}
	return []byte(r.Result.Value), nil
}

// WaitFor polls the JavaScript predicate expr in the page every 20 ms
// until it is true, and returns how long that took. After timeout it fails
// the test with what, the console and a screenshot.
func (f *Firefox) WaitFor(what, expr string, timeout time.Duration) time.Duration {
	f.t.Helper()
	start := time.Now()
	var last error
	for time.Since(start) < timeout {
		v, err := f.EvalJSON("Boolean(" + expr + ")")
		if err == nil && string(v) == "true" {
			return time.Since(start)
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	f.Screenshot("timeout-" + what)
	f.fail("waiting %s for %s (%s): last error %v", timeout, what, expr, last)
	return 0
}

// Screenshot saves a PNG of what the window shows as a test artifact and
// returns its path.
func (f *Firefox) Screenshot(name string) string {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.call(ctx, "browsingContext.captureScreenshot", map[string]any{"context": f.tab})
	var r struct{ Data string }
	if err == nil {
		err = json.Unmarshal(res, &r)
	}
	png, derr := base64.StdEncoding.DecodeString(r.Data)
	if err = errors.Join(err, derr); err != nil {
		f.t.Errorf("browsertest: firefox screenshot %s: %v", name, err)
		return ""
	}
	f.mu.Lock()
	f.shots++
	n := f.shots
	f.mu.Unlock()
	path := filepath.Join(ArtifactDir(f.t), fmt.Sprintf("firefox-%02d-%s.png", n, safeName(name)))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		f.t.Errorf("browsertest: saving screenshot: %v", err)
		return ""
	}
	f.t.Logf("screenshot %s: %s (%d bytes)", name, path, len(png))
	return path
}

// Problems returns the page's uncaught exceptions and unhandled promise
// rejections.
func (f *Firefox) Problems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.problems...)
}

func (f *Firefox) logConsole() {
	f.mu.Lock()
	c := append([]string(nil), f.console...)
	f.mu.Unlock()
	if len(c) > 0 {
		f.t.Logf("firefox console:\n%s", strings.Join(c, "\n"))
	}
}

func (f *Firefox) fail(format string, args ...any) {
	f.t.Helper()
	f.logConsole()
	f.t.Fatalf("browsertest: firefox: "+format, args...)
}

// Both browsers are Pages.
var (
	_ Page = (*Browser)(nil)
	_ Page = (*Firefox)(nil)
)
