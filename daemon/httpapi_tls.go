package daemon

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"
)

// certCheckEvery is how often a handshake looks at the certificate files
// again: a renewed certificate is served without a restart.
const certCheckEvery = 10 * time.Second

// certLoader serves the [http] certificate and reloads it when its files
// change. A new pair that does not load is logged and the old one stays.
type certLoader struct {
	certFile, keyFile string
	log               *slog.Logger
	now               func() time.Time

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // the files' sizes and modification times when loaded
	checked time.Time
}

func newCertLoader(certFile, keyFile string, log *slog.Logger) (*certLoader, error) {
	l := &certLoader{certFile: certFile, keyFile: keyFile, log: log, now: time.Now}
	stamp := l.fileStamp()
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("http: TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	l.cert, l.stamp, l.checked = &cert, stamp, l.now()
	return l, nil
}

func (l *certLoader) fileStamp() string { return fileStamp(l.certFile, l.keyFile) }

// fileStamp identifies the files' current versions by size, modification
// time and inode (an atomic replace changes the inode).
func fileStamp(paths ...string) string {
	var s string
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			ino := uint64(0)
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				ino = st.Ino
			}
			s += fmt.Sprintf("%d/%d/%d;", fi.Size(), fi.ModTime().UnixNano(), ino)
		}
	}
	return s
}

// GetCertificate is tls.Config.GetCertificate.
func (l *certLoader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := l.now(); now.Sub(l.checked) >= certCheckEvery {
		l.checked = now
		if stamp := l.fileStamp(); stamp != l.stamp {
			cert, err := tls.LoadX509KeyPair(l.certFile, l.keyFile)
			if err != nil {
				l.log.Warn("the HTTP API's new TLS certificate does not load; serving the previous one", "cert_file", l.certFile, "err", err)
			} else {
				l.cert = &cert
				l.log.Info("the HTTP API's TLS certificate changed; serving the new one", "cert_file", l.certFile)
			}
			l.stamp = stamp
		}
	}
	return l.cert, nil
}
