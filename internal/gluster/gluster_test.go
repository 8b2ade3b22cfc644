package gluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePoolList(t *testing.T) {
	b, err := os.ReadFile("testdata/pool-list-2.xml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parsePoolList(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Peer{
		{UUID: "58f05947-1c2d-4e5f-8a9b-0c1d2e3f4a5b", Hostname: "10.77.0.2", Connected: true},
		{UUID: "58f05947-1c2d-4e5f-8a9b-0c1d2e3f4a5b", Hostname: "node2", Connected: true},
		{UUID: "ea301ba8-4257-4b63-8881-8e868866d038", Hostname: "localhost", Connected: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// gluster --xml exits 0 on failure: the error must come from opRet.
func TestOpRetIsAnError(t *testing.T) {
	b, err := os.ReadFile("testdata/op-failed.xml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = parsePoolList(b)
	var oe *OpError
	if !errors.As(err, &oe) || oe.Errno != 30806 || oe.Msg != "Volume does not exist" {
		t.Fatalf("got %v, want an OpError with opErrno 30806", err)
	}
}

// The command line the daemon runs: a stand-in gluster records its argv.
func TestPoolListRunsGluster(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gluster")
	script := "#!/bin/sh\necho \"$@\" > " + filepath.Join(dir, "argv") + "\ncat " + mustAbs(t, "testdata/pool-list-2.xml") + "\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	peers, err := (&CLI{Path: bin}).PoolList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(peers) != 3 {
		t.Errorf("got %d peers, want 3", len(peers))
	}
	argv, _ := os.ReadFile(filepath.Join(dir, "argv"))
	if string(argv) != "--mode=script --xml pool list\n" {
		t.Errorf("argv = %q", argv)
	}
	// A failing gluster (glusterd down) is an error with its stderr.
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho 'Connection failed' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := (&CLI{Path: bin}).PoolList(context.Background()); err == nil {
		t.Fatal("no error from a failing gluster")
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The command lines of execute, copy file and uuid get, and a failure's
// message from stdout or stderr (the CLI prints "Commit failed on HOST"
// and "Connection failed" on either).
func TestChannelCommands(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gluster")
	argv := filepath.Join(dir, "argv")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(bin, []byte("#!/bin/sh\necho \"$@\" >> "+argv+"\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cli := &CLI{Path: bin}
	ctx := context.Background()
	write("echo '{\"ok\":true}'\n")
	out, err := cli.Execute(ctx, "gluster-eventing", "node-status", "--x")
	if err != nil || string(out) != "{\"ok\":true}\n" {
		t.Fatalf("Execute: %q, %v", out, err)
	}
	if _, err := cli.Execute(ctx, "gluster-eventing"); err != nil {
		t.Fatal(err)
	}
	if err := cli.CopyFile(ctx, "/events/x"); err != nil {
		t.Fatal(err)
	}
	write(`echo '<?xml version="1.0"?><cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/><uuidGenerate><uuid>ea301ba8-4257-4b63-8881-8e868866d038</uuid></uuidGenerate></cliOutput>'` + "\n")
	if id, err := cli.UUID(ctx); err != nil || id != "ea301ba8-4257-4b63-8881-8e868866d038" {
		t.Errorf("UUID: %q, %v", id, err)
	}
	got, _ := os.ReadFile(argv)
	want := "--mode=script system:: execute gluster-eventing -- node-status --x\n" +
		"--mode=script system:: execute gluster-eventing\n" +
		"--mode=script system:: copy file /events/x\n" +
		"--mode=script --xml system:: uuid get\n"
	if string(got) != want {
		t.Errorf("argv:\n%s\nwant:\n%s", got, want)
	}
	for _, stream := range []string{"", " >&2"} {
		write("echo 'Commit failed on node2. Error: Unable to end. Error : Success'" + stream + "\nexit 1\n")
		err := cli.CopyFile(ctx, "/events/x")
		var re *RunError
		if !errors.As(err, &re) || re.Output != "Commit failed on node2. Error: Unable to end. Error : Success" {
			t.Errorf("failure on stdout%s: %v", stream, err)
		}
	}
}
