package man_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/cmd"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/man"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite gluster-eventing.8 from the current command tree")

const (
	page8 = "gluster-eventing.8"
	page5 = "gluster-eventing.toml.5"
)

// model builds the command tree the way cmd.Main does. When cmd/ exports
// the builder it uses itself, call that instead.
func model(t *testing.T) *kong.Application {
	t.Helper()
	parser, err := cmd.NewParser(cmd.ProgMain, &cmd.CLI{}, io.Discard, io.Discard, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	return parser.Model
}

// render is what go generate writes to gluster-eventing.8.
func render(t *testing.T) []byte {
	opts := man.PageOptions()
	for _, e := range cmd.ExitCodes() {
		opts.ExitCodes = append(opts.ExitCodes, man.ExitStatus{Code: int(e.Code), Meaning: e.Meaning})
	}
	return man.Generate(model(t), opts)
}

// TestPage fails when the committed page is not what the current command
// tree generates. go generate ./man runs it with -update.
func TestPage(t *testing.T) {
	got := render(t)
	if *update {
		if err := os.WriteFile(page8, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(page8)
	if err != nil {
		t.Fatalf("%v (run go generate ./man)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale; run go generate ./man (-committed +generated):\n%s", page8, diff)
	}
}

// TestPageContent checks the generated page against the model: every
// visible command, flag and exit code is on it, hidden ones are not.
func TestPageContent(t *testing.T) {
	out := string(render(t))
	app := model(t)
	for _, c := range app.Leaves(true) {
		if !strings.Contains(out, `\fB`+c.Name+`\fP`) {
			t.Errorf("command %s is not on the page", c.Name)
		}
		for _, f := range c.Flags {
			tag := `\fB--` + f.Name + `\fP`
			if f.Hidden != !strings.Contains(out, tag) {
				t.Errorf("flag --%s of %s (hidden=%v): on the page = %v", f.Name, c.Name, f.Hidden, !f.Hidden)
			}
		}
	}
	if strings.Contains(out, "--legacy") {
		t.Errorf("the hidden --legacy flag is on the page")
	}
	for _, e := range cmd.ExitCodes() {
		if !strings.Contains(out, "\n.TP\n\\fB"+strconv.Itoa(int(e.Code))+"\\fP\n") {
			t.Errorf("exit code %d is not on the page", e.Code)
		}
	}
	for _, want := range []string{".TH GLUSTER-EVENTING 8 \"2026-12-01\"", "GLUSTER_EVENTING_CONFIG", "NOTIFY_SOCKET",
		"LISTEN_FDS", "/run/gluster-eventing/api\\&.sock"} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestGenerateEscapes covers text roff.Document would mangle by itself.
func TestGenerateEscapes(t *testing.T) {
	var cli struct {
		Rate  int    `help:"Send 100% of events."`
		Quote string `help:"'quoted' at the start."`
		Dot   bool   `help:".dotfile and a\\backslash."`
		Mode  string `enum:"a,b" default:"a" help:"Mode."`
		Env   string `env:"TEST_ENV" help:"From the environment."`
		Shh   bool   `hidden:"" help:"Secret."`
		Run   struct {
			Target string   `arg:"" help:"Where."`
			More   []string `arg:"" optional:"" help:"More."`
		} `cmd:"" aliases:"go" help:"Run it"`
	}
	parser, err := kong.New(&cli, kong.Name("demo"), kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	out := string(man.Generate(parser.Model, man.Options{Section: 1, Summary: "a demo"}))
	for _, want := range []string{
		"Send 100% of events\\&.",
		"\n\\fB\\fP'quoted' at the start\\&.",
		"\\&.dotfile and a\\ebackslash\\&.",
		"One of: a, b\\&. Default: a\\&.",
		"Environment: TEST_ENV\\&.",
		"\n.TP\n\\fBTEST_ENV\\fP\nDefault for --env\\&.\n",
		"\n.TP\n\\fBrun\\fP \\fItarget\\fP [\\fImore\\fP\\&.\\&.\\&.]\nRun it\\&.\n",
		"Aliases: \\fBgo\\fP\\&.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "shh") {
		t.Errorf("hidden flag rendered:\n%s", out)
	}
	if strings.Contains(out, "%!") {
		t.Errorf("fmt verb damage:\n%s", out)
	}
	if lines := regexp.MustCompile(`(?m)^'`).FindAllString(out, -1); len(lines) > 0 {
		t.Errorf("a text line starts with the control character ':\n%s", out)
	}
}

// TestLint runs mandoc -T lint -W warning and man --warnings (groff's
// warnings, the check lintian runs) on both pages: any output fails.
// mandoc and man(1) are required in CI.
func TestLint(t *testing.T) {
	mandoc, err := exec.LookPath("mandoc")
	testenv.Require(t, err == nil, "mandoc (apt-get install mandoc)")
	manCmd, err := exec.LookPath("man")
	testenv.Require(t, err == nil, "man(1) (apt-get install man-db)")
	for _, page := range []string{page8, page5} {
		out, err := exec.Command(mandoc, "-T", "lint", "-W", "warning", page).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("mandoc -T lint -W warning %s: %v\n%s", page, err, out)
		}
		// -Z stops after troff: its output is discarded, its warnings
		// (stderr) are what is checked.
		c := exec.Command(manCmd, "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page)
		c.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "MANWIDTH=80")
		var stderr bytes.Buffer
		c.Stdout, c.Stderr = nil, &stderr
		if err := c.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("man --warnings -l %s: %v\n%s", page, err, &stderr)
		}
	}
}

// TestTOMLPageKeys checks that gluster-eventing.toml(5) documents every key
// of both config files, and no key that does not exist. A key is documented
// as a tagged paragraph (.TP, then \fBkey\fR); under a .SS "[table]" or
// .SS "[[table]]" heading it is table.key.
func TestTOMLPageKeys(t *testing.T) {
	documented := map[string]bool{}
	prefix := ""
	lines := strings.Split(readPage5(t), "\n")
	table := regexp.MustCompile(`^\.SS "\[\[?([a-z_]+)\]\]?"`)
	key := regexp.MustCompile(`^\\fB([a-z_-]+)\\fR`)
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, ".SH "):
			prefix = ""
		case strings.HasPrefix(line, ".SS "):
			prefix = ""
			if m := table.FindStringSubmatch(line); m != nil {
				prefix = m[1] + "."
			}
		case line == ".TP" && i+1 < len(lines):
			if m := key.FindStringSubmatch(lines[i+1]); m != nil {
				documented[prefix+m[1]] = true
			}
		}
	}
	want := map[string]bool{}
	tomlKeys(reflect.TypeFor[config.Node](), "", want)
	tomlKeys(reflect.TypeFor[config.Cluster](), "", want)
	for k := range want {
		if !documented[k] {
			t.Errorf("%s: key %q is not documented", page5, k)
		}
	}
	for k := range documented {
		if !want[k] {
			t.Errorf("%s: documents key %q, which the config does not have", page5, k)
		}
	}
}

