package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func emailNotifier(e EmailNotifier) Notifier {
	n := DefaultNotifier()
	n.ID, n.Kind, n.Email = "mail", KindEmail, &e
	return n
}

func snmpNotifier(s SNMPNotifier) Notifier {
	n := DefaultNotifier()
	n.ID, n.Kind, n.SNMP = "nms", KindSNMP, &s
	return n
}

func TestEmailNotifierValidate(t *testing.T) {
	ok := EmailNotifier{SMTP: "mail.example.com", To: []string{"ops@example.com"}}
	tests := []struct {
		name string
		edit func(e *EmailNotifier)
		want string // "" is valid
	}{
		{"minimal", func(e *EmailNotifier) {}, ""},
		{"everything", func(e *EmailNotifier) {
			*e = EmailNotifier{SMTP: "[2001:db8::1]:465", TLS: SMTPImplicitTLS, CAFile: "/etc/ssl/ca.pem", Username: "u",
				PasswordFile: "/etc/pw", Auth: "scram-sha-256", From: "Gluster <g@example.com>", To: []string{"a@x.org", "B <b@x.org>"},
				Subject: "{{.Count}} {{.Severity}}", Interval: Duration(time.Minute), MaxEvents: 10}
		}, ""},
		{"auth to loopback in clear", func(e *EmailNotifier) {
			e.SMTP, e.TLS, e.Username, e.PasswordFile = "127.0.0.1:25", SMTPNoTLS, "u", "/etc/pw"
		}, ""},
		{"no server", func(e *EmailNotifier) { e.SMTP = "" }, `notifier.email.smtp: "": no host`},
		{"bad port", func(e *EmailNotifier) { e.SMTP = "mail:0" }, `notifier.email.smtp: "mail:0": port "0" is not 1-65535`},
		{"bad tls", func(e *EmailNotifier) { e.TLS = "yes" }, `notifier.email.tls: "yes" is not one of starttls, opportunistic, implicit, none`},
		{"ca_file without tls", func(e *EmailNotifier) { e.TLS, e.CAFile = SMTPNoTLS, "/ca.pem" }, `notifier.email.ca_file: is set but tls is "none"`},
		{"relative password file", func(e *EmailNotifier) { e.Username, e.PasswordFile = "u", "pw" },
			`notifier.email.password_file: "pw" must be an absolute path (the daemon reads it on every node)`},
		{"user without password", func(e *EmailNotifier) { e.Username = "u" }, `notifier.email.password_file: username "u" needs a password file`},
		{"password without user", func(e *EmailNotifier) { e.PasswordFile = "/pw" }, "notifier.email.password_file: is set but username is not"},
		{"bad auth", func(e *EmailNotifier) { e.Username, e.PasswordFile, e.Auth = "u", "/pw", "gssapi" },
			`notifier.email.auth: "gssapi" is not one of auto, plain, login, cram-md5, scram-sha-1, scram-sha-256`},
		{"password in clear", func(e *EmailNotifier) { e.TLS, e.Username, e.PasswordFile = SMTPOpportunistic, "u", "/pw" },
			`notifier.email.tls: "opportunistic" would send the password for "u" in clear text to mail.example.com: use starttls or implicit`},
		{"no recipient", func(e *EmailNotifier) { e.To = nil }, "notifier.email.to: an email notifier needs at least one recipient"},
		{"bad recipient", func(e *EmailNotifier) { e.To = []string{"ops"} }, `notifier.email.to: "ops": mail: missing '@' or angle-addr`},
		{"bad from", func(e *EmailNotifier) { e.From = "g@" }, `notifier.email.from: "g@": `},
		{"bad subject", func(e *EmailNotifier) { e.Subject = "{{.Count" }, "notifier.email.subject: template: subject:1: unclosed action"},
		{"unknown subject field", func(e *EmailNotifier) { e.Subject = "{{.Volume}}" }, `can't evaluate field Volume`},
		{"short interval", func(e *EmailNotifier) { e.Interval = Duration(time.Millisecond) }, "notifier.email.interval: 1ms is less than a second"},
		{"max_events", func(e *EmailNotifier) { e.MaxEvents = 10001 }, "notifier.email.max_events: 10001 is not 1-10000 (0 is 1000)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			e.To = append([]string(nil), ok.To...)
			tt.edit(&e)
			n := emailNotifier(e)
			err := n.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSMTPAddr(t *testing.T) {
	tests := []struct {
		smtp, tls string
		host      string
		port      int
		mode      string
	}{
		{"mail.example.com", "", "mail.example.com", 587, SMTPStartTLS},
		{"mail.example.com:465", "", "mail.example.com", 465, SMTPImplicitTLS},
		{"mail.example.com", SMTPImplicitTLS, "mail.example.com", 465, SMTPImplicitTLS},
		{"localhost", SMTPNoTLS, "localhost", 25, SMTPNoTLS},
		{"[::1]", "", "::1", 587, SMTPStartTLS},
		{"[::1]:2525", SMTPOpportunistic, "::1", 2525, SMTPOpportunistic},
	}
	for _, tt := range tests {
		host, port, mode, err := (&EmailNotifier{SMTP: tt.smtp, TLS: tt.tls}).SMTPAddr()
		if err != nil || host != tt.host || port != tt.port || mode != tt.mode {
			t.Errorf("SMTPAddr(%q, %q) = %q, %d, %q, %v; want %q, %d, %q", tt.smtp, tt.tls, host, port, mode, err, tt.host, tt.port, tt.mode)
		}
	}
	n := emailNotifier(EmailNotifier{SMTP: "mail.example.com", To: []string{"a@x.org", "b@x.org"}})
	if got := n.Target(); got != "smtp://mail.example.com:587 (starttls) to a@x.org, b@x.org" {
		t.Errorf("Target = %q", got)
	}
}

func TestSNMPNotifierValidate(t *testing.T) {
	v3 := SNMPNotifier{Addr: "nms.example.com", Version: SNMPv3, User: "gluster",
		AuthProtocol: "SHA-256", AuthPassphraseFile: "/etc/auth", PrivProtocol: "AES", PrivPassphraseFile: "/etc/priv"}
	tests := []struct {
		name string
		s    SNMPNotifier
		want string
	}{
		{"v2c", SNMPNotifier{Addr: "nms", Version: SNMPv2c}, ""},
		{"v2c inform, IPv6, port", SNMPNotifier{Addr: "[2001:db8::1]:1162", Version: SNMPv2c, Community: "c", Inform: true, MaxRate: 5000}, ""},
		{"v3 authPriv", v3, ""},
		{"v3 noAuthNoPriv", SNMPNotifier{Addr: "nms", Version: SNMPv3, User: "u", EngineID: "0x80000000051122334455"}, ""},
		{"no target", SNMPNotifier{Version: SNMPv2c}, `notifier.snmp.target: "": no host`},
		{"bad target", SNMPNotifier{Addr: "nms:snmp", Version: SNMPv2c}, `notifier.snmp.target: "nms:snmp": port "snmp" is not 1-65535`},
		{"version", SNMPNotifier{Addr: "nms", Version: "1"}, `notifier.snmp.version: "1" is not 2c or 3`},
		{"v3 key on v2c", SNMPNotifier{Addr: "nms", Version: SNMPv2c, User: "u"}, `notifier.snmp.user: is an SNMPv3 setting; version is "2c"`},
		{"community on v3", func() SNMPNotifier { s := v3; s.Community = "c"; return s }(), "notifier.snmp.community: is an SNMPv2c setting"},
		{"v3 without user", SNMPNotifier{Addr: "nms", Version: SNMPv3}, "notifier.snmp.user: SNMPv3 needs a user"},
		{"MD5", func() SNMPNotifier { s := v3; s.AuthProtocol = "MD5"; return s }(),
			`notifier.snmp.auth_protocol: "MD5" is not one of SHA, SHA-224, SHA-256, SHA-384, SHA-512`},
		{"DES", func() SNMPNotifier { s := v3; s.PrivProtocol = "DES"; return s }(), `notifier.snmp.priv_protocol: "DES" is not one of AES, AES-192, AES-256`},
		{"auth without file", func() SNMPNotifier { s := v3; s.AuthPassphraseFile = ""; return s }(),
			"notifier.snmp.auth_passphrase_file: auth_protocol SHA-256 needs a passphrase file"},
		{"priv without auth", SNMPNotifier{Addr: "nms", Version: SNMPv3, User: "u", PrivProtocol: "AES", PrivPassphraseFile: "/p"},
			"notifier.snmp.priv_protocol: privacy needs authentication: set auth_protocol too"},
		{"relative file", func() SNMPNotifier { s := v3; s.PrivPassphraseFile = "priv"; return s }(),
			`notifier.snmp.priv_passphrase_file: "priv" must be an absolute path`},
		{"engine id", func() SNMPNotifier { s := v3; s.EngineID = "0x8000"; return s }(), `notifier.snmp.engine_id: "0x8000": must be 5 to 32 octets, not 2`},
		{"max_rate", SNMPNotifier{Addr: "nms", Version: SNMPv2c, MaxRate: -1}, "notifier.snmp.max_rate: -1 is not 1-100000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := snmpNotifier(tt.s)
			err := n.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
	for s, want := range map[SNMPNotifier]string{
		{Addr: "nms", Version: SNMPv2c}:                             "v2c trap nms:162",
		{Addr: "[::1]:1162", Version: SNMPv2c, Inform: true}:        "v2c inform [::1]:1162",
		{Addr: "nms.example.com", Version: SNMPv3, User: "gluster"}: "v3 trap gluster@nms.example.com:162",
	} {
		if got := s.Target(); got != want {
			t.Errorf("Target of %+v = %q, want %q", s, got, want)
		}
	}
}

// TestNotifierKindsFile round-trips [notifier.email] and [notifier.snmp]
// through the cluster file: strict keys, defaults, and the community
// redacted in Redacted copies only.
func TestNotifierKindsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gluster-eventing.toml")
	text := `version = 1

[[notifier]]
id = "mail"
kind = "email"
filter = "severity:critical"

[notifier.email]
smtp = "mail.example.com:587"
username = "gluster"
password_file = "/etc/gluster-eventing/smtp-password"
to = ["ops@example.com"]
interval = "1m"

[[notifier]]
id = "nms"
kind = "snmp"

[notifier.snmp]
target = "nms.example.com"
version = "2c"
community = "s3cret"
max_rate = 500
`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notifiers) != 2 || c.Notifiers[0].Email == nil || c.Notifiers[1].SNMP == nil {
		t.Fatalf("notifiers = %+v", c.Notifiers)
	}
	e, s := c.Notifiers[0].Email, c.Notifiers[1].SNMP
	if time.Duration(e.Interval) != time.Minute || e.EffectiveMaxEvents() != DefaultMaxMailEvents || e.PasswordFile != "/etc/gluster-eventing/smtp-password" {
		t.Errorf("email = %+v", e)
	}
	if s.EffectiveMaxRate() != 500 || s.Community != "s3cret" {
		t.Errorf("snmp = %+v", s)
	}
	if red := c.Redacted(); red.Notifiers[1].SNMP.Community != redacted || c.Notifiers[1].SNMP.Community != "s3cret" {
		t.Errorf("Redacted community = %q, original %q", red.Notifiers[1].SNMP.Community, c.Notifiers[1].SNMP.Community)
	}
	if clone := c.Notifiers[0].Clone(); &clone.Email.To[0] == &e.To[0] {
		t.Error("Clone shares the recipients")
	}
	if err := WriteCluster(path, c); err != nil {
		t.Fatal(err)
	}
	again, err := LoadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.Notifiers[1].SNMP.Community != "s3cret" || again.Notifiers[0].Email.To[0] != "ops@example.com" {
		t.Errorf("after a write: %+v %+v", again.Notifiers[0].Email, again.Notifiers[1].SNMP)
	}

	bad := strings.Replace(text, `max_rate = 500`, `max_rates = 500`, 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCluster(path); err == nil || !strings.Contains(err.Error(), "max_rates") {
		t.Errorf("an unknown key in [notifier.snmp]: %v", err)
	}
}
