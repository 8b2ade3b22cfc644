package webhooks

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gluster/gluster-eventing/internal/testenv"
)

// The known-answer vector of the Standard Webhooks reference libraries
// (libraries/go/webhook_test.go TestWebhookSign and its siblings).
func TestStandardSignatureKnownAnswer(t *testing.T) {
	key, err := ParseSigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := StandardSignature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

func TestStandardSignatureCoversEverything(t *testing.T) {
	key := []byte("0123456789abcdef01234567")
	ts := time.Unix(1700000000, 0)
	base := StandardSignature(key, "evt_1", ts, []byte(`{}`))
	for name, sig := range map[string]string{
		"id":   StandardSignature(key, "evt_2", ts, []byte(`{}`)),
		"ts":   StandardSignature(key, "evt_1", ts.Add(time.Second), []byte(`{}`)),
		"body": StandardSignature(key, "evt_1", ts, []byte(`{ }`)),
		"key":  StandardSignature([]byte("0123456789abcdef01234568"), "evt_1", ts, []byte(`{}`)),
	} {
		if sig == base {
			t.Errorf("changing the %s does not change the signature", name)
		}
	}
	if !strings.HasPrefix(base, "v1,") {
		t.Errorf("signature %q lacks the v1, prefix", base)
	}
	// Sub-second parts of the attempt time are not signed: the header
	// carries whole seconds.
	if StandardSignature(key, "evt_1", ts.Add(900*time.Millisecond), []byte(`{}`)) != base {
		t.Error("signature depends on sub-second time")
	}
}

func TestParseSigningSecret(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantLen int // 0: error expected
	}{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 24},
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 24},
		{"whsec_", 0},
		{"whsec_not base64!", 0},
		{"", 0},
	} {
		key, err := ParseSigningSecret(tc.in)
		switch {
		case tc.wantLen == 0 && err == nil:
			t.Errorf("ParseSigningSecret(%q) succeeded", tc.in)
		case tc.wantLen != 0 && (err != nil || len(key) != tc.wantLen):
			t.Errorf("ParseSigningSecret(%q) = %d bytes, %v; want %d bytes", tc.in, len(key), err, tc.wantLen)
		}
		if secret := strings.TrimPrefix(tc.in, "whsec_"); err != nil && secret != "" && strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains the secret", err)
		}
	}
}

// jwtCase is one token to compare with Python. now is the unix time at
// signing: exp = now + 60.
type jwtCase struct {
	Secret string `json:"secret"`
	Event  string `json:"event"`
	TS     int64  `json:"ts"`
	Now    int64  `json:"now"`
}

var jwtCases = []jwtCase{
	{"secret", "VOLUME_START", 1700000000, 1700000000},
	{"s3cr3t-with-symbols/+=", "BRICK_DISCONNECTED", 1795305319, 1795305321},
	{"pässwörd ✓", "AFR_SPLIT_BRAIN", 1, 1795305321},
	{strings.Repeat("k", 100), "TEST", 0, 1600000000},
}

// The token PyJWT 2.6 (Debian's python3-jwt, a dependency of
// glusterfs-server) makes for jwtCases[0] with the claims in sorted order.
const pyJWTGolden = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDAwNjAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiZ2x1c3RlciIsInN1YiI6IlZPTFVNRV9TVEFSVCJ9.Rzm0rpbYNoe-6yWKOS2OdC8LjZO9R_3HyxxnPIrCDv4"

