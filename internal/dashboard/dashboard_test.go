package dashboard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h := Handler()
	tests := []struct {
		name, method, path string
		header             map[string]string
		code               int
		contentType        string
		body               []string // substrings of the body
	}{
		{name: "page", method: "GET", path: "/", code: 200, contentType: "text/html; charset=utf-8",
			body: []string{`<script src="assets/app.js" defer></script>`, `name="viewport"`, `data-max-events="500"`,
				`<option>brick</option>`, `<option value="warning">warning or worse</option>`, `<option value="BRICK_*">`, `<option value="BRICK_DISCONNECTED">`}},
		{name: "head", method: "HEAD", path: "/", code: 200, contentType: "text/html; charset=utf-8"},
		{name: "script", method: "GET", path: "/assets/app.js", code: 200, contentType: "text/javascript; charset=utf-8",
			body: []string{"'use strict';", "v1/events/stream"}},
		{name: "style", method: "GET", path: "/assets/style.css", code: 200, contentType: "text/css; charset=utf-8", body: []string{".health-down"}},
		{name: "icon", method: "GET", path: "/assets/favicon.svg", code: 200, contentType: "image/svg+xml", body: []string{"<svg"}},
		{name: "unknown path", method: "GET", path: "/nope", code: 404, body: []string{"the dashboard is at /"}},
		{name: "index by name", method: "GET", path: "/index.html", code: 404},
		{name: "asset dir", method: "GET", path: "/assets/", code: 404},
		{name: "post", method: "POST", path: "/", code: 405},
		{name: "revalidated", method: "GET", path: "/assets/app.js", header: map[string]string{"If-None-Match": etagOf(t, h, "/assets/app.js")}, code: 304},
		{name: "stale etag", method: "GET", path: "/assets/app.js", header: map[string]string{"If-None-Match": `"0"`}, code: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			if res.StatusCode != tt.code {
				t.Fatalf("%s %s: %d, want %d\n%s", tt.method, tt.path, res.StatusCode, tt.code, rec.Body)
			}
			if got := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(got, "default-src 'self';") || strings.Contains(got, "unsafe") {
				t.Errorf("Content-Security-Policy = %q", got)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if tt.code == 405 && res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", res.Header.Get("Allow"))
			}
			if tt.contentType != "" {
				if got := res.Header.Get("Content-Type"); got != tt.contentType {
					t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
				}
				if res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") != "no-cache" {
					t.Errorf("ETag %q, Cache-Control %q", res.Header.Get("ETag"), res.Header.Get("Cache-Control"))
				}
			}
			if tt.method == "HEAD" && rec.Body.Len() != 0 {
				t.Errorf("HEAD has a body of %d bytes", rec.Body.Len())
			}
			for _, s := range tt.body {
				if !strings.Contains(rec.Body.String(), s) {
					t.Errorf("body lacks %q", s)
				}
			}
		})
	}
}

func etagOf(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	e := rec.Result().Header.Get("ETag")
	if e == "" {
		t.Fatalf("%s has no ETag", path)
	}
	return e
}

// TestNoInlineCode checks what the Content-Security-Policy would block in
// a browser: the page has no inline script, style or event handler, and
// loads nothing from another origin.
func TestNoInlineCode(t *testing.T) {
	page, err := renderIndex()
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " onload=", " onsubmit=", "http://", "https://", "javascript:"} {
		if strings.Contains(s, bad) {
			t.Errorf("index.html contains %q", bad)
		}
	}
	for _, bad := range []string{"http://", "https://", "eval(", "new Function", "innerHTML", "document.write"} {
		js, err := static.ReadFile("static/assets/app.js")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(js), bad) {
			t.Errorf("app.js contains %q", bad)
		}
	}
}
