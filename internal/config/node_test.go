package config

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
)

// writeTemp writes text to name in a new temp dir and returns its path.
func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSize(t *testing.T) {
	for _, tt := range []struct {
		toml string
		want Size
		err  bool
	}{
		{`65536`, 65536, false},
		{`"65536"`, 65536, false},
		{`"100B"`, 100, false},
		{`"64KiB"`, 64 * KiB, false},
		{`"64MiB"`, 64 * MiB, false},
		{`"64 mib"`, 64 * MiB, false},
		{`"1GiB"`, GiB, false},
		{`"2TiB"`, 2 * TiB, false},
		{`0`, 0, false},
		{`"64MB"`, 0, true},
		{`"1.5GiB"`, 0, true},
		{`"-1"`, 0, true},
		{`-1`, 0, true},
		{`"+1"`, 0, true},
		{`"MiB"`, 0, true},
		{`""`, 0, true},
		{`"9000000TiB"`, 0, true},
		{`1.5`, 0, true},
		{`true`, 0, true},
	} {
		var v struct{ S Size }
		_, err := toml.Decode("S = "+tt.toml, &v)
		if (err != nil) != tt.err || v.S != tt.want {
			t.Errorf("S = %s: got %d, %v; want %d, error %v", tt.toml, v.S, err, tt.want, tt.err)
		}
	}
	for _, tt := range []struct {
		s    Size
		want string
	}{
		{0, "0"}, {1000, "1000"}, {1024, "1KiB"}, {1536, "1536"}, {64 * MiB, "64MiB"},
		{1024 * MiB, "1GiB"}, {3 * TiB, "3TiB"}, {GiB + 1, "1073741825"},
	} {
		if got, _ := tt.s.MarshalText(); string(got) != tt.want {
			t.Errorf("Size(%d).MarshalText() = %q, want %q", tt.s, got, tt.want)
		}
		var back Size
		if err := back.UnmarshalText([]byte(tt.want)); err != nil || back != tt.s {
			t.Errorf("round trip of %q: %d, %v", tt.want, back, err)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {2 * time.Millisecond, "2ms"}, {15 * time.Second, "15s"}, {10 * time.Minute, "10m"},
		{72 * time.Hour, "72h"}, {90 * time.Minute, "1h30m"}, {time.Hour + time.Second, "1h0m1s"},
	} {
		got, _ := Duration(tt.d).MarshalText()
		if string(got) != tt.want {
			t.Errorf("Duration(%v).MarshalText() = %q, want %q", tt.d, got, tt.want)
		}
		var back Duration
		if err := back.UnmarshalText(got); err != nil || time.Duration(back) != tt.d {
			t.Errorf("round trip of %q: %v, %v", got, back, err)
		}
	}
	for _, bad := range []string{"", "7d", "15", "soon"} {
		var d Duration
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("Duration.UnmarshalText(%q) succeeded", bad)
		}
	}
}

func TestLoadNodeMissing(t *testing.T) {
	n, err := LoadNode(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, ErrNotExist) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want ErrNotExist", err)
	}
	if diff := cmp.Diff(DefaultNode(), n); diff != "" {
		t.Errorf("config for a missing file differs from the defaults (-want +got):\n%s", diff)
	}
}

