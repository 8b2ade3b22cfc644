package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultHTTPListen is where the daemon serves its HTTP API over TCP when
// the node config does not say otherwise: loopback only.
const DefaultHTTPListen = "127.0.0.1:55556"

// MinTokenLength is the shortest bearer token the daemon accepts: a token
// guards the whole API, so it must not be guessable.
const MinTokenLength = 16

// HTTP is the node config's [http] table: the HTTP API on a TCP listener
// (the unix socket api_socket always serves it too).
type HTTP struct {
	// Listen is the TCP address (host:port) of the API; "" turns the TCP
	// listener off. Port 0 picks a free port (the daemon reports the one
	// it got in its status).
	Listen string `toml:"listen"`
	// TokenFile holds the bearer token clients must present (mode 0600 or
	// stricter). It is required when Listen is not a loopback address and
	// enforced whenever it is set.
	TokenFile string `toml:"token_file"`
	// CertFile and KeyFile, both or neither, make the listener speak TLS.
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
}

// DefaultHTTP returns the [http] table of DefaultNode.
func DefaultHTTP() HTTP { return HTTP{Listen: DefaultHTTPListen} }

// TLS reports whether the listener speaks TLS.
func (h *HTTP) TLS() bool { return h.CertFile != "" }

// Loopback reports whether Listen binds loopback addresses only
// ("localhost", 127.0.0.0/8, ::1). An empty host binds every address and
// is not loopback.
func (h *HTTP) Loopback() bool { return LoopbackAddr(h.Listen) }

// LoopbackAddr reports whether the host of host:port is a loopback address
// or "localhost".
func LoopbackAddr(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// validate adds the [http] table's problems to p.
func (h *HTTP) validate(p *problems) {
	if h.Listen != "" {
		if err := checkTCPAddr(h.Listen); err != nil {
			p.add("http.listen", "%q: %v", h.Listen, err)
		} else if !h.Loopback() && h.TokenFile == "" {
			p.add("http.token_file", "required when http.listen (%q) is not a loopback address: anyone who can reach it could read the cluster's events", h.Listen)
		}
	}
	for _, f := range []struct{ field, path string }{
		{"http.token_file", h.TokenFile}, {"http.cert_file", h.CertFile}, {"http.key_file", h.KeyFile},
	} {
		if f.path != "" && !filepath.IsAbs(f.path) {
			p.add(f.field, "must be an absolute path, not %q", f.path)
		}
	}
	if (h.CertFile == "") != (h.KeyFile == "") {
		p.add("http.cert_file", "cert_file and key_file go together (set both for TLS, or neither)")
	}
}

// checkTCPAddr accepts host:port where host is empty, an IP literal or
// "localhost" and port is 0-65535 (0: any free port).
func checkTCPAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("want host:port, such as %q or \"[::]:55556\"", DefaultHTTPListen)
	}
	if host != "" && host != "localhost" {
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("host %q is not an IP address", host)
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number between 0 and 65535", port)
	}
	return nil
}

// ErrTokenFile matches every error of ReadTokenFile.
var ErrTokenFile = errors.New("bad http token file")

// ReadTokenFile reads the bearer token at path: the file's content without
// surrounding white space. The file must be a regular file that neither
// group nor others can read or write (mode 0600 or stricter), and the
// token at least MinTokenLength characters of printable ASCII. Errors never
// contain the token.
func ReadTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrTokenFile, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrTokenFile, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%w: %s is not a regular file", ErrTokenFile, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%w: %s has mode %04o; it holds a secret and must not be accessible to group or others (chmod 600 %s)",
			ErrTokenFile, path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4097))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrTokenFile, err)
	}
	if len(b) > 4096 {
		return "", fmt.Errorf("%w: %s is larger than 4096 bytes", ErrTokenFile, path)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < MinTokenLength {
		return "", fmt.Errorf("%w: the token in %s is shorter than %d characters (make one with: head -c 32 /dev/urandom | base64 > %s)",
			ErrTokenFile, path, MinTokenLength, path)
	}
	for _, c := range []byte(tok) {
		if c < 0x21 || c > 0x7e {
			return "", fmt.Errorf("%w: the token in %s has a character that is not printable ASCII (space, newline inside it, ...)", ErrTokenFile, path)
		}
	}
	return tok, nil
}
