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

var update = flag.Bool("update", false, "rewrite the generated pages from the current command tree")

const page5 = "gluster-eventing.toml.5"

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

// peerModel builds peer_gluster-eventing's tree the way cmd's runPeer does.
func peerModel(t *testing.T) *kong.Application {
	t.Helper()
	parser, err := kong.New(&cmd.PeerCLI{},
		kong.Name(string(cmd.ProgPeerHelper)),
		kong.Exit(func(int) {}),
		kong.Vars{"default_config": cmd.DefaultNodeConfig},
	)
	if err != nil {
		t.Fatal(err)
	}
	return parser.Model
}

// generated is one generated page and its text.
type generated struct {
	man.Page
	Text string
}

// render is what go generate writes: every page of man.Pages.
func render(t *testing.T) []generated {
	t.Helper()
	app, peer := model(t), peerModel(t)
	var out []generated
	for _, p := range man.Pages() {
		for _, e := range cmd.ExitCodes() {
			p.Options.ExitCodes = append(p.Options.ExitCodes, man.ExitStatus{Code: int(e.Code), Meaning: e.Meaning})
		}
		if p.Peer {
			tr := man.PeerTree()
			tr.App = peer
			p.Options.Trees = append(p.Options.Trees, tr)
		}
		out = append(out, generated{p, string(man.Generate(app, p.Options))})
	}
	return out
}

// allPages are the files TestLint checks: the generated ones and the
// hand-written gluster-eventing.toml(5).
func allPages(t *testing.T) []string {
	var files []string
	for _, p := range man.Pages() {
		files = append(files, p.File)
	}
	return append(files, page5)
}

