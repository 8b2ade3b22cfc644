package deptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A layer is what a package is for; the rules say which layers may import
// which.
type layer string

const (
	program     layer = "main program" // the root package: argv[0] dispatch
	cmdLayer    layer = "cmd"          // the command tree, the top of the graph
	daemonLayer layer = "daemon"       // wiring of the running daemon
	consumer    layer = "consumer"     // a reader of the journal: webhooks, dbusiface, ...
	domain      layer = "domain"       // shared by everything above: internal/..., gfevent
	testSupport layer = "test support" // helpers that only tests import
	tooling     layer = "tooling"      // checks and generators of shipped files, benchmarks
)

// unit is a row of the layers table: the packages at path (relative to the
// module root, "." for the root) and below it belong to one unit of one
// layer. Imports within a unit (webhooks/x importing webhooks) are free.
type unit struct {
	path  string
	layer layer
}

// units assigns every package of the module to a unit; the first matching
// row wins, so a more specific path comes before its parent. A package in
// no row fails the test: a new top-level package (a notifier, say) must say
// what it is.
func units() []unit {
	return []unit{
		{".", program},
		{"cmd", cmdLayer},
		{"daemon", daemonLayer},
		{"webhooks", consumer},
		{"dbusiface", consumer},
		{"internal/testenv", testSupport},
		{"internal/glustertest", testSupport},
		{"internal/corpus", testSupport},
		{"internal/dbustest", testSupport},
		{"internal/browsertest", testSupport},
		{"internal/testcert", testSupport},
		{"internal/bench", tooling}, // a program that benchmarks the built binaries
		{"internal", domain},
		{"gfevent", domain},
		{"man", tooling},
		{"packaging", tooling},
		{"testscripts", tooling},
	}
}

// rule forbids packages of layer from to import packages of the layers in
// to (of another unit). nonTestOnly rules let tests do it.
type rule struct {
	from        layer
	to          []layer
	nonTestOnly bool
	why         string
}

func rules() []rule {
	return []rule{
		{from: domain, to: []layer{program, cmdLayer, daemonLayer, consumer, tooling},
			why: "domain packages are shared by the daemon, the consumers and cmd; they never import them"},
		{from: testSupport, to: []layer{program, cmdLayer, daemonLayer, consumer, tooling},
			why: "test support is used by the tests of every layer, domain packages included; it imports domain packages only"},
		{from: consumer, to: []layer{program, cmdLayer, daemonLayer, consumer, tooling},
			why: "a consumer reads the journal and the domain packages; the daemon wires consumers, they never import it, cmd or each other"},
		{from: daemonLayer, to: []layer{program, cmdLayer, tooling},
			why: "cmd starts the daemon; the daemon never imports cmd"},
		{from: tooling, to: []layer{program, cmdLayer},
			why: "nothing but the root main package imports cmd"},
		{from: program, to: []layer{testSupport}, nonTestOnly: true,
			why: "test support is for tests; it must not end up in the binary"},
		{from: cmdLayer, to: []layer{testSupport}, nonTestOnly: true,
			why: "test support is for tests; it must not end up in the binary"},
		{from: daemonLayer, to: []layer{testSupport}, nonTestOnly: true,
			why: "test support is for tests; it must not end up in the binary"},
		{from: consumer, to: []layer{testSupport}, nonTestOnly: true,
			why: "test support is for tests; it must not end up in the binary"},
		{from: domain, to: []layer{testSupport}, nonTestOnly: true,
			why: "test support is for tests; it must not end up in the binary"},
	}
}

// testExceptions are imports that tests of one unit may make although a rule
// forbids them.
func testExceptions() []struct{ from, to, why string } {
	return []struct{ from, to, why string }{
		{"man", "cmd", "the man page is rendered from cmd's kong model and golden-tested"},
		{"testscripts", "cmd", "the scripts run the real command tree in-process"},
	}
}

// pkg is the part of `go list -json` the check reads.
type pkg struct {
	ImportPath   string
	Dir          string
	GoFiles      []string
	CgoFiles     []string
	TestGoFiles  []string
	XTestGoFiles []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// TestListingCoversModule guards the check against a go list that finds
// (almost) nothing, which would make it pass without checking anything.
func TestListingCoversModule(t *testing.T) {
	module, pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages of %s; the check would prove nothing", len(pkgs), module)
	}
	for _, p := range pkgs {
		if p.ImportPath == module+"/internal/deptest" {
			return // found itself: the listing covers the module
		}
	}
	t.Fatalf("go list did not list %s/internal/deptest", module)
}

// TestImportRules checks every import of every package of the module.
func TestImportRules(t *testing.T) {
	module, pkgs := listPackages(t)
	for _, v := range check(module, pkgs) {
		t.Error(v)
	}
}

