// Package dashboard is the daemon's live web page: the cluster's peers,
// volumes and bricks with their health, the webhooks' delivery health and
// the daemon's counters, and a live, filterable list of the cluster's
// events. It is what admins ran Gluster's eventsdash.py for, without a
// webhook to register and with the state table beside the events.
//
// The page is three static files embedded in the binary (no build step, no
// CDN, no framework): index.html, app.js (vanilla JavaScript, standard APIs
// only) and style.css. The page reads the daemon's own API with relative
// URLs, so it works wherever the daemon's HTTP listener is mounted:
// GET v1/state and v1/status for the tables, and the server-sent event
// stream v1/events/stream for the list. Everything updates from the
// stream: an event that can change the state table makes the page fetch
// v1/state again (coalesced), any event refreshes the webhook counters, and
// nothing is polled. The stream resumes from its last cursor after a
// disconnect, and starts again from the current state after a 410 (its
// position fell out of the journal's retention). On a 401 the page asks for
// the API token and signs in with POST v1/login.
//
// The package serves files and nothing else: the daemon mounts Handler at
// "/" next to its API.
package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
)

//go:embed static
var static embed.FS

// ContentSecurityPolicy is sent with every answer: the page loads only its
// own files and talks only to its own origin; no inline script or style,
// no frames, no plugins.
const ContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

// MaxEvents is the number of events the page keeps in its list; older
// rows are dropped as new ones arrive.
const MaxEvents = 500

// asset is one file the handler serves.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the dashboard: GET / is the page, /assets/app.js,
// /assets/style.css and /assets/favicon.svg its parts. Any other path is
// 404 and any method but GET and HEAD 405, so the handler can sit at "/"
// under a mux whose more specific patterns are the API.
func Handler() http.Handler {
	assets, err := load()
	if err != nil {
		// The files are embedded and the template is checked by the
		// package's tests: this cannot fail in a built binary.
		panic(fmt.Sprintf("dashboard: %v", err))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		a, ok := assets[r.URL.Path]
		if !ok {
			http.Error(w, "404 page not found: the dashboard is at /; the API is under /v1/", http.StatusNotFound)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.Set("Content-Type", a.contentType)
		// Revalidate every time: an upgraded daemon serves new files
		// under the same names, and the ETag makes the check cheap.
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	})
}

// load reads the embedded files and renders the page's template, keyed by
// the URL path each is served at.
func load() (map[string]asset, error) {
	page, err := renderIndex()
	if err != nil {
		return nil, err
	}
	out := map[string]asset{"/": newAsset(page, "text/html; charset=utf-8")}
	types := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
		".svg": "image/svg+xml",
	}
	err = fs.WalkDir(static, "static/assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := types[path.Ext(p)]
		if !ok {
			return fmt.Errorf("%s: no content type for its extension", p)
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(p, "static")] = newAsset(b, ct)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading embedded assets: %w", err)
	}
	return out, nil
}

func newAsset(b []byte, contentType string) asset {
	sum := sha256.Sum256(b)
	return asset{body: b, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// pageData is what index.html's template gets: the choices of the filter
// inputs, from the event catalogue, so the page offers exactly what the
// filter language accepts.
type pageData struct {
	Categories []string
	Severities []string
	Types      []string
	MaxEvents  int
}

func renderIndex() ([]byte, error) {
	tmpl, err := template.ParseFS(static, "static/index.html")
	if err != nil {
		return nil, fmt.Errorf("parsing the page template: %w", err)
	}
	var d pageData
	for _, c := range gfevent.Categories() {
		d.Categories = append(d.Categories, c.String())
	}
	for _, s := range []gfevent.Severity{gfevent.SeverityInfo, gfevent.SeverityWarning, gfevent.SeverityCritical} {
		d.Severities = append(d.Severities, s.String())
	}
	// Name patterns first (one per leading word: "BRICK_*"), then the
	// names of the events Gluster still emits.
	seen := map[string]bool{}
	var names []string
	for _, t := range gfevent.Types() {
		if t.Info().Dead {
			continue
		}
		names = append(names, t.String())
		if w, _, ok := strings.Cut(t.String(), "_"); ok && !seen[w] {
			seen[w] = true
			d.Types = append(d.Types, w+"_*")
		}
	}
	d.Types = append(d.Types, names...)
	d.MaxEvents = MaxEvents
	var b bytes.Buffer
	if err := tmpl.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("rendering the page template: %w", err)
	}
	return b.Bytes(), nil
}
