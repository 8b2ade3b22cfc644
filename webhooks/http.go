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
	"strings"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
)

const (
	// DefaultTimeout bounds one attempt when the webhook sets none.
	DefaultTimeout = 15 * time.Second
	// maxDrain is how much of a response body is read (and discarded) so
	// that the connection can be reused.
	maxDrain = 64 << 10
)

// sender POSTs bodies to one webhook: its URL, auth, signing key and HTTP
// client. It is immutable once built and safe for concurrent use.
type sender struct {
	format     string
	token      string // "Bearer <token>" or "Basic <user:pass>", "" if none
	jwtSecret  string // Gluster JWT secret; replaces token when set
	signingKey []byte // Standard Webhooks HMAC key, nil if unsigned
	userAgent  string
	timeout    time.Duration

	// head is the request line and Host header of every request.
	head string
	// direct is the client when no proxy applies to the URL; otherwise
	// proxied, a net/http client, carries the requests to the proxy.
	direct  *h1Client
	proxied *http.Client
	url     string
}

// message is one body ready to be POSTed, with what its headers need.
type message struct {
	id    string // webhook-id: stable across retries
	event string // event name, the JWT's sub
	ts    int64  // sender's timestamp, the JWT's iat
	body  []byte
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
	s := &sender{
		url:       hook.URL,
		format:    hook.Format,
		jwtSecret: hook.Secret,
		userAgent: userAgent,
		timeout:   time.Duration(hook.Timeout),
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	switch {
	case hook.Token != "":
		s.token = "Bearer " + hook.Token
	case u.User != nil:
		// As net/http does for user info in the URL.
		pass, _ := u.User.Password()
		s.token = "Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass))
	}
	if err := checkHeaderValue("token", s.token); err != nil {
		return nil, err
	}
	if err := checkHeaderValue("user agent", userAgent); err != nil {
		return nil, err
	}
	if hook.SigningSecret != "" {
		key, err := ParseSigningSecret(hook.SigningSecret)
		if err != nil {
			return nil, err
		}
		s.signingKey = key
	}
	tlsConf, err := tlsConfig(hook.CAFile)
	if err != nil {
		return nil, err
	}
	conns := max(hook.MaxInFlight, 1)
	var via *url.URL
	if proxy != nil {
		if via, err = proxy(u); err != nil {
			// Not err itself: it quotes the proxy URL, password and all.
			return nil, errors.New("invalid proxy address in HTTPS_PROXY or HTTP_PROXY")
		}
	}
	if via != nil {
		s.proxied = newProxyClient(via, tlsConf, conns)
		return s, nil
	}
	s.head = "POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + removeZone(u.Host) + "\r\n"
	if err := checkHeaderValue("URL", u.RequestURI()+u.Host); err != nil {
		return nil, err
	}
	s.direct = newH1Client(u, tlsConf, conns)
	return s, nil
}

// removeZone removes the zone of an IPv6 literal host, which does not
// belong in the Host header (as net/http).
func removeZone(host string) string {
	i := strings.LastIndexByte(host, ']')
	if !strings.HasPrefix(host, "[") || i < 0 {
		return host
	}
	if j := strings.LastIndexByte(host[:i], '%'); j >= 0 {
		return host[:j] + host[i:]
	}
	return host
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

// newProxyClient returns a keep-alive net/http client that sends every
// request through proxy (CONNECT for https:// URLs).
func newProxyClient(proxy *url.URL, tlsConf *tls.Config, conns int) *http.Client {
	tr := &http.Transport{
		Proxy: http.ProxyURL(proxy),
		DialContext: (&net.Dialer{
			Timeout:   h1DialTimeout,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        max(conns, 2),
		MaxIdleConnsPerHost: max(conns, 2),
		IdleConnTimeout:     h1IdleTimeout,
	}
	return &http.Client{
		Transport: tr,
		// Standard Webhooks: a redirect is a failed delivery, not
		// something to follow with the signed body.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// close releases the sender's idle connections.
func (s *sender) close() {
	if s.direct != nil {
		s.direct.close()
	} else {
		s.proxied.CloseIdleConnections()
	}
}

// field is one request header.
type field struct{ name, value string }

// fields appends the request's headers other than Host and Content-Length.
func (s *sender) fields(dst []field, m *message, now time.Time) ([]field, error) {
	dst = append(dst, field{"User-Agent", s.userAgent}, field{"Content-Type", "application/json"})
	switch {
	case s.jwtSecret != "":
		tok, err := GlusterJWT(s.jwtSecret, m.event, m.ts, now)
		if err != nil {
			return nil, err
		}
		dst = append(dst, field{"Authorization", "Bearer " + tok})
	case s.token != "":
		dst = append(dst, field{"Authorization", s.token})
	}
	if s.format == config.FormatStandard {
		dst = append(dst, field{"webhook-id", m.id}, field{"webhook-timestamp", strconv.FormatInt(now.Unix(), 10)})
		if s.signingKey != nil {
			dst = append(dst, field{"webhook-signature", StandardSignature(s.signingKey, m.id, now, m.body)})
		}
	}
	return dst, nil
}

// appendRequest appends the whole HTTP/1.1 request to b.
func (s *sender) appendRequest(b []byte, hdr []field, body []byte) []byte {
	b = append(b, s.head...)
	for _, f := range hdr {
		b = append(b, f.name...)
		b = append(b, ": "...)
		b = append(b, f.value...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

// post makes one attempt at delivering m, bounded by the sender's timeout.
// It returns the response status (0 if there was none), the receiver's
// Retry-After and a transport error whose text holds no URL or secret.
func (s *sender) post(ctx context.Context, m *message, now time.Time) (status int, retryAfter time.Duration, err error) {
	var buf [8]field
	hdr, err := s.fields(buf[:0], m, now)
	if err != nil {
		return 0, 0, err
	}
	var r h1Response
	if s.direct != nil {
		r, err = s.direct.post(ctx, now.Add(s.timeout), func(b []byte) []byte { return s.appendRequest(b, hdr, m.body) })
	} else {
		r, err = s.viaProxy(ctx, hdr, m.body)
	}
	switch {
	case errors.Is(err, errDeadline):
		return 0, 0, fmt.Errorf("post: no response within %s", s.timeout)
	case err != nil:
		return 0, 0, fmt.Errorf("post: %w", err)
	}
	return r.status, ParseRetryAfter(r.retryAfter, now), nil
}

// viaProxy makes the request with the net/http client.
func (s *sender) viaProxy(ctx context.Context, hdr []field, body []byte) (h1Response, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return h1Response{}, errors.New("build request: invalid URL")
	}
	for _, f := range hdr {
		req.Header[f.name] = []string{f.value}
	}
	resp, err := s.proxied.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // the URL may hold a password or a secret path
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = errDeadline
		}
		return h1Response{}, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	return h1Response{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}, nil
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
