package daemon

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
)

// sessionCookie is the cookie POST /v1/login sets: browsers cannot send an
// Authorization header on an EventSource, and a token never goes in a URL.
const sessionCookie = "gluster_eventing_session"

// httpServer is the API on its TCP listener ([http] listen, or a
// socket-activated stream socket named "http").
type httpServer struct {
	srv  *http.Server
	addr string
	tls  bool
}

// startHTTP serves h on the TCP listener the node config or systemd
// gives, nil when there is none. A listener that is not loopback-only is
// refused without a token, and a token file that is readable by others or
// too short is an error: the daemon does not start half-protected.
func (d *Daemon) startHTTP(node *config.Node, h http.Handler, activated []net.Listener) (*httpServer, error) {
	hc := node.HTTP
	var ln net.Listener
	switch {
	case len(activated) > 0:
		ln = activated[0]
		for _, extra := range activated[1:] {
			d.log.Warn("ignoring a second socket-activated http socket", "addr", extra.Addr().String())
			extra.Close()
		}
	case hc.Listen == "":
		return nil, nil
	}
	var token string
	if hc.TokenFile != "" {
		var err error
		if token, err = config.ReadTokenFile(hc.TokenFile); err != nil {
			if ln != nil {
				ln.Close()
			}
			return nil, fmt.Errorf("http: %w\nhint: the token file holds the bearer token clients of [http] listen present; fix it or remove token_file (loopback only)", err)
		}
	}
	var tlsConf *tls.Config
	if hc.TLS() {
		certs, err := newCertLoader(hc.CertFile, hc.KeyFile, d.log.With("component", "http"))
		if err != nil {
			if ln != nil {
				ln.Close()
			}
			return nil, err
		}
		tlsConf = &tls.Config{GetCertificate: certs.GetCertificate, MinVersion: tls.VersionTLS12}
	}
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp", hc.Listen)
		if errors.Is(err, syscall.EADDRINUSE) && hc.Listen == config.DefaultHTTPListen && token == "" {
			// The default: the TCP API is a convenience on top of the
			// unix socket, and events must not stop coming in because
			// another program has its port.
			d.log.Warn("the HTTP API's default port is in use; serving the API on the unix socket only",
				"addr", hc.Listen, "hint", "set [http] listen in the node config to another address, or to \"\" to silence this")
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("http listen %s: %w\nhint: another program has the port; set [http] listen in %s to another address (port 0 picks a free one) or to \"\" to turn the TCP listener off",
				hc.Listen, err, d.opts.ConfigPath)
		}
	}
	addr := ln.Addr().String()
	if !config.LoopbackAddr(addr) && token == "" {
		ln.Close()
		return nil, fmt.Errorf("http: %s is not a loopback address and no token_file is set: anyone who can reach it could read the cluster's events\nhint: set [http] token_file to a file (mode 0600) holding a token of at least %d characters", addr, config.MinTokenLength)
	}
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	a := &httpAuth{token: token, tokenFile: hc.TokenFile, secure: tlsConf != nil, log: d.log.With("component", "http"), now: time.Now}
	a.stamp, a.checked = fileStamp(hc.TokenFile), time.Now()
	s := &httpServer{addr: addr, tls: tlsConf != nil, srv: &http.Server{
		Handler:           http.NewCrossOriginProtection().Handler(a.wrap(h)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(d.log.With("component", "http").Handler(), slog.LevelDebug),
	}}
	s.srv.RegisterOnShutdown(d.stopStreams)
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the base URL of the listener.
func (s *httpServer) URL() string {
	if s.tls {
		return "https://" + s.addr
	}
	return "http://" + s.addr
}

func (s *httpServer) close() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}

// httpAuth guards the TCP listener. With a token, every request but the
// public ones (the dashboard's files, the OpenAPI document, login) must
// carry it: "Authorization: Bearer TOKEN" or the session cookie of POST
// /v1/login. Without one (a loopback listener) reads are open to local
// users and changes (reload, replay, refresh) are refused: those stay on
// the unix socket, whose mode says who may.
type httpAuth struct {
	secure bool
	log    *slog.Logger

	// tokenFile, if set, is read again when it changes (checked every
	// certCheckEvery at most): a new token takes effect without a
	// restart and ends every session. A file that no longer passes
	// ReadTokenFile's checks is logged and the previous token stays.
	tokenFile string
	now       func() time.Time
	mu        sync.Mutex
	token     string // "" when none is configured
	stamp     string
	checked   time.Time

	failMu sync.Mutex // serialises failed logins: a guesser gets one try at a time
}