func TestLoadNode(t *testing.T) {
	for _, tt := range []struct {
		name string
		text string
		want func(n *Node)
	}{
		{"only version", "version = 1\n", func(*Node) {}},
		{"documented example", `version = 1
listen = ["[::]:55555"]          # UDP intake addresses; "[::]" is dual-stack
api_socket = "/run/gluster-eventing/api.sock"
state_dir = "/var/lib/gluster-eventing"
pid_file = "/run/gluster-eventing/gluster-eventing.pid"
glusterd_workdir = "/var/lib/glusterd"
cluster_config = ""              # default: <glusterd_workdir>/events/gluster-eventing.toml
log_level = "info"               # debug|info|warn|error
events_log = ""                  # optional path: published events as JSON lines
bus = "system"                   # system|session|none
receive_buffer = "64MiB"         # bytes; accept ints or strings with KiB/MiB/GiB
allow_sources = []               # CIDRs or IPs; empty = accept all; "loopback" keyword allowed
[journal]
max_bytes = "1GiB"
max_age = "168h"
commit_delay = "0s"
`, func(*Node) {}},
		{"everything changed", `version = 1
listen = ["0.0.0.0:24009", "[fe80::1%eth0]:55555", ":55556", "localhost:55557"]
api_socket = "/tmp/api.sock"
state_dir = "/srv/state"
pid_file = "/tmp/ge.pid"
glusterd_workdir = "/srv/glusterd"
cluster_config = "/etc/gluster-eventing/cluster.toml"
log_level = "debug"
events_log = "/var/log/glusterfs/events.jsonl"
bus = "none"
receive_buffer = 8388608
allow_sources = ["loopback", "10.0.0.0/8", "2001:db8::1"]
[journal]
max_bytes = 1000000
max_age = "1h30m"
commit_delay = "0s"
`, func(n *Node) {
			n.Listen = []string{"0.0.0.0:24009", "[fe80::1%eth0]:55555", ":55556", "localhost:55557"}
			n.APISocket, n.StateDir, n.PIDFile = "/tmp/api.sock", "/srv/state", "/tmp/ge.pid"
			n.GlusterdWorkdir, n.ClusterConfig = "/srv/glusterd", "/etc/gluster-eventing/cluster.toml"
			n.LogLevel, n.EventsLog, n.Bus = "debug", "/var/log/glusterfs/events.jsonl", "none"
			n.ReceiveBuffer = 8 * MiB
			n.AllowSources = []string{"loopback", "10.0.0.0/8", "2001:db8::1"}
			n.Journal = Journal{MaxBytes: 1000000, MaxAge: Duration(90 * time.Minute)}
		}},
		{"partial journal keeps other defaults", "version = 1\n[journal]\nmax_age = \"24h\"\n", func(n *Node) {
			n.Journal.MaxAge = Duration(24 * time.Hour)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadNode(writeTemp(t, "node.toml", tt.text))
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultNode()
			tt.want(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadNodeErrors checks strict parsing: each error names the file, the
// line where it is known, and the key.
func TestLoadNodeErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		text string
		want string // the error with the file's path written as F
	}{
		{"unknown top-level key", "version = 1\nlisten = [\"[::]:1\"]\nbogus = 1\n",
			`F:3: unknown key "bogus"`},
		{"unknown key in a table", "version = 1\n[journal]\nmax_age = \"1h\"\nmax_bytez = 5\n",
			`F:4: unknown key "journal.max_bytez"`},
		{"unknown table reported once", "version = 1\n\n[bogus]\na = 1\nb = 2\n",
			`F:3: unknown key "bogus"`},
		{"keys are case-sensitive", "version = 1\nLog_Level = \"info\"\n",
			`F:2: unknown key "Log_Level"`},
		{"several unknown keys", "version = 1\nfoo = 1\n[journal]\nbar = 2\n",
			"F:2: unknown key \"foo\"\nF:4: unknown key \"journal.bar\""},
		{"dotted unknown key", "version = 1\njournal.nope = 1\n",
			`F:2: unknown key "journal.nope"`},
		{"inline table unknown key", "version = 1\njournal = { max_age = \"1h\", x = 1 }\n",
			`F:2: unknown key "journal.x"`},
		{"wrong type string for list", "version = 1\n\nlisten = \"[::]:55555\"\n",
			`F:3: listen: incompatible types: TOML value has type string; destination has type slice`},
		{"wrong type int for string", "version = 1\nbus = 1\n",
			`F:2: bus: incompatible types: TOML value has type int64; destination has type string`},
		{"bad size", "version = 1\nreceive_buffer = \"64MB\"\n",
			`F:2: receive_buffer: invalid size "64MB" (want bytes, or a number with unit B, KiB, MiB, GiB or TiB)`},
		{"bad duration", "version = 1\n[journal]\nmax_age = \"7d\"\n",
			`F:3: journal.max_age: invalid duration "7d" (want a Go duration such as "15s" or "72h")`},
		{"duration without unit", "version = 1\n[journal]\ncommit_delay = 2\n",
			`F:3: journal.commit_delay: invalid duration "2" (want a Go duration such as "15s" or "72h")`},
		{"syntax error", "version = 1\nlisten = [\"a\",\n\nbus = \"x\"\n",
			`F:4: listen: expected value but found "bus" instead`},
		{"duplicate key", "version = 1\nbus = \"none\"\nbus = \"system\"\n",
			`F:3: bus: Key 'bus' has already been defined.`},
		{"missing version", "bus = \"none\"\n",
			`F:1: version: missing (want version = 1 at the top)`},
		{"empty file", "",
			`F:1: version: missing (want version = 1 at the top)`},
		{"unsupported version", "# comment\nversion = 2\n",
			`F:2: version: unsupported version 2 (want 1)`},
		{"validation", `version = 1
listen = ["55555", "[::]:55555", "[::]:55555", "nohost.example:1", "[::]:0"]
api_socket = "api.sock"
log_level = "loud"
bus = "user"
receive_buffer = 0
allow_sources = ["10.0.0.0/33", "loopback", "any"]
[journal]
max_bytes = 0
max_age = "-1h"
commit_delay = "2s"
`, `F: listen[0]: "55555": want host:port, such as "[::]:55555" or "0.0.0.0:55555"
F: listen[2]: "[::]:55555" is listed twice
F: listen[3]: "nohost.example:1": host "nohost.example" is not an IP address
F: listen[4]: "[::]:0": port "0" is not a number between 1 and 65535
F: api_socket: must be an absolute path, not "api.sock"
F: log_level: "loud" is not one of debug, info, warn, error (or DEBUG, INFO, WARNING, ERROR)
F: bus: "user" is not one of system, session, none
F: receive_buffer: must be positive
F: allow_sources[0]: "10.0.0.0/33" is not an IP address, a CIDR, "loopback" or "peers"
F: allow_sources[2]: "any" is not an IP address, a CIDR, "loopback" or "peers"
F: journal.max_bytes: must be positive
F: journal.max_age: must be positive
F: journal.commit_delay: must be between 0s and 1s, not 2s`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "node.toml", tt.text)
			n, err := LoadNode(path)
			if err == nil {
				t.Fatalf("no error; config %+v", n)
			}
			if n != nil {
				t.Errorf("returned a config with the error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not match ErrInvalid: %v", err)
			}
			if got := strings.ReplaceAll(err.Error(), path, "F"); got != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestLoadErrorPosition checks that a caller can get the toml.ParseError
// with its excerpt of the file, for syntax errors and unknown keys alike.
func TestLoadErrorPosition(t *testing.T) {
	path := writeTemp(t, "node.toml", "version = 1\nbus = \"none\"\nbogus = true\n")
	_, err := LoadNode(path)
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v does not wrap a toml.ParseError", err)
	}
	// The toml package records the position of the value.
	want := "toml: error: unknown key \"bogus\"\n\nAt line 3, column 9-12:\n\n" +
		"      1 | version = 1\n      2 | bus = \"none\"\n      3 | bogus = true\n                  ^^^^\n"
	if got := pe.ErrorWithPosition(); got != want {
		t.Errorf("ErrorWithPosition:\n%s\nwant:\n%s", got, want)
	}
}

func TestLoadNodeUnreadable(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadNode(dir) // a directory
	if err == nil || errors.Is(err, ErrNotExist) || errors.Is(err, ErrInvalid) {
		t.Errorf("LoadNode(directory) = %v, want a plain read error", err)
	}
}

func TestNodeHelpers(t *testing.T) {
	n := DefaultNode()
	if got := n.ClusterConfigPath(); got != "/var/lib/glusterd/events/gluster-eventing.toml" {
		t.Errorf("ClusterConfigPath() = %q", got)
	}
	n.ClusterConfig = "/etc/x.toml"
	if got := n.ClusterConfigPath(); got != "/etc/x.toml" {
		t.Errorf("ClusterConfigPath() = %q", got)
	}
	if got := n.AllowPrefixes(); got != nil {
		t.Errorf("AllowPrefixes() of the defaults = %v, want nil", got)
	}
	n.AllowSources = []string{"loopback", "10.1.2.3/8", "192.0.2.7", "fe80::1%eth0", "2001:db8::/32"}
	want := []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("fe80::1/128"), netip.MustParsePrefix("2001:db8::/32"),
	}
	if diff := cmp.Diff(want, n.AllowPrefixes(), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("AllowPrefixes() (-want +got):\n%s", diff)
	}
	if err := n.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestWriteNode(t *testing.T) {
	old := umask(0o077) // the mode is set explicitly, not left to the umask
	defer umask(old)

	path := filepath.Join(t.TempDir(), "etc", "gluster-eventing", "gluster-eventing.toml")
	n := DefaultNode()
	n.Listen = []string{"0.0.0.0:55555", "[::1]:55555"}
	n.ReceiveBuffer = 8*MiB + 1
	if err := WriteNode(path, n); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o644)
	assertNoTemp(t, filepath.Dir(path))
	got, err := LoadNode(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(n, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	n.Bus = "dbus"
	if err := WriteNode(path, n); err == nil || !strings.Contains(err.Error(), `bus: "dbus" is not one of`) {
		t.Errorf("WriteNode of an invalid config: %v", err)
	}
	if got, _ := LoadNode(path); got == nil || got.Bus != "system" {
		t.Errorf("an invalid WriteNode changed the file")
	}
}
