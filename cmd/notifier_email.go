package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// emailFlags are the email notifier's flags.
type emailFlags struct {
	SMTP         string         `help:"email: the SMTP server, HOST or HOST:PORT (port 587, or 465 with --tls implicit, 25 with --tls none)." placeholder:"HOST[:PORT]"`
	TLS          string         `name:"tls" help:"email: starttls (required; the default, but implicit on port 465), opportunistic (STARTTLS when offered), implicit (SMTPS) or none (a relay on this host). Certificates are always verified." placeholder:"MODE"`
	CAFile       string         `name:"smtp-ca-file" help:"email: CA bundle to verify the SMTP server's certificate with, instead of the system's roots." placeholder:"PATH" type:"path"`
	Username     string         `help:"email: the SMTP AUTH user." placeholder:"USER"`
	PasswordFile string         `help:"email: the file holding the SMTP password, mode 0600, on every node (the daemon reads it at each delivery; it is never copied into the config)." placeholder:"PATH" type:"path"`
	Auth         string         `name:"smtp-auth" help:"email: the AUTH mechanism: auto (the strongest the server offers; default), plain, login, cram-md5, scram-sha-1, scram-sha-256." placeholder:"MECH"`
	From         string         `help:"email: the sender address (default gluster-eventing@<host name>)." placeholder:"ADDRESS"`
	To           []string       `help:"email: a recipient; repeat or comma-separate (notifier-mod: replaces the list)." placeholder:"ADDRESS"`
	Subject      string         `help:"email: the subject, a Go template over .Count, .Severity (the worst), .Names, .Host, .Node, .First and .Last (default '[gluster SEVERITY] N events on HOST: NAMES')." placeholder:"TEMPLATE"`
	Interval     *time.Duration `help:"email: at most one mail per interval, holding the events that came meanwhile (e.g. 1m); 0 mails at once (default)."`
	MaxEvents    int            `help:"email: the most events in one mail (default 1000); a full mail goes out without waiting out --interval." placeholder:"N"`
}

func (f *emailFlags) kind() string { return config.KindEmail }

func (f *emailFlags) given() []string {
	return givenNames([]flagGiven{
		{"--smtp", f.SMTP != ""}, {"--tls", f.TLS != ""}, {"--smtp-ca-file", f.CAFile != ""},
		{"--username", f.Username != ""}, {"--password-file", f.PasswordFile != ""}, {"--smtp-auth", f.Auth != ""},
		{"--from", f.From != ""}, {"--to", len(f.To) > 0}, {"--subject", f.Subject != ""},
		{"--interval", f.Interval != nil}, {"--max-events", f.MaxEvents != 0},
	})
}

func (f *emailFlags) apply(_ *Env, n *config.Notifier) error {
	if n.Email == nil {
		n.Email = &config.EmailNotifier{}
	}
	e := n.Email
	if f.SMTP != "" {
		e.SMTP = f.SMTP
	}
	if f.TLS != "" {
		e.TLS = f.TLS
	}
	if f.CAFile != "" {
		e.CAFile = f.CAFile
	}
	if f.Username != "" {
		e.Username = f.Username
	}
	if f.PasswordFile != "" {
		if err := checkSecretFile("--password-file", f.PasswordFile); err != nil {
			return err
		}
		e.PasswordFile = f.PasswordFile
	}
	if f.Auth != "" {
		e.Auth = f.Auth
	}
	if f.From != "" {
		e.From = f.From
	}
	if len(f.To) > 0 {
		e.To = splitList(f.To)
	}
	if f.Subject != "" {
		e.Subject = f.Subject
	}
	if f.Interval != nil {
		e.Interval = config.Duration(*f.Interval)
	}
	if f.MaxEvents != 0 {
		e.MaxEvents = f.MaxEvents
	}
	return nil
}

// splitList splits repeated and comma-separated flag values. (kong splits
// on commas already; a display name with a comma stays whole only quoted.)
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// checkSecretFile checks, on this node, a file the daemons read a secret
// from: it must exist and be readable by its owner only. It does not read
// it (the command may run as another user than the daemon).
func checkSecretFile(flag, path string) error {
	hint := "the daemon on every node reads it there: put it on each node with mode 0600 (chmod 600 " + path + ")"
	if !filepath.IsAbs(path) {
		return errorf(ExitUsage, "%s %s: give an absolute path", flag, path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("%s: %w", flag, err), Hints: []string{hint}}
	}
	if !fi.Mode().IsRegular() {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("%s: %s is not a regular file", flag, path), Hints: []string{hint}}
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("%s: %s is readable or writable by group or others (mode %04o)", flag, path, perm),
			Hints: []string{hint}}
	}
	return nil
}

// NotifierAddEmailCmd is notifier-add email.
type NotifierAddEmailCmd struct {
	notifierFlags
	emailFlags
}

// Help is the detail of notifier-add email --help.
func (c *NotifierAddEmailCmd) Help() string {
	return "Mails the events to --to through --smtp. With --interval a storm becomes one mail per interval: " +
		"'notifier-add email --to ops@example.com --filter severity:critical --interval 1m --smtp mail.example.com:587 " +
		"--username gluster --password-file /etc/gluster-eventing/smtp-password' mails the critical events, at most one " +
		"mail a minute. A mail holds a table of its events and each event's fields; it counts as delivered when the " +
		"server accepted it, and any refusal (a 4xx, a 5xx such as a wrong password or recipient) is retried with " +
		"backoff until --max-age, so that fixing the mistake loses nothing. Run notifier-test to check every node."
}

func (c *NotifierAddEmailCmd) Run(env *Env, g *Globals) error {
	if c.SMTP == "" || len(c.To) == 0 {
		return errorf(ExitUsage, "notifier-add email needs --smtp HOST[:PORT] and at least one --to ADDRESS")
	}
	return addNotifier(env, g, &c.notifierFlags, &c.emailFlags)
}
