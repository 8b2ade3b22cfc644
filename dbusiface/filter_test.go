package dbusiface

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gluster/gluster-eventing/gfevent"
)

// TestGetEventsFilter calls GetEvents with the filter option through real
// bus clients (busctl, gdbus): the filter language, combined with types,
// channels from Options.Channels, and a refused expression.
func TestGetEventsFilter(t *testing.T) {
	te := startExport(t, func(o *Options) {
		o.Channels = func(name string) (string, bool) {
			if name == "alerts" {
				return "severity:warning", true
			}
			return "", false
		}
	})
	first := appendEvents(t, te.journal, gfevent.VolumeStart, gfevent.BrickDisconnected, gfevent.BrickConnected,
		gfevent.QuorumLost, gfevent.VolumeStop, gfevent.BrickStartFailed)
	seqs := func(out string) []uint64 {
		t.Helper()
		var reply struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal([]byte(out), &reply); err != nil || len(reply.Data) != 3 {
			t.Fatalf("GetEvents reply %q: %v", out, err)
		}
		var events []map[string]struct {
			Data any `json:"data"`
		}
		if err := json.Unmarshal(reply.Data[0], &events); err != nil {
			t.Fatal(err)
		}
		var got []uint64
		for _, e := range events {
			got = append(got, uint64(e["seq"].Data.(float64))-first)
		}
		return got
	}
	call := func(opts ...string) string {
		t.Helper()
		args := []string{"--json=short", "call", BusName, string(ManagerPath), ManagerInterface, "GetEvents", "tua{sv}", "0", "0"}
		return busctl(t, te.addr, append(append(args, itoa(uint64(len(opts)/3))), opts...)...)
	}
	for _, tt := range []struct {
		opts []string
		want string // offsets from the first seq
	}{
		{[]string{"filter", "s", "category:brick severity:warning"}, "[1 5]"},
		{[]string{"filter", "s", "Volume.*"}, "[0 4]"},
		{[]string{"filter", "s", "!category:brick,!VOLUME_STOP"}, "[0 3]"},
		{[]string{"filter", "s", "channel:alerts !QUORUM_LOST"}, "[1 5]"},
		{[]string{"filter", "s", "volume:gv-1"}, "[0 4]"}, // the brick events of the test journal name no volume
		{[]string{"filter", "s", ""}, "[0 1 2 3 4 5]"},
	} {
		if got := fmtSeqs(seqs(call(tt.opts...))); got != tt.want {
			t.Errorf("GetEvents %v = %s, want %s", tt.opts, got, tt.want)
		}
	}
	// types and filter both apply (busctl's "as" takes a count, then the names).
	out := busctl(t, te.addr, "--json=short", "call", BusName, string(ManagerPath), ManagerInterface, "GetEvents", "tua{sv}", "0", "0", "2",
		"types", "as", "2", "BRICK_CONNECTED", "BRICK_DISCONNECTED", "filter", "s", "severity:critical")
	if got := fmtSeqs(seqs(out)); got != "[1]" {
		t.Errorf("GetEvents types+filter = %s, want [1]", got)
	}

	// gdbus speaks GVariant text: the same call as an operator types it.
	requireTool(t, "gdbus", "libglib2.0-bin")
	gout, err := client(t, "", "gdbus", "call", "--address", te.addr, "--dest", BusName, "--object-path", string(ManagerPath),
		"--method", ManagerInterface+".GetEvents", "0", "0", "{'filter': <'category:quorum'>}")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(gout, "'QUORUM_LOST'") || strings.Contains(gout, "'BRICK_") || strings.Contains(gout, "'VOLUME_") {
		t.Errorf("gdbus GetEvents category:quorum = %s", gout)
	}

	// A bad expression is InvalidArgs with the parser's message.
	_, err = client(t, "", "busctl", "--address="+te.addr, "call", BusName, string(ManagerPath), ManagerInterface, "GetEvents",
		"tua{sv}", "0", "0", "1", "filter", "s", "VOLUME_STRAT")
	if err == nil || !strings.Contains(err.Error(), `unknown event name "VOLUME_STRAT" (did you mean VOLUME_START?)`) {
		t.Errorf("GetEvents with an unknown name: %v", err)
	}
	_, err = client(t, "", "busctl", "--address="+te.addr, "call", BusName, string(ManagerPath), ManagerInterface, "GetEvents",
		"tua{sv}", "0", "0", "1", "filter", "s", "channel:nope")
	if err == nil || !strings.Contains(err.Error(), `unknown channel "nope"`) {
		t.Errorf("GetEvents with an unknown channel: %v", err)
	}
	_, err = client(t, "", "busctl", "--address="+te.addr, "call", BusName, string(ManagerPath), ManagerInterface, "GetEvents",
		"tua{sv}", "0", "0", "1", "filter", "u", "3")
	if err == nil || !strings.Contains(err.Error(), "want s, got u") {
		t.Errorf("GetEvents with a filter that is not a string: %v", err)
	}
}

func fmtSeqs(s []uint64) string {
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = itoa(n)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
