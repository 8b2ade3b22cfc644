package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite openapi.json from the route table and the wire types")

// The OpenAPI document is generated from the route table below and the
// wire types of this package (their field comments become descriptions),
// so it cannot drift from the code: TestOpenAPI fails when the committed
// openapi.json differs from what the types say, and the daemon's
// TestRoutesDocumented fails when the mux and the table disagree. After
// changing either: go test ./internal/api -run TestOpenAPI -update.

// param is a query, path or header parameter.
type param struct {
	name, in, typ, desc string
}

// resp is one answer of a route: a status, what it means and the type of
// its JSON body (nil: none or not JSON; contentType says what then).
type resp struct {
	code        string
	desc        string
	body        any
	contentType string
}

type route struct {
	method, path, summary, desc string
	params                      []param
	responses                   []resp
	// public routes need no token on the TCP listener.
	public bool
}

// selection are the parameters that select events, everywhere.
var selection = []param{
	{"since", "query", "string", "Where to start: a cursor (an event's `cursor`, an SSE id), a local seq N or EPOCH-N, an RFC 3339 time, a duration ago (`10m`), `start` (the oldest retained event) or `now` (the default: events after the current end)."},
	{"type", "query", "string", "Event names, comma separated: globs (`VOLUME_*`) or Gluster's dotted spelling (`Volume.*`); `!NAME` excludes."},
	{"category", "query", "string", "Subsystems (volume, brick, peer, quorum, georep, quota, snapshot, ...), comma separated."},
	{"severity", "query", "string", "Minimum severity (info, notice, warning, error, critical)."},
	{"volume", "query", "string", "Volume names (globs), comma separated."},
	{"node", "query", "string", "Origin nodes: glusterd UUIDs or prefixes, comma separated."},
	{"channel", "query", "string", "A channel of the cluster config ([channels.NAME])."},
	{"filter", "query", "string", "A whole filter expression; ANDed with the other parameters. See gluster-eventing.toml(5)."},
	{"scope", "query", "string", "`cluster` (the default: every node's events) or `local` (this node's only)."},
}

var (
	errBody  = map[string]string{}
	badReq   = resp{"400", "A parameter is invalid; `error` says which and `hint` how to fix it.", errBody, ""}
	goneResp = resp{"410", "The cursor fell out of retention or names a journal that was replaced; `oldest` is the oldest position available. Re-read GET /v1/state, then resume from `oldest`.", Gone{}, ""}
	busy     = resp{"503", "The daemon serves as many streams and long polls as it will (1024); retry after Retry-After seconds.", errBody, ""}
	unauth   = resp{"401", "The TCP listener requires the bearer token (Authorization header or the session cookie of POST /v1/login).", errBody, ""}
)

