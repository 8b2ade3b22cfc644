package webhooks

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyStandard(t *testing.T) {
	oldKey, _ := ParseSigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	newKey := []byte("a new key of thirty-two bytes!!!")
	body := []byte(`{"id":"e1","event":"VOLUME_START"}`)
	now := time.Unix(1800000000, 0)
	sign := func(key []byte, id string, ts time.Time, b []byte) string {
		return StandardSignature(key, id, ts, b)
	}
	unix := func(ts time.Time) string { return strconv.FormatInt(ts.Unix(), 10) }
	hdr := func(id string, ts time.Time, sig string) StandardHeaders {
		return StandardHeaders{ID: id, Timestamp: unix(ts), Signature: sig}
	}
	good := sign(newKey, "e1", now, body)
	for _, tc := range []struct {
		name string
		keys [][]byte
		h    StandardHeaders
		body []byte
		want error // nil: verifies
	}{
		{"good", [][]byte{newKey}, hdr("e1", now, good), body, nil},
		{"clock a little behind", [][]byte{newKey}, hdr("e1", now.Add(-4*time.Minute), sign(newKey, "e1", now.Add(-4*time.Minute), body)), body, nil},
		{"clock a little ahead", [][]byte{newKey}, hdr("e1", now.Add(4*time.Minute), sign(newKey, "e1", now.Add(4*time.Minute), body)), body, nil},
		{"wrong secret", [][]byte{oldKey}, hdr("e1", now, good), body, ErrBadCredential},
		{"body changed", [][]byte{newKey}, hdr("e1", now, good), []byte(`{"id":"e1","event":"VOLUME_STOP"}`), ErrBadCredential},
		{"id changed", [][]byte{newKey}, hdr("e2", now, good), body, ErrBadCredential},
		{"timestamp changed", [][]byte{newKey}, hdr("e1", now.Add(time.Second), good), body, ErrBadCredential},
		{"expired", [][]byte{newKey}, hdr("e1", now.Add(-6*time.Minute), sign(newKey, "e1", now.Add(-6*time.Minute), body)), body, ErrExpired},
		{"from the future", [][]byte{newKey}, hdr("e1", now.Add(6*time.Minute), sign(newKey, "e1", now.Add(6*time.Minute), body)), body, ErrExpired},
		// Rotation: the receiver holds the old and the new secret while
		// the sender moves to the new one...
		{"rotated: receiver has both, sender the new", [][]byte{oldKey, newKey}, hdr("e1", now, good), body, nil},
		{"rotated: receiver has both, sender the old", [][]byte{oldKey, newKey}, hdr("e1", now, sign(oldKey, "e1", now, body)), body, nil},
		// ...or the sender signs with both and the receiver has either.
		{"rotated: two signatures, receiver the new", [][]byte{newKey}, hdr("e1", now, sign(oldKey, "e1", now, body)+" "+good), body, nil},
		{"rotated: two signatures, receiver the old", [][]byte{oldKey}, hdr("e1", now, good+" "+sign(oldKey, "e1", now, body)), body, nil},
		{"two signatures, neither", [][]byte{[]byte("another key")}, hdr("e1", now, good+" "+sign(oldKey, "e1", now, body)), body, ErrBadCredential},
		{"asymmetric versions are ignored", [][]byte{newKey}, hdr("e1", now, "v1a,"+strings.TrimPrefix(good, "v1,")), body, ErrBadCredential},
		{"v1a ignored, v1 used", [][]byte{newKey}, hdr("e1", now, "v1a,AAAA "+good), body, nil},
		{"signature not base64", [][]byte{newKey}, hdr("e1", now, "v1,%%%"), body, ErrBadCredential},
		{"timestamp not a number", [][]byte{newKey}, StandardHeaders{ID: "e1", Timestamp: "yesterday", Signature: good}, body, ErrBadCredential},
		{"no headers", [][]byte{newKey}, StandardHeaders{}, body, ErrMissingCredential},
		{"no signature", [][]byte{newKey}, StandardHeaders{ID: "e1", Timestamp: unix(now)}, body, ErrMissingCredential},
		{"no id", [][]byte{newKey}, StandardHeaders{Timestamp: unix(now), Signature: good}, body, ErrMissingCredential},
		{"no timestamp", [][]byte{newKey}, StandardHeaders{ID: "e1", Signature: good}, body, ErrMissingCredential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyStandard(tc.keys, tc.h, tc.body, now, 0)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("VerifyStandard: %v", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("VerifyStandard = %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(good, "v1,")) {
				t.Errorf("error %q contains the signature", err)
			}
		})
	}
	if err := VerifyStandard(nil, hdr("e1", now, good), body, now, 0); err == nil || errors.Is(err, ErrBadCredential) {
		t.Errorf("VerifyStandard without keys = %v, want a usage error", err)
	}
}

