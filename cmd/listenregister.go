package cmd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

// listen --register: the receiver adds itself as a webhook through the
// webhook-add command (the cluster config, on every node) and deletes
// itself through webhook-del when it exits.

// unregisterTimeout bounds the deletion at exit: the nodes are asked
// through glusterd, which may be slow, but an interrupted listen must end.
const unregisterTimeout = time.Minute

// registration is the webhook a listen --register added.
type registration struct {
	id, url string
}

// registerFormat is the body format --register gives the webhook.
func (c *ListenCmd) registerFormat(v *verifier) string {
	switch {
	case c.Format != "":
		return string(c.Format)
	case v.jwtSecret != "":
		return config.FormatLegacy
	}
	return config.FormatStandard
}

// register adds the webhook for url with the verifier's credentials, on
// every node, and says so on stderr.
func (c *ListenCmd) register(env *Env, g *Globals, url string, v *verifier) (*registration, error) {
	add := &WebhookAddCmd{URL: url}
	add.Format = bodyFormat(c.registerFormat(v))
	add.BearerToken = v.token
	if add.Format == config.FormatLegacy {
		add.Secret = v.jwtSecret
	}
	switch {
	case v.registerSecret != "":
		add.SigningSecret = v.registerSecret
	case len(c.SigningSecret) > 0 && add.Format == config.FormatStandard:
		add.SigningSecret = c.SigningSecret[0]
	}
	if c.Filter != "" {
		add.Filter = &c.Filter
	}
	if c.Channel != "" {
		add.Channel = &c.Channel
	}
	out, err := runQuiet(env, g, env.Ctx, add)
	var res struct {
		ID string `json:"id"`
	}
	json.Unmarshal(out, &res)
	var e *Error
	switch {
	case err == nil:
	case errors.As(err, &e) && e.Code == ExitPartial && res.ID != "":
		fmt.Fprintf(env.Stderr, "%s: warning: registered on the nodes that are up; the others add the webhook when they return: %v\n", env.Prog, err)
	default:
		if res.ID != "" {
			// Added somewhere but not as asked: take it back.
			reg := &registration{id: res.ID, url: url}
			if uerr := reg.remove(env, g); uerr != nil {
				fmt.Fprintf(env.Stderr, "%s: warning: %v\n", env.Prog, uerr)
			}
		}
		return nil, registerError(err, url)
	}
	how := "verifying nothing"
	switch {
	case add.Format == config.FormatStandard && add.SigningSecret != "":
		how = "signed (Standard Webhooks), verified"
	case add.Secret != "":
		how = "with a Gluster JWT, verified"
	case add.BearerToken != "":
		how = "with the bearer token, verified"
	}
	fmt.Fprintf(env.Stderr, "%s: registered as webhook %s (%s, %s body, %s); it is deleted when listen exits\n",
		env.Prog, res.ID, config.RedactURL(url), add.Format, how)
	return &registration{id: res.ID, url: url}, nil
}

// registerError explains a failed registration.
func registerError(err error, url string) error {
	e := &Error{Code: ExitError}
	if !errors.As(err, &e) {
		e = &Error{Code: ExitError, Err: err}
	}
	out := &Error{Code: e.Code, Err: fmt.Errorf("--register: %w", err), Hints: e.Hints}
	if e.Code == ExitWebhookExists {
		out.Hints = append(out.Hints, fmt.Sprintf("a listen that did not exit cleanly (killed, or the machine restarted) leaves its webhook behind: 'gluster-eventing webhook-del %s' deletes it", config.RedactURL(url)))
	}
	return out
}

// remove deletes the registered webhook on every node, with a fresh
// deadline: the command's context is done by now (Ctrl-C).
func (r *registration) remove(env *Env, g *Globals) error {
	ctx, cancel := context.WithTimeout(context.Background(), unregisterTimeout)
	defer cancel()
	_, err := runQuiet(env, g, ctx, &WebhookDelCmd{Ref: r.id})
	var e *Error
	switch {
	case err == nil:
		fmt.Fprintf(env.Stderr, "%s: deleted webhook %s\n", env.Prog, r.id)
		return nil
	case errors.As(err, &e) && e.Code == ExitPartial:
		fmt.Fprintf(env.Stderr, "%s: warning: deleted webhook %s on the nodes that are up; the others delete it when they return\n", env.Prog, r.id)
		return nil
	case errors.As(err, &e) && e.Code == ExitWebhookMissing:
		fmt.Fprintf(env.Stderr, "%s: note: webhook %s was already deleted\n", env.Prog, r.id)
		return nil
	}
	code := ExitError
	if e != nil {
		code = e.Code
	}
	return &Error{Code: code, Err: fmt.Errorf("could not delete the webhook %s that --register added: %w", r.id, err),
		Hints: []string{fmt.Sprintf("the nodes keep delivering to %s until it is deleted: 'gluster-eventing webhook-del %s'", config.RedactURL(r.url), r.id)}}
}

// runQuiet runs a command the way its own command line would with
// --json, with ctx, its JSON output captured (returned) instead of
// printed: listen's stdout is the events'.
func runQuiet(env *Env, g *Globals, ctx context.Context, cmd interface {
	Run(*Env, *Globals) error
}) ([]byte, error) {
	var out bytes.Buffer
	sub := *env
	sub.Ctx, sub.Stdout = ctx, &out
	gg := *g
	gg.JSON = true
	err := cmd.Run(&sub, &gg)
	var e *Error
	if errors.As(err, &e) && e.Printed {
		// Its JSON went to out; the error is still to be reported.
		cp := *e
		cp.Printed = false
		err = &cp
	}
	return out.Bytes(), err
}

// newSigningSecret returns a new random Standard Webhooks secret.
func newSigningSecret() (string, error) {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return "", fmt.Errorf("generating a signing secret: %w", err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(key[:]), nil
}

// registerURL is the URL the nodes deliver to: listen's address with the
// port it got, and this machine's hostname in place of a wildcard host.
func registerURL(scheme, addr string, bound net.Addr, path string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		} else {
			host = "localhost"
		}
	}
	port := ""
	if ta, ok := bound.(*net.TCPAddr); ok {
		port = strconv.Itoa(ta.Port)
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port), Path: path}
	return u.String()
}
