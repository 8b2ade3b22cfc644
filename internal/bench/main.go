// Command bench runs the same load against gluster-eventing and against
// Gluster's own glustereventsd, side by side, and prints a table per
// scenario. It is a report, with no pass/fail thresholds:
//
//	sudo bash scripts/bench.sh [-quick] [-json out.json] [flags]
//
// or, with a built binary, as root:
//
//	go run ./internal/bench -bin ./gluster-eventing [flags]
//
// Every scenario run happens in one re-executed child process in private
// network and mount namespaces (unshare --net --mount --propagation
// private): the webhook receivers (Go net/http on 127.0.0.1), the UDP
// sender and the daemon all live there, /var/lib/glusterd,
// /var/log/glusterfs and /run are bind-mounted temp dirs, and the child
// prints its measurements as JSON for the parent to aggregate.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	if code, ok := dispatch(); ok {
		os.Exit(code)
	}
	os.Exit(parentMain(os.Args[1:], os.Stdout, os.Stderr))
}

const (
	ours  = "ours"
	stock = "stock"
)

var scenarioOrder = []string{"ceiling", "burst", "sustained", "latency", "fanout", "backlog", "dbus", "filter", "streams"}

type options struct {
	Bin               string        `json:"bin"`
	Quick             bool          `json:"quick"`
	Only              string        `json:"only"`
	Daemons           string        `json:"daemons"`
	Repeat            int           `json:"repeat"`
	CeilingDur        time.Duration `json:"ceiling_duration"`
	N                 int           `json:"burst_n"`
	Quiet             time.Duration `json:"quiet"`
	BurstDeadline     time.Duration `json:"burst_deadline"`
	SustainedDur      time.Duration `json:"sustained_duration"`
	SustainedRate     int           `json:"sustained_rate"`
	SustainedDeadline time.Duration `json:"sustained_deadline"`
	LatencyDur        time.Duration `json:"latency_duration"`
	LatencyRate       int           `json:"latency_rate"`
	FanoutDur         time.Duration `json:"fanout_duration"`
	FanoutRate        int           `json:"fanout_rate"`
	FanoutHooks       int           `json:"fanout_webhooks"`
	PacedDeadline     time.Duration `json:"paced_deadline"`
	BacklogN          int           `json:"backlog_n"`
	BacklogDrain      time.Duration `json:"backlog_drain"`
	BacklogInFlight   int           `json:"backlog_max_in_flight"`
	FilterDur         time.Duration `json:"filter_duration"`
	FilterRate        int           `json:"filter_rate"`
	FilterHooks       int           `json:"filter_webhooks"`
	StreamsDur        time.Duration `json:"streams_duration"`
	StreamsRate       int           `json:"streams_rate"`
	StreamsClients    int           `json:"streams_clients"`
	JSON              string        `json:"-"`
	Verbose           bool          `json:"-"`
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Bin, "bin", "", "the gluster-eventing binary to run (required)")
	fs.BoolVar(&o.Quick, "quick", false, "a ~1 minute smoke run: smaller counts and durations (explicit flags still win)")
	fs.StringVar(&o.Only, "only", "", "comma-separated scenarios to run (default all): "+strings.Join(scenarioOrder, ","))
	fs.StringVar(&o.Daemons, "daemons", "ours,stock", "which daemons: ours (gluster-eventing), stock (glustereventsd)")
	fs.IntVar(&o.Repeat, "repeat", 1, "runs of each scenario but backlog (glustereventsd's sustained runs once); medians are reported")
	fs.DurationVar(&o.CeilingDur, "ceiling-duration", 3*time.Second, "length of each receiver ceiling measurement")
	fs.IntVar(&o.N, "n", 100_000, "burst: datagrams")
	fs.DurationVar(&o.Quiet, "quiet", 3*time.Second, "delivery has stopped when nothing arrived for this long")
	fs.DurationVar(&o.BurstDeadline, "burst-deadline", 45*time.Second, "burst: give up waiting this long after the last send")
	fs.DurationVar(&o.SustainedDur, "sustained-duration", 30*time.Second, "sustained: sending time")
	fs.IntVar(&o.SustainedRate, "sustained-rate", 0, "sustained: events/s (0: the matching receiver ceiling)")
	fs.DurationVar(&o.SustainedDeadline, "sustained-deadline", 15*time.Second, "sustained: give up waiting this long after the last send")
	fs.DurationVar(&o.LatencyDur, "latency-duration", 10*time.Second, "latency: sending time")
	fs.IntVar(&o.LatencyRate, "latency-rate", 1000, "latency: events/s")
	fs.DurationVar(&o.FanoutDur, "fanout-duration", 10*time.Second, "fan-out: sending time")
	fs.IntVar(&o.FanoutRate, "fanout-rate", 1000, "fan-out: events/s")
	fs.IntVar(&o.FanoutHooks, "fanout-webhooks", 10, "fan-out: webhooks")
	fs.DurationVar(&o.PacedDeadline, "paced-deadline", 10*time.Second, "latency, fan-out: give up waiting this long after the last send")
	fs.IntVar(&o.BacklogN, "backlog-n", 1_000_000, "backlog: events sent while the webhook is down")
	fs.DurationVar(&o.BacklogDrain, "backlog-drain", 30*time.Second, "backlog: how long to watch the drain once the receiver is up")
	fs.IntVar(&o.BacklogInFlight, "backlog-max-in-flight", 4, "backlog: max_in_flight of the webhook")
	fs.DurationVar(&o.FilterDur, "filter-duration", 10*time.Second, "filter: sending time")
	fs.IntVar(&o.FilterRate, "filter-rate", 10_000, "filter: events/s")
	fs.IntVar(&o.FilterHooks, "filter-webhooks", 20, "filter: webhooks (a divisor of 100), each filtered to its share")
	fs.DurationVar(&o.StreamsDur, "streams-duration", 10*time.Second, "streams: sending time")
	fs.IntVar(&o.StreamsRate, "streams-rate", 1000, "streams: events/s")
	fs.IntVar(&o.StreamsClients, "streams-clients", 100, "streams: SSE clients")
	fs.StringVar(&o.JSON, "json", "", "also write the results to this JSON file")
	fs.BoolVar(&o.Verbose, "v", false, "show the children's diagnostics")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.Quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		quick := map[string]string{
			"ceiling-duration": "1s", "n": "10000", "quiet": "2s", "burst-deadline": "5s",
			"sustained-duration": "3s", "sustained-deadline": "3s",
			"latency-duration": "3s", "fanout-duration": "3s", "paced-deadline": "3s",
			"backlog-n": "50000", "backlog-drain": "5s", "filter-duration": "3s",
			"streams-duration": "3s",
		}
		for name, v := range quick {
			if !set[name] {
				_ = fs.Set(name, v)
			}
		}
	}
	if o.Bin == "" {
		return nil, errors.New("-bin is required")
	}
	for _, s := range o.scenarios() {
		if !slices.Contains(scenarioOrder, s) {
			return nil, fmt.Errorf("-only: unknown scenario %q", s)
		}
	}
	for _, d := range o.daemons() {
		if d != ours && d != stock {
			return nil, fmt.Errorf("-daemons: unknown daemon %q", d)
		}
	}
	o.Repeat = max(1, o.Repeat)
	return o, nil
}

