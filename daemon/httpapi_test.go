package daemon

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/eventlog"
	"github.com/gluster/gluster-eventing/internal/hub"
	"github.com/gluster/gluster-eventing/internal/journal"
)

// muxPatterns returns the patterns of every mux.Handle and mux.HandleFunc
// call with a literal pattern in the daemon's (non-test) source: the
// routes the API serves.
func muxPatterns(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "mux" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: mux route with a pattern that is not a literal: the OpenAPI check cannot see it", fset.Position(call.Pos()))
				return true
			}
			p, _ := strconv.Unquote(lit.Value)
			out = append(out, p)
			return true
		})
	}
	return out
}

// TestRoutesDocumented: every route the daemon's mux registers is in the
// served OpenAPI document with its method, and the document has no route
// the mux lacks.
func TestRoutesDocumented(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, p := range muxPatterns(t) {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "GET", p // a pattern without a method: documented as its GET
		}
		served[method+" "+path] = true
	}
	if len(served) < 10 {
		t.Fatalf("found only %d routes in the source: %v", len(served), served)
	}
	for r := range served {
		if !documented[r] {
			t.Errorf("route %s is served but not in internal/api/openapi.json (add it to the table in internal/api/openapi_test.go, then go test ./internal/api -run TestOpenAPI -update)", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("openapi.json documents %s, which the daemon does not serve", r)
		}
	}
}

func TestPublicRoute(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		public       bool
	}{
		{"GET", "/", true},
		{"GET", "/assets/app.js", true},
		{"GET", "/openapi.json", true},
		{"POST", "/v1/login", true},
		{"POST", "/v1/logout", true},
		{"GET", "/v1/login", false},
		{"GET", "/v1/status", false},
		{"GET", "/v1/events/stream", false},
		{"GET", "/metrics", false},
		{"POST", "/", false},
		{"GET", "/v1", false},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		if got := publicRoute(r); got != tc.public {
			t.Errorf("publicRoute(%s %s) = %v, want %v", tc.method, tc.path, got, tc.public)
		}
	}
}

func TestLocalHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:55556": true, "localhost:55556": true, "[::1]:80": true, "127.0.0.2": true, "localhost": true,
		"evil.example:55556": false, "10.0.0.1:55556": false, "": false, "[::ffff:127.0.0.1]:1": true,
	} {
		if got := localHost(host); got != want {
			t.Errorf("localHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestAuth drives the TCP listener's guard: with a token, the header or
// the login cookie let a request through and nothing else does; without
// one, reads pass and changes are refused, and a Host that is not
// loopback (DNS rebinding) is refused.
func TestAuth(t *testing.T) {
	const tok = "0123456789abcdef-token"
	d := &Daemon{log: slog.New(slog.DiscardHandler)}
	mux := http.NewServeMux()
	d.loginRoutes(mux)
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "status") })
	mux.HandleFunc("POST /v1/reload", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "reloaded") })
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page") })

	do := func(a *httpAuth, method, target, host string, hdr map[string]string, body string) *httptest.ResponseRecorder {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r := httptest.NewRequest(method, target, rd)
		r.Host = host
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		a.wrap(mux).ServeHTTP(w, r)
		return w
	}
	withToken := &httpAuth{token: tok, log: d.log}
	for _, tc := range []struct {
		name   string
		method string
		path   string
		host   string
		hdr    map[string]string
		code   int
	}{
		{"no token", "GET", "/v1/status", "10.0.0.5:55556", nil, 401},
		{"bearer", "GET", "/v1/status", "10.0.0.5:55556", map[string]string{"Authorization": "Bearer " + tok}, 200},
		{"wrong bearer", "GET", "/v1/status", "10.0.0.5:55556", map[string]string{"Authorization": "Bearer " + tok + "x"}, 401},
		{"token as cookie", "GET", "/v1/status", "10.0.0.5:55556", map[string]string{"Cookie": sessionCookie + "=" + tok}, 401},
		{"session cookie", "GET", "/v1/status", "10.0.0.5:55556", map[string]string{"Cookie": sessionCookie + "=" + withToken.session()}, 200},
		{"change with bearer", "POST", "/v1/reload", "10.0.0.5:55556", map[string]string{"Authorization": "Bearer " + tok}, 200},
		{"dashboard page", "GET", "/", "10.0.0.5:55556", nil, 200},
		{"token in the URL", "GET", "/v1/status?token=" + tok, "10.0.0.5:55556", nil, 401},
	} {
		if w := do(withToken, tc.method, tc.path, tc.host, tc.hdr, ""); w.Code != tc.code {
			t.Errorf("with a token, %s: HTTP %d, want %d: %s", tc.name, w.Code, tc.code, w.Body)
		}
	}

	// Login sets the session cookie; a wrong token sets none.
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	w := do(withToken, "POST", "/v1/login", "10.0.0.5:55556", form, "token="+url.QueryEscape(tok))
	c := w.Result().Cookies()
	if w.Code != 200 || len(c) != 1 || c[0].Value != withToken.session() || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("login: HTTP %d, cookies %+v", w.Code, c)
	}
	if strings.Contains(w.Body.String(), tok) || strings.Contains(c[0].Value, tok) {
		t.Fatal("login answer carries the token")
	}
	start := time.Now()
	w = do(withToken, "POST", "/v1/login", "10.0.0.5:55556", form, "token=wrong")
	if w.Code != 401 || len(w.Result().Cookies()) != 0 || time.Since(start) < 400*time.Millisecond {
		t.Fatalf("wrong login: HTTP %d, cookies %v, after %s (want 401, none, slowed down)", w.Code, w.Result().Cookies(), time.Since(start))
	}

	open := &httpAuth{log: d.log}
	for _, tc := range []struct {
		name, method, path, host string
		code                     int
	}{
		{"read", "GET", "/v1/status", "127.0.0.1:55556", 200},
		{"change", "POST", "/v1/reload", "127.0.0.1:55556", 403},
		{"rebinding", "GET", "/v1/status", "evil.example:55556", 421},
		{"login", "POST", "/v1/login", "localhost:55556", 200},
	} {
		if w := do(open, tc.method, tc.path, tc.host, nil, ""); w.Code != tc.code {
			t.Errorf("without a token, %s: HTTP %d, want %d: %s", tc.name, w.Code, tc.code, w.Body)
		}
	}
}

