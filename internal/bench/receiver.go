package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// receiver is a keep-alive webhook receiver. It answers every POST with 200
// and records, for each event marker "v<i>" (the volume name the sender put
// in the datagram), how often it arrived and when it first arrived.
type receiver struct {
	base  time.Time // the clock the sender's timestamps use
	first []atomic.Int64
	count []atomic.Uint32

	posts  atomic.Int64 // every POST
	unique atomic.Int64 // markers seen at least once
	dups   atomic.Int64 // arrivals beyond the first
	warm   atomic.Int64 // "w<i>" warm-up markers
	other  atomic.Int64 // bodies without a known marker
	last   atomic.Int64 // receive time of the last marker, ns since base

	srv *http.Server
	ln  net.Listener
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func newReceiver(base time.Time, n int) *receiver {
	return &receiver{base: base, first: make([]atomic.Int64, n), count: make([]atomic.Uint32, n)}
}

// listen starts serving on addr (127.0.0.1:port).
func (r *receiver) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	r.ln = ln
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: time.Minute}
	go func() {
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logf("receiver %s: %v", addr, err)
		}
	}()
	return nil
}

func (r *receiver) close() {
	if r.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if r.srv.Shutdown(ctx) != nil {
			r.srv.Close()
		}
	}
}

type markerBody struct {
	Message struct {
		Name string `json:"name"`
	} `json:"message"`
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := int64(time.Since(r.base))
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	_, _ = io.Copy(buf, req.Body)
	r.posts.Add(1)
	var m markerBody
	if json.Unmarshal(buf.Bytes(), &m) == nil && len(m.Message.Name) > 1 {
		r.record(m.Message.Name, now)
	} else {
		r.other.Add(1)
	}
	bufPool.Put(buf)
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) record(name string, now int64) {
	i, err := strconv.Atoi(name[1:])
	switch {
	case err != nil:
		r.other.Add(1)
	case name[0] == 'w':
		r.warm.Add(1)
	case name[0] == 'v' && i >= 0 && i < len(r.count):
		if r.count[i].Add(1) == 1 {
			r.first[i].Store(now + 1) // 0 means "never"
			r.unique.Add(1)
		} else {
			r.dups.Add(1)
		}
		for {
			l := r.last.Load()
			if now <= l || r.last.CompareAndSwap(l, now) {
				break
			}
		}
	default:
		r.other.Add(1)
	}
}

// receivedAt returns when marker i first arrived (ns since base), or -1.
func (r *receiver) receivedAt(i int) int64 {
	return r.first[i].Load() - 1
}

// between counts the markers first received in [from, to) (ns since base).
func (r *receiver) between(from, to int64) int {
	n := 0
	for i := range r.first {
		if t := r.first[i].Load() - 1; t >= from && t < to {
			n++
		}
	}
	return n
}

// firstReceipt is the earliest receive time of any marker, or -1.
func (r *receiver) firstReceipt() int64 {
	best := int64(-1)
	for i := range r.first {
		if t := r.first[i].Load() - 1; t >= 0 && (best < 0 || t < best) {
			best = t
		}
	}
	return best
}