func busVariant(withBus bool) string {
	if withBus {
		return "bus"
	}
	return "none"
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (o *options) scenarios() []string {
	if o.Only == "" {
		return scenarioOrder
	}
	return splitList(o.Only)
}

func (o *options) daemons() []string { return splitList(o.Daemons) }

func (o *options) want(scenario string) bool { return slices.Contains(o.scenarios(), scenario) }

func (o *options) wantDaemon(d string) bool { return slices.Contains(o.daemons(), d) }

// runChildProcess runs one spec in a re-executed child in fresh namespaces.
func runChildProcess(ctx context.Context, sp spec, stderr io.Writer) (*result, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if sp.ParentNetNS, err = os.Readlink("/proc/self/ns/net"); err != nil {
		return nil, err
	}
	b, err := json.Marshal(sp)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "unshare", "--net", "--mount", "--propagation", "private", self)
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if sp.Verbose {
		cmd.Stderr = io.MultiWriter(&errb, stderr)
	}
	runErr := cmd.Run()
	res := &result{}
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), res); err != nil {
		return nil, fmt.Errorf("child %s/%s: %v (stderr: %s)", sp.Scenario, sp.Daemon, firstErr(runErr, err), strings.TrimSpace(errb.String()))
	}
	if res.Error != "" {
		return res, fmt.Errorf("child %s/%s: %s", sp.Scenario, sp.Daemon, res.Error)
	}
	return res, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// runRecord is one child run.
type runRecord struct {
	Scenario string  `json:"scenario"`
	Variant  string  `json:"variant"` // e.g. "max_in_flight=4"
	Daemon   string  `json:"daemon"`
	Repeat   int     `json:"repeat"`
	Seconds  float64 `json:"seconds"`
	Result   *result `json:"result,omitempty"`
	Error    string  `json:"error,omitempty"`
}

type bench struct {
	o       *options
	stderr  io.Writer
	runs    []runRecord
	started time.Time
}