// The Standard Webhooks reference libraries' known-answer vector
// (libraries/go/webhook_test.go), verified rather than produced.
func TestVerifyStandardKnownAnswer(t *testing.T) {
	key, err := ParseSigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	if err := VerifyStandard([][]byte{key}, StandardHeadersOf(h), []byte(`{"test": 2432232314}`), time.Unix(1614265330, 0), 0); err != nil {
		t.Errorf("the reference vector does not verify: %v", err)
	}
	if err := VerifyStandard([][]byte{key}, StandardHeadersOf(h), []byte(`{"test": 2432232314}`), time.Unix(1614265330+301, 0), 0); !errors.Is(err, ErrExpired) {
		t.Errorf("the reference vector 301s later = %v, want expired", err)
	}
}

func TestVerifyGlusterJWT(t *testing.T) {
	now := time.Unix(1800000000, 0)
	mint := func(secret, event string, at time.Time) string {
		tok, err := GlusterJWT(secret, event, 1799999990, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	handMade := func(m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(m, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	exp := now.Add(time.Minute).Unix()
	for _, tc := range []struct {
		name, token, secret string
		want                error // nil: verifies
	}{
		{"good", mint("s3cret", "VOLUME_START", now), "s3cret", nil},
		{"made 80s ago, within the leeway", mint("s3cret", "VOLUME_START", now.Add(-80*time.Second)), "s3cret", nil},
		{"expired", mint("s3cret", "VOLUME_START", now.Add(-2*time.Minute)), "s3cret", ErrExpired},
		{"wrong secret", mint("s3cret", "VOLUME_START", now), "wr0ng", ErrBadCredential},
		{"not a JWT", "just-a-static-token", "s3cret", ErrBadCredential},
		{"empty", "", "s3cret", ErrMissingCredential},
		{"HS512", handMade(jwt.SigningMethodHS512, []byte("s3cret"), jwt.MapClaims{"exp": exp, "iss": "gluster", "sub": "X"}), "s3cret", ErrBadCredential},
		{"alg none", handMade(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"exp": exp, "iss": "gluster", "sub": "X"}), "s3cret", ErrBadCredential},
		{"other issuer", handMade(jwt.SigningMethodHS256, []byte("s3cret"), jwt.MapClaims{"exp": exp, "iss": "mallory", "sub": "X"}), "s3cret", ErrBadCredential},
		{"no exp", handMade(jwt.SigningMethodHS256, []byte("s3cret"), jwt.MapClaims{"iss": "gluster", "sub": "X"}), "s3cret", ErrBadCredential},
		{"no sub", handMade(jwt.SigningMethodHS256, []byte("s3cret"), jwt.MapClaims{"exp": exp, "iss": "gluster"}), "s3cret", ErrBadCredential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := VerifyGlusterJWT(tc.token, tc.secret, now)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("VerifyGlusterJWT: %v", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("VerifyGlusterJWT = %v, want %v", err, tc.want)
			case tc.want == nil && (c.Event != "VOLUME_START" || c.EventTS != 1799999990):
				t.Errorf("claims = %+v", c)
			}
			if err != nil && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

// A token PyJWT made (pyJWTGolden, sign_test.go) verifies at its time.
func TestVerifyGlusterJWTFromPyJWT(t *testing.T) {
	c, err := VerifyGlusterJWT(pyJWTGolden, "secret", time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if c.Event != "VOLUME_START" || c.EventTS != 1700000000 || !c.Expires.Equal(time.Unix(1700000060, 0)) {
		t.Errorf("claims = %+v", c)
	}
}

func TestVerifyBearer(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   error
	}{
		{"Bearer tok3n", nil},
		{"bearer tok3n", nil},
		{"Bearer  tok3n ", nil},
		{"Bearer tok3", ErrBadCredential},
		{"Bearer tok3n2", ErrBadCredential},
		{"Basic dG9rM246", ErrMissingCredential},
		{"", ErrMissingCredential},
	} {
		err := VerifyBearer(tc.header, "tok3n")
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("VerifyBearer(%q) = %v, want %v", tc.header, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "tok3n") {
			t.Errorf("error %q contains the token", err)
		}
	}
}
