package packaging

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// The package tests build both packages once per run (scripts/package.sh,
// the Go toolchain and nfpm) into a directory TestMain removes.
type builtPackages struct {
	deb, rpm string
}

// builder builds the packages on first use; later callers get the same
// files. It lives for one test binary run.
type builder struct {
	root string // temporary directory, removed by TestMain
	once func() (builtPackages, error)
}

func newBuilder(root string) *builder {
	b := &builder{root: root}
	b.once = sync.OnceValues(func() (builtPackages, error) {
		return buildPackages("..", filepath.Join(root, "first"), "")
	})
	return b
}

var pkgBuilder *builder

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gluster-eventing-packages-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pkgBuilder = newBuilder(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildPackages runs scripts/package.sh of the repository at repo into out. epoch, when set, is the
// SOURCE_DATE_EPOCH to build with.
func buildPackages(repo, out, epoch string) (builtPackages, error) {
	cmd := exec.Command("bash", filepath.Join("scripts", "package.sh"), out)
	cmd.Dir = repo
	cmd.Env = os.Environ()
	if epoch != "" {
		cmd.Env = append(cmd.Env, "SOURCE_DATE_EPOCH="+epoch)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil {
		return builtPackages{}, fmt.Errorf("scripts/package.sh: %w\n%s", err, stderr.String())
	}
	var p builtPackages
	debs, _ := filepath.Glob(filepath.Join(out, "gluster-eventing_*.deb"))
	rpms, _ := filepath.Glob(filepath.Join(out, "gluster-eventing-*.rpm"))
	if len(debs) != 1 || len(rpms) != 1 {
		return p, fmt.Errorf("scripts/package.sh made debs %q and rpms %q, want one of each", debs, rpms)
	}
	p.deb, p.rpm = debs[0], rpms[0]
	return p, nil
}

func requireTool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	testenv.Require(t, err == nil, fmt.Sprintf("%s (Debian package %s)", name, debianPackage))
	return path
}

func packages(t *testing.T) builtPackages {
	t.Helper()
	_, err := exec.LookPath("go")
	if err != nil {
		if _, err := os.Stat("/usr/local/go/bin/go"); err == nil {
			t.Setenv("PATH", os.Getenv("PATH")+":/usr/local/go/bin")
		}
	}
	requireTool(t, "git", "git")
	p, err := pkgBuilder.once()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

func TestDebLintianClean(t *testing.T) {
	lintian := requireTool(t, "lintian", "lintian")
	p := packages(t)
	// Overrides are read from the package (/usr/share/lintian/overrides).
	out := run(t, lintian, "--fail-on", "error,warning", p.deb)
	if strings.TrimSpace(out) != "" {
		t.Errorf("lintian printed:\n%s", out)
	}
}

func TestRpmlintClean(t *testing.T) {
	rpmlint := requireTool(t, "rpmlint", "rpmlint")
	cpio := requireTool(t, "cpio", "cpio")
	p := packages(t)
	// rpmlint unpacks with "rpm2cpio | cpio -id" in a temporary directory,
	// but nfpm's payload has absolute names, which GNU cpio writes to /: a
	// cpio first in PATH keeps them in the directory (and lets rpmlint's
	// content checks see the files).
	bin := t.TempDir()
	wrapper := "#!/bin/sh\nexec " + cpio + " --no-absolute-filenames \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "cpio"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(filepath.ListSeparator)+os.Getenv("PATH"))
	const onlyInRPM = "/usr/share/licenses/gluster-eventing/LICENSE"
	_, errBefore := os.Lstat(onlyInRPM)
	out := run(t, rpmlint, "-r", "gluster-eventing.rpmlintrc", p.rpm)
	if _, err := os.Lstat(onlyInRPM); err == nil && errBefore != nil {
		t.Fatalf("rpmlint unpacked the package onto this machine (%s appeared)", onlyInRPM)
	}
	if !strings.Contains(out, "0 errors, 0 warnings") {
		t.Errorf("rpmlint is not clean:\n%s", out)
	}
}

// wantCommon lists what both packages install, path -> link target ("" for
// a file): every page in man/ among them.
func wantCommon(t *testing.T) map[string]string {
	t.Helper()
	want := map[string]string{
		"/usr/sbin/gluster-eventing":                            "",
		"/usr/sbin/glustereventsd":                              "gluster-eventing",
		"/usr/sbin/gluster-eventsapi":                           "gluster-eventing",
		"/usr/share/dbus-1/system.d/org.gluster.Eventing1.conf": "",
		"/usr/share/snmp/mibs/GLUSTER-EVENTING-MIB.txt":         "",
		"/etc/gluster-eventing/gluster-eventing.toml":           "",
		"/usr/share/doc/gluster-eventing/README.md":             "",
	}
	pages, err := filepath.Glob("../man/*.[58]")
	if err != nil || len(pages) < 2 {
		t.Fatalf("man pages in ../man: %q, %v", pages, err)
	}
	for _, page := range pages {
		base := filepath.Base(page)
		want["/usr/share/man/man"+base[len(base)-1:]+"/"+base+".gz"] = ""
	}
	return want
}

func TestDebContents(t *testing.T) {
	dpkgDeb := requireTool(t, "dpkg-deb", "dpkg")
	p := packages(t)
	got := map[string]string{}
	for line := range strings.Lines(run(t, dpkgDeb, "-c", p.deb)) {
		f := strings.Fields(line)
		if len(f) < 6 || strings.HasPrefix(f[0], "d") {
			continue
		}
		path := strings.TrimPrefix(f[5], ".")
		target := ""
		if len(f) >= 8 && f[6] == "->" {
			target = f[7]
		}
		got[path] = target
	}
	want := map[string]string{
		"/lib/systemd/system/gluster-eventing.service":              "",
		"/lib/systemd/system/gluster-eventing.socket":               "",
		"/usr/lib/x86_64-linux-gnu/glusterfs/peer_gluster-eventing": "../../../sbin/gluster-eventing",
		"/usr/share/doc/gluster-eventing/copyright":                 "",
		"/usr/share/doc/gluster-eventing/changelog.Debian.gz":       "",
		"/usr/share/lintian/overrides/gluster-eventing":             "",
	}
	for k, v := range wantCommon(t) {
		want[k] = v
	}
	if !strings.HasSuffix(p.deb, "_amd64.deb") {
		t.Skipf("the expected multiarch path is for amd64, built %s", p.deb)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dpkg-deb -c (-want +got):\n%s", diff)
	}

	if got := run(t, dpkgDeb, "-I", p.deb, "conffiles"); got != "/etc/gluster-eventing/gluster-eventing.toml\n" {
		t.Errorf("conffiles = %q", got)
	}
	info := run(t, dpkgDeb, "-I", p.deb)
	for _, want := range []string{"preinst", "postinst", "prerm", "postrm",
		"Depends: glusterfs-server, init-system-helpers (>= 1.54)", "Section: admin"} {
		if !strings.Contains(info, want) {
			t.Errorf("dpkg-deb -I lacks %q:\n%s", want, info)
		}
	}
	if v := run(t, dpkgDeb, "-f", p.deb, "Version"); !regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*-1\n$`).MatchString(v) {
		t.Errorf("Version = %q, not a valid Debian version from git describe", v)
	}
}

func TestRpmContents(t *testing.T) {
	rpm := requireTool(t, "rpm", "rpm")
	p := packages(t)
	got := strings.Fields(run(t, rpm, "-qpl", p.rpm))
	want := []string{
		"/usr/lib/systemd/system/gluster-eventing.service",
		"/usr/lib/systemd/system/gluster-eventing.socket",
		"/usr/libexec/glusterfs/peer_gluster-eventing",
		"/usr/share/licenses/gluster-eventing/LICENSE",
		"/var/lib/gluster-eventing",
	}
	for k := range wantCommon(t) {
		want = append(want, k)
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rpm -qpl (-want +got):\n%s", diff)
	}

	flags := run(t, rpm, "-qp", "--qf", `[%{FILENAMES} %{FILEFLAGS:fflags} %{FILELINKTOS}\n]`, p.rpm)
	for _, want := range []string{
		"/etc/gluster-eventing/gluster-eventing.toml cn \n",
		"/usr/share/man/man8/gluster-eventing.8.gz d \n",
		"/usr/libexec/glusterfs/peer_gluster-eventing  ../../sbin/gluster-eventing\n",
		"/usr/sbin/glustereventsd  gluster-eventing\n",
	} {
		if !strings.Contains(flags, want) {
			t.Errorf("rpm file flags lack %q:\n%s", want, flags)
		}
	}
	if got := run(t, rpm, "-qp", "--conflicts", p.rpm); got != "glusterfs-events\n" {
		t.Errorf("Conflicts = %q", got)
	}
	if got := run(t, rpm, "-qp", "--provides", p.rpm); !strings.Contains(got, "glusterfs-events\n") {
		t.Errorf("Provides lacks glusterfs-events: %q", got)
	}

	scripts := run(t, rpm, "-qp", "--scripts", p.rpm)
	for _, want := range []string{
		"postinstall scriptlet", "systemctl --no-reload preset gluster-eventing.service gluster-eventing.socket",
		"preuninstall scriptlet", "systemctl --no-reload disable gluster-eventing.service gluster-eventing.socket",
		"postuninstall scriptlet", "systemctl try-restart gluster-eventing.service",
	} {
		if !strings.Contains(scripts, want) {
			t.Errorf("rpm --scripts lacks %q:\n%s", want, scripts)
		}
	}
}

// Two builds of the same commit with the same SOURCE_DATE_EPOCH give the
// same bytes. Both come from a clean clone of HEAD (what the documented
// command is run on), so an edit in the working tree between them cannot
// make them differ.
func TestPackagesReproducible(t *testing.T) {
	packages(t) // the toolchain checks; the first build warms the caches
	clone := filepath.Join(pkgBuilder.root, "clone")
	run(t, "git", "clone", "--quiet", "--no-local", "..", clone)
	epoch := strings.TrimSpace(run(t, "git", "-C", clone, "log", "-1", "--format=%ct"))
	var built [2]builtPackages
	for i := range built {
		var err error
		built[i], err = buildPackages(clone, filepath.Join(pkgBuilder.root, fmt.Sprintf("repro%d", i)), epoch)
		if err != nil {
			t.Fatalf("in a clean clone: %v", err)
		}
	}
	for _, pair := range [][2]string{{built[0].deb, built[1].deb}, {built[0].rpm, built[1].rpm}} {
		a, err := os.ReadFile(pair[0])
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(pair[1])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s and %s differ: the build is not reproducible", pair[0], pair[1])
		}
	}
}