func (b *bench) run(scenario, variant, daemon string, rep int, sp spec) *result {
	sp.Scenario, sp.Daemon, sp.Bin, sp.Verbose = scenario, daemon, b.o.Bin, b.o.Verbose
	label := scenario
	if variant != "" {
		label += " " + variant
	}
	who := map[string]string{ours: "gluster-eventing", stock: "glustereventsd", "": "receiver"}[daemon]
	fmt.Fprintf(b.stderr, "[%5.0fs] %-28s %-16s run %d/%d ... ", time.Since(b.started).Seconds(), label, who, rep, b.reps(scenario))
	budget := sp.Duration*3 + sp.Deadline + 2*time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	t := time.Now()
	res, err := runChildProcess(ctx, sp, b.stderr)
	rec := runRecord{Scenario: scenario, Variant: variant, Daemon: daemon, Repeat: rep, Seconds: time.Since(t).Seconds(), Result: res}
	if err != nil {
		rec.Error = err.Error()
		fmt.Fprintf(b.stderr, "error after %.1fs: %v\n", rec.Seconds, err)
	} else {
		fmt.Fprintf(b.stderr, "%.1fs\n", rec.Seconds)
	}
	b.runs = append(b.runs, rec)
	if err != nil {
		return nil
	}
	return res
}

func (b *bench) reps(scenario string) int {
	if scenario == "backlog" {
		return 1
	}
	return b.o.Repeat
}

// median returns the per-metric medians of the successful runs of one
// scenario variant and daemon.
func (b *bench) median(scenario, variant, daemon string) *result {
	var rs []*result
	for _, r := range b.runs {
		if r.Scenario == scenario && r.Variant == variant && r.Daemon == daemon && r.Result != nil && r.Error == "" {
			rs = append(rs, r.Result)
		}
	}
	if len(rs) == 0 {
		return nil
	}
	out := &result{Extra: rs[0].Extra}
	for _, m := range rs[0].Metrics {
		var vs []float64
		for _, r := range rs {
			if v, ok := r.get(m.Name); ok {
				vs = append(vs, v)
			}
		}
		slices.Sort(vs)
		v := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			v = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		out.add(m.Name, m.Unit, v)
	}
	return out
}

