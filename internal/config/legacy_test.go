package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLegacyKeys(t *testing.T) {
	want := []string{"log-level", "port", "disable-events-log"}
	if got := LegacyKeys(); !slices.Equal(got, want) {
		t.Errorf("LegacyKeys() = %q, want %q", got, want)
	}
	LegacyKeys()[0] = "changed" // callers get their own slice
	if LegacyKeys()[0] != "log-level" {
		t.Errorf("LegacyKeys shares its slice")
	}
	for _, k := range want {
		if got := RestartNeeded(k); got != (k == "port") {
			t.Errorf("RestartNeeded(%q) = %v", k, got)
		}
	}
}

func TestGet(t *testing.T) {
	c := DefaultCluster()
	for _, tt := range []struct{ name, want string }{
		{"log-level", "INFO"}, {"port", "55555"}, {"disable-events-log", "false"},
	} {
		if got, err := c.Get(tt.name); got != tt.want || err != nil {
			t.Errorf("Get(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "Port", "log_level", "all", "nodeid"} {
		if _, err := c.Get(bad); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("Get(%q) error = %v, want ErrUnknownKey", bad, err)
		}
	}
	_, err := c.Get("logLevel")
	if want := `unknown config key "logLevel" (known: log-level, port, disable-events-log)`; err == nil || err.Error() != want {
		t.Errorf("Get error = %v, want %s", err, want)
	}
}

func TestSet(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		changed     bool
		restart     bool
		err         error
		get         string // the value Get returns afterwards
	}{
		{"log-level", "DEBUG", true, false, nil, "DEBUG"},
		{"log-level", "debug", true, false, nil, "DEBUG"},
		{"log-level", "INFO", false, false, nil, "INFO"},
		{"log-level", " info ", false, false, nil, "INFO"},
		{"log-level", "Warning", true, false, nil, "WARNING"},
		{"log-level", "WARN", true, false, nil, "WARNING"},
		{"log-level", "warn", true, false, nil, "WARNING"},
		{"log-level", "verbose", false, false, ErrInvalidValue, "INFO"},
		{"log-level", "", false, false, ErrInvalidValue, "INFO"},

		{"port", "55555", false, false, nil, "55555"},
		{"port", "055555", false, false, nil, "55555"},
		{"port", "24009", true, true, nil, "24009"},
		{"port", "0", false, false, ErrInvalidValue, "55555"},
		{"port", "65536", false, false, ErrInvalidValue, "55555"},
		{"port", "abc", false, false, ErrInvalidValue, "55555"},
		{"port", "5.5", false, false, ErrInvalidValue, "55555"},

		{"disable-events-log", "false", false, false, nil, "false"},
		{"disable-events-log", "no", false, false, nil, "false"},
		{"disable-events-log", "OFF", false, false, nil, "false"},
		{"disable-events-log", "0", false, false, nil, "false"},
		{"disable-events-log", "true", true, false, nil, "true"},
		{"disable-events-log", "Yes", true, false, nil, "true"},
		{"disable-events-log", "on", true, false, nil, "true"},
		{"disable-events-log", "1", true, false, nil, "true"},
		{"disable-events-log", "TRUE", true, false, nil, "true"},
		{"disable-events-log", "maybe", false, false, ErrInvalidValue, "false"},
		{"disable-events-log", "", false, false, ErrInvalidValue, "false"},

		{"nodeid", "x", false, false, ErrUnknownKey, ""},
		{"all", "x", false, false, ErrUnknownKey, ""},
	} {
		c := DefaultCluster()
		changed, restart, err := c.Set(tt.name, tt.value)
		if changed != tt.changed || restart != tt.restart || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("Set(%q, %q) = %v, %v, %v; want %v, %v, %v", tt.name, tt.value, changed, restart, err, tt.changed, tt.restart, tt.err)
		}
		if tt.get != "" {
			if got, _ := c.Get(tt.name); got != tt.get {
				t.Errorf("after Set(%q, %q): Get = %q, want %q", tt.name, tt.value, got, tt.get)
			}
		}
		if err := c.Validate(); err != nil {
			t.Errorf("after Set(%q, %q): %v", tt.name, tt.value, err)
		}
	}

	_, _, err := DefaultCluster().Set("port", "abc")
	if want := `port: invalid value "abc" (want a number between 1 and 65535)`; err == nil || err.Error() != want {
		t.Errorf("Set error = %v, want %s", err, want)
	}
}

func TestReset(t *testing.T) {
	changedAll := func() *Cluster {
		c := DefaultCluster()
		c.LogLevel, c.Port, c.DisableEventsLog = "DEBUG", 24009, true
		return c
	}
	for _, tt := range []struct {
		name    string
		start   *Cluster
		changed bool
		err     error
		want    func(c *Cluster)
	}{
		{"port", changedAll(), true, nil, func(c *Cluster) { c.Port = 55555 }},
		{"log-level", changedAll(), true, nil, func(c *Cluster) { c.LogLevel = "INFO" }},
		{"disable-events-log", changedAll(), true, nil, func(c *Cluster) { c.DisableEventsLog = false }},
		{"all", changedAll(), true, nil, func(c *Cluster) { *c = *DefaultCluster() }},
		{"port", DefaultCluster(), false, nil, func(*Cluster) {}},
		{"all", DefaultCluster(), false, nil, func(*Cluster) {}},
		{"ALL", changedAll(), false, ErrUnknownKey, func(*Cluster) {}},
		{"webhook", changedAll(), false, ErrUnknownKey, func(*Cluster) {}},
	} {
		want := tt.start.Clone()
		tt.want(want)
		changed, err := tt.start.Reset(tt.name)
		if changed != tt.changed || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("Reset(%q) = %v, %v; want %v, %v", tt.name, changed, err, tt.changed, tt.err)
		}
		if diff := cmp.Diff(want, tt.start); diff != "" {
			t.Errorf("Reset(%q) (-want +got):\n%s", tt.name, diff)
		}
	}

	// Reset keeps the webhooks.
	c := validCluster()
	c.Port = 1
	if _, err := c.Reset("all"); err != nil || len(c.Webhooks) != 2 {
		t.Errorf("Reset(all) with webhooks: %v, %d webhooks", err, len(c.Webhooks))
	}
}

