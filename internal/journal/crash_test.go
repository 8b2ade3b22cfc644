package journal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

const helperEnv = "GLUSTER_EVENTING_JOURNAL_HELPER"

// TestHelperProcess is the child of TestCrashSafety: it appends in a loop
// and prints "seq data" for every record whose Append has returned, until it
// is killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	j, err := Open(path, Options{MaxBytes: 50 << 10})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var outMu sync.Mutex
	emit := func(seq uint64, data []byte) {
		outMu.Lock()
		defer outMu.Unlock()
		os.Stdout.WriteString(fmt.Sprintf("%d %s\n", seq, data)) // one write(2) per line
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	pid := os.Getpid()
	// Synchronous appenders of 1-3 records, which also move a cursor.
	for g := range 3 {
		go func() {
			for i := 0; ; i++ {
				data := make([][]byte, 1+i%3)
				for k := range data {
					data[k] = fmt.Appendf(nil, "p%d-g%d-%d-%d", pid, g, i, k)
				}
				first, err := j.Append(context.Background(), data...)
				if err != nil {
					fail(err)
				}
				for k, d := range data {
					emit(first+uint64(k), d)
				}
				if err := j.SetCursor("helper", first); err != nil {
					fail(err)
				}
			}
		}()
	}
	// An asynchronous appender, like the UDP reader.
	go func() {
		for i := 0; ; i++ {
			d := fmt.Appendf(nil, "p%d-async-%d", pid, i)
			err := j.AppendAsync(d, func(seq uint64, err error) {
				if err != nil {
					fail(err)
				}
				emit(seq, d)
			})
			if err != nil {
				fail(err)
			}
		}
	}()
	select {}
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	path := filepath.Join(t.TempDir(), "j.db")
	var maxSeen uint64
	for round := range 4 {
		lines := runAndKill(t, path, time.Duration(10+rand.IntN(150))*time.Millisecond)
		if len(lines) == 0 {
			t.Fatalf("round %d: child printed nothing", round)
		}

		j, err := Open(path, Options{MaxBytes: 50 << 10})
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		checkIntegrity(t, j.db)
		first, last := j.FirstSeq(), j.LastSeq()
		var roundMin, roundMax uint64 = ^uint64(0), 0
		for _, l := range lines {
			seq, data := l.seq, l.data
			roundMin, roundMax = min(roundMin, seq), max(roundMax, seq)
			if seq > last {
				t.Fatalf("round %d: seq %d was returned by Append but LastSeq after reopen is %d", round, seq, last)
			}
			if seq < first {
				continue // trimmed by retention since, legitimately
			}
			recs, err := j.Read(seq, 1)
			if err != nil {
				t.Fatalf("round %d: Read(%d): %v", round, seq, err)
			}
			if len(recs) != 1 || recs[0].Seq != seq || string(recs[0].Data) != data {
				t.Fatalf("round %d: seq %d: read %+v, want data %q", round, seq, recs, data)
			}
		}
		if roundMin <= maxSeen {
			t.Errorf("round %d: seq %d reused (previous rounds reached %d)", round, roundMin, maxSeen)
		}
		maxSeen = roundMax
		// Everything retained is contiguous.
		recs, err := j.Read(first, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			if r.Seq != first+uint64(i) {
				t.Fatalf("round %d: gap: record %d has seq %d, want %d", round, i, r.Seq, first+uint64(i))
			}
		}
		if uint64(len(recs)) != j.Stats().Records || (len(recs) > 0 && recs[len(recs)-1].Seq != last) {
			t.Errorf("round %d: read %d records, stats %+v", round, len(recs), j.Stats())
		}
		if c, ok, err := j.Cursor("helper"); err != nil || (ok && c > last) {
			t.Errorf("round %d: cursor %d, %v, %v beyond LastSeq %d", round, c, ok, err, last)
		}
		t.Logf("round %d: %d records acknowledged, seqs %d..%d, journal %d..%d (%d trimmed)",
			round, len(lines), roundMin, roundMax, first, last, j.Stats().Trimmed)
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
	j := open(t, path, Options{})
	if got := mustAppend(t, j, "after"); got <= maxSeen {
		t.Errorf("Append after crashes = %d, want > %d", got, maxSeen)
	}
}

type ackedLine struct {
	seq  uint64
	data string
}

// runAndKill runs the helper on path, sends it SIGKILL after it has
// acknowledged its first record and then after, and returns every complete
// line it printed.
func runAndKill(t *testing.T, path string, after time.Duration) []ackedLine {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	watchdog := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer watchdog.Stop()

	var lines []ackedLine
	r := bufio.NewReader(stdout)
	for {
		s, err := r.ReadString('\n')
		if err != nil {
			// io.EOF once the child is dead; a partial last line was
			// never fully printed, so its Append is not known to have
			// returned.
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		if len(lines) == 0 {
			time.AfterFunc(after, func() { cmd.Process.Signal(syscall.SIGKILL) })
		}
		seqStr, data, ok := strings.Cut(strings.TrimSuffix(s, "\n"), " ")
		seq, err := strconv.ParseUint(seqStr, 10, 64)
		if !ok || err != nil {
			t.Fatalf("bad line from child: %q", s)
		}
		lines = append(lines, ackedLine{seq, data})
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v\nstderr:\n%s", err, stderr.String())
	}
	return lines
}

// checkIntegrity runs bbolt's consistency check.
func checkIntegrity(t *testing.T, db *bbolt.DB) {
	t.Helper()
	err := db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("bbolt check: %v", err)
	}
}
