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
	if err := writeFileAtomic(path, want, 0o600); err != nil {
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
