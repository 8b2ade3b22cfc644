package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func matches(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

// Both files take either spelling of a log level in any case, and store
// their own.
func TestLogLevelSpellings(t *testing.T) {
	for _, tc := range []struct{ in, node, cluster string }{
		{"debug", "debug", "DEBUG"},
		{"DEBUG", "debug", "DEBUG"},
		{"Info", "info", "INFO"},
		{"warn", "warn", "WARNING"},
		{"WARN", "warn", "WARNING"},
		{"warning", "warn", "WARNING"},
		{"WARNING", "warn", "WARNING"},
		{"error", "error", "ERROR"},
		{"ERROR", "error", "ERROR"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			n, err := LoadNode(writeTemp(t, "n.toml", "version = 1\nlog_level = \""+tc.in+"\"\n"))
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			if n.LogLevel != tc.node {
				t.Errorf("node log_level %q loads as %q, want %q", tc.in, n.LogLevel, tc.node)
			}
			c, err := LoadCluster(writeTemp(t, "c.toml", "version = 1\nlog-level = \""+tc.in+"\"\n"))
			if err != nil {
				t.Fatalf("cluster: %v", err)
			}
			if c.LogLevel != tc.cluster {
				t.Errorf("cluster log-level %q loads as %q, want %q", tc.in, c.LogLevel, tc.cluster)
			}
			var fresh Cluster
			fresh.LogLevel = "INFO"
			if changed, _, err := fresh.Set(KeyLogLevel, tc.in); err != nil || fresh.LogLevel != tc.cluster || changed != (tc.cluster != "INFO") {
				t.Errorf("config-set log-level %s: changed %v, err %v, stored %q; want %q", tc.in, changed, err, fresh.LogLevel, tc.cluster)
			}
		})
	}
	for _, bad := range []string{"", "verbose", "warnings", "fatal"} {
		if _, err := LoadNode(writeTemp(t, "n.toml", "version = 1\nlog_level = \""+bad+"\"\n")); !errors.Is(err, ErrInvalid) {
			t.Errorf("node log_level %q: err %v, want ErrInvalid", bad, err)
		}
		if _, err := LoadCluster(writeTemp(t, "c.toml", "version = 1\nlog-level = \""+bad+"\"\n")); !errors.Is(err, ErrInvalid) {
			t.Errorf("cluster log-level %q: err %v, want ErrInvalid", bad, err)
		}
	}
}

// The shipped default config says which keys are required, and loads as
// the defaults.
func TestShippedConfigComment(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "packaging", "gluster-eventing.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if re := `(?m)^# Every key is optional`; matches(re, string(b)) {
		t.Errorf("packaging/gluster-eventing.toml still says every key is optional, but version is required")
	}
	if re := `(?m)^#.*\bversion\b.*\brequired\b`; !matches(re, string(b)) {
		t.Errorf("packaging/gluster-eventing.toml does not say that version is required")
	}
}
