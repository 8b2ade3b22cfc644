package packaging

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// overlayRoot is a copy-on-write view of this machine's root: every command
// runs in a private mount namespace (unshare) that mounts an overlayfs with
// lowerdir=/ and an upper layer in dir, then chroots into it. The machine is
// never changed, and other tests, which run Gluster's glustereventsd from
// /usr/sbin at the same time, never see a half-installed package. The upper
// layer keeps the changes from one command to the next.
type overlayRoot struct {
	dir string
}

func newOverlayRoot(t *testing.T) *overlayRoot {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"upper/tmp", "work", "merged"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &overlayRoot{dir: dir}
}

// mountScript mounts the overlay (and a private /dev, /proc and an empty
// /run, so that nothing reaches the host's D-Bus or systemd) and runs the
// command in the chroot. $0 is the overlay's directory.
const mountScript = `set -e
mount -t overlay overlay -o "lowerdir=/,upperdir=$0/upper,workdir=$0/work" "$0/merged"
mount --rbind /dev "$0/merged/dev"
mount -t proc proc "$0/merged/proc"
mount -t tmpfs tmpfs "$0/merged/run"
exec chroot "$0/merged" /bin/sh -c "$1"`

// run runs a shell script as root inside the overlay and returns its output.
func (o *overlayRoot) run(t *testing.T, script string) (string, error) {
	t.Helper()
	cmd := exec.Command("unshare", "--mount", "--propagation", "private",
		"/bin/sh", "-c", mountScript, o.dir, script)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (o *overlayRoot) mustRun(t *testing.T, script string) string {
	t.Helper()
	out, err := o.run(t, script)
	if err != nil {
		t.Fatalf("in the overlay: %s: %v\n%s", script, err, out)
	}
	return out
}

// The paths whose state the install test follows.
const multiarchLibexec = "/usr/lib/x86_64-linux-gnu/glusterfs"

var followed = []string{
	"/usr/sbin/gluster-eventing",
	"/usr/sbin/glustereventsd",
	"/usr/sbin/gluster-eventsapi",
	"/usr/sbin/glustereventsd.glusterfs-server",
	"/usr/sbin/gluster-eventsapi.glusterfs-server",
	multiarchLibexec + "/peer_gluster-eventing",
	"/etc/gluster-eventing/gluster-eventing.toml",
	"/var/lib/gluster-eventing/marker",
	"/etc/systemd/system/multi-user.target.wants/gluster-eventing.service",
	"/etc/systemd/system/sockets.target.wants/gluster-eventing.socket",
	"/etc/systemd/system/gluster-eventing.service",
	"/etc/systemd/system/multi-user.target.wants/glustereventsd.service",
}

// stateScript prints one line per followed path, the diversions of
// Gluster's two commands and the package's dpkg status.
var stateScript = `for p in ` + strings.Join(followed, " ") + `; do
	if [ -L "$p" ]; then
		if [ -e "$p" ]; then ok=resolves; else ok=dangling; fi
		echo "$p link $(readlink "$p") $ok"
	elif [ -d "$p" ]; then echo "$p dir"
	elif [ -e "$p" ]; then echo "$p file $(sha256sum <"$p" | cut -c1-12)"
	fi
done
echo "/var/lib/gluster-eventing $(stat -c %a /var/lib/gluster-eventing 2>/dev/null || echo absent)"
dpkg-divert --list '/usr/sbin/glustereventsd'
dpkg-divert --list '/usr/sbin/gluster-eventsapi'
echo "status $(dpkg-query -W -f='${Status}' gluster-eventing 2>/dev/null || echo not-installed)"
`

func (o *overlayRoot) state(t *testing.T) []string {
	t.Helper()
	return strings.Split(strings.TrimSpace(o.mustRun(t, stateScript)), "\n")
}

// hostState is what the install test must leave exactly as it was.
func hostState(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/usr/sbin/glustereventsd", "/usr/sbin/gluster-eventsapi"} {
		target, err := os.Readlink(p)
		fmt.Fprintf(&b, "%s -> %s (%v)\n", p, target, err)
	}
	out, err := exec.Command("dpkg-divert", "--list").CombinedOutput()
	fmt.Fprintf(&b, "diversions (%v):\n%s", err, out)
	out, _ = exec.Command("dpkg-query", "-W", "-f=${Status}\n", "gluster-eventing").CombinedOutput()
	fmt.Fprintf(&b, "gluster-eventing: %s", out)
	return b.String()
}

