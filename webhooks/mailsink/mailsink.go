// Package mailsink delivers journaled Gluster events by email, through
// an SMTP server.
//
// Gluster's eventing design promised email notification and never built
// it. An operator wants "mail me critical events, at most one mail a
// minute", not a mail per event in a storm: the sink asks the webhook
// worker to batch ([webhooks.Batcher]), so a storm becomes one mail per
// interval, holding a table of the events and each event's fields. The
// worker owns the cursor, retries and health; a batch counts as delivered
// (the cursor moves over it) only once the SMTP server accepted the mail,
// and every failure, a 4xx or a 5xx (a mistyped recipient or password),
// is retried until max_age like a webhook's, so nothing is lost to a typo
// that the operator fixes.
//
// Mail goes out through github.com/wneessen/go-mail: STARTTLS (required
// or opportunistic), implicit TLS or none, always verified against the
// system's roots or ca_file; SMTP AUTH with the password read from a file
// that only its owner can read.
//
// Imported by daemon/, which registers [Factory] for notifiers of kind
// "email". It has no package-level mutable state.
package mailsink

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/webhooks"
)

// maxPasswordFile bounds what a password file may hold.
const maxPasswordFile = 4 << 10

// Sink sends one mail per message (an event, or a batch of them).
type Sink struct {
	cfg      config.EmailNotifier
	host     string // SMTP server
	port     int
	tls      string // effective TLS mode
	timeout  time.Duration
	roots    *x509.CertPool // nil: the system's
	subject  *template.Template
	from     string
	hostname string // this node's, for the mail's text and Message-ID
	filter   string // the notifier's filter, shown in the mail
	name     string // the notifier's name or id
	agent    string // User-Agent and X-Mailer
	batching webhooks.Batching
}

var (
	_ webhooks.Sink      = (*Sink)(nil)
	_ webhooks.Batcher   = (*Sink)(nil)
	_ webhooks.Describer = (*Sink)(nil)
)

// Factory is the [webhooks.SinkFactory] of notifiers of kind "email".
func Factory(n *config.Notifier, env webhooks.SinkEnv) (webhooks.Sink, error) {
	if n.Email == nil {
		return nil, errors.New("the notifier has no [notifier.email] table")
	}
	s, err := New(n.Email, time.Duration(n.Timeout))
	if err != nil {
		return nil, err
	}
	s.filter = n.Filter
	if n.Channel != "" {
		s.filter = strings.TrimSpace(s.filter + " channel:" + n.Channel)
	}
	s.agent = "gluster-eventing"
	if env.Version != "" {
		s.agent += "/" + env.Version
	}
	s.name = n.Name
	if s.name == "" {
		s.name = n.Key()
	}
	return s, nil
}

// New checks c and the files it names (ca_file, password_file) and
// returns a sink. Nothing is sent until the first Send. timeout bounds
// one attempt: connecting, TLS, AUTH and the transfer.
func New(c *config.EmailNotifier, timeout time.Duration) (*Sink, error) {
	s := &Sink{cfg: *c, timeout: timeout}
	s.cfg.To = append([]string(nil), c.To...)
	if s.timeout <= 0 {
		s.timeout = 15 * time.Second
	}
	var err error
	if s.host, s.port, s.tls, err = c.SMTPAddr(); err != nil {
		return nil, fmt.Errorf("smtp %q: %w", c.SMTP, err)
	}
	if len(c.To) == 0 {
		return nil, errors.New("no recipients (to)")
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		s.roots = x509.NewCertPool()
		if !s.roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file: %s holds no PEM certificate", c.CAFile)
		}
	}
	if c.Username != "" {
		if _, err := readPassword(c.PasswordFile); err != nil {
			return nil, err
		}
	}
	text := c.Subject
	if text == "" {
		text = config.DefaultMailSubject
	}
	if s.subject, err = config.ParseMailSubject(text); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	s.hostname, _ = os.Hostname()
	if s.hostname == "" {
		s.hostname = "localhost"
	}
	s.from = c.From
	if s.from == "" {
		s.from = "gluster-eventing@" + s.hostname
	}
	s.batching = webhooks.Batching{Interval: time.Duration(c.Interval), Max: c.EffectiveMaxEvents()}
	return s, nil
}

// Batching makes the worker gather the events of an interval into one
// mail.
func (s *Sink) Batching() webhooks.Batching { return s.batching }

// Describe says where the mails go, without secrets.
func (s *Sink) Describe() string { return s.cfg.Target() }

// Close has nothing to release: each mail has its own connection.
func (s *Sink) Close() error { return nil }

