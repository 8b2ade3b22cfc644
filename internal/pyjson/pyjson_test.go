package pyjson

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// Every string is encoded as Python's own json.dumps encodes it: the
// reference is the real python3 (Gluster's tools run on it).
func TestAppendStringMatchesPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	testenv.Require(t, err == nil, "python3")
	inputs := []string{
		"", "plain", `quote " and backslash \`, "new\nline\ttab\rcr\bbs\fff", "\x00\x01\x1f\x7f",
		"é ü ñ", "日本語", "emoji 😀 and 𝄞", "https://user:pw@example.com/p?a=1&b=<2>",
	}
	blob, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-c", "import json,sys\nfor s in json.loads(sys.stdin.read()): print(json.dumps(s))")
	cmd.Stdin = strings.NewReader(string(blob))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(want) != len(inputs) {
		t.Fatalf("python printed %d lines for %d inputs", len(want), len(inputs))
	}
	for i, in := range inputs {
		if got := string(AppendString(nil, in)); got != want[i] {
			t.Errorf("AppendString(%q) = %s, python: %s", in, got, want[i])
		}
	}
}