func parentMain(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(stderr, "bench: run as root (network and mount namespaces, bind mounts)")
		return 2
	}
	if _, err := os.Stat(o.Bin); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if o.wantDaemon(stock) {
		if _, err := os.Stat(stockDaemon); err != nil {
			fmt.Fprintf(stderr, "bench: %v; install glusterfs-server or use -daemons ours\n", err)
			return 2
		}
	}
	b := &bench{o: o, stderr: stderr, started: time.Now()}
	load0 := loadAvg()
	// The journal fsyncs every group before delivery: the disk's fsync
	// latency is the floor of the latency scenario, so it is measured
	// where the scenarios keep their state.
	fsync, err := fsyncLatency("/var/tmp", 1000)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	fmt.Fprintf(stderr, "bench: gluster-eventing %s vs %s; %s\n", o.Bin, stockDaemon, map[bool]string{true: "quick run", false: "full run"}[o.Quick])

	// 1. Receiver ceilings (also the reference rates of "sustained").
	ceil1, ceil4 := 6700.0, 20000.0 // DESIGN.md's measurements, if not measured
	if o.want("ceiling") || o.want("sustained") {
		for rep := 1; rep <= b.reps("ceiling"); rep++ {
			b.run("ceiling", "", "", rep, spec{Duration: o.CeilingDur})
		}
		if m := b.median("ceiling", "", ""); m != nil {
			if v, ok := m.get("ceiling, 1 connection(s)"); ok {
				ceil1 = v
			}
			if v, ok := m.get("ceiling, 4 connection(s)"); ok {
				ceil4 = v
			}
		}
	}
	each := func(scenario, variant string, daemons []string, sp func(daemon string) spec) {
		for rep := 1; rep <= b.reps(scenario); rep++ {
			for _, d := range daemons {
				if o.wantDaemon(d) {
					b.run(scenario, variant, d, rep, sp(d))
				}
			}
		}
	}
	both := []string{ours, stock}
	if o.want("burst") {
		each("burst", "", both, func(string) spec {
			return spec{N: o.N, Quiet: o.Quiet, Deadline: o.BurstDeadline}
		})
	}
	if o.want("sustained") {
		rate := func(ceiling float64) int {
			if o.SustainedRate > 0 {
				return o.SustainedRate
			}
			return int(ceiling)
		}
		for _, v := range []struct {
			mif     int
			ceiling float64
		}{{1, ceil1}, {4, ceil4}} {
			each("sustained", fmt.Sprintf("max_in_flight=%d", v.mif), []string{ours}, func(string) spec {
				return spec{Rate: rate(v.ceiling), Duration: o.SustainedDur, MaxInFlight: v.mif, Quiet: o.Quiet, Deadline: o.SustainedDeadline, Ceiling: v.ceiling}
			})
		}
		// glustereventsd posts sequentially, one thread per webhook: its
		// reference is the one-connection ceiling. It falls so far behind
		// that one run tells all there is.
		if o.wantDaemon(stock) {
			b.run("sustained", "", stock, 1, spec{Rate: rate(ceil1), Duration: o.SustainedDur, Quiet: o.Quiet, Deadline: o.SustainedDeadline, Ceiling: ceil1})
		}
	}
	if o.want("latency") {
		each("latency", "", both, func(string) spec {
			return spec{Rate: o.LatencyRate, Duration: o.LatencyDur, Quiet: o.Quiet, Deadline: o.PacedDeadline}
		})
	}
	if o.want("fanout") {
		each("fanout", "", both, func(string) spec {
			return spec{Rate: o.FanoutRate, Duration: o.FanoutDur, Webhooks: o.FanoutHooks, Quiet: o.Quiet, Deadline: o.PacedDeadline}
		})
	}
	if o.want("backlog") {
		each("backlog", "", []string{ours}, func(string) spec {
			return spec{N: o.BacklogN, Deadline: o.BacklogDrain, MaxInFlight: o.BacklogInFlight}
		})
	}
	if o.want("dbus") {
		// The export's cost: the latency load, with and without a bus
		// that has a listener for every Event signal.
		for _, withBus := range []bool{true, false} {
			each("dbus", busVariant(withBus), []string{ours}, func(string) spec {
				return spec{Rate: o.LatencyRate, Duration: o.LatencyDur, Quiet: o.Quiet, Deadline: o.PacedDeadline, Bus: withBus}
			})
		}
	}

	if o.want("filter") && o.wantDaemon(ours) {
		for _, filtered := range []bool{true, false} {
			variant := map[bool]string{true: filterFiltered, false: filterUnfiltered}[filtered]
			each("filter", variant, []string{ours}, func(string) spec {
				return spec{Rate: o.FilterRate, Duration: o.FilterDur, Webhooks: o.FilterHooks, Quiet: o.Quiet, Deadline: o.PacedDeadline, Filter: filtered}
			})
		}
	}

	if o.want("streams") {
		b.runStreamsScenario()
	}

	tables := b.tables(ceil1, ceil4)
	fmt.Fprintf(stdout, "\ngluster-eventing vs Gluster's glustereventsd, %s; ratio = gluster-eventing / glustereventsd\n", time.Now().Format(time.DateTime))
	fmt.Fprintf(stdout, "host: %d CPUs; load average %s at the start, %s at the end; %s\n", runtime.NumCPU(), load0, loadAvg(), fsync)
	for _, t := range tables {
		t.print(stdout)
	}
	failed := 0
	for _, r := range b.runs {
		if r.Error != "" {
			failed++
			fmt.Fprintf(stdout, "\nerror: %s %s %s run %d: %s\n", r.Scenario, r.Variant, r.Daemon, r.Repeat, r.Error)
		}
	}
	fmt.Fprintf(stdout, "\ntotal wall time %.0f s\n", time.Since(b.started).Seconds())
	if o.JSON != "" {
		rep := map[string]any{
			"time": time.Now(), "options": o, "ceilings": map[string]float64{"one_connection": ceil1, "four_connections": ceil4},
			"fsync": fsync,
			"runs":  b.runs, "tables": tables,
		}
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.JSON, append(data, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		fmt.Fprintf(stdout, "results written to %s\n", o.JSON)
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// fsyncStats is the latency of fdatasync after a 4 KiB write on one disk.
type fsyncStats struct {
	Dir string        `json:"dir"`
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

func (f fsyncStats) String() string {
	return fmt.Sprintf("fdatasync on %s: p50 %.2f ms, p99 %.2f ms, max %.1f ms",
		f.Dir, ms(f.P50), ms(f.P99), ms(f.Max))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fsyncLatency times n fdatasyncs of 4 KiB writes in dir, one a
// millisecond, as the journal's commits come at 1,000 events a second.
func fsyncLatency(dir string, n int) (fsyncStats, error) {
	f, err := os.CreateTemp(dir, "ge-bench-fsync-")
	if err != nil {
		return fsyncStats{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	d := make([]time.Duration, n)
	for i := range d {
		if _, err := f.WriteAt(buf, int64(i%64)*4096); err != nil {
			return fsyncStats{}, err
		}
		t := time.Now()
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return fsyncStats{}, fmt.Errorf("fdatasync %s: %w", f.Name(), err)
		}
		d[i] = time.Since(t)
		time.Sleep(time.Millisecond)
	}
	slices.Sort(d)
	return fsyncStats{Dir: dir, P50: d[n/2], P99: d[n*99/100], Max: d[n-1]}, nil
}

// loadAvg is the 1-minute load average: other work on the machine skews
// every number here.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