// readPassword reads the SMTP password from its file, which must be a
// regular file that group and others cannot read. A file holds the
// password and at most surrounding white space. Errors never show it.
func readPassword(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("password_file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("password_file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("password_file: %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("password_file: %s is readable or writable by group or others (mode %04o); chmod 600 it", path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPasswordFile+1))
	if err != nil {
		return "", fmt.Errorf("password_file: reading %s: %w", path, err)
	}
	if len(b) > maxPasswordFile {
		return "", fmt.Errorf("password_file: %s is larger than %d KiB; it should hold only the password", path, maxPasswordFile>>10)
	}
	pass := strings.TrimSpace(string(b))
	if pass == "" {
		return "", fmt.Errorf("password_file: %s is empty", path)
	}
	return pass, nil
}

// Send mails the message's events. It is delivered when the server
// accepted the mail (250 after DATA); anything else is a retry, with the
// SMTP reply code as the status when there was one.
func (s *Sink) Send(ctx context.Context, m *webhooks.Message) webhooks.Result {
	msg, err := s.compose(m, time.Now())
	if err != nil {
		return webhooks.Result{Verdict: webhooks.Permanent, Err: err}
	}
	c, err := s.client()
	if err != nil {
		return webhooks.Result{Verdict: webhooks.Retry, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	conn, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return s.failed("connect", err)
	}
	err = c.SendWithSMTPClient(conn, msg)
	closeErr := c.CloseWithSMTPClient(conn)
	if err != nil {
		return s.failed("send", err)
	}
	// A QUIT that fails after the server accepted the mail does not undo
	// the delivery: sending it again would only duplicate it.
	_ = closeErr
	return webhooks.Result{Verdict: webhooks.Delivered, Status: 250}
}

// failed turns an SMTP error into a retry, with its reply code.
func (s *Sink) failed(step string, err error) webhooks.Result {
	status := 0
	if se, ok := errors.AsType[*mail.SendError](err); ok && se.ErrorCode() > 0 {
		status = se.ErrorCode()
	} else if te, ok := errors.AsType[*textproto.Error](err); ok {
		status = te.Code
	}
	return webhooks.Result{Verdict: webhooks.Retry, Status: status,
		Err: fmt.Errorf("smtp %s:%d: %s: %w", s.host, s.port, step, err)}
}

// client sets up a go-mail client for one attempt; the password is read
// again, so that a changed file takes effect at the next attempt.
func (s *Sink) client() (*mail.Client, error) {
	tc := &tls.Config{ServerName: s.host, RootCAs: s.roots, MinVersion: tls.VersionTLS12}
	opts := []mail.Option{
		mail.WithPort(s.port),
		mail.WithTimeout(s.timeout),
		mail.WithTLSConfig(tc),
	}
	switch s.tls {
	case config.SMTPImplicitTLS:
		opts = append(opts, mail.WithSSL())
	case config.SMTPOpportunistic:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case config.SMTPNoTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		pass, err := readPassword(s.cfg.PasswordFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, mail.WithSMTPAuth(authType(s.cfg.Auth)), mail.WithUsername(s.cfg.Username), mail.WithPassword(pass))
	}
	c, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp %s:%d: %w", s.host, s.port, err)
	}
	return c, nil
}

func authType(name string) mail.SMTPAuthType {
	switch name {
	case "plain":
		return mail.SMTPAuthPlain
	case "login":
		return mail.SMTPAuthLogin
	case "cram-md5":
		return mail.SMTPAuthCramMD5
	case "scram-sha-1":
		return mail.SMTPAuthSCRAMSHA1
	case "scram-sha-256":
		return mail.SMTPAuthSCRAMSHA256
	}
	return mail.SMTPAuthAutoDiscover
}

// compose builds the mail of a message.
func (s *Sink) compose(m *webhooks.Message, now time.Time) (*mail.Msg, error) {
	d := digest(m)
	var subject strings.Builder
	err := s.subject.Execute(&subject, &config.MailSubjectData{
		Count: len(d.events), Severity: d.worst, Names: d.names(3),
		Host: s.hostname, Node: m.Node, First: m.First, Last: m.Last,
	})
	if err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	msg := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("from %q: %w", s.from, err)
	}
	if err := msg.To(s.cfg.To...); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(oneLine(subject.String()))
	msg.SetUserAgent(cmp.Or(s.agent, "gluster-eventing"))
	msg.SetDateWithValue(now)
	// The same batch has the same Message-ID on every attempt, so that a
	// mail the server took but did not acknowledge (a lost 250) shows as
	// a duplicate to the reader's client.
	msg.SetMessageIDWithValue(fmt.Sprintf("gluster-eventing.%s.%s.%d-%d@%s", short(m.Node), short(m.Epoch), m.First, m.Last, s.hostname))
	if m.Test {
		msg.SetMessageIDWithValue(fmt.Sprintf("gluster-eventing.%s.test.%d@%s", short(m.Node), now.UnixNano(), s.hostname))
	}
	// RFC 3834: no vacation replies to a machine.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader("X-Gluster-Eventing-Node", m.Node)
	msg.SetGenHeader("X-Gluster-Eventing-Severity", d.worst)
	msg.SetGenHeader("X-Gluster-Eventing-Events", fmt.Sprint(len(d.events)))
	msg.SetGenHeader("X-Gluster-Eventing-Seq", fmt.Sprintf("%d-%d", m.First, m.Last))
	msg.SetBodyString(mail.TypeTextPlain, Body(d, BodyInfo{Host: s.hostname, Notifier: s.name, Filter: s.filter}))
	return msg, nil
}

// oneLine makes a subject one line: a template may produce newlines.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func short(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}
