package forward

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// The headers of the peer protocol. Every request and every response is
// signed with HMAC-SHA256 under the cluster's peer key; the key never
// crosses the wire (only its public fingerprint, to pick the key during a
// rotation). The channel is not encrypted: events travel in clear, as
// Gluster's own UDP events do.
const (
	HeaderNode      = "X-Gluster-Eventing-Node"
	HeaderTime      = "X-Gluster-Eventing-Time"
	HeaderNonce     = "X-Gluster-Eventing-Nonce"
	HeaderKeyID     = "X-Gluster-Eventing-Key"
	HeaderSignature = "X-Gluster-Eventing-Signature"
)

// MaxSkew is how far a request's time may be from the server's clock; a
// request outside it is refused (replays of older ones are too), and a
// nonce seen within it is refused as a replay.
const MaxSkew = 2 * time.Minute

// Keys are the peer keys of a cluster config: the current one signs and
// is accepted, a previous one is accepted during a rotation.
type Keys struct {
	signID string
	prevID string // "" when there is no previous key
	byID   map[string][]byte
}

// NewKeys returns the keys of p, nil when p has no (valid) key.
func NewKeys(p config.PeerKeys) *Keys {
	secret := config.PeerKeySecret(p.Key)
	if secret == nil {
		return nil
	}
	k := &Keys{signID: config.PeerKeyID(p.Key), byID: map[string][]byte{config.PeerKeyID(p.Key): secret}}
	if prev := config.PeerKeySecret(p.PreviousKey); prev != nil {
		k.prevID = config.PeerKeyID(p.PreviousKey)
		k.byID[k.prevID] = prev
	}
	return k
}

// withPrevious returns keys that sign with the previous key, for a peer
// that has not installed the rotated config yet; nil if there is none.
func (k *Keys) withPrevious() *Keys {
	if k == nil || k.prevID == "" {
		return nil
	}
	return &Keys{signID: k.prevID, prevID: k.signID, byID: k.byID}
}

// ID is the fingerprint of the signing key.
func (k *Keys) ID() string { return k.signID }

func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

func mac(secret []byte, parts ...string) string {
	m := hmac.New(sha256.New, secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{'\n'})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// signRequest sets the auth headers of r, whose body is body, and returns
// the signature (the response is bound to it).
func (k *Keys) signRequest(r *http.Request, node string, body []byte, now time.Time) string {
	var n [16]byte
	rand.Read(n[:])
	nonce := hex.EncodeToString(n[:])
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := mac(k.byID[k.signID], "gluster-eventing-peer-request-v1", r.Method, r.URL.RequestURI(), node, ts, nonce, bodyHash(body))
	r.Header.Set(HeaderNode, node)
	r.Header.Set(HeaderTime, ts)
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderKeyID, k.signID)
	r.Header.Set(HeaderSignature, sig)
	return sig
}

// responseMAC is the signature of a response to the request signed reqSig.
func responseMAC(secret []byte, reqSig string, status int, node string, body []byte) string {
	return mac(secret, "gluster-eventing-peer-response-v1", reqSig, strconv.Itoa(status), node, bodyHash(body))
}

// AuthError is a refused request or response; Reason is for logs and
// status. UnknownKey is set when the request was signed with a key the
// receiver does not have (the two nodes are on either side of a rotation).
type AuthError struct {
	Reason     string
	UnknownKey bool
}

func (e *AuthError) Error() string { return "peer authentication failed: " + e.Reason }

// verifier checks requests on the server side: signature, time window and
// nonces seen within it.
type verifier struct {
	mu     sync.Mutex
	nonces map[string]time.Time // nonce -> when it may be forgotten
	pruned time.Time
}

// maxNonces bounds the replay cache; beyond it, requests are refused
// until old nonces expire (only a flood of valid requests fills it).
const maxNonces = 100000

// verify checks r (body already read) and returns the secret it was
// signed with and its signature.
func (v *verifier) verify(keys *Keys, r *http.Request, body []byte, now time.Time) (secret []byte, sig string, err error) {
	if keys == nil {
		return nil, "", &AuthError{Reason: "this node has no peer key"}
	}
	h := r.Header
	sig = h.Get(HeaderSignature)
	if sig == "" {
		return nil, "", &AuthError{Reason: "unsigned request"}
	}
	secret = keys.byID[h.Get(HeaderKeyID)]
	if secret == nil {
		return nil, "", &AuthError{Reason: fmt.Sprintf("signed with key %q, which this node does not have (it has %s)", h.Get(HeaderKeyID), keys.signID),
			UnknownKey: true}
	}
	ts, err := strconv.ParseInt(h.Get(HeaderTime), 10, 64)
	if err != nil {
		return nil, "", &AuthError{Reason: "bad time header"}
	}
	want := mac(secret, "gluster-eventing-peer-request-v1", r.Method, r.URL.RequestURI(), h.Get(HeaderNode), h.Get(HeaderTime), h.Get(HeaderNonce), bodyHash(body))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return nil, "", &AuthError{Reason: "bad signature"}
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > MaxSkew || skew < -MaxSkew {
		return nil, "", &AuthError{Reason: fmt.Sprintf("request time is %s off this node's clock (more than %s: are the clocks synchronised?)", skew.Round(time.Second), MaxSkew)}
	}
	nonce := h.Get(HeaderNonce)
	if len(nonce) < 16 {
		return nil, "", &AuthError{Reason: "bad nonce"}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.nonces == nil {
		v.nonces = map[string]time.Time{}
	}
	if now.Sub(v.pruned) > MaxSkew/4 || len(v.nonces) >= maxNonces {
		for n, exp := range v.nonces {
			if now.After(exp) {
				delete(v.nonces, n)
			}
		}
		v.pruned = now
	}
	if _, seen := v.nonces[nonce]; seen {
		return nil, "", &AuthError{Reason: "replayed request"}
	}
	if len(v.nonces) >= maxNonces {
		return nil, "", &AuthError{Reason: "too many requests in the replay window"}
	}
	v.nonces[nonce] = time.Unix(ts, 0).Add(MaxSkew)
	return secret, sig, nil
}

// verifyResponse checks a response's signature against the request's.
func verifyResponse(keys *Keys, reqSig string, resp *http.Response, body []byte) error {
	got := resp.Header.Get(HeaderSignature)
	if got == "" {
		return &AuthError{Reason: fmt.Sprintf("unsigned response (HTTP %d): is %s a gluster-eventing peer port?", resp.StatusCode, resp.Request.URL.Host)}
	}
	want := responseMAC(keys.byID[keys.signID], reqSig, resp.StatusCode, resp.Header.Get(HeaderNode), body)
	if !hmac.Equal([]byte(want), []byte(got)) {
		return &AuthError{Reason: "bad response signature (tampered, or the peer has another key)"}
	}
	return nil
}

var errNoKey = errors.New("the cluster config has no peer key")
