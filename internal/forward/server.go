package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gluster/gluster-eventing/internal/journal"
)

// Server answers peers' pulls from a Source: this node's journal and the
// replicas it holds, so that a node can catch up with a third node's
// events while that node is down.
type Server struct {
	src  *Source
	node string
	keys func() *Keys
	log  *slog.Logger
	now  func() time.Time
	v    verifier

	// Counters, for status.
	served    atomic.Uint64
	refused   atomic.Uint64
	lastMu    sync.Mutex
	lastRefus string
	lastFrom  string
}

// NewServer returns a Server of src; keys returns the current keys (nil:
// no key, every request is refused).
func NewServer(src *Source, keys func() *Keys, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{src: src, node: src.node, keys: keys, log: log, now: time.Now}
}

// ServerStats are the server's counters.
type ServerStats struct {
	Served  uint64 `json:"served"`
	Refused uint64 `json:"refused"`
	// LastRefusal is why the last refused request was refused, and From
	// the address it came from.
	LastRefusal     string `json:"last_refusal,omitempty"`
	LastRefusalFrom string `json:"last_refusal_from,omitempty"`
}

// Stats returns the counters.
func (s *Server) Stats() ServerStats {
	s.lastMu.Lock()
	defer s.lastMu.Unlock()
	return ServerStats{Served: s.served.Load(), Refused: s.refused.Load(), LastRefusal: s.lastRefus, LastRefusalFrom: s.lastFrom}
}

// ServeHTTP serves PullPath.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != PullPath {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest {
		http.Error(w, "request body too large or unreadable", http.StatusBadRequest)
		return
	}
	keys := s.keys()
	secret, sig, err := s.v.verify(keys, r, body, s.now())
	if err != nil {
		s.refused.Add(1)
		s.lastMu.Lock()
		s.lastRefus, s.lastFrom = err.Error(), r.RemoteAddr
		s.lastMu.Unlock()
		s.log.Warn("refused a peer request", "from", r.RemoteAddr, "node", r.Header.Get(HeaderNode), "err", err)
		var ae *AuthError
		errors.As(err, &ae)
		writeJSONBody(w, http.StatusUnauthorized, refusal{Error: err.Error(), UnknownKey: ae != nil && ae.UnknownKey})
		return
	}
	reply := func(code int, v any) {
		b, _ := json.Marshal(v)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(HeaderNode, s.node)
		w.Header().Set(HeaderSignature, responseMAC(secret, sig, code, s.node, b))
		w.WriteHeader(code)
		w.Write(b)
	}
	var req PullRequest
	if err := json.Unmarshal(body, &req); err != nil {
		reply(http.StatusBadRequest, map[string]string{"error": "bad pull request: " + err.Error()})
		return
	}
	s.served.Add(1)
	resp, err := s.pull(r.Context(), &req)
	if err != nil {
		reply(http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	reply(http.StatusOK, resp)
}

// pull answers req, waiting up to req.WaitMS for something to send.
func (s *Server) pull(ctx context.Context, req *PullRequest) (*PullResponse, error) {
	max := req.Max
	if max <= 0 || max > MaxBatch {
		max = MaxBatch
	}
	wait := min(time.Duration(req.WaitMS)*time.Millisecond, maxWait)
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		changed := s.src.Changed() // before reading: nothing is missed
		resp, n, err := s.collect(req, max)
		if err != nil || n > 0 || wait <= 0 {
			return resp, err
		}
		select {
		case <-changed:
		case <-deadline.C:
			return resp, nil
		case <-ctx.Done():
			return resp, nil
		}
	}
}

// collect builds the answer to req now; n is the number of events in it.
func (s *Server) collect(req *PullRequest, max int) (*PullResponse, int, error) {
	resp := &PullResponse{Node: s.node, Origins: s.src.origins()}
	held := map[string]OriginInfo{}
	for _, o := range resp.Origins {
		held[o.Node] = o
	}
	n := 0
	for _, w := range req.Want {
		o, ok := held[w.Origin]
		if !ok || w.Origin == req.Node {
			continue // never send a node its own events back
		}
		after := w.After
		if w.Epoch != o.Epoch {
			after = 0 // another journal: everything held is new to the requester
		}
		if after >= o.Last && w.Epoch == o.Epoch {
			continue
		}
		gap := false
		epoch, recs, err := s.src.read(w.Origin, after, max)
		var te *journal.TrimmedError
		if errors.As(err, &te) {
			gap = w.Epoch == o.Epoch // a new epoch's start is no gap
			epoch, recs, err = s.src.read(w.Origin, te.Oldest-1, max)
		}
		if err != nil {
			return nil, 0, err
		}
		if epoch != o.Epoch || (len(recs) == 0 && w.Epoch == o.Epoch) {
			continue
		}
		b := Batch{Origin: w.Origin, Epoch: epoch, Gap: gap, Events: make([]WireEvent, len(recs))}
		for i, r := range recs {
			b.Events[i] = WireEvent{Seq: r.Seq, Time: r.Time.UnixNano(), Data: r.Data}
		}
		n += len(recs)
		if len(recs) == 0 {
			n++ // an epoch change with nothing held yet is news too
		}
		resp.Batches = append(resp.Batches, b)
	}
	return resp, n, nil
}

// refusal is the body of a 401.
type refusal struct {
	Error      string `json:"error"`
	UnknownKey bool   `json:"unknown_key,omitempty"`
}

func writeJSONBody(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}
