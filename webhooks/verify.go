package webhooks

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The receiving side of the three ways a delivery proves where it comes
// from: a static bearer token, Gluster's HS256 JWT and the Standard
// Webhooks signature. gluster-eventing listen uses them; so can any Go
// receiver. No error here contains a secret, a token or a signature.

// DefaultTolerance is how far a Standard Webhooks webhook-timestamp may be
// from the receiver's clock, either way: the specification's five minutes.
const DefaultTolerance = 5 * time.Minute

// jwtLeeway is the clock skew allowed on a Gluster JWT's exp and iat: the
// token lives only a minute, so sender and receiver clocks a few seconds
// apart must not fail it.
const jwtLeeway = 30 * time.Second

// The classes of verification failure, for errors.Is.
var (
	// ErrMissingCredential: the request carries no Authorization header or
	// no Standard Webhooks headers where they are required.
	ErrMissingCredential = errors.New("missing credential")
	// ErrBadCredential: a credential is there but wrong (token, JWT
	// signature or claims, webhook signature).
	ErrBadCredential = errors.New("bad credential")
	// ErrExpired: a JWT whose exp passed, or a webhook-timestamp outside
	// the tolerance (a replay, or a clock far off).
	ErrExpired = errors.New("expired credential")
)

// verifyError is a failure of one class with its reason.
type verifyError struct {
	class  error
	reason string
}

func (e *verifyError) Error() string        { return e.reason }
func (e *verifyError) Is(target error) bool { return target == e.class }

func failf(class error, format string, args ...any) error {
	return &verifyError{class: class, reason: fmt.Sprintf(format, args...)}
}

// BearerToken returns the token of an "Authorization: Bearer TOKEN"
// header value, "" if it is not one.
func BearerToken(authorization string) string {
	scheme, tok, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// VerifyBearer checks that the Authorization header value carries the
// static bearer token want, in constant time.
func VerifyBearer(authorization, want string) error {
	if want == "" {
		return errors.New("verify bearer token: no token to compare with")
	}
	got := BearerToken(authorization)
	if got == "" {
		return failf(ErrMissingCredential, "no bearer token (Authorization: Bearer ...)")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return failf(ErrBadCredential, "the bearer token does not match")
	}
	return nil
}

// GlusterClaims are the claims of a Gluster JWT (see [GlusterJWT]).
type GlusterClaims struct {
	Event    string    // sub: the event's name
	EventTS  int64     // iat: the event's timestamp, unix seconds
	Expires  time.Time // exp
	IssuedBy string    // iss: "gluster"
}

// VerifyGlusterJWT checks token, the bearer token of a delivery from a
// webhook with a JWT secret (glustereventsd's, or ours), against secret:
// HS256 only, signed with secret, iss "gluster", an exp that has not
// passed at now (30 seconds of clock skew allowed), and a sub. It returns
// the claims, whose Event the caller should compare with the body's.
func VerifyGlusterJWT(token, secret string, now time.Time) (*GlusterClaims, error) {
	if secret == "" {
		return nil, errors.New("verify gluster jwt: no secret to verify with")
	}
	if token == "" {
		return nil, failf(ErrMissingCredential, "no JWT (Authorization: Bearer <jwt>)")
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer("gluster"),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(jwtLeeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if t, _, err := p.ParseUnverified(token, jwt.MapClaims{}); err == nil && t.Method.Alg() != jwt.SigningMethodHS256.Alg() {
		return nil, failf(ErrBadCredential, "the JWT is signed with %s, not HS256", t.Method.Alg())
	}
	claims := jwt.MapClaims{}
	_, err := p.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil })
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, failf(ErrExpired, "the JWT expired (exp is more than %s ago)", jwtLeeway)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, failf(ErrBadCredential, "the JWT's signature does not match the secret")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, failf(ErrBadCredential, "the bearer token is not a JWT")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return nil, failf(ErrBadCredential, "the JWT's issuer is not \"gluster\"")
	case err != nil:
		// jwt's messages name claims and reasons, never the key.
		return nil, failf(ErrBadCredential, "the JWT is not valid: %v", err)
	}
	c := &GlusterClaims{IssuedBy: "gluster"}
	c.Event, _ = claims["sub"].(string)
	if c.Event == "" {
		return nil, failf(ErrBadCredential, "the JWT has no sub (the event's name)")
	}
	if iat, ok := claims["iat"].(float64); ok {
		c.EventTS = int64(iat)
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		c.Expires = exp.Time
	}
	return c, nil
}

// StandardHeaders are the three Standard Webhooks headers of a delivery.
type StandardHeaders struct {
	ID        string // webhook-id
	Timestamp string // webhook-timestamp: unix seconds
	Signature string // webhook-signature: space-separated "v1,<base64>" entries
}

// StandardHeadersOf reads the Standard Webhooks headers of h (any case).
func StandardHeadersOf(h http.Header) StandardHeaders {
	return StandardHeaders{
		ID:        h.Get("Webhook-Id"),
		Timestamp: h.Get("Webhook-Timestamp"),
		Signature: h.Get("Webhook-Signature"),
	}
}

// VerifyStandard checks a Standard Webhooks delivery: its webhook-timestamp
// is within tolerance of now (either way; 0 means [DefaultTolerance]) and
// one of the header's v1 signatures is the HMAC-SHA256 of
// "<id>.<timestamp>.<body>" under one of keys. Several keys let a receiver
// accept the old and the new secret while the sender rotates; several
// signatures let the sender sign with both. Other signature versions
// (v1a, asymmetric) are ignored, as the specification says.
func VerifyStandard(keys [][]byte, h StandardHeaders, body []byte, now time.Time, tolerance time.Duration) error {
	if len(keys) == 0 {
		return errors.New("verify standard webhook: no signing key to verify with")
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	switch {
	case h.ID == "" && h.Timestamp == "" && h.Signature == "":
		return failf(ErrMissingCredential, "no Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature)")
	case h.ID == "":
		return failf(ErrMissingCredential, "no webhook-id header")
	case h.Timestamp == "":
		return failf(ErrMissingCredential, "no webhook-timestamp header")
	case h.Signature == "":
		return failf(ErrMissingCredential, "no webhook-signature header")
	}
	secs, err := strconv.ParseInt(h.Timestamp, 10, 64)
	if err != nil {
		return failf(ErrBadCredential, "webhook-timestamp %q is not unix seconds", h.Timestamp)
	}
	ts := time.Unix(secs, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return failf(ErrExpired, "webhook-timestamp %s is %s from this clock, more than the %s allowed",
			ts.UTC().Format(time.RFC3339), d.Abs().Round(time.Second), tolerance)
	}
	v1 := 0
	for entry := range strings.FieldsSeq(h.Signature) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		v1++
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		for _, key := range keys {
			want := StandardSignature(key, h.ID, ts, body)
			wantRaw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(want, "v1,"))
			if hmac.Equal(got, wantRaw) {
				return nil
			}
		}
	}
	if v1 == 0 {
		return failf(ErrBadCredential, "webhook-signature has no v1 signature")
	}
	return failf(ErrBadCredential, "no webhook-signature matches the signing secret (%d v1 signatures, %d secrets tried)", v1, len(keys))
}
