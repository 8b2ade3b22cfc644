package testscripts

import (
	"flag"
	"net"
	"net/http"
	"os"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdFakeAPI: fakeapi PATH (-hang | -refuse | -status CODE [-body JSON])
// stands in for a daemon on the unix socket PATH, for the CLI's error
// paths:
//
//	-hang    accept every connection and never answer (a stuck daemon)
//	-refuse  leave a socket file nobody listens on (a daemon that died)
//	-status  answer every request with CODE and the JSON -body
//
// Whatever it started stops at the end of the script.
func cmdFakeAPI(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "fakeapi")
	fs := flag.NewFlagSet("fakeapi", flag.ContinueOnError)
	hang := fs.Bool("hang", false, "accept connections and never answer")
	refuse := fs.Bool("refuse", false, "leave a socket file without a listener")
	status := fs.Int("status", 0, "answer every request with this status")
	body := fs.String("body", "{}", "JSON body of the -status answers")
	pos := parseInterspersed(ts, fs, args)
	if len(pos) != 1 {
		ts.Fatalf("usage: fakeapi PATH (-hang | -refuse | -status CODE [-body JSON])")
	}
	modes := 0
	for _, on := range []bool{*hang, *refuse, *status != 0} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		ts.Fatalf("fakeapi: give exactly one of -hang, -refuse, -status")
	}
	path := ts.MkAbs(pos[0])
	if len(path) >= maxSockPath {
		ts.Fatalf("fakeapi: socket path %s is too long for sun_path", path)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		ts.Fatalf("fakeapi: %v", err)
	}
	switch {
	case *refuse:
		ln.SetUnlinkOnClose(false)
		ln.Close()
		ts.Defer(func() { os.Remove(path) })
	case *hang:
		var mu sync.Mutex
		var conns []net.Conn
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
		ts.Defer(func() {
			ln.Close()
			<-done
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
	default:
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(*status)
			w.Write([]byte(*body))
		})}
		go srv.Serve(ln)
		ts.Defer(func() { srv.Close() })
	}
}
