package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// TestMain lets the test binary act as the bench's re-executed child (and
// ceiling client), as the bench program itself does.
func TestMain(m *testing.M) {
	if code, ok := dispatch(); ok {
		os.Exit(code)
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// needRoot skips the test unless it runs as root with unshare and ip; with
// CI=true it fails instead (internal/testenv).
func needRoot(t *testing.T) {
	t.Helper()
	testenv.Require(t, os.Geteuid() == 0, "root (network and mount namespaces, bind mounts)")
	for _, tool := range []string{"unshare", "ip"} {
		_, err := exec.LookPath(tool)
		testenv.Require(t, err == nil, tool+" (apt-get install util-linux iproute2)")
	}
}

var (
	buildOnce sync.Once
	buildDir  string
	builtBin  string
	buildErr  error
)

// buildDaemon builds gluster-eventing from this module, once per test
// binary run. GE_BENCH_BIN names a prebuilt binary to use instead.
func buildDaemon(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("GE_BENCH_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			buildErr = err
			return
		}
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
			buildErr = err
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = "/usr/local/go/bin/go"
		}
		if buildDir, err = os.MkdirTemp("", "ge-bench-test-"); err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(buildDir, "gluster-eventing")
		cmd := exec.Command(goTool, "build", "-o", builtBin, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func metricOf(t *testing.T, r *result, name string) float64 {
	t.Helper()
	v, ok := r.get(name)
	if !ok {
		t.Fatalf("no %q in %+v", name, r.Metrics)
	}
	return v
}

// A 10,000-datagram burst from one sender reaches the webhook once each:
// none lost, none duplicated.
func TestBurstDeliversEveryEventOnce(t *testing.T) {
	needRoot(t)
	bin := buildDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const n = 10_000
	res, err := runChildProcess(ctx, spec{
		Scenario: "burst", Daemon: ours, Bin: bin, N: n,
		Quiet: 5 * time.Second, Deadline: 90 * time.Second, Verbose: testing.Verbose(),
	}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Metrics {
		t.Logf("%s: %v %s", m.Name, m.Value, m.Unit)
	}
	if v := metricOf(t, res, "sent"); v != n {
		t.Errorf("sent %v, want %d", v, n)
	}
	if v := metricOf(t, res, "delivered"); v != n {
		t.Errorf("delivered %v of %d", v, n)
	}
	if v := metricOf(t, res, "not delivered by the end"); v != 0 {
		t.Errorf("lost %v, want 0", v)
	}
	if v := metricOf(t, res, "duplicated"); v != 0 {
		t.Errorf("duplicated %v, want 0", v)
	}
}

// The -quick run of every scenario, gluster-eventing only, completes
// without a failed run (the daemon starts, survives and answers in each)
// and prints its tables. No numbers are asserted.
func TestQuickRunOurs(t *testing.T) {
	if testing.Short() && !testenv.CI() {
		t.Skip("about a minute; skipped with -short (not with CI=true)")
	}
	needRoot(t)
	bin := buildDaemon(t)
	var stdout, stderr bytes.Buffer
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	code := parentMain([]string{"-bin", bin, "-quick", "-daemons", "ours", "-json", jsonPath}, &stdout, &stderr)
	t.Logf("stderr:\n%s\nstdout:\n%s", stderr.String(), stdout.String())
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	for _, title := range []string{"fdatasync on /var/tmp: p50", "== ceiling", "== burst", "== sustained", "== latency", "== fan-out", "== backlog", "== D-Bus export", "== filter", "== streams", "== memory and CPU"} {
		if !strings.Contains(stdout.String(), title) {
			t.Errorf("no %q table", title)
		}
	}
	if !regexp.MustCompile(`D-Bus Event signals received +\| +[1-9][0-9]* \|`).MatchString(stdout.String()) {
		t.Error("the D-Bus scenario's listener received no Event signal")
	}
	if _, err := os.Stat(jsonPath); err != nil {
		t.Error(err)
	}
}
