package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwtLifetime is how long a Gluster JWT is valid after it is made
// (utils.get_jwt_token's jwt_expiry_time_seconds).
const jwtLifetime = 60 * time.Second

// GlusterJWT returns the bearer token glustereventsd sends when a webhook
// has a secret: HS256 over the header {"alg":"HS256","typ":"JWT"} and the
// compact, key-sorted claims {"exp":now+60,"iat":eventTS,"iss":"gluster",
// "sub":event}. It is byte for byte the token Gluster's
// utils.get_jwt_token computes (once its Python 3 bytes bug is fixed), so
// receivers that verify Gluster's tokens accept ours.
func GlusterJWT(secret, event string, eventTS int64, now time.Time) (string, error) {
	if secret == "" {
		return "", errors.New("gluster jwt: empty secret")
	}
	// MapClaims, not RegisteredClaims: encoding/json sorts map keys, which
	// is the order Gluster's json.dumps(sort_keys=True) produces.
	claims := jwt.MapClaims{
		"exp": now.Add(jwtLifetime).Unix(),
		"iat": eventTS,
		"iss": "gluster",
		"sub": event,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		return "", fmt.Errorf("gluster jwt: %w", err)
	}
	return tok, nil
}

// signingSecretPrefix starts a Standard Webhooks signing secret.
const signingSecretPrefix = "whsec_"

// ParseSigningSecret decodes a Standard Webhooks secret, "whsec_" followed
// by standard base64, into the HMAC key. Like the reference libraries it
// also accepts the bare base64 without the prefix. The error never
// contains the secret.
func ParseSigningSecret(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, signingSecretPrefix))
	if err != nil {
		return nil, errors.New("signing secret: not whsec_ followed by base64")
	}
	if len(key) == 0 {
		return nil, errors.New("signing secret: empty key")
	}
	return key, nil
}

// StandardSignature returns the value of the webhook-signature header of
// Standard Webhooks v1: "v1," and the base64 HMAC-SHA256, under key, of
// "<id>.<unix seconds>.<body>".
func StandardSignature(key []byte, id string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, ts.Unix(), 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
