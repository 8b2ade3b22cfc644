package webhooks

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestReadHead(t *testing.T) {
	tests := []struct {
		name, in string
		want     h1Head
		err      string
		rest     string // what must be left unread after drain
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokNEXT",
			h1Head{status: 200, length: 2}, "", "NEXT"},
		{"no reason, bare LF", "HTTP/1.1 204\nDate: x\n\nNEXT",
			h1Head{status: 204, length: 0}, "", "NEXT"},
		{"mixed-case names, OWS", "HTTP/1.1 503 Busy\r\ncontent-LENGTH:\t0 \r\nRETRY-AFTER:  120 \r\n\r\nNEXT",
			h1Head{status: 503, length: 0, retryAfter: "120"}, "", "NEXT"},
		{"first Retry-After wins", "HTTP/1.1 429 x\r\nRetry-After: 1\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n",
			h1Head{status: 429, length: 0, retryAfter: "1"}, "", ""},
		{"chunked with trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: y\r\n\r\nNEXT",
			h1Head{status: 200, length: -1, chunked: true}, "", "NEXT"},
		{"chunked last of codings", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n0\r\n\r\nNEXT",
			h1Head{status: 200, length: -1, chunked: true}, "", "NEXT"},
		{"TE not chunked runs to close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody",
			h1Head{status: 200, length: -1, untilClose: true, close: true}, "", ""},
		{"TE and CL: TE wins, then close", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			h1Head{status: 200, length: -1, chunked: true, close: true}, "", ""},
		{"no length runs to close", "HTTP/1.1 200 OK\r\n\r\nbody",
			h1Head{status: 200, length: -1, untilClose: true, close: true}, "", ""},
		{"304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\nNEXT",
			h1Head{status: 304, length: 0}, "", "NEXT"},
		{"informational", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nNEXT",
			h1Head{status: 103, length: 0}, "", "NEXT"},
		{"Connection: close", "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, close\r\nContent-Length: 0\r\n\r\n",
			h1Head{status: 200, length: 0, close: true}, "", ""},
		{"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
			h1Head{status: 200, length: 0, close: true}, "", ""},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\nNEXT",
			h1Head{status: 200, length: 0}, "", "NEXT"},
		{"HTTP/1.0 with Transfer-Encoding closes", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			h1Head{status: 200, length: -1, chunked: true, close: true}, "", ""},
		{"same length twice", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
			h1Head{status: 200, length: 0}, "", ""},

		{"empty", "", h1Head{}, "EOF", ""},
		{"cut in the head", "HTTP/1.1 200 OK\r\nContent-Le", h1Head{}, "unexpected EOF", ""},
		{"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n", h1Head{}, "malformed HTTP response: status line", ""},
		{"HTTP/2 status line", "HTTP/2 200\r\n\r\n", h1Head{}, "malformed", ""},
		{"letters in status", "HTTP/1.1 2x0 OK\r\n\r\n", h1Head{}, "malformed", ""},
		{"four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", h1Head{}, "malformed", ""},
		{"status below 100", "HTTP/1.1 099 OK\r\n\r\n", h1Head{}, "malformed", ""},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", h1Head{}, "Content-Length", ""},
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", h1Head{}, "Content-Length", ""},
		{"line without colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", h1Head{}, "header line", ""},
		{"space in name", "HTTP/1.1 200 OK\r\nRetry After: 5\r\n\r\n", h1Head{}, "header name", ""},
		{"folded line", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", h1Head{}, "folded", ""},
		{"huge head", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", maxHead) + "\r\n\r\n", h1Head{}, "over 64 KiB", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tt.in), 64)
			got, err := readHead(br)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("readHead = %+v, %v; want error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("readHead = %+v, %v; want %+v", got, err, tt.want)
			}
			if got.untilClose {
				if drain(br, &got) == nil {
					t.Error("drain of a body that runs to the close succeeded")
				}
				return
			}
			if err := drain(br, &got); err != nil {
				t.Fatalf("drain: %v", err)
			}
			if rest, _ := io.ReadAll(br); string(rest) != tt.rest {
				t.Errorf("left after drain %q, want %q", rest, tt.rest)
			}
		})
	}
}

func TestDrainTooLong(t *testing.T) {
	long := strings.Repeat("x", maxDrain+1)
	for _, in := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n" + long,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n" + long + "\r\n0\r\n\r\n",
	} {
		br := bufio.NewReader(strings.NewReader(in))
		h, err := readHead(br)
		if err != nil {
			t.Fatal(err)
		}
		if err := drain(br, &h); err == nil {
			t.Errorf("drain of %d-byte body succeeded", len(long))
		}
	}
	// A chunked body cut short is an error, not a reusable connection.
	br := bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"))
	h, _ := readHead(br)
	if err := drain(br, &h); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("drain of a cut chunked body: %v", err)
	}
}

// FuzzReadHead checks readHead against net/http's ReadResponse: on every
// response both accept, the status, Retry-After and the keep-alive
// decision agree, and draining leaves the reader where net/http's body
// ends.
func FuzzReadHead(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 410 Gone\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\nbody",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ours, err := readHead(bufio.NewReader(bytes.NewReader(in)))
		if err != nil || ours.status < 200 {
			return
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(in)), &http.Request{Method: http.MethodPost})
		if err != nil {
			return // net/http is stricter in places (e.g. unknown codings)
		}
		if resp.StatusCode != ours.status {
			t.Fatalf("status %d, net/http %d", ours.status, resp.StatusCode)
		}
		if ra := resp.Header.Get("Retry-After"); ra != ours.retryAfter {
			t.Fatalf("Retry-After %q, net/http %q", ours.retryAfter, ra)
		}
		if resp.Close != ours.close && !(ours.close && resp.ContentLength >= 0 && len(resp.TransferEncoding) > 0) {
			t.Fatalf("close %v, net/http %v (head %+v)", ours.close, resp.Close, ours)
		}
	})
}