// TestDebInstallRemovePurge installs the built .deb with dpkg on a
// copy-on-write view of this machine, which has Gluster's glusterfs-server,
// then removes and purges it, and checks the files, links, diversions,
// conffile, state directory and units at every step: our binary answers to
// Gluster's names while installed, and Gluster's own glustereventsd and
// gluster-eventsapi come back intact.
func TestDebInstallRemovePurge(t *testing.T) {
	testenv.Require(t, os.Geteuid() == 0, "root (dpkg in a private mount namespace)")
	requireTool(t, "unshare", "util-linux")
	requireTool(t, "dpkg", "dpkg")
	status, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", "glusterfs-server").Output()
	testenv.Require(t, string(status) == "install ok installed", "glusterfs-server (Debian package)")
	glustereventsd, err1 := os.Readlink("/usr/sbin/glustereventsd")
	eventsapi, err2 := os.Readlink("/usr/sbin/gluster-eventsapi")
	if err1 != nil || err2 != nil {
		t.Fatalf("glusterfs-server is installed but its links are not: %v, %v", err1, err2)
	}
	p := packages(t)
	if !strings.HasSuffix(p.deb, "_amd64.deb") {
		t.Skipf("the expected multiarch path is for amd64, built %s", p.deb)
	}

	before := hostState(t)
	t.Cleanup(func() {
		if after := hostState(t); after != before {
			t.Errorf("the host changed (-before +after):\n%s", cmp.Diff(before, after))
		}
	})

	o := newOverlayRoot(t)
	if out, err := o.run(t, "true"); err != nil {
		testenv.Require(t, false, fmt.Sprintf("an overlayfs over / in a private mount namespace (%v: %s)", err, out))
	}
	deb, err := os.ReadFile(p.deb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(o.dir, "upper/tmp/gluster-eventing.deb"), deb, 0o644); err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile("gluster-eventing.toml")
	if err != nil {
		t.Fatal(err)
	}
	shippedSum := strings.TrimSpace(o.mustRun(t, "printf '%s' '"+strings.ReplaceAll(string(shipped), "'", `'\''`)+"' | sha256sum | cut -c1-12"))

	gluster := []string{
		"/usr/sbin/glustereventsd link " + glustereventsd + " resolves",
		"/usr/sbin/gluster-eventsapi link " + eventsapi + " resolves",
	}
	checkState := func(step string, want []string) {
		t.Helper()
		if diff := cmp.Diff(want, o.state(t)); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", step, diff)
		}
	}

	// A node that has never had the package: files an earlier hand install
	// left on this machine (scripts/run.sh, a copied binary), which no
	// package owns, are removed in the overlay only.
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "gluster-eventing").Output(); err == nil && strings.Contains(string(out), "installed") {
		t.Fatalf("the gluster-eventing package is installed on this machine (%s): this test needs a machine without it", out)
	}
	// Gluster's glustereventsd.service is enabled, as systemctl enable does.
	glustereventsdWants := "/etc/systemd/system/multi-user.target.wants/glustereventsd.service link /lib/systemd/system/glustereventsd.service resolves"
	o.mustRun(t, `rm -rf /usr/sbin/gluster-eventing /etc/gluster-eventing /var/lib/gluster-eventing
		ln -sf /lib/systemd/system/glustereventsd.service /etc/systemd/system/multi-user.target.wants/glustereventsd.service`)
	checkState("nothing", append(gluster,
		glustereventsdWants,
		"/var/lib/gluster-eventing absent",
		"status not-installed"))

	t.Log(o.mustRun(t, "dpkg -i /tmp/gluster-eventing.deb"))
	checkState("dpkg -i", []string{
		"/usr/sbin/gluster-eventing file " + sha256Prefix(t, o, "/usr/sbin/gluster-eventing"),
		"/usr/sbin/glustereventsd link gluster-eventing resolves",
		"/usr/sbin/gluster-eventsapi link gluster-eventing resolves",
		"/usr/sbin/glustereventsd.glusterfs-server link " + glustereventsd + " resolves",
		"/usr/sbin/gluster-eventsapi.glusterfs-server link " + eventsapi + " resolves",
		multiarchLibexec + "/peer_gluster-eventing link ../../../sbin/gluster-eventing resolves",
		"/etc/gluster-eventing/gluster-eventing.toml file " + shippedSum,
		"/etc/systemd/system/multi-user.target.wants/gluster-eventing.service link /lib/systemd/system/gluster-eventing.service resolves",
		"/etc/systemd/system/sockets.target.wants/gluster-eventing.socket link /lib/systemd/system/gluster-eventing.socket resolves",
		"/var/lib/gluster-eventing 750",
		"diversion of /usr/sbin/glustereventsd to /usr/sbin/glustereventsd.glusterfs-server by gluster-eventing",
		"diversion of /usr/sbin/gluster-eventsapi to /usr/sbin/gluster-eventsapi.glusterfs-server by gluster-eventing",
		"status install ok installed",
	})
	// Every name runs our binary, as the program that name selects.
	for _, c := range []struct{ path, want string }{
		{"/usr/sbin/glustereventsd", "glustereventsd"},
		{"/usr/sbin/gluster-eventsapi", "gluster-eventsapi"},
		{multiarchLibexec + "/peer_gluster-eventing", "peer_gluster-eventing"},
	} {
		if out := o.mustRun(t, c.path+" --help"); !strings.HasPrefix(out, "Usage: "+c.want) {
			t.Errorf("%s --help does not start with Usage: %s:\n%s", c.path, c.want, out)
		}
	}

	// man finds and renders the installed pages, as an operator types it.
	for _, page := range []string{"gluster-eventing", "gluster-eventing.toml", "gluster-eventing-webhooks"} {
		out := o.mustRun(t, "MANWIDTH=80 man -P cat "+page+" 2>&1 | head -20")
		if !strings.Contains(strings.ToLower(out), strings.ToLower(page)) || strings.Contains(out, "No manual entry") {
			t.Errorf("man %s after dpkg -i:\n%s", page, out)
		}
	}

	// A local change to the conffile and a journal: both survive a remove.
	local := strings.TrimSpace(o.mustRun(t, `echo '# changed here' >>/etc/gluster-eventing/gluster-eventing.toml
		echo journal >/var/lib/gluster-eventing/marker
		sha256sum </etc/gluster-eventing/gluster-eventing.toml | cut -c1-12`))
	marker := sha256Prefix(t, o, "/var/lib/gluster-eventing/marker")

	// An upgrade to the next version (the same package, rebuilt as -2)
	// keeps the changed conffile, the journal and the diversions.
	next := nextRelease(t, p.deb, filepath.Join(o.dir, "upper/tmp/gluster-eventing-next.deb"))
	t.Log(o.mustRun(t, "dpkg -i /tmp/gluster-eventing-next.deb"))
	upgraded := o.state(t)
	for _, want := range []string{
		"/usr/sbin/glustereventsd link gluster-eventing resolves",
		"/usr/sbin/glustereventsd.glusterfs-server link " + glustereventsd + " resolves",
		"/etc/gluster-eventing/gluster-eventing.toml file " + local,
		"/var/lib/gluster-eventing/marker file " + marker,
		"diversion of /usr/sbin/glustereventsd to /usr/sbin/glustereventsd.glusterfs-server by gluster-eventing",
		"diversion of /usr/sbin/gluster-eventsapi to /usr/sbin/gluster-eventsapi.glusterfs-server by gluster-eventing",
		"status install ok installed",
	} {
		if !slices.Contains(upgraded, want) {
			t.Errorf("after the upgrade, no %q in:\n%s", want, strings.Join(upgraded, "\n"))
		}
	}
	if v := o.mustRun(t, "dpkg-query -W -f='${Version}' gluster-eventing"); v != next {
		t.Errorf("installed version after the upgrade = %q, want %q", v, next)
	}

	t.Log(o.mustRun(t, "dpkg -r gluster-eventing"))
	checkState("dpkg -r", append(gluster,
		"/etc/gluster-eventing/gluster-eventing.toml file "+local,
		"/var/lib/gluster-eventing/marker file "+marker,
		// deb-systemd-helper keeps the enablement of a removed (not
		// purged) package and masks the unit, as dh_installsystemd does.
		"/etc/systemd/system/multi-user.target.wants/gluster-eventing.service link /lib/systemd/system/gluster-eventing.service dangling",
		"/etc/systemd/system/sockets.target.wants/gluster-eventing.socket link /lib/systemd/system/gluster-eventing.socket dangling",
		"/etc/systemd/system/gluster-eventing.service link /dev/null resolves",
		"/var/lib/gluster-eventing 750",
		"status deinstall ok config-files"))

	t.Log(o.mustRun(t, "dpkg -P gluster-eventing"))
	checkState("dpkg -P", append(gluster,
		"/var/lib/gluster-eventing absent",
		"status not-installed"))
	if out := o.mustRun(t, "ls -d /etc/gluster-eventing 2>&1 || true"); !strings.Contains(out, "No such file") {
		t.Errorf("/etc/gluster-eventing is still there after purge: %s", out)
	}
}

