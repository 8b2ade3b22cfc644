package webhooks

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http/httputil"
	"strconv"
)

// h1Head is what the client needs from a response head (RFC 9112): the
// status, Retry-After, and how the body is framed.
type h1Head struct {
	status     int
	retryAfter string
	length     int64 // Content-Length; -1 if absent
	chunked    bool
	untilClose bool // the body runs to the end of the connection
	close      bool // the connection cannot carry another request
}

// maxHead bounds the size of a response head.
const maxHead = 64 << 10

var (
	errMalformed = errors.New("malformed HTTP response")
	errHeadSize  = errors.New("HTTP response head over 64 KiB")
)

// readHead reads a response's status line and header fields from br. It
// parses only what delivery needs and allocates only for Retry-After;
// net/http's ReadResponse builds a header map of every field.
func readHead(br *bufio.Reader) (h1Head, error) {
	h := h1Head{length: -1}
	budget := maxHead
	line, err := readLine(br, &budget)
	if err != nil {
		return h, err
	}
	// HTTP/1.x SP 3DIGIT [SP reason]
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return h, fmt.Errorf("%w: status line %q", errMalformed, clip(line))
	}
	minor := line[7]
	if minor < '0' || minor > '9' {
		return h, fmt.Errorf("%w: status line %q", errMalformed, clip(line))
	}
	for _, d := range line[9:12] {
		if d < '0' || d > '9' {
			return h, fmt.Errorf("%w: status line %q", errMalformed, clip(line))
		}
		h.status = h.status*10 + int(d-'0')
	}
	if h.status < 100 {
		return h, fmt.Errorf("%w: status %d", errMalformed, h.status)
	}
	http10 := minor == '0'
	keepAlive, te := false, false
	for {
		line, err := readLine(br, &budget)
		if err != nil {
			return h, err
		}
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return h, fmt.Errorf("%w: folded header line", errMalformed)
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return h, fmt.Errorf("%w: header line %q", errMalformed, clip(line))
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		if bytes.ContainsAny(name, " \t") {
			return h, fmt.Errorf("%w: header name %q", errMalformed, clip(name))
		}
		switch {
		case equalFold(name, "content-length"):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || (h.length >= 0 && n != h.length) {
				return h, fmt.Errorf("%w: Content-Length %q", errMalformed, clip(value))
			}
			h.length = n
		case equalFold(name, "transfer-encoding"):
			te = true
			// chunked must be the final coding; anything else runs
			// to the close.
			last := value
			if i := bytes.LastIndexByte(value, ','); i >= 0 {
				last = bytes.Trim(value[i+1:], " \t")
			}
			h.chunked = equalFold(last, "chunked")
		case equalFold(name, "connection"):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				tok = bytes.Trim(tok, " \t")
				h.close = h.close || equalFold(tok, "close")
				keepAlive = keepAlive || equalFold(tok, "keep-alive")
			}
		case equalFold(name, "retry-after"):
			if h.retryAfter == "" {
				h.retryAfter = string(value)
			}
		}
	}
	if http10 && (!keepAlive || te) {
		// HTTP/1.0 has no Transfer-Encoding: framing that uses it is
		// faulty (RFC 9112 6.1), and the connection is not reused.
		h.close = true
	}
	switch {
	case h.status < 200 || h.status == 204 || h.status == 304:
		h.length, h.chunked = 0, false
	case te:
		// Transfer-Encoding overrides Content-Length (RFC 9112 6.3),
		// and the connection must not be reused after such a message.
		if h.length >= 0 {
			h.close = true
		}
		h.length = -1
		h.untilClose = !h.chunked
	case h.length < 0:
		h.untilClose = true
	}
	if h.untilClose {
		h.close = true
	}
	return h, nil
}

// drain reads and discards a body of at most maxDrain bytes that h frames,
// so that its connection can carry the next request. It fails for a
// longer body, which costs the connection instead.
func drain(br *bufio.Reader, h *h1Head) error {
	switch {
	case h.untilClose:
		return errors.New("body runs to the close")
	case h.chunked:
		n, err := io.CopyN(io.Discard, httputil.NewChunkedReader(br), maxDrain+1)
		if n > maxDrain {
			return errors.New("body too long to drain")
		}
		if !errors.Is(err, io.EOF) {
			return err
		}
		// The trailer section, up to its empty line.
		budget := maxHead
		for {
			line, err := readLine(br, &budget)
			if err != nil {
				return err
			}
			if len(line) == 0 {
				return nil
			}
		}
	case h.length > maxDrain:
		return errors.New("body too long to drain")
	default:
		_, err := br.Discard(int(h.length))
		return err
	}
}

// readLine returns the next line without its CRLF (or bare LF), valid
// until the next read from br. budget is what the head may still use.
func readLine(br *bufio.Reader, budget *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// A line longer than the read buffer: rare, so copying is fine.
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) && len(long) <= *budget {
			line, err = br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	*budget -= len(line)
	switch {
	case *budget < 0:
		return nil, errHeadSize
	case errors.Is(err, io.EOF) && len(line) > 0:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// equalFold reports whether b equals the lower-case ASCII s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// clip shortens b for an error message.
func clip(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "..."
	}
	return string(b)
}