func TestImportLegacy(t *testing.T) {
	legacy := func(url, token, secret string) Webhook {
		w := DefaultWebhook()
		w.URL, w.Token, w.Secret = url, token, secret
		return w
	}
	for _, tt := range []struct {
		name     string
		webhooks string // "" = no file
		config   string // "" = no file
		want     func(c *Cluster)
	}{
		{"no files", "", "", func(*Cluster) {}},
		{"empty objects", "{}", "{}", func(*Cluster) {}},
		{"empty files", " \n", "\n", func(*Cluster) {}},
		{"as gluster-eventsapi writes them", `{"http://192.168.122.1:9000/listen": {"token": "", "secret": ""}, ` +
			`"https://tendrl.example.com/events": {"token": "abc123", "secret": "jwtsecret"}}`,
			`{"log-level": "DEBUG", "port": 55555, "disable-events-log": true}`,
			func(c *Cluster) {
				c.LogLevel, c.DisableEventsLog = "DEBUG", true
				c.Webhooks = []Webhook{
					legacy("http://192.168.122.1:9000/listen", "", ""),
					legacy("https://tendrl.example.com/events", "abc123", "jwtsecret"),
				}
			}},
		{"plain-string values are tokens, sorted by URL", `{
  "http://b.example/hook": "tokenB",
  "http://a.example/hook": {"token": "tokenA"},
  "http://[::1]:8080/hook": {"secret": "s"},
  "http://c.example/hook": null
}`, "", func(c *Cluster) {
			c.Webhooks = []Webhook{
				legacy("http://[::1]:8080/hook", "", "s"),
				legacy("http://a.example/hook", "tokenA", ""),
				legacy("http://b.example/hook", "tokenB", ""),
				legacy("http://c.example/hook", "", ""),
			}
		}},
		{"config subset", "", `{"port": 24009}`, func(c *Cluster) { c.Port = 24009 }},
		{"config values as strings", "", `{"log-level": "warning", "port": "24009", "disable-events-log": "yes"}`,
			func(c *Cluster) { c.LogLevel, c.Port, c.DisableEventsLog = "WARNING", 24009, true }},
		{"config nulls and other keys ignored", "", `{"log-level": null, "nodeid": "x"}`, func(*Cluster) {}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range map[string]string{"webhooks.json": tt.webhooks, "config.json": tt.config} {
				if content != "" {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			got, err := ImportLegacy(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultCluster()
			tt.want(want)
			want.fillIDs() // imported webhooks keep the cursor name their URL gave them
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportLegacyErrors(t *testing.T) {
	for _, tt := range []struct {
		name, file, content string
		want                string // with the directory written as D
	}{
		{"corrupt webhooks.json (gluster #3714)", "webhooks.json", `{}http://a/": {"token": ""}}`,
			"D/webhooks.json: invalid character 'h' after top-level value"},
		{"webhooks.json not an object", "webhooks.json", `["http://a/"]`,
			"D/webhooks.json: json: cannot unmarshal array into Go value of type map[string]json.RawMessage"},
		{"token of the wrong type", "webhooks.json", `{"http://a/": {"token": 5}}`,
			`D/webhooks.json: webhook "http://a/": want a token string or {"token": ..., "secret": ...}: json: cannot unmarshal number into Go struct field .Token of type string`},
		{"invalid URL", "webhooks.json", `{"a.example.com/hook": ""}`,
			`import from D: webhook[0].url: scheme must be http or https, not ""`},
		{"malformed config.json", "config.json", `{"port": 55555,}`,
			"D/config.json: invalid character '}' looking for beginning of object key string"},
		{"bad port", "config.json", `{"port": "abc"}`,
			`D/config.json: port: invalid value "abc" (want a number between 1 and 65535)`},
		{"bad bool", "config.json", `{"disable-events-log": 2}`,
			`D/config.json: disable-events-log: invalid value "2" (want true or false)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := ImportLegacy(dir)
			if err == nil {
				t.Fatalf("no error; %+v", c)
			}
			if got := strings.ReplaceAll(err.Error(), dir, "D"); got != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestImportThenWrite is the migration path: import, write, load back.
func TestImportThenWrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "webhooks.json"), []byte(`{"http://a/": "t", "http://b/": {"token": "u", "secret": "s"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ImportLegacy(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := ClusterPath(dir)
	if _, err := Update(path, func(cur *Cluster) error { *cur = *c; return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	c.Generation = 1
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