// TestParseSelection: the query parameters become one filter expression
// (same key ORs, keys AND, ! excludes), since becomes a cursor, and a bad
// value is a 400 that says what is wrong.
func TestParseSelection(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	const node = "3f2a9c1e-0000-4000-8000-000000000001"
	d := &Daemon{nodeID: node, cluster: config.DefaultCluster(), journal: j}
	d.cluster.Channels = map[string]config.Channel{"alerts": {Filter: "category:brick severity:warning"}}
	d.events = eventlog.Local(j, node)
	d.hub = hub.New(d.events, hub.Options{})
	epoch8 := j.Epoch()[:8]
	for _, tc := range []struct {
		query, lastEventID string
		expr, cursor       string // want; "" expr is every event
		origin             string
		bad                string // the 400's message contains it
	}{
		{query: "", cursor: "3f2a9c1e." + epoch8 + ".0"},
		{query: "type=VOLUME_START,VOLUME_STOP", expr: "VOLUME_START VOLUME_STOP"},
		{query: "category=brick&severity=warning&volume=gv0", expr: "category:brick severity:warning volume:gv0"},
		{query: "type=VOLUME_*&type=!VOLUME_SET&filter=volume:gv1", expr: "VOLUME_* !VOLUME_SET volume:gv1"},
		{query: "scope=local", origin: node},
		{query: "scope=cluster"},
		{query: "since=start", cursor: "3f2a9c1e." + epoch8 + ".0"},
		{query: "since=0", cursor: "3f2a9c1e." + epoch8 + ".0"},
		{query: "since=10m", cursor: "3f2a9c1e." + epoch8 + ".0"},
		{query: "since=2026-01-02T03:04:05Z", cursor: "3f2a9c1e." + epoch8 + ".0"},
		{query: "since=9", lastEventID: "3f2a9c1e." + epoch8 + ".0", cursor: "3f2a9c1e." + epoch8 + ".0"},
		{query: "type=NO_SUCH_EVENT", bad: "NO_SUCH_EVENT"},
		{query: "severity=loud", bad: "loud"},
		{query: "scope=everywhere", bad: "scope"},
		{query: "since=yesterday", bad: "since"},
		{query: "since=-5m", bad: "negative"},
		{query: "channel=nope", bad: "nope"},
		{query: "channel=alerts", expr: "channel:alerts"},
	} {
		q, _ := url.ParseQuery(tc.query)
		sel, err := d.parseSelection(q, tc.lastEventID)
		if tc.bad != "" {
			br, ok := err.(*badRequest)
			if !ok || !strings.Contains(br.msg, tc.bad) {
				t.Errorf("%q: error %v, want a bad request about %q", tc.query, err, tc.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.query, err)
			continue
		}
		if sel.expr != tc.expr || sel.opts.Origin != tc.origin {
			t.Errorf("%q: expr %q origin %q, want %q %q", tc.query, sel.expr, sel.opts.Origin, tc.expr, tc.origin)
		}
		if tc.cursor != "" && sel.cursor.String() != tc.cursor {
			// "9" binds to the local origin at Subscribe; a
			// Last-Event-ID wins over since.
			t.Errorf("%q: cursor %q, want %q", tc.query, sel.cursor, tc.cursor)
		}
	}
}

func TestParseWaitAndLimit(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "30s": 30 * time.Second, "2": 2 * time.Second, "1h": maxWait, "0.5": 500 * time.Millisecond} {
		got, err := parseWait(url.Values{"wait": {in}})
		if in == "" {
			got, err = parseWait(url.Values{})
		}
		if err != nil || got != want {
			t.Errorf("wait %q = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"soon", "-1s"} {
		if _, err := parseWait(url.Values{"wait": {bad}}); err == nil {
			t.Errorf("wait %q accepted", bad)
		}
	}
	for in, want := range map[string]int{"": 100, "5": 5, "999999": maxEventsLimit} {
		q := url.Values{}
		if in != "" {
			q.Set("limit", in)
		}
		if got, err := parseLimit(q, 100); err != nil || got != want {
			t.Errorf("limit %q = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "-3", "many"} {
		if _, err := parseLimit(url.Values{"limit": {bad}}, 100); err == nil {
			t.Errorf("limit %q accepted", bad)
		}
	}
}
