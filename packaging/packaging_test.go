// Package packaging holds the files the .deb and .rpm install (systemd unit,
// default config). Its tests check them against the real tools and the
// code that reads them.
package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/internal/config"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// The shipped node config must load strictly and say exactly what the
// embedded defaults say, so that the package and a config-less run agree.
func TestDefaultConfigMatchesEmbeddedDefaults(t *testing.T) {
	got, err := config.LoadNode("gluster-eventing.toml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(config.DefaultNode(), got); diff != "" {
		t.Errorf("packaging/gluster-eventing.toml differs from config.DefaultNode() (-want +got):\n%s", diff)
	}
}

func TestUnitVerifies(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	testenv.Require(t, err == nil, "systemd-analyze (Debian package systemd)")
	// systemd-analyze verify checks that ExecStart= exists (and, with --man=no,
	// not the man pages, which this test does not install): point it at
	// copies of the units whose binary is a real file. The socket unit is
	// verified with its service next to it (Service=).
	dir := t.TempDir()
	bin := filepath.Join(dir, "gluster-eventing")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, name := range []string{"gluster-eventing.service", "gluster-eventing.socket"} {
		unit, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		unit = []byte(strings.ReplaceAll(string(unit), "/usr/sbin/gluster-eventing", bin))
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, unit, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	for _, path := range paths {
		// verify exits 0 on warnings (an unknown key, a bad value it
		// ignores): any output fails the test.
		out, err := exec.Command(sa, "verify", "--man=no", path).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", path, err, out)
		}
	}
}
