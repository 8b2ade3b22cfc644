package webhooks

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/gluster/gluster-eventing/internal/config"
)

const (
	// DefaultTimeout bounds one attempt when the webhook sets none.
	DefaultTimeout = 15 * time.Second
	// maxDrain is how much of a response body is read (and discarded) so
	// that the connection can carry the next request; a longer body costs
	// the connection.
	maxDrain = 64 << 10
	// dialTimeout bounds the TCP connect (and the attempt's timeout
	// bounds it too).
	dialTimeout = 30 * time.Second
	// tlsHandshakeTimeout bounds the TLS handshake, likewise.
	tlsHandshakeTimeout = 10 * time.Second
	// idleTimeout is how long an idle connection is kept open.
	idleTimeout = 90 * time.Second
)

// sender POSTs bodies to one webhook: its URL, auth, signing key and HTTP
// client. It is immutable once built and safe for concurrent use.
//
// Requests go through net/http with a Transport of the sender's own (see
// newTransport). The Transport watches every idle connection with a
// reader, so a receiver that closes one or writes to it unasked is noticed
// while it is idle and the connection retired, and it sends a POST again
// only when nothing of it was written.
type sender struct {
	format     string
	jwtSecret  string // Gluster JWT secret; replaces auth when set
	signingKey []byte // Standard Webhooks HMAC key, nil if unsigned
	timeout    time.Duration

	// target is the request URL, without its user info (which is in
	// header as Basic auth): nothing net/http builds from it can show a
	// password.
	target *url.URL
	// header holds the headers that are the same for every request:
	// User-Agent, Content-Type and a static Authorization. Requests that
	// need no other header share it; it is never written to once built.
	header http.Header
	// perAttempt: every attempt needs headers of its own (a JWT or the
	// Standard Webhooks id, timestamp and signature).
	perAttempt bool

	tr     *http.Transport
	client *http.Client
}

// message is one body ready to be POSTed, with what its headers need.
type message struct {
	id    string // webhook-id: stable across retries
	event string // event name, the JWT's sub
	ts    int64  // sender's timestamp, the JWT's iat
	body  []byte

	// req is what every attempt at m shares (method, URL, length, body
	// rewind), built by the first attempt; attempts are shallow copies.
	req *http.Request
}

// ProxyFunc picks the proxy for a request URL, nil for none, as
// http.ProxyFromEnvironment does.
type ProxyFunc func(*url.URL) (*url.URL, error)

// newSender builds the sender of hook. proxy may be nil (no proxy). Its
// errors never contain secrets.
func newSender(hook *config.Webhook, userAgent string, proxy ProxyFunc) (*sender, error) {
	u, err := url.Parse(hook.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("invalid URL")
	}
	// net/http sends a Unicode host name in its IDNA form.
	if host, err := httpguts.PunycodeHostPort(u.Host); err != nil || !httpguts.ValidHostHeader(host) {
		return nil, errors.New("invalid URL: bad host")
	}
	s := &sender{
		format:    hook.Format,
		jwtSecret: hook.Secret,
		timeout:   time.Duration(hook.Timeout),
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	var auth string
	switch {
	case hook.Token != "":
		auth = "Bearer " + hook.Token
	case u.User != nil:
		// As net/http does for user info in the URL, but here, so that
		// the URL the Transport sees has no password in it.
		pass, _ := u.User.Password()
		auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass))
	}
	// net/http refuses such values at request time; finding them here
	// makes a bad token a configuration error, not a failed attempt.
	if !httpguts.ValidHeaderFieldValue(auth) {
		return nil, errors.New("token: invalid character (control characters are not allowed)")
	}
	if !httpguts.ValidHeaderFieldValue(userAgent) {
		return nil, errors.New("user agent: invalid character (control characters are not allowed)")
	}
	if hook.SigningSecret != "" {
		key, err := ParseSigningSecret(hook.SigningSecret)
		if err != nil {
			return nil, err
		}
		s.signingKey = key
	}
	s.header = http.Header{"User-Agent": {userAgent}, "Content-Type": {"application/json"}}
	if auth != "" {
		s.header["Authorization"] = []string{auth}
	}
	s.perAttempt = s.jwtSecret != "" || s.format == config.FormatStandard

	tlsConf, err := tlsConfig(hook.CAFile)
	if err != nil {
		return nil, err
	}
	var via *url.URL
	if proxy != nil {
		if via, err = proxy(u); err != nil {
			// Not err itself: it quotes the proxy URL, password and all.
			return nil, errors.New("invalid proxy address in HTTPS_PROXY or HTTP_PROXY")
		}
	}
	target := *u
	target.User = nil
	s.target = &target
	s.tr = newTransport(tlsConf, via, max(hook.MaxInFlight, 1), s.timeout)
	s.client = &http.Client{
		Transport: s.tr,
		// Standard Webhooks: a redirect is a failed delivery, not
		// something to follow with the signed body.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s, nil
}

