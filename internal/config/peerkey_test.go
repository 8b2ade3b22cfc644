package config

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

func TestPeerKeys(t *testing.T) {
	k := NewPeerKey()
	if err := checkPeerKey(k); err != nil || len(PeerKeySecret(k)) != 32 || len(PeerKeyID(k)) != 8 {
		t.Fatalf("NewPeerKey %q: check %v, secret %d bytes, id %q", k, err, len(PeerKeySecret(k)), PeerKeyID(k))
	}
	if NewPeerKey() == k {
		t.Fatal("two keys alike")
	}
	for _, tc := range []struct {
		name string
		p    PeerKeys
		err  string
	}{
		{"none", PeerKeys{}, ""},
		{"key", PeerKeys{Key: k}, ""},
		{"rotated", PeerKeys{Key: NewPeerKey(), PreviousKey: k}, ""},
		{"no prefix", PeerKeys{Key: "secret"}, "peer.key: must start with"},
		{"short", PeerKeys{Key: peerKeyPrefix + "AAAA"}, "holds 3 bytes; want 32"},
		{"not base64", PeerKeys{Key: peerKeyPrefix + "!!!!"}, "base64url"},
		{"previous alone", PeerKeys{PreviousKey: k}, "peer.previous_key: is set but peer.key is not"},
	} {
		c := DefaultCluster()
		c.Peer = tc.p
		err := c.Validate()
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.err)
		}
		if err != nil && strings.Contains(err.Error(), k) {
			t.Errorf("%s: the error shows the key: %v", tc.name, err)
		}
	}
}

// The key survives a write and a load, and is never shown: Redacted,
// String, %#v and slog give fingerprints or REDACTED.
func TestPeerKeyNeverShown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events", "gluster-eventing.toml")
	c, err := Update(path, func(c *Cluster) error {
		if !c.EnsurePeerKey() || c.EnsurePeerKey() {
			t.Error("EnsurePeerKey: want true once, then false")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	key := c.Peer.Key
	c.RotatePeerKey()
	if c.Peer.PreviousKey != key || c.Peer.Key == key {
		t.Fatalf("RotatePeerKey: %v", c.Peer)
	}
	if err := WriteCluster(path, c); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadCluster(path)
	if err != nil || loaded.Peer != c.Peer {
		t.Fatalf("loaded %v, %v; want the keys written", loaded.Peer, err)
	}
	if !strings.Contains(string(c.Encode()), "[peer]") {
		t.Errorf("encoded without a [peer] table:\n%s", c.Encode())
	}
	if d := DefaultCluster(); strings.Contains(string(d.Encode()), "[peer]") {
		t.Errorf("a config without a key has a peer table:\n%s", d.Encode())
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "peer", c.Peer)
	for what, s := range map[string]string{
		"Redacted": fmt.Sprint(c.Redacted().Peer.Key, c.Redacted().Peer.PreviousKey),
		"String":   c.Peer.String(),
		"%v":       fmt.Sprintf("%v %+v %#v", c.Peer, c.Peer, c.Peer),
		"slog":     logged.String(),
	} {
		if strings.Contains(s, c.Peer.Key) || strings.Contains(s, key) {
			t.Errorf("%s shows a key: %s", what, s)
		}
	}
	if !strings.Contains(c.Peer.String(), PeerKeyID(c.Peer.Key)) {
		t.Errorf("String %q lacks the fingerprint", c.Peer.String())
	}
}