// TestCheckFindsEachKindOfEdge runs the check on a made-up graph with one
// forbidden import of each kind, and allowed ones beside them.
func TestCheckFindsEachKindOfEdge(t *testing.T) {
	const m = "example.com/m"
	pkgs := []pkg{
		{ImportPath: m, Imports: []string{m + "/cmd"}},
		{ImportPath: m + "/cmd", Imports: []string{m + "/daemon", m + "/webhooks", m + "/internal/journal"}},
		{ImportPath: m + "/daemon", Imports: []string{m + "/cmd", m + "/webhooks", m + "/dbusiface"}},
		{ImportPath: m + "/webhooks", Imports: []string{m + "/dbusiface", m + "/webhooks/sign", "fmt"},
			TestImports: []string{m + "/daemon", m + "/internal/testenv"}},
		{ImportPath: m + "/webhooks/sign", Imports: []string{m + "/internal/config"}},
		{ImportPath: m + "/dbusiface", Imports: []string{m + "/internal/journal"}},
		{ImportPath: m + "/internal/journal", Imports: []string{m + "/webhooks", m + "/internal/testenv"}},
		{ImportPath: m + "/internal/config"},
		{ImportPath: m + "/internal/testenv", Imports: []string{m + "/internal/config"}},
		{ImportPath: m + "/gfevent", XTestImports: []string{m + "/gfevent", m + "/internal/corpus"}},
		{ImportPath: m + "/internal/corpus"},
		{ImportPath: m + "/man", XTestImports: []string{m + "/cmd"}},
		{ImportPath: m + "/packaging", XTestImports: []string{m + "/cmd"}},
		{ImportPath: m + "/notifiers"},
	}
	got := check(m, pkgs)
	want := []string{
		"daemon (daemon) imports cmd (cmd)",
		"webhooks (consumer) imports dbusiface (consumer)",
		"webhooks (consumer) test imports daemon (daemon)",
		"internal/journal (domain) imports webhooks (consumer)",
		"internal/journal (domain) imports internal/testenv (test support)",
		"packaging (tooling) test imports cmd (cmd)",
		"notifiers: no row of units() covers it",
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("no violation %q", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}

// check returns one readable line per forbidden import in pkgs.
func check(module string, pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		from, ok := unitOf(module, p.ImportPath)
		if !ok {
			out = append(out, fmt.Sprintf("%s: no row of units() covers it; add one (deptest_test.go) saying which layer it is", rel(module, p.ImportPath)))
			continue
		}
		edges := []struct {
			imports []string
			files   []string
			test    bool
		}{
			{p.Imports, append(slices.Clone(p.GoFiles), p.CgoFiles...), false},
			{p.TestImports, p.TestGoFiles, true},
			{p.XTestImports, p.XTestGoFiles, true},
		}
		for _, e := range edges {
			for _, imp := range e.imports {
				if imp != module && !strings.HasPrefix(imp, module+"/") {
					continue
				}
				to, ok := unitOf(module, imp)
				if !ok || to.path == from.path {
					continue // an unlisted package is reported as itself
				}
				why, bad := forbidden(from, to, e.test)
				if !bad {
					continue
				}
				kind := "imports"
				if e.test {
					kind = "test imports"
				}
				line := fmt.Sprintf("%s (%s) %s %s (%s)", rel(module, p.ImportPath), from.layer, kind, rel(module, imp), to.layer)
				for i, f := range importingFiles(p.Dir, e.files, imp) {
					if i == 0 {
						line += " in "
					} else {
						line += ", "
					}
					line += filepath.ToSlash(filepath.Join(rel(module, p.ImportPath), f))
				}
				out = append(out, line+": "+why)
			}
		}
	}
	return out
}

// forbidden reports whether a package of unit from may not import one of
// unit to, and why.
func forbidden(from, to unit, test bool) (why string, bad bool) {
	if test {
		for _, x := range testExceptions() {
			if x.from == from.path && x.to == to.path {
				return "", false
			}
		}
	}
	for _, r := range rules() {
		if r.from == from.layer && slices.Contains(r.to, to.layer) && (!test || !r.nonTestOnly) {
			return r.why, true
		}
	}
	return "", false
}

func unitOf(module, importPath string) (unit, bool) {
	p := rel(module, importPath)
	for _, u := range units() {
		if p == u.path || u.path != "." && strings.HasPrefix(p, u.path+"/") {
			return u, true
		}
	}
	return unit{}, false
}

// rel is importPath relative to the module, "." for the module itself.
func rel(module, importPath string) string {
	if importPath == module {
		return "."
	}
	return strings.TrimPrefix(importPath, module+"/")
}

// importingFiles names the files among files (in dir) that import imp.
func importingFiles(dir string, files []string, imp string) []string {
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, s := range f.Imports {
			if path, _ := strconv.Unquote(s.Path.Value); path == imp {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// listPackages runs `go list` on every package of the module this test is
// in. Packages that do not build (another change in progress) are still
// listed with the imports their files declare.
func listPackages(t *testing.T) (module string, pkgs []pkg) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v%s", err, stderrOf(err))
	}
	module = strings.TrimSpace(string(out))
	out, err = exec.Command("go", "list", "-e",
		"-json=ImportPath,Dir,GoFiles,CgoFiles,TestGoFiles,XTestGoFiles,Imports,TestImports,XTestImports",
		module+"/...").Output()
	if err != nil {
		t.Fatalf("go list %s/...: %v%s", module, err, stderrOf(err))
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return module, pkgs
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return "\n" + string(ee.Stderr)
	}
	return ""
}