// TestPage fails when a committed page is not what the current command
// tree generates. go generate ./man runs it with -update.
func TestPage(t *testing.T) {
	for _, p := range render(t) {
		if *update {
			if err := os.WriteFile(p.File, []byte(p.Text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p.File)
		if err != nil {
			t.Errorf("%v (run go generate ./man)", err)
			continue
		}
		if diff := cmp.Diff(string(want), p.Text); diff != "" {
			t.Errorf("%s is stale; run go generate ./man (-committed +generated):\n%s", p.File, diff)
		}
	}
}

// leafPath is a command's path below the program: "notifier-add exec".
func leafPath(n *kong.Node) string {
	var names []string
	for ; n != nil && n.Type == kong.CommandNode; n = n.Parent {
		names = append([]string{n.Name}, names...)
	}
	return strings.Join(names, " ")
}

// commandBlock returns the part of page that documents command path in
// full: from its tag to the end of its indented details, or "".
func commandBlock(page, path string) string {
	tag := "\n.TP\n\\fB" + path + "\\fP"
	i := strings.Index(page, tag)
	if i < 0 {
		return ""
	}
	rest := page[i+len(tag):]
	// The tag line ends with the synopsis; a block with details is
	// indented (.RS ... .RE) right after the one-line help.
	end := strings.Index(rest, "\n.TP\n\\fB")
	if re := strings.Index(rest, "\n.RE\n"); re >= 0 && (end < 0 || strings.Contains(rest[:end], "\n.RS")) {
		end = re
	}
	if end < 0 {
		end = len(rest)
	}
	return page[i : i+len(tag)+end]
}

// TestPageContent checks the generated pages against the model: every
// visible command is listed on gluster-eventing(8) and documented in full,
// with every visible flag, on the page of its family; hidden flags are on
// no page; peer_gluster-eventing's node actions are on the page that says
// it documents them; every page has the exit codes. A command that no page
// documents (a new one in a new group, say) fails here.
func TestPageContent(t *testing.T) {
	pages := render(t)
	main := pages[0]
	byGroup := map[string]generated{}
	for _, p := range pages[1:] {
		for _, g := range p.Options.Groups {
			byGroup[g] = p
		}
	}
	app := model(t)
	for _, c := range app.Leaves(true) {
		// A subcommand (notifier-add exec) is listed on gluster-eventing(8)
		// as its top command, in that command's group, and documented on
		// the family page by its path.
		top := c
		for top.Parent != nil && top.Parent.Type == kong.CommandNode {
			top = top.Parent
		}
		if !strings.Contains(main.Text, "\n.TP\n\\fB"+top.Name+"\\fP") {
			t.Errorf("command %s is not listed on %s", top.Name, main.File)
		}
		group := ""
		if top.Group != nil {
			group = top.Group.Title
		}
		fam, ok := byGroup[group]
		if !ok {
			t.Errorf("command %s (group %q) is documented on no page: no page has its group", c.Name, group)
			continue
		}
		block := commandBlock(fam.Text, leafPath(c))
		if block == "" {
			t.Errorf("command %s is not documented on %s", leafPath(c), fam.File)
			continue
		}
		for _, f := range c.Flags {
			if f.Hidden {
				continue
			}
			if !strings.Contains(block, "\\fB--"+f.Name+"\\fP") && !strings.Contains(block, "\\fB--[no-]"+f.Name+"\\fP") {
				t.Errorf("flag --%s of %s is not on %s", f.Name, c.Name, fam.File)
			}
		}
	}
	var peerPage string
	for _, p := range pages {
		if p.Peer {
			peerPage = p.Text
		}
	}
	for _, c := range peerModel(t).Leaves(true) {
		if commandBlock(peerPage, c.Name) == "" {
			t.Errorf("node action %s of peer_gluster-eventing is documented on no page", c.Name)
		}
	}
	for _, p := range pages {
		for _, c := range app.Leaves(true) {
			for _, f := range c.Flags {
				if f.Hidden && strings.Contains(p.Text, "\\fB--"+f.Name+"\\fP") {
					t.Errorf("%s: the hidden flag --%s of %s is on the page", p.File, f.Name, c.Name)
				}
			}
		}
		if strings.Contains(p.Text, "--legacy") {
			t.Errorf("%s: the hidden --legacy flag is on the page", p.File)
		}
		for _, e := range cmd.ExitCodes() {
			if !strings.Contains(p.Text, "\n.TP\n\\fB"+strconv.Itoa(int(e.Code))+"\\fP\n") {
				t.Errorf("%s: exit code %d is not on the page", p.File, e.Code)
			}
		}
		if strings.Contains(strings.ToLower(p.Text), "not implemented") {
			t.Errorf("%s says \"not implemented\"", p.File)
		}
		// Every page lists the others.
		for _, q := range pages {
			name := strings.TrimSuffix(q.File, ".8")
			if q.File != p.File && !strings.Contains(p.Text, "\n\\fB"+name+"\\fP(8)") {
				t.Errorf("%s: SEE ALSO lacks %s(8)", p.File, name)
			}
		}
		if !strings.Contains(p.Text, "\n\\fBgluster-eventing\\&.toml\\fP(5)") {
			t.Errorf("%s: SEE ALSO lacks gluster-eventing.toml(5)", p.File)
		}
	}
	toml := readPage5(t)
	for _, q := range pages {
		if name := strings.TrimSuffix(q.File, ".8"); !strings.Contains(toml, "\n.BR "+name+" (8)") {
			t.Errorf("%s: SEE ALSO lacks %s(8)", page5, name)
		}
	}
	for _, want := range []string{".TH GLUSTER-EVENTING 8 \"2026-12-02\"", "GLUSTER_EVENTING_CONFIG", "NOTIFY_SOCKET",
		"LISTEN_FDS", "/run/gluster-eventing/api\\&.sock"} {
		if !strings.Contains(main.Text, want) {
			t.Errorf("%s lacks %q", main.File, want)
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
	for _, page := range allPages(t) {
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
	table := regexp.MustCompile(`^\.SS "\[\[?([a-z_]+(?:\.[a-z_]+)*)(?:\.NAME)?\]\]?"`)
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
		if (ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map || ft.Kind() == reflect.Pointer) && ft.Elem().Kind() == reflect.Struct {
			ft = ft.Elem() // [[table]], [table.NAME], a [table.kind] sub-table
		}
		if ft.Kind() == reflect.Struct && ft.NumField() > 0 && ft.PkgPath() == t.PkgPath() {
			tomlKeys(ft, prefix+name+".", out)
			continue
		}
		out[prefix+name] = true
	}
}
