package testscripts

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/cmd"
)

// helpDir holds one committed --help text per command and per program name.
// Regenerate with: go test ./testscripts/ -run '^TestHelp$' -update
const helpDir = "testdata/help"

// helpCase is one golden: the program, its arguments and the golden file.
type helpCase struct {
	prog   cmd.Program
	args   []string
	golden string
}

// helpCases lists every program's --help and every visible command's
// --help, walked from the kong model so that a new command gets a golden
// (and a failing test until it is committed).
func helpCases(t *testing.T) []helpCase {
	t.Helper()
	var cases []helpCase
	for _, p := range programs {
		cases = append(cases, helpCase{p, []string{"--help"}, string(p) + ".txt"})
	}
	for _, leaf := range kongModel(t).Leaves(true) {
		path := commandPath(leaf)
		cases = append(cases, helpCase{cmd.ProgMain, append(slices.Clone(path), "--help"),
			filepath.Join(path...) + ".txt"})
	}
	return cases
}

// kongModel builds the command tree with cmd.Main's own parser builder.
func kongModel(t *testing.T) *kong.Application {
	t.Helper()
	parser, err := cmd.NewParser(cmd.ProgMain, &cmd.CLI{}, io.Discard, io.Discard, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	return parser.Model
}

// commandPath returns the command names from the root to n.
func commandPath(n *kong.Node) []string {
	var path []string
	for ; n != nil && n.Type != kong.ApplicationNode; n = n.Parent {
		if n.Type == kong.CommandNode {
			path = append(path, n.Name)
		}
	}
	slices.Reverse(path)
	return path
}

func TestHelp(t *testing.T) {
	t.Setenv("COLUMNS", "80")
	seen := map[string]bool{}
	for _, c := range helpCases(t) {
		seen[filepath.ToSlash(c.golden)] = true
		t.Run(strings.TrimSuffix(c.golden, ".txt"), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cmd.Main(c.prog, c.args, strings.NewReader(""), &stdout, &stderr,
				cmd.VersionInfo{Version: testVersion})
			if code != 0 || stderr.Len() > 0 {
				t.Fatalf("%s %s: exit code %d, stderr:\n%s", c.prog, strings.Join(c.args, " "), code, &stderr)
			}
			checkGolden(t, filepath.Join(helpDir, c.golden), stdout.Bytes())
		})
	}

	// A golden without a command is stale: the command was renamed or
	// removed.
	err := filepath.WalkDir(helpDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(helpDir, path)
		if rel = filepath.ToSlash(rel); !seen[rel] {
			if *update {
				return os.Remove(path)
			}
			t.Errorf("%s: no command has this help text any more (remove it, or run with -update)", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkGolden compares got with the file at path, or writes it with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; run with -update to accept):\n%s", path, diff)
	}
}
