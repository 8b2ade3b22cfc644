package journal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// A full disk must hold appends back, not drop them: on a small tmpfs the
// journal runs out of space, its commits fail and are retried, and once
// space is freed every appended record is there.
func TestDiskFullHoldsAppends(t *testing.T) {
	testenv.Require(t, os.Geteuid() == 0, "root (to mount a small tmpfs)")
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })

	j, err := Open(filepath.Join(dir, "j.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// Leave the journal next to no room.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(bytes.Repeat([]byte{1}, 3<<20))
	f.Close()

	rec := bytes.Repeat([]byte("x"), 1000)
	const n = 2000 // ~2 MB: more than fits
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if _, err := j.Append(context.Background(), rec); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	// Wait until commits fail (the appender is stuck), then free space.
	deadline := time.Now().Add(30 * time.Second)
	for j.Stats().CommitErrors == 0 {
		select {
		case err := <-done:
			t.Fatalf("all appends fit (err %v): the disk never filled, the test proves nothing", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no failed commit within 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("append failed instead of waiting for space: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("appends did not resume after space was freed")
	}
	recs, err := j.Read(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n || recs[0].Seq != 1 || recs[n-1].Seq != n {
		t.Fatalf("read %d records, want %d with seqs 1..%d", len(recs), n, n)
	}
}
