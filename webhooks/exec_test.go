package webhooks

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/gfevent"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// These tests run real commands: /bin/sh scripts that record what they
// get (stdin, environment) in files of the test's temporary directory.

// writeScript writes an executable /bin/sh script into dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	_, err := exec.LookPath("sh")
	testenv.Require(t, err == nil, "/bin/sh")
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func execNotifier(argv []string, mods ...func(*config.Notifier)) config.Notifier {
	n := config.DefaultNotifier()
	n.ID = "exec1"
	n.Kind = config.KindExec
	n.Exec = &config.ExecNotifier{Command: argv}
	n.Timeout = config.Duration(10 * time.Second)
	for _, m := range mods {
		m(&n)
	}
	return n
}

func applyNotifiers(t *testing.T, m *Manager, ns ...config.Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.ApplyNotifiers(ctx, ns); err != nil {
		t.Fatal(err)
	}
}

func notifierHealth(t *testing.T, m *Manager, id string) Health {
	t.Helper()
	for _, h := range m.NotifierHealth() {
		if h.ID == id {
			return Health{ID: h.ID, State: h.State, Cursor: h.Cursor, Delivered: h.Delivered, Failed: h.Failed,
				Retried: h.Retried, DeadLettered: h.DeadLettered, DeadLetters: h.DeadLetters, LastStatus: h.LastStatus, LastError: h.LastError,
				ConsecutiveFailures: h.ConsecutiveFailures}
		}
	}
	t.Fatalf("no notifier %s", id)
	return Health{}
}

// readLines returns the lines of path, none if it does not exist yet.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// A 10,000-event run, one command per event, in order: every seq arrives
// once, in journal order, its stdin the standard body and its environment
// the same event.
func TestExecNotifier10000InOrder(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	script := writeScript(t, dir, "record", `read -r body
printf '%s %s %s %s\n' "$GLUSTER_EVENT_SEQ" "$GLUSTER_FIELD_SEQ" "$GLUSTER_EVENT" "$body" >> "$1"
`)
	j := openTestJournal(t)
	m := newTestManager(t, j)
	applyNotifiers(t, m, execNotifier([]string{script, log}))
	const n = 10_000
	types := []gfevent.Type{gfevent.VolumeStart, gfevent.BrickDisconnected}
	for i := 0; i < n; i += 1000 {
		appendEvents(t, j, 1000, types...)
	}
	waitFor(t, 3*time.Minute, "10,000 runs", func() bool { return notifierHealth(t, m, "exec1").Cursor == n })
	lines := readLines(t, log)
	if len(lines) != n {
		t.Fatalf("%d runs, want %d (duplicates)", len(lines), n)
	}
	for i, line := range lines {
		want := uint64(i + 1)
		f := strings.SplitN(line, " ", 4)
		if len(f) != 4 {
			t.Fatalf("line %d: %q", i, line)
		}
		var b StandardBody
		if err := json.Unmarshal([]byte(f[3]), &b); err != nil {
			t.Fatalf("line %d: stdin %q: %v", i, f[3], err)
		}
		name := types[i%2].String()
		if f[0] != strconv.FormatUint(want, 10) || f[1] != f[0] || f[2] != name || b.Seq != want || b.Event != name || b.Node != testNodeID {
			t.Fatalf("run %d: %q, want seq %d (%s)", i, line, want, name)
		}
	}
	if h := notifierHealth(t, m, "exec1"); h.Delivered != n || h.Failed != 0 || h.State != StateOK {
		t.Errorf("health %+v", h)
	}
}

