package webhooks

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
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
	url        string
	format     string
	token      string // static bearer token
	jwtSecret  string // Gluster JWT secret; replaces token when set
	signingKey []byte // Standard Webhooks HMAC key, nil if unsigned
	userAgent  string
	timeout    time.Duration
	client     *http.Client
}

// message is one body ready to be POSTed, with what its headers need.
type message struct {
	id    string // webhook-id: stable across retries
	event string // event name, the JWT's sub
	ts    int64  // sender's timestamp, the JWT's iat
	body  []byte
}

// newSender builds the sender of hook. Its errors never contain secrets.
func newSender(hook *config.Webhook, userAgent string) (*sender, error) {
	s := &sender{
		url:       hook.URL,
		format:    hook.Format,
		token:     hook.Token,
		jwtSecret: hook.Secret,
		userAgent: userAgent,
		timeout:   time.Duration(hook.Timeout),
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if hook.SigningSecret != "" {
		key, err := ParseSigningSecret(hook.SigningSecret)
		if err != nil {
			return nil, err
		}
		s.signingKey = key
	}
	client, err := newHTTPClient(hook.CAFile, max(hook.MaxInFlight, 1))
	if err != nil {
		return nil, err
	}
	s.client = client
	return s, nil
}

// newHTTPClient returns a client with its own keep-alive transport that
// verifies TLS against the system roots plus, if caFile is set, the
// certificates in it. There is no way to turn verification off.
func newHTTPClient(caFile string, conns int) (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
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
		tlsConf.RootCAs = pool
	}
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          max(conns, 2),
		MaxIdleConnsPerHost:   max(conns, 2),
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport: tr,
		// Standard Webhooks: a redirect is a failed delivery, not
		// something to follow with the signed body.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// close releases the sender's idle connections.
func (s *sender) close() { s.client.CloseIdleConnections() }

// post makes one attempt at delivering m, bounded by the sender's timeout.
// It returns the response status (0 if there was none), the receiver's
// Retry-After and a transport error whose text holds no URL or secret.
func (s *sender) post(ctx context.Context, m *message, now time.Time) (status int, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(m.body))
	if err != nil {
		return 0, 0, errors.New("build request: invalid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	switch {
	case s.jwtSecret != "":
		tok, err := GlusterJWT(s.jwtSecret, m.event, m.ts, now)
		if err != nil {
			return 0, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	case s.token != "":
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if s.format == config.FormatStandard {
		req.Header.Set("webhook-id", m.id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		if s.signingKey != nil {
			req.Header.Set("webhook-signature", StandardSignature(s.signingKey, m.id, now, m.body))
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, 0, transportError(ctx, err, s.timeout)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	return resp.StatusCode, ParseRetryAfter(resp.Header.Get("Retry-After"), now), nil
}

// transportError strips the URL (which may hold a password or a secret
// path) from a client error and names timeouts plainly.
func transportError(ctx context.Context, err error, timeout time.Duration) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("post: no response within %s", timeout)
	}
	return fmt.Errorf("post: %w", err)
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
