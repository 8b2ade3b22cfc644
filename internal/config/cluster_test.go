package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A valid Standard Webhooks secret (24 bytes).
const testSigningSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

const exampleCluster = `version = 1
generation = 7
log-level = "INFO"
port = 55555
disable-events-log = false

[[webhook]]
url = "https://example.com/hook"
format = "legacy"
token = ""
secret = ""
signing_secret = ""
ca_file = ""
timeout = "15s"
max_in_flight = 1
max_attempts = 0
max_age = "72h"
dead_letter_after = 3
events = []

[[webhook]]
url = "http://[2001:db8::5]:8080/gluster"
format = "standard"
token = "bearer-abc"
signing_secret = "` + testSigningSecret + `"
events = ["VOLUME_*", "PEER_ATTACH"]

[[webhook]]
# every key but url left out: the defaults
url = "http://10.0.0.9/events"
`

func TestLoadCluster(t *testing.T) {
	got, err := LoadCluster(writeTemp(t, "c.toml", exampleCluster))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultCluster()
	want.Generation = 7
	w0, w1, w2 := DefaultWebhook(), DefaultWebhook(), DefaultWebhook()
	w0.URL = "https://example.com/hook"
	w1.URL, w1.Format, w1.Token = "http://[2001:db8::5]:8080/gluster", FormatStandard, "bearer-abc"
	w1.SigningSecret, w1.Events = testSigningSecret, []string{"VOLUME_*", "PEER_ATTACH"}
	w2.URL = "http://10.0.0.9/events"
	want.Webhooks = []Webhook{w0, w1, w2}
	for i := range want.Webhooks {
		want.Webhooks[i].ID = IDFromURL(want.Webhooks[i].URL)
	}
	if len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0], "dead_letter_after is no longer used") {
		t.Errorf("Warnings = %q, want one about dead_letter_after", got.Warnings)
	}
	got.Warnings = nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadClusterMissing(t *testing.T) {
	c, err := LoadCluster(filepath.Join(t.TempDir(), "events", "gluster-eventing.toml"))
	if !errors.Is(err, ErrNotExist) {
		t.Fatalf("err = %v, want ErrNotExist", err)
	}
	if diff := cmp.Diff(DefaultCluster(), c); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadClusterErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		text string
		want string // with the file's path written as F
	}{
		{"unknown key in a webhook", "version = 1\n[[webhook]]\nurl = \"http://a/\"\ntokn = \"x\"\n",
			`F:4: unknown key "webhook.tokn"`},
		{"repeated unknown key reported once", "version = 1\n[[webhook]]\nurl = \"http://a/\"\ntokn = \"x\"\n" +
			"[[webhook]]\nurl = \"http://b/\"\ntokn = \"y\"\n",
			`F:7: unknown key "webhook.tokn"`},
		{"legacy key spelled with underscore", "version = 1\nlog_level = \"INFO\"\n",
			`F:2: unknown key "log_level"`},
		{"wrong type in a webhook", "version = 1\n[[webhook]]\nurl = \"http://a/\"\nmax_in_flight = \"2\"\n",
			`F:4: webhook.max_in_flight: incompatible types: TOML value has type string; destination has type integer`},
		{"duration without unit in a webhook", "version = 1\n[[webhook]]\nurl = \"http://a/\"\ntimeout = 15\n",
			`F:4: webhook.timeout: invalid duration "15" (want a Go duration such as "15s" or "72h")`},
		{"port as string", "version = 1\nport = \"55555\"\n",
			`F:2: port: incompatible types: TOML value has type string; destination has type integer`},
		{"webhook as a plain table", "version = 1\n[webhook]\nurl = \"http://a/\"\n",
			`F:2: webhook: incompatible types: TOML value has type map[string]any; destination has type slice`},
		{"version missing", "port = 1\n", `F:1: version: missing (want version = 1 at the top)`},
		{"version 0", "version = 0\n", `F:1: version: unsupported version 0 (want 1)`},
		{"explicit zero is not the default", "version = 1\n[[webhook]]\nurl = \"http://a/\"\nmax_in_flight = 0\n",
			`F: webhook[0].max_in_flight: 0 is not between 1 and 64`},
		{"validation names the webhook", "version = 1\nport = 0\n[[webhook]]\nurl = \"http://a/\"\n" +
			"[[webhook]]\nurl = \"example.com/hook\"\nformat = \"json\"\n",
			"F: port: 0 is not between 1 and 65535\n" +
				"F: webhook[1].url: scheme must be http or https, not \"\"\n" +
				"F: webhook[1].format: \"json\" is not \"legacy\" or \"standard\""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "c.toml", tt.text)
			c, err := LoadCluster(path)
			if err == nil {
				t.Fatalf("no error; config %+v", c)
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

func validCluster() *Cluster {
	c := DefaultCluster()
	w1, w2 := DefaultWebhook(), DefaultWebhook()
	w1.URL, w1.Token, w1.Secret = "https://example.com/hook", "tok", "jwt-secret"
	w2.URL, w2.Format, w2.SigningSecret = "http://[::1]:9000/h", FormatStandard, testSigningSecret
	c.Webhooks = []Webhook{w1, w2}
	return c
}

func TestClusterValidate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(c *Cluster)
		want   string // "" = valid
	}{
		{"valid", func(*Cluster) {}, ""},
		{"no webhooks", func(c *Cluster) { c.Webhooks = nil }, ""},
		{"url with user, port, query", func(c *Cluster) { c.Webhooks[0].URL = "https://u:p@host:8443/x?y=1" }, ""},
		{"ipv6 zone", func(c *Cluster) { c.Webhooks[0].URL = "http://[fe80::1%25eth0]:80/" }, ""},
		{"upper-case scheme", func(c *Cluster) { c.Webhooks[0].URL = "HTTPS://example.com/" }, ""},
		{"legacy with token only", func(c *Cluster) { c.Webhooks[0].Secret = "" }, ""},
		{"standard with token", func(c *Cluster) { c.Webhooks[1].Token = "t" }, ""},
		{"standard unsigned", func(c *Cluster) { c.Webhooks[1].SigningSecret = "" }, ""},
		{"64 in flight", func(c *Cluster) { c.Webhooks[0].MaxInFlight = 64 }, ""},
		{"event filters", func(c *Cluster) { c.Webhooks[0].Events = []string{"VOLUME_*", "PEER_[AD]*", "QUORUM_LOST"} }, ""},

		{"version", func(c *Cluster) { c.Version = 2 }, "version: unsupported version 2 (want 1)"},
		{"generation", func(c *Cluster) { c.Generation = -1 }, "generation: must not be negative"},
		{"log-level unknown", func(c *Cluster) { c.LogLevel = "loud" }, `log-level: "loud" is not one of DEBUG, INFO, WARNING, ERROR`},
		{"port 0", func(c *Cluster) { c.Port = 0 }, "port: 0 is not between 1 and 65535"},
		{"port 65536", func(c *Cluster) { c.Port = 65536 }, "port: 65536 is not between 1 and 65535"},
		{"empty url", func(c *Cluster) { c.Webhooks[1].URL = "" }, "webhook[1].url: missing"},
		{"no scheme", func(c *Cluster) { c.Webhooks[1].URL = "example.com/hook" }, `webhook[1].url: scheme must be http or https, not ""`},
		{"ftp", func(c *Cluster) { c.Webhooks[1].URL = "ftp://example.com/" }, `webhook[1].url: scheme must be http or https, not "ftp"`},
		{"no host", func(c *Cluster) { c.Webhooks[1].URL = "https:///hook" }, "webhook[1].url: missing host"},
		{"port only", func(c *Cluster) { c.Webhooks[1].URL = "https://:443/hook" }, "webhook[1].url: missing host"},
		{"opaque", func(c *Cluster) { c.Webhooks[1].URL = "https:example.com" }, "webhook[1].url: missing host"},
		{"bad port", func(c *Cluster) { c.Webhooks[1].URL = "http://h:99999/" }, `webhook[1].url: port "99999" is not between 1 and 65535`},
		{"unparsable, password not shown", func(c *Cluster) { c.Webhooks[1].URL = "http://u:s3cret@[::1/" },
			`webhook[1].url: not a URL: missing ']' in host`},
		{"duplicate url", func(c *Cluster) {
			c.Webhooks[1].URL = c.Webhooks[0].URL
			c.Webhooks[1].Format = FormatLegacy
			c.Webhooks[1].SigningSecret = ""
		},
			"webhook[1].url: same URL as webhook[0]"},
		{"format", func(c *Cluster) { c.Webhooks[0].Format = "" }, `webhook[0].format: "" is not "legacy" or "standard"`},
		{"jwt secret on standard", func(c *Cluster) { c.Webhooks[1].Secret = "x" },
			`webhook[1].secret: only used with format = "legacy"; standard webhooks use signing_secret`},
		{"signing secret on legacy", func(c *Cluster) { c.Webhooks[0].SigningSecret = testSigningSecret },
			`webhook[0].signing_secret: only used with format = "standard"; legacy webhooks use secret`},
		{"signing secret prefix", func(c *Cluster) { c.Webhooks[1].SigningSecret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
			`webhook[1].signing_secret: must start with "whsec_"`},
		{"signing secret base64", func(c *Cluster) { c.Webhooks[1].SigningSecret = "whsec_not base64!" },
			`webhook[1].signing_secret: must be "whsec_" followed by base64`},
		{"signing secret short", func(c *Cluster) { c.Webhooks[1].SigningSecret = "whsec_c2hvcnQ=" },
			"webhook[1].signing_secret: key is 5 bytes; want 24 to 64"},
		{"ca_file relative", func(c *Cluster) { c.Webhooks[0].CAFile = "ca.pem" }, `webhook[0].ca_file: must be an absolute path, not "ca.pem"`},
		{"timeout", func(c *Cluster) { c.Webhooks[0].Timeout = 0 }, "webhook[0].timeout: must be positive"},
		{"max_in_flight 0", func(c *Cluster) { c.Webhooks[0].MaxInFlight = 0 }, "webhook[0].max_in_flight: 0 is not between 1 and 64"},
		{"max_in_flight 65", func(c *Cluster) { c.Webhooks[0].MaxInFlight = 65 }, "webhook[0].max_in_flight: 65 is not between 1 and 64"},
		{"max_attempts", func(c *Cluster) { c.Webhooks[0].MaxAttempts = -1 }, "webhook[0].max_attempts: must not be negative (0 retries until max_age)"},
		{"max_age", func(c *Cluster) { c.Webhooks[0].MaxAge = Duration(-time.Hour) }, "webhook[0].max_age: must be positive"},
		{"bad id", func(c *Cluster) { c.Webhooks[0].ID = "Not An ID" }, `webhook[0].id: "Not An ID" is not 1 to 64 lower-case letters, digits, '-' or '_'`},
		{"duplicate id", func(c *Cluster) { c.Webhooks[0].ID, c.Webhooks[1].ID = "same", "same" }, "webhook[1].id: same id as webhook[0]"},
		{"explicit id equal to a derived one", func(c *Cluster) { c.Webhooks[0].ID = IDFromURL(c.Webhooks[1].URL) }, "webhook[1].id: same id as webhook[0]"},
		{"bad name", func(c *Cluster) { c.Webhooks[0].Name = "has space" }, `webhook[0].name: "has space" is not 1 to 64 letters, digits, '.', '-' or '_' (starting with a letter or digit)`},
		{"duplicate name", func(c *Cluster) { c.Webhooks[0].Name, c.Webhooks[1].Name = "ops", "ops" }, "webhook[1].name: same name as webhook[0]"},
		{"name is another's id", func(c *Cluster) { c.Webhooks[0].Name = c.Webhooks[1].Key() }, "webhook[0].name: is the id of webhook[1]"},
		{"bad glob", func(c *Cluster) { c.Webhooks[0].Events = []string{"VOLUME_*", "[VOLUME"} }, `webhook[0].events[1]: "[VOLUME" is not an event name or glob`},
		{"empty filter", func(c *Cluster) { c.Webhooks[0].Events = []string{""} }, `webhook[0].events[0]: "" is not an event name or glob`},
		{"all problems at once", func(c *Cluster) {
			c.Port = 0
			c.Webhooks[0].URL = "mailto:x@example.com"
			c.Webhooks[1].MaxInFlight = 100
		}, "port: 0 is not between 1 and 65535\n" +
			`webhook[0].url: scheme must be http or https, not "mailto"` + "\n" +
			"webhook[1].max_in_flight: 100 is not between 1 and 64"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := validCluster()
			tt.change(c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("error does not match ErrInvalid")
				}
			}
			if got != tt.want {
				t.Errorf("Validate() =\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestWriteCluster(t *testing.T) {
	old := umask(0o022)
	defer umask(old)

	dir := filepath.Join(t.TempDir(), "glusterd", "events") // does not exist yet
	path := filepath.Join(dir, ClusterFileName)
	c := validCluster()
	c.Webhooks[0].Token = "tok \"quoted\"\nnewline\ttab \u00e9"
	if err := WriteCluster(path, c); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o600)
	assertMode(t, dir, 0o755)
	assertNoTemp(t, dir)

	got, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	c.fillIDs() // written with their derived ids
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	// A file with a looser mode gets 0600 when replaced.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	c.Port = 24009
	if err := WriteCluster(path, c); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o600)
	assertNoTemp(t, dir)

	// An invalid config is refused and the file stays as it was.
	before, _ := os.ReadFile(path)
	c.Webhooks[1].URL = "nope"
	err = WriteCluster(path, c)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "webhook[1].url") {
		t.Errorf("WriteCluster(invalid) = %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Errorf("invalid write changed the file")
	}
	assertNoTemp(t, dir)
}

func TestWriteClusterFailureLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub")
	if err := os.Mkdir(path, 0o755); err != nil { // rename over a directory fails
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteCluster(path, DefaultCluster()); err == nil {
		t.Fatal("WriteCluster over a non-empty directory succeeded")
	}
	assertNoTemp(t, dir)
}

func TestEncodeIsStable(t *testing.T) {
	want := `# gluster-eventing cluster-shared configuration, identical on every peer;
# see gluster-eventing.toml(5). Change it with gluster-eventing commands.

version = 1
generation = 3
log-level = "INFO"
port = 55555
disable-events-log = false

[[webhook]]
id = "` + IDFromURL("https://example.com/hook") + `"
url = "https://example.com/hook"
format = "legacy"
token = "tok"
secret = ""
signing_secret = ""
ca_file = ""
timeout = "15s"
max_in_flight = 1
max_attempts = 0
max_age = "72h"
events = ["VOLUME_*"]
`
	c := DefaultCluster()
	c.Generation = 3
	w := DefaultWebhook()
	w.URL, w.Token, w.Events = "https://example.com/hook", "tok", []string{"VOLUME_*"}
	c.Webhooks = append(c.Webhooks, w)
	if diff := cmp.Diff(want, string(c.Encode())); diff != "" {
		t.Errorf("Encode (-want +got):\n%s", diff)
	}
	if got := string(DefaultCluster().Encode()); strings.Contains(got, "webhook") {
		t.Errorf("Encode with no webhooks mentions them:\n%s", got)
	}
}

func TestDigest(t *testing.T) {
	a, b := validCluster(), validCluster()
	if a.Digest() != b.Digest() {
		t.Errorf("equal configs have different digests")
	}
	if len(a.Digest()) != 64 {
		t.Errorf("Digest() = %q, want 64 hex digits", a.Digest())
	}
	b.Webhooks[1].Events = []string{"VOLUME_START"}
	if a.Digest() == b.Digest() {
		t.Errorf("different configs have the same digest")
	}

	// The digest is the SHA-256 of the file WriteCluster writes, so
	// `sha256sum` on any peer shows it.
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := WriteCluster(path, a); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != a.Digest() {
		t.Errorf("file sha256 %s, Digest() %s", got, a.Digest())
	}
	loaded, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Digest() != a.Digest() {
		t.Errorf("digest changed by a write and load")
	}
}

func TestUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events", ClusterFileName)

	// No file: starts from the defaults and creates it, generation 1.
	c, err := Update(path, func(c *Cluster) error {
		w := DefaultWebhook()
		w.URL = "http://a/"
		c.Webhooks = append(c.Webhooks, w)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Generation != 1 || len(c.Webhooks) != 1 {
		t.Errorf("after the first Update: %+v", c)
	}
	assertMode(t, path, 0o600)
	onDisk, err := LoadCluster(path)
	if err != nil || cmp.Diff(c, onDisk) != "" {
		t.Errorf("Update returned something other than it wrote: %v\n%s", err, cmp.Diff(c, onDisk))
	}

	unchanged := func(t *testing.T) {
		t.Helper()
		if now, _ := LoadCluster(path); now == nil || now.Digest() != onDisk.Digest() {
			t.Errorf("the file changed")
		}
	}

	// An error from fn is returned as is, and nothing is written.
	errStop := errors.New("stop")
	if _, err := Update(path, func(c *Cluster) error { c.Port = 1; return errStop }); err != errStop {
		t.Errorf("Update returned %v, want fn's error", err)
	}
	unchanged(t)

	// An invalid result is refused.
	_, err = Update(path, func(c *Cluster) error { c.Webhooks[0].URL = "ftp://x/"; return nil })
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("Update to an invalid config: %v", err)
	}
	unchanged(t)

	// No change, no write: the generation stays.
	c, err = Update(path, func(c *Cluster) error { _, _, err := c.Set(KeyPort, "55555"); return err })
	if err != nil || c.Generation != 1 {
		t.Errorf("no-op Update: generation %d, %v", c.Generation, err)
	}
	unchanged(t)

	c, err = Update(path, func(c *Cluster) error { _, _, err := c.Set(KeyPort, "24009"); return err })
	if err != nil || c.Generation != 2 || c.Port != 24009 {
		t.Errorf("Update: %+v, %v", c, err)
	}
	assertNoTemp(t, filepath.Dir(path))
}

func TestUpdateRefusesInvalidFile(t *testing.T) {
	path := writeTemp(t, "c.toml", "version = 1\nbogus = 1\n")
	called := false
	if _, err := Update(path, func(*Cluster) error { called = true; return nil }); !errors.Is(err, ErrInvalid) {
		t.Errorf("Update of an invalid file: %v", err)
	}
	if called {
		t.Errorf("fn was called on an invalid file")
	}
}

// bumpPort is the change the concurrency tests make: one read-modify-write
// that is lost if two Updates interleave.
func bumpPort(c *Cluster) error {
	c.Port++
	return nil
}

func TestUpdateConcurrentGoroutines(t *testing.T) {
	path := filepath.Join(t.TempDir(), ClusterFileName)
	const workers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				if _, err := Update(path, bumpPort); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Generation != workers*each || c.Port != 55555+workers*each {
		t.Errorf("generation %d, port %d; want %d, %d (lost updates)", c.Generation, c.Port, workers*each, 55555+workers*each)
	}
}

// TestUpdateConcurrentProcesses runs Update from several processes at once
// (this test binary, re-run as TestUpdateHelperProcess).
func TestUpdateConcurrentProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), ClusterFileName)
	const procs, each = 3, 15
	var cmds []*exec.Cmd
	for range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUpdateHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "CONFIG_TEST_UPDATE_PATH="+path, "CONFIG_TEST_UPDATE_N="+strconv.Itoa(each))
		cmd.Stdout, cmd.Stderr = new(bytes.Buffer), new(bytes.Buffer)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper: %v\n%s%s", err, cmd.Stdout, cmd.Stderr)
		}
	}
	c, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Generation != procs*each || c.Port != 55555+procs*each {
		t.Errorf("generation %d, port %d; want %d, %d (lost updates)", c.Generation, c.Port, procs*each, 55555+procs*each)
	}
}