// The environment names every part of the event, and each field with its
// key made a variable name.
func TestExecNotifierEnvironment(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	script := writeScript(t, dir, "env", `cat > "$1.stdin"; env > "$1.env"`)
	j := openTestJournal(t)
	m := newTestManager(t, j)
	applyNotifiers(t, m, execNotifier([]string{script, out}))
	rec := evrec.Record{Received: time.Now(), Source: "10.0.0.1", Event: gfevent.Event{
		Time: 1700000123, Type: gfevent.BrickDisconnected,
		Fields: []gfevent.Field{{Key: "peer", Value: "node2"}, {Key: "volume", Value: "gv0"}, {Key: " brick-path", Value: "/b 1"}, {Key: "x.y", Value: "a=b"}},
	}}
	b, _ := rec.Marshal()
	if _, err := j.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the run", func() bool { return notifierHealth(t, m, "exec1").Delivered == 1 })
	env := map[string]string{}
	for _, kv := range readLines(t, out+".env") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	info := gfevent.BrickDisconnected.Info()
	want := map[string]string{
		"GLUSTER_EVENT":            "BRICK_DISCONNECTED",
		"GLUSTER_EVENT_SEQ":        "1",
		"GLUSTER_EVENT_NODE":       testNodeID,
		"GLUSTER_EVENT_EPOCH":      j.Epoch(),
		"GLUSTER_EVENT_TS":         "1700000123",
		"GLUSTER_EVENT_CATEGORY":   info.Category.String(),
		"GLUSTER_EVENT_SEVERITY":   info.Severity.String(),
		"GLUSTER_FIELD_PEER":       "node2",
		"GLUSTER_FIELD_VOLUME":     "gv0",
		"GLUSTER_FIELD_BRICK_PATH": "/b 1",
		"GLUSTER_FIELD_X_Y":        "a=b",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if env["PATH"] == "" {
		t.Error("the daemon's PATH is not passed on")
	}
	stdin, err := os.ReadFile(out + ".stdin")
	if err != nil {
		t.Fatal(err)
	}
	var body StandardBody
	if err := json.Unmarshal(stdin, &body); err != nil {
		t.Fatalf("stdin %q: %v", stdin, err)
	}
	if body.Event != "BRICK_DISCONNECTED" || body.Seq != 1 || body.Data["brick-path"] != "/b 1" || body.Category != info.Category.String() {
		t.Errorf("stdin body %+v", body)
	}
}

// A command that outlives the timeout is killed with its process group
// (the child it started too), and the attempt counts as failed.
func TestExecNotifierTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child")
	script := writeScript(t, dir, "hang", `sleep 60 &
echo $! > "$1.tmp"; mv "$1.tmp" "$1"
echo "still working" >&2
wait
`)
	j := openTestJournal(t)
	m := newTestManager(t, j)
	applyNotifiers(t, m, execNotifier([]string{script, pidFile}, func(n *config.Notifier) {
		// Long enough for a loaded machine to start the script and
		// record its child.
		n.Timeout = config.Duration(1500 * time.Millisecond)
		n.MaxAttempts = 1
	}))
	start := time.Now()
	appendEvents(t, j, 1)
	waitFor(t, 20*time.Second, "the dead letter", func() bool { return notifierHealth(t, m, "exec1").DeadLettered == 1 })
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the run took %v with a 1.5s timeout", d)
	}
	h := notifierHealth(t, m, "exec1")
	if !strings.Contains(h.LastError, "killed after the timeout (1.5s)") || !strings.Contains(h.LastError, "still working") {
		t.Errorf("last error %q", h.LastError)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	// Killed and reaped by init (or a zombie of an exited shell): either
	// way not running. /proc shows a zombie as state Z.
	waitFor(t, 10*time.Second, "the child killed", func() bool {
		st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			return syscall.Kill(pid, 0) != nil
		}
		f := strings.Fields(string(st))
		return len(f) > 2 && (f[2] == "Z" || f[2] == "X")
	})
}

// A non-zero exit is retried with the backoff until the command
// succeeds; the last error shows the exit status and stderr's first line.
func TestExecNotifierRetriesNonZeroExit(t *testing.T) {
	dir := t.TempDir()
	count := filepath.Join(dir, "count")
	script := writeScript(t, dir, "flaky", `n=$(cat "$1" 2>/dev/null || echo 0)
n=$((n+1)); echo $n > "$1"
if [ $n -le 3 ]; then printf '\nboom: attempt %s\nmore\n' $n >&2; exit 3; fi
`)
	j := openTestJournal(t)
	m := newTestManager(t, j)
	applyNotifiers(t, m, execNotifier([]string{script, count}))
	appendEvents(t, j, 1)
	waitFor(t, 30*time.Second, "the failures", func() bool { return notifierHealth(t, m, "exec1").Failed == 3 })
	waitFor(t, 30*time.Second, "the delivery", func() bool { return notifierHealth(t, m, "exec1").Delivered == 1 })
	h := notifierHealth(t, m, "exec1")
	if h.Retried != 3 || h.DeadLettered != 0 || h.LastError != "" || h.Cursor != 1 {
		t.Errorf("health %+v", h)
	}
	b, _ := os.ReadFile(count)
	if strings.TrimSpace(string(b)) != "4" {
		t.Errorf("ran %s times, want 4", b)
	}
}

