package webhooks

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"time"

	"github.com/gluster/gluster-eventing/internal/api"
	"github.com/gluster/gluster-eventing/internal/config"
	"github.com/gluster/gluster-eventing/internal/evrec"
)

// NotifierConsumerName is the name of the journal cursor and state blob of
// the notifier with this id.
func NotifierConsumerName(id string) string { return "notifier:" + id }

// ApplyNotifiers makes the running notifiers those of ns, matched by id,
// exactly as Apply does for webhooks: an unchanged notifier keeps running,
// a changed one restarts at its cursor (a disabled one is enabled), a
// removed one is stopped and forgotten, a new one starts with the events
// journaled from now on. Each notifier's filter is its Compiled one (a
// changed channel definition restarts it with the new filter). A notifier
// whose kind has no sink runs no deliveries and shows the error in its
// health.
func (m *Manager) ApplyNotifiers(ctx context.Context, ns []config.Notifier) error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	want := make(map[string]config.Notifier, len(ns))
	for _, n := range ns {
		if _, dup := want[n.Key()]; dup {
			return fmt.Errorf("webhooks: apply notifiers: two notifiers with id %s", n.Key())
		}
		want[n.Key()] = n.Clone()
	}
	return reconcile(ctx, m, want, fleet[config.Notifier]{
		running: m.notifiers,
		op:      "apply notifiers",
		same:    func(w *Worker, n *config.Notifier) bool { return reflect.DeepEqual(w.t.notifier, *n) },
		forgotten: func(w *Worker, err error) error {
			return fmt.Errorf("webhooks: forget notifier %s: %w", w.t.id, err)
		},
		enable: func(n *config.Notifier) error {
			if err := m.editState(NotifierConsumerName(n.Key()), enableState); err != nil {
				return fmt.Errorf("webhooks: enable notifier %s: %w", n.Key(), err)
			}
			return nil
		},
		target: m.notifierTarget,
	})
}

// notifierTarget is the target of a notifier.
func (m *Manager) notifierTarget(n config.Notifier) target {
	nodeID := m.opts.NodeID
	t := target{
		id:          n.Key(),
		consumer:    NotifierConsumerName(n.Key()),
		noun:        "notifier",
		kind:        n.Kind,
		name:        n.Name,
		display:     n.Target(),
		dedup:       n.Dedup,
		maxInFlight: n.MaxInFlight,
		maxAttempts: n.MaxAttempts,
		maxAge:      time.Duration(n.MaxAge),
		notifier:    n,
	}
	t.filter, t.node = n.Compiled(), nodeID
	env := SinkEnv{NodeID: nodeID, Version: m.opts.Version, Logger: t.logger(m.opts.Logger)}
	factory := m.opts.Sinks[n.Kind]
	t.newSink = func() (Sink, error) {
		if factory == nil {
			return nil, fmt.Errorf("notifier kind %q is not supported by this daemon", n.Kind)
		}
		return factory(&t.notifier, env)
	}
	return t
}

// NotifierHealth returns the health of every notifier, ordered by kind,
// then name or id.
func (m *Manager) NotifierHealth() []api.Notifier {
	ws := m.snapshot(m.notifiers)
	out := make([]api.Notifier, len(ws))
	for i, w := range ws {
		h := w.Health()
		out[i] = api.Notifier{
			ID: h.ID, Name: h.Name, Kind: w.t.kind, Target: h.URL, State: h.State,
			Cursor: h.Cursor, QueueDepth: h.QueueDepth,
			Delivered: h.Delivered, Failed: h.Failed, Retried: h.Retried, DeadLettered: h.DeadLettered, LostRetention: h.LostRetention,
			DeadLetters: h.DeadLetters, DeadLettersDropped: h.DeadLettersDropped, Replaying: h.Replaying,
			ConsecutiveFailures: h.ConsecutiveFailures, FailingSince: h.FailingSince, LastAttempt: h.LastAttempt,
			LastStatus: h.LastStatus, LastError: h.LastError, NextAttempt: h.NextAttempt,
		}
	}
	slices.SortFunc(out, func(a, b api.Notifier) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(cmp.Or(a.Name, a.ID), cmp.Or(b.Name, b.ID)))
	})
	return out
}

// NotifierDeadLetters returns the records the notifier with this id gave
// up on, and false if there is no such notifier.
func (m *Manager) NotifierDeadLetters(id string) ([]DeadLetter, bool) {
	return m.deadLetters(m.notifiers, id)
}

// SendTest sends one synthetic TEST event through a notifier's sink, built
// by the factory of its kind, as notifier-test does on every node, and
// returns the sink's result. The event is not journaled; its seq is 0.
func SendTest(ctx context.Context, n config.Notifier, sinks map[string]SinkFactory, env SinkEnv) Result {
	if err := n.Validate(); err != nil {
		return Result{Verdict: Permanent, Err: err}
	}
	factory := sinks[n.Kind]
	if factory == nil && n.Kind == config.KindExec {
		factory = NewExecSink
	}
	if factory == nil {
		return Result{Verdict: Permanent, Err: fmt.Errorf("notifier kind %q is not supported", n.Kind)}
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := factory(&n, env)
	if err != nil {
		return Result{Verdict: Permanent, Err: err}
	}
	defer s.Close()
	now := time.Now()
	m := &Message{
		Node:    env.NodeID,
		Epoch:   "test",
		Records: []*evrec.Record{{Received: now, Source: "127.0.0.1"}},
		Test:    true,
	}
	m.Records[0].Event.Time = now.Unix()
	return s.Send(ctx, m)
}
