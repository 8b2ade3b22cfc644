package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gluster/gluster-eventing/internal/pyjson"
)

// LegacyWebhooksFile is Gluster's webhook list in <workdir>/events, which
// gluster-eventsapi wrote and scripts still read (TrueNAS decides from it
// whether a URL is configured).
const LegacyWebhooksFile = "webhooks.json"

// LegacyWebhooks returns the legacy view of c's webhooks: webhooks.json as
// gluster-eventsapi writes it, json.dumps of {"<url>": {"token": ...,
// "secret": ...}} in the config's order. Standard webhooks are listed too
// (with their bearer token and no JWT secret): a script asking whether a
// URL is configured must find every one.
func (c *Cluster) LegacyWebhooks() []byte {
	b := []byte{'{'}
	for i, w := range c.Webhooks {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = pyjson.AppendString(b, w.URL)
		b = append(b, `: {"token": `...)
		b = pyjson.AppendString(b, w.Token)
		b = append(b, `, "secret": `...)
		b = pyjson.AppendString(b, w.Secret)
		b = append(b, '}')
	}
	return append(b, '}')
}

// WriteLegacyMirror writes c's legacy view to eventsDir/webhooks.json,
// atomically and with mode 0600 (it holds tokens), unless the file already
// holds exactly that.
func WriteLegacyMirror(eventsDir string, c *Cluster) error {
	path := filepath.Join(eventsDir, LegacyWebhooksFile)
	want := c.LegacyWebhooks()
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, want) {
		return nil
	}
	if err := WriteFileAtomic(path, want, 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// MirrorDrift says whether eventsDir/webhooks.json is not c's legacy view:
// someone (a script, Gluster's own gluster-eventsapi) changed it. A
// missing file is no drift, and neither is the same list written with
// other spacing or order.
func MirrorDrift(eventsDir string, c *Cluster) (bool, error) {
	file := filepath.Join(eventsDir, LegacyWebhooksFile)
	have, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case bytes.Equal(have, c.LegacyWebhooks()):
		return false, nil
	}
	hooks, err := parseLegacyWebhooks(file, have)
	if err != nil {
		return true, nil // not even Gluster's shape: certainly not ours
	}
	type creds struct{ token, secret string }
	seen := make(map[string]creds, len(hooks))
	for _, w := range hooks {
		seen[w.URL] = creds{w.Token, w.Secret}
	}
	if len(seen) != len(c.Webhooks) {
		return true, nil
	}
	for _, w := range c.Webhooks {
		if got, ok := seen[w.URL]; !ok || got != (creds{w.Token, w.Secret}) {
			return true, nil
		}
	}
	return false, nil
}

// Adoption is one change AdoptLegacy made.
type Adoption struct {
	// What is "added", "updated" or "removed" for a webhook, "set" for a
	// legacy key.
	What string `json:"what"`
	// URL is the webhook's URL, redacted; Key the legacy key.
	URL   string `json:"url,omitempty"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
}

// AdoptLegacy makes c hold what Gluster's files in eventsDir say: the
// webhooks of webhooks.json (added as legacy webhooks, their token and
// secret updated, and those it no longer lists removed) and the keys of
// config.json. It returns what it changed; none when the files agree with
// c. A missing webhooks.json changes no webhook.
func (c *Cluster) AdoptLegacy(eventsDir string) ([]Adoption, error) {
	legacy, err := ImportLegacy(eventsDir)
	if err != nil {
		return nil, err
	}
	var out []Adoption
	if _, err := os.Stat(filepath.Join(eventsDir, LegacyWebhooksFile)); err == nil {
		listed := map[string]bool{}
		for _, lw := range legacy.Webhooks {
			listed[lw.URL] = true
			w := c.Webhook(lw.URL)
			switch {
			case w == nil:
				c.Webhooks = append(c.Webhooks, lw)
				out = append(out, Adoption{What: "added", URL: redactURL(lw.URL)})
			case w.Token != lw.Token || w.Secret != lw.Secret:
				w.Token, w.Secret = lw.Token, lw.Secret
				if w.Secret != "" && w.Format == FormatStandard {
					// A JWT secret means glustereventsd's body.
					w.Format, w.SigningSecret = FormatLegacy, ""
				}
				out = append(out, Adoption{What: "updated", URL: redactURL(lw.URL)})
			}
		}
		kept := c.Webhooks[:0]
		for _, w := range c.Webhooks {
			if listed[w.URL] {
				kept = append(kept, w)
			} else {
				out = append(out, Adoption{What: "removed", URL: redactURL(w.URL)})
			}
		}
		c.Webhooks = kept
	}
	settings, err := legacySettings(eventsDir)
	if err != nil {
		return nil, err
	}
	for _, s := range settings {
		changed, _, err := c.Set(s.key, s.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(eventsDir, "config.json"), err)
		}
		if changed {
			v, _ := c.Get(s.key)
			out = append(out, Adoption{What: "set", Key: s.key, Value: v})
		}
	}
	return out, nil
}
