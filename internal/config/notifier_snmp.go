package config

import (
	"encoding/hex"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// SNMP versions of an SNMP notifier.
const (
	SNMPv2c = "2c"
	SNMPv3  = "3"
)

// SNMPAuthProtocols are the SNMPv3 authentication protocols an SNMP
// notifier accepts (RFC 3414 and RFC 7860's HMAC-SHA-2). MD5 is left out:
// it is broken, and every manager that has SHA-1 has it.
var SNMPAuthProtocols = []string{"SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"}

// SNMPPrivProtocols are the SNMPv3 privacy protocols an SNMP notifier
// accepts: AES-128 (RFC 3826, "AES") and the 192 and 256-bit variants
// Net-SNMP and most managers know (Blumenthal key extension). DES is left
// out.
var SNMPPrivProtocols = []string{"AES", "AES-192", "AES-256"}

// DefaultSNMPMaxRate is SNMPNotifier.MaxRate when it is 0: notifications
// per second.
const DefaultSNMPMaxRate = 100

// MaxSNMPMaxRate is the highest max_rate accepted.
const MaxSNMPMaxRate = 100000

// DefaultSNMPPort is the port SNMP managers receive notifications on.
const DefaultSNMPPort = 162

// SNMPNotifier are the settings of a notifier of kind "snmp": where it
// sends SNMPv2c or SNMPv3 notifications (glusterEventNotification of
// GLUSTER-EVENTING-MIB) and with which credentials. Passphrases are read
// from files on each node, never kept in the cluster config.
type SNMPNotifier struct {
	// Addr (the target key) is the manager, host or host:port (port 162 by default).
	Addr string `toml:"target" json:"target"`
	// Version is SNMPv2c ("2c") or SNMPv3 ("3").
	Version string `toml:"version" json:"version"`
	// Community is the SNMPv2c community ("public" when empty).
	Community string `toml:"community,omitempty" json:"community,omitempty"`
	// Inform sends InformRequests, which the manager acknowledges: an
	// event counts as delivered only then, and is retried until it is.
	// Traps (the default) are delivered once they are sent.
	Inform bool `toml:"inform,omitempty" json:"inform,omitempty"`
	// User is the SNMPv3 user name.
	User string `toml:"user,omitempty" json:"user,omitempty"`
	// AuthProtocol is one of SNMPAuthProtocols, or "" for no
	// authentication (noAuthNoPriv).
	AuthProtocol string `toml:"auth_protocol,omitempty" json:"auth_protocol,omitempty"`
	// AuthPassphraseFile holds the authentication passphrase (at least 8
	// characters); it must not be readable by group or others.
	AuthPassphraseFile string `toml:"auth_passphrase_file,omitempty" json:"auth_passphrase_file,omitempty"`
	// PrivProtocol is one of SNMPPrivProtocols, or "" for no privacy
	// (authNoPriv).
	PrivProtocol string `toml:"priv_protocol,omitempty" json:"priv_protocol,omitempty"`
	// PrivPassphraseFile holds the privacy passphrase, like
	// AuthPassphraseFile.
	PrivPassphraseFile string `toml:"priv_passphrase_file,omitempty" json:"priv_passphrase_file,omitempty"`
	// MaxRate bounds the notifications sent per second (bursts of up to
	// 100); 0 is DefaultSNMPMaxRate. Traps are not acknowledged: sent
	// faster than the manager reads them, they are lost in its socket
	// buffer, so a storm is spread out instead (informs are paced too).
	MaxRate int `toml:"max_rate,omitempty" json:"max_rate,omitempty"`
	// EngineID is the SNMPv3 engine id traps are sent with, in hex (5 to
	// 32 octets); empty derives one from the node's glusterd UUID (see
	// snmpsink.EngineID). Informs use the manager's engine id instead.
	EngineID string `toml:"engine_id,omitempty" json:"engine_id,omitempty"`
}

// SNMPTarget splits target into host and port, with DefaultSNMPPort when
// it names none.
func SNMPTarget(target string) (host string, port int, err error) {
	return splitHostPortDefault(target, DefaultSNMPPort)
}

// splitHostPortDefault splits "host", "host:port", "[v6]" or "[v6]:port".
func splitHostPortDefault(s string, defaultPort int) (string, int, error) {
	if s == "" {
		return "", 0, addrError("no host")
	}
	host, portText, err := net.SplitHostPort(s)
	if err != nil {
		// No port: a host name, an IPv4 address, a bare or bracketed IPv6 address.
		h := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		if strings.ContainsAny(h, "[]/ ") || (strings.Contains(h, ":") && net.ParseIP(h) == nil) {
			return "", 0, addrError("not host or host:port")
		}
		return h, defaultPort, nil
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, addrError("port " + strconv.Quote(portText) + " is not 1-65535")
	}
	if host == "" || strings.ContainsAny(host, "/ ") {
		return "", 0, addrError("no host before the port")
	}
	return host, port, nil
}

type addrError string

func (e addrError) Error() string { return string(e) }

// SNMPEngineID decodes a hex engine id ("0x" prefix and ':' separators
// allowed), 5 to 32 octets as RFC 3411 requires.
func SNMPEngineID(s string) ([]byte, error) {
	h := strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), ":", "")
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, addrError("not hexadecimal")
	}
	if len(b) < 5 || len(b) > 32 {
		return nil, addrError("must be 5 to 32 octets, not " + strconv.Itoa(len(b)))
	}
	return b, nil
}

