package webhooks

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/filter"
)

// target is what a Worker delivers to: everything the delivery machinery
// needs from a webhook's or a notifier's config, and how to build its sink.
type target struct {
	id       string // config id
	consumer string // journal cursor and state blob name
	noun     string // "webhook" or "notifier", for logs
	kind     string // KindWebhook or the notifier's kind
	name     string
	display  string // where it delivers, safe to show
	format   string // webhooks only, for Health

	filter      *filter.Filter // events, filter and channel, parsed at config load; nil selects all
	node        string         // this node's UUID, for node: terms
	dedup       bool
	maxInFlight int
	maxAttempts int
	maxAge      time.Duration
	newSink     func() (Sink, error)

	// The config the target was made from, one of the two, for Apply to
	// tell a changed one.
	hook     config.Webhook
	notifier config.Notifier
}

// KindWebhook is the kind of an HTTP webhook's worker, beside the
// notifier kinds (config.KindExec, ...), in metrics labels.
const KindWebhook = "webhook"

func (t *target) logger(l *slog.Logger) *slog.Logger {
	if t.noun == "webhook" {
		return l.With("webhook", t.display)
	}
	return l.With("notifier", t.id, "kind", t.kind)
}

// webhookTarget is the target of an HTTP webhook.
func webhookTarget(hook config.Webhook, o *Options) target {
	hook.Events = append([]string(nil), hook.Events...)
	agent, proxy, nodeID := userAgent(o.Version), o.Proxy, o.NodeID
	return target{
		id:          hook.Key(),
		consumer:    ConsumerName(hook.Key()),
		noun:        "webhook",
		kind:        KindWebhook,
		name:        hook.Name,
		display:     displayURL(hook.URL),
		format:      hook.Format,
		filter:      hook.Compiled(),
		node:        nodeID,
		dedup:       hook.Dedup,
		maxInFlight: hook.MaxInFlight,
		maxAttempts: hook.MaxAttempts,
		maxAge:      time.Duration(hook.MaxAge),
		newSink: func() (Sink, error) {
			s, err := newSender(&hook, agent, proxy)
			if err != nil {
				return nil, err
			}
			return &httpSink{s: s, nodeID: nodeID, enrich: hook.Enrich}, nil
		},
		hook: hook,
	}
}

// httpSink is an HTTP webhook as a Sink: the sender, and the body of its
// format built once per message.
type httpSink struct {
	s      *sender
	nodeID string
	enrich bool // legacy bodies get category and severity
}

func (h *httpSink) Send(ctx context.Context, m *Message) Result {
	if m.prepared == nil {
		p, err := h.prepare(m)
		if err != nil {
			return Result{Verdict: Permanent, Err: err}
		}
		m.prepared = p
	}
	status, retryAfter, err := h.s.post(ctx, m.prepared, time.Now())
	res := Result{Status: status, RetryAfter: retryAfter}
	switch classify(status, err) {
	case delivered:
		return res
	case gone:
		// Asked again by the worker, on a new connection: this one may
		// have carried a stray answer.
		h.s.close()
		res.Verdict = Gone
	default:
		res.Verdict = Retry
	}
	res.Err = errorText(describe(status, err))
	return res
}

func (h *httpSink) Close() error {
	h.s.close()
	return nil
}

// prepare builds the body of m, which has one record.
func (h *httpSink) prepare(m *Message) (*message, error) {
	if m.Test {
		p := testMessage(h.s.format, h.nodeID, m.Records[0].Received)
		if h.enrich && h.s.format == config.FormatLegacy {
			enrichTestMessage(p, h.nodeID)
		}
		return p, nil
	}
	r := m.Records[0]
	p := &message{event: r.Event.Type.String(), ts: r.Event.Time}
	if h.s.format == config.FormatStandard {
		b := NewStandardBody(m.Node, m.Epoch, r)
		p.id = b.ID
		var err error
		if p.body, err = AppendStandardBody(nil, b); err != nil {
			return nil, err
		}
		return p, nil
	}
	p.body = AppendLegacy(nil, m.Node, &r.Event, h.enrich)
	return p, nil
}

// errorText is an error whose text is s.
type errorText string

func (e errorText) Error() string { return string(e) }

// describe is the text of the health's last error for r.
func (r Result) describe() string {
	if r.Err != nil {
		return r.Err.Error()
	}
	return fmt.Sprintf("status %d", r.Status)
}
