// Command gluster-eventing is the Gluster eventing daemon and CLI. One static
// binary answers to several names (busybox style); this file only picks the
// program from argv[0].
package main

import (
	"os"
	"path/filepath"

	"github.com/gluster/gluster-eventing/cmd"
)

// Set with -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	prog := cmd.ProgramFor(filepath.Base(os.Args[0]))
	os.Exit(cmd.Main(prog, os.Args[1:], os.Stdin, os.Stdout, os.Stderr,
		cmd.VersionInfo{Version: version, Commit: commit, Date: date}))
}