// The error of a failing run reads "exit status N: first stderr line".
func TestExecSinkResult(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, body string
		verdict    Verdict
		status     int
		err        string
	}{
		{"ok", "cat >/dev/null", Delivered, 0, ""},
		{"ok without reading stdin", "exit 0", Delivered, 0, ""},
		{"exit", "echo '  first line  ' >&2; echo second >&2; exit 7", Retry, 7, "exit status 7: first line"},
		{"signal", "kill -TERM $$", Retry, 0, "killed by signal: terminated"},
		{"child left holding stderr", "sleep 5 >/dev/null &\nexit 0", Delivered, 0, ""},
		{"child left, failed", "sleep 5 >/dev/null &\necho nope >&2; exit 1", Retry, 1, "exit status 1: nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script := writeScript(t, dir, strings.ReplaceAll(tc.name, " ", "_"), tc.body+"\n")
			res := SendTest(t.Context(), execNotifier([]string{script}), nil, SinkEnv{NodeID: testNodeID})
			got := ""
			if res.Err != nil {
				got = res.Err.Error()
			}
			if res.Verdict != tc.verdict || res.Status != tc.status || got != tc.err {
				t.Errorf("Send = %v %d %q, want %v %d %q", res.Verdict, res.Status, got, tc.verdict, tc.status, tc.err)
			}
		})
	}
	t.Run("missing program", func(t *testing.T) {
		res := SendTest(t.Context(), execNotifier([]string{filepath.Join(dir, "nonexistent")}), nil, SinkEnv{})
		if res.Verdict != Retry || res.Err == nil || !strings.Contains(res.Err.Error(), "no such file or directory") {
			t.Errorf("Send = %v %v", res.Verdict, res.Err)
		}
	})
	t.Run("test event", func(t *testing.T) {
		out := filepath.Join(dir, "test.out")
		script := writeScript(t, dir, "testev", `cat > "$1"; echo "$GLUSTER_EVENT $GLUSTER_EVENT_SEQ" >> "$1"`+"\n")
		if res := SendTest(t.Context(), execNotifier([]string{script, out}), nil, SinkEnv{NodeID: testNodeID}); res.Verdict != Delivered {
			t.Fatalf("Send = %v %v", res.Verdict, res.Err)
		}
		lines := readLines(t, out)
		var b StandardBody
		if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &b) != nil || b.Event != "TEST" || b.Type != "gluster.test" ||
			b.Node != testNodeID || lines[1] != "TEST 0" {
			t.Errorf("the command got %q", lines)
		}
	})
}

// max_in_flight bounds the commands running at once, and is reached.
func TestExecNotifierConcurrencyLimit(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	script := writeScript(t, dir, "slow", `echo "start $(date +%s%N)" >> "$1"
sleep 0.3
echo "end $(date +%s%N)" >> "$1"
`)
	j := openTestJournal(t)
	m := newTestManager(t, j)
	applyNotifiers(t, m, execNotifier([]string{script, log}, func(n *config.Notifier) { n.MaxInFlight = 3 }))
	const n = 12
	appendEvents(t, j, n)
	waitFor(t, 60*time.Second, "the runs", func() bool { return notifierHealth(t, m, "exec1").Delivered == n })
	type ev struct {
		at    int64
		delta int
	}
	var evs []ev
	for _, line := range readLines(t, log) {
		kind, ts, _ := strings.Cut(line, " ")
		at, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			t.Fatalf("line %q", line)
		}
		d := 1
		if kind == "end" {
			d = -1
		}
		evs = append(evs, ev{at, d})
	}
	if len(evs) != 2*n {
		t.Fatalf("%d lines, want %d", len(evs), 2*n)
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.delta - b.delta // an end before a start at the same time
	})
	running, peak := 0, 0
	for _, e := range evs {
		running += e.delta
		peak = max(peak, running)
	}
	if peak > 3 {
		t.Errorf("%d commands ran at once, max_in_flight is 3", peak)
	}
	if peak < 2 {
		t.Errorf("at most %d command ran at a time: max_in_flight 3 was not used", peak)
	}
}

