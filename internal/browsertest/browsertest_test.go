package browsertest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// page is a small page with a script that counts to 3, throws an
// uncaught error, and tries an inline script its CSP forbids.
func page(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		fmt.Fprint(w, `<!doctype html><title>t</title><p id="n">0</p><script src="/a.js"></script><script>document.title = 'inline ran'</script>`)
	})
	mux.HandleFunc("/a.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `let n = 0; const t = setInterval(() => { document.getElementById('n').textContent = String(++n); if (n === 3) { clearInterval(t); setTimeout(() => { throw new Error('boom at three'); }); } }, 50);`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestBrowser drives a real Chromium: a page loads, WaitFor sees its
// script's work, Eval decodes values, a screenshot is a PNG in the
// artifact dir, Problems reports the uncaught error and the CSP refusal,
// and WaitFor on something that never happens fails the test.
func TestBrowser(t *testing.T) {
	srv := page(t)
	b := Start(t, Options{Width: 800, Height: 600})
	b.Navigate(srv.URL)
	took := b.WaitFor("the count at 3", `document.getElementById('n').textContent === '3'`, 10*time.Second)
	if took < 100*time.Millisecond {
		t.Errorf("WaitFor returned after %s; the page needs 150 ms to count to 3", took)
	}
	if got := Eval[int](b, `Number(document.getElementById('n').textContent) * 2`); got != 6 {
		t.Errorf("Eval = %d, want 6", got)
	}
	if got := Eval[string](b, `document.title`); got != "t" {
		t.Errorf("title %q: the inline script ran despite the CSP", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(b.Problems()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	p := strings.Join(b.Problems(), "\n")
	if !strings.Contains(p, "boom at three") || !strings.Contains(p, "Content Security Policy") {
		t.Errorf("Problems() lacks the uncaught error or the CSP refusal:\n%s", p)
	}

	path := b.Screenshot("page")
	png, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot %s is not a PNG: %v", path, err)
	}
	if filepath.Dir(path) != ArtifactDir(t) {
		t.Errorf("screenshot in %s, want the artifact dir %s", filepath.Dir(path), ArtifactDir(t))
	}

	// A wait that times out fails the test, with a screenshot.
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&Browser{t: rec, ctx: b.ctx}).WaitFor("never", `false`, 200*time.Millisecond)
	}()
	<-done
	if f := rec.failures(); len(f) != 1 || !strings.Contains(f[0], "waiting 200ms for never") {
		t.Errorf("WaitFor on a predicate that never holds: failures %q, want one", f)
	}
}

// recorder is a testing.TB whose failures are recorded, not reported.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.failed...)
}
