// Package browsertest runs a real browser for tests: Debian's headless
// Chromium, driven over the DevTools protocol with chromedp, so that a
// test of a web page (the dashboard) loads it from a real server, runs its
// real JavaScript and asserts on the DOM the user would see, and keeps
// screenshots as test artifacts.
//
// Each Browser is a fresh Chromium process with a temporary profile, run
// with --no-sandbox (the tests run as root, where Chromium's sandbox
// refuses to start) and stopped by the test's cleanup. A test can run the
// browser inside another network namespace (a glustertest node) by giving
// Options.ExecPath a wrapper that enters it.
//
// Only tests import this package.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// Chromium returns the path of the system's Chromium, stopping the test
// (skip, or fail under CI=true) when it is not installed.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Require(t, false, "chromium (browser test; apt-get install chromium)")
	return ""
}

// Options configure a Browser. The zero value is a 1280x900 window of the
// system's Chromium.
type Options struct {
	// ExecPath is the program to run instead of the system's Chromium: a
	// wrapper that runs Chromium elsewhere and passes its arguments and
	// file descriptors on.
	ExecPath string
	// NetnsPID, when set, runs the browser in the network namespace of
	// that process (a glustertest node's HolderPID), so that its
	// "127.0.0.1" is the node's loopback: the page is what a browser on
	// that node shows.
	NetnsPID int
	// Width and Height are the window's size in CSS pixels.
	Width, Height int
}

// Browser is one running Chromium with one tab.
type Browser struct {
	t   testing.TB
	ctx context.Context

	mu       sync.Mutex
	console  []string // console messages and uncaught exceptions of the page
	problems []string // the uncaught exceptions and the refusals of the CSP among them
	shots    int
}

// Start starts Chromium and opens a blank tab. The test's cleanup closes
// it.
func Start(t testing.TB, opts Options) *Browser {
	t.Helper()
	exe := opts.ExecPath
	if exe == "" {
		exe = Chromium(t)
	}
	if opts.NetnsPID != 0 {
		exe = netnsWrapper(t, opts.NetnsPID, exe)
	}
	if opts.Width == 0 {
		opts.Width, opts.Height = 1280, 900
	}
	var out lockedBuffer
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(opts.Width, opts.Height),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.CombinedOutput(&out),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	b := &Browser{t: t, ctx: ctx}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		_ = chromedp.Cancel(cctx)
		cancel()
		acancel()
		if t.Failed() {
			b.logConsole()
			if s := out.String(); s != "" {
				t.Logf("chromium output (tail):\n%s", tail(s, 40))
			}
		}
	})
	// The first action starts the browser; it must not carry a timeout
	// (that would bound the browser's life), so it is an empty one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: starting %s: %v\n%s", exe, err, tail(out.String(), 40))
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			line := fmt.Sprintf("%s %s: %s (%s:%d)", m.Time.Format("15:04:05.000"), m.Type, m.Text, m.URL, m.Line+1)
			b.mu.Lock()
			b.console = append(b.console, line)
			if m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") {
				b.problems = append(b.problems, line)
			}
			b.mu.Unlock()
		}
	}()
	return b
}

// netnsWrapper writes a script that runs exe in the network namespace of
// pid (nsenter execs, so the browser keeps the script's PID and the
// DevTools pipe's file descriptors) and returns its path.
func netnsWrapper(t testing.TB, pid int, exe string) string {
	t.Helper()
	if _, err := exec.LookPath("nsenter"); err != nil {
		testenv.Require(t, false, "nsenter (browser in a network namespace; apt-get install util-linux)")
	}
	path := filepath.Join(t.TempDir(), "chromium-in-netns")
	script := fmt.Sprintf("#!/bin/sh\nexec nsenter --net=/proc/%d/ns/net -- '%s' \"$@\"\n", pid, strings.ReplaceAll(exe, "'", `'\''`))
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return path
}

// Context is the chromedp context of the browser's tab, for actions the
// helpers here do not cover.
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs chromedp actions with a minute's bound and fails the test on an
// error.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// Navigate loads url and waits for the page's load event.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.Do("navigating to "+url, chromedp.Navigate(url))
}