func sha256Prefix(t *testing.T, o *overlayRoot, path string) string {
	t.Helper()
	return strings.TrimSpace(o.mustRun(t, "sha256sum <"+path+" | cut -c1-12"))
}

// nextRelease writes to dst the .deb at src rebuilt with the next Debian
// revision (-1 becomes -2) and returns that version: an upgrade without a
// second build.
func nextRelease(t *testing.T, src, dst string) string {
	t.Helper()
	tree := filepath.Join(t.TempDir(), "tree")
	run(t, "dpkg-deb", "-R", src, tree)
	control := filepath.Join(tree, "DEBIAN", "control")
	b, err := os.ReadFile(control)
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimSpace(run(t, "dpkg-deb", "-f", src, "Version"))
	next := strings.TrimSuffix(version, "-1") + "-2"
	b = []byte(strings.Replace(string(b), "\nVersion: "+version+"\n", "\nVersion: "+next+"\n", 1))
	if err := os.WriteFile(control, b, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "dpkg-deb", "--root-owner-group", "-b", tree, dst)
	return next
}

// TestRpmInstallErase installs the built .rpm with rpm (--nodeps: this
// Debian machine's rpm database has no glusterfs-server) on a copy-on-write
// view of the machine, where systemd is not PID 1, and erases it: the
// scriptlets succeed, the files and links are where the RPM layout wants
// them, a changed config is saved as .rpmsave and the journal stays.
func TestRpmInstallErase(t *testing.T) {
	testenv.Require(t, os.Geteuid() == 0, "root (rpm in a private mount namespace)")
	requireTool(t, "unshare", "util-linux")
	requireTool(t, "rpm", "rpm")
	p := packages(t)
	before := hostState(t)
	t.Cleanup(func() {
		if after := hostState(t); after != before {
			t.Errorf("the host changed (-before +after):\n%s", cmp.Diff(before, after))
		}
	})
	o := newOverlayRoot(t)
	if out, err := o.run(t, "true"); err != nil {
		testenv.Require(t, false, fmt.Sprintf("an overlayfs over / in a private mount namespace (%v: %s)", err, out))
	}
	pkg, err := os.ReadFile(p.rpm)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(o.dir, "upper/tmp/gluster-eventing.rpm"), pkg, 0o644); err != nil {
		t.Fatal(err)
	}
	o.mustRun(t, "rm -rf /usr/sbin/gluster-eventing /etc/gluster-eventing /var/lib/gluster-eventing /usr/libexec/glusterfs")

	t.Log(o.mustRun(t, "rpm -i --nodeps /tmp/gluster-eventing.rpm 2>&1"))
	got := o.mustRun(t, `for p in /usr/sbin/gluster-eventing /usr/sbin/glustereventsd /usr/sbin/gluster-eventsapi \
			/usr/libexec/glusterfs/peer_gluster-eventing /usr/lib/systemd/system/gluster-eventing.service \
			/usr/lib/systemd/system/gluster-eventing.socket /etc/gluster-eventing/gluster-eventing.toml; do
		if [ -L "$p" ]; then echo "$p -> $(readlink "$p")"; elif [ -f "$p" ]; then echo "$p"; else echo "$p missing"; fi
	done
	stat -c '%n %a' /var/lib/gluster-eventing
	rpm -V --nodeps gluster-eventing && echo verified`)
	want := `/usr/sbin/gluster-eventing
/usr/sbin/glustereventsd -> gluster-eventing
/usr/sbin/gluster-eventsapi -> gluster-eventing
/usr/libexec/glusterfs/peer_gluster-eventing -> ../../sbin/gluster-eventing
/usr/lib/systemd/system/gluster-eventing.service
/usr/lib/systemd/system/gluster-eventing.socket
/etc/gluster-eventing/gluster-eventing.toml
/var/lib/gluster-eventing 750
verified
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after rpm -i (-want +got):\n%s", diff)
	}
	if out := o.mustRun(t, "/usr/libexec/glusterfs/peer_gluster-eventing --help"); !strings.HasPrefix(out, "Usage: peer_gluster-eventing") {
		t.Errorf("peer_gluster-eventing --help:\n%s", out)
	}

	o.mustRun(t, `echo '# changed here' >>/etc/gluster-eventing/gluster-eventing.toml
		echo journal >/var/lib/gluster-eventing/marker`)
	t.Log(o.mustRun(t, "rpm -e gluster-eventing 2>&1"))
	got = o.mustRun(t, `for p in /usr/sbin/gluster-eventing /usr/libexec/glusterfs/peer_gluster-eventing \
			/usr/lib/systemd/system/gluster-eventing.service /etc/gluster-eventing/gluster-eventing.toml \
			/etc/gluster-eventing/gluster-eventing.toml.rpmsave /var/lib/gluster-eventing/marker; do
		if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi
	done
	rpm -q gluster-eventing >/dev/null || echo erased`)
	want = `/etc/gluster-eventing/gluster-eventing.toml.rpmsave
/var/lib/gluster-eventing/marker
erased
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after rpm -e (-want +got):\n%s", diff)
	}
}
