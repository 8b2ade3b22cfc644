package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// The streams scenario on a small load: every client gets every accepted
// event once, with no gap, and the daemon drops none of them.
func TestStreamsEveryClientGetsEveryEvent(t *testing.T) {
	needRoot(t)
	bin := buildDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := runChildProcess(ctx, spec{
		Scenario: "streams", Daemon: ours, Bin: bin, Rate: 500, Duration: 2 * time.Second, Clients: 20,
		Deadline: 60 * time.Second, Verbose: testing.Verbose(),
	}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Metrics {
		t.Logf("%s: %v %s", m.Name, m.Value, m.Unit)
	}
	accepted := metricOf(t, res, "accepted by the daemon")
	if accepted < 900 {
		t.Fatalf("only %v of 1000 events accepted", accepted)
	}
	if v := metricOf(t, res, "delivered"); v != 20*accepted {
		t.Errorf("delivered %v, want %v", v, 20*accepted)
	}
	for _, name := range []string{"not delivered by the end", "gaps (seqs skipped within a stream)", "duplicated", "clients dropped by the daemon", "deadline hit"} {
		if v := metricOf(t, res, name); v != 0 {
			t.Errorf("%s: %v, want 0", name, v)
		}
	}
	if _, ok := res.get("latency p99"); !ok {
		t.Error("no latency measured")
	}
}