// batch = true: one run per batch, a JSON array on stdin, at most
// max_batch events each, every seq once and in order over 10,000 events.
func TestExecNotifierBatch(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	script := writeScript(t, dir, "batch", `body=$(cat)
printf '%s %s %s %s\n' "$GLUSTER_BATCH" "$GLUSTER_EVENT_FIRST_SEQ" "$GLUSTER_EVENT_LAST_SEQ" "$body" >> "$1"
`)
	j := openTestJournal(t)
	m := newTestManager(t, j)
	applyNotifiers(t, m, execNotifier([]string{script, log}, func(n *config.Notifier) {
		n.Exec.Batch, n.Exec.MaxBatch = true, 50
	}))
	const n = 10_000
	for i := 0; i < n; i += 500 {
		appendEvents(t, j, 500)
	}
	waitFor(t, 2*time.Minute, "every event", func() bool { return notifierHealth(t, m, "exec1").Cursor == n })
	var seqs []uint64
	lines := readLines(t, log)
	for _, line := range lines {
		f := strings.SplitN(line, " ", 4)
		var bodies []StandardBody
		if len(f) != 4 || json.Unmarshal([]byte(f[3]), &bodies) != nil {
			t.Fatalf("line %q", line)
		}
		if len(bodies) == 0 || len(bodies) > 50 || f[0] != strconv.Itoa(len(bodies)) ||
			f[1] != strconv.FormatUint(bodies[0].Seq, 10) || f[2] != strconv.FormatUint(bodies[len(bodies)-1].Seq, 10) {
			t.Fatalf("batch of %d: %q", len(bodies), line[:min(len(line), 120)])
		}
		for _, b := range bodies {
			seqs = append(seqs, b.Seq)
		}
	}
	if !slices.Equal(seqs, seqRange(1, n)) {
		t.Fatalf("got %d seqs (first %v), want 1..%d once each in order", len(seqs), seqs[:min(len(seqs), 10)], n)
	}
	if len(lines) >= n/10 {
		t.Errorf("%d runs for %d events: not batched", len(lines), n)
	}
	if h := notifierHealth(t, m, "exec1"); h.Delivered != n {
		t.Errorf("delivered %d, want %d", h.Delivered, n)
	}
}

func TestFieldEnvName(t *testing.T) {
	for in, want := range map[string]string{
		"brick":        "GLUSTER_FIELD_BRICK",
		" brick-path ": "GLUSTER_FIELD_BRICK_PATH",
		"x.y":          "GLUSTER_FIELD_X_Y",
		"Ümlaut1":      "GLUSTER_FIELD__MLAUT1",
		"":             "GLUSTER_FIELD_",
	} {
		if got := FieldEnvName(in); got != want {
			t.Errorf("FieldEnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChildEnv(t *testing.T) {
	got := childEnv([]string{"PATH=/bin", "LISTEN_FDS=3", "LISTEN_PID=1", "NOTIFY_SOCKET=/run/x", "WATCHDOG_USEC=1", "GLUSTER_EVENT=X",
		"GLUSTER_EVENT_SEQ=1", "GLUSTER_FIELD_A=1", "GLUSTER_BATCH=2", "HOME=/root", "GLUSTER_EVENTING_CONFIG=/etc/x.toml"})
	if !slices.Equal(got, []string{"PATH=/bin", "HOME=/root", "GLUSTER_EVENTING_CONFIG=/etc/x.toml"}) {
		t.Errorf("childEnv = %q", got)
	}
}
