package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ReplayRequest says what POST /v1/webhooks/{id}/replay sends again: the
// events from a seq on, from a time on, or the webhook's dead letters.
// Exactly one is set.
type ReplayRequest struct {
	Since       uint64
	SinceTime   time.Time
	DeadLetters bool
}

// Replayed is the answer to POST /v1/webhooks/{id}/replay: the journal
// records From..To are to be sent again (Records of them; for dead letters,
// only theirs), before the webhook's filter.
type Replayed struct {
	ID      string `json:"id"`
	From    uint64 `json:"from"`
	To      uint64 `json:"to"`
	Records uint64 `json:"records"`
}

// DeadLetters is the answer to GET /v1/webhooks/{id}/dead-letters.
type DeadLetters struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// DeadLetters are runs of events given up on for the same reason, in
	// the order they were given up on.
	DeadLetters []DeadLetter `json:"dead_letters"`
	// Dropped counts dead letters no longer kept: the oldest, past the
	// bound on the list, and those whose events retention removed.
	Dropped uint64 `json:"dropped"`
}

// DeadLetter is a run of journal records Seq..LastSeq that a webhook gave
// up on, the last at At, after Attempts attempts ending with Status (0 if
// no answer came) or Error.
type DeadLetter struct {
	Seq      uint64    `json:"seq"`
	LastSeq  uint64    `json:"last_seq"`
	Count    uint64    `json:"count"`
	At       time.Time `json:"at"`
	Attempts int       `json:"attempts"`
	Status   int       `json:"status,omitempty"`
	Error    string    `json:"error,omitempty"`
	// Events counts the run's records by event name, as far as the journal
	// still holds them.
	Events map[string]uint64 `json:"events"`
}

// Replay asks the daemon to send a webhook's events again; see
// ReplayRequest. An unknown id is an *Error with status 404, a seq that
// retention removed one with status 410 whose Message names the oldest
// seq available.
func (c *Client) Replay(ctx context.Context, id string, r ReplayRequest) (*Replayed, error) {
	var out Replayed
	if err := c.do(ctx, http.MethodPost, "/v1/webhooks/"+url.PathEscape(id)+"/replay?"+r.query().Encode(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// query is r as the replay endpoints' query parameters.
func (r ReplayRequest) query() url.Values {
	q := url.Values{}
	switch {
	case r.DeadLetters:
		q.Set("dead_letters", "true")
	case !r.SinceTime.IsZero():
		q.Set("since_time", r.SinceTime.Format(time.RFC3339Nano))
	default:
		q.Set("since", strconv.FormatUint(r.Since, 10))
	}
	return q
}

// DeadLetters fetches the dead letters a webhook keeps.
func (c *Client) DeadLetters(ctx context.Context, id string) (*DeadLetters, error) {
	var out DeadLetters
	if err := c.do(ctx, http.MethodGet, "/v1/webhooks/"+url.PathEscape(id)+"/dead-letters", &out); err != nil {
		return nil, err
	}
	return &out, nil
}