func (s *SNMPNotifier) validateKind(prefix string, p *problems) {
	if _, _, err := SNMPTarget(s.Addr); err != nil {
		p.add(prefix+"target", "%q: %v", s.Addr, err)
	}
	if s.MaxRate < 0 || s.MaxRate > MaxSNMPMaxRate {
		p.add(prefix+"max_rate", "%d is not 1-%d notifications per second (0 is %d)", s.MaxRate, MaxSNMPMaxRate, DefaultSNMPMaxRate)
	}
	checkFile := func(key, path string) {
		if path != "" && !filepath.IsAbs(path) {
			p.add(prefix+key, "%q must be an absolute path (the daemon reads it on every node)", path)
		}
	}
	switch s.Version {
	case SNMPv2c:
		for _, kv := range [][2]string{{"user", s.User}, {"auth_protocol", s.AuthProtocol}, {"auth_passphrase_file", s.AuthPassphraseFile},
			{"priv_protocol", s.PrivProtocol}, {"priv_passphrase_file", s.PrivPassphraseFile}, {"engine_id", s.EngineID}} {
			if kv[1] != "" {
				p.add(prefix+kv[0], "is an SNMPv3 setting; version is %q", s.Version)
			}
		}
	case SNMPv3:
		if s.Community != "" {
			p.add(prefix+"community", "is an SNMPv2c setting; SNMPv3 authenticates with user and passphrases")
		}
		if s.User == "" {
			p.add(prefix+"user", "SNMPv3 needs a user")
		}
		switch {
		case s.AuthProtocol == "" && s.AuthPassphraseFile != "":
			p.add(prefix+"auth_passphrase_file", "is set but auth_protocol is not")
		case s.AuthProtocol != "" && !slices.Contains(SNMPAuthProtocols, s.AuthProtocol):
			p.add(prefix+"auth_protocol", "%q is not one of %s", s.AuthProtocol, strings.Join(SNMPAuthProtocols, ", "))
		case s.AuthProtocol != "" && s.AuthPassphraseFile == "":
			p.add(prefix+"auth_passphrase_file", "auth_protocol %s needs a passphrase file", s.AuthProtocol)
		}
		switch {
		case s.PrivProtocol == "" && s.PrivPassphraseFile != "":
			p.add(prefix+"priv_passphrase_file", "is set but priv_protocol is not")
		case s.PrivProtocol != "" && !slices.Contains(SNMPPrivProtocols, s.PrivProtocol):
			p.add(prefix+"priv_protocol", "%q is not one of %s", s.PrivProtocol, strings.Join(SNMPPrivProtocols, ", "))
		case s.PrivProtocol != "" && s.AuthProtocol == "":
			p.add(prefix+"priv_protocol", "privacy needs authentication: set auth_protocol too")
		case s.PrivProtocol != "" && s.PrivPassphraseFile == "":
			p.add(prefix+"priv_passphrase_file", "priv_protocol %s needs a passphrase file", s.PrivProtocol)
		}
		checkFile("auth_passphrase_file", s.AuthPassphraseFile)
		checkFile("priv_passphrase_file", s.PrivPassphraseFile)
		if s.EngineID != "" {
			if _, err := SNMPEngineID(s.EngineID); err != nil {
				p.add(prefix+"engine_id", "%q: %v", s.EngineID, err)
			}
		}
	default:
		p.add(prefix+"version", "%q is not %s or %s", s.Version, SNMPv2c, SNMPv3)
	}
}

// Target is the manager and what is sent to it, without secrets:
// "v3 inform gluster@nms.example.com:162".
func (s *SNMPNotifier) Target() string {
	what := "trap"
	if s.Inform {
		what = "inform"
	}
	to := s.Addr
	if host, port, err := SNMPTarget(s.Addr); err == nil {
		to = net.JoinHostPort(host, strconv.Itoa(port))
	}
	if s.Version == SNMPv3 && s.User != "" {
		to = s.User + "@" + to
	}
	return "v" + s.Version + " " + what + " " + to
}

func (s *SNMPNotifier) cloneKind() NotifierKind {
	out := *s
	return &out
}

// redactKind hides the community, a password in all but name.
// Passphrases are in files.
func (s *SNMPNotifier) redactKind() NotifierKind {
	out := *s
	if out.Community != "" {
		out.Community = redacted
	}
	return &out
}

// EffectiveMaxRate is MaxRate, or DefaultSNMPMaxRate when it is 0.
func (s *SNMPNotifier) EffectiveMaxRate() int {
	if s.MaxRate > 0 {
		return s.MaxRate
	}
	return DefaultSNMPMaxRate
}
