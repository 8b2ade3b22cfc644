// Package testscripts drives the real gluster-eventing binary through txtar
// scripts (github.com/rogpeppe/go-internal/testscript), against real
// components started by the custom commands in cmds_test.go: a recording
// webhook receiver, a NOTIFY_SOCKET collector, datagram senders. The scripts
// live in testdata/*.txtar; README.md documents the custom commands and
// conditions.
//
// The package has test files only. Run it with
//
//	go test ./testscripts/                 # all scripts and goldens
//	go test ./testscripts/ -run TestScripts/emit
//	go test ./testscripts/ -update         # rewrite cmp goldens and help/*.txt
package testscripts

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gluster/gluster-eventing/cmd"
)

// update rewrites goldens: `cmp` sections inside scripts and the committed
// help texts under testdata/help.
var update = flag.Bool("update", false, "rewrite golden files and cmp sections of scripts")

// testVersion is the version every program reports inside the scripts.
const testVersion = "test"

// programs are the names the binary answers to, each installed on the
// scripts' $PATH as a copy of the test binary.
var programs = []cmd.Program{cmd.ProgMain, cmd.ProgDaemon, cmd.ProgLegacyAPI, cmd.ProgPeerHelper}

func TestMain(m *testing.M) {
	cmds := make(map[string]func(), len(programs))
	for _, p := range programs {
		cmds[string(p)] = func() {
			os.Exit(cmd.Main(cmd.ProgramFor(string(p)), os.Args[1:], os.Stdin, os.Stdout, os.Stderr,
				cmd.VersionInfo{Version: testVersion}))
		}
	}
	testscript.Main(m, cmds)
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup:               setup,
		Condition:           condition,
		Cmds:                commands(),
	})
}

// setup gives every script its own $HOME and the per-script state the
// custom commands share. Nothing else is set: scripts export
// GLUSTER_EVENTING_CONFIG, EVENTS_ADDR and the like themselves.
func setup(env *testscript.Env) error {
	home := filepath.Join(env.WorkDir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	env.Setenv("HOME", home)
	env.Values[stateKey{}] = &scriptState{}
	return nil
}

// condition implements the conditions beyond testscript's own:
//
//	[root]  the test runs with effective uid 0
//	[ci]    $CI is "true" (set by CI runners)
//	[ipv6]  the IPv6 loopback [::1] can be bound
//	[systemd] systemd is PID 1 (/run/systemd/system exists)
func condition(cond string) (bool, error) {
	switch cond {
	case "systemd":
		fi, err := os.Stat("/run/systemd/system")
		return err == nil && fi.IsDir(), nil
	case "root":
		return os.Geteuid() == 0, nil
	case "ci":
		return os.Getenv("CI") == "true", nil
	case "ipv6":
		return hasIPv6Loopback(), nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

func hasIPv6Loopback() bool {
	pc, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		return false
	}
	pc.Close()
	return true
}
