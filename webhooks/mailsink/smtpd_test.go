package mailsink

import (
	"bufio"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gluster/gluster-eventing/internal/testcert"
	"github.com/gluster/gluster-eventing/internal/testenv"
)

// debianPython is the interpreter Debian's python3-aiosmtpd is installed
// for (a python3 earlier in PATH, from pyenv say, does not have it).
const debianPython = "/usr/bin/python3"

// smtpd is a real SMTP server, Python's aiosmtpd (testdata/smtpd.py),
// writing what it accepts to Dir.
type smtpd struct {
	Addr string // 127.0.0.1:PORT
	Dir  string
}

// smtpdOptions are smtpd.py's flags.
type smtpdOptions struct {
	TLS  string // starttls, implicit or none
	Cert *testCert
	Auth string // USER:PASSWORD
	Fail string // CODE:COUNT
}

func requireAiosmtpd(t *testing.T) {
	t.Helper()
	err := exec.Command(debianPython, "-c", "import aiosmtpd").Run()
	testenv.Require(t, err == nil, "Python's aiosmtpd (Debian package python3-aiosmtpd, for "+debianPython+")")
}

// startSMTPD runs testdata/smtpd.py until the test ends.
func startSMTPD(t *testing.T, o smtpdOptions) *smtpd {
	t.Helper()
	requireAiosmtpd(t)
	d := &smtpd{Dir: t.TempDir()}
	args := []string{"testdata/smtpd.py", "--dir", d.Dir}
	if o.TLS != "" {
		args = append(args, "--tls", o.TLS)
	}
	if o.Cert != nil {
		args = append(args, "--cert", o.Cert.CertFile, "--key", o.Cert.KeyFile)
	}
	if o.Auth != "" {
		args = append(args, "--auth", o.Auth)
	}
	if o.Fail != "" {
		args = append(args, "--fail", o.Fail)
	}
	cmd := exec.Command(debianPython, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if port, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- port
			}
		}
		close(ready)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("smtpd.py stderr:\n%s", stderr.String())
		}
	})
	select {
	case port, ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("smtpd.py exited before listening:\n%s", stderr.String())
		}
		d.Addr = "127.0.0.1:" + port
	case <-time.After(30 * time.Second):
		t.Fatalf("smtpd.py did not listen in 30s:\n%s", stderr.String())
	}
	return d
}

// received is one accepted mail, parsed.
type received struct {
	EnvelopeFrom string
	EnvelopeTo   string
	Auth, TLS    bool
	Header       mail.Header
	Subject      string // decoded
	Body         string // decoded
}

// mails returns the mails the server accepted so far, in order.
func (d *smtpd) mails(t *testing.T) []received {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(d.Dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	var out []received
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(f)
		if err != nil {
			f.Close()
			t.Fatalf("%s: %v", name, err)
		}
		var body io.Reader = m.Body
		if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		text, err := io.ReadAll(body)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			t.Fatalf("%s: subject: %v", name, err)
		}
		out = append(out, received{
			EnvelopeFrom: m.Header.Get("X-Envelope-From"),
			EnvelopeTo:   m.Header.Get("X-Envelope-To"),
			Auth:         m.Header.Get("X-Auth") == "yes",
			TLS:          m.Header.Get("X-TLS") == "yes",
			Header:       m.Header,
			Subject:      subject,
			Body:         strings.ReplaceAll(string(text), "\r\n", "\n"),
		})
	}
	return out
}

// waitMails polls until at least n mails were accepted.
func (d *smtpd) waitMails(t *testing.T, n int, timeout time.Duration) []received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := d.mails(t)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails accepted in %s, want %d", len(got), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testCert is a self-signed certificate for 127.0.0.1 and localhost.
type testCert struct {
	CertFile, KeyFile string
}

func newTestCert(t *testing.T) *testCert {
	t.Helper()
	certFile, keyFile := testcert.New(t, "gluster-eventing test SMTP", "127.0.0.1", "localhost").Files(t, t.TempDir())
	return &testCert{CertFile: certFile, KeyFile: keyFile}
}

func (r received) String() string {
	return fmt.Sprintf("mail from %s to %s, subject %q", r.EnvelopeFrom, r.EnvelopeTo, r.Subject)
}
