package journal

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// Close must not wait for a failing disk: a committer backing off between
// attempts at a commit that cannot succeed (a full disk) stops at Close and
// answers with the error, also when the commit queue behind it is full and
// a sender waits for room in it (holding the lock Close takes). The backoff
// is made an hour long, so without the fix Close hangs.
func TestCloseDuringCommitBackoff(t *testing.T) {
	testenv.Require(t, os.Geteuid() == 0, "root (to mount a small tmpfs)")
	for _, fullQueue := range []bool{false, true} {
		name := "backoff"
		if fullQueue {
			name = "backoff with a sender blocked on the full queue"
		}
		t.Run(name, func(t *testing.T) {
			dir := fullTmpfs(t)
			failed := make(chan struct{}, 1)
			// MaxBatch 1 makes the queue hold 4 requests.
			j, err := Open(filepath.Join(dir, "j.db"), Options{
				MaxBatch: 1,
				Logger:   slog.New(&onMessage{msg: "journal commit failed; retrying", ch: failed}),
			})
			if err != nil {
				t.Fatal(err)
			}
			// Written before the first request reaches the committer.
			j.retryMin, j.retryMax = time.Hour, time.Hour
			fillDisk(t, dir)

			big := make(chan error, 1)
			go func() {
				_, err := j.Append(context.Background(), bytes.Repeat([]byte("x"), 256<<10))
				big <- err
			}()
			select {
			case <-failed: // the committer now backs off for an hour
			case err := <-big:
				t.Fatalf("a 256 KiB append on a full disk returned %v: the disk never filled, the test proves nothing", err)
			}

			blocked := make(chan error, 1)
			dones := make(chan error, cap(j.reqs))
			if fullQueue {
				for range cap(j.reqs) {
					if err := j.AppendAsync([]byte("y"), func(_ uint64, err error) { dones <- err }); err != nil {
						t.Fatal(err)
					}
				}
				go func() {
					_, err := j.Append(context.Background(), []byte("z"))
					blocked <- err
				}()
				// Wait until that Append is inside send (it holds the read
				// lock there while it waits for room in the queue).
				for j.closeMu.TryLock() {
					j.closeMu.Unlock()
					runtime.Gosched()
				}
			}

			closed := make(chan error, 1)
			start := time.Now()
			go func() { closed <- j.Close() }()
			select {
			case err := <-closed:
				t.Logf("Close returned %v after %v", err, time.Since(start))
			case <-time.After(10 * time.Second):
				t.Fatal("Close has not returned after 10s, with the committer backing off for an hour")
			}
			if err := <-big; err == nil {
				t.Error("the append that could not be committed reported success")
			}
			if fullQueue {
				// Committed or not (small records may fit in the
				// file's free pages), it is answered.
				t.Logf("Append that waited for room in the queue: %v", <-blocked)
				for range cap(j.reqs) {
					<-dones // every AppendAsync is answered, whatever the outcome
				}
			}
		})
	}
}

// fullTmpfs mounts a 4 MiB tmpfs on a temporary directory.
func fullTmpfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fillDisk writes a file in dir until the file system is full.
func fillDisk(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte{1}, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			return
		}
	}
}

// onMessage is a slog handler that signals ch (without blocking) for every
// record whose message is msg.
type onMessage struct {
	msg string
	ch  chan struct{}
}

func (h *onMessage) Enabled(context.Context, slog.Level) bool { return true }
func (h *onMessage) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *onMessage) WithGroup(string) slog.Handler            { return h }

func (h *onMessage) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		select {
		case h.ch <- struct{}{}:
		default:
		}
	}
	return nil
}