type authKey struct{}

func (a *httpAuth) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.required() && !localHost(r.Host) {
			// DNS rebinding: a page of evil.example resolved to 127.0.0.1.
			writeJSON(w, http.StatusMisdirectedRequest, map[string]string{"error": "the API answers requests for its loopback address only",
				"hint": "connect to 127.0.0.1 or localhost, or set [http] token_file"})
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), authKey{}, a))
		if publicRoute(r) {
			next.ServeHTTP(w, r)
			return
		}
		if !a.required() {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "changes are not accepted on a TCP listener without a token",
					"hint": "use the unix socket (the gluster-eventing CLI does), or set [http] token_file"})
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if !a.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gluster-eventing"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "a bearer token is required",
				"hint": "send Authorization: Bearer <the token in [http] token_file>, or log in with POST /v1/login"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// publicRoute reports whether r needs no token: the dashboard's static
// files, the OpenAPI document, login and logout.
func publicRoute(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case p == "/v1/login" || p == "/v1/logout":
		return r.Method == http.MethodPost
	case p == "/openapi.json":
		return true
	case p == "/metrics" || strings.HasPrefix(p, "/v1/") || p == "/v1":
		return false
	}
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// localHost reports whether a Host header names a loopback address or
// localhost.
func localHost(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

func (a *httpAuth) authorized(r *http.Request) bool {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(v)), []byte(a.current())) == 1
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return subtle.ConstantTimeCompare([]byte(c.Value), []byte(a.session())) == 1
	}
	return false
}

// required reports whether requests need a token.
func (a *httpAuth) required() bool { return a.tokenFile != "" || a.current() != "" }

// current returns the token in force, reading the token file again when
// it changed.
func (a *httpAuth) current() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tokenFile == "" {
		return a.token
	}
	if now := a.now(); now.Sub(a.checked) >= certCheckEvery {
		a.checked = now
		if stamp := fileStamp(a.tokenFile); stamp != a.stamp {
			a.stamp = stamp
			tok, err := config.ReadTokenFile(a.tokenFile)
			if err != nil {
				a.log.Error("the HTTP API's token file changed and is not usable; the previous token stays", "err", err)
			} else if tok != a.token {
				a.token = tok
				a.log.Info("the HTTP API's token changed; sessions of the previous one ended", "token_file", a.tokenFile)
			}
		}
	}
	return a.token
}

// session is the session cookie's value: derived from the token, so that
// the cookie is not the token itself and a new token ends every session.
func (a *httpAuth) session() string {
	m := hmac.New(sha256.New, []byte(a.current()))
	m.Write([]byte("gluster-eventing session v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// loginRoutes add POST /v1/login (the token in a form body sets the
// session cookie) and POST /v1/logout (clears it).
func (d *Daemon) loginRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/login", func(w http.ResponseWriter, r *http.Request) {
		a, _ := r.Context().Value(authKey{}).(*httpAuth)
		if a == nil || !a.required() {
			writeJSON(w, http.StatusOK, api.Login{OK: true, Auth: "none"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		if err := r.ParseForm(); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("login: %w", err))
			return
		}
		tok := strings.TrimSpace(r.PostForm.Get("token"))
		if subtle.ConstantTimeCompare([]byte(tok), []byte(a.current())) != 1 {
			a.failMu.Lock()
			time.Sleep(500 * time.Millisecond) // slows a guesser; never logs the token
			a.failMu.Unlock()
			a.log.Warn("failed login on the HTTP API", "remote", r.RemoteAddr)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "wrong token"})
			return
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: a.session(), Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: a.secure})
		writeJSON(w, http.StatusOK, api.Login{OK: true, Auth: "token"})
	})
	mux.HandleFunc("POST /v1/logout", func(w http.ResponseWriter, r *http.Request) {
		a, _ := r.Context().Value(authKey{}).(*httpAuth)
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: a != nil && a.secure})
		writeJSON(w, http.StatusOK, api.Login{OK: true, Auth: "none"})
	})
}
