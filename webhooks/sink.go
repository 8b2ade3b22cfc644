package webhooks

import (
	"context"
	"log/slog"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
)

// A Sink is where a worker delivers events: an HTTP webhook, a command
// (exec), a mail server, an SNMP manager. The worker owns everything
// else — the journal cursor, filtering, retries with backoff and their
// persisted schedule, max_age and max_attempts, dead letters and replay,
// batching, the concurrency limit and health — so a sink only turns a
// [Message] into one delivery attempt and says how it went.
//
// Send is called with at most the notifier's max_in_flight messages at a
// time, from several goroutines when that is above 1, and again with the
// same *Message (after a backoff) for as long as the worker retries it.
// It must return when ctx ends; an attempt cut short by ctx is not
// counted as failed. Close is called once, after the last Send has
// returned.
type Sink interface {
	Send(ctx context.Context, m *Message) Result
	Close() error
}

// Batcher is implemented by sinks that take several events per message
// (email turns a storm into one mail per interval). A sink that does not
// implement it gets one event per message.
type Batcher interface {
	Batching() Batching
}

// Batching says how a worker groups events into messages for a sink.
type Batching struct {
	// Interval, when positive, makes the worker send at most one message
	// per Interval: a message holds the events read in the Interval after
	// its first one (or after the previous message, if that is later).
	// Zero sends the events at hand at once, up to Max per message.
	Interval time.Duration
	// Max bounds the events in one message; 0 means DefaultMaxBatch. A
	// full message goes out without waiting out Interval after its first
	// event, but still not within Interval of the previous one.
	Max int
}

// DefaultMaxBatch is the most events in one message of a batching sink
// whose Batching.Max is 0.
const DefaultMaxBatch = 1000

// Message is what a sink delivers in one attempt: one event, or a batch of
// them (for a [Batcher]) in journal order. A batch stands for the journal
// records First..Last: it is delivered, retried and dead-lettered as one,
// and the records between its events that the filter rejected are part of
// its run.
type Message struct {
	// Node is this node's glusterd UUID; Epoch its journal's epoch.
	Node  string
	Epoch string
	// Records are the events, ascending by Seq; never empty.
	Records []*evrec.Record
	// First and Last bound the journal records the message stands for.
	First, Last uint64
	// Replayed is set when the events are sent again by a replay.
	Replayed bool
	// Test is set for the synthetic event of SendTest (notifier-test,
	// webhook-test): its one record has Seq 0 and is not in the journal;
	// [Message.Bodies] names it TEST.
	Test bool

	// prepared is the HTTP sink's request, built by the first attempt and
	// reused by its retries.
	prepared *message
	// journaled is when the journal took the first record; MaxAge counts
	// from it.
	journaled time.Time
}

// Bodies returns the standard body of each event (see [StandardBody]):
// what an exec notifier writes on stdin, and what other sinks format
// their messages from. A test message's body is a "gluster.test" event
// named TEST.
func (m *Message) Bodies() []*StandardBody {
	out := make([]*StandardBody, len(m.Records))
	for i, r := range m.Records {
		if m.Test {
			out[i] = testBody(m.Node, r.Received)
			continue
		}
		out[i] = NewStandardBody(m.Node, m.Epoch, r)
	}
	return out
}

// Verdict is what an attempt's outcome means for the message.
type Verdict int

const (
	// Delivered: the message is done; the cursor moves over it.
	Delivered Verdict = iota
	// Retry: the attempt failed; it is tried again after a backoff (at
	// least Result.RetryAfter) until max_attempts or max_age, then
	// dead-lettered. Every failure a configuration change or the
	// receiver's recovery can fix is a Retry.
	Retry
	// Permanent: the message can never be delivered as it is (it cannot
	// be encoded for this sink); it is dead-lettered now, and a replay
	// after a config change sends it again.
	Permanent
	// Gone: the receiver asks not to be sent anything again (HTTP 410).
	// Believed when a second attempt, made at once, says so too; then
	// the notifier is disabled until its config changes.
	Gone
)

func (v Verdict) String() string {
	switch v {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	case Permanent:
		return "permanent"
	case Gone:
		return "gone"
	}
	return "verdict(?)"
}

// Result is the outcome of one Send.
type Result struct {
	Verdict Verdict
	// Status is the sink's code for the outcome, shown as the health's
	// last status: the HTTP status, the command's exit status, the SMTP
	// reply code; 0 if there was none.
	Status int
	// RetryAfter is the least wait the receiver asked for before the next
	// attempt (HTTP Retry-After); 0 leaves the backoff to the worker.
	RetryAfter time.Duration
	// Err says what went wrong when Verdict is not Delivered; its text
	// becomes the health's last error and must hold no secret. Nil with
	// a failed verdict reads "status N".
	Err error
}

// SinkEnv is what a SinkFactory gets besides the notifier's config.
type SinkEnv struct {
	// NodeID is this node's glusterd UUID; Version the daemon's.
	NodeID  string
	Version string
	// Logger is the notifier's logger (it names the notifier).
	Logger *slog.Logger
}

// SinkFactory builds the sink of a notifier of one kind. Its errors (a
// configuration the sink cannot use, such as an unreadable password_file)
// are shown in the notifier's health and the worker tries again with
// backoff, so they must hold no secret. The factories are passed in
// [Options.Sinks], keyed by [config.Notifier] kind, so that sinks in
// packages below webhooks/ can import this one.
type SinkFactory func(n *config.Notifier, env SinkEnv) (Sink, error)

// Describer is implemented by sinks that can say, without secrets, where
// they deliver ("/usr/local/bin/page-oncall", "smtp://mail:587 → ops@x"),
// for status and logs. Without it the notifier's kind is shown.
type Describer interface {
	Describe() string
}

// testBody is the standard body of the synthetic TEST event sent at at.
func testBody(nodeID string, at time.Time) *StandardBody {
	const epoch = "test"
	return &StandardBody{
		ID:        evrec.ID(nodeID, epoch, uint64(at.UnixNano())),
		Type:      "gluster.test",
		Timestamp: at.UTC(),
		Epoch:     epoch,
		Node:      nodeID,
		Data:      map[string]string{},
		Fields:    map[string]any{},
		Event:     testEvent,
		TS:        at.Unix(),
		Severity:  "info",
		Category:  "test",
		Scope:     "user",
	}
}