// TestUpdateHelperProcess is not a test: TestUpdateConcurrentProcesses runs
// it in child processes. Run directly it does nothing.
func TestUpdateHelperProcess(t *testing.T) {
	path := os.Getenv("CONFIG_TEST_UPDATE_PATH")
	if path == "" {
		return
	}
	n, _ := strconv.Atoi(os.Getenv("CONFIG_TEST_UPDATE_N"))
	for range n {
		if _, err := Update(path, bumpPort); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRedacted(t *testing.T) {
	c := validCluster()
	c.Webhooks[0].URL = "https://user:pa55@example.com/hook?x=1"
	c.Webhooks = append(c.Webhooks, DefaultWebhook())
	c.Webhooks[2].URL = "http://plain/"
	orig := c.Clone()

	r := c.Redacted()
	if diff := cmp.Diff(orig, c); diff != "" {
		t.Errorf("Redacted changed the original (-want +got):\n%s", diff)
	}
	want := orig.Clone()
	want.Webhooks[0].URL = "https://example.com/hook?x=REDACTED"
	want.Webhooks[0].Token, want.Webhooks[0].Secret = "REDACTED", "REDACTED"
	want.Webhooks[1].SigningSecret = "REDACTED"
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Redacted (-want +got):\n%s", diff)
	}

	// The copy shares nothing with the original.
	r.Webhooks[1].Events = append(r.Webhooks[1].Events[:0], "X")
	if len(c.Webhooks[1].Events) != 0 {
		t.Errorf("Redacted shares the Events slice")
	}
	if w := c.Webhooks[0].Redacted(); w.Token != "REDACTED" || c.Webhooks[0].Token != "tok" {
		t.Errorf("Webhook.Redacted: %+v / original %+v", w, c.Webhooks[0])
	}
}

// TestNoSecretsPrinted formats a webhook every common way and checks that
// no secret shows.
func TestNoSecretsPrinted(t *testing.T) {
	w := DefaultWebhook()
	w.URL = "https://admin:urlpass@example.com/hook"
	w.Token, w.Secret = "tokvalue", "jwtvalue"
	c := DefaultCluster()
	c.Webhooks = []Webhook{w}

	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("x", "webhook", w, "ptr", &w)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "webhook", w)

	outputs := []string{
		w.String(), fmt.Sprint(w), fmt.Sprint(&w), fmt.Sprintf("%v %+v %#v %s", w, w, w, w),
		fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprintf("%#v", c.Webhooks), logged.String(),
	}
	for _, out := range outputs {
		for _, secret := range []string{"tokvalue", "jwtvalue", "urlpass"} {
			if strings.Contains(out, secret) {
				t.Errorf("output shows %s: %s", secret, out)
			}
		}
	}
	if got, want := w.String(), "https://example.com/hook (legacy, token, secret)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !strings.Contains(logged.String(), `"webhook":{"url":"https://example.com/hook","format":"legacy","token":true,"secret":true,"signing_secret":false,"events":[]}`) {
		t.Errorf("LogValue output: %s", logged.String())
	}
}

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		events []string
		name   string
		want   bool
	}{
		{nil, "VOLUME_CREATE", true},
		{[]string{}, "ANYTHING", true},
		{[]string{"VOLUME_CREATE"}, "VOLUME_CREATE", true},
		{[]string{"VOLUME_CREATE"}, "VOLUME_CREATED", false},
		{[]string{"VOLUME_*"}, "VOLUME_START", true},
		{[]string{"VOLUME_*"}, "PEER_ATTACH", false},
		{[]string{"volume_*"}, "VOLUME_START", false},
		{[]string{"PEER_*", "QUORUM_*"}, "QUORUM_LOST", true},
		{[]string{"AFR_QUORUM_?ET"}, "AFR_QUORUM_MET", true},
		{[]string{"*_FAIL*"}, "GEOREP_CREATE_FAILED", true},
		{[]string{"[A-C]*"}, "BRICK_DISCONNECTED", true},
		{[]string{"[A-C]*"}, "VOLUME_STOP", false},
		{[]string{"["}, "[", false}, // invalid patterns match nothing (Validate rejects them)
	} {
		w := Webhook{Events: tt.events}
		if got := w.Match(tt.name); got != tt.want {
			t.Errorf("Events %q: Match(%q) = %v, want %v", tt.events, tt.name, got, tt.want)
		}
	}
}

func TestWebhookLookup(t *testing.T) {
	c := validCluster()
	if w := c.Webhook("http://[::1]:9000/h"); w == nil || w != &c.Webhooks[1] {
		t.Errorf("Webhook(existing) = %v", w)
	}
	if w := c.Webhook("http://[::1]:9000/h/"); w != nil {
		t.Errorf("Webhook(other) = %v", w)
	}
}

func TestClusterPath(t *testing.T) {
	if got := ClusterPath("/var/lib/glusterd"); got != "/var/lib/glusterd/events/gluster-eventing.toml" {
		t.Errorf("ClusterPath = %q", got)
	}
}
