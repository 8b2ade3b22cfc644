package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

func mirrorCluster() *Cluster {
	c := DefaultCluster()
	for _, w := range []struct{ url, token, secret string }{
		{"http://b.example/hook", "tok-b", ""},
		{"https://a.example/ü?x=1", "", "jwt-secret"},
	} {
		h := DefaultWebhook()
		h.URL, h.Token, h.Secret = w.url, w.token, w.secret
		c.Webhooks = append(c.Webhooks, h)
	}
	return c
}

// The mirror is byte for byte what gluster-eventsapi writes: json.dumps of
// the dict, checked against the real python3.
func TestLegacyWebhooksIsPythonsJSON(t *testing.T) {
	py, err := exec.LookPath("python3")
	testenv.Require(t, err == nil, "python3")
	c := mirrorCluster()
	script := `import json; d = {}
d["http://b.example/hook"] = {"token": "tok-b", "secret": ""}
d["https://a.example/\u00fc?x=1"] = {"token": "", "secret": "jwt-secret"}
print(json.dumps(d), end="")`
	want, err := exec.Command(py, "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(c.LegacyWebhooks()); got != string(want) {
		t.Errorf("LegacyWebhooks =\n%s\npython:\n%s", got, want)
	}
	if got := string(DefaultCluster().LegacyWebhooks()); got != "{}" {
		t.Errorf("no webhooks: %s, want {}", got)
	}
}

func TestWriteClusterWritesTheMirror(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "events")
	c := mirrorCluster()
	if err := WriteCluster(filepath.Join(dir, ClusterFileName), c); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, LegacyWebhooksFile)
	got, err := os.ReadFile(path)
	if err != nil || string(got) != string(c.LegacyWebhooks()) {
		t.Fatalf("webhooks.json = %s, %v", got, err)
	}
	assertMode(t, path, 0o600)
	assertNoTemp(t, dir)
	if drift, err := MirrorDrift(dir, c); drift || err != nil {
		t.Errorf("MirrorDrift right after the write = %v, %v", drift, err)
	}
	// What ImportLegacy reads back is the same list.
	imported, err := ImportLegacy(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(imported.Webhooks) != 2 || imported.Webhooks[0].URL != "http://b.example/hook" || imported.Webhooks[1].Secret != "jwt-secret" {
		t.Errorf("imported %+v", imported.Webhooks)
	}
}

func TestMirrorDrift(t *testing.T) {
	c := mirrorCluster()
	for _, tt := range []struct {
		name, content string
		drift         bool
	}{
		{"missing", "", false},
		{"the same, another tool's spacing and order", `{"https://a.example/\u00fc?x=1":{"token":"","secret":"jwt-secret"},
 "http://b.example/hook": {"token": "tok-b", "secret": ""}}`, false},
		{"a token changed", `{"http://b.example/hook": {"token": "NEW", "secret": ""}, "https://a.example/\u00fc?x=1": {"token": "", "secret": "jwt-secret"}}`, true},
		{"a webhook added", `{"http://b.example/hook": {"token": "tok-b", "secret": ""}, "https://a.example/\u00fc?x=1": {"token": "", "secret": "jwt-secret"}, "http://c/": {"token": "", "secret": ""}}`, true},
		{"emptied, as TrueNAS writes it", `{}`, true},
		{"not JSON", `{`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.content != "" {
				if err := os.WriteFile(filepath.Join(dir, LegacyWebhooksFile), []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			drift, err := MirrorDrift(dir, c)
			if err != nil || drift != tt.drift {
				t.Errorf("MirrorDrift = %v, %v; want %v", drift, err, tt.drift)
			}
		})
	}
	// An empty config and "{}" agree.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, LegacyWebhooksFile), []byte("{}"), 0o600)
	if drift, _ := MirrorDrift(dir, DefaultCluster()); drift {
		t.Error("{} drifts from a config without webhooks")
	}
}

// origin is written only when set, so files written before it existed keep
// their bytes (and digest), and it survives a round trip.
func TestOriginRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), ClusterFileName)
	c := DefaultCluster()
	if text := string(c.Encode()); strings.Contains(text, "\norigin ") {
		t.Fatalf("an empty origin is written:\n%s", text)
	}
	c.Generation, c.Origin = 4, "2dcfce84-ebe1-439d-b699-6a8fdb711972"
	if err := WriteCluster(path, c); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCluster(path)
	if err != nil || got.Origin != c.Origin || got.Generation != 4 {
		t.Errorf("loaded %+v, %v", got, err)
	}
}

func TestAdoptLegacy(t *testing.T) {
	dir := t.TempDir()
	c := mirrorCluster() // b.example (tok-b), a.example (jwt-secret)
	c.Webhooks[0].Format = FormatStandard
	c.Webhooks[0].SigningSecret = testSigningSecret
	// Someone edited Gluster's files: b's token changed, a removed, c added,
	// and config.json sets the port.
	os.WriteFile(filepath.Join(dir, LegacyWebhooksFile), []byte(`{"http://b.example/hook": {"token": "tok-b2", "secret": ""}, "http://c.example/": "plain-token"}`), 0o600)
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"port": 24009, "log-level": "INFO"}`), 0o600)
	got, err := c.AdoptLegacy(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Adoption{
		{What: "updated", URL: "http://b.example/hook"},
		{What: "added", URL: "http://c.example/"},
		{What: "removed", URL: "https://a.example/%C3%BC?x=REDACTED"},
		{What: "set", Key: "port", Value: "24009"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("adoptions (-want +got):\n%s", diff)
	}
	if len(c.Webhooks) != 2 || c.Webhooks[0].Token != "tok-b2" || c.Webhooks[0].Format != FormatStandard || c.Webhooks[1].Token != "plain-token" || c.Port != 24009 {
		t.Errorf("after adoption: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	// Adopting again changes nothing.
	if again, err := c.AdoptLegacy(dir); err != nil || len(again) != 0 {
		t.Errorf("second adoption: %v, %v", again, err)
	}
	if drift, _ := MirrorDrift(dir, c); drift {
		t.Error("drift after adopting the file")
	}
}