func TestGlusterJWTGolden(t *testing.T) {
	c := jwtCases[0]
	got, err := GlusterJWT(c.Secret, c.Event, c.TS, time.Unix(c.Now, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got != pyJWTGolden {
		t.Errorf("GlusterJWT = %s\nwant        %s", got, pyJWTGolden)
	}
	tok, err := jwt.Parse(got, func(*jwt.Token) (any, error) { return []byte(c.Secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return time.Unix(c.Now, 0) }))
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	claims := tok.Claims.(jwt.MapClaims)
	if claims["iss"] != "gluster" || claims["sub"] != c.Event || claims["iat"] != float64(c.TS) || claims["exp"] != float64(c.Now+60) {
		t.Errorf("claims = %v", claims)
	}
	if _, err := GlusterJWT("", "X", 0, time.Now()); err == nil {
		t.Error("GlusterJWT with an empty secret succeeded")
	}
}

// jwtPython computes, for each case on stdin, the token of Gluster's own
// utils.get_jwt_token source (exec'd with its Python 3 bytes bug patched
// out and the clock fixed) when that file is installed, the token of a
// line-by-line reimplementation of it, and PyJWT's token for the same
// claims in sorted order when PyJWT is installed. Missing ones are null.
const jwtPython = `
import ast, base64, calendar, datetime, hashlib, hmac, json, sys

GLUSTER_UTILS = "/usr/lib/x86_64-linux-gnu/glusterfs/gfevents/utils.py"

def b64(inp):
    if isinstance(inp, str):
        inp = inp.encode()
    return base64.urlsafe_b64encode(inp).replace(b"=", b"").strip().decode()

def reimplementation(secret, event_type, event_ts, now):
    payload = {"exp": now + 60, "iss": "gluster", "sub": event_type, "iat": event_ts}
    header = '{"alg":"HS256","typ":"JWT"}'
    payload = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    msg = b64(header) + "." + b64(payload)
    return msg + "." + b64(hmac.HMAC(secret.encode(), msg.encode(), hashlib.sha256).digest())

def gluster_function():
    try:
        src = open(GLUSTER_UTILS).read()
    except OSError:
        return None
    fn = next(n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == "get_jwt_token")
    return ast.get_source_segment(src, fn)

class PatchedHMAC:
    # utils.py calls hmac.HMAC(str(secret), msg, sha256) with str arguments.
    @staticmethod
    def HMAC(key, msg, digestmod):
        enc = lambda v: v.encode() if isinstance(v, str) else v
        return hmac.HMAC(enc(key), enc(msg), digestmod)

def gluster(src, secret, event_type, event_ts, now):
    class FixedDatetime:
        @staticmethod
        def utcnow():
            return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=now)
    ns = {"datetime": FixedDatetime, "timedelta": datetime.timedelta, "timegm": calendar.timegm,
          "json": json, "hmac": PatchedHMAC, "sha256": hashlib.sha256, "base64_urlencode": b64}
    exec(src, ns)
    return ns["get_jwt_token"](secret, event_type, event_ts)

try:
    import jwt
except ImportError:
    jwt = None

src = gluster_function()
out = []
for c in json.load(sys.stdin):
    claims = {"exp": c["now"] + 60, "iat": c["ts"], "iss": "gluster", "sub": c["event"]}
    out.append({
        "gluster": gluster(src, c["secret"], c["event"], c["ts"], c["now"]) if src else None,
        "reimplementation": reimplementation(c["secret"], c["event"], c["ts"], c["now"]),
        "pyjwt": jwt.encode(claims, c["secret"], algorithm="HS256") if jwt else None,
    })
json.dump(out, sys.stdout)
`

// TestGlusterJWTMatchesPython checks GlusterJWT against Gluster's
// get_jwt_token (bytes bug fixed) and PyJWT, byte for byte.
func TestGlusterJWTMatchesPython(t *testing.T) {
	python := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			python = path
			break
		}
	}
	testenv.Require(t, python != "", "python3")
	in, _ := json.Marshal(jwtCases)
	cmd := exec.Command(python, "-c", jwtPython)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var res []map[string]*string
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(jwtCases) {
		t.Fatalf("python output %q: %v", out, err)
	}
	seen := map[string]bool{}
	for i, c := range jwtCases {
		got, err := GlusterJWT(c.Secret, c.Event, c.TS, time.Unix(c.Now, 0))
		if err != nil {
			t.Fatal(err)
		}
		for impl, want := range res[i] {
			if want == nil {
				continue
			}
			seen[impl] = true
			if got != *want {
				t.Errorf("case %d: Go token differs from %s:\n go  %s\n py  %s", i, impl, got, *want)
			}
		}
	}
	for _, impl := range []string{"gluster", "pyjwt"} {
		if !seen[impl] {
			if testenv.CI() {
				t.Errorf("%s not available in CI (apt-get install glusterfs-server python3-jwt)", impl)
			}
			t.Logf("%s not available; compared with the others only", impl)
		}
	}
}
