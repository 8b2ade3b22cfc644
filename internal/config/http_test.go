package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTTPValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    HTTP
		want string // a problem's text, "" for valid
	}{
		{"default", DefaultHTTP(), ""},
		{"off", HTTP{}, ""},
		{"port 0", HTTP{Listen: "127.0.0.1:0"}, ""},
		{"localhost", HTTP{Listen: "localhost:8080"}, ""},
		{"ipv6 loopback", HTTP{Listen: "[::1]:55556"}, ""},
		{"all addresses with a token", HTTP{Listen: ":55556", TokenFile: "/etc/t"}, ""},
		{"all addresses without a token", HTTP{Listen: ":55556"}, "http.token_file: required when http.listen"},
		{"0.0.0.0 without a token", HTTP{Listen: "0.0.0.0:55556"}, "http.token_file: required"},
		{"a LAN address without a token", HTTP{Listen: "10.0.0.5:55556"}, "http.token_file: required"},
		{"no port", HTTP{Listen: "127.0.0.1"}, "want host:port"},
		{"a host name", HTTP{Listen: "node1:55556"}, "is not an IP address"},
		{"port too big", HTTP{Listen: "127.0.0.1:70000"}, "between 0 and 65535"},
		{"relative token file", HTTP{Listen: "127.0.0.1:1", TokenFile: "t"}, "http.token_file: must be an absolute path"},
		{"TLS", HTTP{Listen: "127.0.0.1:1", CertFile: "/c", KeyFile: "/k"}, ""},
		{"a certificate without its key", HTTP{Listen: "127.0.0.1:1", CertFile: "/c"}, "cert_file and key_file go together"},
		{"relative key", HTTP{Listen: "127.0.0.1:1", CertFile: "/c", KeyFile: "k"}, "http.key_file: must be an absolute path"},
	} {
		var p problems
		tc.h.validate(&p)
		err := p.err()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		case err != nil && !errors.Is(err, ErrInvalid):
			t.Errorf("%s: %v does not match ErrInvalid", tc.name, err)
		}
	}
}

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:1": true, "127.1.2.3:1": true, "[::1]:1": true, "localhost:1": true, "[::ffff:127.0.0.1]:1": true,
		":1": false, "0.0.0.0:1": false, "[::]:1": false, "10.0.0.1:1": false, "bogus": false,
	} {
		if got := LoopbackAddr(addr); got != want {
			t.Errorf("LoopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		want    string // the token, or a part of the error
		ok      bool
	}{
		{"good", "  0123456789abcdef-token \n", 0o600, "0123456789abcdef-token", true},
		{"owner read only", "0123456789abcdef", 0o400, "0123456789abcdef", true},
		{"group readable", "0123456789abcdef", 0o640, "mode 0640", false},
		{"world readable", "0123456789abcdef", 0o644, "chmod 600", false},
		{"too short", "s3cr", 0o600, "shorter than 16", false},
		{"empty", "", 0o600, "shorter than 16", false},
		{"space inside", "0123456789 abcdef", 0o600, "not printable ASCII", false},
		{"two lines", "0123456789abcdef\nsecond-line-here", 0o600, "not printable ASCII", false},
		{"too large", strings.Repeat("x", 5000), 0o600, "larger than 4096", false},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, tc.mode); err != nil {
			t.Fatal(err)
		}
		tok, err := ReadTokenFile(path)
		switch {
		case tc.ok && (err != nil || tok != tc.want):
			t.Errorf("%s: %q, %v; want %q", tc.name, tok, err, tc.want)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrTokenFile)):
			t.Errorf("%s: error %v, want an ErrTokenFile containing %q", tc.name, err, tc.want)
		case !tc.ok && strings.Contains(err.Error(), strings.TrimSpace(tc.content)) && tc.content != "":
			t.Errorf("%s: the error %q shows the file's content", tc.name, err)
		}
	}
	if _, err := ReadTokenFile(filepath.Join(dir, "missing")); !errors.Is(err, ErrTokenFile) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadTokenFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory: %v", err)
	}
}