// newTransport returns the Transport of one webhook: a keep-alive pool of
// up to conns connections (one per delivery in flight), HTTP/2 where the
// receiver offers it over TLS, no compression, and every wait bounded.
// via is the proxy, nil for none.
func newTransport(tlsConf *tls.Config, via *url.URL, conns int, timeout time.Duration) *http.Transport {
	tr := &http.Transport{
		DialContext: (&net.Dialer{
			Timeout:   min(dialTimeout, timeout),
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: min(tlsHandshakeTimeout, timeout),
		// The attempt's context bounds the whole exchange; this bounds
		// the wait for the answer's head on its own too.
		ResponseHeaderTimeout: timeout,
		IdleConnTimeout:       idleTimeout,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		MaxConnsPerHost:       conns,
		// Bodies are a few hundred bytes of JSON and answers are read
		// only to be discarded: compression would cost, not save.
		DisableCompression: true,
		// A custom dialer and TLS config turn HTTP/2 off unless asked.
		ForceAttemptHTTP2: true,
		// An HTTP/2 connection carries every request, and a timed-out
		// request does not close it: a receiver that vanished without
		// closing it is found by a ping after a quiet spell instead.
		HTTP2: &http.HTTP2Config{
			SendPingTimeout: 30 * time.Second,
			PingTimeout:     min(15*time.Second, timeout),
		},
	}
	if via != nil {
		tr.Proxy = http.ProxyURL(via)
	}
	return tr
}

// envProxy is http.ProxyFromEnvironment for a URL.
func envProxy(u *url.URL) (*url.URL, error) {
	return http.ProxyFromEnvironment(&http.Request{URL: u})
}

// tlsConfig verifies against the system roots plus, if caFile is set, the
// certificates in it. There is no way to turn verification off.
func tlsConfig(caFile string) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return conf, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificates", caFile)
	}
	conf.RootCAs = pool
	return conf, nil
}

// close releases the sender's idle connections; those in use are closed
// when their request ends.
func (s *sender) close() { s.tr.CloseIdleConnections() }

// request returns the request every attempt at m starts from.
func (s *sender) request(m *message) *http.Request {
	if m.req != nil && m.req.URL == s.target {
		return m.req
	}
	body := m.body
	m.req = &http.Request{
		Method:        http.MethodPost,
		URL:           s.target,
		Host:          s.target.Host,
		Header:        s.header,
		ContentLength: int64(len(body)),
		// net/http sends a POST again only when it wrote none of it (a
		// connection the receiver closed as the request went out);
		// GetBody lets it. A POST it did write, in part or whole, is
		// never sent again: it would be replayable only with an
		// Idempotency-Key header, which these requests never carry.
		GetBody: func() (io.ReadCloser, error) { return newBody(body), nil },
	}
	return m.req
}

// newBody returns a request body over b. It is an io.NopCloser around a
// *bytes.Reader because net/http recognises that as a body in memory and
// writes the request in one piece; for any other type it flushes the
// headers first, a second write (and segment) per request.
func newBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

// attemptHeader returns the headers of an attempt at m made at now.
func (s *sender) attemptHeader(m *message, now time.Time) (http.Header, error) {
	h := make(http.Header, len(s.header)+3)
	for k, v := range s.header {
		h[k] = v // shared, never written to
	}
	if s.jwtSecret != "" {
		tok, err := GlusterJWT(s.jwtSecret, m.event, m.ts, now)
		if err != nil {
			return nil, err
		}
		h["Authorization"] = []string{"Bearer " + tok}
	}
	if s.format == config.FormatStandard {
		// Lower case, as the Standard Webhooks specification spells
		// them (HTTP/1.1 sends the names as written here).
		h["webhook-id"] = []string{m.id}
		h["webhook-timestamp"] = []string{strconv.FormatInt(now.Unix(), 10)}
		if s.signingKey != nil {
			h["webhook-signature"] = []string{StandardSignature(s.signingKey, m.id, now, m.body)}
		}
	}
	return h, nil
}

// post makes one attempt at delivering m, bounded by the sender's timeout.
// It returns the response status (0 if there was none), the receiver's
// Retry-After and a transport error whose text holds no URL or secret.
func (s *sender) post(ctx context.Context, m *message, now time.Time) (status int, retryAfter time.Duration, err error) {
	deadline := time.Now().Add(s.timeout)
	actx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	req := s.request(m).WithContext(actx)
	if s.perAttempt {
		if req.Header, err = s.attemptHeader(m, now); err != nil {
			return 0, 0, err
		}
	}
	req.Body = newBody(m.body)
	resp, err := s.client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // it quotes the URL, which may hold a secret
		}
		// Whichever timer noticed first (the context's, or the
		// Transport's ResponseHeaderTimeout, which ends with it), an
		// attempt that ran out of time says so.
		if ctx.Err() == nil && !time.Now().Before(deadline) {
			return 0, 0, fmt.Errorf("post: no response within %s", s.timeout)
		}
		return 0, 0, fmt.Errorf("post: %w", err)
	}
	// Drain a bounded body so the connection can carry the next request;
	// Close after a longer one closes the connection.
	io.CopyN(io.Discard, resp.Body, maxDrain)
	resp.Body.Close()
	return resp.StatusCode, ParseRetryAfter(resp.Header.Get("Retry-After"), now), nil
}

// verdict is what an attempt's result means for the record.
type verdict int

const (
	delivered verdict = iota // any 2xx
	gone                     // 410: the receiver asks us to stop
	transient                // 408, 425, 429, 5xx, network errors, timeouts
	rejected                 // any other status: retried up to DeadLetterAfter
)

func classify(status int, err error) verdict {
	switch {
	case err != nil:
		return transient
	case status >= 200 && status < 300:
		return delivered
	case status == http.StatusGone:
		return gone
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly,
		status == http.StatusTooManyRequests, status >= 500:
		return transient
	}
	return rejected
}