func routes() []route {
	return []route{
		{method: "GET", path: "/v1/status", summary: "The daemon's status",
			desc:      "Counters, journal, webhooks, config, the cluster state table and the streams: what `gluster-eventing status --json` prints.",
			responses: []resp{{"200", "The status.", Status{}, ""}}},
		{method: "GET", path: "/v1/webhooks", summary: "Webhook delivery health",
			responses: []resp{{"200", "One entry per webhook.", []Webhook{}, ""}}},
		{method: "POST", path: "/v1/reload", summary: "Reload both config files",
			desc: "Applies the node and cluster config as SIGHUP does and returns once applied. Not accepted on a TCP listener without a token.",
			responses: []resp{{"200", "Applied.", ReloadResult{}, ""},
				{"422", "The new config is invalid; the running one stays.", ReloadResult{}, ""}}},
		{method: "GET", path: "/v1/webhooks/{id}/dead-letters", summary: "A webhook's dead letters",
			params: []param{{"id", "path", "string", "The webhook's id."}},
			responses: []resp{{"200", "The dead letters, with their events counted by name.", DeadLetters{}, ""},
				{"404", "No webhook with that id.", errBody, ""}}},
		{method: "POST", path: "/v1/webhooks/{id}/replay", summary: "Send a webhook's events again",
			params: []param{{"id", "path", "string", "The webhook's id."},
				{"since", "query", "integer", "Journal seq to replay from."},
				{"since_time", "query", "string", "RFC 3339 time to replay from."},
				{"dead_letters", "query", "boolean", "Replay the dead letters."}},
			responses: []resp{{"200", "The replay is queued.", Replayed{}, ""}, badReq,
				{"404", "No webhook with that id.", errBody, ""},
				{"410", "The seq fell out of retention.", errBody, ""}}},
		{method: "GET", path: "/v1/notifiers", summary: "Notifier delivery health",
			desc:      "The notifiers (exec, email, snmp) of the cluster config as this node's daemon delivers them.",
			responses: []resp{{"200", "One entry per notifier.", []Notifier{}, ""}}},
		{method: "GET", path: "/v1/notifiers/{id}/dead-letters", summary: "A notifier's dead letters",
			desc:   "As for webhooks; `url` is the notifier's target.",
			params: []param{{"id", "path", "string", "The notifier's id."}},
			responses: []resp{{"200", "The dead letters, with their events counted by name.", DeadLetters{}, ""},
				{"404", "No notifier with that id.", errBody, ""}}},
		{method: "POST", path: "/v1/notifiers/{id}/replay", summary: "Send a notifier's events again",
			params: []param{{"id", "path", "string", "The notifier's id."},
				{"since", "query", "integer", "Journal seq to replay from."},
				{"since_time", "query", "string", "RFC 3339 time to replay from."},
				{"dead_letters", "query", "boolean", "Replay the dead letters."}},
			responses: []resp{{"200", "The replay is queued.", Replayed{}, ""}, badReq,
				{"404", "No notifier with that id.", errBody, ""},
				{"410", "The seq fell out of retention.", errBody, ""}}},
		{method: "GET", path: "/v1/state", summary: "The cluster's state: peers, volumes, bricks",
			desc:      "The snapshot of list+watch. `X-Gluster-Eventing-Cursor` is the event position just before it: follow the stream from there and nothing is missed.",
			params:    []param{},
			responses: []resp{{"200", "The state table. Headers: X-Gluster-Eventing-Cursor (stream cursor), X-Gluster-Eventing-Seq and X-Gluster-Eventing-Epoch (this node's journal).", State{}, ""}}},
		{method: "POST", path: "/v1/state/refresh", summary: "Reconcile the state with glusterd now",
			responses: []resp{{"200", "The state table afterwards.", State{}, ""},
				{"503", "glusterd did not answer; `error` says why.", errBody, ""}}},
		{method: "GET", path: "/v1/events", summary: "Events after a position",
			desc: "Up to `limit` events after `since`, in order per origin node. With `wait`, a long poll: the answer comes as soon as there is an event, or when `wait` has passed (with none). Ask again from `next`; without `wait`, a page can be empty while `next` moved past events that did not match.",
			params: append(slices.Clone(selection),
				param{"limit", "query", "integer", "At most this many events (default 100, at most 10000)."},
				param{"wait", "query", "string", "Wait up to this long (`30s`, or seconds; at most 5m) when there is nothing yet."}),
			responses: []resp{{"200", "The events and the cursor to continue from.", Events{}, ""}, badReq, goneResp, busy}},
		{method: "GET", path: "/v1/events/stream", summary: "Server-Sent Events stream",
			desc: "Each event as `id: <cursor after it>`, `event: <NAME>`, `data: <Event JSON>`; `retry: 5000` first and a `: keepalive` comment every 15 s. A `Last-Event-ID` header resumes (and wins over `since`). A client that does not read what it is sent for 10 s is disconnected and counted. A cursor that falls out of retention mid-stream ends it with `event: gone` (data: Gone).",
			params: append(slices.Clone(selection),
				param{"Last-Event-ID", "header", "string", "The id of the last event received: resume after it."}),
			responses: []resp{{"200", "The stream.", nil, "text/event-stream"}, badReq, goneResp, busy}},
		{method: "GET", path: "/v1/events/ws", summary: "WebSocket event stream",
			desc:      "Upgrade to a WebSocket. With selection parameters in the URL the stream starts at once; otherwise send `{\"op\":\"subscribe\",\"since\":...,\"filter\":...,\"channel\":...}` (the parameters as fields) within 30 s; a later subscribe replaces the subscription. The server sends `{\"type\":\"subscribed\",\"cursor\",\"filter\"}`, `{\"type\":\"event\",\"event\":Event}`, `{\"type\":\"gone\",\"error\",\"oldest\"}` and `{\"type\":\"error\",\"error\",\"hint\"}`, and pings every 15 s when idle.",
			params:    slices.Clone(selection),
			responses: []resp{{"101", "Switching to the WebSocket protocol.", nil, ""}, badReq, goneResp, busy}},
		{method: "POST", path: "/v1/login", summary: "Log a browser in", public: true,
			desc:      "Form body `token=<the token>`: sets the HttpOnly, SameSite=Strict session cookie that the TCP listener accepts instead of an Authorization header (EventSource cannot send one). Tokens never go in URLs.",
			responses: []resp{{"200", "Logged in (`auth` is `token`), or no token is needed (`none`).", Login{}, ""}, {"401", "Wrong token.", errBody, ""}}},
		{method: "POST", path: "/v1/logout", summary: "Clear the session cookie", public: true,
			responses: []resp{{"200", "Logged out.", Login{}, ""}}},
		{method: "GET", path: "/metrics", summary: "Prometheus metrics",
			responses: []resp{{"200", "The text exposition format.", nil, "text/plain"}}},
		{method: "GET", path: "/openapi.json", summary: "This document", public: true,
			responses: []resp{{"200", "The OpenAPI 3.1 document.", nil, "application/json"}}},
		{method: "GET", path: "/", summary: "The dashboard", public: true,
			desc:      "The live dashboard page; its files are under /assets/.",
			responses: []resp{{"200", "The page.", nil, "text/html"}}},
	}
}

