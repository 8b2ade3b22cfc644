package config

import (
	"net"
	"net/mail"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// TLS modes of an email notifier's SMTP connection. The server's
// certificate is always verified (system roots, or ca_file).
const (
	// SMTPStartTLS upgrades the connection with STARTTLS and fails when
	// the server does not offer it. The default, on port 587.
	SMTPStartTLS = "starttls"
	// SMTPOpportunistic uses STARTTLS when the server offers it and sends
	// in clear text when it does not. No credentials are sent in clear.
	SMTPOpportunistic = "opportunistic"
	// SMTPImplicitTLS speaks TLS from the first byte (SMTPS), the default
	// on port 465.
	SMTPImplicitTLS = "implicit"
	// SMTPNoTLS never encrypts: only for a relay on this host.
	SMTPNoTLS = "none"
)

// SMTPTLSModes lists the TLS modes in the order documented.
var SMTPTLSModes = []string{SMTPStartTLS, SMTPOpportunistic, SMTPImplicitTLS, SMTPNoTLS}

// SMTPAuthMechanisms are the SMTP AUTH mechanisms an email notifier
// accepts; "auto" (the default when a username is set) picks the
// strongest the server offers among SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5,
// LOGIN and PLAIN.
var SMTPAuthMechanisms = []string{"auto", "plain", "login", "cram-md5", "scram-sha-1", "scram-sha-256"}

// DefaultMailSubject is the subject template of an email notifier that
// sets none. See MailSubjectData for what a template can use.
const DefaultMailSubject = `[gluster {{.Severity}}] {{.Count}} {{if eq .Count 1}}event{{else}}events{{end}} on {{.Host}}: {{.Names}}`

// MailSubjectData is what a subject template is executed with.
type MailSubjectData struct {
	// Count is the number of events in the mail.
	Count int
	// Severity is the worst severity among them: info, warning or critical.
	Severity string
	// Names are the distinct event names, most frequent first, joined by
	// ", " (at most three, then "...").
	Names string
	// Host is this node's host name; Node its glusterd UUID.
	Host, Node string
	// First and Last are the journal seqs of the first and last event.
	First, Last uint64
}

// DefaultSMTPPort returns the port an SMTP server is reached on in a TLS
// mode, when the smtp setting names none.
func DefaultSMTPPort(tls string) int {
	switch tls {
	case SMTPImplicitTLS:
		return 465
	case SMTPNoTLS:
		return 25
	}
	return 587
}

// EmailNotifier are the settings of a notifier of kind "email": an SMTP
// server and who gets the mails. With Interval, a storm of events becomes
// one mail per Interval. The password is read from a file on each node,
// never kept in the cluster config.
type EmailNotifier struct {
	// SMTP is the server, host or host:port (DefaultSMTPPort by default).
	SMTP string `toml:"smtp" json:"smtp"`
	// TLS is one of SMTPTLSModes; empty is "implicit" for port 465 and
	// "starttls" otherwise.
	TLS string `toml:"tls,omitempty" json:"tls,omitempty"`
	// CAFile is a CA bundle to verify the server's certificate with,
	// instead of the system's roots.
	CAFile string `toml:"ca_file,omitempty" json:"ca_file,omitempty"`
	// Username and PasswordFile authenticate with SMTP AUTH. The file must
	// not be readable by group or others.
	Username     string `toml:"username,omitempty" json:"username,omitempty"`
	PasswordFile string `toml:"password_file,omitempty" json:"password_file,omitempty"`
	// Auth is one of SMTPAuthMechanisms ("auto" when empty).
	Auth string `toml:"auth,omitempty" json:"auth,omitempty"`
	// From is the sender address; empty is gluster-eventing@<host name>.
	From string `toml:"from,omitempty" json:"from,omitempty"`
	// To are the recipients.
	To []string `toml:"to" json:"to"`
	// Subject is a text/template over MailSubjectData; empty is
	// DefaultMailSubject.
	Subject string `toml:"subject,omitempty" json:"subject,omitempty"`
	// Interval, when set, sends at most one mail per Interval, holding
	// the events that came meanwhile; zero mails what is at hand at once.
	Interval Duration `toml:"interval,omitempty" json:"interval,omitempty"`
	// MaxEvents bounds the events in one mail (default 1000); a full mail
	// goes out without waiting for the rest of the Interval.
	MaxEvents int `toml:"max_events,omitempty" json:"max_events,omitempty"`
}

// DefaultMaxMailEvents is EmailNotifier.MaxEvents when unset.
const DefaultMaxMailEvents = 1000

// SMTPAddr returns the server's host and port and the effective TLS mode.
func (e *EmailNotifier) SMTPAddr() (host string, port int, tls string, err error) {
	tls = e.TLS
	host, port, err = splitHostPortDefault(e.SMTP, 0)
	if err != nil {
		return "", 0, "", err
	}
	if tls == "" {
		tls = SMTPStartTLS
		if port == 465 {
			tls = SMTPImplicitTLS
		}
	}
	if port == 0 {
		port = DefaultSMTPPort(tls)
	}
	return host, port, tls, nil
}

func (e *EmailNotifier) validateKind(prefix string, p *problems) {
	host, _, tls, err := e.SMTPAddr()
	if err != nil {
		p.add(prefix+"smtp", "%q: %v", e.SMTP, err)
	}
	if e.TLS != "" && !slices.Contains(SMTPTLSModes, e.TLS) {
		p.add(prefix+"tls", "%q is not one of %s", e.TLS, strings.Join(SMTPTLSModes, ", "))
	}
	if e.CAFile != "" && tls == SMTPNoTLS {
		p.add(prefix+"ca_file", "is set but tls is %q", SMTPNoTLS)
	}
	for _, kv := range [][2]string{{"ca_file", e.CAFile}, {"password_file", e.PasswordFile}} {
		if kv[1] != "" && !filepath.IsAbs(kv[1]) {
			p.add(prefix+kv[0], "%q must be an absolute path (the daemon reads it on every node)", kv[1])
		}
	}
	switch {
	case e.Username == "" && e.PasswordFile != "":
		p.add(prefix+"password_file", "is set but username is not")
	case e.Username != "" && e.PasswordFile == "":
		p.add(prefix+"password_file", "username %q needs a password file", e.Username)
	case e.Username == "" && e.Auth != "":
		p.add(prefix+"auth", "is set but username is not")
	case e.Auth != "" && !slices.Contains(SMTPAuthMechanisms, e.Auth):
		p.add(prefix+"auth", "%q is not one of %s", e.Auth, strings.Join(SMTPAuthMechanisms, ", "))
	}
	if e.Username != "" && (tls == SMTPNoTLS || tls == SMTPOpportunistic) && !loopbackHost(host) {
		p.add(prefix+"tls", "%q would send the password for %q in clear text to %s: use starttls or implicit", tls, e.Username, host)
	}
	if e.From != "" {
		if _, err := mail.ParseAddress(e.From); err != nil {
			p.add(prefix+"from", "%q: %v", e.From, err)
		}
	}
	if len(e.To) == 0 {
		p.add(prefix+"to", "an email notifier needs at least one recipient")
	}
	for _, to := range e.To {
		if _, err := mail.ParseAddress(to); err != nil {
			p.add(prefix+"to", "%q: %v", to, err)
		}
	}
	if e.Subject != "" {
		if _, err := ParseMailSubject(e.Subject); err != nil {
			p.add(prefix+"subject", "%v", err)
		}
	}
	if e.Interval < 0 {
		p.add(prefix+"interval", "must not be negative")
	} else if e.Interval > 0 && time.Duration(e.Interval) < time.Second {
		p.add(prefix+"interval", "%s is less than a second: use 0 to mail at once", e.Interval)
	}
	if e.MaxEvents < 0 || e.MaxEvents > 10000 {
		p.add(prefix+"max_events", "%d is not 1-10000 (0 is %d)", e.MaxEvents, DefaultMaxMailEvents)
	}
}

// ParseMailSubject parses a subject template and executes it once on
// sample data, so that a template that cannot run (an unknown field) is
// refused when it is set, not when the first mail is due.
func ParseMailSubject(text string) (*template.Template, error) {
	t, err := template.New("subject").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := t.Execute(&b, &MailSubjectData{Count: 2, Severity: "critical", Names: "BRICK_DISCONNECTED", Host: "node1"}); err != nil {
		return nil, err
	}
	return t, nil
}

// loopbackHost reports whether host is localhost or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Target is the server and the recipients, without secrets:
// "smtp://mail.example.com:587 (starttls) to ops@example.com".
func (e *EmailNotifier) Target() string {
	server := e.SMTP
	if host, port, tls, err := e.SMTPAddr(); err == nil {
		server = "smtp://" + net.JoinHostPort(host, strconv.Itoa(port)) + " (" + tls + ")"
	}
	return server + " to " + strings.Join(e.To, ", ")
}

func (e *EmailNotifier) cloneKind() NotifierKind {
	out := *e
	out.To = slices.Clone(e.To)
	return &out
}

// redactKind: the password is in a file; nothing in the table is secret.
func (e *EmailNotifier) redactKind() NotifierKind { return e.cloneKind() }

// EffectiveMaxEvents is MaxEvents, or DefaultMaxMailEvents when it is 0.
func (e *EmailNotifier) EffectiveMaxEvents() int {
	if e.MaxEvents > 0 {
		return e.MaxEvents
	}
	return DefaultMaxMailEvents
}
