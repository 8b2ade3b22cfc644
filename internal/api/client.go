package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// The classes of failure a caller tells apart with errors.Is. Every error a
// Client returns wraps at most one of them; an answer the daemon gave with
// an error status is an *Error instead.
var (
	// ErrUnreachable means nothing listens on the socket: its file does not
	// exist or the connection is refused. The daemon is not running.
	ErrUnreachable = errors.New("daemon not running")
	// ErrPermission means the socket exists but this user may not connect
	// to it. The daemon may well be running.
	ErrPermission = errors.New("permission denied on the daemon's API socket")
	// ErrTimeout means the daemon took the connection but did not answer
	// before the context's deadline. It is running, and may still be
	// working on the request (a reload, for one, may yet be applied).
	ErrTimeout = errors.New("the daemon did not answer in time")
)

// Error is an answer with a non-2xx status: the daemon got the request and
// refused or failed it.
type Error struct {
	Method     string // of the request
	Path       string // of the request
	StatusCode int
	// Message is the answer's "error" field, or the start of a body that is
	// not JSON.
	Message string
	// body is the start of the answer, for the callers that read more of
	// it than Message (a 410's oldest position).
	body []byte
}

func (e *Error) Error() string {
	return fmt.Sprintf("the daemon answered %s %s with %d %s: %s", e.Method, e.Path, e.StatusCode,
		http.StatusText(e.StatusCode), e.Message)
}

// Client talks to a daemon's local API over its unix socket.
type Client struct {
	Socket string
	// Timeout, if set, bounds each call (besides the context's deadline);
	// an ErrTimeout names it.
	Timeout time.Duration
	hc      *http.Client
}

// NewClient returns a client for the API socket at path.
func NewClient(path string) *Client {
	return &Client{Socket: path, hc: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableCompression: true,
	}}}
}

// Status fetches the daemon's status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	if err := c.do(ctx, http.MethodGet, "/v1/status", &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Webhooks fetches the webhooks' delivery health.
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var ws []Webhook
	if err := c.do(ctx, http.MethodGet, "/v1/webhooks", &ws); err != nil {
		return nil, err
	}
	return ws, nil
}

// Reload asks the daemon to reload and waits until it has. A config the
// daemon refuses is an *Error with status 422 whose Message says why; the
// daemon then keeps its running config.
func (c *Client) Reload(ctx context.Context) (*ReloadResult, error) {
	var r ReloadResult
	if err := c.do(ctx, http.MethodPost, "/v1/reload", &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (c *Client) do(ctx context.Context, method, path string, out any) error {
	var limit time.Duration // for the timeout's message
	if dl, ok := ctx.Deadline(); ok {
		limit = time.Until(dl)
	}
	if c.Timeout > 0 && (limit == 0 || c.Timeout < limit) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
		limit = c.Timeout
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://gluster-eventing"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.classify(ctx, method, path, limit, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.classify(ctx, method, path, limit, answerError(method, path, resp))
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return fmt.Errorf("%s %s on %s: the answer is %q, not JSON", method, path, c.Socket, resp.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return c.classify(ctx, method, path, limit, fmt.Errorf("reading the answer: %w", err))
	}
	return nil
}

// answerError reads an error answer's message: the "error" field of a JSON
// body, else the start of the body as text.
func answerError(method, path string, resp *http.Response) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return fmt.Errorf("reading the %d answer: %w", resp.StatusCode, err)
	}
	e := &Error{Method: method, Path: path, StatusCode: resp.StatusCode, body: b}
	var body struct {
		Error string `json:"error"`
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && json.Unmarshal(b, &body) == nil && body.Error != "" {
		e.Message = body.Error
	} else {
		e.Message = strings.TrimSpace(string(b))
		if len(e.Message) > 512 {
			e.Message = e.Message[:512] + "..."
		}
	}
	return e
}

// classify wraps err, a failure of one call, in the class it belongs to:
// a dial that found nothing listening is ErrUnreachable (or ErrPermission),
// a deadline that passed is ErrTimeout whichever step it interrupted, and
// anything else happened after the daemon took the connection.
func (c *Client) classify(ctx context.Context, method, path string, limit time.Duration, err error) error {
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			switch {
			case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
				return fmt.Errorf("%w: no API socket at %s", ErrUnreachable, c.Socket)
			case errors.Is(err, syscall.ECONNREFUSED):
				return fmt.Errorf("%w: nothing accepts connections on %s", ErrUnreachable, c.Socket)
			case errors.Is(err, os.ErrPermission):
				return fmt.Errorf("%w %s", ErrPermission, c.Socket)
			}
			return fmt.Errorf("connecting to the daemon on %s: %w", c.Socket, op.Err)
		}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &timeoutError{method: method, path: path, socket: c.Socket, waited: roundWait(limit)}
	}
	return fmt.Errorf("%s %s on %s: %w", method, path, c.Socket, err)
}

// timeoutError is ErrTimeout with what waited and how long.
type timeoutError struct {
	method, path, socket string
	waited               time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("the daemon did not answer %s %s within %s (API socket %s)", e.method, e.path, e.waited, e.socket)
}

func (e *timeoutError) Is(target error) bool { return target == ErrTimeout }

// roundWait rounds how long a call could wait, for its message: whole
// seconds from a second on ("30s"), milliseconds below.
func roundWait(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