// fieldDocs maps "Type.Field" to the field's doc comment in this package.
func fieldDocs(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	docs := map[string]string{}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, fld := range st.Fields.List {
				text := strings.TrimSpace(fld.Doc.Text())
				if text == "" {
					text = strings.TrimSpace(fld.Comment.Text())
				}
				for _, name := range fld.Names {
					docs[ts.Name.Name+"."+name.Name] = strings.Join(strings.Fields(text), " ")
				}
			}
			return false
		})
	}
	return docs
}

type schemaGen struct {
	docs    map[string]string
	schemas map[string]any
}

var timeType = reflect.TypeFor[time.Time]()

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Struct:
		name := t.Name()
		if _, ok := g.schemas[name]; !ok {
			g.schemas[name] = nil // recursion guard
			g.schemas[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return map[string]any{"type": "integer"}
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if doc := g.docs[t.Name()+"."+f.Name]; doc != "" {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}, "description": doc}
			} else {
				s["description"] = doc
			}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			required = append(required, name)
		}
	}
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		slices.Sort(required)
		o["required"] = required
	}
	return o
}

// document builds the OpenAPI document.
func document(t *testing.T) []byte {
	t.Helper()
	g := &schemaGen{docs: fieldDocs(t), schemas: map[string]any{}}
	g.schemas["Error"] = map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{
		"error": map[string]any{"type": "string", "description": "What went wrong."},
		"hint":  map[string]any{"type": "string", "description": "How to fix it, when there is a known way."},
	}}
	paths := map[string]map[string]any{}
	for _, r := range routes() {
		op := map[string]any{"summary": r.summary, "operationId": opID(r)}
		if r.desc != "" {
			op["description"] = r.desc
		}
		if r.public {
			op["security"] = []any{}
		}
		var params []any
		for _, p := range r.params {
			params = append(params, map[string]any{"name": p.name, "in": p.in, "description": p.desc,
				"required": p.in == "path", "schema": map[string]any{"type": p.typ}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		responses := map[string]any{}
		for _, rs := range append(r.responses, unauthFor(r)...) {
			a := map[string]any{"description": rs.desc}
			switch {
			case rs.body != nil:
				s := g.schema(reflect.TypeOf(rs.body))
				if _, ok := rs.body.(map[string]string); ok {
					s = map[string]any{"$ref": "#/components/schemas/Error"}
				}
				a["content"] = map[string]any{"application/json": map[string]any{"schema": s}}
			case rs.contentType != "":
				a["content"] = map[string]any{rs.contentType: map[string]any{"schema": map[string]any{"type": "string"}}}
			}
			responses[rs.code] = a
		}
		op["responses"] = responses
		if paths[r.path] == nil {
			paths[r.path] = map[string]any{}
		}
		paths[r.path][strings.ToLower(r.method)] = op
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "gluster-eventing HTTP API",
			"version": "1",
			"description": "The API of the gluster-eventing daemon, on its unix socket (api_socket, no authentication: the socket's mode decides) " +
				"and on its TCP listener ([http] listen: loopback by default; a bearer token is required on any other address and checked whenever configured; " +
				"without a token only reads are accepted). See gluster-eventing(8) and gluster-eventing.toml(5).",
			"license": map[string]any{"name": "GPL-2.0-or-later OR LGPL-3.0-or-later"},
		},
		"servers": []any{map[string]any{"url": "http://127.0.0.1:55556", "description": "The default TCP listener."}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "The token in [http] token_file."},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "gluster_eventing_session", "description": "Set by POST /v1/login."},
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func unauthFor(r route) []resp {
	if r.public {
		return nil
	}
	return []resp{unauth}
}

func opID(r route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.method))
	for _, part := range strings.FieldsFunc(r.path, func(c rune) bool { return c == '/' || c == '-' || c == '.' || c == '{' || c == '}' }) {
		if part == "v1" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	if r.path == "/" {
		b.WriteString("Dashboard")
	}
	return b.String()
}

// TestOpenAPI checks that openapi.json is what the route table and the
// wire types say (rewrite it with -update), that it is the document
// OpenAPI() serves, and that it is valid JSON of OpenAPI 3.1.
func TestOpenAPI(t *testing.T) {
	want := document(t)
	if *update {
		if err := os.WriteFile("openapi.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("openapi.json is stale: the route table in openapi_test.go or the wire types changed; run: go test ./internal/api -run TestOpenAPI -update")
	}
	if !bytes.Equal(OpenAPI(), got) {
		t.Fatal("OpenAPI() does not serve openapi.json")
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(got, &doc); err != nil || doc.OpenAPI != "3.1.0" || len(doc.Paths) == 0 {
		t.Fatalf("openapi.json: %v, openapi %q, %d paths", err, doc.OpenAPI, len(doc.Paths))
	}
	// Every $ref resolves.
	var schemas struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	json.Unmarshal(got, &schemas)
	for _, ref := range strings.Split(string(got), `"$ref": "#/components/schemas/`)[1:] {
		name, _, _ := strings.Cut(ref, `"`)
		if _, ok := schemas.Components.Schemas[name]; !ok {
			t.Errorf("$ref to %s, which is not in components.schemas", name)
		}
	}
}
