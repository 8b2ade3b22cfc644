package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/gluster/gluster-eventing/internal/config"
)

// webhookURLArg checks a webhook URL typed on the command line before any
// file is read or written, so that a typo is reported as the bad argument
// it is (exit 10) and names the value typed, without its password or query
// values.
func webhookURLArg(raw string) error {
	if err := config.CheckWebhookURL(raw); err != nil {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("invalid webhook URL %q: %v", shownURL(raw), err),
			Hints: []string{"a webhook URL is absolute, http or https, such as https://alerts.example.com/gluster"}}
	}
	return nil
}

// shownURL is raw as it may be printed: config.RedactURL's form, or for a
// string that does not even parse as a URL, the text without user info
// (up to an "@" after "://"), query values or fragment.
func shownURL(raw string) string {
	if s := config.RedactURL(raw); s != "(invalid URL)" {
		return s
	}
	s, _, _ := strings.Cut(raw, "#")
	s, _, hasQuery := strings.Cut(s, "?")
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		authority, path := rest, ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			authority, path = rest[:i], rest[i:]
		}
		if i := strings.LastIndexByte(authority, '@'); i >= 0 {
			authority = authority[i+1:]
		}
		s = scheme + "://" + authority + path
	}
	if hasQuery {
		s += "?REDACTED"
	}
	return s
}

// checkExplicitConfig fails when the node config was named (--config or
// GLUSTER_EVENTING_CONFIG) but does not exist. Only the default path may be
// absent (the defaults apply then): a typo in a path must not silently run
// on the defaults.
func checkExplicitConfig(g *Globals) error {
	if g.Config == DefaultNodeConfig {
		return nil
	}
	if _, err := os.Stat(g.Config); errors.Is(err, fs.ErrNotExist) {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("node config %s does not exist", g.Config), Hints: []string{
			"--config and GLUSTER_EVENTING_CONFIG must name an existing file; without either, " +
				DefaultNodeConfig + " is read, and its defaults apply if it is absent",
		}}
	}
	return nil
}
