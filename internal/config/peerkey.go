package config

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
)

// PeerKeys is the cluster config's [peer] table: the key the daemons
// authenticate node-to-node event forwarding with (HMAC-SHA256 of every
// request and every response). It travels with the cluster config, so
// every node that has the config has the key, and it never crosses the
// forwarding channel itself.
//
// The key is made once for the cluster: the first cluster change command
// (webhook-add, config-set, import, ...) or "gluster-eventing sync" adds
// one when the config has none ("gluster-eventing peer-key-rotate" makes a
// new one). A daemon whose config has no key does not forward, and its
// status says so. A Gluster import never makes one: an import done by each
// node's daemon at first start must give the same file everywhere.
type PeerKeys struct {
	// Key signs what this node sends and is accepted from peers.
	Key string `toml:"key,omitempty" json:"key,omitempty"`
	// PreviousKey is the key Key replaced: still accepted from peers
	// (never used to sign), so that nodes which have not installed the
	// rotated config yet keep forwarding. The next rotation drops it.
	PreviousKey string `toml:"previous_key,omitempty" json:"previous_key,omitempty"`
}

// peerKeyPrefix starts every key: a recognisable, versioned form.
const peerKeyPrefix = "gepk1_"

// peerKeyBytes is the size of the random part of a key.
const peerKeyBytes = 32

// NewPeerKey returns a new random key: "gepk1_" and 32 random bytes in
// unpadded base64url.
func NewPeerKey() string {
	var b [peerKeyBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("config: crypto/rand: " + err.Error()) // never fails on Linux
	}
	return peerKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// checkPeerKey accepts what NewPeerKey makes.
func checkPeerKey(s string) error {
	if len(s) < len(peerKeyPrefix) || s[:len(peerKeyPrefix)] != peerKeyPrefix {
		return fmt.Errorf("must start with %q (make one with 'gluster-eventing peer-key-rotate')", peerKeyPrefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(peerKeyPrefix):])
	if err != nil {
		return errors.New("is not " + peerKeyPrefix + " followed by unpadded base64url")
	}
	if len(b) != peerKeyBytes {
		return fmt.Errorf("holds %d bytes; want %d", len(b), peerKeyBytes)
	}
	return nil
}

// Secret returns the key's HMAC secret (its random bytes), nil for an
// empty or malformed key.
func PeerKeySecret(key string) []byte {
	if checkPeerKey(key) != nil {
		return nil
	}
	b, _ := base64.RawURLEncoding.DecodeString(key[len(peerKeyPrefix):])
	return b
}

// PeerKeyID is a key's public fingerprint: the first 8 hex digits of the
// SHA-256 of its secret, "" for no key. Status shows it and requests name
// their key by it; it reveals nothing of the key.
func PeerKeyID(key string) string {
	secret := PeerKeySecret(key)
	if secret == nil {
		return ""
	}
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:4])
}

// EnsurePeerKey gives c a peer key if it has none, and reports whether it
// did.
func (c *Cluster) EnsurePeerKey() bool {
	if c.Peer.Key != "" {
		return false
	}
	c.Peer.Key = NewPeerKey()
	return true
}

// RotatePeerKey replaces c's peer key by a new one, keeping the current
// one as PreviousKey (the one before it is dropped).
func (c *Cluster) RotatePeerKey() {
	c.Peer.PreviousKey = c.Peer.Key
	c.Peer.Key = NewPeerKey()
}

func (p *PeerKeys) validate(pr *problems) {
	if p.Key != "" {
		if err := checkPeerKey(p.Key); err != nil {
			pr.add("peer.key", "%v", err)
		}
	}
	if p.PreviousKey != "" {
		if err := checkPeerKey(p.PreviousKey); err != nil {
			pr.add("peer.previous_key", "%v", err)
		}
		if p.Key == "" {
			pr.add("peer.previous_key", "is set but peer.key is not")
		}
	}
}

// Redacted returns p with its keys replaced by REDACTED.
func (p PeerKeys) Redacted() PeerKeys {
	for _, s := range []*string{&p.Key, &p.PreviousKey} {
		if *s != "" {
			*s = redacted
		}
	}
	return p
}

// String shows the keys' fingerprints, never the keys.
func (p PeerKeys) String() string {
	if p.Key == "" {
		return "no peer key"
	}
	s := "peer key " + PeerKeyID(p.Key)
	if p.PreviousKey != "" {
		s += " (previous " + PeerKeyID(p.PreviousKey) + " still accepted)"
	}
	return s
}

// GoString is String, so that %#v does not print the keys either.
func (p PeerKeys) GoString() string { return "config.PeerKeys{" + p.String() + "}" }

// LogValue implements slog.LogValuer: fingerprints only.
func (p PeerKeys) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key_id", PeerKeyID(p.Key)), slog.String("previous_key_id", PeerKeyID(p.PreviousKey)))
}

// DefaultPeerListen is the node config's default peer_listen: every
// address, the port after the HTTP API's.
const DefaultPeerListen = ":55557"