// TestTOMLPageExamples loads the page's example files with the config
// package: the first is a node-local file, the second a cluster-shared one.
func TestTOMLPageExamples(t *testing.T) {
	ex := regexp.MustCompile(`(?s)\n\.EX\n(.*?)\n\.EE\n`).FindAllStringSubmatch(readPage5(t), -1)
	if len(ex) != 2 {
		t.Fatalf("%s has %d examples (.EX/.EE), want 2", page5, len(ex))
	}
	dir := t.TempDir()
	for i, load := range []func(string) error{
		func(p string) error { _, err := config.LoadNode(p); return err },
		func(p string) error { _, err := config.LoadCluster(p); return err },
	} {
		path := filepath.Join(dir, strconv.Itoa(i)+".toml")
		text := strings.ReplaceAll(ex[i][1], `\(dq`, `"`)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := load(path); err != nil {
			t.Errorf("example %d:\n%s\n%v", i+1, text, err)
		}
	}
}

func readPage5(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(page5)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// tomlKeys collects the dotted TOML keys of a struct type; the fields of
// tables and arrays of tables are "table.key" ("webhook.url").
func tomlKeys(t reflect.Type, prefix string, out map[string]bool) {
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" && f.Anonymous {
			tomlKeys(f.Type, prefix, out)
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.NumField() > 0 && ft.PkgPath() == t.PkgPath() {
			tomlKeys(ft, prefix+name+".", out)
			continue
		}
		out[prefix+name] = true
	}
}