// Page is a tab of either browser (a *Browser of Chromium or a
// *Firefox), for a test that runs the same steps in both.
type Page interface {
	// Navigate loads a URL and waits for the document to load.
	Navigate(url string)
	// WaitFor polls a JavaScript predicate until it holds, failing the
	// test after timeout; it returns how long the wait took.
	WaitFor(what, expr string, timeout time.Duration) time.Duration
	// EvalJSON is a JavaScript expression's value as JSON.
	EvalJSON(expr string) ([]byte, error)
	// Screenshot saves what the window shows as an artifact.
	Screenshot(name string) string
	// Problems are the page's uncaught exceptions (and CSP refusals,
	// where the browser reports them).
	Problems() []string

	fail(format string, args ...any)
}

// Eval evaluates a JavaScript expression in the page and decodes its value
// (JSON) into T, failing the test on an exception.
func Eval[T any](p Page, expr string) T {
	var v T
	b, err := p.EvalJSON(expr)
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err != nil {
		p.fail("evaluating %s: %v", expr, err)
	}
	return v
}

// EvalJSON evaluates a JavaScript expression in the page (awaiting a
// promise) and returns its value as JSON.
func (b *Browser) EvalJSON(expr string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
}

// WaitFor polls the JavaScript predicate expr in the page (on every
// animation frame) until it is true, and returns how long that took. After
// timeout it fails the test with what, the page's console and a
// screenshot.
func (b *Browser) WaitFor(what, expr string, timeout time.Duration) time.Duration {
	b.t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(b.ctx, timeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		b.Screenshot("timeout-" + what)
		b.fail("waiting %s for %s (%s): %v", timeout, what, expr, err)
	}
	return time.Since(start)
}

// Viewport resizes the page to width x height CSS pixels; mobile also
// emulates a phone (device pixel ratio 2, touch, mobile viewport rules).
func (b *Browser) Viewport(width, height int, mobile bool) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	b.Do("setting the viewport", chromedp.EmulateViewport(int64(width), int64(height), opts...))
}

// Screenshot saves a PNG of what the window shows as a test artifact
// (ArtifactDir) and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	return b.screenshot(name, chromedp.CaptureScreenshot())
}

// FullScreenshot is Screenshot of the whole page, scrolled parts included.
func (b *Browser) FullScreenshot(name string) string {
	b.t.Helper()
	return b.screenshot(name, chromedp.FullScreenshot(100))
}

func (b *Browser) screenshot(name string, shot chromedp.Action[[]byte]) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		b.t.Errorf("browsertest: screenshot %s: %v", name, err)
		return ""
	}
	b.mu.Lock()
	b.shots++
	n := b.shots
	b.mu.Unlock()
	path := filepath.Join(ArtifactDir(b.t), fmt.Sprintf("%02d-%s.png", n, safeName(name)))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("browsertest: saving screenshot: %v", err)
		return ""
	}
	b.t.Logf("screenshot %s: %s (%d bytes)", name, path, len(png))
	return path
}

// Console returns the page's console messages and uncaught exceptions so
// far.
func (b *Browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// Problems returns the page's uncaught exceptions and promise rejections,
// and the loads and scripts its Content-Security-Policy refused: what a
// page that works has none of.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

func (b *Browser) logConsole() {
	if c := b.Console(); len(c) > 0 {
		b.t.Logf("browser console:\n%s", strings.Join(c, "\n"))
	}
}

func (b *Browser) fail(format string, args ...any) {
	b.t.Helper()
	b.logConsole()
	b.t.Fatalf("browsertest: "+format, args...)
}

// ArtifactDir is the directory for the test's artifacts (screenshots):
// testing's own (t.ArtifactDir) when go test runs with -artifacts, else
// $ARTIFACTS/<test name> when ARTIFACTS is set, else a directory under
// os.TempDir() named after the test that outlives the run. Its path is
// logged.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	var dir string
	switch {
	case artifactsFlag():
		dir = t.ArtifactDir()
	case os.Getenv("ARTIFACTS") != "":
		dir = filepath.Join(os.Getenv("ARTIFACTS"), safeName(t.Name()))
	default:
		dir = filepath.Join(os.TempDir(), "gluster-eventing-artifacts", safeName(t.Name()))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: artifact dir: %v", err)
	}
	return dir
}

func artifactsFlag() bool {
	f := flag.Lookup("test.artifacts")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	on, _ := g.Get().(bool)
	return on
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_") }

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lockedBuffer collects the browser's output, written from exec's copying
// goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		return 0, errors.New("browser output over 1 MiB")
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
